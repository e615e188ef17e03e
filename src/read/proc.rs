//! A live process, through `/proc/PID`.
//!
//! Every file is opened relative to one opened `/proc/PID` directory, so that a pid reused
//! by a new process between two reads cannot mix two processes: once the first process is
//! gone, reads fail rather than switch. Small files (`stat`, `cmdline`, `status`, a
//! thread's `syscall`) are read with `openat`, one `read` and `close`: std's `fs::read`
//! adds an `fstat` and an `lseek` to size its buffer, and procfs's parsers read text as
//! UTF-8 (a process named `\xff\xfe` failed `--totals`), so both are left to the paths
//! where they are harmless (`crate::read::denial`).
//!
//! Nothing is read that the view does not print ([`ReadOptions`]): the pmap views need
//! only `cmdline` and `maps` of a process, so that is all they read (docs/performance.md
//! has the budget of system calls per pid and per thread, and `tests/budget.rs` holds
//! vasmap to it).
//!
//! `maps` and `smaps` are read in chunks and parsed as they come ([`LiveRegions`]), so
//! memory does not grow with the size of the text. That gives up no consistency: the
//! kernel produces these files a `read()` at a time, dropping the process's mmap lock
//! between reads, so a whole-file read is no more a snapshot than a chunked one. What
//! matters is the check after the last read ([`ProcDir::ensure_whole`]): a process that
//! exits part way through cuts the file short without an error.

use std::cell::RefCell;
use std::fs::File;
use std::os::fd::OwnedFd;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::model::{ProcessInfo, Region, SmapsRecord, Snapshot};
use crate::read::RegionSource;
use crate::read::denial::{denial_of, hides_processes, proc_hidepid};
pub use crate::read::error::{Denial, SourceError, VisitError};
pub use crate::read::live::LiveRegions;
use crate::read::parse::RegionStream;
pub use crate::read::procfile::{Ends, is_process, read_fd};
pub use crate::read::procstat::{Stat, parse_stat, stack_limit, status_kb};
use crate::text::escape_text;

/// What to read beside `maps`. The default reads every fact about the process; a view
/// that prints less sets the `skip_*` fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Read `smaps` (resident, dirty, swap... figures) instead of `maps`.
    pub smaps: bool,
    /// Find each thread's stack pointer (`task/TID/syscall`, one file per thread), which
    /// only telling thread stacks from other anonymous memory needs.
    pub thread_stacks: bool,
    /// Read the stack's size limit (`limits`), for the layout picture.
    pub limits: bool,
    /// Do not read `stat` before the regions. The command name and the start of the
    /// stack are then unknown ([`ProcessInfo::holds_start_stack`] goes by the kernel's own
    /// `[stack]` name, given by the same rule). `stat` is still read when the command line
    /// is empty: a zombie, a kernel thread and a process whose main thread has exited all
    /// have an empty one, and a process without arguments is shown by its name.
    pub skip_stat: bool,
    /// Do not read the program's device and inode (`exe`): no region is then of kind
    /// `program`. For views that show no kinds.
    pub skip_exe_id: bool,
    /// Do not read the text of the `exe` link: only JSON prints it.
    pub skip_exe_path: bool,
}

/// An open `/proc/PID` directory.
#[derive(Debug)]
pub struct ProcDir {
    pid: i32,
    dir: OwnedFd,
    /// The `stat` file read last (and through which thread), kept open: reading it again
    /// after the regions ([`ProcDir::ensure_whole`]) is then one `pread`, where opening
    /// and closing it again cost twice as much as the read (measured: 7.8 µs against
    /// 2.8 µs a pid).
    stat_file: RefCell<Option<(Option<i32>, OwnedFd)>>,
}

/// The error for a failed read of `file`: a vanished process is [`SourceError::Exited`]
/// (ENOENT once it is reaped, ESRCH while it goes), a refusal is
/// [`SourceError::PermissionDenied`] with the reason worked out by `denial`.
pub(crate) fn io_error(
    pid: i32,
    file: &str,
    e: std::io::Error,
    denial: impl FnOnce() -> Denial,
) -> SourceError {
    match e.raw_os_error() {
        Some(libc::ESRCH) | Some(libc::ENOENT) => SourceError::Exited { pid },
        Some(libc::EACCES) | Some(libc::EPERM) => SourceError::PermissionDenied {
            pid,
            file: file.to_string(),
            why: denial(),
        },
        _ => SourceError::Io {
            pid,
            file: file.to_string(),
            source: e,
        },
    }
}

impl ProcDir {
    /// The [`SourceError`] for a failed read of this process's `file`: a vanished process is
    /// [`SourceError::Exited`], a refusal [`SourceError::PermissionDenied`] with the reason
    /// (the module's own `io_error`, with this process's [`Self::denial`]).
    pub fn io_error(&self, file: &str, e: std::io::Error) -> SourceError {
        io_error(self.pid, file, e, || self.denial())
    }
}

/// A `task/TID/` prefix for files read through one thread, or nothing.
fn through(task: Option<i32>, file: &str) -> String {
    match task {
        Some(tid) => format!("task/{tid}/{file}"),
        None => file.to_string(),
    }
}

impl ProcDir {
    /// Open `/proc/PID`. A pid that does not exist is [`SourceError::NoSuchProcess`]; one
    /// that exists but that `hidepid` hides is [`SourceError::Hidden`] (told apart with
    /// `kill(pid, 0)`, which sends no signal and fails with ESRCH only for a process that
    /// is gone).
    pub fn open(pid: i32) -> Result<ProcDir, SourceError> {
        if pid <= 0 {
            return Err(SourceError::NoSuchProcess { pid });
        }
        let path = format!("/proc/{pid}");
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        match rustix::fs::openat(rustix::fs::CWD, path.as_str(), flags, Mode::empty()) {
            Ok(dir) => Ok(ProcDir {
                pid,
                dir,
                stat_file: RefCell::new(None),
            }),
            Err(Errno::NOENT) => Err(Self::absent(pid)),
            Err(e) => Err(io_error(pid, "", e.into(), || denial_of(None, None))),
        }
    }

    /// The error for a pid with no `/proc/PID`: gone, or hidden by `hidepid`.
    fn absent(pid: i32) -> SourceError {
        let exists = rustix::process::Pid::from_raw(pid)
            .map(rustix::process::test_kill_process)
            .is_some_and(|r| r != Err(Errno::SRCH));
        match proc_hidepid() {
            Some(mode) if exists && hides_processes(&mode) => SourceError::Hidden { pid, mode },
            _ => SourceError::NoSuchProcess { pid },
        }
    }

    /// Open vasmap's own `/proc/PID`.
    pub fn myself() -> Result<ProcDir, SourceError> {
        ProcDir::open(std::process::id() as i32)
    }

    /// The pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Why the kernel refuses to show this process's files, for the error message.
    pub fn denial(&self) -> Denial {
        // Read without `read_small`, whose errors ask for the denial again.
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
        let mut status = vec![0u8; 8192];
        let status = rustix::fs::openat(&self.dir, "status", flags, Mode::empty())
            .and_then(|fd| rustix::io::read(&fd, &mut status[..]))
            .ok()
            .map(|n| &status[..n]);
        let owner = rustix::fs::fstat(&self.dir).ok().map(|s| s.st_uid);
        denial_of(status, owner)
    }

    /// With `hidepid=2`, another user's `/proc/PID` can be opened but holds no files, as
    /// if the process had exited: tell the two apart.
    fn exited_or_hidden(&self, e: SourceError) -> SourceError {
        if !matches!(e, SourceError::Exited { .. }) || rustix::process::geteuid().is_root() {
            return e;
        }
        match Self::absent(self.pid) {
            hidden @ SourceError::Hidden { .. } => hidden,
            _ => e,
        }
    }

    /// Open one file of the process, relative to the opened `/proc/PID` directory.
    pub fn open_file(&self, file: &str) -> Result<File, SourceError> {
        self.open_fd(file).map(File::from)
    }

    fn open_fd(&self, file: &str) -> Result<OwnedFd, SourceError> {
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
        rustix::fs::openat(&self.dir, file, flags, Mode::empty())
            .map_err(|e| io_error(self.pid, file, e.into(), || self.denial()))
    }

    /// The process's `/proc/PID` directory, to open other files relative to it.
    pub fn dir(&self) -> &OwnedFd {
        &self.dir
    }

    /// Read at most `limit` bytes of one small file of one record into `buf`: open, one
    /// read ([`Ends::ShortRead`]), close.
    pub fn read_small(
        &self,
        file: &str,
        buf: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), SourceError> {
        self.read_until(file, buf, limit, Ends::ShortRead)
    }

    fn read_until(
        &self,
        file: &str,
        buf: &mut Vec<u8>,
        limit: usize,
        ends: Ends,
    ) -> Result<(), SourceError> {
        let fd = self.open_fd(file)?;
        read_fd(&fd, buf, limit, false, ends)
            .map_err(|e| io_error(self.pid, file, e.into(), || self.denial()))
    }

    /// Read one file of the process whole (up to 16 MiB).
    pub fn read(&self, file: &str) -> Result<Vec<u8>, SourceError> {
        let mut buf = Vec::new();
        self.read_until(file, &mut buf, 16 << 20, Ends::Zero)?;
        Ok(buf)
    }

    /// `stat`, parsed, of the process or of thread `task`. The file stays open, so the
    /// next read of the same one is a single `pread`.
    pub fn stat(&self, task: Option<i32>) -> Result<Stat, SourceError> {
        let file = through(task, "stat");
        let mut buf = Vec::with_capacity(1024);
        let mut kept = self.stat_file.borrow_mut();
        let read = match kept.as_ref() {
            Some((t, fd)) if *t == task => read_fd(fd, &mut buf, 4096, true, Ends::ShortRead),
            _ => {
                let fd = self.open_fd(&file)?;
                let read = read_fd(&fd, &mut buf, 4096, false, Ends::ShortRead);
                *kept = Some((task, fd));
                read
            }
        };
        read.map_err(|e| io_error(self.pid, &file, e.into(), || self.denial()))?;
        parse_stat(&buf).ok_or(SourceError::Exited { pid: self.pid })
    }

    /// Check, after the last read, that what was read is the whole of it: the process
    /// (or thread `task`, through which it was read) is alive and not exiting. Between
    /// the kernel letting the address space go and the task becoming a zombie, `maps`
    /// reads end early while `stat` still says `R`; `PF_EXITING` is set before that
    /// window opens, so a read cut short always finds it here.
    pub fn ensure_whole(&self, task: Option<i32>) -> Result<(), SourceError> {
        if self.stat(task)?.is_exiting() {
            return Err(SourceError::Exited { pid: self.pid });
        }
        Ok(())
    }

    /// The facts about the process, read through thread `task` when given (for a process
    /// whose main thread has exited, whose own files are then empty), and its `stat` when
    /// it was read (see [`ReadOptions::skip_stat`]). The first file read must be there;
    /// the rest is best effort (another user's `exe` link is unreadable, say).
    fn info_through(
        &self,
        task: Option<i32>,
        opts: ReadOptions,
    ) -> Result<(ProcessInfo, Option<Stat>), SourceError> {
        let stat = if opts.skip_stat {
            None
        } else {
            Some(self.stat(task).map_err(|e| self.exited_or_hidden(e))?)
        };
        // procps reads at most 128 KiB of a command line; so does vasmap.
        let mut raw_cmdline = Vec::new();
        if self
            .read_small(&through(task, "cmdline"), &mut raw_cmdline, 128 * 1024)
            .is_err()
        {
            raw_cmdline.clear();
        }
        // Without a command line (none, or NULs only), the name stands for it, and the
        // state says why.
        let mut cmdline = ProcessInfo::cmdline_line(&raw_cmdline);
        let stat = match stat {
            None if cmdline.is_empty() => {
                Some(self.stat(task).map_err(|e| self.exited_or_hidden(e))?)
            }
            known => known,
        };
        let comm = stat.as_ref().map(|s| s.comm.clone()).unwrap_or_default();
        if cmdline.is_empty() {
            cmdline = [&b"["[..], &comm, b"]"].concat();
        }
        // Both through the opened directory (never by path, which a reused pid could
        // redirect): the link's text, and the program's device and inode.
        let exe = through(task, "exe");
        let exe_path = if opts.skip_exe_path {
            None
        } else {
            rustix::fs::readlinkat(&self.dir, exe.as_str(), Vec::new())
                .ok()
                .map(|p| p.into_bytes())
        };
        let exe_id = if opts.skip_exe_id {
            None
        } else {
            rustix::fs::statat(&self.dir, exe.as_str(), AtFlags::empty())
                .ok()
                .map(|st| {
                    let dev = st.st_dev;
                    (libc::major(dev), libc::minor(dev), st.st_ino)
                })
        };
        // A single thread has no other stacks: `stat` says so when it was read.
        let threads = stat.as_ref().is_none_or(|s| s.num_threads > 1);
        let thread_sps = if opts.thread_stacks && threads {
            self.thread_stack_pointers()
        } else {
            Vec::new()
        };
        let stack_limit = if opts.limits {
            let mut l = Vec::new();
            self.read_small("limits", &mut l, 16 * 1024)
                .ok()
                .and_then(|_| stack_limit(&l))
        } else {
            None
        };
        let info = ProcessInfo {
            pid: self.pid,
            cmdline,
            raw_cmdline,
            comm,
            exe_id,
            exe_path,
            start_stack: stat
                .as_ref()
                .and_then(|s| (s.startstack != 0).then_some(s.startstack)),
            thread_sps,
            stack_limit,
            ..ProcessInfo::default()
        };
        Ok((info, stat))
    }

    /// The facts about the process (its main thread's view), without thread stacks.
    pub fn info(&self) -> Result<ProcessInfo, SourceError> {
        Ok(self.info_through(None, ReadOptions::default())?.0)
    }

    /// What must be known before a process's maps are read: its facts, and the thread to
    /// read them through (`None`: the main thread). A zombie or a kernel thread has an
    /// empty maps file: say which, without reading it. A process whose main thread has
    /// exited looks like a zombie but lives on in its other threads: its files are read
    /// through one of them. Each of the three has an empty command line, so `stat` tells
    /// them apart even when [`ReadOptions::skip_stat`] says not to read it otherwise.
    pub fn prepare(&self, opts: ReadOptions) -> Result<(ProcessInfo, Option<i32>), SourceError> {
        let (mut info, mut stat) = self.info_through(None, opts)?;
        let mut task = None;
        if let Some(st) = stat.as_ref().filter(|s| s.is_dead()) {
            task = (st.num_threads > 1).then(|| self.live_thread()).flatten();
            if task.is_none() {
                return Err(SourceError::Zombie { pid: self.pid });
            }
            (info, stat) = self.info_through(task, opts)?;
        }
        if stat.as_ref().is_some_and(Stat::is_kernel_thread) {
            return Err(SourceError::KernelThread {
                pid: self.pid,
                name: escape_text(&info.cmdline, false),
            });
        }
        Ok((info, task))
    }

    /// The regions of `maps` (or `smaps` when `smaps`), read through thread `task` when
    /// given, one at a time: see [`LiveRegions`].
    pub fn regions<'a>(
        &'a self,
        info: &'a ProcessInfo,
        task: Option<i32>,
        smaps: bool,
    ) -> Result<LiveRegions<'a>, SourceError> {
        let file = through(task, if smaps { "smaps" } else { "maps" });
        let f = self.open_file(&file)?;
        Ok(LiveRegions::new(self, info, task, smaps, f))
    }

    /// The kernel's virtual size of the process in kB (`VmSize` in `status`), read
    /// through thread `task` when given. `None` when the kernel gives none (the address
    /// space is gone).
    pub fn vm_size_kb(&self, task: Option<i32>) -> Result<Option<u64>, SourceError> {
        let mut buf = Vec::with_capacity(2048);
        self.read_small(&through(task, "status"), &mut buf, 64 * 1024)?;
        Ok(status_kb(&buf, b"VmSize"))
    }

    /// The kernel's sums over every mapping, from `smaps_rollup` (one small read, however
    /// many mappings there are). `None` when it is empty (the process is exiting) or not
    /// in the expected format.
    pub fn rollup(&self, task: Option<i32>) -> Result<Option<SmapsRecord>, SourceError> {
        let file = through(task, "smaps_rollup");
        let mut buf = Vec::with_capacity(2048);
        self.read_small(&file, &mut buf, 64 * 1024)?;
        let mut r = Region::blank();
        match RegionStream::smaps(&buf[..]).next_into(&mut r) {
            Ok(true) => Ok(r.smaps),
            Ok(false) | Err(_) => Ok(None),
        }
    }

    /// Take a whole snapshot of the process. Nothing is returned unless every file was
    /// read whole from a process that was alive from the first read to the last.
    pub fn snapshot(&self, opts: ReadOptions) -> Result<Snapshot, SourceError> {
        let (info, task) = self.prepare(ReadOptions {
            thread_stacks: true,
            ..opts
        })?;
        let mut regions = Vec::new();
        let fields = {
            let mut src = self.regions(&info, task, opts.smaps)?;
            while src.advance()? {
                regions.push(src.region().clone());
            }
            src.field_names().to_vec()
        };
        Ok(Snapshot {
            process: info,
            regions,
            has_smaps: opts.smaps,
            smaps_fields: fields,
        })
    }
}

/// Take a snapshot of a live process.
pub fn read_pid(pid: i32, opts: ReadOptions) -> Result<Snapshot, SourceError> {
    ProcDir::open(pid)?.snapshot(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_reads_whole() {
        let dir = ProcDir::myself().unwrap();
        let snap = dir.snapshot(ReadOptions::default()).unwrap();
        assert!(snap.regions.len() > 5);
        assert!(dir.ensure_whole(None).is_ok());
        assert!(!matches!(dir.stat(None).unwrap().state, b'Z' | b'X'));
    }
}
