//! From the headers and notes of a core to vasmap's plain data: one [`Region`] per
//! mapping, and the [`ProcessInfo`] and [`CoreFacts`] the views show.
//!
//! Each `PT_LOAD` is a mapping: its address range, its r/w/x (`p_flags`) and how much
//! of its memory the file holds (`p_filesz`, checked against the file's real length).
//! `NT_FILE` gives the file-backed ones their path and file offset. The kernel writes
//! both for every mapping; gdb's `gcore` writes `PT_LOAD` only for what it dumps, so a
//! mapping it left out (the program's text, a library's code) is known from `NT_FILE`
//! alone, with its permissions unknown ([`Dumped::perms_known`]). gdb also marks every
//! segment readable, so in its cores the `r` bit means nothing ([`Dumped::read_known`]).

use std::path::Path;

use super::elf::{Layout, Segment, arch_name};
use super::error::{At, CoreError};
use super::kinds::{Evidence, classify_core};
use super::notes::{FileEntry, Notes};
use super::regs;
use crate::model::{CoreFacts, CoreThread, Dumped, Perms, ProcessInfo, Region, Snapshot};

/// `p_flags` bits (`PF_X`, `PF_W`, `PF_R`).
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// Who wrote a core, from what each writer leaves: gdb a note owned by `GDB` (its target
/// description) and segments aligned to 1 (BFD's default), the kernel segments aligned
/// to the page size (`ELF_EXEC_PAGESIZE`).
fn writer(notes: &Notes, loads: &[&Segment], page: u64) -> &'static str {
    if notes.gdb || (!loads.is_empty() && loads.iter().all(|s| s.align <= 1)) {
        "gdb"
    } else if !loads.is_empty() && loads.iter().all(|s| s.align == page) {
        "kernel"
    } else {
        "unknown"
    }
}

/// Names that can only be shared memory, whatever wrote the core: SysV shm (always
/// `MAP_SHARED`) and shared anonymous memory (a private mapping of `/dev/zero` has no
/// file at all).
fn surely_shared(name: &[u8]) -> bool {
    let Some(path) = name.strip_suffix(b" (deleted)") else {
        return false;
    };
    path == b"/dev/zero"
        || (path.len() == 13
            && path.starts_with(b"/SYSV")
            && path[5..].iter().all(u8::is_ascii_hexdigit))
}

fn overlap_error(at: At<'_>, a: &Region, b: &Region) -> CoreError {
    at.malformed(format!(
        "mappings {:#x}-{:#x} and {:#x}-{:#x} overlap",
        a.start, a.end, b.start, b.end
    ))
}

/// Sort regions by address and refuse overlapping ones.
fn sort_disjoint(at: At<'_>, regions: &mut [Region]) -> Result<(), CoreError> {
    regions.sort_by_key(|r| r.start);
    match regions.windows(2).find(|w| w[1].start < w[0].end) {
        Some(w) => Err(overlap_error(at, &w[0], &w[1])),
        None => Ok(()),
    }
}

/// Give the regions `NT_FILE`'s names and offsets; a file mapping with no `PT_LOAD`
/// becomes a region of its own, with unknown permissions.
fn apply_files(
    at: At<'_>,
    regions: &mut Vec<Region>,
    files: Vec<FileEntry>,
) -> Result<(), CoreError> {
    let mut only_files = Vec::new();
    for f in files {
        let first = regions.partition_point(|r| r.end <= f.start);
        let overlapping = regions[first..]
            .iter()
            .take_while(|r| r.start < f.end)
            .count();
        if overlapping == 0 {
            only_files.push(Region {
                offset: f.offset,
                dumped: Some(Dumped::default()),
                name: f.name,
                start: f.start,
                end: f.end,
                ..Region::blank()
            });
            continue;
        }
        // A writer that split one mapping into several segments: each gets its part.
        // A segment only partly inside the file's range is left without a name.
        for r in &mut regions[first..first + overlapping] {
            if r.start >= f.start && r.end <= f.end {
                r.name = f.name.clone();
                r.offset = f.offset.saturating_add(r.start - f.start);
            }
        }
    }
    if !only_files.is_empty() {
        regions.append(&mut only_files);
        sort_disjoint(at, regions)?;
    }
    Ok(())
}

/// Build the snapshot of a core whose headers and notes have been read. `len` is the
/// file's length, when known.
pub(super) fn snapshot(
    path: &Path,
    layout: Layout,
    segments: &[Segment],
    notes: Notes,
    len: Option<u64>,
) -> Result<Snapshot, CoreError> {
    let at = At(path);
    let auxv = notes.auxv.unwrap_or_default();
    let page = auxv.pagesz.unwrap_or(4096);
    let loads: Vec<&Segment> = segments.iter().filter(|s| !s.note && s.memsz > 0).collect();
    let writer = writer(&notes, &loads, page);
    let gdb = writer == "gdb";
    let mut missing: u64 = 0;
    let mut regions = Vec::with_capacity(loads.len());
    for s in &loads {
        let end = s
            .vaddr
            .checked_add(s.memsz)
            .ok_or_else(|| at.malformed(format!("a segment at {:#x} runs past 2^64", s.vaddr)))?;
        let claimed = s.filesz.min(s.memsz);
        let held = match len {
            Some(len) => claimed.min(len.saturating_sub(s.offset)),
            None => claimed,
        };
        missing = missing.saturating_add(claimed - held);
        regions.push(Region {
            perms: Perms {
                read: s.flags & PF_R != 0,
                write: s.flags & PF_W != 0,
                exec: s.flags & PF_X != 0,
                shared: false,
            },
            dumped: Some(Dumped {
                bytes: held,
                perms_known: true,
                read_known: !gdb,
                ..Dumped::default()
            }),
            start: s.vaddr,
            end,
            ..Region::blank()
        });
    }
    sort_disjoint(at, &mut regions)?;
    let has_file_note = notes.files.is_some();
    if let Some(files) = notes.files {
        apply_files(at, &mut regions, files)?;
    }
    for r in &mut regions {
        let Some(d) = r.dumped.as_mut() else { continue };
        if surely_shared(&r.name) {
            r.perms.shared = true;
            d.shared_known = true;
        } else if r.name.is_empty() && writer == "kernel" && has_file_note {
            // fs/binfmt_elf.c lists every mapping with a file in NT_FILE, and a shared
            // mapping always has one (shmem_zero_setup for MAP_SHARED|MAP_ANONYMOUS).
            d.shared_known = true;
        }
    }
    let psinfo = notes.psinfo.unwrap_or_default();
    let evidence = Evidence {
        auxv,
        pid: psinfo.pid,
        threads: &notes.threads,
        machine: layout.machine,
        class64: layout.class64,
    };
    let found = classify_core(&mut regions, &evidence);
    let registers_known = regs::reg_layout(&layout).is_some();
    let sig = notes.siginfo;
    let signal = sig
        .map(|s| s.signo)
        .filter(|&s| s != 0)
        .or_else(|| notes.threads.first().map(|t| t.cursig).filter(|&s| s != 0));
    let facts = CoreFacts {
        path: path.as_os_str().as_encoded_bytes().to_vec(),
        arch: arch_name(layout.machine, layout.class64),
        signal,
        si_code: sig.map(|s| s.code),
        fault_addr: sig
            .filter(|s| regs::has_fault_addr(s.signo, s.code))
            .map(|s| s.addr),
        threads: notes
            .threads
            .iter()
            .map(|t| {
                let (sp, pc) = t.regs.unwrap_or((0, 0));
                CoreThread { tid: t.tid, sp, pc }
            })
            .collect(),
        entry: auxv.entry,
        phdr: auxv.phdr,
        interp_base: auxv.base.filter(|&b| b != 0),
        vdso: auxv.sysinfo_ehdr,
        writer: writer.to_string(),
        page_size: auxv.pagesz,
        registers_known,
        has_file_note,
        cut_short: (missing > 0).then_some(missing),
        sender_pid: sig.filter(|s| regs::has_sender(s.code)).map(|s| s.pid),
        sender_uid: sig.filter(|s| regs::has_sender(s.code)).map(|s| s.uid),
        build_ids: Vec::new(),
    };
    let mut cmdline = psinfo.psargs.clone();
    while cmdline.last() == Some(&b' ') {
        cmdline.pop();
    }
    let raw_cmdline = cmdline.clone();
    if cmdline.is_empty() && !psinfo.fname.is_empty() {
        cmdline = [b"[", &psinfo.fname[..], b"]"].concat();
    }
    Ok(Snapshot {
        process: ProcessInfo {
            pid: psinfo.pid,
            cmdline,
            raw_cmdline,
            comm: psinfo.fname,
            exe_id: None,
            exe_path: found.exe_path,
            start_stack: found.start_stack,
            thread_sps: {
                // Looked up by halving (`ProcessInfo::thread_in`).
                let mut sps = found.thread_sps;
                sps.sort_unstable_by_key(|&(tid, sp)| (sp, tid));
                sps
            },
            stack_limit: None,
            core: Some(Box::new(facts)),
            saved: true,
        },
        regions,
        has_smaps: false,
        smaps_fields: Vec::new(),
    })
}
