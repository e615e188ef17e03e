//! The teaching labels of `--explain` and `layout`, read from live processes of the shape
//! each one is about: a python3 with threads (glibc malloc arenas, their reserved rest,
//! thread guard pages, a file mapped shared read-only), `sleep` (locale data, `.got.plt`
//! across the relro boundary), vasmap itself (Rust's alternate signal stack), and a
//! process with a small stack limit (how far the stack can grow; the kernel's half and
//! the non-canonical hole above user space).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A child killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `cmd` and wait for it to print a line (its "ready").
fn start(cmd: &mut Command) -> Option<Running> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    Some(Running(child))
}

/// The regions of `vasmap PID --explain --json`.
fn explained(pid: u32) -> Vec<Value> {
    let out = common::run_ok(&[&pid.to_string(), "--explain", "--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["regions"].as_array().unwrap().clone()
}

fn text(r: &Value) -> &str {
    r["explain"]["text"].as_str().unwrap_or_default()
}

fn addr(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// python3 with four threads that each malloc (so glibc gives them arenas), and a file
/// mapped shared and read-only.
const PYTHON: &str = r#"
import mmap, sys, threading, time
def work():
    keep = [bytearray(1000) for _ in range(3000)]
    time.sleep(600)
for _ in range(4):
    threading.Thread(target=work, daemon=True).start()
time.sleep(0.5)
f = open(sys.argv[1], "rb")
shared = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
print("ready", flush=True)
time.sleep(600)
"#;

#[test]
fn python_threads_arenas_are_named_as_arenas_and_guards_stay_guards() {
    let Ok(python) = which("python3") else {
        eprintln!("skipping: python3 is not installed");
        return;
    };
    let (_dir, data) = common::temp_file("shared.dat", vec![7u8; 3 * 4096]);
    let Some(p) = start(Command::new(python).args(["-c", PYTHON]).arg(&data)) else {
        eprintln!("skipping: python3 did not start");
        return;
    };
    let regions = explained(p.0.id());
    let arena = 64u64 << 20;
    // The shape glibc leaves: an rw-p head on a 64 MiB boundary and a ---p rest, 64 MiB
    // in all. Each such pair is named an arena, and the rest is "reserved", not "guard".
    let mut arenas = 0;
    for w in regions.windows(2) {
        let (head, tail) = (&w[0], &w[1]);
        let shape = head["perms"] == "rw-p"
            && tail["perms"] == "---p"
            && head["end"] == tail["start"]
            && addr(&head["start"]).is_multiple_of(arena)
            && addr(&tail["end"]) - addr(&head["start"]) == arena;
        if !shape {
            continue;
        }
        arenas += 1;
        assert!(text(head).starts_with("a glibc malloc arena"), "{head}");
        assert!(
            text(tail).starts_with("the unused rest of a glibc malloc arena"),
            "{tail}"
        );
        assert_eq!(tail["kind"], "reserved", "{tail}");
    }
    assert!(arenas >= 1, "no arena among {} regions", regions.len());
    // Each thread's guard page is a guard, named for its thread.
    let guards: Vec<&Value> = regions
        .iter()
        .filter(|r| text(r).starts_with("guard page of thread"))
        .collect();
    assert!(guards.len() >= 4, "a guard page for each thread");
    assert!(guards.iter().all(|g| g["kind"] == "guard"));
    // The file mapped shared and read-only: no word of writes reaching the file.
    let shared = regions
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("/shared.dat"))
        })
        .expect("the shared mapping");
    assert_eq!(shared["perms"], "r--s");
    assert!(text(shared).contains("read-only"), "{shared}");
    assert!(!text(shared).contains("writes reach"), "{shared}");
    // The layout names them too: a row of arenas, its size a multiple of 64 MiB.
    let (out, err, code) = common::run_vasmap(&["layout", "--rows", "200", &p.0.id().to_string()]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let out = String::from_utf8(out).unwrap();
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("malloc arena")).collect();
    let mut drawn = 0;
    for row in &rows {
        let n: u64 = row
            .split("malloc arena")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{row}"));
        assert!(row.contains("for other threads' malloc"), "{row}");
        assert!(row.contains(&format!(" {}M ", 64 * n)), "{row}");
        drawn += n;
    }
    assert_eq!(drawn, arenas, "every arena drawn:\n{out}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

/// `sleep` under a UTF-8 locale: it calls setlocale, which maps the locale's files.
fn sleeping_in_a_locale() -> Option<Running> {
    let locale = ["C.UTF-8", "C.utf8", "en_US.UTF-8"].into_iter().find(|l| {
        std::path::Path::new(&format!("/usr/lib/locale/{}", l.replace("UTF-8", "utf8"))).exists()
    })?;
    // A shell that says it is ready and then becomes sleep (same pid).
    start(
        Command::new("/bin/sh")
            .args(["-c", "echo ready; exec sleep 600"])
            .env("LC_ALL", locale),
    )
}

#[test]
fn sleep_has_its_locale_files_named_and_got_plt_split_in_two() {
    let Some(p) = sleeping_in_a_locale() else {
        eprintln!("skipping: no UTF-8 locale under /usr/lib/locale");
        return;
    };
    // Wait for the exec.
    for _ in 0..200 {
        if std::fs::read_link(format!("/proc/{}/exe", p.0.id())).is_ok_and(|e| e.ends_with("sleep"))
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let regions = explained(p.0.id());
    let locale: Vec<&Value> = regions
        .iter()
        .filter(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.contains("/locale/") || n.ends_with("locale-archive"))
        })
        .collect();
    assert!(!locale.is_empty(), "sleep maps its locale's data");
    for r in &locale {
        assert!(text(r).starts_with("locale data (setlocale"), "{r}");
    }
    // A section in two mappings (`.got.plt` across the end of the relro part on this
    // machine's sleep) is "part of" it in both.
    let program: Vec<&Value> = regions.iter().filter(|r| r["kind"] == "program").collect();
    let mut split = 0;
    for section in [".got.plt", ".got", ".data.rel.ro"] {
        let holding: Vec<&&Value> = program
            .iter()
            .filter(|r| {
                r["sections"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|n| n == section))
            })
            .collect();
        if holding.len() == 2 {
            split += 1;
            for r in holding {
                // Every mention of it says "part of" (a long list may leave it out).
                let t = text(r);
                assert!(
                    !t.contains(section) || t.contains(&format!("part of {section}")),
                    "{section} is in two mappings: {r}"
                );
            }
        }
    }
    // The short list of the writable part starts with what the relro part did not hold.
    let writable = program.iter().find(|r| r["perms"] == "rw-p");
    if split > 0
        && let Some(w) = writable
    {
        assert!(text(w).starts_with("part of "), "{w}");
    }
}

#[test]
fn vasmap_names_its_own_signal_stack_and_its_guard() {
    let out = common::run_ok(&["self", "--explain", "--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let regions = doc["regions"].as_array().unwrap();
    let stack = regions
        .iter()
        .position(|r| text(r).starts_with("vasmap's alternate signal stack (sigaltstack)"))
        .unwrap_or_else(|| panic!("no signal stack named:\n{out}"));
    assert_eq!(regions[stack]["perms"], "rw-p");
    let guard = &regions[stack - 1];
    assert!(
        text(guard).starts_with("guard page of vasmap's alternate signal stack"),
        "{guard}"
    );
    assert_eq!(guard["perms"], "---p");
    assert_eq!(guard["kind"], "guard");
    assert_eq!(guard["end"], regions[stack]["start"]);
}

#[test]
fn layout_shows_how_far_the_stack_can_grow_and_what_is_above_user_space() {
    let Some(p) = start(
        Command::new("/bin/sh").args(["-c", "ulimit -s 4096 && echo ready && exec sleep 600"]),
    ) else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    let out = common::run_ok(&["layout", &p.0.id().to_string(), "--width", "100"]);
    assert!(
        out.contains("more into this (RLIMIT_STACK 4M)"),
        "the stack's limit:\n{out}"
    );
    let x86 = std::env::consts::ARCH == "x86_64";
    if x86 && out.contains("[vsyscall]") {
        let kernel = out
            .lines()
            .position(|l| l.starts_with("ffff800000000000") && l.contains("the kernel's half"))
            .unwrap_or_else(|| panic!("the kernel's half:\n{out}"));
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[kernel - 1].contains("the kernel's half: never mapped"),
            "{out}"
        );
        assert!(lines[kernel + 1].contains("non-canonical"), "{out}");
        assert!(lines[kernel + 2].contains("top of user space"), "{out}");
    }
    // At 80 columns every line still fits.
    let out = common::run_ok(&["layout", &p.0.id().to_string()]);
    for l in out.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(l) <= 80, "{l}");
    }
    assert!(out.contains("(limit 4M)") || out.contains("4M"), "{out}");
}

#[test]
fn the_legend_says_what_the_table_shows_and_fits_the_terminal() {
    let Some(s) = common::Awkward::start() else {
        return;
    };
    let pid = s.pid.to_string();
    // Piped: every column, so every figure's line; no colour.
    let (out, err, code) = common::run_vasmap(&["--legend", "-x", &pid]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let out = String::from_utf8(out).unwrap();
    for line in [
        "Perm: r read",
        "Size: address space",
        "RSS: how much",
        "PSS: RSS",
        "Dirty:",
        "Swap: pages",
    ] {
        assert!(out.contains(line), "no {line:?} in\n{out}");
    }
    assert!(!out.contains('\u{1b}'), "colour into a pipe:\n{out}");
    assert!(
        out.contains("where it is writable too, writes reach the file"),
        "{out}"
    );
    // On 80 columns: Swap is left out of the table, so out of the legend; colours named;
    // every line fits.
    let Some(tty) = common::on_terminal(80, &["--legend", "-x", &pid]) else {
        return;
    };
    let note = tty
        .lines()
        .find(|l| l.contains("left out to fit 80 columns"))
        .unwrap_or_else(|| panic!("no note of the columns left out:\n{tty}"));
    assert!(note.contains("Swap"), "{note}");
    for (column, line) in [("Swap", "Swap: pages"), ("PSS", "PSS: RSS")] {
        if note.contains(column) {
            assert!(
                !tty.contains(line),
                "{column} is left out, so is its line:\n{tty}"
            );
        }
    }
    assert!(
        tty.contains("RSS: how much"),
        "RSS is shown, so is its line:\n{tty}"
    );
    assert!(tty.contains("colours: code"), "{tty}");
    for l in tty.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(l) <= 80, "{l}");
    }
    // --explain has the legend under its table; a view without a table refuses it.
    let (out, _, code) = common::run_vasmap(&["--explain", &pid]);
    assert_eq!(code, 0);
    assert!(String::from_utf8(out).unwrap().contains("Perm: r read"));
    let (_, err, code) = common::run_vasmap(&["--legend", "--json", &pid]);
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--legend does nothing in JSON"), "{err}");
}
