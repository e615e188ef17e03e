//! What the `elf` fuzz target does with an input, shared with the test suite's replay of
//! its findings (tests/fuzz_replay.rs): the bytes as a mapped file's contents, read by
//! `--explain`'s ELF reader (`vasmap::read::elf::read_elf`) from a memfd, as it reads a
//! real file. Nothing may panic; what it keeps is bounded whatever the headers claim (at
//! most `MAX_SECTIONS` sections, names of at most `MAX_NAME` bytes, escaped for a
//! terminal), and asking it where any mapping's sections are must not panic either.
//! Included by path (`#[path]`) from both crates.
#![allow(dead_code)]

use std::io::Write;

use vasmap::model::{Perms, Region};
use vasmap::read::elf::{MAX_NAME, MAX_SECTIONS, read_elf};

/// A file holding `data`, as `read_elf` reads files: a memfd (no disk, no name).
fn file_of(data: &[u8]) -> std::fs::File {
    // SAFETY: a valid NUL-terminated name; the flags are memfd_create's own.
    let fd = unsafe { libc::memfd_create(c"vasmap-fuzz-elf".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: a descriptor just returned, owned by nothing else.
    let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    f.write_all(data).expect("write the memfd");
    // read_elf reads from where the file is: its start, as a file just opened.
    std::io::Seek::rewind(&mut f).expect("rewind the memfd");
    f
}

/// Check one input as the module essay says; `what` names it in a failure. The number
/// of sections kept, when the reader took it for ELF and named them.
pub fn check_elf_input(what: &str, data: &[u8]) -> Option<usize> {
    let Ok(Some(layout)) = read_elf(file_of(data)) else {
        return None;
    };
    assert!(
        layout.sections.len() <= MAX_SECTIONS,
        "{what}: too many sections kept"
    );
    for s in &layout.sections {
        assert!(
            s.name.len() <= 4 * MAX_NAME + 8,
            "{what}: a section name of {} bytes",
            s.name.len()
        );
        assert!(
            s.name.bytes().all(|b| b >= 0x20 && b != 0x7f),
            "{what}: a section name with a control byte: {:?}",
            s.name
        );
    }
    let _ = (
        layout.header_addr(),
        layout.data_end(),
        layout.data_file_end(),
    );
    for l in &layout.loads {
        for (start, offset) in [(l.vaddr, l.offset), (0x7f00_0000_0000, l.offset), (0, 0)] {
            let r = Region {
                start,
                end: start.saturating_add(4096),
                offset,
                perms: Perms {
                    read: true,
                    exec: true,
                    ..Perms::default()
                },
                ..Region::blank()
            };
            let _ = layout.bias_for(&r, Some(start));
            let _ = layout.bias_for(&r, None);
            let _ = layout.sections_in(l.vaddr, l.vaddr.saturating_add(l.memsz));
        }
    }
    Some(layout.sections.len())
}
