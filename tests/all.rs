//! `vasmap --all` on live processes: the totals are the sum of the rows, the document
//! follows docs/all.schema.json, another user's process is counted as unreadable (not
//! an error each), `--name` sums exactly the matching mappings' smaps figures, and the
//! table fits the width.

mod common;

use std::process::{Child, Command, Stdio};

use common::{Helper, run_vasmap, vasmap_as_nobody};
use serde_json::Value;

/// The tests of this file one at a time: each starts processes and reads every process
/// on the machine, so one at a time a test sees only its own processes come and go.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string("docs/all.schema.json").unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn all_json(args: &[&str]) -> Value {
    let mut full = vec!["--all", "--json"];
    full.extend_from_slice(args);
    let (out, err, code) = run_vasmap(&full);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let errors: Vec<String> = schema().iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    doc
}

fn row(doc: &Value, pid: u32) -> Option<&Value> {
    doc["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == pid)
}

/// A `sleep`, killed on drop.
struct Sleep(Child);

impl Sleep {
    fn start(cmd: &mut Command) -> Sleep {
        let child = cmd.arg("sleep").arg("300").spawn().unwrap();
        // Let it exec (a pid still in the fork is the test's copy).
        std::thread::sleep(std::time::Duration::from_millis(200));
        Sleep(child)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn totals_are_the_sum_of_the_rows_and_the_document_is_valid() {
    let _one = one_at_a_time();
    let _sleep = Sleep::start(&mut Command::new("env"));
    let doc = all_json(&["--count"]);
    let rows = doc["processes"].as_array().unwrap();
    assert!(!rows.is_empty());
    for key in [
        "rss_kb",
        "pss_kb",
        "uss_kb",
        "swap_kb",
        "swap_pss_kb",
        "mappings",
    ] {
        let sum: u64 = rows.iter().map(|r| r[key].as_u64().unwrap()).sum();
        assert_eq!(doc["totals"][key].as_u64(), Some(sum), "{key}");
    }
    assert_eq!(doc["totals"]["processes"].as_u64(), Some(rows.len() as u64));
    // In PSS order, largest first, and each process's PSS between its USS and RSS.
    let pss: Vec<u64> = rows.iter().map(|r| r["pss_kb"].as_u64().unwrap()).collect();
    assert!(pss.windows(2).all(|w| w[0] >= w[1]), "{pss:?}");
    for r in rows {
        let (rss, pss, uss) = (&r["rss_kb"], &r["pss_kb"], &r["uss_kb"]);
        assert!(
            uss.as_u64() <= pss.as_u64() && pss.as_u64() <= rss.as_u64(),
            "{r}"
        );
    }
    // The test itself is a process like any other, mappings counted.
    let me = row(&doc, std::process::id()).expect("the test's own process");
    assert!(me["mappings"].as_u64().unwrap() > 10);
    assert!(me["command"].as_str().unwrap().contains("all-"), "{me}");
}

#[test]
fn the_mapping_count_is_the_maps_file_s() {
    let _one = one_at_a_time();
    let Some(helper) = Helper::start("sharemap", &["/etc/passwd"]) else {
        return;
    };
    let lines = std::fs::read_to_string(format!("/proc/{}/maps", helper.pid))
        .unwrap()
        .lines()
        .count() as u64;
    let doc = all_json(&["--count", "--sort", "pid"]);
    let r = row(&doc, helper.pid as u32).unwrap();
    assert_eq!(r["mappings"].as_u64(), Some(lines));
    let pids: Vec<u64> = doc["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert!(pids.windows(2).all(|w| w[0] < w[1]), "--sort pid");
}

#[test]
fn another_user_s_process_is_counted_unreadable_as_nobody() {
    let _one = one_at_a_time();
    let Some(mut as_nobody) = vasmap_as_nobody() else {
        return;
    };
    let root_sleep = Sleep::start(&mut Command::new("env"));
    let Some(mut nobody) = vasmap_as_nobody() else {
        return;
    };
    // A process of nobody's own, which nobody may read.
    let setpriv = nobody.get_program().to_owned();
    let own_sleep = Sleep::start(
        Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .stdout(Stdio::null()),
    );
    let out = as_nobody.args(["--all", "--json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "no message per process");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema().is_valid(&doc));
    assert!(
        row(&doc, root_sleep.0.id()).is_none(),
        "root's sleep is not shown"
    );
    assert!(
        doc["left_out"]["denied"].as_u64().unwrap() >= 1,
        "{}",
        doc["left_out"]
    );
    let own = row(&doc, own_sleep.0.id()).expect("nobody's own sleep");
    assert_eq!(own["uid"], 65534);
    // The table says it in one line.
    let out = nobody.args(["--all"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let denied: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("permission denied"))
        .collect();
    assert_eq!(denied.len(), 1, "{text}");
    assert!(denied[0].contains("run vasmap as root"), "{text}");
}

/// The sums of one process's smaps records whose name ends with `suffix`: (rss, pss,
/// count), from the test's own read of the file.
fn smaps_sums(pid: i32, suffix: &str) -> (u64, u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let (mut rss, mut pss, mut n, mut inside) = (0, 0, 0, false);
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            inside = line.trim_end().ends_with(suffix);
            n += u64::from(inside);
            continue;
        }
        let kb = || {
            line.split_whitespace()
                .nth(1)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        if inside && first == "Rss:" {
            rss += kb();
        } else if inside && first == "Pss:" {
            pss += kb();
        }
    }
    (rss, pss, n)
}

#[test]
fn name_sums_exactly_the_matching_mappings() {
    let _one = one_at_a_time();
    // A file no other process maps, shared by two: each one's PSS of it is deterministic.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vasmap-all-shared.bin");
    std::fs::write(&file, vec![7u8; 64 * 1024]).unwrap();
    let path = file.to_str().unwrap();
    let (Some(a), Some(b)) = (
        Helper::start("sharemap", &[path]),
        Helper::start("sharemap", &[path]),
    ) else {
        return;
    };
    let doc = all_json(&["--name", "vasmap-all-shared.bin"]);
    assert_eq!(doc["filtered"], true);
    assert_eq!(doc["processes"].as_array().unwrap().len(), 2, "{doc}");
    for h in [&a, &b] {
        let r = row(&doc, h.pid as u32).unwrap();
        let (rss, pss, n) = smaps_sums(h.pid, "vasmap-all-shared.bin");
        assert_eq!(r["mappings"].as_u64(), Some(n));
        assert_eq!(n, 2, "one shared and one private mapping");
        assert_eq!(r["rss_kb"].as_u64(), Some(rss));
        assert_eq!(r["pss_kb"].as_u64(), Some(pss));
        // The same pages counted whole in RSS, halved in PSS (two sharers).
        assert!(rss >= 128 && pss < rss, "rss {rss} pss {pss}");
    }
}

/// The path of the libc this test runs on, from its own maps.
fn own_libc() -> std::path::PathBuf {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|n| n.ends_with("/libc.so.6"))
        .map(std::path::PathBuf::from)
        .expect("the test links libc.so.6")
}

#[test]
fn name_libc_is_each_process_s_share_of_libc() {
    let _one = one_at_a_time();
    // Two sleeps share a copy of libc no other process maps (the dynamic loader takes it
    // from LD_LIBRARY_PATH), so each one's share of its pages stays put while the test
    // reads it, whatever else the machine starts and ends (the system's libc is shared
    // with every process, vasmap and the compilers of a build beside it included).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("libc.so.6");
    std::fs::copy(own_libc(), &copy).unwrap();
    let start = || {
        Sleep::start(Command::new("env").arg(format!("LD_LIBRARY_PATH={}", dir.path().display())))
    };
    let (sleep, _other) = (start(), start());
    let pid = sleep.0.id();
    let (out, _, _) = run_vasmap(&["--json", &pid.to_string()]);
    let one: Value = serde_json::from_slice(&out).unwrap();
    let libc: Vec<&Value> = one["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"].as_str().is_some_and(|n| n.ends_with("libc.so.6")))
        .collect();
    assert!(!libc.is_empty(), "sleep maps libc");
    let copy = copy.to_str().unwrap();
    assert!(
        libc.iter().all(|r| r["name"] == copy),
        "sleep maps the copy only: {libc:?}"
    );
    let sum = |field: &str| -> u64 {
        libc.iter()
            .map(|r| r["smaps"][field].as_u64().unwrap())
            .sum()
    };
    let doc = all_json(&["--name", "libc.so.6"]);
    let r = row(&doc, pid).expect("sleep maps libc.so.6");
    assert_eq!(r["mappings"].as_u64(), Some(libc.len() as u64));
    assert_eq!(r["pss_kb"].as_u64(), Some(sum("Pss")));
    assert_eq!(r["rss_kb"].as_u64(), Some(sum("Rss")));
    // Its pages are shared with the other sleep: a share is less than what is resident.
    assert!(
        sum("Pss") < sum("Rss"),
        "{} against {}",
        sum("Pss"),
        sum("Rss")
    );
}

#[test]
fn users_sorts_and_usage_errors() {
    let _one = one_at_a_time();
    let doc = all_json(&["--user", "root", "--sort", "rss"]);
    let rows = doc["processes"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["uid"] == 0));
    let rss: Vec<u64> = rows.iter().map(|r| r["rss_kb"].as_u64().unwrap()).collect();
    assert!(rss.windows(2).all(|w| w[0] >= w[1]));
    for bad in [
        &["--all", "--sort", "size"][..],
        &["--all", "--user", "no-such-user-here"],
        &["--sort", "pid", "1"],
        &["--user", "root", "1"],
        &["--all", "1"],
        &["--count", "1"],
    ] {
        let (_, err, code) = run_vasmap(bad);
        assert_eq!(code, 2, "{bad:?}: {}", String::from_utf8_lossy(&err));
    }
}

#[test]
fn the_table_fits_the_width_and_csv_has_a_row_each() {
    let _one = one_at_a_time();
    for width in ["60", "80", "120"] {
        let (out, _, code) = run_vasmap(&["--all", "--width", width]);
        assert_eq!(code, 0);
        let text = String::from_utf8(out).unwrap();
        let w: usize = width.parse().unwrap();
        for line in text.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= w,
                "{width}: {line:?}"
            );
        }
        assert!(
            text.lines().any(|l| l.trim_end().ends_with("total")),
            "{text}"
        );
    }
    let (out, _, code) = run_vasmap(&["--all", "-o", "csv"]);
    assert_eq!(code, 0);
    let mut rd = csv::Reader::from_reader(&out[..]);
    let header = rd.headers().unwrap().clone();
    assert_eq!(&header[0], "pid");
    assert_eq!(&header[header.len() - 1], "command");
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| r[0] == std::process::id().to_string()));
}
