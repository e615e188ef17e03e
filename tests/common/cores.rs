//! Kernel cores of tests/support/crash.c for the tests that need one: run it with no
//! core size limit in a new directory, read what it said before crashing, find its core.
//! (Each test file uses a part of it.)
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common;

/// A kernel core of tests/support/crash.c, with what it said before it crashed.
pub struct Crashed {
    pub _dir: tempfile::TempDir,
    pub core: PathBuf,
    pub pid: i32,
    /// The address it said it would fault on.
    pub addr: u64,
    /// `/proc/PID/maps` and `pmap PID`, for the `wait` mode.
    pub maps: Vec<u8>,
    pub pmap: Option<Vec<u8>>,
}

/// Why no kernel core can be had here, or `None` when one can.
pub fn core_pattern_problem() -> Option<String> {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").ok()?;
    let pattern = pattern.trim();
    if pattern.starts_with('|') {
        return Some(format!("core_pattern pipes cores to a program ({pattern})"));
    }
    if pattern.contains('/') {
        return Some(format!("core_pattern writes cores elsewhere ({pattern})"));
    }
    None
}

/// Run `crash MODE` in a new directory with no core size limit, and find its core.
/// `None`, with the reason printed, where the kernel writes no core there.
pub fn crash(mode: &str) -> Option<Crashed> {
    if let Some(why) = core_pattern_problem() {
        eprintln!("skipping: {why}");
        return None;
    }
    let bin = common::c_helper("crash")?;
    crash_program(&bin, mode)
}

/// [`crash`] with the helper program at `bin` (a copy a test may replace afterwards).
pub fn crash_program(bin: &std::path::Path, mode: &str) -> Option<Crashed> {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("/bin/sh")
        .args(["-c", "ulimit -c unlimited && exec \"$0\" \"$1\""])
        .arg(bin)
        .arg(mode)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let mut said = line.split_whitespace().skip(1);
    let pid: Option<i32> = said.next().and_then(|p| p.parse().ok());
    let addr = said
        .next()
        .and_then(|a| u64::from_str_radix(a, 16).ok())
        .unwrap_or(0);
    let (mut maps, mut pmap) = (Vec::new(), None);
    if let Some(pid) = pid
        && mode == "wait"
    {
        maps = std::fs::read(format!("/proc/{pid}/maps")).unwrap();
        pmap = common::run_pmap(&[&pid.to_string()]).map(|(out, _)| out);
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let (Some(pid), Some(_)) = (pid, out.status.signal()) else {
        eprintln!(
            "skipping: crash {mode} did not crash ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    };
    let core = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("core"))
        });
    let Some(core) = core.filter(|_| out.status.core_dumped()) else {
        eprintln!(
            "skipping: the kernel wrote no core for crash {mode} ({})",
            out.status
        );
        return None;
    };
    Some(Crashed {
        _dir: dir,
        core,
        pid,
        addr,
        maps,
        pmap,
    })
}

/// gdb's `gcore` of process `pid`, written in `dir`; `None`, with the reason printed,
/// where gdb is missing or cannot attach (ptrace refused).
pub fn gcore(pid: i32, dir: &std::path::Path) -> Option<PathBuf> {
    if Command::new("gcore").arg("--version").output().is_err() {
        eprintln!("skipping: gcore (gdb) is not installed");
        return None;
    }
    let out = Command::new("gcore")
        .arg("-o")
        .arg(dir.join("core"))
        .arg(pid.to_string())
        .output()
        .ok()?;
    let path = dir.join(format!("core.{pid}"));
    if !out.status.success() || !path.exists() {
        eprintln!(
            "skipping: gcore could not save the process (ptrace refused?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(path)
}
