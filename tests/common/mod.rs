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
        Awkward::start_with(&[])
    }

    /// Start one with extra arguments: `["long"]` adds a file whose path is 4000 bytes.
    pub fn start_with(args: &[&str]) -> Option<Awkward> {
        let bin = awkward_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("vasmap awkward ")
            .tempdir()
            .expect("a temporary directory");
        let mut child = Command::new(bin)
            .arg(dir.path())
            .args(args)
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
