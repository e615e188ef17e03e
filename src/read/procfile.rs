//! Reading the small files of `/proc` with the fewest system calls: a file of one record
//! in one `read` ([`read_fd`], [`Ends`]), and whether a pid is a process or another thread
//! of one in one call ([`is_process`]). `docs/performance.md` has the budget these keep.

use std::os::fd::OwnedFd;

use rustix::io::Errno;

/// How a file ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// At the first read that returns less than it asked for: one record, made whole by
    /// one call of its show function (seq_file's `single_open`: `stat`, `status`,
    /// `limits`, `smaps_rollup`, a thread's `syscall`), or `cmdline`, copied until the
    /// buffer is full or the arguments end (`get_mm_cmdline`). A small file then takes
    /// one `read`, not a second one that returns 0.
    ShortRead,
    /// At a read that returns 0: a file of many records (`maps` gives at most a page a
    /// read, whatever is asked for).
    Zero,
}

/// Read `fd` whole into `buf` (at most `limit` bytes), from its start with `pread` when
/// `again` (a file read before), else from where it is; see [`Ends`].
pub fn read_fd(
    fd: &OwnedFd,
    buf: &mut Vec<u8>,
    limit: usize,
    again: bool,
    ends: Ends,
) -> Result<(), Errno> {
    buf.clear();
    let mut room = 4096.min(limit.max(1));
    loop {
        let at = buf.len();
        buf.resize(at + room, 0);
        let got = if again {
            rustix::io::pread(fd, &mut buf[at..], at as u64)
        } else {
            rustix::io::read(fd, &mut buf[at..])
        };
        match got {
            Ok(n) => {
                buf.truncate(at + n);
                let end = match ends {
                    Ends::ShortRead => n < room,
                    Ends::Zero => n == 0,
                };
                if end || buf.len() >= limit {
                    buf.truncate(limit);
                    return Ok(());
                }
                room = (room * 2).min(limit - buf.len()).max(1);
            }
            Err(Errno::INTR) => buf.truncate(at),
            Err(e) => {
                buf.truncate(at);
                return Err(e);
            }
        }
    }
}

/// True when `pid` is a process (a thread-group leader), not another thread of one:
/// `tgkill(pid, pid, 0)` sends nothing and fails with ESRCH only when `pid` is not the
/// leader of its own group, or is gone. One system call, where `status` costs an open,
/// a read of a file the kernel takes 12 µs to write, and a close.
pub fn is_process(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: tgkill takes three integers and touches no memory of ours; signal 0 only
    // checks that the thread exists and may be signalled.
    let r = unsafe { libc::syscall(libc::SYS_tgkill, pid, pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The thread group (process) a thread id belongs to, from `Tgid:` in
/// `/proc/TID/status`; a process's own pid gives itself. pmap shows a thread id as its
/// process: the header says the tgid, and the rows are the process's (all its threads
/// share one address space); vasmap's own views do the same, and say so. `None` when
/// the file cannot be read (no such task).
pub fn tgid_of(pid: i32) -> Option<i32> {
    // A process's own pid, told by one system call (most pids given are processes).
    if is_process(pid) {
        return Some(pid);
    }
    let status = std::fs::read(format!("/proc/{pid}/status")).ok()?;
    let line = status
        .split(|&b| b == b'\n')
        .find_map(|l| l.strip_prefix(b"Tgid:"))?;
    std::str::from_utf8(line)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&t| t > 0)
}
