//! The small text files of `/proc/PID` vasmap reads beside maps and smaps, parsed from
//! bytes with no I/O: `stat` (the command name, state, flags, thread count, exit signal and
//! the start of the stack), a `Key: value kB` line of `status`, and the stack limit in
//! `limits`. Names are bytes: a process may call itself anything (`\xff\xfe`, `a) b (`).

/// `PF_KTHREAD` in the `flags` field of `/proc/PID/stat` (include/linux/sched.h).
pub(crate) const PF_KTHREAD: u32 = 0x0020_0000;
/// `PF_EXITING`: set by `exit_signals()` at the start of `do_exit()`, before `exit_mm()`
/// lets the address space go. A thread whose mm is gone always has it, while its state
/// can still say `R` (kernel/exit.c).
pub(crate) const PF_EXITING: u32 = 0x0000_0004;

/// The fields of `/proc/PID/stat` vasmap uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    /// The command name, between the parentheses (at most 15 bytes, any bytes).
    pub comm: Vec<u8>,
    pub state: u8,
    pub flags: u32,
    pub num_threads: u64,
    pub startstack: u64,
    /// Field 38, the signal the task sends its parent when it exits: -1 for a thread
    /// that is not its process's leader (`copy_process` gives every `CLONE_THREAD` child
    /// -1, and `de_thread` makes a thread that execs the leader with `SIGCHLD`), a
    /// signal number (0 included) for a process.
    pub exit_signal: i64,
}

impl Stat {
    /// True for a task that is not its process's leader: a thread id, not a pid.
    pub fn is_thread(&self) -> bool {
        self.exit_signal == -1
    }

    /// True for a zombie or a dead task: its address space is gone.
    pub fn is_dead(&self) -> bool {
        matches!(self.state, b'Z' | b'X')
    }

    /// True once the task has started to exit (`PF_EXITING`) or is dead: a read cut
    /// short now may be short without an error.
    pub fn is_exiting(&self) -> bool {
        self.is_dead() || self.flags & PF_EXITING != 0
    }

    /// True for a kernel thread (`PF_KTHREAD`).
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0
    }
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
        exit_signal: fields
            .get(35)
            .and_then(|w| std::str::from_utf8(w).ok()?.parse().ok())
            .unwrap_or(0),
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
        assert!(!st.is_thread() && !st.is_dead() && !st.is_kernel_thread());
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
}
