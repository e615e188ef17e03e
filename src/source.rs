//! Where a [`Snapshot`] comes from: a live process (by pid, or vasmap itself) or a saved
//! `maps`/`smaps` file.
//!
//! The files of one process are all opened relative to one opened `/proc/PID` directory
//! (through `procfs`), so that a pid reused by a new process between two reads cannot mix
//! two processes: once the first process is gone, reads fail rather than switch.
//! Each file is read in chunks and parsed as it comes ([`RegionStream`]), so that memory
//! does not grow with the size of the text (smaps of a process with 60,000 mappings is
//! about 45 MB). That gives up no consistency: the kernel produces these files a `read()`
//! at a time, dropping the process's mmap lock between reads, so a whole-file read is no
//! more a snapshot than a chunked one (see [`RegionStream`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use procfs::ProcError;
use procfs::process::Process;

use crate::classify::classify;
use crate::model::{ProcessInfo, Snapshot};
use crate::model::{Region, SmapsRecord};
use crate::parse::{ParseError, RegionStream, StreamError, parse_any};

/// `PF_KTHREAD` in the `flags` field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: u32 = 0x0020_0000;

/// Why a snapshot could not be taken. Each message names the pid or file, says what
/// happened and what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{pid}: no such process (check the pid with `ps -p {pid}`)")]
    NoSuchProcess { pid: i32 },
    #[error(
        "{pid}: permission denied reading /proc/{pid}/{file}: reading another user's process \
         needs the same user or CAP_SYS_PTRACE (try sudo)"
    )]
    PermissionDenied { pid: i32, file: String },
    #[error("{pid}: process {pid} exited while it was being read")]
    Exited { pid: i32 },
    #[error("{pid}: {name} is a kernel thread: it has no user address space to show")]
    KernelThread { pid: i32, name: String },
    #[error(
        "{pid}: process {pid} is a zombie (exited, not yet reaped by its parent): \
         it has no address space left to show"
    )]
    Zombie { pid: i32 },
    #[error("{pid}: cannot read /proc/{pid}/{file}: {source}")]
    Io {
        pid: i32,
        file: String,
        source: std::io::Error,
    },
    #[error("{pid}: /proc/{pid}/{file} is not in the expected format: {source}")]
    BadProcFile {
        pid: i32,
        file: String,
        source: ParseError,
    },
    #[error("{}: cannot read the file: {source}", path.display())]
    FileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not a maps or smaps capture ({source}); save one with `cat /proc/PID/smaps > FILE`",
        path.display()
    )]
    BadFile { path: PathBuf, source: ParseError },
}

impl SourceError {
    /// The pid the error is about, when it is about a process.
    pub fn pid(&self) -> Option<i32> {
        match self {
            SourceError::NoSuchProcess { pid }
            | SourceError::PermissionDenied { pid, .. }
            | SourceError::Exited { pid }
            | SourceError::KernelThread { pid, .. }
            | SourceError::Zombie { pid }
            | SourceError::Io { pid, .. }
            | SourceError::BadProcFile { pid, .. } => Some(*pid),
            _ => None,
        }
    }
}

/// What to read beside `maps`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Read `smaps` (resident, dirty, swap... figures) instead of `maps`.
    pub smaps: bool,
}

/// An open `/proc/PID` directory.
pub struct ProcDir {
    pid: i32,
    process: Process,
}

fn io_kind_error(pid: i32, file: &str, e: std::io::Error) -> SourceError {
    match e.raw_os_error() {
        Some(libc::ESRCH) | Some(libc::ENOENT) => SourceError::Exited { pid },
        Some(libc::EACCES) | Some(libc::EPERM) => SourceError::PermissionDenied {
            pid,
            file: file.to_string(),
        },
        _ => SourceError::Io {
            pid,
            file: file.to_string(),
            source: e,
        },
    }
}

fn proc_error(pid: i32, file: &str, e: ProcError) -> SourceError {
    match e {
        ProcError::NotFound(_) => SourceError::Exited { pid },
        ProcError::PermissionDenied(_) => SourceError::PermissionDenied {
            pid,
            file: file.to_string(),
        },
        ProcError::Io(e, _) => io_kind_error(pid, file, e),
        other => SourceError::Io {
            pid,
            file: file.to_string(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

impl ProcDir {
    /// Open `/proc/PID`. A pid that does not exist (or that `hidepid` hides) is
    /// [`SourceError::NoSuchProcess`].
    pub fn open(pid: i32) -> Result<ProcDir, SourceError> {
        if pid <= 0 {
            return Err(SourceError::NoSuchProcess { pid });
        }
        match Process::new(pid) {
            Ok(process) => Ok(ProcDir { pid, process }),
            Err(ProcError::NotFound(_)) => Err(SourceError::NoSuchProcess { pid }),
            Err(e) => Err(proc_error(pid, "", e)),
        }
    }

    /// Open vasmap's own `/proc/self`.
    pub fn myself() -> Result<ProcDir, SourceError> {
        ProcDir::open(std::process::id() as i32)
    }

    /// The pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Read one file of the process whole, e.g. `maps` or `task/12/syscall`.
    pub fn read(&self, file: &str) -> Result<Vec<u8>, SourceError> {
        let mut f = self
            .process
            .open_relative(file)
            .map_err(|e| proc_error(self.pid, file, e))?;
        let mut buf = Vec::with_capacity(64 * 1024);
        f.read_to_end(&mut buf)
            .map_err(|e| io_kind_error(self.pid, file, e))?;
        Ok(buf)
    }

    /// Open `maps` (or `smaps` when `smaps` is set) for reading region by region: the
    /// streaming counterpart of [`ProcDir::snapshot`], for views that print as they read.
    /// Turn the stream's errors into [`SourceError`]s with [`ProcDir::stream_error`].
    pub fn regions(&self, smaps: bool) -> Result<RegionStream<File>, SourceError> {
        let file = if smaps { "smaps" } else { "maps" };
        let f = self
            .process
            .open_relative(file)
            .map_err(|e| proc_error(self.pid, file, e))?;
        Ok(if smaps {
            RegionStream::smaps(f)
        } else {
            RegionStream::maps(f)
        })
    }

    /// The kernel's sums over every mapping, from `smaps_rollup` (one small read, however
    /// many mappings there are). `None` when it is empty (the process is exiting) or not
    /// in the expected format.
    pub fn rollup(&self) -> Result<Option<SmapsRecord>, SourceError> {
        let file = "smaps_rollup";
        let f = self
            .process
            .open_relative(file)
            .map_err(|e| proc_error(self.pid, file, e))?;
        let mut r = Region::blank();
        match RegionStream::smaps(f).next_into(&mut r) {
            Ok(true) => Ok(r.smaps),
            Ok(false) | Err(StreamError::Parse(_)) => Ok(None),
            Err(StreamError::Io(e)) => Err(io_kind_error(self.pid, file, e)),
        }
    }

    /// The [`SourceError`] for an error of a stream from [`ProcDir::regions`].
    pub fn stream_error(&self, smaps: bool, e: StreamError) -> SourceError {
        let file = if smaps { "smaps" } else { "maps" };
        match e {
            StreamError::Io(e) => io_kind_error(self.pid, file, e),
            StreamError::Parse(source) => SourceError::BadProcFile {
                pid: self.pid,
                file: file.to_string(),
                source,
            },
        }
    }

    /// Why a process has no mappings to show: a kernel thread, a zombie, or a process that
    /// exited while it was read. `Ok` when none of these is the case (an empty address
    /// space is then just empty). `before` is the `stat` read before the maps.
    pub fn why_empty(
        &self,
        before: &procfs::process::Stat,
        info: &ProcessInfo,
    ) -> Result<(), SourceError> {
        match self.process.stat() {
            Err(_) => Err(SourceError::Exited { pid: self.pid }),
            Ok(now) if now.state == 'Z' || now.state == 'X' => {
                Err(SourceError::Zombie { pid: self.pid })
            }
            Ok(now) if now.flags & PF_KTHREAD != 0 || before.flags & PF_KTHREAD != 0 => {
                Err(SourceError::KernelThread {
                    pid: self.pid,
                    name: String::from_utf8_lossy(&info.cmdline).into_owned(),
                })
            }
            Ok(_) => Ok(()),
        }
    }

    /// The facts about the process that classification and headers need. Only `stat` is
    /// required; the rest is best effort (another user's `exe` link is unreadable, say).
    pub fn info(&self) -> Result<(ProcessInfo, procfs::process::Stat), SourceError> {
        let stat = self
            .process
            .stat()
            .map_err(|e| proc_error(self.pid, "stat", e))?;
        let raw_cmdline = self.read("cmdline").unwrap_or_default();
        let mut comm = self.read("comm").unwrap_or_default();
        if comm.last() == Some(&b'\n') {
            comm.pop();
        }
        let mut cmdline = raw_cmdline.clone();
        while cmdline.last() == Some(&0) {
            cmdline.pop();
        }
        for b in cmdline.iter_mut() {
            if *b == 0 {
                *b = b' ';
            }
        }
        if cmdline.is_empty() {
            cmdline = format!("[{}]", stat.comm).into_bytes();
        }
        let exe_path = self.process.exe().ok().map(|p| {
            use std::os::unix::ffi::OsStringExt;
            p.into_os_string().into_vec()
        });
        let exe_id = std::fs::metadata(format!("/proc/{}/exe", self.pid))
            .ok()
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                let dev = m.dev();
                (libc::major(dev), libc::minor(dev), m.ino())
            });
        let start_stack = (stat.startstack != 0).then_some(stat.startstack);
        let thread_sps = self.thread_stack_pointers();
        Ok((
            ProcessInfo {
                pid: self.pid,
                cmdline,
                raw_cmdline,
                comm,
                exe_id,
                exe_path,
                start_stack,
                thread_sps,
            },
            stat,
        ))
    }

    /// (tid, stack pointer) of each thread but the main one, from `task/TID/syscall`
    /// (`nr args... sp pc`). A thread that is running says `running` and is skipped;
    /// reading it needs ptrace access, so for another user's process this is empty.
    fn thread_stack_pointers(&self) -> Vec<(i32, u64)> {
        let Ok(tasks) = self.process.tasks() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for task in tasks.flatten() {
            if task.tid == self.pid {
                continue;
            }
            let Ok(text) = self.read(&format!("task/{}/syscall", task.tid)) else {
                continue;
            };
            let words: Vec<&[u8]> = text
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            if words.len() >= 3 {
                let sp = words[words.len() - 2];
                if let Some(hex) = sp.strip_prefix(b"0x")
                    && let Ok(s) = std::str::from_utf8(hex)
                    && let Ok(v) = u64::from_str_radix(s, 16)
                {
                    out.push((task.tid, v));
                }
            }
        }
        out
    }

    /// Take a snapshot of the process.
    pub fn snapshot(&self, opts: ReadOptions) -> Result<Snapshot, SourceError> {
        let (info, stat) = self.info()?;
        let mut stream = self.regions(opts.smaps)?;
        let mut regions = Vec::new();
        let mut scratch = Region::blank();
        loop {
            match stream.next_into(&mut scratch) {
                // A clone has buffers of exactly the size used; the scratch keeps its own.
                Ok(true) => regions.push(scratch.clone()),
                Ok(false) => break,
                Err(e) => return Err(self.stream_error(opts.smaps, e)),
            }
        }
        let fields = stream.into_field_names();
        if regions.is_empty() {
            // An empty maps file: a kernel thread, a zombie, or a process that exited
            // while it was being read. Look again to tell which.
            self.why_empty(&stat, &info)?;
        }
        classify(&mut regions, &info);
        Ok(Snapshot {
            process: info,
            regions,
            has_smaps: opts.smaps,
            smaps_fields: fields,
        })
    }
}

/// Why [`ProcDir::visit_regions`] stopped early.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The process could not be read (see [`SourceError`]).
    #[error("{0}")]
    Source(#[from] SourceError),
    /// The visitor failed (writing the output, say).
    #[error("{0}")]
    Output(#[from] std::io::Error),
}

impl ProcDir {
    /// Read `maps` (or `smaps`) a chunk at a time and hand each region, classified, to
    /// `visit` with the smaps field names seen so far (a record's [`crate::model::FieldId`]s
    /// index them), without keeping any: memory stays at one chunk and one region however
    /// many mappings the process has. `info` and `before` come from [`ProcDir::info`].
    /// Returns the number of regions; none at all is checked as [`ProcDir::snapshot`] does
    /// (a kernel thread, a zombie, an exit).
    pub fn visit_regions(
        &self,
        info: &ProcessInfo,
        before: &procfs::process::Stat,
        smaps: bool,
        mut visit: impl FnMut(&Region, &[String]) -> std::io::Result<()>,
    ) -> Result<usize, VisitError> {
        let mut stream = self.regions(smaps)?;
        let mut r = Region::blank();
        let mut n = 0;
        loop {
            match stream.next_into(&mut r) {
                Ok(true) => {
                    r.kind = crate::classify::kind_of(&r, info);
                    visit(&r, stream.field_names())?;
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => return Err(self.stream_error(smaps, e).into()),
            }
        }
        if n == 0 {
            self.why_empty(before, info)?;
        }
        Ok(n)
    }
}

/// Take a snapshot of a live process.
pub fn read_pid(pid: i32, opts: ReadOptions) -> Result<Snapshot, SourceError> {
    ProcDir::open(pid)?.snapshot(opts)
}

/// Read a saved `maps` or `smaps` file. The process facts are unknown, so kinds come
/// from the names alone (the program's own binary cannot be told from other files).
pub fn read_file(path: &Path) -> Result<Snapshot, SourceError> {
    let text = std::fs::read(path).map_err(|source| SourceError::FileIo {
        path: path.to_path_buf(),
        source,
    })?;
    let mut fields = Vec::new();
    let (mut regions, has_smaps) =
        parse_any(&text, &mut fields).map_err(|source| SourceError::BadFile {
            path: path.to_path_buf(),
            source,
        })?;
    let info = ProcessInfo {
        cmdline: path.display().to_string().into_bytes(),
        ..Default::default()
    };
    classify(&mut regions, &info);
    Ok(Snapshot {
        process: info,
        regions,
        has_smaps,
        smaps_fields: fields,
    })
}
