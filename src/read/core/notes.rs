//! The notes of a core dump: who the process was (`NT_PRPSINFO`), its threads
//! (`NT_PRSTATUS`), the signal that ended it (`NT_SIGINFO`), its auxiliary vector
//! (`NT_AUXV`) and its mapped files (`NT_FILE`).
//!
//! Notes are walked one at a time through the [`Window`]: each 12-byte header
//! (`object`'s `NoteHeader` type) says the owner's name and the size of the note; only
//! the notes vasmap uses are read, each under a size cap, and the rest (floating-point
//! and vector registers, gdb's target description, several KiB per thread) are stepped
//! over unread. So the memory a core costs does not grow with its note segment, and a
//! core of many thousands of threads is read in a few MiB. Linux pads names and
//! descriptions to 4 bytes in ELF64 cores too (`fs/binfmt_elf.c`, `writenote`), so the
//! alignment is 4 unless the segment says 8.

use std::mem::size_of;

use object::elf;
use object::read::elf::NoteHeader;
use object::{Endian, Endianness, pod};

use super::elf::{Layout, Segment};
use super::error::{
    At, CoreError, MAX_FILE_NOTE, MAX_NAME, MAX_SEGMENTS, MAX_SMALL_NOTE, MAX_THREADS,
};
use super::regs;
use super::source::Window;

/// One thread's `NT_PRSTATUS`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Thread {
    pub tid: i32,
    /// `pr_cursig`: the signal the thread was handling, 0 for none.
    pub cursig: i32,
    /// Stack pointer and program counter, where the machine's layout is known.
    pub regs: Option<(u64, u64)>,
}

/// `NT_PRPSINFO`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Psinfo {
    pub pid: i32,
    /// `pr_fname`: the command name (`comm`), at most 16 bytes.
    pub fname: Vec<u8>,
    /// `pr_psargs`: the command line with NULs as spaces, cut at 79 bytes.
    pub psargs: Vec<u8>,
}

/// `NT_SIGINFO`: the fields of `siginfo_t` vasmap uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Siginfo {
    pub signo: i32,
    pub code: i32,
    /// The first word of the union: `si_addr` for a fault, `si_pid` (and `si_uid` in
    /// the next four bytes) for a signal a process sent.
    pub addr: u64,
    pub pid: i32,
    pub uid: u32,
}

/// One entry of `NT_FILE`: a file-backed mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileEntry {
    pub start: u64,
    pub end: u64,
    /// File offset in bytes (`pgoff` times the note's page size).
    pub offset: u64,
    /// The path, with a newline written `\012` as `/proc/PID/maps` writes it.
    pub name: Vec<u8>,
}

/// The auxiliary vector entries vasmap uses (`include/uapi/linux/auxvec.h`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Auxv {
    pub phdr: Option<u64>,
    pub pagesz: Option<u64>,
    pub base: Option<u64>,
    pub entry: Option<u64>,
    /// `AT_RANDOM`: 16 random bytes the kernel put on the initial stack.
    pub random: Option<u64>,
    /// `AT_EXECFN`: the program's file name, at the top of the initial stack.
    pub execfn: Option<u64>,
    pub sysinfo_ehdr: Option<u64>,
}

/// Everything read from the notes.
#[derive(Debug, Default)]
pub(super) struct Notes {
    pub threads: Vec<Thread>,
    pub psinfo: Option<Psinfo>,
    pub siginfo: Option<Siginfo>,
    pub auxv: Option<Auxv>,
    pub files: Option<Vec<FileEntry>>,
    /// A note owned by `GDB` (gdb's target description): gdb wrote this core.
    pub gdb: bool,
}

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_ENTRY: u64 = 9;
const AT_RANDOM: u64 = 25;
const AT_EXECFN: u64 = 31;
const AT_SYSINFO_EHDR: u64 = 33;

/// `n` rounded up to a multiple of `align` (a power of two), or `None` past 2^64.
fn align_up(n: u64, align: u64) -> Option<u64> {
    n.checked_add(align - 1).map(|v| v & !(align - 1))
}

/// Little helpers to read the kernel's structures in the core's byte order.
struct Fields<'a> {
    bytes: &'a [u8],
    layout: Layout,
}

impl Fields<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at + 2)?;
        Some(self.layout.endian.read_u16([b[0], b[1]]))
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        Some(self.layout.endian.read_u32([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&self, at: usize) -> Option<i32> {
        self.u32(at).map(|v| v as i32)
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let b: [u8; 8] = self.bytes.get(at..at + 8)?.try_into().ok()?;
        Some(self.layout.endian.read_u64(b))
    }
    /// A `long`: 8 bytes in a 64-bit core, 4 in a 32-bit one.
    fn word(&self, at: usize) -> Option<u64> {
        if self.layout.class64 {
            self.u64(at)
        } else {
            self.u32(at).map(u64::from)
        }
    }
}

/// The bytes up to the first NUL.
fn c_string(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// Read every note of one `PT_NOTE` segment into `notes`.
pub(super) fn read_segment(
    w: &mut Window<'_>,
    at: At<'_>,
    layout: &Layout,
    seg: &Segment,
    notes: &mut Notes,
) -> Result<(), CoreError> {
    let end = seg
        .offset
        .checked_add(seg.filesz)
        .ok_or_else(|| at.malformed("a note segment runs past 2^64"))?;
    let len = w.file_len();
    // An empty segment holds nothing to read, wherever it claims to be.
    if let Some(len) = len
        && seg.filesz > 0
        && end > len
    {
        return Err(at.truncated("the note segment", end, Some(len)));
    }
    let align = if seg.align == 8 { 8 } else { 4 };
    let header_size = size_of::<elf::NoteHeader32<Endianness>>();
    let mut pos = seg.offset;
    while pos < end {
        if end - pos < header_size as u64 {
            return Err(at.malformed("a note header is cut off by the end of its segment"));
        }
        let Some(bytes) = w.get(pos, header_size, end).map_err(|e| at.io(e))? else {
            return Err(at.truncated("the note segment", end, len));
        };
        let (header, _) = pod::from_bytes::<elf::NoteHeader32<Endianness>>(bytes)
            .map_err(|()| at.malformed("a note header cannot be read"))?;
        let namesz = u64::from(header.n_namesz(layout.endian));
        let descsz = u64::from(header.n_descsz(layout.endian));
        let n_type = header.n_type(layout.endian);
        let name_at = pos + header_size as u64;
        let desc_at = align_up(namesz, align)
            .and_then(|n| name_at.checked_add(n))
            .ok_or_else(|| at.malformed("a note's name runs past 2^64"))?;
        let desc_end = desc_at
            .checked_add(descsz)
            .filter(|&e| e <= end)
            .ok_or_else(|| {
                at.malformed(format!(
                    "note type {:#x} ({descsz} bytes) runs past the end of its segment",
                    n_type.0
                ))
            })?;
        // Owners are short words ("CORE", "LINUX", "GDB"); a long one is nobody vasmap
        // knows, and is not read.
        let owner = if namesz <= 16 {
            match w.get(name_at, namesz as usize, end).map_err(|e| at.io(e))? {
                Some(name) => c_string(name).to_vec(),
                None => return Err(at.truncated("the note segment", end, len)),
            }
        } else {
            Vec::new()
        };
        if owner == b"GDB" {
            notes.gdb = true;
        }
        if owner == elf::ELF_NOTE_CORE {
            read_core_note(w, at, layout, n_type, desc_at, descsz, end, notes)?;
        }
        pos = align_up(desc_end, align).map_or(end, |p| p.min(end));
    }
    // Notes that were stepped over unread may lie past the end of a stream: make sure
    // the segment is all there, as the length check above does for a file.
    if len.is_none() && seg.filesz > 0 {
        match w.get(end - 1, 1, end).map_err(|e| at.io(e))? {
            Some(_) => {}
            None => return Err(at.truncated("the note segment", end, None)),
        }
    }
    Ok(())
}

/// The note of type `n_type` owned by `CORE`, whose description is `descsz` bytes at
/// `desc_at`, if it is one vasmap uses.
#[allow(clippy::too_many_arguments)]
fn read_core_note(
    w: &mut Window<'_>,
    at: At<'_>,
    layout: &Layout,
    n_type: elf::NoteType,
    desc_at: u64,
    descsz: u64,
    end: u64,
    notes: &mut Notes,
) -> Result<(), CoreError> {
    let (name, cap) = match n_type {
        elf::NT_PRSTATUS => ("NT_PRSTATUS", MAX_SMALL_NOTE),
        elf::NT_PRPSINFO if notes.psinfo.is_none() => ("NT_PRPSINFO", MAX_SMALL_NOTE),
        elf::NT_SIGINFO if notes.siginfo.is_none() => ("NT_SIGINFO", MAX_SMALL_NOTE),
        elf::NT_AUXV if notes.auxv.is_none() => ("NT_AUXV", MAX_SMALL_NOTE),
        elf::NT_FILE if notes.files.is_none() => ("NT_FILE", MAX_FILE_NOTE),
        _ => return Ok(()),
    };
    if descsz > cap {
        return Err(at.malformed(format!(
            "its {name} note is {descsz} bytes, and vasmap reads at most {cap} (no real one \
             comes near)"
        )));
    }
    if n_type == elf::NT_PRSTATUS && notes.threads.len() as u64 >= MAX_THREADS {
        return Err(at.too_many(
            "threads",
            notes.threads.len() as u64 + 1,
            MAX_THREADS,
            "the kernel's PID_MAX_LIMIT",
        ));
    }
    let Some(bytes) = w.get(desc_at, descsz as usize, end).map_err(|e| at.io(e))? else {
        return Err(at.truncated(format!("the {name} note"), desc_at + descsz, w.file_len()));
    };
    let f = Fields {
        bytes,
        layout: *layout,
    };
    let short = || at.malformed(format!("its {name} note is too short ({descsz} bytes)"));
    match n_type {
        elf::NT_PRSTATUS => {
            let tid = f.i32(regs::pid_offset(layout)).ok_or_else(short)?;
            let cursig = f.u16(regs::CURSIG_OFFSET).ok_or_else(short)? as i16;
            let regs = match regs::reg_layout(layout) {
                Some(r) => Some((
                    f.word(r.sp).ok_or_else(short)?,
                    f.word(r.pc).ok_or_else(short)?,
                )),
                None => None,
            };
            notes.threads.push(Thread {
                tid,
                cursig: i32::from(cursig),
                regs,
            });
        }
        elf::NT_PRPSINFO => notes.psinfo = Some(psinfo(&f).ok_or_else(short)?),
        elf::NT_SIGINFO => notes.siginfo = Some(siginfo(&f).ok_or_else(short)?),
        elf::NT_AUXV => notes.auxv = Some(auxv(&f)),
        _ => notes.files = Some(files(&f, at)?),
    }
    Ok(())
}

/// `struct elf_prpsinfo` ends with `pid_t pr_pid, pr_ppid, pr_pgrp, pr_sid; char
/// pr_fname[16]; char pr_psargs[80];` on every machine, while what comes before differs
/// (`pr_flag` is a long, `pr_uid` 16 or 32 bits): so it is read from its end (136 bytes
/// on 64-bit machines, 124 on i386 and arm).
fn psinfo(f: &Fields<'_>) -> Option<Psinfo> {
    let n = f.bytes.len();
    let tail = n.checked_sub(16 + 16 + 80)?;
    Some(Psinfo {
        pid: f.i32(tail)?,
        fname: c_string(&f.bytes[n - 96..n - 80]).to_vec(),
        psargs: c_string(&f.bytes[n - 80..]).to_vec(),
    })
}

/// `siginfo_t`: `si_signo`, `si_errno`, `si_code` (ints), then the union, aligned to a
/// word (byte 16 on 64-bit machines, 12 on 32-bit ones).
fn siginfo(f: &Fields<'_>) -> Option<Siginfo> {
    let union_at = if f.layout.class64 { 16 } else { 12 };
    Some(Siginfo {
        signo: f.i32(0)?,
        code: f.i32(8)?,
        addr: f.word(union_at)?,
        pid: f.i32(union_at)?,
        uid: f.u32(union_at + 4)?,
    })
}

/// Pairs of words, type then value, ended by `AT_NULL`.
fn auxv(f: &Fields<'_>) -> Auxv {
    let word = f.layout.word();
    let mut a = Auxv::default();
    let mut at = 0;
    while let (Some(key), Some(value)) = (f.word(at), f.word(at + word)) {
        match key {
            AT_NULL => break,
            AT_PHDR => a.phdr = Some(value),
            AT_PAGESZ => a.pagesz = Some(value),
            AT_BASE => a.base = Some(value),
            AT_ENTRY => a.entry = Some(value),
            AT_RANDOM => a.random = Some(value),
            AT_EXECFN => a.execfn = Some(value),
            AT_SYSINFO_EHDR => a.sysinfo_ehdr = Some(value),
            _ => {}
        }
        at += 2 * word;
    }
    a
}

/// `NT_FILE` (`fs/binfmt_elf.c`, `fill_files_note`): a count and a page size (words),
/// `count` triples (start, end, offset in pages), then `count` NUL-ended paths. The
/// kernel's page size is the machine's; gdb writes 1 and offsets in bytes.
fn files(f: &Fields<'_>, at: At<'_>) -> Result<Vec<FileEntry>, CoreError> {
    let bad = |what: String| at.malformed(format!("its NT_FILE note {what}"));
    let word = f.layout.word();
    let (Some(count), Some(page)) = (f.word(0), f.word(word)) else {
        return Err(bad("is too short for its header".to_string()));
    };
    if count > MAX_SEGMENTS {
        return Err(at.too_many(
            "mapped files",
            count,
            MAX_SEGMENTS,
            "16 times the kernel's default vm.max_map_count",
        ));
    }
    let names_at = (2 + 3 * count as usize) * word;
    if names_at > f.bytes.len() {
        return Err(bad(format!("says {count} files but has room for fewer")));
    }
    let mut name_at = names_at;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let t = (2 + 3 * i) * word;
        let (Some(start), Some(end), Some(pgoff)) =
            (f.word(t), f.word(t + word), f.word(t + 2 * word))
        else {
            return Err(bad("is cut short".to_string()));
        };
        let offset = pgoff.checked_mul(page).ok_or_else(|| {
            bad(format!(
                "gives file offset {pgoff:#x} pages of {page} bytes"
            ))
        })?;
        // Each path ends with a NUL, the last one too.
        let rest = &f.bytes[name_at..];
        let Some(nul) = memchr::memchr(0, &rest[..rest.len().min(MAX_NAME)]) else {
            return Err(if rest.len() >= MAX_NAME {
                bad("has a path longer than PATH_MAX".to_string())
            } else {
                bad(format!("has fewer than its {count} paths"))
            });
        };
        let name = &rest[..nul];
        name_at += nul + 1;
        if end <= start {
            return Err(bad(format!("has an empty mapping {start:#x}-{end:#x}")));
        }
        out.push(FileEntry {
            start,
            end,
            offset,
            name: kernel_escaped(name),
        });
    }
    Ok(out)
}

/// A path as `/proc/PID/maps` writes it: a newline as `\012`, the one byte the kernel
/// escapes there (`seq_file_path(m, file, "\n")`). gdb copies its names from maps, so
/// they are already escaped.
fn kernel_escaped(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for &b in name {
        if b == b'\n' {
            out.extend_from_slice(b"\\012");
        } else {
            out.push(b);
        }
    }
    out
}
