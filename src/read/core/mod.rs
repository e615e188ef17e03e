//! ELF core dumps (`--from CORE`): the address space of a process that has crashed, or
//! that gdb's `gcore` saved, as the same plain data a live process gives.
//!
//! A core holds the mappings (one `PT_LOAD` program header each), the mapped files and
//! their offsets (`NT_FILE`), the process's pid and command (`NT_PRPSINFO`), each
//! thread's registers (`NT_PRSTATUS`), the auxiliary vector (`NT_AUXV`) and the signal
//! that ended it (`NT_SIGINFO`). It does not hold what `/proc/PID/maps` adds (`[heap]`,
//! `[stack]`, shared against private, device and inode) nor any smaps figure: `kinds`
//! infers what is soundly implied and marks it so, the rest is left unknown.
//!
//! Reading is bounded: only the headers and notes are read (never the memory, which is
//! most of a core), a piece at a time through `source::Window`, each note under a cap
//! (`error` lists them). The pieces are in file order, so a core can come through a
//! pipe. The parts: `elf` (ELF and program headers), `notes`, `regs` (register
//! layouts per machine), `build` (regions and facts), `kinds`, and `buildid` (the
//! build ids of the mapped files, from the first pages the core holds).

mod build;
mod buildid;
mod elf;
mod error;
mod kinds;
mod notes;
mod regs;
mod source;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use buildid::module_build_id;
pub use elf::is_core;
pub use error::{CoreError, MAX_FILE_NOTE, MAX_NAME, MAX_SEGMENTS, MAX_SMALL_NOTE, MAX_THREADS};
pub use regs::{SI_KERNEL, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};

use crate::model::Snapshot;
use error::At;
use source::{FileSource, SliceSource, Source, StreamSource, Window};

/// Read the core dump at `path`: a regular file (read piecewise with `pread`) or a pipe
/// (read forward).
pub fn read_core(path: &Path) -> Result<Snapshot, CoreError> {
    let at = At(path);
    let file = File::open(path).map_err(|e| at.io(e))?;
    read_core_open(path, file)
}

/// [`read_core`] of a file already open on `path` (its read position does not matter
/// for a regular file; a pipe must not have been read from yet).
pub fn read_core_open(path: &Path, file: File) -> Result<Snapshot, CoreError> {
    use std::os::unix::fs::FileTypeExt;
    let at = At(path);
    let meta = file.metadata().map_err(|e| at.io(e))?;
    let kind = meta.file_type();
    if meta.is_file() {
        let file = &file;
        read_source(
            path,
            &mut FileSource {
                file,
                len: meta.len(),
            },
        )
    } else if kind.is_fifo() {
        read_core_from(path, file)
    } else {
        Err(at.not_core("not a regular file or a pipe"))
    }
}

/// Read a core dump from a stream positioned at its first byte, such as the reader a
/// caller has already looked into to tell a core from a capture (a `BufReader` holding
/// the first bytes of a pipe).
pub fn read_core_from(path: &Path, reader: impl Read) -> Result<Snapshot, CoreError> {
    read_source(
        path,
        &mut StreamSource {
            inner: reader,
            pos: 0,
        },
    )
}

/// Read a core dump held in memory; `path` names it in errors and in
/// [`crate::model::CoreFacts::path`].
pub fn read_core_bytes(path: &Path, bytes: &[u8]) -> Result<Snapshot, CoreError> {
    read_source(path, &mut SliceSource(bytes))
}

fn read_source(path: &Path, src: &mut dyn Source) -> Result<Snapshot, CoreError> {
    let at = At(path);
    let mut window = Window::new(src);
    let (layout, segments) = elf::read_headers(&mut window, at)?;
    let mut note_segments: Vec<&elf::Segment> = segments.iter().filter(|s| s.note).collect();
    // In file order, so that a pipe is read forward.
    note_segments.sort_by_key(|s| s.offset);
    let mut notes = notes::Notes::default();
    for seg in note_segments {
        notes::read_segment(&mut window, at, &layout, seg, &mut notes)?;
    }
    let len = window.file_len();
    let mut snap = build::snapshot(path, layout, &segments, notes, len)?;
    // The first page of each mapped file, for its build id.
    let candidates = segments
        .iter()
        .filter(|s| !s.note && s.filesz > 0)
        .filter_map(|s| {
            let r = &snap.regions[snap.region_at(s.vaddr)?];
            let held = r.dumped.map_or(0, |d| d.bytes);
            (r.start == s.vaddr && r.is_path() && r.offset == 0 && held > 0).then_some(
                buildid::Candidate {
                    start: r.start,
                    core_offset: s.offset,
                    held,
                },
            )
        })
        .collect();
    let ids = buildid::build_ids(&mut window, candidates);
    if let Some(core) = snap.process.core.as_mut() {
        core.build_ids = ids;
    }
    Ok(snap)
}
