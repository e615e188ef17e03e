//! A live process, through `/proc/PID`.
//!
//! Every file is opened relative to one opened `/proc/PID` directory, so that a pid reused
//! by a new process between two reads cannot mix two processes: once the first process is
//! gone, reads fail rather than switch. Small files (`stat`, `cmdline`, `status`, a
//! thread's `syscall`) are read with `openat`, `read` and `close` into one reused buffer:
//! std's `fs::read` adds an `fstat` and an `lseek` to size its buffer, and procfs's
//! parsers read text as UTF-8 (a process named `\xff\xfe` failed `--totals`), so both
//! are left to the paths where they are harmless (`crate::read::denial`).
//!
//! `maps` and `smaps` are read in chunks and parsed as they come ([`LiveRegions`]), so
//! memory does not grow with the size of the text. That gives up no consistency: the
//! kernel produces these files a `read()` at a time, dropping the process's mmap lock
//! between reads, so a whole-file read is no more a snapshot than a chunked one. What
//! matters is the check after the last read ([`ProcDir::ensure_whole`]): a process that
//! exits part way through cuts the file short without an error.

use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::model::{ProcessInfo, Region, SmapsRecord, Snapshot};
use crate::read::RegionSource;
use crate::read::denial::{denial_of, hides_processes, proc_hidepid};
pub use crate::read::error::{Denial, SourceError, VisitError};
use crate::read::parse::{RegionStream, StreamError};
use crate::text::escape_text;

/// `PF_KTHREAD` in the `flags` field of `/proc/PID/stat` (include/linux/sched.h).
const PF_KTHREAD: u32 = 0x0020_0000;
/// `PF_EXITING`: set by `exit_signals()` at the start of `do_exit()`, before `exit_mm()`
/// lets the address space go. A thread whose mm is gone always has it, while its state
/// can still say `R` (kernel/exit.c).
const PF_EXITING: u32 = 0x0000_0004;

/// What to read beside `maps`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Read `smaps` (resident, dirty, swap... figures) instead of `maps`.
    pub smaps: bool,
    /// Find each thread's stack pointer (`task/TID/syscall`, one file per thread), which
    /// only telling thread stacks from other anonymous memory needs.
    pub thread_stacks: bool,
    /// Read the stack's size limit (`limits`), for the layout picture.
    pub limits: bool,
}

/// The fields of `/proc/PID/stat` vasmap uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    /// The command name, between the parentheses (at most 15 bytes, any bytes).
    pub comm: Vec<u8>,
    pub state: u8,
    pub flags: u32,
    pub num_threads: u64,
    pub startstack: u64,
}

/// Parse `/proc/PID/stat`: `pid (comm) S ppid ...`. The name may hold spaces and
/// parentheses, so it runs from the first `(` to the last `)`.
pub fn parse_stat(text: &[u8]) -> Option<Stat> {
    let open = text.iter().position(|&b| b == b'(')?;
    let close = text.iter().rposition(|&b| b == b')')?;
    let comm = text.get(open + 1..close)?.to_vec();
    let fields: Vec<&[u8]> = text[close + 1..]
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let num = |i: usize| -> Option<u64> { std::str::from_utf8(fields.get(i)?).ok()?.parse().ok() };
    Some(Stat {
        comm,
        state: *fields.first()?.first()?,
        flags: u32::try_from(num(6)?).ok()?,
        num_threads: num(17).unwrap_or(1),
        startstack: num(25).unwrap_or(0),
    })
}

/// The value in kB of a `Key:   123 kB` line of `/proc/PID/status`.
pub fn status_kb(status: &[u8], key: &[u8]) -> Option<u64> {
    let line = status
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(key) && l.get(key.len()) == Some(&b':'))?;
    let digits: Vec<u8> = line[key.len() + 1..]
        .iter()
        .copied()
        .skip_while(|b| !b.is_ascii_digit())
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// The soft `Max stack size` of `/proc/PID/limits`, in bytes; `None` when unlimited.
pub fn stack_limit(limits: &[u8]) -> Option<u64> {
    let line = limits
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Max stack size"))?;
    let soft = line[b"Max stack size".len()..]
        .split(|b| b.is_ascii_whitespace())
        .find(|w| !w.is_empty())?;
    std::str::from_utf8(soft).ok()?.parse().ok()
}

/// An open `/proc/PID` directory.
pub struct ProcDir {
    pid: i32,
    dir: OwnedFd,
}

/// The error for a failed read of `file`: a vanished process is [`SourceError::Exited`]
/// (ENOENT once it is reaped, ESRCH while it goes), a refusal is
/// [`SourceError::PermissionDenied`] with the reason worked out by `denial`.
fn io_error(
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
    /// The [`SourceError`] for a failed read of this process's `file`: see [`io_error`].
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
            Ok(dir) => Ok(ProcDir { pid, dir }),
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
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY;
        rustix::fs::openat(&self.dir, file, flags, Mode::empty())
            .map(File::from)
            .map_err(|e| io_error(self.pid, file, e.into(), || self.denial()))
    }

    /// Read at most `limit` bytes of one small file into `buf`: open, read, close.
    pub fn read_small(
        &self,
        file: &str,
        buf: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), SourceError> {
        let fd = self.open_file(file)?;
        buf.clear();
        let mut chunk = 4096.min(limit.max(1));
        loop {
            let at = buf.len();
            buf.resize(at + chunk, 0);
            match rustix::io::read(&fd, &mut buf[at..]) {
                Ok(0) => {
                    buf.truncate(at);
                    return Ok(());
                }
                Ok(n) => {
                    buf.truncate(at + n);
                    if buf.len() >= limit {
                        buf.truncate(limit);
                        return Ok(());
                    }
                    chunk = (chunk * 2).min(limit - buf.len()).max(1);
                }
                Err(Errno::INTR) => buf.truncate(at),
                Err(e) => {
                    buf.truncate(at);
                    return Err(io_error(self.pid, file, e.into(), || self.denial()));
                }
            }
        }
    }

    /// Read one file of the process whole (up to 16 MiB).
    pub fn read(&self, file: &str) -> Result<Vec<u8>, SourceError> {
        let mut buf = Vec::new();
        self.read_small(file, &mut buf, 16 << 20)?;
        Ok(buf)
    }

    /// `stat`, parsed, of the process or of thread `task`.
    pub fn stat(&self, task: Option<i32>) -> Result<Stat, SourceError> {
        let file = through(task, "stat");
        let mut buf = Vec::with_capacity(512);
        self.read_small(&file, &mut buf, 4096)?;
        parse_stat(&buf).ok_or(SourceError::Exited { pid: self.pid })
    }

    /// Check, after the last read, that what was read is the whole of it: the process
    /// (or thread `task`, through which it was read) is alive and not exiting. Between
    /// the kernel letting the address space go and the task becoming a zombie, `maps`
    /// reads end early while `stat` still says `R`; `PF_EXITING` is set before that
    /// window opens, so a read cut short always finds it here.
    pub fn ensure_whole(&self, task: Option<i32>) -> Result<(), SourceError> {
        let st = self.stat(task)?;
        if matches!(st.state, b'Z' | b'X') || st.flags & PF_EXITING != 0 {
            return Err(SourceError::Exited { pid: self.pid });
        }
        Ok(())
    }

    /// The tids of the process's threads (`task/`).
    pub fn tids(&self) -> Vec<i32> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let Ok(fd) = rustix::fs::openat(&self.dir, "task", flags, Mode::empty()) else {
            return Vec::new();
        };
        let Ok(dir) = rustix::fs::Dir::read_from(&fd) else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str().ok()?.parse().ok())
            .collect()
    }

    /// A thread of the process that is still running, for a process whose main thread has
    /// exited (it is then a zombie, with an empty maps file, while the others run on).
    fn live_thread(&self) -> Option<i32> {
        self.tids()
            .into_iter()
            .filter(|&t| t != self.pid)
            .find(|&t| {
                self.stat(Some(t))
                    .is_ok_and(|st| !matches!(st.state, b'Z' | b'X'))
            })
    }

    /// (tid, stack pointer) of each thread but the main one, from `task/TID/syscall`
    /// (`nr args... sp pc`). A thread that is running says `running` and is skipped;
    /// reading it needs ptrace access, so for another user's process this is empty.
    fn thread_stack_pointers(&self) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        let mut buf = Vec::with_capacity(256);
        for tid in self.tids() {
            if tid == self.pid
                || self
                    .read_small(&format!("task/{tid}/syscall"), &mut buf, 1024)
                    .is_err()
            {
                continue;
            }
            let words: Vec<&[u8]> = buf
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            if words.len() >= 3
                && let Some(hex) = words[words.len() - 2].strip_prefix(b"0x")
                && let Ok(s) = std::str::from_utf8(hex)
                && let Ok(v) = u64::from_str_radix(s, 16)
            {
                out.push((tid, v));
            }
        }
        out
    }

    /// The facts about the process, read through thread `task` when given (for a process
    /// whose main thread has exited, whose own files are then empty). Only `stat` is
    /// required; the rest is best effort (another user's `exe` link is unreadable, say).
    fn info_through(
        &self,
        task: Option<i32>,
        opts: ReadOptions,
    ) -> Result<(ProcessInfo, Stat), SourceError> {
        let stat = self.stat(task).map_err(|e| self.exited_or_hidden(e))?;
        // procps reads at most 128 KiB of a command line; so does vasmap.
        let mut raw_cmdline = Vec::new();
        let _ = self.read_small(&through(task, "cmdline"), &mut raw_cmdline, 128 * 1024);
        let mut cmdline = ProcessInfo::cmdline_line(&raw_cmdline);
        if cmdline.is_empty() {
            cmdline = [&b"["[..], &stat.comm, b"]"].concat();
        }
        // Both through the opened directory (never by path, which a reused pid could
        // redirect): the link's text, and the program's device and inode.
        let exe = through(task, "exe");
        let exe_path = rustix::fs::readlinkat(&self.dir, exe.as_str(), Vec::new())
            .ok()
            .map(|p| p.into_bytes());
        let exe_id = rustix::fs::statat(&self.dir, exe.as_str(), AtFlags::empty())
            .ok()
            .map(|st| {
                let dev = st.st_dev;
                (libc::major(dev), libc::minor(dev), st.st_ino)
            });
        let thread_sps = if opts.thread_stacks {
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
            comm: stat.comm.clone(),
            exe_id,
            exe_path,
            start_stack: (stat.startstack != 0).then_some(stat.startstack),
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
    /// through one of them.
    pub fn prepare(&self, opts: ReadOptions) -> Result<(ProcessInfo, Option<i32>), SourceError> {
        let (mut info, mut stat) = self.info_through(None, opts)?;
        let mut task = None;
        if matches!(stat.state, b'Z' | b'X') {
            task = (stat.num_threads > 1).then(|| self.live_thread()).flatten();
            if task.is_none() {
                return Err(SourceError::Zombie { pid: self.pid });
            }
            (info, stat) = self.info_through(task, opts)?;
        }
        if stat.flags & PF_KTHREAD != 0 {
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
        Ok(LiveRegions {
            dir: self,
            info,
            task,
            smaps,
            stream: if smaps {
                RegionStream::smaps(f)
            } else {
                RegionStream::maps(f)
            },
            region: Region::blank(),
            count: 0,
        })
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

/// The regions of a live process, read a chunk at a time and classified as they come:
/// memory stays at one chunk and one region however many mappings the process has.
/// After the last read the process must still be alive and not exiting (else
/// [`SourceError::Exited`]: the file may have been cut short), and have had mappings.
pub struct LiveRegions<'a> {
    dir: &'a ProcDir,
    info: &'a ProcessInfo,
    task: Option<i32>,
    smaps: bool,
    stream: RegionStream<File>,
    region: Region,
    count: usize,
}

impl LiveRegions<'_> {
    fn stream_error(&self, e: StreamError) -> SourceError {
        let file = if self.smaps { "smaps" } else { "maps" };
        match e {
            StreamError::Io(e) => io_error(self.dir.pid, file, e, || self.dir.denial()),
            StreamError::Parse(source) => SourceError::BadProcFile {
                pid: self.dir.pid,
                file: file.to_string(),
                source,
            },
        }
    }
}

impl RegionSource for LiveRegions<'_> {
    fn advance(&mut self) -> Result<bool, SourceError> {
        match self.stream.next_into(&mut self.region) {
            Ok(true) => {
                // Before the kind: `notdel (deleted)` may be a file that is not deleted.
                crate::read::truename::settle(&mut self.region, self.dir.dir.as_fd());
                self.region.kind = crate::read::classify::kind_of(&self.region, self.info);
                self.count += 1;
                Ok(true)
            }
            Ok(false) => {
                // Exiting part way through a read cuts the file short without an error.
                self.dir.ensure_whole(self.task)?;
                if self.count == 0 {
                    // A live user process always has mappings; an empty file means its
                    // address space went away during the read.
                    return Err(SourceError::Exited { pid: self.dir.pid });
                }
                Ok(false)
            }
            Err(e) => Err(self.stream_error(e)),
        }
    }

    fn region(&self) -> &Region {
        &self.region
    }

    fn field_names(&self) -> &[String] {
        self.stream.field_names()
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
    fn stat_fields_even_with_a_hostile_name() {
        let text = b"42 (a) b (\xff) S 1 42 42 0 -1 4194560 10 0 0 0 1 2 0 0 20 0 3 0 99 \
            1000 10 18446744073709551615 1 2 140737488347136 0 0\n";
        let st = parse_stat(text).unwrap();
        assert_eq!(st.comm, b"a) b (\xff");
        assert_eq!(st.state, b'S');
        assert_eq!(st.flags, 4194560);
        assert_eq!(st.num_threads, 3);
        assert_eq!(st.startstack, 140737488347136);
        assert!(parse_stat(b"42 (x").is_none());
    }

    #[test]
    fn status_and_limits_lines() {
        let status = b"Name:\t\xff\xfe\nVmPeak:\t    1000 kB\nVmSize:\t    2164 kB\n";
        assert_eq!(status_kb(status, b"VmSize"), Some(2164));
        assert_eq!(status_kb(status, b"VmRSS"), None);
        let limits = b"Limit                     Soft Limit           Hard Limit           Units\n\
Max stack size            8388608              unlimited            bytes\n";
        assert_eq!(stack_limit(limits), Some(8 << 20));
        assert_eq!(
            stack_limit(
                b"Max stack size            unlimited            unlimited            bytes\n"
            ),
            None
        );
    }

    #[test]
    fn own_process_reads_whole() {
        let dir = ProcDir::myself().unwrap();
        let snap = dir.snapshot(ReadOptions::default()).unwrap();
        assert!(snap.regions.len() > 5);
        assert!(dir.ensure_whole(None).is_ok());
        assert!(!matches!(dir.stat(None).unwrap().state, b'Z' | b'X'));
    }
}
