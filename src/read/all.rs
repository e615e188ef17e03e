//! Every process at once (`vasmap --all`): what each costs in memory, from the kernel's
//! own sums.
//!
//! For each process `/proc` lists, [`read_process`] reads `smaps_rollup` (the kernel
//! walks the page tables of every mapping once and sums them: one small read however many
//! mappings there are) and `cmdline`; the owner is the `/proc/PID` directory's, which
//! the kernel sets to the process's effective uid for the directory itself (the rule that
//! hands a non-dumpable process's files to root spares directories: `task_dump_owner`,
//! fs/proc/base.c), so `status` is not read. A process that cannot be read is not an
//! error here but a [`Skipped`] reason, counted by the caller: hundreds of other users'
//! processes must not print hundreds of messages.
//!
//! With mapping filters (`--name libc.so.6`), the rollup cannot say which mapping its
//! pages are in, so `smaps` is read instead and only the matching mappings are summed:
//! about three times the kernel's work of the rollup for a small process, more for a
//! large one (docs/performance.md). `--count` also reads `maps`, to count the mappings.

use crate::filter::Selection;
use crate::read::RegionSource;
use crate::read::proc::{ProcDir, ReadOptions, SourceError};

/// One process's memory, in kB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessMemory {
    pub pid: i32,
    /// The effective uid (the owner of `/proc/PID`).
    pub uid: u32,
    /// The command line with NULs as spaces, or `[comm]` when it is empty (raw bytes).
    pub command: Vec<u8>,
    /// Resident: pages in RAM mapped by the process, shared ones counted whole.
    pub rss_kb: u64,
    /// Proportional: each resident page divided by the number of processes mapping it.
    pub pss_kb: u64,
    /// Unique: private clean plus private dirty, what the process alone holds (what
    /// exiting would free).
    pub uss_kb: u64,
    pub swap_kb: u64,
    /// Swap divided as PSS divides RAM.
    pub swap_pss_kb: u64,
    /// The number of mappings (`--count`), or of mappings that matched the filters.
    pub mappings: Option<u64>,
}

/// Why a process was left out.
#[derive(Debug)]
pub enum Skipped {
    /// The kernel refused to show its memory (another user's process, not dumpable).
    Denied,
    /// No address space: a kernel thread or a zombie, or it exited while it was read.
    NoAddressSpace,
    /// Not the user asked for (`--user`).
    OtherUser,
    /// No mapping matched the filters (`--name`, `--perms`, `--kind`).
    NoMatch,
    /// Anything else (an I/O error, a file in a format this version does not know).
    Failed(SourceError),
}

/// What to read of each process.
#[derive(Debug, Clone, Default)]
pub struct AllOptions {
    /// Only processes of this effective uid.
    pub uid: Option<u32>,
    /// Sum only the mappings these filters keep (reads `smaps`); none: the rollup.
    pub select: Selection,
    /// Count the mappings too (reads `maps`, unless smaps is read anyway).
    pub count: bool,
}

/// The pids `/proc` lists, in its order (threads other than leaders are not listed).
pub fn pids() -> Result<Vec<i32>, SourceError> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let list = rustix::fs::openat(rustix::fs::CWD, "/proc", flags, Mode::empty())
        .and_then(rustix::fs::Dir::new)
        .map_err(|e| SourceError::FileIo {
            path: "/proc".into(),
            source: e.into(),
        })?;
    Ok(list
        .flatten()
        .filter_map(|e| {
            std::str::from_utf8(e.file_name().to_bytes())
                .ok()?
                .parse()
                .ok()
        })
        .filter(|&p: &i32| p > 0)
        .collect())
}

/// The figures of a `smaps_rollup` (or one smaps record): `Key:   123 kB` lines.
pub fn parse_rollup(text: &[u8], into: &mut ProcessMemory) -> bool {
    let mut seen = false;
    let (mut pc, mut pd) = (0u64, 0u64);
    for line in text.split(|&b| b == b'\n') {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let value = line[colon + 1..]
            .iter()
            .skip_while(|b| **b == b' ' || **b == b'\t')
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |v, &b| {
                v.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            });
        match &line[..colon] {
            b"Rss" => {
                into.rss_kb = value;
                seen = true;
            }
            b"Pss" => into.pss_kb = value,
            b"Private_Clean" => pc = value,
            b"Private_Dirty" => pd = value,
            b"Swap" => into.swap_kb = value,
            b"SwapPss" => into.swap_pss_kb = value,
            _ => {}
        }
    }
    into.uss_kb = pc.saturating_add(pd);
    seen
}

/// Read one small file of the process into `buf`, sorting a failure into its reason
/// without asking why the kernel refused (`ProcDir::read_small` works out a
/// [`crate::read::proc::Denial`] for its message: a read of `status` and its parse, 200,000
/// instructions, for each of what may be hundreds of other users' processes).
fn read_file(dir: &ProcDir, file: &str, buf: &mut Vec<u8>, limit: usize) -> Result<(), Skipped> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
    let read = rustix::fs::openat(dir.dir(), file, flags, Mode::empty()).and_then(|fd| {
        crate::read::proc::read_fd(&fd, buf, limit, false, crate::read::proc::Ends::ShortRead)
    });
    match read {
        Ok(()) => Ok(()),
        Err(Errno::ACCESS | Errno::PERM) => Err(Skipped::Denied),
        Err(Errno::SRCH | Errno::NOENT) => Err(Skipped::NoAddressSpace),
        Err(e) => Err(Skipped::Failed(SourceError::Io {
            pid: dir.pid(),
            file: file.to_string(),
            source: e.into(),
        })),
    }
}

/// The command as `ps` shows it: arguments joined by spaces, or `[comm]`.
fn command_of(dir: &ProcDir, buf: &mut Vec<u8>) -> Vec<u8> {
    // procps reads at most 128 KiB of a command line; so does vasmap.
    if read_file(dir, "cmdline", buf, 128 * 1024).is_err() {
        buf.clear();
    }
    let line = crate::model::ProcessInfo::cmdline_line(buf);
    if !line.is_empty() {
        return line;
    }
    let comm = dir.stat(None).map(|s| s.comm).unwrap_or_default();
    [&b"["[..], &comm, b"]"].concat()
}

impl From<SourceError> for Skipped {
    /// Sort a failed read into its reason.
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::PermissionDenied { .. } | SourceError::Hidden { .. } => Skipped::Denied,
            SourceError::NoSuchProcess { .. }
            | SourceError::Exited { .. }
            | SourceError::Zombie { .. }
            | SourceError::KernelThread { .. } => Skipped::NoAddressSpace,
            other => Skipped::Failed(other),
        }
    }
}

/// Read one process: its memory, or why it is left out. `buf` is reused from one
/// process to the next.
pub fn read_process(
    pid: i32,
    opts: &AllOptions,
    buf: &mut Vec<u8>,
) -> Result<ProcessMemory, Skipped> {
    let dir = ProcDir::open(pid)?;
    // The owner of the directory: the effective uid, one fstat (see the module docs).
    let uid = rustix::fs::fstat(dir.dir())
        .map_err(|_| Skipped::NoAddressSpace)?
        .st_uid;
    if opts.uid.is_some_and(|u| u != uid) {
        return Err(Skipped::OtherUser);
    }
    let mut mem = ProcessMemory {
        pid,
        uid,
        ..ProcessMemory::default()
    };
    if !opts.select.keeps_all() {
        let (n, command) = matching(&dir, &opts.select, &mut mem)?;
        if n == 0 {
            return Err(Skipped::NoMatch);
        }
        mem.mappings = Some(n);
        mem.command = command;
        return Ok(mem);
    }
    read_file(&dir, "smaps_rollup", buf, 64 * 1024)?;
    // A kernel thread's rollup fails with ESRCH; an exiting process's is empty.
    if !parse_rollup(buf, &mut mem) {
        return Err(Skipped::NoAddressSpace);
    }
    if opts.count {
        let (n, command) = count_mappings(&dir)?;
        mem.mappings = Some(n);
        mem.command = command;
    } else {
        mem.command = command_of(&dir, buf);
    }
    Ok(mem)
}

/// The number of mappings (the regions of `maps`, read as every view reads them: whole,
/// or an error), and the command.
fn count_mappings(dir: &ProcDir) -> Result<(u64, Vec<u8>), SourceError> {
    let (info, task) = dir.prepare(ReadOptions {
        skip_exe_id: true,
        ..lean()
    })?;
    let mut src = dir.regions(&info, task, false)?;
    let mut n = 0;
    while src.advance()? {
        n += 1;
    }
    Ok((n, info.cmdline.clone()))
}

/// Only what classifying the regions needs (the program's device and inode).
fn lean() -> ReadOptions {
    ReadOptions {
        skip_stat: true,
        skip_exe_path: true,
        ..ReadOptions::default()
    }
}

/// Sum the smaps figures of the regions `select` keeps into `mem`; returns how many, and
/// the command.
fn matching(
    dir: &ProcDir,
    select: &Selection,
    mem: &mut ProcessMemory,
) -> Result<(u64, Vec<u8>), SourceError> {
    let opts = ReadOptions {
        thread_stacks: !select.kinds.is_empty(),
        ..lean()
    };
    let (info, task) = dir.prepare(opts)?;
    let mut src = dir.regions(&info, task, true)?;
    let mut n = 0;
    while src.advance()? {
        let r = src.region();
        if !select.matches(r) {
            continue;
        }
        n += 1;
        if let Some(s) = &r.smaps {
            mem.rss_kb = mem.rss_kb.saturating_add(s.rss);
            mem.pss_kb = mem.pss_kb.saturating_add(s.pss);
            let uss = s.private_clean.saturating_add(s.private_dirty);
            mem.uss_kb = mem.uss_kb.saturating_add(uss);
            mem.swap_kb = mem.swap_kb.saturating_add(s.swap);
            mem.swap_pss_kb = mem.swap_pss_kb.saturating_add(s.swap_pss);
        }
    }
    Ok((n, info.cmdline.clone()))
}

/// The name of user `uid`, when the system knows one.
pub fn user_name(uid: u32) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    uzers::get_user_by_uid(uid).map(|u| u.name().as_bytes().to_vec())
}

/// The uid `--user` means: a number, or a user's name.
pub fn parse_user(s: &str) -> Result<u32, String> {
    if let Ok(uid) = s.parse::<u32>() {
        return Ok(uid);
    }
    uzers::get_user_by_name(s).map(|u| u.uid()).ok_or_else(|| {
        format!(
            "'{}' is not a user this system knows (see `getent passwd`) nor a uid",
            crate::text::escape_text(s.as_bytes(), false)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollup_figures() {
        let text =
            b"55d0c0000000-7ffd5b9e4000 ---p 00000000 00:00 0                          [rollup]\n\
Rss:                1024 kB\nPss:                 300 kB\nPss_Anon:            100 kB\n\
Shared_Clean:        700 kB\nPrivate_Clean:        20 kB\nPrivate_Dirty:       180 kB\n\
Swap:                 64 kB\nSwapPss:              32 kB\nLocked:                0 kB\n";
        let mut m = ProcessMemory::default();
        assert!(parse_rollup(text, &mut m));
        assert_eq!(
            (m.rss_kb, m.pss_kb, m.uss_kb, m.swap_kb, m.swap_pss_kb),
            (1024, 300, 200, 64, 32)
        );
        assert!(!parse_rollup(b"", &mut ProcessMemory::default()));
    }

    #[test]
    fn own_process_and_users() {
        let opts = AllOptions::default();
        let me = std::process::id() as i32;
        assert!(pids().unwrap().contains(&me));
        let m = read_process(me, &opts, &mut Vec::new()).unwrap();
        assert!(m.rss_kb > 0 && m.pss_kb <= m.rss_kb && m.uss_kb <= m.rss_kb);
        assert_eq!(parse_user("0"), Ok(0));
        assert!(parse_user("no such user, surely").is_err());
    }
}
