//! `--explain` in the scripting outputs: an `explain` object per region in JSON (`text`, and
//! `sections` for a mapping of an ELF file), a last `explain` column in CSV, nothing new
//! without `--explain`, and `--from` reading such a JSON document back.

mod common;

use std::os::unix::fs::MetadataExt;

use common::{Awkward, assert_schema_valid, assert_terminal_safe, run_ok, run_vasmap};
use serde_json::Value;

const SMAPS: &str = "tests/fixtures/simple.smaps";
/// libc in `tests/fixtures/simple.smaps`, as the capture names it.
const FIXTURE_LIBC: &str = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const FIXTURE_LIBC_INODE: u64 = 326279;
const FIXTURE_LIBC_TEXT: &str = "0x7f77405e7000";
const FIXTURE_LIBC_BSS_REST: &str = "0x7f7740796000";

fn doc(text: &str) -> Value {
    serde_json::from_str(text).expect("vasmap --json output is one JSON document")
}

fn regions(doc: &Value) -> &Vec<Value> {
    doc["regions"].as_array().expect("regions is an array")
}

fn sections(region: &Value) -> Vec<&str> {
    region["explain"]["sections"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// libc's code row and the heap row of a document.
fn libc_code_and_heap(doc: &Value) -> (&Value, &Value) {
    let rs = regions(doc);
    let libc = rs
        .iter()
        .find(|r| {
            r["perms"] == "r-xp"
                && r["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with("/libc.so.6"))
        })
        .expect("a libc r-xp row");
    let heap = rs.iter().find(|r| r["kind"] == "heap").expect("a heap row");
    (libc, heap)
}

/// Every region has an explanation with a text; sections only on mappings of files.
fn assert_every_region_explained(doc: &Value) {
    for r in regions(doc) {
        let text = r["explain"]["text"].as_str().unwrap_or_default();
        assert!(!text.is_empty(), "no explanation: {r}");
        if r["explain"].get("sections").is_some() {
            assert!(
                r["inode"].as_u64() != Some(0),
                "sections on anonymous memory: {r}"
            );
            assert!(!sections(r).is_empty(), "an empty sections list: {r}");
        }
    }
}

/// The capture's libc is this machine's libc (same inode): its sections can be read.
fn fixture_libc_is_here() -> bool {
    let here = std::fs::metadata(FIXTURE_LIBC).is_ok_and(|m| m.ino() == FIXTURE_LIBC_INODE);
    if !here {
        eprintln!("{FIXTURE_LIBC} is not the file the capture mapped: sections not checked");
    }
    here
}

#[test]
fn explain_json_of_vasmap_itself() {
    let text = run_ok(&["self", "--explain", "--json"]);
    let d = doc(&text);
    assert_schema_valid(&d);
    assert_every_region_explained(&d);
    let (libc, heap) = libc_code_and_heap(&d);
    assert!(sections(libc).contains(&".text"), "{libc}");
    assert!(
        libc["explain"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(".text")),
        "{libc}"
    );
    assert!(
        heap["explain"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("heap")),
        "{heap}"
    );
    assert!(heap["explain"].get("sections").is_none(), "{heap}");
    // The program's own code too.
    let program_code = regions(&d)
        .iter()
        .find(|r| r["kind"] == "program" && r["perms"] == "r-xp")
        .expect("vasmap's own code row");
    assert!(sections(program_code).contains(&".text"), "{program_code}");
}

#[test]
fn without_explain_there_is_no_explain_key() {
    for args in [
        &["self", "--json"][..],
        &["--from", SMAPS, "--json"][..],
        &["--from", "tests/fixtures/simple.maps", "--json"][..],
    ] {
        let text = run_ok(args);
        assert!(!text.contains("\"explain\""), "{args:?}");
        let d = doc(&text);
        assert!(regions(&d).iter().all(|r| r.get("explain").is_none()));
    }
    let csv = run_ok(&["--from", SMAPS, "-o", "csv"]);
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",VmFlags"), "{header}");
    assert!(!header.contains("explain"), "{header}");
}

#[test]
fn explain_json_of_a_fixture() {
    let text = run_ok(&["--from", SMAPS, "--explain", "--json"]);
    let d = doc(&text);
    assert_schema_valid(&d);
    assert_every_region_explained(&d);
    assert_eq!(regions(&d).len(), 24);
    let (libc, heap) = libc_code_and_heap(&d);
    assert_eq!(libc["start"], FIXTURE_LIBC_TEXT);
    assert!(
        heap["explain"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("heap")),
        "{heap}"
    );
    let vsyscall = regions(&d).last().unwrap();
    assert!(
        vsyscall["explain"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("vsyscall")),
        "{vsyscall}"
    );
    if fixture_libc_is_here() {
        assert!(sections(libc).contains(&".text"), "{libc}");
        // Every name the one-line text gives is one of the sections.
        let line = libc["explain"]["text"].as_str().unwrap();
        for name in line.split([',', ' ']).filter(|w| w.starts_with('.')) {
            assert!(sections(libc).contains(&name), "{name} in {line}");
        }
    } else {
        assert!(libc["explain"].get("sections").is_none(), "{libc}");
    }
}

#[test]
fn explanations_are_worked_out_before_filters_and_range() {
    // The anonymous row after libc's data is "the rest of libc's .bss": that comes from its
    // neighbour, which `-A`, `--kind` and `--sort` take away or move.
    let full = doc(&run_ok(&["--from", SMAPS, "--explain", "--json"]));
    let want = regions(&full)
        .iter()
        .find(|r| r["start"] == FIXTURE_LIBC_BSS_REST)
        .expect("the row after libc's data")["explain"]
        .clone();
    if fixture_libc_is_here() {
        assert!(
            want["text"].as_str().is_some_and(|t| t.contains(".bss")),
            "{want}"
        );
    }
    for extra in [
        &["-A", "0x7f7740796000,0x7f7740797000"][..],
        &["--kind", "anon"][..],
        &["--sort", "size"][..],
    ] {
        let mut args = vec!["--from", SMAPS, "--explain", "--json"];
        args.extend_from_slice(extra);
        let d = doc(&run_ok(&args));
        let got = regions(&d)
            .iter()
            .find(|r| r["start"] == FIXTURE_LIBC_BSS_REST)
            .unwrap_or_else(|| panic!("{extra:?} kept the row"));
        assert_eq!(got["explain"], want, "{extra:?}");
        if extra[0] == "-A" {
            assert_eq!(regions(&d).len(), 1, "{extra:?}");
        }
    }
}

#[test]
fn from_reads_explained_json_back() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("explained.json");
    let explained = run_ok(&["--from", SMAPS, "--explain", "--json"]);
    std::fs::write(&saved, &explained).unwrap();
    let saved = saved.to_str().unwrap();
    // The explain objects are read and ignored: the same regions, figures and process.
    assert_eq!(
        run_ok(&["--from", saved, "--json"]),
        run_ok(&["--from", SMAPS, "--json"])
    );
    assert_eq!(
        run_ok(&["--from", saved, "-x"]),
        run_ok(&["--from", SMAPS, "-x"])
    );
    // And explained again from what was read, they come out the same.
    assert_eq!(run_ok(&["--from", saved, "--explain", "--json"]), explained);
    // Through a pipe too (`--from /dev/stdin`).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["--from", "/dev/stdin", "--pmap"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(explained.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let pmap_of_fixture = run_ok(&["--from", SMAPS, "--pmap"]);
    // The pmap header names the source; the rows must match.
    let rows = |s: &str| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        rows(&String::from_utf8(out.stdout).unwrap()),
        rows(&pmap_of_fixture)
    );
}

#[test]
fn explain_csv_has_a_last_quoted_column() {
    let text = run_ok(&["--from", SMAPS, "--explain", "-o", "csv"]);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("explain"));
    assert_eq!(header.get(header.len() - 2), Some("VmFlags"));
    let json = doc(&run_ok(&["--from", SMAPS, "--explain", "--json"]));
    let mut rows = 0;
    for (rec, region) in r.records().zip(regions(&json)) {
        let rec = rec.expect("a well-formed CSV row");
        assert_eq!(rec.len(), header.len());
        assert_eq!(rec.get(0), region["start"].as_str());
        // The texts have commas ("ELF header, .dynsym, ..."): quoted, they stay one field.
        assert_eq!(
            rec.get(header.len() - 1),
            region["explain"]["text"].as_str()
        );
        rows += 1;
    }
    assert_eq!(rows, 24);
    assert!(
        text.contains(",\"ELF header, "),
        "the comma texts are quoted"
    );
    let heap = text.lines().find(|l| l.contains(",heap,")).unwrap();
    assert!(
        heap.ends_with("grows up from the program break (brk)"),
        "{heap}"
    );
    // A maps capture has no smaps columns: the column is still the last one.
    let maps = run_ok(&[
        "--from",
        "tests/fixtures/simple.maps",
        "--explain",
        "-o",
        "csv",
    ]);
    assert!(
        maps.lines().next().unwrap().ends_with(",name,wx,explain"),
        "{maps}"
    );
}

#[test]
fn explain_json_of_an_awkward_process_is_valid_and_terminal_safe() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let (out, err, code) = run_vasmap(&[&pid, "--explain", "--json"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert_terminal_safe("--explain --json", &out);
    let d = doc(std::str::from_utf8(&out).unwrap());
    assert_schema_valid(&d);
    assert_every_region_explained(&d);
    let text_of = |kind: &str| -> Vec<String> {
        regions(&d)
            .iter()
            .filter(|r| r["kind"] == kind)
            .filter_map(|r| r["explain"]["text"].as_str().map(str::to_string))
            .collect()
    };
    assert!(text_of("memfd").iter().all(|t| t.contains("memfd")));
    assert!(text_of("sysv_shm").iter().all(|t| t.contains("System V")));
    assert!(
        text_of("thread_stack")
            .iter()
            .all(|t| t.contains("stack of thread"))
    );
    assert!(!text_of("thread_stack").is_empty());
    let (out, _, code) = run_vasmap(&[&pid, "--explain", "-o", "csv"]);
    assert_eq!(code, 0);
    assert_terminal_safe("--explain -o csv", &out);
}

#[test]
fn the_explain_examples_in_docs_json_md_follow_the_schema() {
    let text = std::fs::read_to_string("docs/json.md").expect("docs/json.md");
    let schema_text = std::fs::read_to_string("docs/vasmap.schema.json").unwrap();
    let full: Value = serde_json::from_str(&schema_text).unwrap();
    let region_schema = serde_json::json!({
        "$ref": "#/$defs/region",
        "$defs": full["$defs"].clone(),
    });
    let region = jsonschema::validator_for(&region_schema).unwrap();
    let examples: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with("{\"start\"") && l.contains("\"explain\""))
        .map(|l| serde_json::from_str(&l.trim_end_matches(',').replace("{…}", "{}")).unwrap())
        .collect();
    assert!(
        examples.len() >= 5,
        "only {} explain examples",
        examples.len()
    );
    for v in &examples {
        let errors: Vec<String> = region.iter_errors(v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{v}: {errors:?}");
    }
    assert!(examples.iter().any(
        |r| r["name"].as_str().is_some_and(|n| n.ends_with("libc.so.6"))
            && sections(r).contains(&".text")
    ));
    // A wrong explain object is refused: the schema really checks it.
    let mut bad = examples[0].clone();
    bad["explain"]["sections"] = serde_json::json!([]);
    assert!(!region.is_valid(&bad));
    bad["explain"] = serde_json::json!({"sections": [".text"]});
    assert!(!region.is_valid(&bad));
}
