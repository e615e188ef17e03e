//! Test support: live processes with awkward mappings, started and stopped by the tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// A child started with its stdin and stdout piped, once it has printed its first line,
/// `ready ...`. Its stdin stays open (the support programs wait for it to close); on drop
/// it is closed, and the child killed and reaped.
struct Ready {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<std::process::ChildStdout>,
    /// What followed `ready ` on the first line (the support programs print their pid).
    said: String,
}

impl Ready {
    /// Start `cmd` and wait for its ready line; `what` names it in a failure.
    fn start(cmd: &mut Command, what: &str) -> Ready {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("read {what}'s ready line: {e}"));
        let said = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("{what} said {line:?}"))
            .trim()
            .to_string();
        let stdin = child.stdin.take();
        Ready {
            child,
            stdin,
            stdout,
            said,
        }
    }
}

impl Drop for Ready {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `awkward` process; killed and its files removed on drop.
pub struct Awkward {
    pub pid: i32,
    /// First, so that the process is killed before its directory is removed.
    process: Ready,
    pub dir: tempfile::TempDir,
}

impl Awkward {
    /// Start one and wait until all its mappings exist.
    pub fn start() -> Option<Awkward> {
        Awkward::start_env(&[])
    }

    /// Start one without its ~2000-byte path (procps-ng pmap 4.0.2 splits that row and
    /// corrupts its total, so byte-for-byte comparisons use this one). It runs a private,
    /// statically linked copy of the program where possible: nothing it maps is shared
    /// with another process, so its smaps figures stay still while it waits.
    pub fn start_without_long_name() -> Option<Awkward> {
        Awkward::start_idle(&[("AWKWARD_NO_LONG_NAME", "1")])
    }

    /// Like [`Awkward::start`], from a private static copy (see
    /// [`Awkward::start_without_long_name`]).
    pub fn start_static() -> Option<Awkward> {
        Awkward::start_idle(&[])
    }

    fn start_idle(env: &[(&str, &str)]) -> Option<Awkward> {
        // A static copy maps no shared library, so its smaps figures (PSS above all) do
        // not move when other processes map libc.
        match build_support("awkward", Link::Static) {
            Some(bin) => Awkward::spawn(&bin, true, env),
            None => Awkward::spawn(&c_helper("awkward")?, false, env),
        }
    }

    /// Start one that also maps a file whose path is exactly 4000 bytes long.
    pub fn start_with_4000_byte_name() -> Option<Awkward> {
        Awkward::start_env(&[("AWKWARD_4000", "1")])
    }

    /// Start one with extra environment variables.
    fn start_env(env: &[(&str, &str)]) -> Option<Awkward> {
        Awkward::spawn(&c_helper("awkward")?, false, env)
    }

    /// Start `bin` (a private copy of it when `copy`).
    fn spawn(bin: &Path, copy: bool, env: &[(&str, &str)]) -> Option<Awkward> {
        let dir = tempfile::Builder::new()
            .prefix("vasmap awkward ")
            .tempdir()
            .expect("a temporary directory");
        let bin = if copy {
            // Its own file, written back to disk, so its pages are clean and its own.
            let own = dir.path().join("awkward");
            copy_program(bin, &own).expect("copy awkward");
            std::fs::File::open(&own)
                .and_then(|f| f.sync_all())
                .expect("sync awkward");
            own
        } else {
            bin.to_path_buf()
        };
        let process = Ready::start(
            Command::new(&bin).envs(env.iter().copied()).arg(dir.path()),
            "awkward",
        );
        Some(Awkward {
            pid: process.child.id() as i32,
            process,
            dir,
        })
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

/// A running `driven` process (tests/support/driven.c) that maps files, grows its heap
/// and starts threads when told; killed on drop.
pub struct Driven {
    pub pid: i32,
    process: Ready,
}

impl Driven {
    /// Start one and wait for its `ready` line.
    pub fn start() -> Option<Driven> {
        let bin = c_helper("driven")?;
        let process = Ready::start(&mut Command::new(bin), "driven");
        Some(Driven {
            pid: process.child.id() as i32,
            process,
        })
    }

    /// Send one command and return its answer after `ok ` (panics on `error`).
    pub fn send(&mut self, command: &str) -> String {
        use std::io::Write;
        let stdin = self.process.stdin.as_mut().expect("driven's stdin is open");
        writeln!(stdin, "{command}").expect("write to driven");
        stdin.flush().expect("flush driven's stdin");
        let mut line = String::new();
        self.process
            .stdout
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
        drop(self.process.stdin.take());
        let _ = self.process.child.wait();
    }
}

/// A waiting `/bin/sh -c 'read x'` process with extra arguments of any bytes, so tests can
/// see how a command line is shown. Killed on drop.
pub struct Hold {
    pub pid: i32,
    child: Child,
}

/// Start a [`Hold`] with these arguments after `sh -c 'read x' hold`.
pub fn hold_with_args(args: &[&[u8]]) -> Option<Hold> {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let child = Command::new("/bin/sh")
        .args(["-c", "read x", "hold"])
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    let pid = child.id() as i32;
    // Wait until the shell has replaced the forked test process's command line.
    for _ in 0..200 {
        if std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with(b"/bin/sh\0"))
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Some(Hold { pid, child })
}

impl Drop for Hold {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run vasmap with `args`, insist on exit status 0, and return its output (UTF-8).
pub fn run_ok(args: &[&str]) -> String {
    let (out, err, code) = run_vasmap(args);
    assert_eq!(
        code,
        0,
        "vasmap {args:?} failed: {}",
        String::from_utf8_lossy(&err)
    );
    String::from_utf8(out).expect("vasmap's output is UTF-8")
}

/// The JSON schema of vasmap's `--json` output, `docs/vasmap.schema.json`.
pub fn json_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string("docs/vasmap.schema.json").expect("the schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// Fail, listing every error, unless `doc` follows [`json_schema`].
pub fn assert_schema_valid(doc: &serde_json::Value) {
    let errors: Vec<String> = json_schema()
        .iter_errors(doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// `contents` written to a file `name` in a new temporary directory, which is removed when
/// the first value is dropped: a saved capture to read, or a file for the demo to map.
pub fn temp_file(name: &str, contents: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write the temporary file");
    (dir, path)
}

/// A snapshot built from a capture under tests/fixtures/ (`NAME.smaps`, `NAME.cmdline`,
/// `NAME.comm`, `NAME.stat`, written by `tests/fixtures/capture-pmap.sh`), as vasmap
/// would have read it from the live process.
pub fn fixture_snapshot(name: &str) -> vasmap::model::Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap();
    let stat = String::from_utf8(read("stat")).unwrap();
    let pid: i32 = stat.split(' ').next().unwrap().parse().unwrap();
    let after_comm: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // Field 28 of stat, counting from 1; `after_comm` starts at field 3.
    let start_stack: u64 = after_comm[25].parse().unwrap();
    let raw_cmdline = read("cmdline");
    let process = vasmap::model::ProcessInfo {
        pid,
        cmdline: vasmap::model::ProcessInfo::cmdline_line(&raw_cmdline),
        comm: vasmap::model::ProcessInfo::comm_line(read("comm")),
        raw_cmdline,
        start_stack: (start_stack != 0).then_some(start_stack),
        ..Default::default()
    };
    let mut fields = Vec::new();
    let mut regions = vasmap::read::parse::parse_smaps(&read("smaps"), &mut fields).unwrap();
    vasmap::read::classify::classify(&mut regions, &process);
    vasmap::model::Snapshot {
        process,
        regions,
        has_smaps: true,
        smaps_fields: fields,
    }
}

/// Build `tests/support/NAME.c` once per test binary with gcc; `None` (and why) where
/// gcc is missing or fails.
pub fn c_helper(name: &str) -> Option<PathBuf> {
    build_support(name, Link::Dynamic)
}

/// How [`build_support`] links a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Link {
    Dynamic,
    /// `gcc -static`: fails where the static C library is not installed.
    Static,
}

/// Build `tests/support/NAME.c` once per test binary and way of linking; `None` (and
/// why) where gcc is missing or fails.
fn build_support(name: &str, link: Link) -> Option<PathBuf> {
    use std::collections::HashMap;
    /// What has been built: the program, or `None` where the build failed.
    type Built = HashMap<(String, Link), Option<PathBuf>>;
    static BUILT: Mutex<Option<Built>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let built = built.get_or_insert_with(HashMap::new);
    built
        .entry((name.to_string(), link))
        .or_insert_with(|| {
            let (suffix, flags): (&str, &[&str]) = match link {
                Link::Dynamic => ("", &["-O1", "-pthread", "-o"]),
                Link::Static => ("-static", &["-O1", "-pthread", "-static", "-o"]),
            };
            static DIR: OnceLock<Option<&'static Path>> = OnceLock::new();
            let dir = (*DIR.get_or_init(|| dir_for_this_run("vasmap-support")))?;
            let out = dir.join(format!("{name}{suffix}-{}", std::process::id()));
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/support/{name}.c"));
            match Command::new("gcc").args(flags).arg(&out).arg(&src).status() {
                Ok(s) if s.success() => Some(out),
                _ if link == Link::Static => {
                    eprintln!("note: gcc -static failed for {name}.c; using the dynamic build");
                    None
                }
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

/// A running helper from tests/support that said `ready PID`; killed on drop.
pub struct Helper {
    pub pid: i32,
    process: Ready,
}

impl Helper {
    /// Build and start `tests/support/NAME.c` with ARGS, and wait for its `ready` line.
    pub fn start(name: &str, args: &[&str]) -> Option<Helper> {
        let bin = c_helper(name)?;
        let process = Ready::start(Command::new(bin).args(args), name);
        let pid = process.said.parse().expect("a pid after ready");
        Some(Helper { pid, process })
    }
}

/// A command that runs the built vasmap as user `nobody` (uid and gid 65534, no
/// supplementary groups) through `setpriv`, from a copy of the binary that nobody can
/// execute. `None`, with the reason printed, where the tests do not run as root or
/// setpriv is missing.
pub fn vasmap_as_nobody() -> Option<Command> {
    use std::os::unix::fs::PermissionsExt;
    static COPY: OnceLock<Option<PathBuf>> = OnceLock::new();
    if !is_root() {
        eprintln!("skipping: running as another user needs root");
        return None;
    }
    if !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipping: /usr/bin/setpriv (util-linux) is not installed");
        return None;
    }
    let bin = COPY
        .get_or_init(|| {
            let dir = dir_for_this_run("vasmap-bin")?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).ok()?;
            let bin = dir.join("vasmap");
            copy_program(env!("CARGO_BIN_EXE_vasmap"), &bin).ok()?;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).ok()?;
            Some(bin)
        })
        .as_ref()?;
    let mut cmd = Command::new("/usr/bin/setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin);
    Some(cmd)
}

/// A temporary directory that lives as long as this test binary and is removed when it
/// exits. A `TempDir` kept in a `static` is never dropped, so it would be left behind on
/// every run (75 MB each for a copy of vasmap: 253 of them once filled the disk CI runs on).
pub fn dir_for_this_run(prefix: &str) -> Option<&'static Path> {
    static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    extern "C" fn remove_all() {
        if let Ok(dirs) = DIRS.lock() {
            for dir in dirs.iter() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .ok()?
        .keep();
    REGISTERED.call_once(|| {
        // SAFETY: `remove_all` is an `extern "C" fn()` that neither unwinds nor calls
        // `exit`; libtest leaves `main` through `exit`, which runs it.
        unsafe { libc::atexit(remove_all) };
    });
    DIRS.lock().ok()?.push(dir.clone());
    Some(Box::leak(dir.into_boxed_path()))
}

/// Copy the program `from` to `to`, to be run. The copy is written by `cp`, in a process
/// of its own: a file this process held open for writing would be inherited by a child
/// another test thread forks at that moment, and running the copy while that child has
/// not yet exec'd fails with `ETXTBSY` ("Text file busy", seen in CI).
pub fn copy_program(from: impl AsRef<Path>, to: impl AsRef<Path>) -> std::io::Result<()> {
    let status = Command::new("cp")
        .arg("--")
        .arg(from.as_ref())
        .arg(to.as_ref())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "cp {} {}: {status}",
            from.as_ref().display(),
            to.as_ref().display()
        )))
    }
}

/// True when the tests run as root.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Assert that output is safe for a terminal: valid UTF-8, no byte below 0x20 but the
/// newline, no DEL, no C1 control, no bidirectional control character, and none of the
/// other characters vasmap escapes (format and default-ignorable characters, line and
/// paragraph separators: `vasmap::text::is_unsafe_char`).
pub fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    for (i, c) in text.char_indices() {
        let bad = (c < ' ' && c != '\n')
            || c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || (c != '\n' && vasmap::text::is_unsafe_char(c));
        if bad {
            // Some context, cut at character boundaries (str::floor_char_boundary is
            // newer than the crate's rust-version).
            let mut from = i.saturating_sub(60);
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            let mut to = (i + 20).min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            panic!(
                "{what}: unsafe character {c:?} at byte {i}: ...{}...",
                &text[from..to]
            );
        }
    }
}

/// Run vasmap with `args` on a pseudo-terminal of `cols` columns (util-linux `script`),
/// colour on, and return what the terminal got: `\r\n` back to `\n`, vasmap's SGR colour
/// sequences removed (any other escape byte is left for the caller to find). `None`, and
/// why, where `script` is missing.
pub fn on_terminal(cols: u16, args: &[&str]) -> Option<String> {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipping the terminal run: /usr/bin/script (util-linux) is not installed");
        return None;
    }
    let mut cmd = format!(
        "stty cols {cols} rows 50; '{}'",
        env!("CARGO_BIN_EXE_vasmap")
    );
    for a in args {
        cmd.push_str(&format!(" '{a}'"));
    }
    let out = Command::new("/usr/bin/script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Some(strip_sgr(&text))
}

/// `text` without SGR sequences (`ESC [ digits;... m`).
pub fn strip_sgr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find(|c: char| !(c.is_ascii_digit() || c == ';'));
        match end {
            Some(e) if after[e..].starts_with('m') => rest = &after[e + 1..],
            _ => {
                out.push_str("\x1b[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
