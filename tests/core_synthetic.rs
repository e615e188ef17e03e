//! Cores built byte by byte (tests/common/elfcore.rs): from other machines (aarch64, a
//! big-endian 32-bit ARM, a machine whose registers vasmap does not know), in gdb's
//! style, cut short at every length, and made hostile. Each must give the right map or
//! a clear error naming the file, never a panic, and cost memory only for bytes that
//! are really there. Also replays the core fuzz target's findings.

#[path = "common/core_input.rs"]
mod core_input;
#[path = "common/elfcore.rs"]
mod elfcore;
#[path = "common/every_view.rs"]
mod every_view;

use std::path::Path;

use elfcore::*;
use vasmap::model::{Kind, Snapshot};
use vasmap::read::core::{CoreError, is_core, read_core, read_core_bytes, read_core_from};
use vasmap::teach::fault::{describe_fault, describe_signal};

const PATH: &str = "/cores/test core";

/// An aarch64 process: the program (two file mappings and a `.bss` tail), its heap,
/// a thread's stack over a guard page, libc, the loader, vvar, the vdso and the stack.
fn aarch64() -> CoreBuilder {
    let mut b = CoreBuilder::new(EM_AARCH64, true, false);
    let prog = b"/usr/bin/prog" as &[u8];
    let libc = b"/lib/aarch64-linux-gnu/libc.so.6" as &[u8];
    let ld = b"/lib/ld-linux-aarch64.so.1" as &[u8];
    b.load(0x40_0000, 0x1000, PF_R | PF_X, 0x1000)
        .load(0x41_0000, 0x1000, PF_R | PF_W, 0x1000)
        .load(0x41_1000, 0x1000, PF_R | PF_W, 0x1000)
        .load(0x2345_6000, 0x21000, PF_R | PF_W, 0x21000)
        .load(0xffff_7000_0000, 0x1_0000, 0, 0)
        .load(0xffff_7001_0000, 0x80_0000, PF_R | PF_W, 0x1000)
        .load(0xffff_9000_0000, 0x19_0000, PF_R | PF_X, 0)
        .load(0xffff_a000_0000, 0x2_0000, PF_R | PF_X, 0x1000)
        .load(0xffff_b000_0000, 0x1000, PF_R, 0x1000)
        .load(0xffff_b000_1000, 0x1000, PF_R | PF_X, 0x1000)
        .load(0xffff_f000_0000, 0x2_1000, PF_R | PF_W, 0x2_1000);
    b.prpsinfo(4242, b"prog", b"prog --flag  ")
        .prstatus(4243, 7, 0xffff_7080_ff00, 0xffff_9000_1234)
        .siginfo(7, 2, 0xffff_9000_2000)
        .auxv(&[
            (AT_SYSINFO_EHDR, 0xffff_b000_1000),
            (AT_PAGESZ, 4096),
            (AT_PHDR, 0x40_0040),
            (AT_BASE, 0xffff_a000_0000),
            (AT_ENTRY, 0x40_0500),
            (AT_EXECFN, 0xffff_f002_0fe0),
        ])
        .files(
            4096,
            &[
                (0x40_0000, 0x40_1000, 0, prog),
                (0x41_0000, 0x41_1000, 0x10, prog),
                (0xffff_9000_0000, 0xffff_9019_0000, 0, libc),
                (0xffff_a000_0000, 0xffff_a002_0000, 0, ld),
            ],
        )
        .prstatus(4242, 7, 0xffff_f002_0000, 0x40_0600);
    b
}

fn read(bytes: &[u8]) -> Result<Snapshot, CoreError> {
    read_core_bytes(Path::new(PATH), bytes)
}

fn kind_at(snap: &Snapshot, addr: u64) -> (Kind, bool) {
    let i = snap.region_at(addr).unwrap();
    let r = &snap.regions[i];
    (r.kind, r.dumped.unwrap().kind_inferred)
}

#[test]
fn an_aarch64_core_is_read_with_its_own_register_layout_and_kinds() {
    let bytes = aarch64().build();
    assert!(is_core(&bytes));
    let snap = read(&bytes).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.arch, "aarch64", "the machine comes from e_machine");
    assert_eq!(core.writer, "kernel");
    assert!(core.registers_known);
    assert_eq!(core.threads.len(), 2);
    assert_eq!(
        (core.threads[0].tid, core.threads[0].sp, core.threads[0].pc),
        (4243, 0xffff_7080_ff00, 0xffff_9000_1234),
        "the signalled thread first, with SP and PC from user_pt_regs"
    );
    assert_eq!(core.signal, Some(7));
    assert_eq!(core.fault_addr, Some(0xffff_9000_2000));
    assert_eq!(core.vdso, Some(0xffff_b000_1000));
    assert_eq!(core.interp_base, Some(0xffff_a000_0000));
    assert_eq!(core.cut_short, None);
    assert_eq!(snap.process.pid, 4242);
    assert_eq!(snap.process.comm, b"prog");
    assert_eq!(
        snap.process.cmdline, b"prog --flag",
        "psargs, trailing spaces gone"
    );
    assert_eq!(
        snap.process.exe_path.as_deref(),
        Some(b"/usr/bin/prog" as &[u8])
    );
    assert_eq!(snap.process.thread_sps, vec![(4243, 0xffff_7080_ff00)]);
    assert_eq!(kind_at(&snap, 0x40_0000), (Kind::Program, false));
    assert_eq!(
        snap.regions[1].offset,
        0x10 * 4096,
        "pgoff times the page size"
    );
    assert_eq!(
        kind_at(&snap, 0x41_1000),
        (Kind::Anon, false),
        "the .bss tail"
    );
    assert_eq!(kind_at(&snap, 0x2345_6000), (Kind::Heap, true));
    assert_eq!(kind_at(&snap, 0xffff_7000_0000), (Kind::Guard, false));
    assert_eq!(
        kind_at(&snap, 0xffff_7001_0000),
        (Kind::ThreadStack { tid: 4243 }, true)
    );
    assert_eq!(kind_at(&snap, 0xffff_9000_0000), (Kind::Library, false));
    assert_eq!(kind_at(&snap, 0xffff_a000_0000), (Kind::Loader, false));
    assert_eq!(kind_at(&snap, 0xffff_b000_0000), (Kind::Vvar, true));
    assert_eq!(kind_at(&snap, 0xffff_b000_1000), (Kind::Vdso, false));
    assert_eq!(kind_at(&snap, 0xffff_f000_0000), (Kind::Stack, true));
    let names: Vec<&[u8]> = snap.regions.iter().map(|r| &r.name[..]).collect();
    assert!(names.contains(&&b"[heap]"[..]) && names.contains(&&b"[stack]"[..]));
    assert_eq!(
        snap.process.start_stack,
        Some(0xffff_f002_0fe0),
        "AT_EXECFN"
    );
    let libc = snap
        .regions
        .iter()
        .find(|r| r.kind == Kind::Library)
        .unwrap();
    assert_eq!(libc.dumped.unwrap().bytes, 0);
    assert!(
        !libc.dumped.unwrap().shared_known,
        "a file may be mapped either way"
    );
    let stack = &snap.regions[snap.region_at(0xffff_f000_0000).unwrap()];
    assert!(
        stack.dumped.unwrap().shared_known,
        "a kernel core: no file, so private"
    );
    assert!(!stack.perms.shared);
    assert_eq!(
        describe_signal(core).as_deref(),
        Some(
            "SIGBUS (no such memory: past the end of a mapped file?, BUS_ADRERR) at \
             0xffff90002000"
        )
    );
    assert_eq!(
        describe_fault(&snap).as_deref(),
        Some(
            "the fault address 0xffff90002000 is in libc.so.6 (r-x), 0x2000 into the \
             mapping, file offset 0x2000"
        )
    );
    every_view::render_snapshot_every_view("aarch64 core", &snap);
    // The same bytes through a pipe: the same snapshot.
    assert_eq!(read_core_from(Path::new(PATH), &bytes[..]).unwrap(), snap);
}

#[test]
fn a_big_endian_32_bit_arm_core_is_read_in_its_byte_order() {
    let mut b = CoreBuilder::new(EM_ARM, false, true);
    b.load(0x1_0000, 0x1000, PF_R | PF_X, 0x1000)
        .load(0x200_0000, 0x2000, PF_R | PF_W, 0x2000)
        .load(0xbe00_0000, 0x2_1000, PF_R | PF_W, 0x2_1000)
        .prpsinfo(77, b"armprog", b"armprog")
        .prstatus(77, 11, 0xbe02_0000, 0x1_0040)
        .siginfo(11, 1, 0x10)
        .auxv(&[(AT_PHDR, 0x1_0034), (AT_EXECFN, 0xbe02_0ff0)])
        .files(4096, &[(0x1_0000, 0x1_1000, 0, b"/bin/armprog")]);
    let snap = read(&b.build()).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.arch, "arm");
    assert_eq!(snap.process.pid, 77);
    assert_eq!(
        (core.threads[0].sp, core.threads[0].pc),
        (0xbe02_0000, 0x1_0040)
    );
    assert_eq!(core.fault_addr, Some(0x10));
    assert_eq!(kind_at(&snap, 0x1_0000), (Kind::Program, false));
    assert_eq!(kind_at(&snap, 0xbe00_0000), (Kind::Stack, true));
    // 0x200_0000 is 31 MiB above the program: inside the 32 MiB a 32-bit brk may move.
    assert_eq!(kind_at(&snap, 0x200_0000), (Kind::Heap, true));
    assert_eq!(
        describe_fault(&snap).as_deref(),
        Some(
            "the fault address 0x10 is in no mapping: 16 bytes above address 0 — a NULL pointer plus an offset"
        )
    );
}

#[test]
fn a_machine_whose_registers_are_unknown_still_gives_its_threads() {
    let mut b = CoreBuilder::new(21, true, true); // EM_PPC64
    b.load(0x1000_0000, 0x1000, PF_R | PF_X, 0)
        .prstatus(9, 6, 0, 0);
    let snap = read(&b.build()).unwrap();
    let core = snap.process.core.as_deref().unwrap();
    assert_eq!(core.arch, "ppc64");
    assert!(!core.registers_known);
    assert_eq!((core.threads[0].tid, core.threads[0].sp), (9, 0));
    assert_eq!(
        core.signal,
        Some(6),
        "from pr_cursig, there being no NT_SIGINFO"
    );
    assert!(
        snap.process.thread_sps.is_empty(),
        "no stack pointer is made up"
    );
}

#[test]
fn a_gdb_style_core_says_which_permissions_it_does_not_record() {
    let mut b = CoreBuilder::new(EM_X86_64, true, false);
    b.load_align = 1;
    // gdb marks a ---p guard page readable, and writes no segment for libc's code.
    b.load(0x7f00_0000_0000, 0x1000, PF_R, 0x1000)
        .files(
            1,
            &[(
                0x7f00_0001_0000,
                0x7f00_0002_0000,
                0x3000,
                b"/lib/libc.so.6",
            )],
        )
        .note(b"GDB\0", 0xff00_0000, b"<target/>".to_vec());
    let snap = read(&b.build()).unwrap();
    assert_eq!(snap.process.core.as_ref().unwrap().writer, "gdb");
    let guard = snap.regions[0].dumped.unwrap();
    assert!(guard.perms_known && !guard.read_known);
    assert_eq!(
        snap.regions[0].kind,
        Kind::Anon,
        "not claimed to be a guard"
    );
    let libc = &snap.regions[1];
    assert_eq!(
        (libc.start, libc.offset),
        (0x7f00_0001_0000, 0x3000),
        "page size 1"
    );
    assert!(!libc.dumped.unwrap().perms_known);
    assert!(!libc.perms.read && !libc.perms.write && !libc.perms.exec);
    assert!(
        !guard.shared_known,
        "only the kernel's cores say private by omission"
    );
}

#[test]
fn a_core_cut_at_any_length_gives_a_clear_error_or_what_it_holds() {
    let bytes = aarch64().build();
    let b = aarch64();
    let headers_end = b.notes_offset() + b.note_bytes().len();
    let total: u64 = b.loads.iter().map(|l| l.filesz).sum();
    let cuts = (0..headers_end + 64).chain((headers_end + 64..bytes.len()).step_by(997));
    for cut in cuts {
        let prefix = &bytes[..cut];
        for result in [read(prefix), read_core_from(Path::new(PATH), prefix)] {
            match result {
                Err(e) => {
                    assert!(cut < headers_end, "cut at {cut}: {e}");
                    let msg = e.to_string();
                    assert!(msg.starts_with("/cores/test core: "), "{msg}");
                    assert!(
                        msg.contains("cut short")
                            || msg.contains("shorter than an ELF header")
                            || msg.contains("not a valid core dump"),
                        "cut at {cut}: {msg}"
                    );
                }
                Ok(snap) => {
                    assert!(cut >= headers_end, "cut at {cut} read");
                    let core = snap.process.core.unwrap();
                    let held: u64 = snap.regions.iter().map(|r| r.dumped.unwrap().bytes).sum();
                    if core.cut_short.is_some() {
                        assert_eq!(core.cut_short, Some(total - held), "cut at {cut}");
                    }
                }
            }
        }
    }
    let snap = read(&bytes[..headers_end + 100]).unwrap();
    assert_eq!(snap.process.core.unwrap().cut_short, Some(total - 100));
}

/// The error for a core built by `b` and then changed by `patch`.
fn error_of(b: &CoreBuilder, patch: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = b.build();
    patch(&mut bytes);
    let e = read(&bytes).expect_err("a hostile core is refused");
    let msg = e.to_string();
    assert!(msg.starts_with("/cores/test core: "), "{msg}");
    msg
}

#[test]
fn hostile_cores_get_clear_errors() {
    let mut b = CoreBuilder::new(EM_X86_64, true, false);
    b.load(0x1000, 0x1000, PF_R, 0);
    // e_phnum at byte 56, e_shoff at 40.
    let msg = error_of(&b, |v| v[56..58].copy_from_slice(&0xffffu16.to_le_bytes()));
    assert!(msg.contains("PN_XNUM"), "{msg}");
    let msg = error_of(&b, |v| v[56..58].copy_from_slice(&60000u16.to_le_bytes()));
    assert!(msg.contains("cut short: the program header table"), "{msg}");
    let msg = error_of(&b, |v| {
        v[64 + 32..64 + 40].copy_from_slice(&(1u64 << 40).to_le_bytes())
    });
    assert!(msg.contains("cut short: the note segment"), "{msg}");
    let msg = error_of(&b, |v| {
        v[64 + 32..64 + 40].copy_from_slice(&u64::MAX.to_le_bytes())
    });
    assert!(msg.contains("a note segment runs past 2^64"), "{msg}");

    let mut overlap = b.clone();
    overlap.load(0x1800, 0x1000, PF_R, 0);
    assert!(
        error_of(&overlap, |_| {}).contains("mappings 0x1000-0x2000 and 0x1800-0x2800 overlap")
    );
    let mut wrap = b.clone();
    wrap.load(u64::MAX - 0xfff, 0x2000, PF_R, 0);
    assert!(error_of(&wrap, |_| {}).contains("runs past 2^64"));

    let file_note = |desc: Vec<u8>| {
        let mut c = b.clone();
        c.note(b"CORE\0", NT_FILE, desc);
        c
    };
    let words = |w: &[u64]| w.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let msg = error_of(&file_note(words(&[1 << 40, 4096])), |_| {});
    assert!(msg.contains("claims 1099511627776 mapped files"), "{msg}");
    let msg = error_of(&file_note(words(&[1000, 4096, 1, 2, 3])), |_| {});
    assert!(msg.contains("has room for fewer"), "{msg}");
    let mut no_nul = words(&[1, 4096, 0x1000, 0x2000, 0]);
    no_nul.extend_from_slice(b"/no/nul");
    assert!(error_of(&file_note(no_nul), |_| {}).contains("fewer than its 1 paths"));
    let mut long = words(&[1, 4096, 0x1000, 0x2000, 0]);
    long.extend(std::iter::repeat_n(b'a', 5000));
    long.push(0);
    assert!(error_of(&file_note(long), |_| {}).contains("longer than PATH_MAX"));
    let mut huge_offset = words(&[1, 4096, 0x1000, 0x2000, u64::MAX / 2]);
    huge_offset.extend_from_slice(b"/f\0");
    assert!(error_of(&file_note(huge_offset), |_| {}).contains("gives file offset"));

    // A note whose size runs past its segment: descsz (the second word) made huge.
    let c = file_note(words(&[0, 4096]));
    let at = c.notes_offset() + 4;
    let msg = error_of(&c, |v| {
        v[at..at + 4].copy_from_slice(&0xffff_fff0u32.to_le_bytes())
    });
    assert!(msg.contains("runs past the end of its segment"), "{msg}");
    let mut big = b.clone();
    big.note(b"CORE\0", NT_PRSTATUS, vec![0; 70_000]);
    assert!(error_of(&big, |_| {}).contains("its NT_PRSTATUS note is 70000 bytes"));
}

#[test]
fn a_stream_claiming_more_than_it_holds_costs_what_it_holds() {
    // A 60 MiB NT_FILE note (under the cap) in a segment that says so, in 2 KiB of
    // stream: vasmap reads what comes and stops at the end, it does not allocate 60 MiB.
    let mut b = CoreBuilder::new(EM_X86_64, true, false);
    b.note(b"CORE\0", NT_FILE, vec![0; 16]);
    let mut bytes = b.build();
    let notes = b.notes_offset();
    let claim: u32 = 60 << 20;
    bytes[notes + 4..notes + 8].copy_from_slice(&claim.to_le_bytes());
    // The note segment's p_filesz (program header 0, byte 32).
    bytes[64 + 32..64 + 40].copy_from_slice(&u64::from(claim + 64).to_le_bytes());
    bytes.resize(2048, 0);
    let e = read_core_from(Path::new(PATH), &bytes[..]).unwrap_err();
    assert!(
        e.to_string().contains("cut short: the NT_FILE note")
            && e.to_string().contains("input ended"),
        "{e}"
    );
    let e = read(&bytes).unwrap_err();
    assert!(e.to_string().contains("but the file has 2048 bytes"), "{e}");
}

#[test]
fn files_that_are_not_cores_are_told_apart() {
    let exe = std::fs::read("/proc/self/exe").unwrap();
    assert!(!is_core(&exe));
    let e = read(&exe).unwrap_err().to_string();
    assert!(e.contains("not an ELF core dump (an ELF"), "{e}");
    let e = read(b"55d0a1b2c000-55d0a1b2d000 r--p 00000000 fe:00 1 /bin/x\n").unwrap_err();
    assert!(e.to_string().contains("(not an ELF file)"), "{e}");
    assert!(
        read(b"")
            .unwrap_err()
            .to_string()
            .contains("shorter than an ELF header")
    );
    let e = read_core(Path::new("/nonexistent/core"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/nonexistent/core: cannot read the core dump:"),
        "{e}"
    );
    let e = read_core(Path::new("/dev/null")).unwrap_err().to_string();
    assert!(e.contains("not a regular file or a pipe"), "{e}");
}

#[test]
fn core_fuzz_findings_are_read_without_panic() {
    // Inputs the core fuzz target (fuzz/fuzz_targets/core.rs) was seeded with or found,
    // kept under tests/fixtures/fuzz/ as core-*; each must read or fail cleanly.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("core")
        {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        core_input::check_core_input(&path.display().to_string(), &bytes);
        n += 1;
    }
    assert!(n > 0, "no core inputs under {dir}");
}
