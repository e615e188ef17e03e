//! `--explain` on mapped ELF files that lie about their size (issue 11): any user can map
//! one page of a sparse file whose header claims a section table of 50 million entries
//! (`e_shnum = 0` and section 0's `sh_size`), or `e_phnum = PN_XNUM` with a huge count in
//! section 0, or tens of thousands of sections with long names. vasmap reads bounded
//! slices of such a file and says it is too large; its peak memory stays under 64 MiB.

mod common;

use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::process::{Command, Stdio};

/// An ELF64 little-endian header for x86-64.
fn header(phoff: u64, phnum: u16, shoff: u64, shnum: u16) -> Vec<u8> {
    let mut h = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
    h.resize(16, 0);
    h.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
    h.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(&0u64.to_le_bytes()); // entry
    h.extend_from_slice(&phoff.to_le_bytes());
    h.extend_from_slice(&shoff.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&56u16.to_le_bytes());
    h.extend_from_slice(&phnum.to_le_bytes());
    h.extend_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&shnum.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes()); // shstrndx
    h
}

/// One PT_LOAD covering the first page, read and execute.
fn load() -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    p.extend_from_slice(&5u32.to_le_bytes()); // PF_R | PF_X
    for v in [0u64, 0, 0, 4096, 4096, 4096] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p
}

/// A section header: name offset, type, flags, address, size, info.
fn section(name: u32, kind: u32, flags: u64, addr: u64, size: u64, info: u32) -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(&name.to_le_bytes());
    s.extend_from_slice(&kind.to_le_bytes());
    s.extend_from_slice(&flags.to_le_bytes());
    s.extend_from_slice(&addr.to_le_bytes());
    s.extend_from_slice(&0u64.to_le_bytes()); // offset
    s.extend_from_slice(&size.to_le_bytes());
    s.extend_from_slice(&0u32.to_le_bytes()); // link
    s.extend_from_slice(&info.to_le_bytes());
    s.extend_from_slice(&1u64.to_le_bytes());
    s.extend_from_slice(&0u64.to_le_bytes());
    s
}

/// Write `head` at the start of `path` and make the file `len` bytes long (sparse).
fn sparse(path: &std::path::Path, parts: &[(u64, Vec<u8>)], len: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    for (at, bytes) in parts {
        f.seek(SeekFrom::Start(*at)).unwrap();
        f.write_all(bytes).unwrap();
    }
    f.set_len(len).unwrap();
}

/// Run vasmap, returning stdout, stderr, the exit code and its peak RSS in KiB (from
/// `wait4`'s rusage, for this one child).
// The child is reaped with wait4, for its rusage, not with Child::wait.
#[allow(clippy::zombie_processes)]
fn run_measured(args: &[&str]) -> (String, String, i32, i64) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        so.read_to_end(&mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        se.read_to_end(&mut v).map(|_| v)
    });
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 on our own child, writing its status and rusage.
    let r = unsafe { libc::wait4(child.id() as i32, &mut status, 0, usage.as_mut_ptr()) };
    assert_eq!(r, child.id() as i32);
    // SAFETY: wait4 succeeded, so the rusage is initialised.
    let maxrss = unsafe { usage.assume_init() }.ru_maxrss;
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    (
        String::from_utf8_lossy(&out.join().unwrap().unwrap()).into_owned(),
        String::from_utf8_lossy(&err.join().unwrap().unwrap()).into_owned(),
        code,
        maxrss,
    )
}

#[test]
fn files_claiming_huge_tables_are_explained_in_bounded_memory() {
    let Some(bin) = common::c_helper("mapfile") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let big = 50_000_000u64;
    // e_shnum = 0: the count is section 0's sh_size.
    let shnum0 = dir.path().join("shnum0.so");
    sparse(
        &shnum0,
        &[
            (0, [header(64, 1, 8192, 0), load()].concat()),
            (8192, section(0, 0, 0, 0, big, 0)),
        ],
        8192 + big * 64,
    );
    // e_phnum = PN_XNUM: the count is section 0's sh_info.
    let xnum = dir.path().join("xnum.so");
    sparse(
        &xnum,
        &[
            (0, header(8192 + 64, 0xffff, 8192, 1)),
            (8192, section(0, 0, 0, 0, 0, u32::MAX)),
        ],
        8192 + 64 + u64::from(u32::MAX) * 56,
    );
    // 65,000 allocated sections, each named with the same 2 KB string.
    let many = dir.path().join("many.so");
    let name = vec![b'n'; 2048];
    let mut table = Vec::with_capacity(65_000 * 64);
    for i in 0..65_000u64 {
        table.extend(section(0, 1, 2, i % 4096, 1, 0)); // PROGBITS, SHF_ALLOC
    }
    sparse(
        &many,
        &[
            (0, [header(64, 1, 8192, 65_000), load()].concat()),
            (4096, [name.clone(), vec![0]].concat()),
            (8192, table),
        ],
        8192 + 65_000 * 64,
    );
    let mut child = Command::new(&bin)
        .args([&shnum0, &xnum, &many])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = line.split_whitespace().nth(1).unwrap().to_string();
    for args in [
        vec!["--explain", &pid],
        vec!["--explain", "--json", &pid],
        vec!["--explain", "-o", "csv", &pid],
    ] {
        let (out, err, code, maxrss) = run_measured(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(maxrss < 64 * 1024, "{args:?}: peak RSS {maxrss} KiB");
        for f in ["shnum0.so", "xnum.so", "many.so"] {
            // The first line names the files too (the command line, or CSV's header).
            let row = out
                .lines()
                .skip(1)
                .find(|l| l.contains(f))
                .unwrap_or_else(|| panic!("{args:?}: no row for {f}:\n{out}"));
            if f != "many.so" {
                assert!(
                    row.contains("too large to read"),
                    "{args:?}: {f} is not said to be too large:\n{row}"
                );
            }
        }
        // The output stays small whatever the files claim.
        assert!(
            out.len() < 1 << 20,
            "{args:?}: {} bytes of output",
            out.len()
        );
    }
    drop(child.stdin.take());
    child.wait().unwrap();
}

#[test]
fn reading_a_hostile_file_directly_is_an_error_not_an_allocation() {
    use vasmap::read::elf::read_elf;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims.so");
    sparse(
        &path,
        &[
            (0, [header(64, 1, 8192, 0), load()].concat()),
            (8192, section(0, 0, 0, 0, 50_000_000, 0)),
        ],
        8192 + 50_000_000 * 64,
    );
    let err = read_elf(std::fs::File::open(&path).unwrap()).unwrap_err();
    assert!(err.contains("too large to read"), "{err}");
    // A truncated header is damaged, not a panic.
    let cut = dir.path().join("cut.so");
    std::fs::write(&cut, &header(64, 1, 8192, 3)[..40]).unwrap();
    assert!(read_elf(std::fs::File::open(&cut).unwrap()).is_err());
}
