//! `mprotect-split` and `munmap-hole`: a mapping of three pages, and what happens when its
//! middle page gets other permissions, or is unmapped.
//!
//! The kernel keeps one row (one VMA) per run of pages with the same permissions and
//! backing, and merges neighbours that match. So the mapping is made at an address with
//! nothing near it ([`super::sys::isolated_hint`]); next to another anonymous `rw-p`
//! mapping it would merge into it and the lesson would start from a row that is not its
//! own.

use super::probe::Measured;
use super::report::{Figure, Step};
use super::sys::{AnonMap, isolated_hint, map_isolated_filled, page_strip};
use super::{Tour, TourError, errno, failed_with, region_at};

const PAGES: usize = 3;

/// Make the three-page mapping, as a measured step, and fill it.
fn make(t: &mut Tour) -> Result<AnonMap, TourError> {
    let name = t.name();
    let page = t.page as usize;
    let len = PAGES * page;
    let hint = isolated_hint(&t.probe.snapshot()?);
    let m = t.probe.measure(|| map_isolated_filled(hint, len))?;
    let call_error = |e: &std::io::Error| TourError::Call {
        experiment: name,
        call: format!(
            "mmap({hint:#x}, {len}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)"
        ),
        source: std::io::Error::new(e.kind(), e.to_string()),
    };
    let (addr, at_hint) = match &m.value {
        Ok(map) => (map.addr, map.at_hint),
        Err(e) => return Err(call_error(e)),
    };
    let row = region_at(&m.after, addr);
    let alone = row.is_some_and(|r| r.start == addr && r.size() == len as u64);
    let why = format!(
        "One anonymous mapping of {PAGES} pages, one row: rw-p, {} kB, all resident after memset{}. {}",
        len / 1024,
        if at_hint {
            ""
        } else {
            " (the address asked for was taken, so the kernel chose one)"
        },
        if alone {
            "It was put at an address far from every other mapping: next to another anonymous rw-p mapping the kernel would have merged the two into one row."
        } else {
            "The kernel merged it with a neighbour of the same permissions: its row is bigger than the mapping."
        }
    );
    let step = Step::measured(
        "map three pages",
        &[
            &format!(
                "char *p = mmap((void *){:#x}, {len}, PROT_READ|PROT_WRITE,",
                hint
            ),
            "    MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0);",
            "/* the address: far from any other mapping, so that none merges with it */",
            &format!("memset(p, 1, {len});"),
        ],
        &m,
    )
    .figure(Figure::addr("address", "p", addr))
    .pages(page_strip(
        std::process::id() as i32,
        "the mapping",
        addr,
        len as u64,
        t.page,
    ))
    .why(why);
    let map = m.value.map_err(|e| call_error(&e))?;
    t.emit(step)?;
    Ok(map)
}

/// `mprotect(p + page, page, prot)` on the middle page of `map` (`prot_text` as C writes
/// it), measured; and how many rows the mapping is then.
fn protect_middle(
    t: &mut Tour,
    map: &AnonMap,
    prot: libc::c_int,
    prot_text: &str,
) -> Result<(Measured<(libc::c_int, i32)>, usize), TourError> {
    let page = t.page as usize;
    let p = map.addr;
    let middle = (p as usize + page) as *mut libc::c_void;
    // SAFETY: the middle page of our own mapping.
    let m = t
        .probe
        .measure(|| (unsafe { libc::mprotect(middle, page, prot) }, errno()))?;
    if m.value.0 != 0 {
        return Err(failed_with(
            t.name(),
            &format!("mprotect(p + {page}, {page}, {prot_text})"),
            m.value.1,
        ));
    }
    let rows = m
        .after
        .regions
        .iter()
        .filter(|r| r.start >= p && r.end <= p + map.len as u64)
        .count();
    Ok((m, rows))
}

/// `mprotect-split`: three pages, the middle made read-only, then writable again.
pub fn mprotect_split(t: &mut Tour) -> Result<(), TourError> {
    let page = t.page as usize;
    let map = make(t)?;
    let (m, rows) = protect_middle(t, &map, libc::PROT_READ, "PROT_READ")?;
    let step = Step::measured(
        "make the middle page read-only",
        &[&format!("mprotect(p + {page}, {page}, PROT_READ);")],
        &m,
    )
    .figure(Figure::count("rows", "rows for the mapping", rows as u64, ""))
    .why(format!(
        "A row has one set of permissions, so the kernel cut the mapping where they change: {rows} rows now (rw-p, r--p, rw-p), each its own VMA. The pages did not move and stay resident; a write to the middle one would now be a segmentation fault."
    ));
    t.emit(step)?;

    let (m, rows) = protect_middle(
        t,
        &map,
        libc::PROT_READ | libc::PROT_WRITE,
        "PROT_READ|PROT_WRITE",
    )?;
    let step = Step::measured(
        "make it writable again",
        &[&format!("mprotect(p + {page}, {page}, PROT_READ|PROT_WRITE);")],
        &m,
    )
    .figure(Figure::count("rows", "rows for the mapping", rows as u64, ""))
    .why(format!(
        "With the same permissions again, the three neighbours match in every way, and the kernel merged them back into {rows} row{}.",
        if rows == 1 { "" } else { "s" }
    ));
    t.emit(step)?;
    unmap(t, map)
}

/// `munmap-hole`: three pages, the middle one unmapped.
pub fn munmap_hole(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let page = t.page as usize;
    let map = make(t)?;
    let p = map.addr;
    let middle = (p as usize + page) as *mut libc::c_void;
    // SAFETY: the middle page of our own mapping, never touched again.
    let m = t
        .probe
        .measure(|| (unsafe { libc::munmap(middle, page) }, errno()))?;
    if m.value.0 != 0 {
        return Err(failed_with(name, "munmap(p + 4096, 4096)", m.value.1));
    }
    let hole = region_at(&m.after, p + page as u64).is_none();
    let step = Step::measured(
        "unmap the middle page",
        &[&format!("munmap(p + {page}, {page});")],
        &m,
    )
    .figure(Figure::count(
        "hole_bytes",
        "unmapped between the two rows",
        if hole { page as u64 } else { 0 },
        "bytes",
    ))
    .pages(page_strip(std::process::id() as i32, "the mapping", p, map.len as u64, t.page))
    .why(format!(
        "munmap can take any whole pages out of a mapping: the middle page is gone and the mapping is two rows with a hole of {} kB between them. Its memory went back to the kernel at once (RSS down by one page); touching p[{page}] now would be a segmentation fault.",
        page / 1024
    ));
    t.emit(step)?;
    unmap(t, map)
}

/// Unmap the whole range, as a measured step.
fn unmap(t: &mut Tour, map: AnonMap) -> Result<(), TourError> {
    let (p, len) = (map.ptr(), map.len);
    // SAFETY: our own range; munmap of a range with holes unmaps what is there.
    let m = t.probe.measure(|| unsafe { libc::munmap(p.cast(), len) })?;
    map.forget();
    let step = Step::measured("unmap it all", &[&format!("munmap(p, {len});")], &m)
        .why("munmap of the whole range removes whatever rows lie in it, holes and all.");
    t.emit(step)
}
