//! Issue 11, "every promise kept": a test for each class of the issue that is not in a
//! file of its own (the exiting race is tests/exiting.rs, hostile ELF files
//! tests/hostile_elf.rs, the demo tests/demo.rs, format characters tests/unicode.rs,
//! one huge name tests/long_names.rs, argument errors tests/cli_errors.rs, the
//! command line's output errors tests/cli.rs).

mod common;

use std::path::PathBuf;
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
    std::fs::copy(&helper, &bin).unwrap();
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
