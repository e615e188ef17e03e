//! The experiments on glibc's malloc, called as C calls it (`libc::malloc`; Rust's own
//! allocator is the same malloc underneath): `malloc-small` (many small blocks: `[heap]`
//! grows with `brk`; `free` keeps the space; `malloc_trim` gives it back) and
//! `malloc-large` (one block above `M_MMAP_THRESHOLD` gets a mapping of its own, which
//! `free` unmaps, and the threshold then moves).
//!
//! What glibc does is read from the measurements (the program break, the rows), and the
//! why says what was seen: glibc's behaviour is tunable (`GLIBC_TUNABLES`, `mallopt`),
//! so nothing here is assumed.

use super::report::{Figure, Step};
use super::sys::program_break;
use super::{Tour, TourError, failed, region_at};

/// How many small blocks, and how big.
const SMALL_COUNT: usize = 10_000;
const SMALL_SIZE: usize = 64;

/// The large block: 1 MiB, above glibc's default mmap threshold (128 KiB).
const LARGE: usize = 1 << 20;

/// The error of a malloc that returned NULL: glibc's malloc fails only for want of memory
/// (ENOMEM).
fn out_of_memory(experiment: &'static str, call: &str) -> TourError {
    failed(
        experiment,
        call,
        std::io::Error::from_raw_os_error(libc::ENOMEM),
    )
}

fn heap_figures(step: Step, brk0: u64, brk1: u64) -> Step {
    step.figure(Figure::addr(
        "break_before",
        "program break before (sbrk(0))",
        brk0,
    ))
    .figure(Figure::addr("break_after", "program break after", brk1))
    .figure(Figure::count(
        "break_moved",
        "the break moved by",
        brk1.abs_diff(brk0),
        "bytes",
    ))
}

/// `malloc-small`: one small malloc, ten thousand, free them all, malloc_trim.
pub fn small(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    // Room for every pointer, made before any step so that it is no step's doing.
    let mut blocks: Vec<*mut libc::c_void> = Vec::with_capacity(SMALL_COUNT);

    let m = t.probe.measure(|| {
        let b0 = program_break();
        // SAFETY: malloc has no preconditions.
        let p = unsafe { libc::malloc(SMALL_SIZE) };
        (p, b0, program_break())
    })?;
    let (first, b0, b1) = m.value;
    if first.is_null() {
        return Err(out_of_memory(name, "malloc(64)"));
    }
    let in_heap = region_at(&m.after, first as u64).is_some_and(|r| r.name == b"[heap]");
    let why = if b0 == b1 {
        format!(
            "One small block came from space [heap] already had: the program break did not move and no row changed. The block is {}.",
            if in_heap {
                "inside [heap]"
            } else {
                "in an arena mapping"
            }
        )
    } else {
        "[heap] had no room, so malloc moved the program break up with brk (or made [heap] if there was none).".to_string()
    };
    let step = Step::measured("one small malloc", &["void *p = malloc(64);"], &m)
        .figure(Figure::addr("block", "p", first as u64));
    t.emit(heap_figures(step, b0, b1).why(why))?;

    let m = t.probe.measure(|| {
        let b0 = program_break();
        for _ in 0..SMALL_COUNT {
            // SAFETY: as above; the capacity was reserved, so push does not allocate.
            blocks.push(unsafe { libc::malloc(SMALL_SIZE) });
        }
        (b0, program_break())
    })?;
    let (b0, b1) = m.value;
    if blocks.iter().any(|p| p.is_null()) {
        return Err(out_of_memory(name, "malloc(64)"));
    }
    let heap = |s: &crate::model::Snapshot| {
        s.regions
            .iter()
            .find(|r| r.name == b"[heap]")
            .map_or(0, |r| r.size())
    };
    let (h0, h1) = (heap(&m.before), heap(&m.after));
    let why = format!(
        "{SMALL_COUNT} blocks of {SMALL_SIZE} bytes need about {} kB with glibc's 16-byte header each. malloc took them from the top of [heap] and moved the program break up with brk when it ran out: the break moved by {} kB and [heap] went from {} kB to {} kB. Small blocks never get mappings of their own.",
        SMALL_COUNT * (SMALL_SIZE + 16) / 1024,
        b1.abs_diff(b0) / 1024,
        h0 / 1024,
        h1 / 1024
    );
    let step = Step::measured(
        "ten thousand small mallocs",
        &[&format!(
            "for (i = 0; i < {SMALL_COUNT}; i++) v[i] = malloc({SMALL_SIZE});"
        )],
        &m,
    )
    .figure(Figure::count("heap_before", "[heap] before", h0, "bytes"))
    .figure(Figure::count("heap_after", "[heap] after", h1, "bytes"));
    t.emit(heap_figures(step, b0, b1).why(why))?;

    let m = t.probe.measure(|| {
        let b0 = program_break();
        for p in blocks.drain(..) {
            // SAFETY: each pointer came from malloc and is freed once.
            unsafe { libc::free(p) };
        }
        (b0, program_break())
    })?;
    let (b0, b1) = m.value;
    let why = if b1 == b0 {
        "free gave nothing back: the break did not move and [heap] is as big as before. Freed small blocks wait in glibc's bins (tcache, fastbins) for the next malloc of that size; they are not even merged yet, so the free space at the top of [heap] cannot be trimmed.".to_string()
    } else {
        format!(
            "free moved the break down by {} kB: glibc merged the freed blocks at the top of [heap] and trimmed them (M_TRIM_THRESHOLD).",
            b0.abs_diff(b1) / 1024
        )
    };
    let step = Step::measured(
        "free them all",
        &[&format!("for (i = 0; i < {SMALL_COUNT}; i++) free(v[i]);")],
        &m,
    );
    t.emit(heap_figures(step, b0, b1).why(why))?;

    let m = t.probe.measure(|| {
        let b0 = program_break();
        // SAFETY: malloc_trim has no preconditions.
        let r = unsafe { libc::malloc_trim(0) };
        (b0, program_break(), r)
    })?;
    let (b0, b1, _) = m.value;
    let why = if b1 < b0 {
        format!(
            "malloc_trim merged the free blocks and gave the top of [heap] back with brk: the break moved down by {} kB. It also returns whole free pages inside the heap with madvise(MADV_DONTNEED), which lowers RSS without moving the break.",
            (b0 - b1) / 1024
        )
    } else {
        "malloc_trim found nothing to give back at the top of [heap] (the break did not move); whole free pages inside it are still returned with madvise(MADV_DONTNEED), which lowers RSS only.".to_string()
    };
    let step = Step::measured("give the memory back", &["malloc_trim(0);"], &m);
    t.emit(heap_figures(step, b0, b1).why(why))?;
    // SAFETY: the first block, from malloc, freed once.
    unsafe { libc::free(first) };
    Ok(())
}

/// `malloc-large`: a 1 MiB malloc, filled, freed; then the same again.
pub fn large(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    // SAFETY: malloc has no preconditions.
    let m = t.probe.measure(|| unsafe { libc::malloc(LARGE) })?;
    let p = m.value;
    if p.is_null() {
        return Err(out_of_memory(name, "malloc(1048576)"));
    }
    let addr = p as u64;
    let row = region_at(&m.after, addr).filter(|r| r.name.is_empty());
    // The bytes the step mapped: the new row, or what an old row grew by (the kernel
    // merges a new anonymous mapping into an adjacent one with the same permissions).
    let before = row.and_then(|r| {
        m.before
            .regions
            .iter()
            .find(|b| b.name.is_empty() && (b.end == r.end || b.start == r.start))
    });
    let size = row.map_or(0, |r| {
        r.size().saturating_sub(before.map_or(0, |b| b.size()))
    });
    let why = match (row, before) {
        (Some(r), None) => format!(
            "1 MiB is above glibc's mmap threshold (M_MMAP_THRESHOLD, 128 KiB by default), so malloc asked the kernel for a mapping of its own: {} kB, the block plus glibc's header rounded up to pages, at {:x}. Only the header's page is resident: the rest is untouched.",
            r.size() / 1024,
            r.start
        ),
        (Some(r), Some(b)) => format!(
            "1 MiB is above glibc's mmap threshold (M_MMAP_THRESHOLD, 128 KiB by default), so malloc asked the kernel for a mapping of its own: {} kB, the block plus glibc's header rounded up to pages. The kernel put it right next to an anonymous rw-p mapping of {} kB and merged the two into one row of {} kB: a row is a run of pages with the same permissions and backing, not one call. Only the header's page of the block is resident.",
            size / 1024,
            b.size() / 1024,
            r.size() / 1024
        ),
        _ => "The block did not get a mapping of its own: this glibc's mmap threshold is above 1 MiB (see M_MMAP_THRESHOLD, GLIBC_TUNABLES), so it came from [heap].".to_string(),
    };
    let step = Step::measured("one large malloc", &["char *p = malloc(1 << 20);"], &m)
        .figure(Figure::addr("block", "p", addr))
        .figure(Figure::count(
            "mapped_bytes",
            "bytes mapped for the block",
            size,
            "bytes",
        ))
        .why(why);
    t.emit(step)?;

    // SAFETY: p points to LARGE writable bytes.
    let m = t.probe.measure(|| unsafe { libc::memset(p, 1, LARGE) })?;
    let rss = region_at(&m.after, addr)
        .and_then(|r| r.smaps.as_ref())
        .map_or(0, |s| s.rss);
    let pages = (LARGE as u64).div_ceil(t.page);
    let step = Step::measured("fill it", &["memset(p, 1, 1 << 20);"], &m)
        .figure(Figure::count("rss_kb", "resident in the mapping", rss, "kB"))
        .why(format!(
            "Writing the block made its pages resident: {rss} kB now. Each untouched anonymous page faults on its first write and gets a zeroed page ({} minor faults for {pages} pages); there is no fault-around for anonymous memory.",
            m.faults.minor
        ));
    t.emit(step)?;

    // SAFETY: p came from malloc and is freed once.
    let m = t.probe.measure(|| unsafe { libc::free(p) })?;
    let gone = region_at(&m.after, addr).is_none();
    let step = Step::measured("free it", &["free(p);"], &m)
        .figure(Figure::count(
            "mapped_after",
            "bytes still mapped at p",
            region_at(&m.after, addr).map_or(0, |r| r.size()),
            "bytes",
        ))
        .why(if gone {
            "free of a block that has a mapping of its own is munmap: its pages are unmapped and back with the kernel at once (a row merged with a neighbour shrinks back to the neighbour). glibc also raises its mmap threshold to this block's size (the dynamic threshold), betting that blocks this big come and go."
        } else {
            "The block came from [heap], so free kept the memory for the next malloc."
        });
    t.emit(step)?;

    let m = t.probe.measure(|| {
        let b0 = program_break();
        // SAFETY: malloc has no preconditions.
        let q = unsafe { libc::malloc(LARGE) };
        (q, b0, program_break())
    })?;
    let (q, b0, b1) = m.value;
    if q.is_null() {
        return Err(out_of_memory(name, "malloc(1048576)"));
    }
    let in_heap = region_at(&m.after, q as u64).is_some_and(|r| r.name == b"[heap]");
    let why = if in_heap {
        format!(
            "The same malloc now comes from [heap]: free raised the mmap threshold above 1 MiB, so glibc moved the program break up by {} kB instead of making a mapping (glibc malloc.c, \"dynamic mmap threshold\"). Setting M_MMAP_THRESHOLD with mallopt turns this off.",
            b1.abs_diff(b0) / 1024
        )
    } else {
        "The block got a mapping of its own again: the threshold did not move (it is fixed when M_MMAP_THRESHOLD is set).".to_string()
    };
    let step = Step::measured("the same malloc again", &["p = malloc(1 << 20);"], &m)
        .figure(Figure::addr("block", "p", q as u64));
    t.emit(heap_figures(step, b0, b1).why(why))?;
    // SAFETY: q came from malloc and is freed once.
    unsafe { libc::free(q) };
    Ok(())
}
