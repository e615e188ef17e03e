//! The live things a capture can look at, each made the first time a capture names it and
//! gone when the test ends: `sleep` processes, a kernel core of tests/support/crash.c, and
//! tests/support/driven.c before and after it changed (see tests/captures.rs for the
//! placeholders that name them).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use crate::cores;

/// A child process, killed and reaped on drop.
pub struct Proc {
    pub pid: i32,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `driven` (tests/support/driven.c), from a copy called `driven` so that its
/// command line reads `./driven`; its stdin takes commands, its stdout answers.
pub struct Driven {
    pub proc: Proc,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Driven {
    /// Start one in `dir` and wait for its `ready` line.
    pub fn start(dir: &Path) -> Result<Driven, String> {
        let bin = common::c_helper("driven").ok_or("gcc could not build driven.c")?;
        let own = dir.join("driven");
        std::fs::copy(&bin, &own).map_err(|e| format!("copy driven: {e}"))?;
        let mut child = Command::new("./driven")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start driven: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or("driven's stdout")?);
        let pid = child.id() as i32;
        let mut driven = Driven {
            proc: Proc { pid, child },
            stdin,
            stdout,
        };
        let mut line = String::new();
        driven
            .stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if !line.starts_with("ready") {
            return Err(format!("driven said {line:?}"));
        }
        Ok(driven)
    }

    /// Send one command and wait for its `ok`.
    pub fn send(&mut self, command: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("driven's stdin is closed")?;
        writeln!(stdin, "{command}").map_err(|e| format!("write to driven: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.starts_with("ok") {
            Ok(())
        } else {
            Err(format!("driven answered {line:?} to {command:?}"))
        }
    }

    /// Close its stdin, which makes it exit, and reap it.
    pub fn quit(&mut self) {
        drop(self.stdin.take());
        let _ = self.proc.child.wait();
    }
}

/// `sleep 1000` in the C.UTF-8 locale (so that it maps the locale files a desktop's
/// `sleep` maps), through `setpriv` as user nobody when `nobody`; once it sleeps.
pub fn sleep(nobody: bool) -> Result<Proc, String> {
    let mut cmd = if nobody {
        if !common::is_root() {
            return Err("processes of user nobody need root".into());
        }
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sleep"]);
        c
    } else {
        Command::new("sleep")
    };
    let child = cmd
        .arg("1000")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("start sleep: {e}"))?;
    let proc = Proc {
        pid: child.id() as i32,
        child,
    };
    wait_asleep(proc.pid)?;
    Ok(proc)
}

/// Wait until `pid` is `sleep`, asleep, with libc mapped: its address space is whole.
fn wait_asleep(pid: i32) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
        if stat.contains("(sleep) S") && maps.contains("libc.so") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(format!("sleep (pid {pid}) did not fall asleep in 10 s"))
}

/// The start of `pid`'s first mapping named `name` (a file's base name, or a pseudo name
/// such as `[heap]`) with permissions `perms`, plus `offset`: as hex without `0x`.
pub fn address(pid: i32, name: &str, perms: &str, offset: u64) -> Result<String, String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|e| e.to_string())?;
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(p)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        let path = fields.get(5).copied().unwrap_or("");
        let base = path.rsplit('/').next().unwrap_or(path);
        if *p == perms && (base == name || path == name) {
            let start = range.split('-').next().unwrap_or("");
            let start = u64::from_str_radix(start, 16).map_err(|e| e.to_string())?;
            return Ok(format!("{:x}", start + offset));
        }
    }
    Err(format!("pid {pid} maps no {name} {perms}"))
}

/// A directory holding a kernel core of `crash null` (tests/support/crash.c, copied in
/// as `crash` and run as `./crash null`), named `core`.
pub fn core() -> Result<tempfile::TempDir, String> {
    if let Some(why) = cores::core_pattern_problem() {
        return Err(why);
    }
    let bin = common::c_helper("crash").ok_or("gcc could not build crash.c")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::copy(&bin, dir.path().join("crash")).map_err(|e| format!("copy crash: {e}"))?;
    let out = Command::new("/bin/sh")
        .args(["-c", "ulimit -c unlimited && exec ./crash null"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run crash: {e}"))?;
    let found = std::fs::read_dir(dir.path())
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("core"))
        });
    let Some(found) = found else {
        return Err(format!(
            "the kernel wrote no core for crash null ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    };
    // With core_uses_pid the file is core.PID.
    std::fs::rename(&found, dir.path().join("core")).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// `driven` after a change, and the `--json` snapshot of it from before, `before.json`
/// in the same directory: since then it mapped examples/pages.txt, grew its heap by
/// 1,000,000 bytes and started a thread.
pub struct Changed {
    pub driven: Driven,
    pub dir: tempfile::TempDir,
}

pub fn changed(root: &Path) -> Result<Changed, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut driven = Driven::start(dir.path())?;
    let (json, err, code) = common::run_vasmap(&["--json", &driven.proc.pid.to_string()]);
    if code != 0 {
        return Err(format!("vasmap --json: {}", String::from_utf8_lossy(&err)));
    }
    std::fs::write(dir.path().join("before.json"), json).map_err(|e| e.to_string())?;
    let pages: PathBuf = root.join("examples/pages.txt");
    driven.send(&format!("map {}", pages.display()))?;
    driven.send("heap 1000000")?;
    driven.send("thread")?;
    Ok(Changed { driven, dir })
}

/// What `watch` is shown doing: `driven` maps examples/message.txt, then grows its heap
/// by 1,000,000 bytes, then exits, each change made once the one before has been
/// printed (so that the order never depends on the machine's load). `lines` gives the
/// watching command's output lines as they come; it returns `None` when the command
/// ends or takes more than a minute.
pub fn act_watched(
    driven: &mut Driven,
    root: &Path,
    mut next_line: impl FnMut() -> Option<String>,
) -> Result<Vec<String>, String> {
    let mut seen = Vec::new();
    let mut until = |seen: &mut Vec<String>, word: &str| -> Result<(), String> {
        loop {
            let line = next_line().ok_or(format!("watch ended before a line with {word:?}"))?;
            let found = line.contains(word);
            seen.push(line);
            if found {
                return Ok(());
            }
        }
    };
    until(&mut seen, "watching")?;
    driven.send(&format!(
        "map {}",
        root.join("examples/message.txt").display()
    ))?;
    until(&mut seen, "added")?;
    driven.send("heap 1000000")?;
    until(&mut seen, "grown")?;
    driven.quit();
    Ok(seen)
}
