//! Tests of the scripting and debugging features: JSON and its schema, `--from`, `--addr`,
//! filters and sorting, `--summary`, `diff`, `watch`, colour, completions and man page.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Awkward, Driven, assert_schema_valid, json_schema, run_ok, run_vasmap};

const MAPS: &str = "tests/fixtures/simple.maps";
const SMAPS: &str = "tests/fixtures/simple.smaps";

fn docs(text: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .expect("vasmap --json output is JSON")
}

// ---------------------------------------------------------------------------------------
// JSON

#[test]
fn json_of_an_awkward_process_validates_and_round_trips() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let json = run_ok(&["--json", &pid]);
    let doc = &docs(&json)[0];
    assert_schema_valid(doc);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["process"]["pid"], p.pid);
    assert_eq!(doc["has_smaps"], true);
    let regions = doc["regions"].as_array().unwrap();
    // A name that is not UTF-8 comes with its exact bytes; a newline is a real newline.
    let bad = regions
        .iter()
        .find(|r| r["name"].as_str().unwrap().contains("bad"))
        .expect("the bad-UTF-8 file");
    let bytes: Vec<u8> = bad["name_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert!(bytes.ends_with(b"/bad\xff\xfeutf8"));
    assert!(
        regions
            .iter()
            .any(|r| r["name"].as_str().unwrap().ends_with("/new\nline"))
    );
    assert!(
        regions
            .iter()
            .any(|r| r["kind"] == "thread_stack" && r["tid"].as_i64() > Some(0))
    );
    assert!(
        regions
            .iter()
            .any(|r| r["kind"] == "sysv_shm" && r["shmid"].is_u64())
    );
    assert!(
        regions
            .iter()
            .any(|r| r["wx"] == true && r["perms"] == "rwxp")
    );
    assert!(regions.iter().all(|r| r["smaps"]["Rss"].is_u64()));
    let sum: u64 = regions
        .iter()
        .map(|r| r["smaps"]["Rss"].as_u64().unwrap())
        .sum();
    assert_eq!(doc["totals"]["rss_kb"].as_u64(), Some(sum));

    // Read back: the same table as the live process, and pmap's own output.
    let file = p.dir.path().join("snapshot.json");
    std::fs::write(&file, &json).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(run_ok(&["--from", f]), run_ok(&[&pid]));
    assert_eq!(run_ok(&["--from", f, "--pmap"]), run_ok(&["--pmap", &pid]));
    assert_eq!(run_ok(&["--from", f, "-p"]), run_ok(&["-p", &pid]));
    // The figures too. PSS moves whenever another process maps the same pages, so the
    // live process is captured once and both sides are read from that capture.
    let cap = p.dir.path().join("capture.smaps");
    std::fs::write(&cap, std::fs::read(format!("/proc/{pid}/smaps")).unwrap()).unwrap();
    let cap = cap.to_str().unwrap();
    let cap_json = p.dir.path().join("capture.json");
    std::fs::write(&cap_json, run_ok(&["--from", cap, "--json"])).unwrap();
    let cap_json = cap_json.to_str().unwrap();
    let bytes = |args: &[&str]| run_vasmap(args).0;
    for view in [
        &["-x"][..],
        &["-XX", "-d"],
        &["--summary"],
        &["--output", "csv"],
    ] {
        let mut a = vec!["--from", cap];
        a.extend_from_slice(view);
        let mut b = vec!["--from", cap_json];
        b.extend_from_slice(view);
        assert!(
            bytes(&a) == bytes(&b),
            "{view:?} differs after the JSON round trip"
        );
    }
    // And JSON again, byte for byte.
    assert_eq!(run_ok(&["--from", f, "--json"]), json);
}

#[test]
fn json_of_saved_captures_validates() {
    for fixture in [MAPS, SMAPS] {
        let json = run_ok(&["--from", fixture, "--json"]);
        let doc = &docs(&json)[0];
        assert_schema_valid(doc);
        assert_eq!(doc["process"]["pid"], serde_json::Value::Null);
        assert_eq!(doc["regions"].as_array().unwrap().len(), 24);
        // vsyscall is above 2^53: written as hex text, exactly.
        assert_eq!(doc["regions"][23]["start"], "0xffffffffff600000");
    }
}

#[test]
fn layout_reads_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.json");
    std::fs::write(&f, run_ok(&["--from", SMAPS, "--json"])).unwrap();
    assert_eq!(
        run_ok(&["layout", f.to_str().unwrap()]),
        run_ok(&["layout", SMAPS])
    );
}

#[test]
fn the_schema_rejects_what_is_wrong() {
    let json = run_ok(&["--from", SMAPS, "--json"]);
    let mut doc = docs(&json).remove(0);
    doc["regions"][0]["perms"] = "rwx".into();
    assert!(!json_schema().is_valid(&doc));
    let mut doc = docs(&json).remove(0);
    doc["regions"][0]["kind"] = "thread_stack".into();
    assert!(
        !json_schema().is_valid(&doc),
        "a thread stack needs its tid"
    );
}

#[test]
fn several_pids_give_one_document_each_and_from_reads_them_all() {
    let me = std::process::id().to_string();
    let json = run_ok(&["--json", &me, &me]);
    assert_eq!(docs(&json).len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("two.json");
    std::fs::write(&f, &json).unwrap();
    let table = run_ok(&["--from", f.to_str().unwrap()]);
    assert_eq!(table.matches(&format!("{me}:   ")).count(), 2);
}

#[test]
fn csv_has_a_row_per_region() {
    let csv = run_ok(&["--from", SMAPS, "--output", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 25);
    assert!(
        lines[0]
            .starts_with("start,end,size,perms,offset,device,inode,kind,tid,shmid,name,wx,Size,")
    );
    assert!(lines[0].ends_with(",VmFlags"));
    assert!(lines[6].starts_with(
        "0x557b1610e000,0x557b1612f000,135168,rw-p,0x0,00:00,0,heap,,,[heap],false,132,"
    ));
}

#[test]
fn crafted_captures_never_panic() {
    // Out of order, overlapping, huge offsets and figures: a hand-made file, not the kernel.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("crafted.smaps");
    let rec = |range: &str, figure: &str| {
        format!(
            "{range} rw-p ffffffffffffffff 00:00 0 /x\nRss: {figure} kB\nPss: {figure} kB\n\
             Private_Dirty: {figure} kB\nShared_Dirty: {figure} kB\nSwap: {figure} kB\n"
        )
    };
    let text = [
        rec("ffffffffff000000-ffffffffffffffff", "18446744073709551615"),
        rec("1000-9000", "18446744073709551615"),
        rec("2000-3000", "5"),
        rec("0-ffffffffffffffff", "18446744073709551615"),
    ]
    .concat();
    std::fs::write(&f, text).unwrap();
    let f = f.to_str().unwrap();
    for args in [
        &["--from", f][..],
        &["--from", f, "--summary"],
        &["--from", f, "--totals"],
        &["--from", f, "--json"],
        &["--from", f, "--output", "csv"],
        &["--from", f, "--sort", "rss"],
        &["--from", f, "-XX", "-d"],
        &["--from", f, "-x"],
        &["--from", f, "--pmap", "-XX"],
        &["--from", f, "--pmap", "-d"],
        &[
            "--from",
            f,
            "--addr",
            "0x2500",
            "--addr",
            "0x9800",
            "--addr",
            "0xffffffffffffffff",
        ],
        &["--from", f, "--addr", "0x2500", "--json"],
        &["diff", f, f],
        &["diff", MAPS, f],
    ] {
        let (_, err, code) = run_vasmap(args);
        let err = String::from_utf8_lossy(&err);
        assert!(
            code == 0 && !err.contains("panicked"),
            "{args:?}: exit {code}: {err}"
        );
    }
}

#[test]
fn bad_from_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.json");
    std::fs::write(&f, "{\"schema_version\":1,\"regions\":[{\"start\":1}]}").unwrap();
    let (_, err, code) = run_vasmap(&["--from", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 1);
    assert!(
        err.contains("broken.json: not a vasmap JSON document"),
        "{err}"
    );
    let (_, err, code) = run_vasmap(&["--from", "/nonexistent/x.maps"]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("/nonexistent/x.maps: cannot read the file"));
}

// ---------------------------------------------------------------------------------------
// --addr

fn addr(a: &str) -> String {
    run_ok(&["--from", MAPS, "--addr", a])
}

#[test]
fn addr_inside_a_file_mapping_gives_both_offsets() {
    let out = addr("0x7f77405e8123");
    assert!(
        out.contains(
            "0x7f77405e8123 is in libc.so.6 (library, r-xp), 0x1123 (4387 bytes) into the mapping; file offset 0x27123"
        ),
        "{out}"
    );
    // The mapping before, the one holding it (marked), and the one after.
    let rows: Vec<&str> = out.lines().skip(2).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].contains("00007f77405c1000-00007f77405e7000"));
    assert!(rows[1].starts_with("  ▶ 00007f77405e7000-00007f774073d000"));
    assert!(rows[2].contains("00007f774073d000-00007f7740790000"));
}

#[test]
fn addr_on_the_first_and_last_byte() {
    let first = addr("557b1610e000");
    assert!(
        first
            .contains("0x557b1610e000 is in [heap] (heap, rw-p), 0x0 (0 bytes) into the mapping\n"),
        "{first}"
    );
    let last = addr("0x557b1612efff");
    assert!(
        last.contains("is in [heap] (heap, rw-p), 0x20fff (131K) into the mapping\n"),
        "{last}"
    );
    // One past the last byte is no longer inside.
    let past = addr("0x557b1612f000");
    assert!(
        past.contains("0x557b1612f000 is in no mapping: in the "),
        "{past}"
    );
}

#[test]
fn addr_in_a_gap_says_how_far_from_each_side() {
    let out = addr("0x7f77407a4000");
    assert!(
        out.contains("0x7f77407a4000 is in no mapping: in the 36K gap 0x7f77407a3000-0x7f77407ac000, 0x1001 (4097 bytes) above the last byte of the anon mapping (rw-p) and 0x8000 (32768 bytes) under the start of the anon mapping (rw-p)"),
        "{out}"
    );
    assert!(out.contains("  ▶ 00007f77407a4000  (no mapping)"));
}

#[test]
fn addr_below_the_first_and_above_the_last_mapping() {
    let below = addr("0x1000");
    assert!(below.contains("0x1000 is in no mapping: below the first one, 0x557af4e7a000 (85.5T) under the start of t (file, r--p)"), "{below}");
    let above = addr("0xfffffffffffff000");
    assert!(above.contains("0xfffffffffffff000 is in no mapping: above the last one, 0x9fe001 (10.0M) above the last byte of [vsyscall] (vsyscall, --xp)"), "{above}");
}

#[test]
fn addr_rows_are_coloured_only_when_asked() {
    let plain = addr("0x557b1610e010");
    assert!(!plain.contains('\x1b'));
    let coloured = run_ok(&[
        "--from",
        MAPS,
        "--addr",
        "0x557b1610e010",
        "--color",
        "always",
    ]);
    assert!(
        coloured.contains("\x1b[34m  ▶ 0000557b1610e000"),
        "the heap is blue: {coloured:?}"
    );
    assert_eq!(strip_sgr(&coloured), plain);
}

#[test]
fn several_addrs_each_get_an_answer() {
    let out = run_ok(&[
        "--from",
        MAPS,
        "--addr",
        "0x1000",
        "--addr",
        "0x557b1610e000",
    ]);
    assert_eq!(out.matches(" is in ").count(), 2);
}

#[test]
fn addr_as_json_follows_the_schema() {
    let out = run_ok(&[
        "--from",
        MAPS,
        "--json",
        "--addr",
        "0x7f77405e8123",
        "--addr",
        "0x7f77407a4000",
        "--addr",
        "0x10",
        "--addr",
        "0xfffffffffffff000",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = std::fs::read_to_string("docs/vasmap.schema.json").unwrap();
    let full: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema =
        serde_json::json!({"$ref": "#/$defs/lookup_document", "$defs": full["$defs"].clone()});
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let l = &doc["lookups"];
    assert_eq!(l[0]["inside"], true);
    assert_eq!(l[0]["offset"], 0x1123);
    assert_eq!(l[0]["file_offset"], "0x27123");
    assert_eq!(l[0]["region"]["start"], "0x7f77405e7000");
    assert_eq!(l[1]["inside"], false);
    assert_eq!(l[1]["distance_below"], 0x1001);
    assert_eq!(l[1]["distance_above"], 0x8000);
    assert_eq!(l[2]["below"], serde_json::Value::Null);
    assert_eq!(l[2]["above"]["start"], "0x557af4e7b000");
    assert_eq!(l[3]["above"], serde_json::Value::Null);
    assert_eq!(l[3]["below"]["name"], "[vsyscall]");
}

#[test]
fn addr_that_is_not_a_number_is_a_usage_error() {
    let (_, err, code) = run_vasmap(&["--from", MAPS, "--addr", "main+4"]);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&err).contains(
        "'main+4' is not an address: give it in hex, with or without 0x (e.g. 0x7fa13a3f6123)"
    ));
}

// ---------------------------------------------------------------------------------------
// Filters and sorting

fn starts(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(3)
        .filter(|l| !l.starts_with(" total"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn perms_filters() {
    let x = run_ok(&["--from", MAPS, "--perms", "x"]);
    assert_eq!(
        starts(&x),
        [
            "0000557af4e7c000",
            "00007f77405e7000",
            "00007f77407b4000",
            "00007f77407b7000",
            "ffffffffff600000"
        ]
    );
    assert!(x.contains(" total 1536K in 5 mappings"), "{x}");
    let w = run_ok(&["--from", MAPS, "--perms", "w"]);
    assert_eq!(starts(&w).len(), 8);
    let wx = run_ok(&["--from", MAPS, "--perms", "wx"]);
    assert_eq!(starts(&wx).len(), 0);
    let (_, err, code) = run_vasmap(&["--from", MAPS, "--perms", "rq"]);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&err).contains("'q' is not a permission letter"));
}

#[test]
fn kind_and_name_filters_combine() {
    let out = run_ok(&["--from", MAPS, "--kind", "library,loader", "--name", "ld-*"]);
    assert_eq!(starts(&out).len(), 5);
    assert!(
        out.lines()
            .skip(3)
            .all(|l| l.contains("ld-linux") || l.starts_with(" total"))
    );
    let out = run_ok(&["--from", MAPS, "--kind", "heap", "--kind", "stack"]);
    assert_eq!(starts(&out), ["0000557b1610e000", "00007ffd79389000"]);
    let out = run_ok(&["--from", MAPS, "--name", "libc", "--perms", "rw"]);
    assert_eq!(starts(&out), ["00007f7740794000"]);
    let (_, err, code) = run_vasmap(&["--from", MAPS, "--kind", "heaps"]);
    assert_eq!(code, 2);
    assert!(
        String::from_utf8_lossy(&err).contains("'heaps' is not a kind: use one of program, loader")
    );
}

#[test]
fn filters_apply_to_pmap_and_json_too() {
    let pmap = run_ok(&["--from", MAPS, "--pmap", "--kind", "heap"]);
    assert!(
        pmap.ends_with("0000557b1610e000    132K rw---   [ anon ]\n total              132K\n"),
        "{pmap}"
    );
    let json = run_ok(&["--from", MAPS, "--json", "--perms", "x"]);
    assert_eq!(docs(&json)[0]["regions"].as_array().unwrap().len(), 5);
}

#[test]
fn sort_by_size_and_rss() {
    let out = run_ok(&["--from", MAPS, "--sort", "size"]);
    assert_eq!(
        &starts(&out)[..3],
        ["00007f77405e7000", "00007f774073d000", "00007f77405c1000"]
    );
    let out = run_ok(&["--from", SMAPS, "--sort", "rss"]);
    let json = run_ok(&["--from", SMAPS, "--sort", "rss", "--json"]);
    let rss: Vec<u64> = docs(&json)[0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["smaps"]["Rss"].as_u64().unwrap())
        .collect();
    assert!(rss.windows(2).all(|w| w[0] >= w[1]), "{rss:?}");
    assert!(rss[0] > 0);
    assert_eq!(starts(&out).len(), 24);
    // A maps capture has no figures to sort by: said on stderr, still printed.
    let (_, err, code) = run_vasmap(&["--from", MAPS, "--sort", "rss"]);
    assert_eq!(code, 0);
    assert!(String::from_utf8_lossy(&err).contains("has no smaps figures"));
}

#[test]
fn range_applies_to_json_summary_and_totals() {
    let json = run_ok(&["--from", SMAPS, "--json", "-A", "7f77405c1000,7f7740795fff"]);
    assert_eq!(docs(&json)[0]["regions"].as_array().unwrap().len(), 5);
    let totals = run_ok(&[
        "--from",
        SMAPS,
        "--totals",
        "-A",
        "7f77405c1000,7f7740795fff",
    ]);
    assert!(totals.contains(" total      1876K  976K "), "{totals}");
    let summary = run_ok(&[
        "--from",
        SMAPS,
        "--summary",
        "-A",
        "7f77405c1000,7f7740795fff",
    ]);
    assert_eq!(
        summary.lines().filter(|l| l.starts_with(" total ")).count(),
        2
    );
    assert!(summary.contains(" libc.so.6 "));
    assert!(!summary.contains("[heap]"));
}

#[test]
fn explain_is_the_same_with_filters_and_sorting() {
    let mut child = Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("start sleep");
    std::thread::sleep(Duration::from_millis(100));
    let pid = child.id().to_string();
    let rows = |args: &[&str]| -> Vec<String> {
        let mut a = vec![pid.as_str(), "--explain"];
        a.extend_from_slice(args);
        let mut v: Vec<String> = run_ok(&a)
            .lines()
            .skip(3)
            .filter(|l| l.contains(" r-xp "))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        v.sort();
        v
    };
    let all = rows(&[]);
    assert!(all.iter().any(|l| l.contains(".text")), "{all:?}");
    assert_eq!(rows(&["--perms", "x", "--sort", "size"]), all);
    assert_eq!(
        rows(&["--kind", "library,loader,program,vdso", "--sort", "size"]),
        all
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn summary_groups_libc_into_one_row() {
    let out = run_ok(&["--from", SMAPS, "--summary"]);
    let libc: Vec<&str> = out.lines().filter(|l| l.contains("libc.so.6")).collect();
    assert_eq!(libc.len(), 1, "{out}");
    let fields: Vec<&str> = libc[0].split_whitespace().collect();
    assert_eq!(fields[1], "5", "five libc mappings: {out}");
    assert_eq!(fields[2], "1876K");
    assert!(out.lines().any(|l| l.starts_with(" library ")));
    assert_eq!(out.matches(" total ").count(), 2);
}

#[test]
fn totals_from_smaps_rollup_match_the_sum_of_smaps() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let totals = run_ok(&["--totals", &pid]);
    let row: Vec<&str> = totals
        .lines()
        .find(|l| l.starts_with(" total"))
        .expect("a total row")
        .split_whitespace()
        .collect();
    let json = run_ok(&["--json", &pid]);
    let doc = &docs(&json)[0];
    let t = &doc["totals"];
    // Virtual is the kernel's VmSize: every mapping but the [vsyscall] gate page.
    let vsyscall_kb: u64 = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "vsyscall")
        .map(|r| r["size"].as_u64().unwrap() / 1024)
        .sum();
    let size_kb = t["size_kb"].as_u64().unwrap() - vsyscall_kb;
    assert_eq!(row[1], format!("{size_kb}K"), "{totals}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.contains(&format!("VmSize:\t{size_kb:>8} kB")),
        "{status}"
    );
    // No mapping count: that would need maps (the header names the columns).
    assert!(!totals.contains("Regions"), "{totals}");
    // Rollup adds bytes before rounding to kB: allow a few kB of rounding.
    let rss: i64 = row[2].trim_end_matches('K').parse().unwrap();
    assert!(
        (rss - t["rss_kb"].as_i64().unwrap()).abs() <= 8,
        "{totals} vs {t}"
    );
}

// ---------------------------------------------------------------------------------------
// diff and watch on a process the test drives

fn temp_file(dir: &Path, name: &str, pages: usize) -> String {
    let p = dir.join(name);
    std::fs::write(&p, vec![b'x'; pages * 4096]).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn diff_between_a_saved_snapshot_and_the_live_process() {
    let Some(mut d) = Driven::start() else { return };
    let pid = d.pid.to_string();
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.json");
    std::fs::write(&before, run_ok(&["--json", &pid])).unwrap();
    let file = temp_file(dir.path(), "diffed-file.bin", 3);
    d.send(&format!("map {file}"));
    d.send("heap 1048576");
    let tid = d.send("thread");
    let out = run_ok(&["diff", before.to_str().unwrap(), &pid]);
    let lines: Vec<&str> = out.lines().collect();
    let count = |pred: &dyn Fn(&str) -> bool| lines.iter().filter(|l| pred(l)).count();
    assert_eq!(
        count(&|l| l.starts_with("+ ") && l.contains("diffed-file.bin (file) added")),
        1,
        "{out}"
    );
    assert_eq!(
        count(&|l| l.starts_with("> ") && l.contains("[heap] grown at the top")),
        1,
        "{out}"
    );
    assert_eq!(
        count(&|l| l.starts_with("+ ") && l.contains(&format!("thread stack (tid {tid}) added"))),
        1,
        "{out}"
    );
    assert_eq!(count(&|l| l.starts_with("- ")), 0, "{out}");
    let heap = lines.iter().find(|l| l.contains("[heap]")).unwrap();
    assert!(
        heap.contains("RSS +10"),
        "the touched heap is resident: {heap}"
    );
    assert!(out.contains(" added (+"));
    assert!(out.contains("\n virtual: "));
    assert!(out.contains("\n     RSS: "));
    // Filters narrow a diff to the mappings of interest.
    let heap_only = run_ok(&["diff", before.to_str().unwrap(), &pid, "--kind", "heap"]);
    let changes: Vec<&str> = heap_only
        .lines()
        .filter(|l| l.starts_with(['+', '-', '>', '<', '~', '=']))
        .collect();
    assert_eq!(changes.len(), 1, "{heap_only}");
    assert!(changes[0].contains("[heap] grown"));
    assert!(heap_only.contains("0 added (+0K), 0 removed (-0K), 1 grown"));
    // Diff of two saved files, and the reverse direction.
    let after = dir.path().join("after.json");
    std::fs::write(&after, run_ok(&["--json", &pid])).unwrap();
    let back = run_ok(&["diff", after.to_str().unwrap(), before.to_str().unwrap()]);
    assert!(back.contains("diffed-file.bin (file) removed"), "{back}");
    assert!(back.contains("[heap] shrunk at the top"), "{back}");
    let same = run_ok(&["diff", after.to_str().unwrap(), after.to_str().unwrap()]);
    assert!(same.contains("no mapping changed"));
    // Colour only when asked: green for added, red for removed, around escaped text.
    assert!(!back.contains('\x1b'));
    let coloured = run_ok(&[
        "diff",
        "--color",
        "always",
        after.to_str().unwrap(),
        before.to_str().unwrap(),
    ]);
    assert!(coloured.contains("\x1b[31m-\x1b[0m "), "{coloured:?}");
    assert_eq!(strip_sgr(&coloured), back);
}

#[test]
fn diff_of_a_missing_side_is_a_clear_error() {
    let (_, err, code) = run_vasmap(&["diff", MAPS, "4194304"]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("4194304: no such process"));
}

/// Lines from a child's stdout, read on a thread so the test can wait with a timeout.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait until a line matching `pred` arrives; return every line seen until then.
fn wait_for(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, pred: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = pred(&line);
                seen.push(line);
                if hit {
                    return;
                }
            }
            Err(_) => panic!("timed out; watch printed:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn watch_reports_each_change_once_and_ends_when_the_process_exits() {
    let Some(mut d) = Driven::start() else { return };
    let pid = d.pid.to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(dir.path(), "watched-file.bin", 2);
    let mut watch = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["watch", &pid, "--interval", "50ms"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vasmap watch");
    let rx = lines_of(watch.stdout.take().unwrap());
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, |l| {
        l.starts_with(&format!("watching {pid}:"))
    });
    d.send(&format!("map {file}"));
    wait_for(&rx, &mut seen, |l| {
        l.contains("watched-file.bin (file) added")
    });
    d.send("heap 2097152");
    wait_for(&rx, &mut seen, |l| l.contains("[heap] grown"));
    let tid = d.send("thread");
    let stack = format!("thread stack (tid {tid})");
    wait_for(&rx, &mut seen, |l| l.contains(&stack));
    // A few more intervals with nothing new: nothing more may be printed about them.
    std::thread::sleep(Duration::from_millis(300));
    d.quit();
    wait_for(&rx, &mut seen, |l| {
        l.starts_with(&format!("process {pid} exited after"))
    });
    let status = watch.wait().unwrap();
    assert!(status.success());
    let n = |s: &str| seen.iter().filter(|l| l.contains(s)).count();
    let all = seen.join("\n");
    assert_eq!(n("watched-file.bin"), 1, "{all}");
    assert_eq!(n("[heap]"), 1, "{all}");
    assert_eq!(n(&stack), 1, "{all}");
    let summary = seen.last().unwrap();
    assert!(summary.contains("1 grown"), "{summary}");
    assert!(!summary.contains(" 0 added"), "{summary}");
}

#[test]
fn watch_stops_on_ctrl_c_with_a_summary() {
    let Some(d) = Driven::start() else { return };
    let pid = d.pid.to_string();
    let mut watch = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["watch", &pid, "-n", "50ms"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vasmap watch");
    let rx = lines_of(watch.stdout.take().unwrap());
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, |l| l.starts_with("watching "));
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: kill(2) on the pid of a child this test started.
    let r = unsafe { libc::kill(watch.id() as i32, libc::SIGINT) };
    assert_eq!(r, 0);
    wait_for(&rx, &mut seen, |l| l.starts_with("stopped after "));
    assert!(watch.wait().unwrap().success());
    let last = seen.last().unwrap();
    assert!(
        last.contains("0 added (+0K), 0 removed (-0K), 0 grown (+0K), 0 shrunk (-0K)"),
        "{last}"
    );
    drop(d);
}

#[test]
fn watch_of_a_missing_process_fails_clearly() {
    let (_, err, code) = run_vasmap(&["watch", "4194304"]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("4194304: no such process"));
    let (_, err, code) = run_vasmap(&["watch", "1", "--interval", "soon"]);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&err).contains("'soon' is not a duration"));
}

// ---------------------------------------------------------------------------------------
// Colour

#[test]
fn no_colour_in_a_pipe_unless_asked() {
    let plain = run_ok(&["--from", MAPS]);
    assert!(!plain.contains('\x1b'));
    let coloured = run_ok(&["--from", MAPS, "--color", "always"]);
    assert!(
        coloured.contains("\x1b[38;5;9m")
            || coloured.contains("\x1b[31m")
            || coloured.contains("\x1b[38;5;1m"),
        "{coloured:?}"
    );
    // Without the codes it is the same table.
    let stripped = strip_sgr(&coloured);
    assert_eq!(stripped, plain);
    let never = run_ok(&["--from", MAPS, "--color", "never"]);
    assert_eq!(never, plain);
}

/// The table colours a row once (its padding takes the foreground colour, which shows
/// nothing), but W+X's reverse video would paint the padding: that row is coloured cell
/// by cell, the spaces between its cells left plain.
#[test]
fn a_row_is_coloured_once_but_reverse_video_never_paints_the_padding() {
    let coloured = run_ok(&[
        "--from",
        "tests/fixtures/kinds-awkward.maps",
        "--color",
        "always",
    ]);
    let reverse = "\x1b[1;7;31m";
    let (mut plain_rows, mut wx_rows) = (0, 0);
    for line in coloured.lines().skip(2) {
        if line.contains("W+X") {
            wx_rows += 1;
            // Every reverse-video run ends before the next gap between cells.
            for run in line.split(reverse).skip(1) {
                let (text, _) = run.split_once("\x1b[0m").expect("each run is reset");
                assert!(!text.contains("  "), "reverse video over padding: {line:?}");
            }
            assert!(line.matches(reverse).count() >= 4, "{line:?}");
        } else if line.starts_with(" \x1b[") {
            plain_rows += 1;
            assert_eq!(
                line.matches("\x1b[").count(),
                2,
                "one SGR, one reset: {line:?}"
            );
            assert!(line.ends_with("\x1b[0m"), "{line:?}");
        }
    }
    assert_eq!(wx_rows, 1, "{coloured}");
    assert!(plain_rows >= 5, "{coloured}");
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn hostile_names_are_escaped_before_colour() {
    let Some(p) = Awkward::start() else { return };
    let out = run_ok(&[&p.pid.to_string(), "--color", "always", "-p"]);
    assert!(
        out.contains("esc\\e[31mred"),
        "the name's escape is shown as text"
    );
    assert!(
        !out.contains("esc\x1b"),
        "the name's own ESC never reaches the terminal"
    );
    // Every ESC vasmap writes starts an SGR sequence.
    for (i, _) in out.match_indices('\x1b') {
        let rest = &out[i + 1..];
        let end = rest.find('m').expect("an SGR sequence ends with m");
        assert!(
            rest.starts_with('[')
                && rest[1..end]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b';')
        );
    }
    // W+X is flagged in text as well as colour.
    assert!(strip_sgr(&out).contains("rwxp W+X"));
}

/// Run vasmap under a pseudo-terminal with `script`, returning what it printed.
fn under_pty(args: &str, no_color: bool) -> Option<String> {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipping: script (util-linux) is not installed");
        return None;
    }
    // A pty made by `script` without a terminal around it is 0 columns wide: set a size.
    let cmd = format!(
        "stty cols 160 rows 50; {} {args}",
        env!("CARGO_BIN_EXE_vasmap")
    );
    let mut c = Command::new("/usr/bin/script");
    c.args(["-qec", &cmd, "/dev/null"]).env("TERM", "xterm");
    if no_color {
        c.env("NO_COLOR", "1");
    } else {
        c.env_remove("NO_COLOR");
    }
    let out = c.stdin(Stdio::null()).output().expect("run script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_and_no_color_honoured() {
    let Some(tty) = under_pty(&format!("--from {MAPS}"), false) else {
        return;
    };
    assert!(tty.contains("\x1b["), "a terminal gets colour: {tty:?}");
    let Some(tty) = under_pty(&format!("--from {MAPS}"), true) else {
        return;
    };
    assert!(tty.contains("[heap]"));
    assert!(!tty.contains("\x1b["), "NO_COLOR turns it off: {tty:?}");
}

// ---------------------------------------------------------------------------------------
// Completions and man page

#[test]
fn completions_and_man_page() {
    let bash = run_ok(&["completions", "bash"]);
    assert!(bash.contains("complete -F _vasmap"), "{bash}");
    assert!(bash.contains("--summary") && bash.contains("--addr"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(run_ok(&["completions", shell]).contains("vasmap"));
    }
    let man = run_ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH vasmap"),
        "{man}"
    );
    assert!(man.contains("\\-\\-addr"));
    // The examples and exit codes of --help are man page sections of their own, unfilled
    // so their columns stay aligned.
    let examples = man
        .find(".SH \"EXAMPLES\"\n.nf\n")
        .expect("EXAMPLES section");
    let exit = man
        .find(".SH \"EXIT STATUS\"\n.nf\n")
        .expect("EXIT STATUS section");
    assert!(examples < exit, "{man}");
    assert!(man[examples..exit].contains("vasmap self \\-\\-map message.txt"));
    assert!(
        man[exit..].contains("  2  the command line is wrong"),
        "{man}"
    );
    assert!(!man.contains(".SH EXTRA"), "{man}");
    let help = run_ok(&["--help"]);
    assert!(help.contains("Examples:\n  vasmap 4972"), "{help}");
    assert!(help.contains("Exit status:\n  0  "), "{help}");
    let (_, _, code) = run_vasmap(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn the_examples_in_docs_json_md_follow_the_schema() {
    let text = std::fs::read_to_string("docs/json.md").expect("docs/json.md");
    let schema_text = std::fs::read_to_string("docs/vasmap.schema.json").unwrap();
    let full: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let region_schema = serde_json::json!({
        "$ref": "#/$defs/region",
        "$defs": full["$defs"].clone(),
    });
    let region = jsonschema::validator_for(&region_schema).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| l.starts_with("{\"start\"")) {
        // The doc shortens smaps objects to `{…}`.
        let line = line.trim_end_matches(',').replace("{…}", "{}");
        let v: serde_json::Value = serde_json::from_str(&line).expect("an example region is JSON");
        let errors: Vec<String> = region.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{line}: {errors:?}");
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} example regions found");
    // The document's first and last lines put together are a whole document minus regions.
    let head = text
        .lines()
        .find(|l| l.starts_with("{\"schema_version\""))
        .unwrap();
    let tail = text
        .lines()
        .find(|l| l.starts_with("],\"totals\""))
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&format!("{head}{tail}")).unwrap();
    assert_schema_valid(&doc);
}

#[test]
fn the_demo_takes_filters_too() {
    let out = run_ok(&[
        "self",
        "--map",
        "examples/message.txt",
        "--kind",
        "file",
        "--name",
        "message",
    ]);
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with(" Address"))
        .skip(2)
        .filter(|l| !l.starts_with(" total"))
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(
        rows[0].contains("message.txt  ◀ message.txt mapped by vasmap"),
        "{out}"
    );
}
