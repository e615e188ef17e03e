//! `sequential-vs-random`: the article's last paragraph, measured. A file of 32 MiB, not in
//! the page cache, read through a fresh mapping one byte a page: in order, in a random
//! order, and again with `madvise(MADV_RANDOM / MADV_SEQUENTIAL / MADV_WILLNEED)` and with
//! `MAP_POPULATE`. For each pass: the faults, the major ones, the time.
//!
//! Before each pass the file is dropped from the page cache: by default only this file
//! (`fdatasync` and `posix_fadvise(POSIX_FADV_DONTNEED)`, which any user may do to a file
//! of their own), or with `--drop-caches`, as root, the whole page cache
//! (`/proc/sys/vm/drop_caches`), which slows every other program on the machine for a
//! while and is therefore not the default. `mincore` says how much of the file was still
//! cached when each pass began.

use std::os::fd::AsRawFd;

use super::probe::Faults;
use super::report::{Figure, Step};
use super::scratch::Scratch;
use super::sys::{
    cached_pages, drop_file_cache, is_root, on_tmpfs, page_faults, read_ahead_kb, shuffled,
};
use super::{Tour, TourError, errno, failed_with, smaps_at};

/// The file's size.
const SIZE: usize = 32 << 20;

/// One pass: how the file is mapped, advised and read.
struct Pass {
    title: &'static str,
    advice: Option<(libc::c_int, &'static str)>,
    populate: bool,
    random: bool,
}

const PASSES: &[Pass] = &[
    Pass {
        title: "read it in order",
        advice: None,
        populate: false,
        random: false,
    },
    Pass {
        title: "read it in a random order",
        advice: None,
        populate: false,
        random: true,
    },
    Pass {
        title: "in a random order, after MADV_RANDOM",
        advice: Some((libc::MADV_RANDOM, "MADV_RANDOM")),
        populate: false,
        random: true,
    },
    Pass {
        title: "in order, after MADV_SEQUENTIAL",
        advice: Some((libc::MADV_SEQUENTIAL, "MADV_SEQUENTIAL")),
        populate: false,
        random: false,
    },
    Pass {
        title: "in a random order, after MADV_WILLNEED",
        advice: Some((libc::MADV_WILLNEED, "MADV_WILLNEED")),
        populate: false,
        random: true,
    },
    Pass {
        title: "MAP_POPULATE, then in a random order",
        advice: None,
        populate: true,
        random: true,
    },
];

/// Empty the page cache of the file (or all of it), as the options say; a sentence on
/// what was done.
fn uncache(t: &Tour, file: &std::fs::File) -> String {
    drop_file_cache(file);
    if t.opts.drop_caches && is_root() {
        // SAFETY: sync has no arguments.
        unsafe { libc::sync() };
        match std::fs::write("/proc/sys/vm/drop_caches", "1\n") {
            Ok(()) => "the whole page cache was dropped (/proc/sys/vm/drop_caches)".to_string(),
            Err(e) => format!(
                "dropping the whole page cache failed ({e}); the file's own pages were dropped (posix_fadvise)"
            ),
        }
    } else if t.opts.drop_caches {
        "skipped --drop-caches: dropping the whole page cache needs root; the file's own pages were dropped (posix_fadvise)".to_string()
    } else {
        "the file's pages were dropped from the page cache (fdatasync, posix_fadvise(POSIX_FADV_DONTNEED))".to_string()
    }
}

/// `sequential-vs-random`: the passes, each on a fresh mapping of an uncached file.
pub fn sequential_vs_random(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let page = t.page;
    let pages = (SIZE as u64).div_ceil(page);
    let mut scratch = Scratch::new(name)?;
    let file = scratch.create("big.dat", SIZE, |i| (i / 4096) as u8)?;
    let fd = file.as_raw_fd();
    let order = shuffled(pages as usize);
    let ra = read_ahead_kb(&file);
    if on_tmpfs(&file) {
        t.note(format!(
            "{} is on tmpfs: its pages are the file and cannot be dropped, so no pass waits for a disk. Set TMPDIR to a directory on a disk to see major faults.",
            crate::text::escape_path(&scratch.path("big.dat"))
        ))?;
    }
    // The faults of the plain passes, in order and at random, to compare the others with.
    let mut plain: [Option<Faults>; 2] = [None, None];
    for pass in PASSES {
        let how = uncache(t, &file);
        let cached = cached_pages(&file, SIZE, page).unwrap_or(0);
        let flags = libc::MAP_PRIVATE | if pass.populate { libc::MAP_POPULATE } else { 0 };
        let m = t.probe.measure(|| {
            let s0 = page_faults();
            // SAFETY: a new private read-only mapping of an open file of SIZE bytes.
            let p =
                unsafe { libc::mmap(std::ptr::null_mut(), SIZE, libc::PROT_READ, flags, fd, 0) };
            if p == libc::MAP_FAILED {
                return Err(errno());
            }
            if let Some((advice, _)) = pass.advice {
                // SAFETY: advice on our own mapping.
                unsafe { libc::madvise(p, SIZE, advice) };
            }
            let setup = Faults::between(s0, page_faults());
            let mut sum = 0u8;
            let base = p as *const u8;
            let mut read = |i: u64| {
                // SAFETY: i < pages, so the offset is inside the mapping.
                sum ^= unsafe { std::ptr::read_volatile(base.add((i * page) as usize)) };
            };
            if pass.random {
                order.iter().for_each(|&i| read(u64::from(i)));
            } else {
                (0..pages).for_each(&mut read);
            }
            std::hint::black_box(sum);
            Ok((p as u64, setup))
        })?;
        let (p, setup) = match m.value {
            Ok(v) => v,
            Err(code) => {
                return Err(failed_with(
                    name,
                    "mmap(NULL, 33554432, PROT_READ, MAP_PRIVATE, fd, 0)",
                    code,
                ));
            }
        };
        let rss = smaps_at(&m.after, p).rss;
        let f = m.faults;
        let us = m.elapsed.as_micros() as u64;
        let mut call = vec![format!(
            "char *p = mmap(NULL, {SIZE}, PROT_READ, {}, fd, 0);",
            if pass.populate {
                "MAP_PRIVATE|MAP_POPULATE"
            } else {
                "MAP_PRIVATE"
            }
        )];
        if let Some((_, word)) = pass.advice {
            call.push(format!("madvise(p, {SIZE}, {word});"));
        }
        call.push(if pass.random {
            format!(
                "for (i = 0; i < {pages}; i++) c ^= p[order[i] * {page}];   /* order: a shuffle */"
            )
        } else {
            format!("for (i = 0; i < {pages}; i++) c ^= p[i * {page}];")
        });
        let calls: Vec<&str> = call.iter().map(String::as_str).collect();
        let looped = Faults {
            minor: f.minor.saturating_sub(setup.minor),
            major: f.major.saturating_sub(setup.major),
        };
        let why = if cached * 2 > pages {
            format!(
                "{cached} of the {pages} pages were still in the page cache when the pass began (they could not be dropped), so no read waited for the disk: {} faults, {} major, about one per 16 pages read (fault-around), whatever the order.",
                f.total(),
                f.major
            )
        } else {
            why(pass, (setup, looped), pages, ra, plain)
        };
        if pass.advice.is_none() && !pass.populate {
            plain[usize::from(pass.random)] = Some(f);
        }
        let step = Step::measured(pass.title, &calls, &m)
            .figure(Figure::count(
                "cached_pages_before",
                "pages cached when the pass began (mincore)",
                cached,
                "pages",
            ))
            .figure(Figure::count("pages_read", "pages read", pages, "pages"))
            .figure(Figure::count(
                "setup_faults",
                "of them in mmap and madvise",
                setup.total(),
                "faults",
            ))
            .figure(Figure::micros("time_us", "time", us))
            .figure(Figure::count(
                "rss_kb",
                "resident in the mapping after",
                rss,
                "kB",
            ))
            .figure(Figure::text("uncached_by", "before the pass", how))
            .why(why);
        t.emit(step)?;
        // Unmapped between passes (not a step): mapped pages cannot be dropped.
        // SAFETY: the mapping made by this pass.
        unsafe { libc::munmap(p as *mut libc::c_void, SIZE) };
    }
    drop(file);
    drop(scratch);
    Ok(())
}

/// Why a pass took what it took, from its faults (in mmap and madvise, in the loop) and
/// those of the plain passes (in order, at random).
fn why(
    pass: &Pass,
    (setup, f): (Faults, Faults),
    pages: u64,
    ra: Option<u64>,
    plain: [Option<Faults>; 2],
) -> String {
    let ra = ra.map_or("the disk's readahead window".to_string(), |kb| {
        format!("the disk's readahead window ({kb} kB, read_ahead_kb)")
    });
    let per = |n: u64| pages.checked_div(n).unwrap_or(0);
    let against = |i: usize, what: &str| {
        plain[i].map_or(String::new(), |p| {
            format!(", against {} ({} major) {what}", p.total(), p.major)
        })
    };
    match (pass.advice.map(|a| a.1), pass.populate, pass.random) {
        (None, false, false) => format!(
            "{} faults for {pages} pages, one per {} pages read, {} of them major. In order, readahead fetches pages before the reads reach them, up to {ra} at a time, and each fault maps the neighbouring cached pages at once (fault-around, 16 pages or a whole large folio).",
            f.total(),
            per(f.total()),
            f.major
        ),
        (None, false, true) => format!(
            "{} faults ({} major){}. A missing page costs a major fault; the kernel reads pages around it too (mmap read-around, up to {ra}), but in a random order each 16-page window still takes a fault of its own, after many misses the kernel stops reading around (mm/filemap.c, MMAP_LOTSAMISS), and a smaller window means more major faults.",
            f.total(),
            f.major,
            against(0, "in order")
        ),
        (Some("MADV_RANDOM"), _, _) => format!(
            "MADV_RANDOM turns readahead and read-around off for the mapping: each page missing from the page cache is read alone, with a major fault of its own ({} major faults for {pages} pages{}). Right for random access to a file much larger than memory; costly here.",
            f.major,
            against(1, "without it")
        ),
        (Some("MADV_SEQUENTIAL"), _, _) => format!(
            "MADV_SEQUENTIAL says the pages will be read in order: readahead on every miss, and pages may be freed soon after they are read (madvise(2)). {} faults, {} major{}.",
            f.total(),
            f.major,
            against(0, "without it")
        ),
        (Some(_), _, _) => format!(
            "MADV_WILLNEED starts reading the whole range into the page cache at once ({} faults in madvise itself); the random reads then find their pages cached or on the way: {} faults in the loop, {} major{}.",
            setup.total(),
            f.total(),
            f.major,
            against(1, "without it")
        ),
        (None, true, _) => format!(
            "MAP_POPULATE faulted the pages in inside mmap itself ({} faults there, {} major), in address order; the random loop after it took {} faults of its own.",
            setup.total(),
            setup.major,
            f.total()
        ),
    }
}
