//! Where a [`Snapshot`] comes from: a live process (by pid, or vasmap itself) or a saved
//! `maps`/`smaps` file.
//!
//! The files of one process are all opened relative to one opened `/proc/PID` directory
//! (through `procfs`), so that a pid reused by a new process between two reads cannot mix
//! two processes: once the first process is gone, reads fail rather than switch.
//! `maps` and `smaps` are read in chunks and parsed as they come
//! ([`crate::read::parse::RegionStream`]), so that memory does not grow with the size of the text
//! (the smaps of a process with 60,000 mappings is about 45 MB). That gives up no
//! consistency: the kernel produces these files a `read()` at a time, dropping the
//! process's mmap lock between reads, so a whole-file read is no more a snapshot than a
//! chunked one. What matters is the check after the last read that the process is still
//! alive ([`ProcDir::ensure_running`]): a process that exits part way through cuts the
//! file short without an error.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use procfs::ProcError;
use procfs::process::Process;
use rustix::fs::OFlags;

use crate::model::{ProcessInfo, Region, SmapsRecord, Snapshot};
use crate::read::classify::classify;
use crate::read::parse::{ParseError, RegionStream, StreamError, parse_any};
use crate::text::{escape_path, escape_text};

/// `PF_KTHREAD` in the `flags` field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: u32 = 0x0020_0000;

/// Why the kernel refused to show a process's files, worked out from who vasmap runs as
/// and who owns the process, so that the advice fits the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The process belongs to another user, and vasmap is not root.
    OtherUser { owner: u32, me: u32 },
    /// vasmap's own user owns the process, and the kernel refused all the same.
    OwnProcess { uid: u32 },
    /// vasmap runs as root but without `CAP_SYS_PTRACE`.
    RootWithoutPtrace,
    /// vasmap runs as root with `CAP_SYS_PTRACE`, and the kernel refused all the same.
    Root,
    /// `/proc` is mounted with `hidepid=1` (`noaccess`): only owners see their files.
    HidePid { mode: String },
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Denial::OtherUser { owner, me } => write!(
                f,
                "the process belongs to uid {owner} and vasmap runs as uid {me}; reading another \
                 user's memory map needs ptrace read access: run vasmap as that user, or as root \
                 (sudo)"
            ),
            Denial::OwnProcess { uid } => write!(
                f,
                "the process is yours (uid {uid}) but the kernel refused ptrace read access: it is \
                 not dumpable (a setuid or setgid program, or one that called \
                 prctl(PR_SET_DUMPABLE, 0)) or a security module forbids it; root can read it \
                 unless a security module forbids that too"
            ),
            Denial::RootWithoutPtrace => write!(
                f,
                "vasmap runs as root but without the CAP_SYS_PTRACE capability (dropped by a \
                 container or a service manager), which reading another user's process needs; \
                 run it with CAP_SYS_PTRACE, or as the process's own user"
            ),
            Denial::Root => write!(
                f,
                "the kernel refused even root with CAP_SYS_PTRACE: a security module or kernel \
                 policy protects this process, and neither vasmap nor sudo can get past that"
            ),
            Denial::HidePid { mode } => write!(
                f,
                "/proc is mounted with hidepid={mode}, so only a process's owner (and root) may \
                 read its files: run vasmap as the process's user, or as root"
            ),
        }
    }
}

/// Why a snapshot could not be taken. Each message names the pid or file, says what
/// happened and what the user can do. `docs/errors.md` lists them all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{pid}: no such process (check the pid with `ps -p {pid}`)")]
    NoSuchProcess { pid: i32 },
    #[error(
        "{pid}: no process {pid} is visible: /proc is mounted with hidepid={mode}, which hides \
         other users' processes; if it exists it belongs to another user: run vasmap as that \
         user, or as root"
    )]
    Hidden { pid: i32, mode: String },
    #[error("{pid}: permission denied reading /proc/{pid}/{file}: {why}")]
    PermissionDenied { pid: i32, file: String, why: Denial },
    #[error(
        "{pid}: process {pid} exited while it was being read, so nothing of it is shown; run \
         vasmap while the process runs (a short-lived one can be held in a debugger)"
    )]
    Exited { pid: i32 },
    #[error(
        "{pid}: {name} is a kernel thread: it has no user address space to show; pick a user \
         process (`ps -e` shows kernel threads in [brackets])"
    )]
    KernelThread { pid: i32, name: String },
    #[error(
        "{pid}: process {pid} is a zombie (it exited and its parent has not reaped it yet): it \
         has no address space left to show; its parent is the pid in `ps -o ppid= -p {pid}`"
    )]
    Zombie { pid: i32 },
    #[error("{pid}: cannot read /proc/{pid}/{file}: {source}")]
    Io {
        pid: i32,
        file: String,
        source: std::io::Error,
    },
    #[error(
        "{pid}: /proc/{pid}/{file} is not in the expected format: {source}; this kernel may \
         write something new: please report it with the line and `uname -r`"
    )]
    BadProcFile {
        pid: i32,
        file: String,
        source: ParseError,
    },
    #[error("{}: cannot read the file: {source}", escape_path(path))]
    FileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not a maps or smaps capture ({source}); save one with `cat /proc/PID/smaps > FILE`",
        escape_path(path)
    )]
    BadFile { path: PathBuf, source: ParseError },
    #[error(
        "{}: not a maps or smaps capture (a device, or larger than 256 MiB); save one with \
         `cat /proc/PID/smaps > FILE`",
        escape_path(path)
    )]
    NotACapture { path: PathBuf },
}

impl SourceError {
    /// The pid the error is about, when it is about a process.
    pub fn pid(&self) -> Option<i32> {
        match self {
            SourceError::NoSuchProcess { pid }
            | SourceError::Hidden { pid, .. }
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

/// The `hidepid` option of the `/proc` vasmap reads (the last proc mount on `/proc` in
/// its mount namespace), when it hides anything: `"1"`/`"noaccess"`,
/// `"2"`/`"invisible"` or `"ptraceable"`.
pub fn proc_hidepid() -> Option<String> {
    let mounts = Process::myself().ok()?.mountinfo().ok()?;
    let proc_mount = mounts
        .iter()
        .rfind(|m| m.fs_type == "proc" && m.mount_point == Path::new("/proc"))?;
    let mode = proc_mount.super_options.get("hidepid")?.clone()?;
    (mode != "0" && mode != "off").then_some(mode)
}

/// True when vasmap's effective capabilities include `CAP_SYS_PTRACE`.
fn have_cap_sys_ptrace() -> bool {
    const CAP_SYS_PTRACE: u32 = 19;
    Process::myself()
        .and_then(|p| p.status())
        .is_ok_and(|s| s.capeff & (1 << CAP_SYS_PTRACE) != 0)
}

/// Why the kernel refuses to show process `pid`'s files, worked out from who vasmap runs
/// as and who owns the process (read through `process` when it is open).
fn denial_of(pid: i32, process: Option<&Process>) -> Denial {
    let me = rustix::process::geteuid().as_raw();
    if let Some(mode) = proc_hidepid().filter(|m| m == "1" || m == "noaccess")
        && me != 0
    {
        return Denial::HidePid { mode };
    }
    if me == 0 {
        return if have_cap_sys_ptrace() {
            Denial::Root
        } else {
            Denial::RootWithoutPtrace
        };
    }
    // The owner is the real and effective uid in `status` (ptrace checks both); the
    // /proc/PID directory's owner would say root for a process that is not dumpable.
    let status = match process {
        Some(p) => p.status().ok(),
        None => Process::new(pid).and_then(|p| p.status()).ok(),
    };
    let owner = match status {
        Some(s) if s.euid != me => Some(s.euid),
        Some(s) if s.ruid != me => Some(s.ruid),
        Some(_) => None,
        // No status (hidden, or gone): the owner of the /proc/PID directory.
        None => match process {
            Some(p) => p.uid().ok(),
            None => {
                use std::os::unix::fs::MetadataExt;
                std::fs::metadata(format!("/proc/{pid}"))
                    .ok()
                    .map(|m| m.uid())
            }
        }
        .filter(|&u| u != me),
    };
    match owner {
        Some(owner) => Denial::OtherUser { owner, me },
        None => Denial::OwnProcess { uid: me },
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

/// The error for a failed read of `file`: a vanished process is [`SourceError::Exited`]
/// (ENOENT once it is reaped, ESRCH while it goes), a refusal is
/// [`SourceError::PermissionDenied`] with the reason worked out by `denial`.
fn io_kind_error(
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

fn proc_error(pid: i32, file: &str, e: ProcError, denial: impl FnOnce() -> Denial) -> SourceError {
    match e {
        ProcError::NotFound(_) => SourceError::Exited { pid },
        ProcError::PermissionDenied(_) => SourceError::PermissionDenied {
            pid,
            file: file.to_string(),
            why: denial(),
        },
        ProcError::Io(e, _) => io_kind_error(pid, file, e, denial),
        other => SourceError::Io {
            pid,
            file: file.to_string(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

impl ProcDir {
    /// Open `/proc/PID`. A pid that does not exist is [`SourceError::NoSuchProcess`], or
    /// [`SourceError::Hidden`] where `/proc` is mounted with `hidepid=2` (which makes
    /// other users' processes look absent).
    pub fn open(pid: i32) -> Result<ProcDir, SourceError> {
        let absent = || match proc_hidepid() {
            Some(mode) if !rustix::process::geteuid().is_root() => {
                SourceError::Hidden { pid, mode }
            }
            _ => SourceError::NoSuchProcess { pid },
        };
        if pid <= 0 {
            return Err(SourceError::NoSuchProcess { pid });
        }
        match Process::new(pid) {
            Ok(process) => Ok(ProcDir { pid, process }),
            Err(ProcError::NotFound(_)) => Err(absent()),
            Err(ProcError::Io(e, _)) if e.raw_os_error() == Some(libc::ENOENT) => Err(absent()),
            Err(e) => Err(proc_error(pid, "", e, || denial_of(pid, None))),
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

    /// Why the kernel refuses to show this process's files, for the error message.
    pub fn denial(&self) -> Denial {
        denial_of(self.pid, Some(&self.process))
    }

    /// With `hidepid=2`, another user's `/proc/PID` can be opened but holds no files, as
    /// if the process had exited: tell the two apart with `kill(pid, 0)`, which sends no
    /// signal and fails with ESRCH only for a process that is gone.
    fn exited_or_hidden(&self, e: SourceError) -> SourceError {
        if !matches!(e, SourceError::Exited { .. }) || rustix::process::geteuid().is_root() {
            return e;
        }
        let Some(mode) = proc_hidepid() else {
            return e;
        };
        let gone = rustix::process::Pid::from_raw(self.pid)
            .map(rustix::process::test_kill_process)
            .is_some_and(|r| r == Err(rustix::io::Errno::SRCH));
        if gone {
            e
        } else {
            SourceError::Hidden {
                pid: self.pid,
                mode,
            }
        }
    }

    /// Open one file of the process, relative to the opened `/proc/PID` directory.
    pub fn open_file(&self, file: &str) -> Result<std::fs::File, SourceError> {
        self.process
            .open_relative(file)
            .map_err(|e| proc_error(self.pid, file, e, || self.denial()))
    }

    /// Read one file of the process whole, e.g. `maps` or `task/12/syscall`.
    ///
    /// A file read from a process that exits part way through ends early without an error
    /// (the kernel's maps reader just finds no address space left), so whoever needs the
    /// whole file must call [`ProcDir::ensure_running`] after reading it.
    pub fn read(&self, file: &str) -> Result<Vec<u8>, SourceError> {
        let mut f = self.open_file(file)?;
        let mut buf = Vec::with_capacity(64 * 1024);
        f.read_to_end(&mut buf)
            .map_err(|e| io_kind_error(self.pid, file, e, || self.denial()))?;
        Ok(buf)
    }

    /// Check that the process is still alive (not gone, not a zombie): what was read
    /// before this call is then the whole of what the kernel had to say. `task` is the
    /// thread the files were read through (`None`: the main thread). A process that is
    /// gone is [`SourceError::Exited`].
    pub fn ensure_running(&self, task: Option<i32>) -> Result<(), SourceError> {
        match self.state(task) {
            Ok(state) if state != 'Z' && state != 'X' => Ok(()),
            Ok(_) => Err(SourceError::Exited { pid: self.pid }),
            Err(e) => Err(e),
        }
    }

    /// The state letter (`R`, `S`, `Z`...) of the process, or of one of its threads.
    fn state(&self, task: Option<i32>) -> Result<char, SourceError> {
        let file = match task {
            Some(tid) => format!("task/{tid}/stat"),
            None => "stat".to_string(),
        };
        let text = self.read(&file)?;
        // `pid (comm) S ...`: comm may hold spaces and parentheses, so look after the last ')'.
        let after = text
            .iter()
            .rposition(|&b| b == b')')
            .map_or(&[][..], |i| &text[i + 1..]);
        match after.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(&c) => Ok(char::from(c)),
            None => Err(SourceError::Exited { pid: self.pid }),
        }
    }

    /// A thread of the process that is still running, for a process whose main thread has
    /// exited (it is then a zombie, with an empty maps file, while the others run on).
    fn live_thread(&self) -> Option<i32> {
        let tasks = self.process.tasks().ok()?;
        tasks
            .flatten()
            .filter(|t| t.tid != self.pid)
            .find(|t| t.stat().is_ok_and(|st| st.state != 'Z' && st.state != 'X'))
            .map(|t| t.tid)
    }

    /// The facts about the process that classification and headers need. Only `stat` is
    /// required; the rest is best effort (another user's `exe` link is unreadable, say).
    pub fn info(&self) -> Result<(ProcessInfo, procfs::process::Stat), SourceError> {
        self.info_through(None, true)
    }

    /// [`ProcDir::info`], read through thread `task` (`task/TID/...`) when it is given:
    /// for a process whose main thread has exited, whose own files are then empty.
    /// `thread_stacks`: also find each thread's stack pointer (one file per thread), which
    /// only telling thread stacks from other anonymous memory needs.
    fn info_through(
        &self,
        task: Option<i32>,
        thread_stacks: bool,
    ) -> Result<(ProcessInfo, procfs::process::Stat), SourceError> {
        let prefix = task.map_or(String::new(), |tid| format!("task/{tid}/"));
        let stat_file = format!("{prefix}stat");
        let stat: procfs::process::Stat = self.process.read(&stat_file).map_err(|e| {
            self.exited_or_hidden(proc_error(self.pid, &stat_file, e, || self.denial()))
        })?;
        let raw_cmdline = self.read(&format!("{prefix}cmdline")).unwrap_or_default();
        let comm = ProcessInfo::comm_line(self.read(&format!("{prefix}comm")).unwrap_or_default());
        let mut cmdline = ProcessInfo::cmdline_line(&raw_cmdline);
        if cmdline.is_empty() {
            cmdline = format!("[{}]", stat.comm).into_bytes();
        }
        // Both through the opened directory (never by path, which a reused pid could
        // redirect), and with O_PATH, which never opens the program itself for reading.
        let exe = format!("{prefix}exe");
        let exe_path = self
            .process
            .open_relative_flags(&exe, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC)
            .ok()
            .and_then(|link| rustix::fs::readlinkat(&link, "", Vec::new()).ok())
            .map(|p| p.into_bytes());
        let exe_id = self
            .process
            .open_relative_flags(&exe, OFlags::PATH | OFlags::CLOEXEC)
            .and_then(|f| Ok(f.metadata()?))
            .ok()
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                let dev = m.dev();
                (libc::major(dev), libc::minor(dev), m.ino())
            });
        let start_stack = (stat.startstack != 0).then_some(stat.startstack);
        let thread_sps = if thread_stacks {
            self.thread_stack_pointers()
        } else {
            Vec::new()
        };
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
                core: None,
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

    /// What must be known before a process's maps are read: its facts, and the thread to
    /// read them through (`None`: the main thread). A zombie or a kernel thread has an
    /// empty maps file: say which, without reading it. A process whose main thread has
    /// exited looks like a zombie but lives on in its other threads: its files are read
    /// through one of them.
    pub fn prepare(&self) -> Result<(ProcessInfo, Option<i32>), SourceError> {
        self.prepare_with(true)
    }

    /// [`ProcDir::prepare`] for a view that never shows a region's kind as a thread stack
    /// (pmap's own views name them `[ anon ]`, `--totals` shows no rows): without
    /// `thread_stacks` the threads' stack pointers are not read, which is one file per
    /// thread, 4,000 opens for a process of 2,000 threads.
    pub fn prepare_with(
        &self,
        thread_stacks: bool,
    ) -> Result<(ProcessInfo, Option<i32>), SourceError> {
        let (mut info, mut stat) = self.info_through(None, thread_stacks)?;
        let mut task = None;
        if stat.state == 'Z' || stat.state == 'X' {
            task = (stat.num_threads > 1).then(|| self.live_thread()).flatten();
            if task.is_none() {
                return Err(SourceError::Zombie { pid: self.pid });
            }
            (info, stat) = self.info_through(task, thread_stacks)?;
        }
        if stat.flags & PF_KTHREAD != 0 {
            return Err(SourceError::KernelThread {
                pid: self.pid,
                name: escape_text(&info.cmdline, false),
            });
        }
        Ok((info, task))
    }

    /// Open `maps` (or `smaps` when `smaps` is set), through thread `task` when given, for
    /// reading region by region. Prefer [`ProcDir::visit_regions`], which also checks that
    /// what was read is whole.
    pub fn regions(
        &self,
        task: Option<i32>,
        smaps: bool,
    ) -> Result<RegionStream<File>, SourceError> {
        let file = if smaps { "smaps" } else { "maps" };
        let f = match task {
            Some(tid) => self.open_file(&format!("task/{tid}/{file}"))?,
            None => self.open_file(file)?,
        };
        Ok(if smaps {
            RegionStream::smaps(f)
        } else {
            RegionStream::maps(f)
        })
    }

    /// The [`SourceError`] for an error of a stream from [`ProcDir::regions`].
    pub fn stream_error(&self, smaps: bool, e: StreamError) -> SourceError {
        let file = if smaps { "smaps" } else { "maps" };
        match e {
            StreamError::Io(e) => io_kind_error(self.pid, file, e, || self.denial()),
            StreamError::Parse(source) => SourceError::BadProcFile {
                pid: self.pid,
                file: file.to_string(),
                source,
            },
        }
    }

    /// Read `maps` (or `smaps`) a chunk at a time and hand each region, classified, to
    /// `visit` with the smaps field names seen so far (a record's
    /// [`crate::model::FieldId`]s index them), without keeping any: memory stays at one
    /// chunk and one region however many mappings the process has. `info` and `task`
    /// come from [`ProcDir::prepare`]. After the last read the process must still be
    /// alive (else [`SourceError::Exited`]: the file may have been cut short), and have
    /// had mappings. Returns how many regions were visited.
    pub fn visit_regions(
        &self,
        info: &ProcessInfo,
        task: Option<i32>,
        smaps: bool,
        mut visit: impl FnMut(&Region, &[String]) -> std::io::Result<()>,
    ) -> Result<usize, VisitError> {
        let mut stream = self.regions(task, smaps)?;
        let mut r = Region::blank();
        let mut n = 0;
        loop {
            match stream.next_into(&mut r) {
                Ok(true) => {
                    r.kind = crate::read::classify::kind_of(&r, info);
                    visit(&r, stream.field_names())?;
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => return Err(self.stream_error(smaps, e).into()),
            }
        }
        // Exiting part way through a read cuts the file short without an error: only a
        // process still alive after the read guarantees the text was whole.
        self.ensure_running(task)?;
        if n == 0 {
            // A live user process always has mappings; an empty file means its address
            // space went away during the read (exit, or the main thread exited).
            return Err(SourceError::Exited { pid: self.pid }.into());
        }
        Ok(n)
    }

    /// The kernel's virtual size of the process in kB (`VmSize` in `status`, parsed by
    /// procfs), read through thread `task` when given. `None` when the kernel gives none
    /// (the address space is gone).
    pub fn vm_size_kb(&self, task: Option<i32>) -> Result<Option<u64>, SourceError> {
        let file = "status";
        let status = match task {
            Some(tid) => self.process.task_from_tid(tid).and_then(|t| t.status()),
            None => self.process.status(),
        };
        status
            .map(|s| s.vmsize)
            .map_err(|e| proc_error(self.pid, file, e, || self.denial()))
    }

    /// The kernel's sums over every mapping, from `smaps_rollup` (one small read, however
    /// many mappings there are). `None` when it is empty (the process is exiting) or not
    /// in the expected format.
    pub fn rollup(&self, task: Option<i32>) -> Result<Option<SmapsRecord>, SourceError> {
        let file = "smaps_rollup";
        let f = match task {
            Some(tid) => self.open_file(&format!("task/{tid}/{file}"))?,
            None => self.open_file(file)?,
        };
        let mut r = Region::blank();
        match RegionStream::smaps(f).next_into(&mut r) {
            Ok(true) => Ok(r.smaps),
            Ok(false) | Err(StreamError::Parse(_)) => Ok(None),
            Err(StreamError::Io(e)) => Err(io_kind_error(self.pid, file, e, || self.denial())),
        }
    }

    /// Take a snapshot of the process. Nothing is returned unless every file was read
    /// whole from a process that was alive from the first read to the last.
    pub fn snapshot(&self, opts: ReadOptions) -> Result<Snapshot, SourceError> {
        let (info, task) = self.prepare()?;
        let mut regions = Vec::new();
        let mut fields = Vec::new();
        let visited = self.visit_regions(&info, task, opts.smaps, |r, names| {
            // A clone has buffers of exactly the size used.
            regions.push(r.clone());
            if names.len() != fields.len() {
                fields = names.to_vec();
            }
            Ok(())
        });
        match visited {
            Ok(_) => {}
            Err(VisitError::Source(e)) => return Err(e),
            // The visitor above never fails.
            Err(VisitError::Output(e)) => {
                return Err(SourceError::Io {
                    pid: self.pid,
                    file: "maps".to_string(),
                    source: e,
                });
            }
        }
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

/// Take a snapshot of a live process.
pub fn read_pid(pid: i32, opts: ReadOptions) -> Result<Snapshot, SourceError> {
    ProcDir::open(pid)?.snapshot(opts)
}

/// The largest capture vasmap reads: the smaps of a process at the kernel's default limit
/// of 65530 mappings is about 100 MiB.
pub const CAPTURE_LIMIT: u64 = 256 << 20;

/// Open a capture file, refusing devices (`/dev/zero` never ends) and sockets. A pipe
/// (`<(cat /proc/PID/smaps)`) is fine: it is read as it comes.
pub fn open_capture(path: &Path) -> Result<std::fs::File, SourceError> {
    use std::os::unix::fs::FileTypeExt;
    let io = |source| SourceError::FileIo {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let kind = file.metadata().map_err(io)?.file_type();
    if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
        return Err(SourceError::NotACapture {
            path: path.to_path_buf(),
        });
    }
    Ok(file)
}

/// Read the rest of a capture whole, refusing more than [`CAPTURE_LIMIT`] bytes.
fn read_capture(path: &Path, reader: impl Read) -> Result<Vec<u8>, SourceError> {
    let mut text = Vec::new();
    reader
        .take(CAPTURE_LIMIT + 1)
        .read_to_end(&mut text)
        .map_err(|source| SourceError::FileIo {
            path: path.to_path_buf(),
            source,
        })?;
    if text.len() as u64 > CAPTURE_LIMIT {
        return Err(SourceError::NotACapture {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}

/// Read a saved `maps` or `smaps` file. The process facts are unknown, so kinds come
/// from the names alone (the program's own binary cannot be told from other files).
pub fn read_file(path: &Path) -> Result<Snapshot, SourceError> {
    read_file_from(path, open_capture(path)?)
}

/// [`read_file`] from a reader already open on `path` (and maybe partly read into a
/// buffer, as `BufReader` does): a pipe can be read only once.
pub fn read_file_from(path: &Path, reader: impl Read) -> Result<Snapshot, SourceError> {
    let text = read_capture(path, reader)?;
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
