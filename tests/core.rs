//! Core dumps of real processes: gdb's `gcore` of the awkward test process, and kernel
//! cores of a helper that crashes on a known address (tests/support/crash.c). Each core
//! is compared with what `/proc/PID/maps` (and pmap) said of the process just before.
//! Synthetic and damaged cores are in tests/core_synthetic.rs.

mod common;
#[path = "common/cores.rs"]
mod cores;

use cores::{Crashed, crash};

use std::path::Path;
use std::process::Command;

use vasmap::model::{Kind, Region, Snapshot};
use vasmap::read::core::read_core;
use vasmap::read::parse::parse_maps;
use vasmap::read::proc::{ReadOptions, read_pid};
use vasmap::teach::fault::{describe_fault, describe_signal};

/// The architecture name vasmap gives a core of this machine.
fn this_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86-64",
        other => other,
    }
}

/// The core region starting at `start`.
fn region_at(snap: &Snapshot, start: u64) -> Option<&Region> {
    snap.regions.iter().find(|r| r.start == start)
}

/// Every line of `maps` is a region of the core with the same range, name and offset,
/// the same r/w/x and shared bits wherever the core records them, and nothing else is:
/// the core invents no mapping. gdb leaves out the vvar pages (`skip_vvar`).
fn assert_core_matches_maps(snap: &Snapshot, maps: &[u8], gdb: bool) {
    let lines = parse_maps(maps).expect("the kernel's maps parses");
    let mut matched = 0;
    for m in &lines {
        let vvar = m.name.starts_with(b"[vvar");
        let Some(c) = region_at(snap, m.start) else {
            assert!(gdb && vvar, "{:x}-{:x} is not in the core", m.start, m.end);
            continue;
        };
        matched += 1;
        let what = format!(
            "{:x}-{:x} {}",
            m.start,
            m.end,
            String::from_utf8_lossy(&m.name)
        );
        assert_eq!(c.end, m.end, "{what}: end");
        let d = c.dumped.expect("a core region says what the core holds");
        if m.is_path() {
            assert_eq!(c.name, m.name, "{what}: name");
            assert_eq!(c.offset, m.offset, "{what}: offset");
        } else if matches!(
            &m.name[..],
            b"[heap]" | b"[stack]" | b"[vdso]" | b"[vsyscall]"
        ) {
            assert_eq!(c.name, m.name, "{what}: the core's evidence names it");
        } else {
            assert!(c.name.is_empty(), "{what}: the core has no such name");
        }
        if vvar {
            assert_eq!(c.kind, Kind::Vvar, "{what}");
            assert!(d.kind_inferred, "{what}: vvar is inferred");
        }
        if d.perms_known {
            assert_eq!(c.perms.write, m.perms.write, "{what}: w");
            assert_eq!(c.perms.exec, m.perms.exec, "{what}: x");
            if d.read_known {
                assert_eq!(c.perms.read, m.perms.read, "{what}: r");
            }
        } else {
            assert!(gdb, "{what}: the kernel writes every mapping's permissions");
        }
        if d.shared_known {
            assert_eq!(c.perms.shared, m.perms.shared, "{what}: shared");
        }
    }
    assert_eq!(
        matched,
        snap.regions.len(),
        "the core has regions maps does not"
    );
}

/// The thread stacks of a snapshot: (start, end, tid).
fn thread_stacks(snap: &Snapshot) -> Vec<(u64, u64, i32)> {
    let mut v: Vec<_> = snap
        .regions
        .iter()
        .filter_map(|r| match r.kind {
            Kind::ThreadStack { tid } => Some((r.start, r.end, tid)),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

#[test]
fn gcore_of_an_awkward_process_matches_its_map_and_its_thread_stacks() {
    let Some(aw) = common::Awkward::start() else {
        return;
    };
    let maps = std::fs::read(format!("/proc/{}/maps", aw.pid)).unwrap();
    let live = read_pid(aw.pid, ReadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = cores::gcore(aw.pid, dir.path()) else {
        return;
    };
    let snap = read_core(&path).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.writer, "gdb");
    assert_eq!(core.arch, this_arch());
    assert_eq!(core.path, path.as_os_str().as_encoded_bytes());
    assert_eq!(snap.process.pid, aw.pid);
    assert!(snap.process.comm.starts_with(b"awkward"), "comm");
    assert_eq!(
        snap.process.exe_path, live.process.exe_path,
        "the program is the file holding AT_PHDR"
    );
    assert!(core.threads.len() >= 2, "awkward runs a thread");
    assert_eq!(
        describe_signal(core).as_deref(),
        Some("SIGSTOP: gdb stopped the process to save it (gcore); it did not crash")
    );
    assert_eq!(describe_fault(&snap), None);
    assert_core_matches_maps(&snap, &maps, true);
    let stacks = thread_stacks(&snap);
    assert!(
        !stacks.is_empty(),
        "the thread's stack is found from its SP"
    );
    assert_eq!(
        stacks,
        thread_stacks(&live),
        "the same thread stacks as live"
    );
    // Every kind vasmap tells live is told from the core too, but what a core cannot
    // know: gdb marks guard pages readable, and a SysV segment's shmid is its inode.
    for l in &live.regions {
        let Some(c) = region_at(&snap, l.start) else {
            continue;
        };
        match (l.kind, c.kind) {
            (Kind::Guard, Kind::Anon) | (Kind::SysvShm { .. }, Kind::SysvShm { shmid: 0 }) => {}
            (Kind::NamedAnon, Kind::Anon) => {}
            (want, got) => assert_eq!(got, want, "{:x}: kind", l.start),
        }
    }
}

/// Read a kernel core and check what every kernel core of the helper says.
fn read_crash(c: &Crashed) -> Snapshot {
    let snap = read_core(&c.core).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.writer, "kernel");
    assert_eq!(core.arch, this_arch());
    assert_eq!(core.signal, Some(11), "SIGSEGV");
    assert_eq!(snap.process.pid, c.pid);
    assert!(snap.process.comm.starts_with(b"crash"), "comm");
    assert!(
        snap.process
            .exe_path
            .as_ref()
            .is_some_and(|p| p.ends_with(b"/crash") || p.windows(6).any(|w| w == b"crash-")),
        "the program: {:?}",
        snap.process
            .exe_path
            .as_ref()
            .map(|p| String::from_utf8_lossy(p))
    );
    assert!(snap.regions.iter().any(|r| r.kind == Kind::Stack));
    assert!(snap.regions.iter().any(|r| r.kind == Kind::Vdso));
    snap
}

/// The default `coredump_filter` leaves file-backed private memory out of a core.
fn file_text_left_out() -> bool {
    std::fs::read_to_string("/proc/self/coredump_filter")
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
        .is_some_and(|f| f & 0b100 == 0)
}

#[test]
fn kernel_core_of_a_write_to_0x1234_names_a_null_pointer() {
    let Some(c) = crash("null") else { return };
    let snap = read_crash(&c);
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.si_code, Some(1), "SEGV_MAPERR");
    assert_eq!(core.fault_addr, Some(0x1234));
    assert_eq!(
        describe_signal(core).as_deref(),
        Some("SIGSEGV (address not mapped, SEGV_MAPERR) at 0x1234")
    );
    assert_eq!(
        describe_fault(&snap).as_deref(),
        Some(
            "the fault address 0x1234 is in no mapping: 4.6 KiB above address 0 — a NULL \
             pointer plus an offset"
        )
    );
    if file_text_left_out() {
        let text: Vec<&Region> = snap
            .regions
            .iter()
            .filter(|r| r.kind == Kind::Library && r.perms.exec)
            .collect();
        assert!(!text.is_empty(), "libc's code is mapped");
        for r in text {
            assert_eq!(
                r.dumped.unwrap().bytes,
                0,
                "file-backed text is not in the core"
            );
        }
    } else {
        eprintln!("note: coredump_filter dumps file-backed memory; not checking it is left out");
    }
}

#[test]
fn kernel_core_of_a_read_past_a_mapping_says_so() {
    let Some(c) = crash("past") else { return };
    let snap = read_crash(&c);
    assert_eq!(snap.process.core.as_ref().unwrap().fault_addr, Some(c.addr));
    assert_eq!(
        describe_fault(&snap),
        Some(format!(
            "the fault address {:#x} is in no mapping: 17 bytes beyond the last byte of the \
             anon mapping (rw-p): an access just past the end of a mapping (an overrun?)",
            c.addr
        ))
    );
}

#[test]
fn kernel_core_of_a_write_into_library_code_gives_the_file_offset() {
    let Some(c) = crash("libc") else { return };
    let snap = read_crash(&c);
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.si_code, Some(2), "SEGV_ACCERR");
    let r = snap.regions.iter().find(|r| r.contains(c.addr)).unwrap();
    assert!(
        r.name.ends_with(b"/libc.so.6"),
        "{:?}",
        String::from_utf8_lossy(&r.name)
    );
    assert_eq!(
        describe_fault(&snap),
        Some(format!(
            "the fault address {:#x} is in libc.so.6 (r-x), 0x1f40 into the mapping, file \
             offset {:#x}: the mapping does not allow that access",
            c.addr,
            r.offset + 0x1f40
        ))
    );
}

#[test]
fn kernel_core_of_a_main_stack_overflow_says_stack_overflow() {
    let Some(c) = crash("stack") else { return };
    let snap = read_crash(&c);
    let line = describe_fault(&snap).unwrap();
    assert!(
        line.contains("below the start of [stack] (rw-p, inferred): a stack overflow"),
        "{line}"
    );
}

#[test]
fn kernel_core_of_a_thread_stack_overflow_finds_its_guard_page() {
    let Some(c) = crash("thread") else { return };
    let snap = read_crash(&c);
    let core = snap.process.core.as_deref().unwrap();
    let crashed = core.threads[0].tid;
    assert_ne!(
        crashed, c.pid,
        "the overflowing thread is first: it took the signal"
    );
    let line = describe_fault(&snap).unwrap();
    assert!(
        line.contains(&format!(
            "is in the guard page below the thread stack (tid {crashed}) mapping"
        )) && line.ends_with("a stack overflow"),
        "{line}"
    );
}

#[test]
fn kernel_core_matches_the_map_and_the_pmap_rows_taken_before_the_crash() {
    let Some(c) = crash("wait") else { return };
    let snap = read_crash(&c);
    assert_core_matches_maps(&snap, &c.maps, false);
    assert!(
        snap.regions
            .iter()
            .any(|r| r.kind == Kind::Heap && r.name == b"[heap]"),
        "the heap is found above the program"
    );
    let Some(live) = &c.pmap else { return };
    let opts = vasmap::view::ViewOptions {
        format: vasmap::view::OutputFormat::Pmap,
        ..Default::default()
    };
    let mut out = Vec::new();
    vasmap::view::pmap::render(&snap, &opts, &mut out).unwrap();
    let rows = |b: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(b)
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    // A SysV segment's shmid is its inode, which a core does not record: that row shows
    // shmid 0 (vasmap's pmap view is to say it is unknown); every other row is pmap's.
    let unknown_shmid = |row: &str| row.contains("[ shmid=");
    let (core_rows, live_rows) = (rows(&out), rows(live));
    assert_eq!(core_rows.len(), live_rows.len());
    for (c, l) in core_rows.iter().zip(&live_rows) {
        if unknown_shmid(l) {
            assert_eq!(c.split("[ shmid=").next(), l.split("[ shmid=").next());
        } else {
            assert_eq!(c, l, "pmap's row, from the core");
        }
    }
    let header = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .next()
            .map(str::to_string)
    };
    let live_header = header(live).unwrap();
    // The core keeps at most 79 bytes of the command line.
    if live_header.len() < 79 {
        assert_eq!(header(&out).unwrap(), live_header);
    }
}

#[test]
fn a_core_read_through_a_pipe_is_the_same_as_from_the_file() {
    let Some(c) = crash("null") else { return };
    let from_file = read_core(&c.core).unwrap();
    let file = std::fs::File::open(&c.core).unwrap();
    let from_pipe = vasmap::read::core::read_core_from(&c.core, file).unwrap();
    let mut expect = from_file.clone();
    // Through a pipe the length is unknown, so missing bytes cannot be counted.
    expect.process.core.as_mut().unwrap().cut_short = None;
    assert_eq!(from_pipe, expect);
    assert!(Path::new(&c.core).exists());
}

/// The build id `readelf -n FILE` prints, or `None` (and why) without readelf.
fn readelf_build_id(file: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new("readelf")
        .arg("-n")
        .arg(std::ffi::OsStr::from_bytes(file))
        .output()
        .map_err(|e| eprintln!("skipping: readelf is not available ({e})"))
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[test]
fn kernel_core_gives_the_build_ids_of_the_program_and_its_libraries() {
    let Some(c) = crash("null") else { return };
    let snap = read_core(&c.core).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    let mut checked = 0;
    for (start, id) in &core.build_ids {
        let r = region_at(&snap, *start).unwrap();
        assert_eq!(r.offset, 0, "a build id comes from a file's first page");
        let Some(want) = readelf_build_id(&r.name) else {
            continue;
        };
        assert_eq!(id, &want, "{}", String::from_utf8_lossy(&r.name));
        checked += 1;
    }
    let libc = snap
        .regions
        .iter()
        .find(|r| r.name.ends_with(b"/libc.so.6") && r.offset == 0)
        .unwrap();
    if readelf_build_id(&libc.name).is_some() && file_headers_dumped() {
        assert!(
            core.build_ids.iter().any(|(s, _)| *s == libc.start),
            "libc's build id is read from its dumped first page"
        );
        assert!(checked >= 2, "the program's and libc's at least");
    }
}

/// The default `coredump_filter` dumps the first page of each mapped ELF file (bit 4).
fn file_headers_dumped() -> bool {
    std::fs::read_to_string("/proc/self/coredump_filter")
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
        .is_some_and(|f| f & 0b1_0000 != 0)
}
