//! `vasmap tour`: every experiment run through the binary, as root and as `nobody` where
//! the tests can switch users, and checked for what the kernel guarantees, never for
//! figures it is free to choose: the thread's stack has a guard page below it; the large
//! malloc's mapping is at least its size and gone after free; small mallocs grow `[heap]`;
//! dlopen adds the library's rows and dlclose removes them; `[stack]` grows within
//! RLIMIT_STACK; mprotect splits one mapping into three with the new permissions in the
//! middle; munmap leaves a hole of a page; the forked child takes at least one fault per
//! page written; the random pass takes more faults than the sequential one; the shared
//! write reaches the file and the private one does not.
//!
//! Every run also validates its JSON against docs/tour.schema.json, compares the text
//! with the JSON (steps, calls, figures), and checks that nothing is left behind: the
//! temporary directory is empty and the helper and children are gone.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

fn schema() -> &'static jsonschema::Validator {
    static S: OnceLock<jsonschema::Validator> = OnceLock::new();
    S.get_or_init(|| {
        let text = std::fs::read_to_string("docs/tour.schema.json").expect("the schema");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

fn assert_valid(doc: &Value) {
    let errors: Vec<String> = schema().iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// A fresh TMPDIR that `nobody` may write to too (sticky, like /tmp).
fn tmpdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("vasmap-tour-test")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    dir
}

/// True when `pid` still names a process of the tour (`/proc/PID/cmdline` mentions it).
fn tour_process_alive(pid: u64) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.windows(4).any(|w| w == b"tour"))
}

/// Assert that the run left nothing behind: TMPDIR empty, helper and children gone.
fn assert_nothing_left(dir: &Path, doc: &Value) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
    let mut pids: Vec<u64> = doc["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    pids.extend(doc["helper_pid"].as_u64());
    for pid in pids {
        assert!(!tour_process_alive(pid), "process {pid} outlived vasmap");
    }
}

/// `vasmap tour NAME --json` as root (or the test's user), or as nobody (`None` when
/// that is not possible, with the reason printed by the helper).
fn run_json(name: &str, as_nobody: bool) -> Option<Value> {
    let dir = tmpdir();
    let mut cmd = if as_nobody {
        common::vasmap_as_nobody()?
    } else {
        Command::new(env!("CARGO_BIN_EXE_vasmap"))
    };
    let out = cmd
        .args(["tour", name, "--json"])
        .env("TMPDIR", dir.path())
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vasmap tour {name} --json (nobody: {as_nobody}) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_valid(&doc);
    assert_eq!(doc["experiment"], name);
    assert!(doc["helper_pid"].is_u64(), "no helper: {}", doc["notes"]);
    assert_nothing_left(dir.path(), &doc);
    Some(doc)
}

/// `vasmap tour NAME` as text, checked to fit 80 columns and be safe on a terminal.
fn run_text(name: &str) -> String {
    let dir = tmpdir();
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["tour", name])
        .env("TMPDIR", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::assert_terminal_safe(name, &out.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    text
}

/// The step titled `title`.
fn step<'a>(doc: &'a Value, title: &str) -> &'a Value {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no step {title:?} in {}", doc["experiment"]))
}

/// The value of figure `key` of a step.
fn fig<'a>(step: &'a Value, key: &str) -> &'a Value {
    &step["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key} in {}", step["title"]))["value"]
}

fn num(step: &Value, key: &str) -> u64 {
    fig(step, key).as_u64().unwrap()
}

fn hex(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Every region the step added, removed and changed.
fn changes(step: &Value) -> Vec<&Value> {
    ["added", "removed", "changed"]
        .iter()
        .flat_map(|k| step[k].as_array().unwrap())
        .collect()
}

fn faults(step: &Value) -> u64 {
    step["faults"]["minor"].as_u64().unwrap() + step["faults"]["major"].as_u64().unwrap()
}

/// A figure as the text shows it, for the figures that are the same in every run.
fn shown(f: &Value) -> Option<String> {
    let v = &f["value"];
    match f["unit"].as_str().unwrap() {
        "address" | "text" | "us" => None,
        "byte" => {
            let b = v.as_u64().unwrap();
            Some(format!("'{}' ({b:#04x})", b as u8 as char))
        }
        "" => Some(v.to_string()),
        unit => {
            let n = v.as_u64().unwrap();
            let unit = if n == 1 {
                unit.trim_end_matches('s')
            } else {
                unit
            };
            Some(format!("{n} {unit}"))
        }
    }
}

/// Figures whose value does not depend on the run.
const STABLE: &[&str] = &[
    "file_size",
    "pages_read",
    "pages_written",
    "rows",
    "rows_left",
    "hole_bytes",
    "byte",
    "file_byte",
    "private_reads",
    "shared_reads",
    "rlimit_stack",
    "mapped_after",
    "guard_size",
];

/// `text` with its words joined by single spaces and every `0x...` number (an address,
/// which ASLR moves from run to run) written `0x_`.
fn normal(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut rest = word;
        while let Some(i) = rest.find("0x") {
            out.push_str(&rest[..i + 2]);
            rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
            out.push('_');
        }
        out.push_str(rest);
    }
    out
}

/// The text says what the JSON says: the same steps, calls and figures (the same value
/// where it does not depend on the run).
fn assert_text_matches(text: &str, doc: &Value) {
    let blocks: Vec<&str> = text.split("\nStep ").skip(1).collect();
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(blocks.len(), steps.len(), "{text}");
    for (block, step) in blocks.iter().zip(steps) {
        let title = step["title"].as_str().unwrap();
        assert!(block.lines().next().unwrap().ends_with(title), "{block}");
        let flat = normal(block);
        for call in step["call"].as_array().unwrap() {
            let call = normal(call.as_str().unwrap());
            assert!(flat.contains(&call), "call {call:?} not in\n{block}");
        }
        for f in step["figures"].as_array().unwrap() {
            let label = format!("  {}: ", f["label"].as_str().unwrap());
            let line = block
                .lines()
                .find(|l| l.starts_with(&label))
                .unwrap_or_else(|| panic!("no {label:?} in\n{block}"));
            if STABLE.contains(&f["key"].as_str().unwrap())
                && let Some(v) = shown(f)
            {
                assert!(line.ends_with(&v), "{line:?} is not {v:?}");
            }
        }
    }
}

/// Run experiment `name` as root and as nobody, check both with `check`, and compare
/// the text with the root run.
fn experiment(name: &str, check: fn(&Value)) {
    let doc = run_json(name, false).unwrap();
    check(&doc);
    assert_text_matches(&run_text(name), &doc);
    if let Some(doc) = run_json(name, true) {
        check(&doc);
    }
}

#[test]
fn mmap_file_maps_nothing_resident_then_at_least_the_page_read() {
    experiment("mmap-file", |doc| {
        let page = doc["page_size"].as_u64().unwrap();
        let map = step(doc, "map it");
        let added = &map["added"].as_array().unwrap()[0];
        assert_eq!(added["size_after"], 64 * page);
        assert_eq!(added["perms"], "r--p");
        assert!(added["name"].as_str().unwrap().ends_with("/message.txt"));
        assert_eq!(added["rss_kb_after"], 0);
        let one = step(doc, "read one byte");
        assert_eq!(num(one, "byte"), u64::from(b'H'));
        let resident = num(one, "resident_pages");
        assert!((1..=64).contains(&resident), "{resident}");
        assert!(faults(one) >= 1);
        let all = step(doc, "read every page");
        assert_eq!(num(all, "resident_pages"), 64);
        assert!(faults(all) <= 64);
        let gone = &step(doc, "unmap it")["removed"].as_array().unwrap()[0];
        assert_eq!(gone["start"], added["start"]);
    });
}

#[test]
fn small_mallocs_grow_the_heap_with_brk() {
    experiment("malloc-small", |doc| {
        let many = step(doc, "ten thousand small mallocs");
        assert!(hex(fig(many, "break_after")) > hex(fig(many, "break_before")));
        let heap = changes(many)
            .into_iter()
            .find(|c| c["name"] == "[heap]")
            .expect("[heap] changed");
        assert!(
            heap["change"] == "grown" || heap["change"] == "added",
            "{heap}"
        );
        assert!(heap["size_after"].as_u64() > heap["size_before"].as_u64());
    });
}

#[test]
fn a_large_malloc_gets_a_mapping_of_its_size_and_free_unmaps_it() {
    experiment("malloc-large", |doc| {
        let one = step(doc, "one large malloc");
        let block = hex(fig(one, "block"));
        assert!(num(one, "mapped_bytes") >= 1 << 20);
        let holder = changes(one)
            .into_iter()
            .find(|c| hex(&c["start"]) <= block && block < hex(&c["end"]))
            .expect("a new or grown row holds the block");
        assert!(holder["change"] == "added" || holder["change"] == "grown");
        assert!(
            holder["size_after"].as_u64().unwrap() - holder["size_before"].as_u64().unwrap()
                >= 1 << 20
        );
        let free = step(doc, "free it");
        assert_eq!(num(free, "mapped_after"), 0);
        assert!(
            changes(free)
                .iter()
                .any(|c| c["change"] == "removed" || c["change"] == "shrunk"),
            "{free}"
        );
    });
}

#[test]
fn a_thread_gets_a_stack_with_a_guard_page_below_it() {
    experiment("thread", |doc| {
        let page = doc["page_size"].as_u64().unwrap();
        let start = step(doc, "start a thread");
        let low = hex(fig(start, "stack_low"));
        let added = start["added"].as_array().unwrap();
        let stack = added
            .iter()
            .find(|c| hex(&c["start"]) == low)
            .expect("the stack is a new row");
        assert_eq!(stack["perms"], "rw-p");
        assert_eq!(stack["size_after"], num(start, "stack_size"));
        let guard = added
            .iter()
            .find(|c| hex(&c["end"]) == low)
            .expect("a new row right below the stack");
        assert_eq!(guard["perms"], "---p");
        assert!(guard["size_after"].as_u64().unwrap() >= page);
    });
}

#[test]
fn dlopen_adds_the_library_rows_and_dlclose_removes_them() {
    experiment("dlopen", |doc| {
        let load = step(doc, "load a library");
        let rows = load["added"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "library")
            .count();
        assert!(rows >= 2, "{load}");
        assert_eq!(num(load, "rows"), rows as u64);
        let unload = step(doc, "unload it");
        assert_eq!(num(unload, "rows_left"), 0);
        assert_eq!(unload["removed"].as_array().unwrap().len(), rows);
    });
}

#[test]
fn the_stack_grows_down_within_its_limit() {
    experiment("stack-growth", |doc| {
        let deep = step(doc, "recurse 1 MiB deep");
        let grown = changes(deep)
            .into_iter()
            .find(|c| c["name"] == "[stack]")
            .expect("[stack] changed");
        assert_eq!(grown["change"], "grown");
        assert_eq!(grown["side"], "bottom");
        let after = num(deep, "stack_after");
        assert!(after > num(deep, "stack_before"));
        if let Some(limit) = fig(deep, "rlimit_stack").as_u64() {
            assert!(after <= limit);
        }
        let again = step(doc, "recurse as deep again");
        assert!(
            changes(again)
                .iter()
                .all(|c| c["name"] != "[stack]" || c["change"] == "figures")
        );
    });
}

#[test]
fn mprotect_of_the_middle_page_makes_three_mappings() {
    experiment("mprotect-split", |doc| {
        let page = doc["page_size"].as_u64().unwrap();
        let split = &step(doc, "make the middle page read-only")["splits"];
        let into = split[0]["into"].as_array().expect("a split");
        let perms: Vec<&str> = into.iter().map(|p| p["perms"].as_str().unwrap()).collect();
        assert_eq!(perms, ["rw-p", "r--p", "rw-p"]);
        for p in into {
            assert_eq!(hex(&p["end"]) - hex(&p["start"]), page);
        }
        let merged = &step(doc, "make it writable again")["merges"];
        assert_eq!(merged[0]["into"].as_array().unwrap().len(), 3);
    });
}

#[test]
fn munmap_of_the_middle_page_leaves_a_hole_of_a_page() {
    experiment("munmap-hole", |doc| {
        let page = doc["page_size"].as_u64().unwrap();
        let s = step(doc, "unmap the middle page");
        assert_eq!(s["splits"][0]["hole_bytes"], page);
        let into = s["splits"][0]["into"].as_array().unwrap();
        assert_eq!(into.len(), 3);
        assert!(into[1].get("perms").is_none(), "the middle is a hole");
        assert_eq!(num(s, "hole_bytes"), page);
        assert_eq!(s["pages"]["strip"], "#.#");
    });
}

#[test]
fn a_forked_child_takes_a_fault_per_page_it_writes() {
    experiment("fork-cow", |doc| {
        let page_kb = doc["page_size"].as_u64().unwrap() / 1024;
        assert_eq!(doc["children"].as_array().unwrap().len(), 1);
        let fork = step(doc, "fork");
        assert_eq!(fork["process"], "child");
        assert_eq!(num(fork, "rows_child"), num(fork, "rows_parent"));
        assert!(num(fork, "child_shared_dirty_kb") >= 64 * page_kb);
        let w = step(doc, "the child writes half the pages");
        assert_eq!(w["faults_of"], "child");
        let written = num(w, "pages_written");
        assert!(w["faults"]["minor"].as_u64().unwrap() >= written, "{w}");
        assert!(num(w, "child_private_dirty_kb") >= written * page_kb);
        let strip = w["pages"]["strip"].as_str().unwrap();
        assert_eq!(strip.matches('#').count() as u64, written, "{strip}");
    });
}

#[test]
fn the_random_pass_takes_more_faults_than_the_sequential_one() {
    experiment("sequential-vs-random", |doc| {
        let seq = step(doc, "read it in order");
        let rnd = step(doc, "read it in a random order");
        if num(seq, "cached_pages_before") > 0 || num(rnd, "cached_pages_before") > 0 {
            // tmpfs (or a file system that keeps the pages): nothing waits for a disk,
            // and fault-around makes both orders take one fault per 16 pages.
            eprintln!(
                "skipping the comparison: the file could not be dropped from the page cache ({})",
                doc["notes"]
            );
            return;
        }
        assert!(
            faults(rnd) > faults(seq),
            "random {} sequential {}",
            faults(rnd),
            faults(seq)
        );
        let no_ra = step(doc, "in a random order, after MADV_RANDOM");
        if num(no_ra, "cached_pages_before") == 0 {
            assert!(no_ra["faults"]["major"].as_u64() > seq["faults"]["major"].as_u64());
        }
        for s in doc["steps"].as_array().unwrap() {
            assert_eq!(
                num(s, "pages_read"),
                8192 * 4096 / doc["page_size"].as_u64().unwrap()
            );
        }
    });
}

#[test]
fn the_shared_write_reaches_the_file_and_the_private_one_does_not() {
    experiment("shared-vs-private", |doc| {
        let s = step(doc, "write through the shared mapping");
        assert_eq!(num(s, "file_byte"), u64::from(b'S'));
        assert_eq!(num(s, "private_reads"), u64::from(b'S'));
        let p = step(doc, "write through the private mapping");
        assert_eq!(num(p, "file_byte"), u64::from(b'S'));
        assert_eq!(num(p, "shared_reads"), u64::from(b'S'));
        assert_eq!(num(p, "private_reads"), u64::from(b'P'));
        assert!(num(p, "private_anon_kb") >= 4);
        let end = step(doc, "unmap both");
        assert_eq!(num(end, "file_byte"), u64::from(b'S'));
    });
}

#[test]
fn the_list_names_every_experiment_in_80_columns() {
    let text = common::run_ok(&["tour"]);
    for name in [
        "mmap-file",
        "malloc-small",
        "malloc-large",
        "thread",
        "dlopen",
        "stack-growth",
        "mprotect-split",
        "munmap-hole",
        "fork-cow",
        "sequential-vs-random",
        "shared-vs-private",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(name)),
            "{name}"
        );
    }
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    let (_, err, code) = common::run_vasmap(&["tour", "no-such"]);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&err).contains("mmap-file"));
}

/// A `vasmap tour NAME --wait` run, paused after step `n` (Enter was sent at each
/// earlier pause): the process, its stdin and stdout, and what it printed so far.
struct Paused {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    out: BufReader<std::process::ChildStdout>,
    seen: String,
}

fn start_waiting(name: &str, dir: &Path, n: usize) -> Paused {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["tour", name, "--wait"])
        .env("TMPDIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut at = 0;
    while at < n {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no prompt after step {} in\n{seen}", at + 1);
        }
        seen.push_str(&line);
        if line.starts_with("[after step ") {
            at += 1;
            if at < n {
                stdin.write_all(b"\n").unwrap();
            }
        }
    }
    Paused {
        child,
        stdin,
        out,
        seen,
    }
}

#[test]
fn wait_pauses_after_each_step_so_that_pmap_can_look() {
    let Some(pmap) = common::pmap() else { return };
    let dir = tmpdir();
    let Paused {
        mut child,
        mut stdin,
        mut out,
        seen,
    } = start_waiting("mmap-file", dir.path(), 2);
    let pid = child.id();
    assert!(seen.contains(&format!("vasmap is pid {pid}")), "{seen}");
    assert!(seen.contains(&format!("pmap {pid}")), "{seen}");
    let shown = Command::new(pmap).arg(pid.to_string()).output().unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("message.txt"));
    // Still waiting: the next step has not run.
    assert!(child.try_wait().unwrap().is_none());
    stdin.write_all(b"\n").unwrap();
    // The end of input goes on too: no more Enter needed.
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(rest.contains("Step 5: unmap it"), "{rest}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn ctrl_c_during_a_pause_removes_the_files() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tmpdir();
    let Paused { mut child, .. } = start_waiting("shared-vs-private", dir.path(), 1);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "the file's directory"
    );
    // SAFETY: kill on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGINT));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn the_helper_serves_only_the_vasmap_that_started_it() {
    // Asked to read the smaps of pid 1, which is not its parent, it stops at once.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["tour", "--measure-for", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"cs");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
}

#[test]
fn without_the_helper_vasmap_measures_itself_and_says_so() {
    let dir = tmpdir();
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["tour", "mmap-file", "--json"])
        .env("TMPDIR", dir.path())
        .env("VASMAP_TOUR_NO_HELPER", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&doc);
    assert!(doc["helper_pid"].is_null());
    assert!(
        doc["notes"][0]
            .as_str()
            .unwrap()
            .contains("vasmap reads its own smaps")
    );
    let map = step(&doc, "map it");
    assert!(
        map["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"].as_str().unwrap().ends_with("/message.txt"))
    );
    assert_nothing_left(dir.path(), &doc);
}

#[test]
fn drop_caches_needs_root_and_says_so_when_skipped() {
    // As root the option would drop every file's cached pages machine-wide; the tests
    // only run it as nobody, where it is skipped with a word.
    let Some(mut cmd) = common::vasmap_as_nobody() else {
        return;
    };
    let dir = tmpdir();
    let out = cmd
        .args(["tour", "sequential-vs-random", "--drop-caches", "--json"])
        .env("TMPDIR", dir.path())
        .current_dir("/")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&doc);
    for s in doc["steps"].as_array().unwrap() {
        let how = fig(s, "uncached_by").as_str().unwrap();
        assert!(
            how.starts_with("skipped --drop-caches: dropping the whole page cache needs root"),
            "{how}"
        );
    }
    assert_nothing_left(dir.path(), &doc);
}
