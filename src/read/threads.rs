//! A process's threads, through its opened `/proc/PID`: their ids (`task/`), one still
//! running when the main thread has exited, and each one's stack pointer, which names the
//! mapping holding it a thread stack. Three system calls a thread (docs/performance.md).

use rustix::fs::{Mode, OFlags};

use crate::read::proc::ProcDir;

impl ProcDir {
    /// The tids of the process's threads (`task/`).
    pub fn tids(&self) -> Vec<i32> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let Ok(fd) = rustix::fs::openat(self.dir(), "task", flags, Mode::empty()) else {
            return Vec::new();
        };
        // `Dir::new` owns the descriptor; `read_from` would reopen it (three calls more).
        let Ok(dir) = rustix::fs::Dir::new(fd) else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str().ok()?.parse().ok())
            .collect()
    }

    /// A thread of the process that is still running, for a process whose main thread has
    /// exited (it is then a zombie, with an empty maps file, while the others run on).
    pub(crate) fn live_thread(&self) -> Option<i32> {
        self.tids()
            .into_iter()
            .filter(|&t| t != self.pid())
            .find(|&t| self.stat(Some(t)).is_ok_and(|st| !st.is_dead()))
    }

    /// (tid, stack pointer) of each thread but the main one, from `task/TID/syscall`
    /// (`nr args... sp pc`), sorted by stack pointer (classification looks each region up
    /// in it). A thread that is running says `running` and is skipped; reading it needs
    /// ptrace access, so for another user's process this is empty. Three system calls a
    /// thread: open, one read, close.
    pub(crate) fn thread_stack_pointers(&self) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        let mut buf = Vec::with_capacity(256);
        for tid in self.tids() {
            if tid == self.pid()
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
        out.sort_unstable_by_key(|&(tid, sp)| (sp, tid));
        out
    }
}
