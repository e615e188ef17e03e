//! vasmap on every input: hostile names, processes that vanish, processes it may not read,
//! huge address spaces, awkward files for the demo, and output that cannot be written.
//! See docs/errors.md for the messages these tests expect.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{
    Awkward, Helper, assert_terminal_safe, is_root, run_pmap, run_vasmap, vasmap_as_nobody,
};
use vasmap::read::proc::{ProcDir, ReadOptions, SourceError};

fn vasmap() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vasmap"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The number of mapping rows in a table view: its total line says, and the rows between
/// the header rule and the total line must agree.
fn table_rows(out: &str) -> usize {
    let lines: Vec<&str> = out.lines().collect();
    let rule = lines
        .iter()
        .position(|l| l.starts_with('─'))
        .expect("a header rule");
    let total = lines
        .iter()
        .rposition(|l| l.starts_with(" total "))
        .expect("a total line");
    let said: usize = lines[total]
        .split(" in ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("`in N mappings` in the total line");
    assert_eq!(total - rule - 1, said, "rows vs the total line");
    said
}

/// Wait until `pid` is a zombie (its state letter is Z).
fn wait_for_zombie(pid: u32) {
    for _ in 0..500 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z'))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{pid} did not become a zombie");
}

// ---------------------------------------------------------------------------------------
// Hostile names

#[test]
fn hostile_names_are_escaped_in_every_view() {
    let Some(p) = Awkward::start_with_4000_byte_name() else {
        return;
    };
    let pid = p.pid.to_string();
    assert_every_view_is_safe(&pid);
    // The table shows each name whole and unambiguously.
    let (out, _, _) = run_vasmap(&["-p", &pid]);
    let out = text(&out);
    for shown in [
        r"esc\e[31mred",
        r"new\nline",
        r"bad\xff\xfeutf8",
        r"rtl\u{202e}txt.exe",
        r"back\\slash",
        r"two  spaces and trailing\x20",
        "héllo wörld",
        "/[heap]",
    ] {
        assert!(out.contains(shown), "{shown:?} missing from\n{out}");
    }
    // The 4000-byte path, whole, on one line.
    let long = out
        .lines()
        .find(|l| l.contains("4000.txt"))
        .expect("the 4000-byte path");
    let path = &long[long.find('/').expect("a path")..];
    assert_eq!(path.len(), 4000, "{path}");
    assert_eq!(table_rows(&out), maps_lines(p.pid));
}

/// Run vasmap with ARGS on a pseudo-terminal (util-linux `script`), and return what it
/// printed there, with the terminal's `\r\n` turned back into `\n`; `None` (and why)
/// where `script` is missing.
fn run_in_terminal(args: &[&str]) -> Option<Vec<u8>> {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipping the terminal run: /usr/bin/script (util-linux) is not installed");
        return None;
    }
    let mut cmd = format!("'{}'", env!("CARGO_BIN_EXE_vasmap"));
    for a in args {
        cmd.push_str(&format!(" '{a}'"));
    }
    let out = Command::new("/usr/bin/script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd} on a terminal: {}",
        text(&out.stdout)
    );
    let mut bytes = Vec::with_capacity(out.stdout.len());
    for (i, &b) in out.stdout.iter().enumerate() {
        if !(b == b'\r' && out.stdout.get(i + 1) == Some(&b'\n')) {
            bytes.push(b);
        }
    }
    Some(bytes)
}

/// Remove the SGR colour sequences (`ESC [ digits;... m`) vasmap writes when asked for
/// colour; any other escape byte is left for `assert_terminal_safe` to find.
fn strip_colours(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\x1b[") {
            let body = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            if bytes.get(i + 2 + body) == Some(&b'm') {
                i += 3 + body;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Run every view on process `pid` (the table and pmap output with each of their options,
/// the layout picture as text, in colour and as SVG) into a pipe and on a terminal, and
/// check that none lets a control character through.
fn assert_every_view_is_safe(pid: &str) {
    let pid = pid.to_string();
    let mut views: Vec<Vec<&str>> = Vec::new();
    for flags in [
        &[][..],
        &["-p"],
        &["-x"],
        &["-X"],
        &["-XX"],
        &["-d"],
        &["-q"],
        &["-x", "-p"],
        &["-d", "-p"],
        &["--explain"],
        &["--explain", "-x"],
        &["-A", "0,ffffffffffffffff"],
    ] {
        let mut table = flags.to_vec();
        table.push(&pid);
        views.push(table);
        if !flags.contains(&"--explain") {
            let mut pmap = vec!["--pmap"];
            pmap.extend_from_slice(flags);
            pmap.push(&pid);
            views.push(pmap);
        }
    }
    // The views and filters that came with the JSON, summary and lookup work.
    let maps = std::fs::read(format!("/proc/{pid}/maps")).expect("read maps");
    let addr = text(&maps[..maps.iter().position(|&b| b == b'-').expect("a range")]);
    for flags in [
        &["--json"][..],
        &["--json", "-x"],
        &["-o", "csv"],
        &["-o", "csv", "-x"],
        &["--summary"],
        &["--sort", "size"],
        &["--kind", "file"],
        &["--name", "*"],
        &["--color", "always"],
        &["--color", "always", "-x", "--explain"],
        &["--totals"],
    ] {
        let mut v = flags.to_vec();
        v.push(&pid);
        views.push(v);
    }
    views.push(vec!["--addr", &addr, &pid]);
    views.push(vec!["--addr", &addr, "--json", &pid]);
    views.push(vec!["diff", &pid, &pid]);
    views.push(vec!["layout", &pid]);
    views.push(vec!["layout", &pid, "--color", "always"]);
    views.push(vec!["layout", &pid, "--svg", "-"]);
    for args in &views {
        let (out, err, code) = run_vasmap(args);
        assert_eq!(code, 0, "vasmap {args:?}: {}", text(&err));
        assert!(out.len() > 40, "vasmap {args:?}: {}", text(&out));
        assert_terminal_safe(&format!("vasmap {args:?} stderr"), &err);
        // `--pmap` into a pipe is byte for byte what pmap prints, and pmap -X prints names
        // raw, and in a UTF-8 locale keeps a command line's bidirectional controls: only
        // on a terminal (below) must it be safe.
        let raw_by_contract = args[0] == "--pmap";
        if !raw_by_contract {
            // The only escape sequences allowed are the colours vasmap writes itself.
            assert_terminal_safe(&format!("vasmap {args:?}"), &strip_colours(&out));
        }
        if let Some(out) = run_in_terminal(args) {
            assert_terminal_safe(
                &format!("vasmap {args:?} on a terminal"),
                &strip_colours(&out),
            );
        }
    }
}

#[test]
fn hostile_command_lines_are_escaped_in_every_view() {
    let Some(h) = common::hold_with_args(&[
        b"esc\x1b]0;title\x07\x1b[31mred",
        b"bad\xff\xfe",
        "rtl\u{202e}gpj.exe".as_bytes(),
        b"new\nline\ttab\x7f",
    ]) else {
        return;
    };
    assert_every_view_is_safe(&h.pid.to_string());
    // `watch` names the process in its first line, then waits for changes: stop it.
    let out = Command::new("timeout")
        .args([
            "-s",
            "INT",
            "1",
            env!("CARGO_BIN_EXE_vasmap"),
            "watch",
            "-n",
            "100ms",
        ])
        .arg(h.pid.to_string())
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).starts_with("watching "),
        "{}",
        text(&out.stdout)
    );
    assert_terminal_safe("watch", &out.stdout);
}

fn maps_lines(pid: i32) -> usize {
    std::fs::read(format!("/proc/{pid}/maps"))
        .expect("read maps")
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
}

#[test]
fn hostile_file_names_and_contents_are_escaped_in_the_demo() {
    let name = "demo \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}txt.exe\nline\t ";
    let (dir, path) = common::temp_file(
        name,
        b"text \x1b[31mred\x1b[0m\ttab\r\n\x7f\xff\xfe \xe2\x80\xae end\n",
    );
    let out = vasmap()
        .args(["self", "--map"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_terminal_safe("demo stdout", &out.stdout);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(r"| text \e[31mred\e[0m\ttab\r"), "{stdout}");
    assert!(stdout.contains(r"\x7f\xff\xfe \u{202e} end"), "{stdout}");
    assert!(
        stdout.contains(r"\e]0;pwned\x07\e[2J\u{202e}txt.exe\nline\t\x20"),
        "{stdout}"
    );
    // The demo's map in the other views names the file safely too.
    for flags in [
        &["-x"][..],
        &["-X"],
        &["--explain"],
        &["--pmap"],
        &["--pmap", "-X"],
    ] {
        let out = vasmap()
            .args(["self", "--map"])
            .arg(&path)
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        // Into a pipe, --pmap's header and -X's names are pmap's bytes; on a terminal
        // every view must be safe.
        if flags[0] != "--pmap" {
            assert_terminal_safe(&format!("demo {flags:?}"), &out.stdout);
        }
        let mut args = vec!["self", "--map", path.to_str().unwrap()];
        args.extend_from_slice(flags);
        if let Some(out) = run_in_terminal(&args) {
            assert_terminal_safe(
                &format!("demo {flags:?} on a terminal"),
                &strip_colours(&out),
            );
        }
    }
    // An error about such a file is escaped too.
    let missing = dir.path().join("gone \u{1b}[31m");
    let out = vasmap()
        .args(["self", "--map"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_terminal_safe("demo stderr", &out.stderr);
    assert!(text(&out.stderr).contains(r"gone \e[31m: no such file"));
}

// ---------------------------------------------------------------------------------------
// Processes that disappear

#[test]
fn a_process_gone_before_the_first_read_has_exited() {
    let mut child = Command::new("sleep").arg("100").spawn().unwrap();
    let dir = ProcDir::open(child.id() as i32).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let err = dir.snapshot(ReadOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::Exited { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{0}: process {0} exited while it was being read, so nothing of it is shown; run \
             vasmap while the process runs (a short-lived one can be held in a debugger)",
            child.id()
        )
    );
}

#[test]
fn a_process_gone_between_reads_has_exited() {
    let mut child = Command::new("sleep").arg("100").spawn().unwrap();
    let dir = ProcDir::open(child.id() as i32).unwrap();
    dir.info().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    for smaps in [false, true] {
        let opts = ReadOptions {
            smaps,
            ..ReadOptions::default()
        };
        let err = dir.snapshot(opts).unwrap_err();
        assert!(matches!(err, SourceError::Exited { .. }), "{err}");
    }
    let err = dir.read("smaps").unwrap_err();
    assert!(matches!(err, SourceError::Exited { .. }), "{err}");
}

#[test]
fn a_process_gone_in_the_middle_of_a_read_is_caught() {
    // A large maps file is read in several pieces; the process is killed after the first.
    let Some(helper) = Helper::start("many_maps", &["4000"]) else {
        return;
    };
    let pid = helper.pid;
    let dir = ProcDir::open(pid).unwrap();
    let whole = dir.read("maps").unwrap();
    let mut f = dir.open_file("maps").unwrap();
    let mut first = vec![0; 4096];
    let n = f.read(&mut first).unwrap();
    assert!(n > 0);
    drop(helper); // kill and reap
    let mut rest = Vec::new();
    let _ = f.read_to_end(&mut rest);
    // The kernel ends the file early without an error: only a check afterwards tells.
    assert!(n + rest.len() < whole.len(), "the read was not cut short");
    let err = dir.ensure_whole(None).unwrap_err();
    assert!(matches!(err, SourceError::Exited { .. }), "{err}");
}

#[test]
fn a_zombie_is_told_and_a_reaped_process_is_gone() {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    wait_for_zombie(pid);
    let (out, err, code) = run_vasmap(&[&pid.to_string()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        text(&err),
        format!(
            "vasmap: {pid}: process {pid} is a zombie (it exited and its parent has not reaped \
             it yet): it has no address space left to show; its parent is the pid in \
             `ps -o ppid= -p {pid}`\n"
        )
    );
    child.wait().unwrap();
    let (out, err, code) = run_vasmap(&[&pid.to_string()]);
    assert_eq!((code, out.len()), (1, 0));
    assert!(text(&err).contains("no such process"), "{}", text(&err));
}

#[test]
fn a_process_whose_main_thread_exited_is_read_through_another_thread() {
    let Some(helper) = Helper::start("leader_exits", &[]) else {
        return;
    };
    let pid = helper.pid.to_string();
    let (out, err, code) = run_vasmap(&[&pid]);
    assert_eq!(code, 0, "{}", text(&err));
    let out = text(&out);
    assert!(out.contains("libc.so.6"), "{out}");
    assert!(out.contains("program"), "{out}");
    assert!(table_rows(&out) > 10);
}

/// Many short-lived processes, each read by vasmap while it starts, maps memory, exits and
/// is reaped: every run must end in a whole table or in one of the messages for a process
/// that is not there, and never in a panic or a partial table.
#[test]
fn racing_short_lived_processes_never_gives_a_partial_table() {
    let Some(bin) = common::c_helper("many_maps") else {
        return;
    };
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for i in 0..60 {
        let mut child = Command::new(&bin)
            .arg(["100", "1000", "3000"][i % 3])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        // Reap it as soon as it exits, while vasmap may be reading it.
        let reaper = std::thread::spawn(move || child.wait());
        let args: &[&str] = if i % 2 == 0 {
            &[&pid]
        } else {
            &["--pmap", &pid]
        };
        let (out, err, code) = run_vasmap(args);
        reaper.join().unwrap().unwrap();
        let (out, err) = (text(&out), text(&err));
        assert!(!err.contains("panicked"), "{err}");
        match code {
            0 => {
                assert!(err.is_empty(), "{err}");
                if i % 2 == 0 {
                    table_rows(&out);
                } else {
                    assert!(out.lines().last().unwrap().starts_with(" total "), "{out}");
                }
                *outcomes.entry("shown whole").or_default() += 1;
            }
            1 => {
                // Nothing, except that --pmap prints what pmap prints for a zombie: its
                // header marked <defunct> and a zero total.
                let pmap_zombie = i % 2 == 1
                    && err.contains("is a zombie")
                    && out.lines().count() == 2
                    && out
                        .lines()
                        .next()
                        .is_some_and(|l| l.ends_with("] <defunct>"))
                    && out.ends_with("\n total                0K\n");
                assert!(out.is_empty() || pmap_zombie, "exit 1 with output:\n{out}");
                assert_eq!(err.lines().count(), 1, "{err}");
                let kind = [
                    ("exited while it was being read", "exited while read"),
                    ("no such process", "no such process"),
                    ("is a zombie", "zombie"),
                ]
                .into_iter()
                .find(|(m, _)| err.contains(m))
                .unwrap_or_else(|| panic!("unexpected error: {err}"))
                .1;
                *outcomes.entry(kind).or_default() += 1;
            }
            other => panic!("exit {other}: {err}"),
        }
    }
    eprintln!("outcomes of 60 races: {outcomes:?}");
}

// ---------------------------------------------------------------------------------------
// Processes vasmap may not read

#[test]
fn another_users_process_is_refused_with_advice() {
    let Some(mut cmd) = vasmap_as_nobody() else {
        return;
    };
    let mut root_sleep = Command::new("sleep").arg("100").spawn().unwrap();
    let pid = root_sleep.id();
    let out = cmd.arg(pid.to_string()).output().unwrap();
    root_sleep.kill().unwrap();
    root_sleep.wait().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        format!(
            "vasmap: {pid}: permission denied reading /proc/{pid}/maps: the process belongs to \
             uid 0 and vasmap runs as uid 65534; reading another user's memory map needs ptrace \
             read access: run vasmap as that user, or as root (sudo)\n"
        )
    );
}

/// A file `name` holding `contents` with permissions `mode`, in a new directory anyone may
/// search (a temporary directory is 0700 at first), so that only `mode` decides whether
/// another user can read it. The directory goes when the first value is dropped.
fn file_in_open_dir(
    name: &str,
    contents: &str,
    mode: u32,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, file) = common::temp_file(name, contents);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    (dir, file)
}

#[test]
fn nobody_can_run_vasmap_on_its_own_processes() {
    // Nothing escalates: vasmap needs no privilege for what its user owns.
    let Some(mut cmd) = vasmap_as_nobody() else {
        return;
    };
    let (_dir, file) = file_in_open_dir("note.txt", "readable by all\n", 0o644);
    let out = cmd.args(["self", "--map"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("| readable by all"));
    let meta = std::fs::metadata(env!("CARGO_BIN_EXE_vasmap")).unwrap();
    assert_eq!(
        meta.permissions().mode() & 0o6000,
        0,
        "setuid or setgid bit"
    );
}

/// Run `script` (sh) in a new mount namespace with a private /proc mounted with
/// `hidepid=MODE`; `None` with a printed reason where that cannot be done.
fn in_hidepid_namespace(mode: &str, script: &str) -> Option<std::process::Output> {
    if !is_root() {
        eprintln!("skipping: mounting a proc with hidepid needs root");
        return None;
    }
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!("mount -t proc -o hidepid={mode} proc /proc"))
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipping: cannot mount a proc with hidepid={mode} in a new mount namespace: {}",
                text(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("skipping: unshare is not available: {e}");
            return None;
        }
    }
    Some(
        Command::new("unshare")
            .args(["-m", "sh", "-c"])
            .arg(format!(
                "mount -t proc -o hidepid={mode} proc /proc && {script}"
            ))
            .output()
            .unwrap(),
    )
}

fn nobody_prefix() -> Option<String> {
    let cmd = vasmap_as_nobody()?;
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| format!("'{}'", a.to_string_lossy())));
    Some(words.join(" "))
}

/// vasmap run as nobody, in a /proc mounted with `hidepid=MODE`, on a `sleep` of root's;
/// the sleep's pid and vasmap's output, or `None` where the test cannot be set up.
fn nobody_reads_root_process(mode: &str) -> Option<(u32, std::process::Output)> {
    let nobody = nobody_prefix()?;
    let mut root_sleep = Command::new("sleep").arg("100").spawn().unwrap();
    let pid = root_sleep.id();
    let out = in_hidepid_namespace(mode, &format!("{nobody} {pid}"));
    root_sleep.kill().unwrap();
    root_sleep.wait().unwrap();
    Some((pid, out?))
}

#[test]
fn hidepid_invisible_is_told() {
    let Some((pid, out)) = nobody_reads_root_process("2") else {
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "vasmap: {pid}: process {pid} exists but /proc does not show it to vasmap: /proc is \
             mounted with hidepid=invisible, which hides other users' processes; run vasmap as \
             the process's user, or as root\n"
        )
    );
}

#[test]
fn a_pid_that_does_not_exist_is_no_such_process_under_hidepid_too() {
    // The kernel hides other users' processes and answers ENOENT for a pid that is not
    // there at all: vasmap tells the two apart with kill(pid, 0), never calling a missing
    // pid hidden (or a hidden one missing).
    let Some(nobody) = nobody_prefix() else {
        return;
    };
    let missing = 4_194_000;
    if std::path::Path::new(&format!("/proc/{missing}")).exists() {
        eprintln!("skipping: pid {missing} exists here");
        return;
    }
    for mode in ["2", "1"] {
        let Some(out) = in_hidepid_namespace(mode, &format!("{nobody} {missing}")) else {
            return;
        };
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr),
            format!("vasmap: {missing}: no such process (check the pid with `ps -p {missing}`)\n"),
            "hidepid={mode}"
        );
    }
}

#[test]
fn hidepid_noaccess_is_told() {
    let Some((pid, out)) = nobody_reads_root_process("1") else {
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "vasmap: {pid}: permission denied reading /proc/{pid}/"
        )),
        "{err}"
    );
    assert!(
        err.ends_with(
            "/proc is mounted with hidepid=noaccess, so only a process's owner (and root) may \
             read its files: run vasmap as the process's user, or as root\n"
        ),
        "{err}"
    );
}

#[test]
fn a_kernel_thread_is_told() {
    let (out, err, code) = run_vasmap(&["2"]);
    assert_eq!((code, out.len()), (1, 0));
    assert_eq!(
        text(&err),
        "vasmap: 2: [kthreadd] is a kernel thread: it has no user address space to show; pick \
         a user process (`ps -e` shows kernel threads in [brackets])\n"
    );
}

#[test]
fn root_refused_is_not_told_to_use_sudo() {
    // On some machines (a firecracker VM's init, here) even root gets EACCES on
    // /proc/1/maps; the message must say so rather than suggest sudo.
    if !is_root() || std::fs::File::open("/proc/1/maps").is_ok() {
        eprintln!("skipping: /proc/1/maps is readable here, or the tests do not run as root");
        return;
    }
    let (out, err, code) = run_vasmap(&["1"]);
    assert_eq!((code, out.len()), (1, 0));
    assert_eq!(
        text(&err),
        "vasmap: 1: permission denied reading /proc/1/maps: the kernel refused even root with \
         CAP_SYS_PTRACE: a security module or kernel policy protects this process, and neither \
         vasmap nor sudo can get past that\n"
    );
}

// ---------------------------------------------------------------------------------------
// Huge address spaces

#[test]
fn a_huge_address_space_is_shown_whole() {
    // As many mappings as the kernel allows, less room for the process's own.
    let max: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(65530);
    let n = (max.saturating_sub(200)).min(65_000).to_string();
    let Some(helper) = Helper::start("many_maps", &[&n]) else {
        return;
    };
    let pid = helper.pid.to_string();
    let lines = maps_lines(helper.pid);
    assert!(lines >= n.parse::<usize>().unwrap(), "{lines} mappings");
    let (out, err, code) = run_vasmap(&[&pid]);
    assert_eq!(code, 0, "{}", text(&err));
    assert_eq!(table_rows(&text(&out)), lines);
    if let Some((want, _)) = run_pmap(&[&pid]) {
        let (got, err, code) = run_vasmap(&["--pmap", &pid]);
        assert_eq!(code, 0, "{}", text(&err));
        assert!(got == want, "--pmap differs from pmap on {lines} mappings");
    }
}

// ---------------------------------------------------------------------------------------
// The demo's file

/// Make a FIFO at `path` (a file whose open waits for a writer).
fn mkfifo(path: &std::path::Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

fn demo(file: &std::path::Path) -> (String, String, i32) {
    let out = vasmap().args(["self", "--map"]).arg(file).output().unwrap();
    (
        text(&out.stdout),
        text(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn demo_refuses_what_is_not_a_readable_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let cases = [
        (
            dir.path().join("missing"),
            "no such file (give the path of an existing file to --map)",
        ),
        (
            dir.path().to_path_buf(),
            "is a directory; --map takes a regular file",
        ),
        (
            fifo,
            "not a regular file (a FIFO, socket or device cannot be shown this way); --map takes a regular file",
        ),
        (
            "/dev/zero".into(),
            "not a regular file (a FIFO, socket or device cannot be shown this way); --map takes a regular file",
        ),
        (
            empty,
            "the file is empty, and mmap cannot map zero bytes; put some text in it first",
        ),
    ];
    for (path, message) in cases {
        let (out, err, code) = demo(&path);
        assert_eq!(code, 1, "{}: {err}", path.display());
        assert_eq!(err, format!("vasmap: {}: {message}\n", path.display()));
        // The other rows are still shown: the demo's own map.
        assert!(out.contains(" total "), "{out}");
    }
}

#[test]
fn demo_file_without_read_permission_is_refused() {
    let Some(mut cmd) = vasmap_as_nobody() else {
        return;
    };
    let (_dir, secret) = file_in_open_dir("secret", "root only\n", 0o600);
    let out = cmd.args(["self", "--map"]).arg(&secret).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "vasmap: {}: permission denied: vasmap needs to read the file to map it\n",
            secret.display()
        )
    );
}

#[test]
fn demo_maps_a_file_larger_than_memory_and_reads_only_a_bounded_part() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("sparse-64g");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(64 << 30).unwrap();
    (&f).write_all(b"the start of a sparse file\n").unwrap();
    drop(f);
    let before = std::fs::metadata(&big).unwrap();
    let (out, err, code) = demo(&big);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("68719476736 bytes of file in 16777216 pages"),
        "{out}"
    );
    assert!(out.contains("| the start of a sparse file"), "{out}");
    assert!(out.contains("(only the first 64 MiB were read"), "{out}");
    let resident: u64 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("resident after reading "))
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a resident-after line");
    assert!(resident <= 64 * 1024 + 64, "{resident} kB resident");
    // Nothing was written to the file.
    let after = std::fs::metadata(&big).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
}

#[test]
fn demo_survives_a_file_truncated_after_it_was_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinking.txt");
    let body: String = (0..2000).map(|i| format!("line {i:05}\n")).collect();
    std::fs::write(&path, &body).unwrap(); // 22 000 bytes: 6 pages
    let mut child = vasmap()
        .args(["self", "--map"])
        .arg(&path)
        .env("VASMAP_TEST_PAUSE_AFTER_MAP", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut said = [0u8; 29];
    stderr.read_exact(&mut said).unwrap();
    assert_eq!(&said, b"vasmap: paused after mapping\n");
    // Another process shrinks the file to 100 bytes while it is mapped.
    let status = Command::new("truncate")
        .args(["-s", "100"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(out.status.code(), Some(0), "killed by a signal? {rest}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("the file was cut to 100 bytes after it was mapped: the page at 0x")
            && stdout.contains("is past its new end, and touching it would raise SIGBUS"),
        "{stdout}"
    );
    assert!(stdout.contains("| line 00000"), "{stdout}");
    assert!(!stdout.contains("line 00010"), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// Output that cannot be written

#[test]
fn a_closed_pipe_ends_quietly_with_0() {
    // Enough rows to overflow the pipe's buffer, so that vasmap really meets the closed end.
    let Some(helper) = Helper::start("many_maps", &["20000"]) else {
        return;
    };
    for view in ["", "--pmap"] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{}' {view} {} | head -1; echo \"status ${{PIPESTATUS[0]}}\"",
                env!("CARGO_BIN_EXE_vasmap"),
                helper.pid
            ))
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert!(stdout.starts_with(&format!("{}:", helper.pid)), "{stdout}");
        assert!(stdout.ends_with("\nstatus 0\n"), "{view}: {stdout}");
        assert!(out.stderr.is_empty(), "{view}: {}", text(&out.stderr));
    }
}

#[test]
fn a_closed_pipe_ends_json_and_csv_quietly_with_0() {
    // JSON is written through serde_json, which wraps the write error it meets: a closed
    // pipe must still be recognised as one (it was reported as "cannot write the output:
    // Broken pipe" with status 1). many.maps is 2,124 mappings: more than a pipe holds.
    for view in ["--json", "--output csv"] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{}' {view} --from tests/fixtures/many.maps | head -c 10; echo; echo \"status ${{PIPESTATUS[0]}}\"",
                env!("CARGO_BIN_EXE_vasmap"),
            ))
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert!(stdout.ends_with("\nstatus 0\n"), "{view}: {stdout}");
        assert!(out.stderr.is_empty(), "{view}: {}", text(&out.stderr));
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_0() {
    let me = std::process::id();
    for cmd in [
        format!("'{}' {me} >&-", env!("CARGO_BIN_EXE_vasmap")),
        format!(
            "'{}' self --map examples/message.txt >&-",
            env!("CARGO_BIN_EXE_vasmap")
        ),
    ] {
        let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{cmd}: {}", text(&out.stderr));
    }
}

#[test]
fn a_full_disk_is_one_line_and_status_1() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let me = std::process::id().to_string();
    for args in [
        vec![me.as_str()],
        vec!["--pmap", &me],
        vec!["self", "--map", "examples/message.txt"],
        vec!["layout", &me],
        vec!["--explain", &me],
    ] {
        let out = vasmap().args(&args).stdout(full()).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            "vasmap: cannot write the output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
    // An error message that cannot be written is no panic either, in any command.
    for args in [
        vec!["4194304"],
        vec!["--from", "/nonexistent/capture"],
        vec!["diff", "/nonexistent/capture", &me],
        vec!["watch", "4194304"],
        vec!["layout", "4194304"],
    ] {
        let out = vasmap().args(&args).stderr(full()).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    // ... nor does it stop the demo from showing the files it could map.
    let out = vasmap()
        .args([
            "self",
            "--map",
            "/nonexistent/file",
            "--map",
            "examples/message.txt",
        ])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("| Hello world from the virtual address space!"));
}

// ---------------------------------------------------------------------------------------
// Saved captures (`vasmap layout FILE`)

#[test]
fn a_saved_capture_that_is_not_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk \u{1b}[31m");
    std::fs::write(&junk, b"\x00\x01 not a maps file\n\xff\n").unwrap();
    let cases = [
        (
            "/dev/zero".to_string(),
            "vasmap: /dev/zero: not a maps or smaps capture (a device, or larger than 256 MiB); \
             save one with `cat /proc/PID/smaps > FILE`\n"
                .to_string(),
        ),
        (
            dir.path().join("missing").display().to_string(),
            format!(
                "vasmap: {}/missing: cannot read the file: No such file or directory (os error 2)\n",
                dir.path().display()
            ),
        ),
        (
            junk.display().to_string(),
            format!(
                "vasmap: {}/junk \\e[31m: not a maps or smaps capture (line 1: a smaps field before the \
                 first mapping line); save one with `cat /proc/PID/smaps > FILE`\n",
                dir.path().display()
            ),
        ),
    ];
    for (path, message) in cases {
        let (out, err, code) = run_vasmap(&["layout", &path]);
        assert_eq!((code, out.len()), (1, 0), "{path}");
        assert_eq!(text(&err), message);
    }
}

#[test]
fn a_json_file_of_several_pids_is_refused_where_one_is_read() {
    let me = std::process::id().to_string();
    let (json, _, code) = run_vasmap(&["--json", &me, &me]);
    assert_eq!(code, 0);
    let (_dir, path) = common::temp_file("two.json", json);
    let path = path.to_str().unwrap();
    for args in [vec!["layout", path], vec!["diff", path, &me]] {
        let (out, err, code) = run_vasmap(&args);
        assert_eq!((code, out.len()), (1, 0), "{args:?}");
        assert_eq!(
            text(&err),
            format!(
                "vasmap: {path}: the JSON file holds 2 snapshots (one per pid); diff and layout \
                 take one: save each pid to its own file (`vasmap --json PID > FILE`)\n"
            ),
            "{args:?}"
        );
    }
}

#[test]
fn a_capture_with_a_broken_old_thread_stack_name_is_shown() {
    // `[stack:TID]` is what kernels before 4.5 wrote; a capture can end it anywhere
    // (`[stack:` alone once panicked with a slice from 7 to 6).
    let (_dir, capture) = common::temp_file(
        "old.maps",
        "1000-2000 rw-p 00000000 00:00 0                          [stack:\n\
         3000-4000 rw-p 00000000 00:00 0                          [stack:77]\n",
    );
    let path = capture.to_str().unwrap();
    for (args, shows) in [
        (vec!["--from", path], "thread stack  [stack:\n"),
        (vec!["layout", path], "thread stack  2 threads"),
        (vec!["--json", "--from", path], r#""name":"[stack:""#),
    ] {
        let (out, err, code) = run_vasmap(&args);
        assert_eq!(code, 0, "{args:?}: {}", text(&err));
        assert!(text(&out).contains(shows), "{args:?}: {}", text(&out));
    }
}

#[test]
fn explain_never_waits_on_a_fifo_put_where_a_mapped_file_was() {
    // The path in maps is opened in vasmap's mount namespace, where it may name anything
    // by now: here a FIFO with no writer, which a plain open() would wait on forever.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lib.so");
    mkfifo(&fifo);
    let line = format!(
        "7f0000000000-7f0000001000 r-xp 00000000 fe:00 12345                     {}\n",
        fifo.display()
    );
    let mut fields = Vec::new();
    let (mut regions, _) = vasmap::read::parse::parse_any(line.as_bytes(), &mut fields).unwrap();
    let info = vasmap::model::ProcessInfo::default();
    vasmap::read::classify::classify(&mut regions, &info);
    let snap = vasmap::model::Snapshot {
        process: info,
        regions,
        has_smaps: false,
        smaps_fields: fields,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let shown = vasmap::teach::explain::explain_all(&snap);
        let _ = tx.send(shown.len());
    });
    let n = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("explain is still waiting on the FIFO");
    assert_eq!(n, 1);
}

#[test]
fn json_carries_every_name_exactly() {
    let Some(p) = Awkward::start_with_4000_byte_name() else {
        return;
    };
    let (out, err, code) = run_vasmap(&["--json", &p.pid.to_string()]);
    assert_eq!(code, 0, "{}", text(&err));
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    let maps = std::fs::read(format!("/proc/{}/maps", p.pid)).unwrap();
    let kernel = vasmap::read::parse::parse_maps(&maps).unwrap();
    let regions = doc["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), kernel.len());
    let mut checked = 0;
    for (json, k) in regions.iter().zip(&kernel) {
        let exact: Vec<u8> = match json.get("name_bytes") {
            Some(bytes) => bytes
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap() as u8)
                .collect(),
            None => json["name"].as_str().unwrap().as_bytes().to_vec(),
        };
        // The kernel's only escape, `\012` for a newline, is undone in JSON.
        assert_eq!(exact, vasmap::text::unescape_kernel(&k.name).into_owned());
        checked += usize::from(!exact.is_empty());
    }
    let names = text(&out);
    assert!(checked > 20);
    assert!(names.contains("esc\\u001b[31mred"), "ESC is a JSON escape");
    assert!(
        names.contains("rtl\\u202etxt.exe"),
        "so is the RTL override"
    );
}

#[test]
fn a_capture_read_from_a_pipe_is_read_once_and_whole() {
    // `--from <(...)` hands vasmap a pipe: it must not open it a second time (the bytes
    // read first would be lost), and a device must be refused, not read forever.
    let bin = env!("CARGO_BIN_EXE_vasmap");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{bin}' --from <(cat tests/fixtures/simple.maps) && \
             '{bin}' diff <(cat tests/fixtures/simple.maps) <(cat tests/fixtures/simple.maps)"
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(table_rows(&stdout), 24, "{stdout}");
    assert!(stdout.contains("mappings: 24 -> 24 (0)"), "{stdout}");
    let (out, err, code) = run_vasmap(&["--from", "/dev/zero"]);
    assert_eq!((code, out.len()), (1, 0));
    assert!(text(&err).contains("/dev/zero: not a maps or smaps capture"));
}

#[test]
fn hostile_arguments_are_escaped_in_usage_errors() {
    for args in [
        vec!["--\u{1b}[31mx\u{202e}"],
        vec!["--addr", "\u{1b}]0;title\u{7}", "1"],
        vec!["--perms", "\u{7}", "1"],
        vec!["-A", "\u{1b}[2J", "1"],
        vec!["watch", "-n", "\u{1b}[2J", "1"],
        vec!["--kind", "\u{9b}31m", "1"],
    ] {
        let (out, err, code) = run_vasmap(&args);
        assert_eq!((code, out.len()), (2, 0), "{args:?}: {}", text(&err));
        assert_terminal_safe(&format!("usage error for {args:?}"), &err);
        assert!(text(&err).starts_with("error: "), "{}", text(&err));
    }
}

/// A thread id stands for its process, in vasmap's own views as in pmap's: its threads
/// share one address space. The header and the document name the process, the rows are
/// the process's, and stderr says which thread was given (pmap's mode, like pmap, says
/// nothing).
#[test]
fn a_thread_id_shows_its_process_and_says_so() {
    let Some(threads) = Helper::start("threads", &["2"]) else {
        return;
    };
    let pid = threads.pid;
    let tid = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|&t| t != pid)
        .expect("a thread besides the main one");
    let json = |who: i32| {
        let (out, err, code) = run_vasmap(&["--json", &who.to_string()]);
        assert_eq!(code, 0, "{}", text(&err));
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        (doc, text(&err))
    };
    let (by_tid, said) = json(tid);
    let (by_pid, quiet) = json(pid);
    assert_eq!(by_tid["process"]["pid"], pid);
    assert_eq!(
        by_tid["regions"].as_array().map(Vec::len),
        by_pid["regions"].as_array().map(Vec::len)
    );
    assert_eq!(
        said.trim(),
        format!(
            "vasmap: {tid} is a thread of process {pid}, whose address space it shares: \
             showing process {pid}"
        )
    );
    assert!(quiet.is_empty(), "{quiet}");
    for args in [&[][..], &["layout"]] {
        let mut args = args.to_vec();
        let t = tid.to_string();
        args.push(&t);
        let (out, err, _) = run_vasmap(&args);
        assert!(text(&out).starts_with(&format!("{pid}:")), "{}", text(&out));
        assert_eq!(text(&err).trim(), said.trim());
    }
    let (out, err, code) = run_vasmap(&["--pmap", &tid.to_string()]);
    assert_eq!(code, 0);
    assert!(text(&out).starts_with(&format!("{pid}:")), "{}", text(&out));
    assert!(err.is_empty(), "{}", text(&err));
}
