//! Issue 11, "every promise kept": a test for each class of the issue that is not in a
//! file of its own (the exiting race is tests/exiting.rs, hostile ELF files
//! tests/hostile_elf.rs, the demo tests/demo.rs, format characters tests/unicode.rs,
//! one huge name tests/long_names.rs, argument errors tests/cli_errors.rs, the
//! command line's output errors tests/cli.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{assert_terminal_safe, run_vasmap};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The JSON document of `vasmap --json ARGS` (exit 0).
fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// A region's exact name bytes from vasmap's JSON.
fn name_bytes(region: &serde_json::Value) -> Vec<u8> {
    match region.get("name_bytes") {
        Some(b) => b
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u8)
            .collect(),
        None => region["name"].as_str().unwrap().as_bytes().to_vec(),
    }
}

// ---------------------------------------------------------------------------------------
// 11.15: `notdel (deleted)` is not deleted, `lit\012nl` is not a newline

/// The files of the 11.15 test, in a directory anyone may read: (file name, unlink it
/// once mapped).
const AMBIGUOUS: [(&[u8], bool); 5] = [
    (b"notdel (deleted)", false),
    (b"lit\\012nl", false),
    (b"real\nnl", false),
    (b"gone", true),
    (b"gone2 (deleted)", true),
];

/// Map the [`AMBIGUOUS`] files in a `mapfile` helper (as `nobody` when `as_nobody`),
/// unlink those to unlink, and check what vasmap (as the same user) says of each.
fn ambiguous_names_are_told_apart(as_nobody: bool) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let Some(helper) = common::c_helper("mapfile") else {
        return;
    };
    let nobody = if as_nobody {
        match common::vasmap_as_nobody() {
            Some(cmd) => Some(cmd),
            None => return,
        }
    } else {
        None
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = dir.path().join("mapfile");
    common::copy_program(&helper, &bin).unwrap();
    let paths: Vec<PathBuf> = AMBIGUOUS
        .iter()
        .map(|(name, _)| {
            let p = dir.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::write(&p, b"some bytes\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
            p
        })
        .collect();
    let mut cmd = if as_nobody {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let mut child = cmd
        .args(&paths)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let pid: u32 = line.trim().strip_prefix("ready ").unwrap().parse().unwrap();
    for ((_, unlink), path) in AMBIGUOUS.iter().zip(&paths) {
        if *unlink {
            std::fs::remove_file(path).unwrap();
        }
    }
    let vasmap = || match &nobody {
        Some(_) => common::vasmap_as_nobody().unwrap(),
        None => Command::new(env!("CARGO_BIN_EXE_vasmap")),
    };
    let doc = json_of(vasmap().args(["--json", &pid.to_string()]));
    let regions = doc["regions"].as_array().unwrap();
    let of = |file: &[u8]| {
        let want = [dir.path().as_os_str().as_bytes(), b"/", file].concat();
        regions
            .iter()
            .find(|r| {
                name_bytes(r).starts_with(&want) && {
                    let rest = &name_bytes(r)[want.len()..];
                    rest.is_empty() || rest == b" (deleted)"
                }
            })
            .unwrap_or_else(|| panic!("no region for {}", text(file)))
            .clone()
    };
    let who = if as_nobody { "as nobody" } else { "as root" };
    let notdel = of(b"notdel (deleted)");
    assert_eq!(notdel["kind"], "file", "{who}: {notdel}");
    assert!(name_bytes(&notdel).ends_with(b"/notdel (deleted)"), "{who}");
    let lit = of(b"lit\\012nl");
    assert!(name_bytes(&lit).ends_with(b"/lit\\012nl"), "{who}: {lit}");
    let real = of(b"real\nnl");
    assert!(name_bytes(&real).ends_with(b"/real\nnl"), "{who}: {real}");
    assert_eq!(of(b"gone")["kind"], "deleted_file", "{who}");
    let gone2 = of(b"gone2 (deleted)");
    assert_eq!(gone2["kind"], "deleted_file", "{who}");
    assert!(
        name_bytes(&gone2).ends_with(b"/gone2 (deleted) (deleted)"),
        "{who}"
    );
    // The table shows them as they are: the literal backslash doubled, the newline
    // escaped, the kinds as above.
    let out = vasmap()
        .args(["--width", "400", &pid.to_string()])
        .output()
        .unwrap();
    let table = text(&out.stdout);
    assert_terminal_safe("table", &out.stdout);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.ends_with(name))
            .unwrap_or_else(|| panic!("{who}: no row ending {name:?} in\n{table}"))
            .to_string()
    };
    assert!(row("notdel (deleted)").contains(" file "), "{who}: {table}");
    assert!(row(r"lit\\012nl").contains(" file "), "{who}: {table}");
    assert!(row(r"real\nnl").contains(" file "), "{who}: {table}");
    assert!(
        row("gone (deleted)").contains("deleted file"),
        "{who}: {table}"
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_file_named_like_a_deleted_one_or_with_a_literal_escape_is_told_apart_as_root() {
    if !common::is_root() {
        eprintln!("skipping: map_files needs root");
        return;
    }
    ambiguous_names_are_told_apart(false);
}

#[test]
fn a_file_named_like_a_deleted_one_or_with_a_literal_escape_is_told_apart_as_a_user() {
    ambiguous_names_are_told_apart(true);
}

#[test]
fn a_literal_escape_comes_back_from_json_as_it_was() {
    // vasmap's JSON carries the true bytes; read back, the name is still the file's own.
    let region = "7f0000000000-7f0000001000 r--p 00000000 fe:00 12 /tmp/lit\\012nl\n\
                  7f0000001000-7f0000002000 r--p 00000000 fe:00 13 /tmp/notdel (deleted)\n";
    let (_d, capture) = common::temp_file("c.maps", region);
    let doc = json_of(
        Command::new(env!("CARGO_BIN_EXE_vasmap"))
            .args(["--json", "--from"])
            .arg(&capture),
    );
    // From a capture nothing can be told: the kernel's reading (a newline, deleted).
    let regions = doc["regions"].as_array().unwrap();
    assert_eq!(name_bytes(&regions[0]), b"/tmp/lit\nnl");
    assert_eq!(regions[1]["kind"], "deleted_file");
    // A document that says the name is literal keeps it so through --from.
    let mut literal = doc.clone();
    literal["regions"][0]["name"] = "/tmp/lit\\012nl".into();
    literal["regions"][1]["kind"] = "file".into();
    let (_d2, saved) = common::temp_file("lit.json", literal.to_string());
    let back = json_of(
        Command::new(env!("CARGO_BIN_EXE_vasmap"))
            .args(["--json", "--from"])
            .arg(&saved),
    );
    assert_eq!(name_bytes(&back["regions"][0]), b"/tmp/lit\\012nl");
    assert_eq!(back["regions"][1]["kind"], "file");
    let (table, _, code) = run_vasmap(&["-p", "--from", saved.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        text(&table).contains(r"/tmp/lit\\012nl"),
        "{}",
        text(&table)
    );
}

// ---------------------------------------------------------------------------------------
// 11.16: a command line of NULs only

#[test]
fn a_command_line_of_nuls_only_is_shown_as_pmap_shows_it() {
    let Some(_) = common::pmap() else { return };
    let Some(p) = common::Helper::start("noargs", &["some", "arguments", "to", "zero"]) else {
        return;
    };
    let pid = p.pid.to_string();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(
        !cmdline.is_empty() && cmdline.iter().all(|&b| b == 0),
        "{cmdline:?}"
    );
    for flags in [&[][..], &["-x"], &["-d"], &["-q"], &["-X"]] {
        let (theirs, _) = common::run_pmap(&[flags, &[pid.as_str()]].concat()).unwrap();
        let mut args = vec!["--pmap"];
        args.extend_from_slice(flags);
        args.push(&pid);
        let (ours, err, code) = run_vasmap(&args);
        assert_eq!(code, 0, "{}", text(&err));
        let first = |b: &[u8]| text(b).lines().next().unwrap_or("").to_string();
        assert_eq!(first(&ours), first(&theirs), "--pmap {flags:?}");
        assert_eq!(first(&ours), format!("{pid}:   ?"));
    }
    // vasmap's own table names it by its command name.
    let (table, _, _) = run_vasmap(&[&pid]);
    assert!(
        text(&table).starts_with(&format!("{pid}:   [noargs")),
        "{}",
        text(&table)
    );
}

// ---------------------------------------------------------------------------------------
// 11.6: a process whose name is not UTF-8

#[test]
fn a_process_named_in_bytes_that_are_not_utf8_is_read_by_every_view() {
    let Some(p) = common::Helper::start("named", &["fffe", "zero"]) else {
        return;
    };
    let pid = p.pid.to_string();
    assert_eq!(
        std::fs::read(format!("/proc/{pid}/comm")).unwrap(),
        b"\xff\xfe\n"
    );
    let views: &[&[&str]] = &[
        &[],
        &["-x"],
        &["-X"],
        &["-XX"],
        &["-d"],
        &["-p"],
        &["--explain"],
        &["--summary"],
        &["--totals"],
        &["--totals", "--kind", "heap"],
        &["-o", "csv"],
        &["--pmap"],
        &["--pmap", "-x"],
        &["--pmap", "-XX"],
        &["--pmap", "-d"],
        &["--addr", "0x1000"],
        &["layout"],
        &["layout", "--svg", "-"],
        &["diff", "PID"],
    ];
    for flags in views {
        let mut args: Vec<&str> = flags
            .iter()
            .map(|&f| if f == "PID" { pid.as_str() } else { f })
            .collect();
        args.push(&pid);
        let (out, err, code) = run_vasmap(&args);
        assert_eq!(code, 0, "vasmap {args:?}: {}", text(&err));
        assert!(!out.is_empty(), "vasmap {args:?} printed nothing");
        if flags.first() != Some(&"--pmap") {
            assert_terminal_safe(&format!("vasmap {args:?}"), &out);
        }
    }
    // The name, escaped in vasmap's views, exact in JSON, as procps escapes it in pmap's.
    let (table, _, _) = run_vasmap(&[&pid]);
    assert!(
        text(&table).starts_with(&format!("{pid}:   [\\xff\\xfe]")),
        "{}",
        text(&table)
    );
    let (totals, _, _) = run_vasmap(&["--totals", &pid]);
    assert!(text(&totals).starts_with(&format!("{pid}:   [\\xff\\xfe]")));
    let doc = json_of(Command::new(env!("CARGO_BIN_EXE_vasmap")).args(["--json", &pid]));
    assert_eq!(doc["process"]["comm_bytes"], serde_json::json!([255, 254]));
    if let Some((theirs, _)) = common::run_pmap(&["-q", &pid]) {
        let (ours, _, _) = run_vasmap(&["--pmap", "-q", &pid]);
        assert_eq!(text(&ours).lines().next(), text(&theirs).lines().next());
    }
}

// ---------------------------------------------------------------------------------------
// 11.10: the SVG is XML whatever the names hold

#[test]
fn layout_svg_of_names_xml_forbids_parses_as_xml() {
    if Command::new("python3")
        .arg("-c")
        .arg("import xml.etree.ElementTree")
        .output()
        .is_err()
    {
        eprintln!("skipping: python3 is not installed");
        return;
    }
    // Names and a command line holding U+FFFE, U+FFFF, C0 controls, a lone surrogate's
    // bytes and XML's own markup.
    let names: [&[u8]; 5] = [
        "/tmp/x\u{fffe}y\u{ffff}z.so".as_bytes(),
        b"/tmp/ctl\x01\x08\x0b\x0c\x1f.txt",
        b"/tmp/sur\xed\xa0\x80.txt",
        b"/tmp/<svg>&amp;\"'</svg>",
        "/tmp/\u{feff}\u{2028}\u{202e}".as_bytes(),
    ];
    let mut capture = Vec::new();
    for (i, n) in names.iter().enumerate() {
        capture.extend_from_slice(
            format!("7f00000{i}0000-7f00000{i}1000 r--p 00000000 fe:00 1{i} ").as_bytes(),
        );
        capture.extend_from_slice(n);
        capture.push(b'\n');
    }
    let (_d, file) = common::temp_file("hostile\u{fffe}\u{ffff}\x01.maps", &capture);
    let held = common::hold_with_args(&["a\u{ffff}b\u{fffe}".as_bytes(), b"\x01\x02"]);
    let mut svgs = Vec::new();
    let (svg, err, code) = run_vasmap(&["layout", file.to_str().unwrap(), "--svg", "-"]);
    assert_eq!(code, 0, "{}", text(&err));
    svgs.push(("capture", svg));
    if let Some(h) = &held {
        let (svg, err, code) = run_vasmap(&["layout", &h.pid.to_string(), "--svg", "-"]);
        assert_eq!(code, 0, "{}", text(&err));
        svgs.push(("command line", svg));
    }
    for (what, svg) in svgs {
        let mut parse = Command::new("python3")
            .args([
                "-c",
                "import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())",
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(parse.stdin.as_mut().unwrap(), &svg).unwrap();
        let out = parse.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "the SVG of the {what} is not XML: {}\n{}",
            text(&out.stderr),
            text(&svg)
        );
        let svg = text(&svg);
        assert!(
            svg.contains("\\u{fffe}") && svg.contains("\\u{ffff}"),
            "{what}: {svg}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 11.17: `--from` a FIFO with no writer, a pipe, standard input

fn mkfifo(path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn from_a_fifo_without_a_writer_ends_at_once_and_pipes_work() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("capture.fifo");
    mkfifo(&fifo);
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .arg("--from")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It must not wait for a writer: give it ten seconds, then call it a hang.
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("vasmap --from FIFO waits for a writer");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!("vasmap: {}: ", fifo.display())) && err.contains("FIFO"),
        "{err}"
    );
    // A pipe from the shell and standard input are read.
    let bin = env!("CARGO_BIN_EXE_vasmap");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{bin}' --from <(cat /proc/self/maps) && cat /proc/self/maps | '{bin}' --from -"
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).matches("[stack]").count() >= 2,
        "{}",
        text(&out.stdout)
    );
}

// ---------------------------------------------------------------------------------------
// 11.8: `--explain` of a capture opens no FIFO and no device

/// A process blocked opening `fifo` for writing (as `echo hi > FIFO` is until a reader
/// comes); killed on drop.
struct BlockedWriter(std::process::Child);

impl BlockedWriter {
    fn start(fifo: &std::path::Path) -> BlockedWriter {
        let child = Command::new("sh")
            .arg("-c")
            .arg("echo hi > \"$0\"")
            .arg(fifo)
            .spawn()
            .unwrap();
        BlockedWriter(child)
    }

    /// True while it is still waiting for a reader.
    fn still_blocked(&mut self) -> bool {
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.0.try_wait().unwrap().is_none()
    }
}

impl Drop for BlockedWriter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `vasmap --explain --from` a capture of `lines`; its stderr (exit 0 required).
fn explain_capture(dir: &std::path::Path, lines: &str) -> String {
    let capture = dir.join("explain.maps");
    std::fs::write(&capture, lines).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["--explain", "--width", "300", "--from"])
        .arg(&capture)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn explain_of_a_capture_never_opens_a_fifo_even_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let link = dir.path().join("libfifo.so.1");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let mut writer = BlockedWriter::start(&fifo);
    assert!(writer.still_blocked(), "the writer did not block in open");
    let shown = explain_capture(
        dir.path(),
        &format!(
            "7f0000000000-7f0000001000 r-xp 00000000 00:00 0          {fifo}\n\
             7f0000001000-7f0000002000 r-xp 00000000 fe:00 77         {fifo}\n\
             7f0000002000-7f0000003000 r-xp 00000000 fe:00 78         {link}\n",
            fifo = fifo.display(),
            link = link.display()
        ),
    );
    assert!(shown.contains("libfifo.so.1"), "{shown}");
    assert!(
        writer.still_blocked(),
        "vasmap opened the FIFO (the writer blocked in open was released)"
    );
}

#[test]
fn explain_of_a_capture_never_opens_a_device() {
    if !Path::new("/usr/bin/strace").exists() {
        eprintln!("skipping: /usr/bin/strace is not installed (scripts/test.sh installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("libzero.so.1");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let capture = dir.path().join("devices.maps");
    std::fs::write(
        &capture,
        format!(
            "7f0000000000-7f0000001000 r-xp 00000000 00:06 9   /./dev/kmsg\n\
             7f0000001000-7f0000002000 r-xp 00000000 00:00 0   /dev/./kmsg\n\
             7f0000002000-7f0000003000 r-xp 00000000 fe:00 78  {}\n",
            link.display()
        ),
    )
    .unwrap();
    let log = dir.path().join("strace.log");
    let out = Command::new("/usr/bin/strace")
        .args(["-f", "-e", "trace=open,openat,openat2", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_vasmap"))
        .args(["--explain", "--from"])
        .arg(&capture)
        .output()
        .unwrap();
    if !out.status.success() && text(&out.stderr).contains("ptrace") {
        eprintln!("skipping: strace cannot trace here: {}", text(&out.stderr));
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let opens = std::fs::read_to_string(&log).unwrap();
    for path in ["kmsg", "libzero.so.1", "/dev/zero"] {
        let opened: Vec<&str> = opens
            .lines()
            .filter(|l| l.contains(path) && !l.contains("O_PATH"))
            .collect();
        assert!(opened.is_empty(), "vasmap opened {path}: {opened:#?}");
    }
    assert!(text(&out.stdout).contains("kmsg"), "{}", text(&out.stdout));
}

// ---------------------------------------------------------------------------------------
// 11.16: JSON with a byte-order mark, or wrapped in `[...]`

#[test]
fn json_with_a_byte_order_mark_or_in_an_array_is_read() {
    let (json, _, code) = run_vasmap(&["--json", "--from", "tests/fixtures/simple.smaps"]);
    assert_eq!(code, 0);
    let json = text(&json);
    let rows = |file: &std::path::Path| {
        let (out, err, code) = run_vasmap(&["--from", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {}", file.display(), text(&err));
        text(&out)
            .lines()
            .filter(|l| l.starts_with(" 0000"))
            .count()
    };
    let plain = {
        let (_d, f) = common::temp_file("plain.json", &json);
        rows(&f)
    };
    assert!(plain > 20, "{plain}");
    for (name, doc) in [
        ("bom.json", format!("\u{feff}{json}")),
        ("array.json", format!("[{json}]")),
        ("bom-array.json", format!("\u{feff} \n[{json},{json}]")),
    ] {
        let (_d, f) = common::temp_file(name, doc);
        let expect = if name == "bom-array.json" {
            2 * plain
        } else {
            plain
        };
        assert_eq!(rows(&f), expect, "{name}");
    }
}
