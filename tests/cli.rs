//! End-to-end tests of the `vasmap` binary: the demo, the inspector and its errors, and
//! vasmap's own command line (issue 12: flags anywhere, processes by name, bare usage,
//! help written like any output, flags a view does not use, man page and completions).
//! The argument errors' escapes (issue 11.13) are in `tests/cli_errors.rs`.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn vasmap() -> Command {
    Command::cargo_bin("vasmap").expect("the vasmap binary is built by cargo test")
}

#[test]
fn demo_shows_the_file_text_and_marks_its_row() {
    vasmap()
        .args(["self", "--map", "examples/message.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| Hello world from the virtual address space!",
        ))
        .stdout(predicate::str::contains("resident before reading: 0 kB"))
        .stdout(
            predicate::str::is_match(r"file +message\.txt +◀ message\.txt mapped by vasmap")
                .unwrap(),
        )
        .stdout(predicate::str::is_match(r"library +libc\.so\.6").unwrap())
        .stdout(predicate::str::is_match(r"loader +ld-linux").unwrap())
        .stdout(predicate::str::is_match(r"stack +\[stack\]").unwrap());
}

#[test]
fn missing_pid_is_a_clear_error_with_exit_1() {
    vasmap()
        .arg("4194304") // above pid_max's ceiling: never a live pid
        .assert()
        .code(1)
        .stderr("vasmap: 4194304: no such process (check the pid with `ps -p 4194304`)\n");
}

#[test]
fn kernel_thread_says_so() {
    vasmap()
        .arg("2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a kernel thread"));
}

#[test]
fn a_number_that_is_not_a_pid_is_a_usage_error() {
    for arg in ["0", "99999999999"] {
        vasmap()
            .arg(arg)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "'{arg}' is not a process id"
            )));
    }
}

#[test]
fn other_pids_are_still_shown_after_a_failure() {
    let me = std::process::id().to_string();
    vasmap()
        .args(["4194304", &me])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(format!("{me}:   ")))
        .stderr(predicate::str::contains("no such process"));
}

#[test]
fn demo_takes_the_view_options_too() {
    vasmap()
        .args(["self", "--map", "examples/message.txt", "-x", "-d"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"Address +Size +RSS +PSS +Dirty +Swap +Perm +Offset +Device")
                .unwrap(),
        )
        .stdout(predicate::str::contains("RSS").and(predicate::str::contains(" mapped: ")));
}

#[test]
fn table_options_change_the_columns() {
    let me = std::process::id().to_string();
    vasmap().args(["-XX", &me]).assert().success().stdout(
        predicate::str::contains("KernelPageSize").and(predicate::str::contains("VmFlags")),
    );
    vasmap().args(["-X", &me]).assert().success().stdout(
        predicate::str::contains("Referenced").and(predicate::str::contains("VmFlags").not()),
    );
}

// ---------------------------------------------------------------------------------------
// Issue 12: vasmap's own command line

#[test]
fn bare_vasmap_prints_a_short_usage_naming_the_subcommands() {
    let out = vasmap().assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty());
    let usage = String::from_utf8(out.stderr).unwrap();
    assert!(
        usage.starts_with("usage: vasmap [OPTIONS] PID|NAME..."),
        "{usage}"
    );
    for sub in [
        "self",
        "layout",
        "pages",
        "tour",
        "diff",
        "watch",
        "completions",
        "man",
    ] {
        assert!(
            usage
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{sub} "))),
            "{sub} missing from\n{usage}"
        );
    }
    assert!(usage.contains("vasmap -x 4972"), "{usage}");
    assert!(usage.lines().count() < 30, "not short:\n{usage}");
    assert!(usage.lines().all(|l| l.chars().count() <= 100), "{usage}");
}

#[test]
fn dash_h_is_short_and_dash_dash_help_long() {
    let short = vasmap()
        .arg("-h")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let long = vasmap()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let (short, long) = (
        String::from_utf8(short).unwrap(),
        String::from_utf8(long).unwrap(),
    );
    assert!(!short.contains("Examples:") && long.contains("Examples:"));
    assert!(long.contains("Exit status:") && long.contains("Processes by name:"));
    assert!(
        short.len() * 3 / 2 < long.len(),
        "{} vs {}",
        short.len(),
        long.len()
    );
    assert!(short.contains("subcommands win over names"), "{short}");
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> std::process::Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

#[test]
fn help_version_completions_and_man_into_a_closed_pipe_end_quietly_with_0() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["--version"],
        &["layout", "--help"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["man"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
            .args(args)
            .stdout(closed_pipe())
            .output()
            .unwrap();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "vasmap {args:?} into a closed pipe"
        );
    }
}

#[test]
fn help_version_completions_and_man_to_a_full_disk_exit_1_with_a_message() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["completions", "bash"],
        &["completions", "fish"],
        &["man"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "vasmap {args:?} > /dev/full: {err}"
        );
        assert_eq!(
            err,
            "vasmap: cannot write the output: No space left on device (os error 28)\n"
        );
    }
}

#[test]
fn options_before_a_subcommand_apply_to_it() {
    vasmap()
        .args(["--explain", "self", "--map", "examples/message.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Explanation").or(predicate::str::contains("ELF")));
    vasmap()
        .args(["-x", "self", "--map", "examples/message.txt"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"Address +Size +RSS").unwrap());
    let me = std::process::id().to_string();
    let coloured = vasmap()
        .args(["--color", "always", "layout", &me])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        coloured.windows(2).any(|w| w == b"\x1b["),
        "no colour in the layout"
    );
    // An option the subcommand does not take is its error, not a pid's.
    vasmap()
        .args(["--json", "layout", &me])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unexpected argument '--json'"));
}

#[test]
fn a_subcommand_after_a_pid_is_not_taken_for_a_name() {
    vasmap()
        .args(["1", "layout"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "'layout' is a subcommand, not a process name",
        ));
}

/// Processes running a copy of `sleep` named `name`, killed on drop.
struct Named {
    children: Vec<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl Named {
    fn start(name: &str, count: usize) -> Named {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join(name);
        common::copy_program("/bin/sleep", &bin).unwrap();
        let children: Vec<_> = (0..count)
            .map(|_| std::process::Command::new(&bin).arg("600").spawn().unwrap())
            .collect();
        // Until each has exec'd (its command name is then the copy's).
        for c in &children {
            let comm = format!("/proc/{}/comm", c.id());
            for _ in 0..400 {
                if std::fs::read_to_string(&comm).is_ok_and(|c| c.trim() == name) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        Named {
            children,
            _dir: dir,
        }
    }

    fn pids(&self) -> Vec<u32> {
        let mut p: Vec<u32> = self.children.iter().map(|c| c.id()).collect();
        p.sort_unstable();
        p
    }
}

impl Drop for Named {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_process_name_shows_every_process_so_named_in_pid_order() {
    let name = format!("vzname{}", std::process::id() % 100_000);
    let named = Named::start(&name, 3);
    let pids = named.pids();
    let out = vasmap().arg(&name).assert().success().get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    let list: Vec<String> = pids.iter().map(u32::to_string).collect();
    assert_eq!(
        err,
        format!("vasmap: {name}: 3 processes (pids {})\n", list.join(", "))
    );
    // As `vasmap $(pidof NAME)` in pid order would show them.
    let by_pid = vasmap()
        .args(&list)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(by_pid).unwrap()
    );
    // The same through the program's file name when the command name differs: the
    // kernel's comm is cut to 15 bytes.
    let long = format!("vzlongname{}", std::process::id() % 100_000 + 100_000);
    let one = Named::start(&long, 1);
    vasmap()
        .args(["--pmap", "-q"])
        .arg(one.pids()[0].to_string())
        .assert()
        .success();
    vasmap().arg(&long).assert().success().stderr(format!(
        "vasmap: {long}: 1 process (pid {})\n",
        one.pids()[0]
    ));
}

#[test]
fn a_name_no_process_has_is_an_error_naming_the_nearest() {
    let name = format!("vznear{}", std::process::id() % 100_000);
    let _named = Named::start(&name, 1);
    let typo = format!("{name}x");
    vasmap()
        .arg(&typo)
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "vasmap: {typo}: no process has this name (its command name or its program's \
             file name); nearest names: '{name}'; `ps -e` lists every process\n"
        ));
    // The others given are still shown.
    let me = std::process::id().to_string();
    vasmap()
        .args([&typo, &me])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(format!("{me}:   ")));
}

#[test]
fn from_dash_reads_standard_input() {
    let capture = std::fs::read("tests/fixtures/simple.maps").unwrap();
    let piped = vasmap()
        .args(["--from", "-"])
        .write_stdin(capture)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let from_file = vasmap()
        .args(["--from", "tests/fixtures/simple.maps"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let (piped, from_file) = (
        String::from_utf8(piped).unwrap(),
        String::from_utf8(from_file).unwrap(),
    );
    // The same rows; only the header line names the file differently.
    assert_eq!(
        piped.lines().skip(1).collect::<Vec<_>>(),
        from_file.lines().skip(1).collect::<Vec<_>>()
    );
    assert!(piped.lines().count() > 20, "{piped}");
}

#[test]
fn smaps_figures_asked_of_a_maps_capture_are_warned_about() {
    for flags in [
        &["-x"][..],
        &["--summary"],
        &["--sort", "rss"],
        &["--totals"],
    ] {
        vasmap()
            .args(["--from", "tests/fixtures/simple.maps"])
            .args(flags)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "tests/fixtures/simple.maps: a maps capture has no smaps figures",
            ));
    }
    // The figures it lacks are `-`, in the rows and in the totals, never sums of nothing.
    vasmap()
        .args(["--from", "tests/fixtures/simple.maps", "-x"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^ total +\d+K +- +- +- +-$").unwrap());
    // Nothing asked that a maps capture lacks: no warning.
    vasmap()
        .args(["--from", "tests/fixtures/simple.maps", "--sort", "size"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn a_flag_the_view_does_not_use_is_an_error_naming_the_view() {
    let me = std::process::id().to_string();
    for (flags, says) in [
        (&["--summary", "-d"][..], "-d does nothing in the summary"),
        (
            &["--totals", "-p", "--sort", "rss"],
            "-p and --sort do nothing in --totals",
        ),
        (&["--json", "-q"], "-q does nothing in JSON"),
        (
            &["-o", "csv", "--width", "90"],
            "--width does nothing in CSV",
        ),
        (&["--addr", "0x1000", "-x"], "-x does nothing in --addr"),
    ] {
        vasmap()
            .args(flags)
            .arg(&me)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!("vasmap: {says}")));
    }
    // The pmap output refuses vasmap's own flags in its own words (exit 1, as pmap's
    // command-line errors).
    vasmap()
        .args(["--pmap", "--explain", &me])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--explain does not apply to the pmap output",
        ));
}

#[test]
fn a_reversed_range_shows_what_pmap_shows() {
    let Some(_) = common::pmap() else { return };
    let me = std::process::id();
    let maps = std::fs::read_to_string(format!("/proc/{me}/maps")).unwrap();
    // A range inside one mapping, written high first: pmap shows the mapping holding
    // both ends (and only it); a reversed range across two mappings shows none.
    let line = maps.lines().nth(2).unwrap();
    let (start, end) = line.split_once(' ').unwrap().0.split_once('-').unwrap();
    let (s, e) = (
        u64::from_str_radix(start, 16).unwrap(),
        u64::from_str_radix(end, 16).unwrap(),
    );
    for range in [format!("{:x},{:x}", e - 1, s), format!("{:x},{:x}", e, s)] {
        let pmap = std::process::Command::new("/usr/bin/pmap")
            .args(["-q", "-A", &range, &me.to_string()])
            .output()
            .unwrap();
        let pmap_rows: Vec<String> = String::from_utf8_lossy(&pmap.stdout)
            .lines()
            .skip(1)
            .map(|l| l[..16].trim_start_matches('0').to_string())
            .collect();
        let ours = vasmap()
            .args(["-q", "--width", "200", "-A", &range, &me.to_string()])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let our_rows: Vec<String> = String::from_utf8(ours)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                l.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_start_matches('0')
                    .to_string()
            })
            .collect();
        assert_eq!(our_rows, pmap_rows, "-A {range}");
    }
}

#[test]
fn man_page_and_completions_cover_every_subcommand() {
    let page = vasmap()
        .arg("man")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = String::from_utf8(page).unwrap();
    for word in [
        "VASMAP SELF",
        "VASMAP LAYOUT",
        "VASMAP PAGES",
        "VASMAP TOUR",
        "VASMAP DIFF",
        "VASMAP WATCH",
        "\\-\\-map",
        "\\-\\-touch",
        "\\-\\-write",
        "\\-\\-svg",
        "\\-\\-rows",
        "\\-\\-width",
        "\\-\\-interval",
    ] {
        assert!(page.contains(word), "{word} missing from the man page");
    }
    if std::path::Path::new("/usr/bin/groff").exists() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vasmap.1");
        std::fs::write(&file, &page).unwrap();
        let out = std::process::Command::new("/usr/bin/groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("not rendering the man page: /usr/bin/groff is not installed");
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = vasmap()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let script = String::from_utf8(script).unwrap();
        // --kind, --sort, --color and --touch offer their values, not file names.
        for value in ["thread_stack", "sysv_shm", "pss", "always", "first"] {
            assert!(script.contains(value), "{shell}: {value} not offered");
        }
    }
}

#[test]
fn layout_and_report_take_from_as_the_other_views_do() {
    let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/awkward.smaps");
    let (given, _, code) = common::run_vasmap(&["layout", capture]);
    assert_eq!(code, 0);
    for args in [
        &["layout", "--from", capture][..],
        &["--from", capture, "layout"],
        &["layout", &format!("--from={capture}")],
    ] {
        let (out, err, code) = common::run_vasmap(args);
        assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
        assert_eq!(out, given, "{args:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    let (_, err, code) =
        common::run_vasmap(&["report", "--from", capture, "-o", page.to_str().unwrap()]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("the saved file")
    );
    // Both at once is a usage error.
    let (_, _, code) = common::run_vasmap(&["layout", "--from", capture, "1"]);
    assert_eq!(code, 2);
}
