//! Facts about the process rather than its mappings: [`ProcessInfo`] (what classification
//! and headers need) and, for an ELF core dump, [`CoreFacts`] and its [`CoreThread`]s.

use super::Region;

/// Facts about the process (not its mappings) that classification and headers need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    /// `/proc/PID/cmdline` with NULs turned into spaces, or `[comm]` when empty.
    pub cmdline: Vec<u8>,
    /// `/proc/PID/cmdline` exactly as read (NUL-separated, possibly empty): the pmap
    /// output mode builds its header from it the way procps does.
    pub raw_cmdline: Vec<u8>,
    /// `/proc/PID/comm` without its newline (the command name, at most 15 bytes).
    pub comm: Vec<u8>,
    /// Device (major, minor) and inode of `/proc/PID/exe`.
    pub exe_id: Option<(u32, u32, u64)>,
    /// The target of `/proc/PID/exe`, as bytes.
    pub exe_path: Option<Vec<u8>>,
    /// Field 28 of `/proc/PID/stat`: the address of the bottom (start) of the main stack.
    pub start_stack: Option<u64>,
    /// (tid, stack pointer) of every thread but the main one, where it could be read,
    /// sorted by stack pointer (classification looks regions up in it by halving).
    pub thread_sps: Vec<(i32, u64)>,
    /// The main stack's size limit in bytes (`RLIMIT_STACK`, from `/proc/PID/limits`),
    /// when it was read and is not unlimited.
    pub stack_limit: Option<u64>,
    /// Set when the address space was read from an ELF core dump (`--from CORE`): what
    /// the core says beside the mappings.
    pub core: Option<Box<CoreFacts>>,
    /// Read from a saved file (`--from`: a capture or vasmap's JSON), not a live process:
    /// the pid, if any, is the one the file was taken from.
    pub saved: bool,
}

/// What an ELF core dump records beside its mappings: who crashed, how, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreFacts {
    /// The core file's path, as given.
    pub path: Vec<u8>,
    /// The machine the core came from (`x86-64`, `aarch64`, ...), from the ELF header.
    pub arch: String,
    /// The signal that ended the process (`NT_SIGINFO`, else `NT_PRSTATUS`), if recorded.
    pub signal: Option<i32>,
    /// `si_code` of that signal.
    pub si_code: Option<i32>,
    /// The faulting address, for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP.
    pub fault_addr: Option<u64>,
    /// Every thread in the core (`NT_PRSTATUS`), the one that took the signal first.
    pub threads: Vec<CoreThread>,
    /// From `NT_AUXV`: `AT_ENTRY`, `AT_PHDR`, `AT_BASE` (the loader), `AT_SYSINFO_EHDR`
    /// (the vdso).
    pub entry: Option<u64>,
    pub phdr: Option<u64>,
    pub interp_base: Option<u64>,
    pub vdso: Option<u64>,
    /// Who wrote the core: `kernel`, `gdb` (a `GDB` note, or segments aligned to 1 as
    /// BFD writes them), or `unknown`.
    pub writer: String,
    /// The page size (`AT_PAGESZ`), if the auxiliary vector gives it.
    pub page_size: Option<u64>,
    /// False when vasmap does not know this machine's register layout: the threads'
    /// `sp` and `pc` are then 0 and mean "not read".
    pub registers_known: bool,
    /// The core has an `NT_FILE` note. Without one (the kernel leaves it out when it
    /// would pass `kernel.core_file_note_size_limit`), no mapping has a file name.
    pub has_file_note: bool,
    /// Bytes of memory the program headers say the file holds and it does not: the core
    /// was cut short while it was written (`ulimit -c`, a full disk). Each region's
    /// `dumped.bytes` counts only what is there. `None` when nothing is missing, or when
    /// the core came through a pipe (its length is unknown).
    pub cut_short: Option<u64>,
    /// The process that sent the signal, for a signal sent with `kill`, `tgkill` or
    /// `sigqueue` (`si_code` `SI_USER`, `SI_TKILL`, `SI_QUEUE`): its pid and uid.
    pub sender_pid: Option<i32>,
    pub sender_uid: Option<u32>,
    /// (mapping start, build id) of each mapped ELF file whose first page the core holds
    /// with its `NT_GNU_BUILD_ID` note, in address order: which build of the program and
    /// of each library the process ran.
    pub build_ids: Vec<(u64, Vec<u8>)>,
}

/// One thread of a core dump.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreThread {
    pub tid: i32,
    /// Stack pointer and program counter when the core was written.
    pub sp: u64,
    pub pc: u64,
}

impl ProcessInfo {
    /// `/proc/PID/cmdline` (each argument ended by a NUL) as one line, as `ps` shows it:
    /// the NULs at the end dropped and the others turned into spaces.
    pub fn cmdline_line(raw_cmdline: &[u8]) -> Vec<u8> {
        let end = raw_cmdline
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        raw_cmdline[..end]
            .iter()
            .map(|&b| if b == 0 { b' ' } else { b })
            .collect()
    }

    /// True for a live process (not a saved file or a core dump).
    pub fn is_live(&self) -> bool {
        self.core.is_none() && !self.saved && self.pid > 0
    }

    /// True when `r` holds the start of the main thread's stack (pmap's `[ stack ]`):
    /// `start <= start_stack <= end`, the end included as pmap counts it. A live process
    /// read without `stat` has no `start_stack`; the kernel then has already named that
    /// mapping `[stack]` by the same rule (`vma_is_initial_stack`, include/linux/mm.h:
    /// `vm_start <= start_stack && vm_end >= start_stack`), and its name is used. (The
    /// kernel would call it `[heap]` instead if the heap held the start of the stack.)
    pub fn holds_start_stack(&self, r: &Region) -> bool {
        match self.start_stack {
            Some(s) => r.start <= s && s <= r.end,
            None => self.is_live() && r.name == b"[stack]",
        }
    }

    /// The thread whose stack pointer `r` holds, from [`ProcessInfo::thread_sps`].
    pub fn thread_in(&self, r: &Region) -> Option<i32> {
        let sps = &self.thread_sps;
        let i = sps.partition_point(|&(_, sp)| sp < r.start);
        sps.get(i)
            .filter(|&&(_, sp)| r.contains(sp))
            .map(|&(tid, _)| tid)
    }

    /// `/proc/PID/comm` without the newline the kernel ends it with.
    pub fn comm_line(mut comm: Vec<u8>) -> Vec<u8> {
        if comm.last() == Some(&b'\n') {
            comm.pop();
        }
        comm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_and_comm_as_one_line() {
        assert_eq!(ProcessInfo::cmdline_line(b"sleep\x00100\x00"), b"sleep 100");
        assert_eq!(ProcessInfo::cmdline_line(b"a\x00\x00b\x00\x00"), b"a  b");
        assert_eq!(ProcessInfo::cmdline_line(b"\x00\x00"), b"");
        assert_eq!(ProcessInfo::cmdline_line(b"no-nul"), b"no-nul");
        assert_eq!(ProcessInfo::comm_line(b"bash\n".to_vec()), b"bash");
        assert_eq!(ProcessInfo::comm_line(b"a\nb".to_vec()), b"a\nb");
    }
}
