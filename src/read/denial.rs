//! Working out why the kernel refused to show a process's files, so that the message
//! gives advice that fits: another user's process, a process that is not dumpable, root
//! without `CAP_SYS_PTRACE`, or a `/proc` mounted with `hidepid`.

use std::path::Path;

use procfs::process::Process;

use crate::read::error::Denial;

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

/// True when `mode` (from [`proc_hidepid`]) hides whole processes, not only their files.
pub fn hides_processes(mode: &str) -> bool {
    !matches!(mode, "1" | "noaccess")
}

/// True when vasmap's effective capabilities include `CAP_SYS_PTRACE`.
fn have_cap_sys_ptrace() -> bool {
    const CAP_SYS_PTRACE: u32 = 19;
    Process::myself()
        .and_then(|p| p.status())
        .is_ok_and(|s| s.capeff & (1 << CAP_SYS_PTRACE) != 0)
}

/// The real and effective uid from a `/proc/PID/status` text (`Uid: real effective ...`),
/// read as bytes: the process's name, earlier in the file, need not be UTF-8.
pub fn uids_of_status(status: &[u8]) -> Option<(u32, u32)> {
    let line = status
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Uid:"))?;
    let mut words = line[4..]
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .filter_map(|w| std::str::from_utf8(w).ok()?.parse::<u32>().ok());
    Some((words.next()?, words.next()?))
}

/// Why the kernel refuses to show process `pid`'s files, worked out from who vasmap runs
/// as and who owns the process: `status` is its `/proc/PID/status` when that could be
/// read, `dir_owner` the owner of its `/proc/PID` directory.
pub fn denial_of(status: Option<&[u8]>, dir_owner: Option<u32>) -> Denial {
    let me = rustix::process::geteuid().as_raw();
    if me == 0 {
        return if have_cap_sys_ptrace() {
            Denial::Root
        } else {
            Denial::RootWithoutPtrace
        };
    }
    // The owner is the real and effective uid in `status` (ptrace checks both); the
    // /proc/PID directory's owner would say root for a process that is not dumpable.
    let owner = match status.and_then(uids_of_status) {
        Some((_, euid)) if euid != me => Some(euid),
        Some((ruid, _)) if ruid != me => Some(ruid),
        Some(_) => None,
        // No status (hidden, or gone): the owner of the /proc/PID directory.
        None => dir_owner.filter(|&u| u != me),
    };
    match owner {
        Some(owner) => match proc_hidepid().filter(|m| !hides_processes(m)) {
            Some(mode) => Denial::HidePid { mode },
            None => Denial::OtherUser { owner, me },
        },
        None => Denial::OwnProcess { uid: me },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_come_from_the_uid_line_whatever_the_name() {
        let status =
            b"Name:\t\xff\xfe\nUmask:\t0022\nUid:\t1000\t1001\t1001\t1001\nGid:\t0\t0\t0\t0\n";
        assert_eq!(uids_of_status(status), Some((1000, 1001)));
        assert_eq!(uids_of_status(b"Name:\tx\n"), None);
    }
}
