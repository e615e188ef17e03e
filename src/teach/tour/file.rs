//! The experiments on a mapped file: `mmap-file` (the article's program, step by step:
//! open, mmap, read a byte, read it all, munmap) and `shared-vs-private` (one file mapped
//! twice, `MAP_SHARED` and `MAP_PRIVATE`, and written through both: who sees which
//! write, what is dirty, what reaches the disk).
//!
//! The files are the experiment's own ([`super::scratch`]); every call is made as C makes
//! it, through `libc`, so that the step is the call and nothing else.

use std::ffi::CString;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

use super::report::{Figure, Step};
use super::scratch::Scratch;
use super::sys::{cached_pages, page_strip};
use super::{Tour, TourError, errno, failed_with, region_at, smaps_at};

/// The article's message, at the start of the file.
const MESSAGE: &[u8] = b"Hello world from the virtual address space!\n";

/// The byte at offset `i` of the tour's text files: the message, then lines of dots.
fn text_byte(i: usize) -> u8 {
    match MESSAGE.get(i) {
        Some(&b) => b,
        None if i % 64 == 63 => b'\n',
        None => b'.',
    }
}

fn c_path(scratch: &Scratch, name: &str) -> CString {
    // A temporary directory's path holds no NUL byte.
    CString::new(scratch.path(name).as_os_str().as_bytes()).unwrap_or_default()
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `mmap-file`: open, mmap, read one byte, read every page, munmap.
pub fn mmap_file(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let page = t.page;
    let pages = 64u64;
    let len = (pages * page) as usize;
    let mut scratch = Scratch::new(name)?;
    drop(scratch.create("message.txt", len, text_byte)?);
    let path = c_path(&scratch, "message.txt");
    let pid = std::process::id() as i32;

    // SAFETY: open with a NUL-terminated path.
    let m = t.probe.measure(|| {
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 { Err(errno()) } else { Ok(fd) }
    })?;
    let raw = match &m.value {
        Ok(fd) => *fd,
        Err(code) => return Err(failed_with(name, "open(\"message.txt\", O_RDONLY)", *code)),
    };
    // SAFETY: a descriptor just opened and owned here alone.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let cached = cached_pages(fd.as_fd(), len, page).unwrap_or(0);
    let step = Step::measured("open the file", &["int fd = open(\"message.txt\", O_RDONLY);"], &m)
        .figure(Figure::count("file_size", "file size", len as u64, "bytes"))
        .figure(Figure::count("cached_pages", "pages of the file in the page cache (mincore)", cached, "pages"))
        .why(format!(
            "open gives a file descriptor and maps nothing, so the address space is as it was. The file was just written, so {cached} of its {pages} pages are in the page cache: reading them will need no disk."
        ));
    t.emit(step)?;

    let raw_fd = std::os::fd::AsRawFd::as_raw_fd(&fd);
    let m = t.probe.measure(|| {
        // SAFETY: a new private read-only mapping of an open file.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                raw_fd,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            Err(errno())
        } else {
            Ok(p as u64)
        }
    })?;
    let p = match m.value {
        Ok(p) => p,
        Err(code) => {
            return Err(failed_with(
                name,
                "mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0)",
                code,
            ));
        }
    };
    let strip = || page_strip(pid, "message.txt", p, len as u64, page);
    let rss = |s: &crate::model::Snapshot| smaps_at(s, p).rss;
    let step = Step::measured(
        "map it",
        &[&format!("char *p = mmap(NULL, {len}, PROT_READ, MAP_PRIVATE, fd, 0);")],
        &m,
    )
    .figure(Figure::addr("address", "p", p))
    .figure(Figure::count("rss_kb", "resident in the mapping", rss(&m.after), "kB"))
    .pages(strip())
    .why(format!(
        "mmap chose {len} bytes of free addresses and tied them to the file, and read nothing: {} kB are resident. A page comes in only when the program touches it (demand paging).",
        rss(&m.after)
    ));
    t.emit(step)?;

    // SAFETY: p is the start of a readable mapping of `len` bytes.
    let m = t
        .probe
        .measure(|| unsafe { std::ptr::read_volatile(p as *const u8) })?;
    let resident = rss(&m.after) * 1024 / page;
    let mut why = if m.faults.major > 0 {
        format!(
            "The page was not in the page cache: {} read it from the disk, and readahead read the pages after it in the same trip. ",
            plural(m.faults.major, "major fault", "major faults")
        )
    } else {
        String::new()
    };
    if resident > 1 {
        why.push_str(&format!(
            "One byte read, yet {resident} pages are resident after {}: on a fault the kernel also maps the neighbouring pages already in the page cache (fault-around: up to 16 pages, fault_around_bytes = 64 kB by default, in a window aligned to 64 kB of addresses and cut at the mapping's ends).",
            plural(m.faults.total(), "fault", "faults")
        ));
    } else {
        why.push_str(&format!(
            "One byte read and {resident} page resident: the fault mapped only the page touched (fault-around found no neighbour in the page cache)."
        ));
    }
    let step = Step::measured("read one byte", &["char c = p[0];"], &m)
        .figure(Figure::byte("byte", "c", m.value))
        .figure(Figure::count(
            "resident_pages",
            "pages resident in the mapping",
            resident,
            "pages",
        ))
        .pages(strip())
        .why(why);
    t.emit(step)?;

    let m = t.probe.measure(|| {
        let mut sum = 0u8;
        for off in (0..len).step_by(page as usize) {
            // SAFETY: off < len, inside the mapping.
            sum ^= unsafe { std::ptr::read_volatile((p as *const u8).add(off)) };
        }
        sum
    })?;
    let resident = rss(&m.after) * 1024 / page;
    let faults = m.faults.total();
    let why = if faults < pages - 1 {
        format!(
            "{pages} pages read with {}: each fault mapped a window of neighbours already cached, so a mapped file read in order takes about one fault per 16 pages, not one a page. All {resident} pages are resident now.",
            plural(faults, "fault", "faults")
        )
    } else {
        format!(
            "{pages} pages read with {}: fault-around mapped few neighbours here. {resident} pages are resident now.",
            plural(faults, "fault", "faults")
        )
    };
    let step = Step::measured(
        "read every page",
        &[&format!("for (i = 0; i < {len}; i += {page}) c ^= p[i];")],
        &m,
    )
    .figure(Figure::count("pages_read", "pages read", pages, "pages"))
    .figure(Figure::count(
        "resident_pages",
        "pages resident in the mapping",
        resident,
        "pages",
    ))
    .pages(strip())
    .why(why);
    t.emit(step)?;

    let m = t.probe.measure(|| {
        // SAFETY: the mapping made above, not used after this.
        unsafe { libc::munmap(p as *mut libc::c_void, len) }
    })?;
    let still = cached_pages(fd.as_fd(), len, page).unwrap_or(0);
    drop(fd);
    let step = Step::measured("unmap it", &[&format!("munmap(p, {len});"), "close(fd);"], &m)
        .figure(Figure::count("cached_pages", "pages of the file still in the page cache (mincore)", still, "pages"))
        .why(format!(
            "munmap removed the row and this process's page table entries; the file's pages stay in the page cache ({still} of {pages}) for the next reader, until memory is needed elsewhere."
        ));
    t.emit(step)
}

/// `shared-vs-private`: the same file mapped `MAP_SHARED` and `MAP_PRIVATE`, written
/// through both.
pub fn shared_vs_private(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let page = t.page;
    let len = (4 * page) as usize;
    let mut scratch = Scratch::new(name)?;
    let file = scratch.create("shared.txt", len, text_byte)?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    let pid = std::process::id() as i32;
    let on_disk = |f: &std::fs::File| {
        let mut b = [0u8; 1];
        f.read_at(&mut b, 0).map_or(0, |_| b[0])
    };
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let m = t.probe.measure(|| {
        // SAFETY: two new mappings of an open file, read-write.
        unsafe {
            let s = libc::mmap(std::ptr::null_mut(), len, rw, libc::MAP_SHARED, fd, 0);
            let e = errno();
            let q = libc::mmap(std::ptr::null_mut(), len, rw, libc::MAP_PRIVATE, fd, 0);
            let code = if s == libc::MAP_FAILED { e } else { errno() };
            (s, q, code)
        }
    })?;
    let (s, q, code) = m.value;
    if s == libc::MAP_FAILED || q == libc::MAP_FAILED {
        for p in [s, q].into_iter().filter(|&p| p != libc::MAP_FAILED) {
            // SAFETY: the mapping that did succeed, not used after this.
            unsafe { libc::munmap(p, len) };
        }
        return Err(failed_with(
            name,
            "mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED/MAP_PRIVATE, fd, 0)",
            code,
        ));
    }
    let (s, q) = (s as u64, q as u64);
    let step = Step::measured(
        "map the file twice",
        &[
            "int fd = open(\"shared.txt\", O_RDWR);",
            &format!("char *s = mmap(NULL, {len}, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);"),
            &format!("char *q = mmap(NULL, {len}, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 0);"),
        ],
        &m,
    )
    .figure(Figure::addr("shared", "s (MAP_SHARED, rw-s)", s))
    .figure(Figure::addr("private", "q (MAP_PRIVATE, rw-p)", q))
    .figure(Figure::byte("file_byte", "byte 0 of the file on disk (pread)", on_disk(&file)))
    .why("Two rows for one file: `s` in the fourth column of rw-s is MAP_SHARED, `p` of rw-p is MAP_PRIVATE. Both map the same page cache pages, and nothing is resident yet.");
    t.emit(step)?;

    let m = t.probe.measure(|| {
        // SAFETY: both are writable mappings of at least one page.
        unsafe {
            std::ptr::write_volatile(s as *mut u8, b'S');
            std::ptr::read_volatile(q as *const u8)
        }
    })?;
    let disk = on_disk(&file);
    let dirty = smaps_at(&m.after, s).private_dirty + smaps_at(&m.after, s).shared_dirty;
    let step = Step::measured("write through the shared mapping", &["s[0] = 'S';", "char c = q[0];"], &m)
        .figure(Figure::byte("file_byte", "byte 0 of the file (pread)", disk))
        .figure(Figure::byte("private_reads", "q[0] reads", m.value))
        .figure(Figure::count("shared_dirty_kb", "dirty in the shared mapping", dirty, "kB"))
        .pages(page_strip(pid, "s", s, len as u64, page))
        .why(format!(
            "A write through MAP_SHARED goes to the page cache page itself: pread of the file now gives '{}', and so does every process mapping the file. q has no copy of its own yet, so reading q[0] maps that same page and sees the write too. s has {dirty} kB dirty until the kernel writes it back{}.",
            crate::text::escape_text(&[disk], false),
            if dirty > page / 1024 {
                ", more than the one page written: this kernel keeps the file's page cache in large folios (several pages each) and counts a whole folio dirty"
            } else {
                ""
            }
        ));
    t.emit(step)?;

    // SAFETY: q is a writable private mapping of at least one page.
    let m = t
        .probe
        .measure(|| unsafe { std::ptr::write_volatile(q as *mut u8, b'P') })?;
    let disk = on_disk(&file);
    let qs = smaps_at(&m.after, q);
    // SAFETY: both mappings are readable.
    let (sv, qv) = unsafe {
        (
            std::ptr::read_volatile(s as *const u8),
            std::ptr::read_volatile(q as *const u8),
        )
    };
    let step = Step::measured("write through the private mapping", &["q[0] = 'P';"], &m)
        .figure(Figure::byte("file_byte", "byte 0 of the file (pread)", disk))
        .figure(Figure::byte("shared_reads", "s[0] reads", sv))
        .figure(Figure::byte("private_reads", "q[0] reads", qv))
        .figure(Figure::count("private_anon_kb", "anonymous in the private mapping", qs.anonymous, "kB"))
        .why(format!(
            "A write through MAP_PRIVATE copies the page first (copy-on-write) and changes the copy: q[0] reads 'P', s[0] and the file still '{}'. The copy is anonymous memory of this process ({} kB Anonymous in q's smaps); no other process and no file will ever see it.",
            crate::text::escape_text(&[sv], false),
            qs.anonymous
        ));
    t.emit(step)?;

    let before = smaps_at(&m.after, s);
    let m = t.probe.measure(|| {
        // SAFETY: s is a shared mapping of len bytes.
        unsafe { libc::msync(s as *mut libc::c_void, len, libc::MS_SYNC) }
    })?;
    let after = smaps_at(&m.after, s);
    let step = Step::measured("write the shared page back", &[&format!("msync(s, {len}, MS_SYNC);")], &m)
        .figure(Figure::count("dirty_kb_before", "dirty in s before", before.dirty(), "kB"))
        .figure(Figure::count("dirty_kb_after", "dirty in s after", after.dirty(), "kB"))
        .why(format!(
            "msync(MS_SYNC) writes the dirty pages of s to the disk and waits: {} kB dirty before, {} kB after. Without it the kernel writes them back later on its own (dirty_expire_centisecs, 30 s by default); munmap does not write them either.",
            before.dirty(),
            after.dirty()
        ));
    t.emit(step)?;

    let m = t.probe.measure(|| {
        // SAFETY: the two mappings made above, not used after this.
        unsafe {
            libc::munmap(s as *mut libc::c_void, len);
            libc::munmap(q as *mut libc::c_void, len);
        }
    })?;
    let gone = region_at(&m.after, s).is_none() && region_at(&m.after, q).is_none();
    let disk = on_disk(&file);
    let step = Step::measured("unmap both", &[&format!("munmap(s, {len});"), &format!("munmap(q, {len});")], &m)
        .figure(Figure::byte("file_byte", "byte 0 of the file (pread)", disk))
        .why(format!(
            "Both rows are {}. The file keeps the shared write ('{}'); the private copy is gone with its mapping.",
            if gone { "gone" } else { "still listed (another mapping took their place)" },
            crate::text::escape_text(&[disk], false)
        ));
    t.emit(step)
}
