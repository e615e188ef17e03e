//! `vasmap NAME`: the processes a name stands for, as `pidof NAME` finds them.
//!
//! A process is named NAME when its command name (`/proc/PID/comm`) or the file name of
//! its program (the last component of the `/proc/PID/exe` link, without the kernel's
//! ` (deleted)`) is NAME. The command name is what `ps`, `top` and `pgrep` show, cut by
//! the kernel to 15 bytes (`TASK_COMM_LEN`); another user's `exe` link cannot be read
//! without ptrace access, so for a longer NAME a command name equal to its first 15
//! bytes counts when the first word of the command line ends in NAME too (`pidof` looks
//! at the command line the same way). vasmap's own process is never one of them.
//!
//! The pids come in increasing order, so a run is repeatable. When no process has the
//! name, the error lists the names nearest to it (by Jaro-Winkler similarity, `strsim`,
//! the measure clap uses for its own "did you mean" hints, and any name holding NAME).

use std::path::Path;

/// The kernel's limit on a command name, without its NUL (`TASK_COMM_LEN - 1`).
const COMM_MAX: usize = 15;

/// Why a name found no process.
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error(
        "{}: no process has this name (its command name or its program's file name){}; \
             `ps -e` lists every process",
        crate::text::escape_text(name, false),
        nearest_text(nearest)
    )]
    NoMatch {
        name: Vec<u8>,
        nearest: Vec<Vec<u8>>,
    },
    #[error("cannot list the processes (/proc): {source}; is /proc mounted?")]
    Proc { source: std::io::Error },
}

/// `; nearest names: 'a', 'b'` when there are any.
fn nearest_text(nearest: &[Vec<u8>]) -> String {
    if nearest.is_empty() {
        return String::new();
    }
    let names: Vec<String> = nearest
        .iter()
        .map(|n| format!("'{}'", crate::text::escape_text(n, false)))
        .collect();
    format!("; nearest names: {}", names.join(", "))
}

/// What one process is called: its command name and its program's file name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Names {
    comm: Vec<u8>,
    exe: Option<Vec<u8>>,
    /// The last component of the command line's first word, read only when needed.
    argv0: Option<Vec<u8>>,
}

/// The last component of a path, as bytes.
fn base(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// Read what `/proc/PID` says the process is called; `None` for a pid gone meanwhile.
fn names_of(proc: &Path, pid: i32, long_name: bool) -> Option<Names> {
    use std::os::unix::ffi::OsStrExt;
    let dir = proc.join(pid.to_string());
    let mut comm = std::fs::read(dir.join("comm")).ok()?;
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
    let exe = std::fs::read_link(dir.join("exe")).ok().map(|p| {
        let p = p.as_os_str().as_bytes();
        let p = p.strip_suffix(b" (deleted)").unwrap_or(p);
        base(p).to_vec()
    });
    let argv0 = if long_name && comm.len() == COMM_MAX {
        std::fs::read(dir.join("cmdline")).ok().map(|c| {
            let first = c.split(|&b| b == 0).next().unwrap_or(&[]);
            base(first).to_vec()
        })
    } else {
        None
    };
    Some(Names { comm, exe, argv0 })
}

/// True when a process called `n` is named `name`.
fn matches(n: &Names, name: &[u8]) -> bool {
    if n.comm == name || n.exe.as_deref() == Some(name) {
        return true;
    }
    name.len() > COMM_MAX
        && n.comm == name[..COMM_MAX]
        && n.argv0.as_deref().is_some_and(|a| a == name)
}

/// Every pid under `proc` (a `/proc`), in increasing order.
fn pids_in(proc: &Path) -> Result<Vec<i32>, NameError> {
    let entries = std::fs::read_dir(proc).map_err(|source| NameError::Proc { source })?;
    let mut pids: Vec<i32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|&p: &i32| p > 0)
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// The pids of every process named `name` (see the module's docs), in increasing order.
pub fn find_by_name(name: &[u8]) -> Result<Vec<i32>, NameError> {
    find_in(Path::new("/proc"), name, std::process::id() as i32)
}

/// [`find_by_name`] under `proc`, leaving out `myself`.
fn find_in(proc: &Path, name: &[u8], myself: i32) -> Result<Vec<i32>, NameError> {
    let mut found = Vec::new();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for pid in pids_in(proc)? {
        if pid == myself {
            continue;
        }
        let Some(n) = names_of(proc, pid, name.len() > COMM_MAX) else {
            continue;
        };
        if matches(&n, name) {
            found.push(pid);
        } else if found.is_empty() {
            seen.push(n.comm);
            seen.extend(n.exe);
        }
    }
    if found.is_empty() {
        return Err(NameError::NoMatch {
            name: name.to_vec(),
            nearest: nearest(name, seen),
        });
    }
    Ok(found)
}

/// At most five of `names` nearest to `name`: those holding it, then those most alike.
fn nearest(name: &[u8], mut names: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    names.sort();
    names.dedup();
    let wanted = String::from_utf8_lossy(name).to_lowercase();
    let mut scored: Vec<(f64, Vec<u8>)> = names
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|n| {
            let have = String::from_utf8_lossy(&n).to_lowercase();
            let holds = wanted.len() >= 3 && have.contains(&wanted);
            let score = if holds {
                2.0
            } else {
                strsim::jaro_winkler(&wanted, &have)
            };
            (score, n)
        })
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake `/proc` of processes, each (pid, comm, exe target, cmdline).
    fn fake_proc(procs: &[(i32, &str, &str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for &(pid, comm, exe, cmdline) in procs {
            let p = dir.path().join(pid.to_string());
            std::fs::create_dir(&p).unwrap();
            std::fs::write(p.join("comm"), format!("{comm}\n")).unwrap();
            std::os::unix::fs::symlink(exe, p.join("exe")).unwrap();
            std::fs::write(p.join("cmdline"), cmdline).unwrap();
        }
        std::fs::create_dir(dir.path().join("sys")).unwrap();
        dir
    }

    #[test]
    fn by_command_name_or_program_file_in_pid_order() {
        let d = fake_proc(&[
            (30, "sleep", "/usr/bin/sleep", b"sleep\x001\x00"),
            (4, "worker", "/usr/bin/sleep (deleted)", b"worker\x00"),
            (7, "bash", "/usr/bin/bash", b"bash\x00"),
            (12, "sleep", "/usr/bin/sleep", b"sleep\x00"),
        ]);
        assert_eq!(find_in(d.path(), b"sleep", 12).unwrap(), vec![4, 30]);
        assert_eq!(find_in(d.path(), b"bash", 0).unwrap(), vec![7]);
    }

    #[test]
    fn a_long_name_matches_the_cut_command_name_and_the_command_line() {
        let d = fake_proc(&[
            (
                5,
                "a-very-long-pro",
                "/x/other",
                b"/opt/a-very-long-program\x00-v\x00",
            ),
            (
                6,
                "a-very-long-pro",
                "/x/other",
                b"/opt/a-very-long-prong\x00",
            ),
        ]);
        assert_eq!(
            find_in(d.path(), b"a-very-long-program", 0).unwrap(),
            vec![5]
        );
    }

    #[test]
    fn no_match_names_the_nearest() {
        let d = fake_proc(&[
            (1, "sleep", "/usr/bin/sleep", b""),
            (2, "firefox", "/usr/lib/firefox/firefox", b""),
            (3, "bash", "/usr/bin/bash", b""),
        ]);
        let e = find_in(d.path(), b"slep", 0).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("slep: no process has this name"), "{text}");
        assert!(text.contains("nearest names: 'sleep'"), "{text}");
        assert!(!text.contains("bash"), "{text}");
        let e = find_in(d.path(), b"fire", 0).unwrap_err();
        assert!(e.to_string().contains("'firefox'"), "{e}");
        let e = find_in(d.path(), b"\x1b[2Jzzzzzz", 0).unwrap_err();
        assert!(e.to_string().starts_with("\\e[2Jzzzzzz: no process"), "{e}");
        assert!(!e.to_string().contains("nearest"), "{e}");
    }
}
