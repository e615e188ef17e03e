//! Test support: live processes with awkward mappings, started and stopped by the tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

/// Build `tests/support/awkward.c` once per test binary with the system's `gcc`.
/// Returns `None` (and says why) where gcc is missing.
fn awkward_binary() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let out =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("awkward-{}", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/awkward.c");
        let status = Command::new("gcc")
            .args(["-O1", "-pthread", "-o"])
            .arg(&out)
            .arg(&src)
            .status();
        match status {
            Ok(s) if s.success() => Some(out),
            Ok(s) => {
                eprintln!("skipping: gcc failed to build awkward.c ({s})");
                None
            }
            Err(e) => {
                eprintln!("skipping: gcc is not available ({e})");
                None
            }
        }
    })
    .as_ref()
}

/// A running `awkward` process; killed and its files removed on drop.
pub struct Awkward {
    pub pid: i32,
    pub dir: tempfile::TempDir,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Awkward {
    /// Start one and wait until all its mappings exist.
    pub fn start() -> Option<Awkward> {
        let bin = awkward_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("vasmap awkward ")
            .tempdir()
            .expect("a temporary directory");
        let mut child = Command::new(bin)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start awkward");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read awkward's ready line");
        assert!(line.starts_with("ready "), "awkward said {line:?}");
        let pid = child.id() as i32;
        let stdin = child.stdin.take();
        Some(Awkward {
            pid,
            dir,
            child,
            stdin,
        })
    }
}

impl Drop for Awkward {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `/usr/bin/pmap`, or `None` with a printed reason.
pub fn pmap() -> Option<&'static str> {
    const PMAP: &str = "/usr/bin/pmap";
    if Path::new(PMAP).exists() {
        Some(PMAP)
    } else {
        eprintln!("skipping: {PMAP} (procps-ng) is not installed");
        None
    }
}

/// Run `/usr/bin/pmap ARGS` and return (stdout, exit code).
pub fn run_pmap(args: &[&str]) -> Option<(Vec<u8>, i32)> {
    let pmap = pmap()?;
    let out = Command::new(pmap).args(args).output().expect("run pmap");
    Some((out.stdout, out.status.code().unwrap_or(-1)))
}

/// Run the built vasmap with ARGS and return (stdout, stderr, exit code).
pub fn run_vasmap(args: &[&str]) -> (Vec<u8>, Vec<u8>, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(args)
        .output()
        .expect("run vasmap");
    (out.stdout, out.stderr, out.status.code().unwrap_or(-1))
}

/// Build `tests/support/NAME.c` once per test binary with gcc (`None`, with a reason,
/// where gcc is missing).
fn support_binary(name: &'static str) -> Option<PathBuf> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static BUILT: OnceLock<Mutex<HashMap<&'static str, Option<PathBuf>>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .expect("support build lock");
    built
        .entry(name)
        .or_insert_with(|| {
            let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("{name}-{}", std::process::id()));
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/support/{name}.c"));
            match Command::new("gcc")
                .args(["-O1", "-pthread", "-o"])
                .arg(&out)
                .arg(&src)
                .status()
            {
                Ok(s) if s.success() => Some(out),
                Ok(s) => {
                    eprintln!("skipping: gcc failed to build {name}.c ({s})");
                    None
                }
                Err(e) => {
                    eprintln!("skipping: gcc is not available ({e})");
                    None
                }
            }
        })
        .clone()
}

/// A running `driven` process (tests/support/driven.c) that maps files, grows its heap
/// and starts threads when told; killed on drop.
pub struct Driven {
    pub pid: i32,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Driven {
    /// Start one and wait for its `ready` line.
    pub fn start() -> Option<Driven> {
        let bin = support_binary("driven")?;
        let mut child = Command::new(bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start driven");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read driven's ready line");
        assert!(line.starts_with("ready "), "driven said {line:?}");
        let pid = child.id() as i32;
        let stdin = child.stdin.take();
        Some(Driven {
            pid,
            child,
            stdin,
            stdout,
        })
    }

    /// Send one command and return its answer after `ok ` (panics on `error`).
    pub fn send(&mut self, command: &str) -> String {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("driven's stdin is open");
        writeln!(stdin, "{command}").expect("write to driven");
        stdin.flush().expect("flush driven's stdin");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read driven's answer");
        let answer = line.trim_end();
        answer
            .strip_prefix("ok")
            .unwrap_or_else(|| panic!("driven answered {answer:?} to {command:?}"))
            .trim()
            .to_string()
    }

    /// Tell it to exit and wait until it has.
    pub fn quit(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
