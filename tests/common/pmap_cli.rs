//! Running `/usr/bin/pmap` and vasmap's pmap mode on the same command line, and comparing
//! everything a script sees: stdout, stderr and the exit status.
//!
//! Both run with `argv[0]` = `pmap` (vasmap through a symlink called `pmap`), because
//! pmap's messages start with its `argv[0]`; the environment (`HOME`, the locale) is the
//! same for both. Included by path from tests/pmap_args.rs.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What a run showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status {}\n--- stdout\n{}--- stderr\n{}",
            self.status,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }
}

/// A directory holding `pmap`, a symlink to the built vasmap.
fn link_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::common::dir_for_this_run("vasmap-as-pmap").expect("a temporary directory");
        let link = dir.join("pmap");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_vasmap"), &link).expect("symlink");
        link
    })
    .as_path()
}

/// How a command is run: its environment changes and its working directory.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `(name, Some(value))` sets a variable, `(name, None)` removes it.
    pub vars: Vec<(String, Option<PathBuf>)>,
    pub dir: Option<PathBuf>,
}

impl Env {
    /// `HOME` set to `home`, and run from there.
    pub fn home(home: &Path) -> Env {
        Env {
            vars: vec![("HOME".into(), Some(home.to_path_buf()))],
            dir: Some(home.to_path_buf()),
        }
    }

    /// One more variable (`None`: removed).
    pub fn with(mut self, name: &str, value: Option<&str>) -> Env {
        self.vars.push((name.into(), value.map(PathBuf::from)));
        self
    }
}

fn run(program: &Path, arg0: &str, args: &[&OsStr], env: &Env) -> Seen {
    let mut cmd = Command::new(program);
    cmd.arg0(arg0).args(args);
    for (name, value) in &env.vars {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    if let Some(d) = &env.dir {
        cmd.current_dir(d);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    Seen {
        stdout: out.stdout,
        stderr: out.stderr,
        status: out.status.code().unwrap_or(-1),
    }
}

/// `/usr/bin/pmap ARGS` as `pmap`.
pub fn pmap_seen(args: &[&OsStr], env: &Env) -> Seen {
    run(Path::new("/usr/bin/pmap"), "pmap", args, env)
}

/// vasmap run as `pmap` with ARGS.
pub fn ours_seen(args: &[&OsStr], env: &Env) -> Seen {
    run(link_dir(), "pmap", args, env)
}

/// `vasmap ARGS` (its own name, so `--pmap` or `-o pmap` must be among ARGS).
pub fn vasmap_seen(args: &[&OsStr], env: &Env) -> Seen {
    run(Path::new(env!("CARGO_BIN_EXE_vasmap")), "vasmap", args, env)
}

/// One comparison at a time: PSS moves while other processes map and unmap libc pages.
pub static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Assert that vasmap as `pmap` shows what pmap shows for ARGS. smaps figures move, so
/// pmap runs before and after vasmap, and vasmap must equal one of them; an attempt where
/// pmap itself changed between the two runs is tried again (and, eight times over,
/// reported and skipped). Only for commands without side effects: a file written by
/// the first pmap run would be there for the other two.
pub fn assert_same(args: &[&str], env: &Env) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    // Without a directory of its own, a command runs in a new empty one, so that a file
    // an option takes for its value (`--create-rc- PID`) is written nowhere that matters.
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let mut env = env.clone();
    env.dir.get_or_insert_with(|| sandbox.path().to_path_buf());
    let env = &env;
    let mut last = None;
    for _ in 0..8 {
        let before = pmap_seen(&args, env);
        let got = ours_seen(&args, env);
        let after = pmap_seen(&args, env);
        if got == before || got == after {
            return;
        }
        if before == after {
            last = Some(format!(
                "pmap {args:?} differs\n=== pmap: {before}\n=== vasmap as pmap: {got}"
            ));
        }
    }
    match last {
        Some(msg) => panic!("{msg}"),
        None => eprintln!("note: {args:?}: the process kept changing, not compared"),
    }
}

/// A `sleep` that waits: a quiet process to look at; killed on drop.
pub struct Sleeper {
    pub pid: i32,
    child: std::process::Child,
}

impl Sleeper {
    pub fn start() -> Sleeper {
        let child = Command::new("sleep")
            .arg("1000")
            .spawn()
            .expect("start sleep");
        let pid = child.id() as i32;
        // Wait until it runs sleep (not the forked test binary any more).
        for _ in 0..200 {
            if std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.starts_with(b"sleep\0"))
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        Sleeper { pid, child }
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The thread ids of `pid` other than its own.
pub fn other_threads(pid: i32) -> Vec<i32> {
    let mut tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .filter(|&t| t != pid)
                .collect()
        })
        .unwrap_or_default();
    tids.sort();
    tids
}
