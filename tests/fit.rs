//! vasmap's own views fit the terminal they are printed on (issue 10): on a pseudo-terminal
//! of 60, 80 and 120 columns, the table, `-x`, `-X`, `-XX`, `-d` and `--explain` of a
//! process with long and hostile names print one line per mapping, no line wider than the
//! terminal, and no word or number split: every piece of a row is whole in the same
//! view printed through a pipe (where the table is as wide as it needs), except a name
//! shortened with `…`. Columns left out are said, under the table.

mod common;

use common::{Awkward, on_terminal, run_vasmap};
use unicode_width::UnicodeWidthStr;

/// The rows of a table: lines that start with a space and a 16-digit address.
fn rows(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            let a = l.strip_prefix(' ').unwrap_or("");
            a.len() > 16 && a.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
        })
        .collect()
}

fn check(pid: i32, view: &[&str], cols: u16) {
    let pid = pid.to_string();
    let mut args: Vec<&str> = view.to_vec();
    args.push(&pid);
    let Some(tty) = on_terminal(cols, &args) else {
        return;
    };
    let (wide, err, code) = run_vasmap(&args);
    assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
    let wide = String::from_utf8(wide).unwrap();
    common::assert_terminal_safe(&format!("{args:?} at {cols}"), tty.as_bytes());
    for line in tty.lines() {
        assert!(
            line.width() <= usize::from(cols),
            "{args:?} at {cols} columns: a line of {} columns:\n{line}\n{tty}",
            line.width()
        );
    }
    let maps =
        String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/maps")).unwrap()).into_owned();
    let (narrow_rows, wide_rows) = (rows(&tty), rows(&wide));
    assert_eq!(
        narrow_rows.len(),
        maps.lines().count(),
        "{args:?} at {cols}:\n{tty}"
    );
    assert_eq!(narrow_rows.len(), wide_rows.len(), "{args:?} at {cols}");
    for (n, w) in narrow_rows.iter().zip(&wide_rows) {
        let whole: Vec<&str> = w.split_whitespace().collect();
        assert_eq!(n.split_whitespace().next(), whole.first().copied());
        for token in n.split_whitespace() {
            assert!(
                token.contains('…') || whole.contains(&token),
                "{args:?} at {cols}: '{token}' is not a whole piece of\n{w}\nin\n{n}"
            );
        }
    }
    // Lines under rows (`--explain`'s words) hold whole words of the explanation.
    let words: Vec<&str> = wide.split_whitespace().collect();
    for line in tty
        .lines()
        .filter(|l| l.starts_with("    ") && !l.trim().is_empty())
    {
        for token in line.split_whitespace() {
            assert!(
                token.contains('…') || words.contains(&token),
                "{args:?} at {cols}: '{token}' is split:\n{line}"
            );
        }
    }
}

#[test]
fn every_view_fits_60_80_and_120_columns() {
    // Statically linked: no shared library whose PSS moves between the two runs.
    let Some(p) = Awkward::start_static() else {
        return;
    };
    for view in [
        &[][..],
        &["-x"],
        &["-X"],
        &["-XX"],
        &["-d"],
        &["-x", "-d"],
        &["--explain"],
    ] {
        for cols in [60, 80, 120] {
            check(p.pid, view, cols);
        }
    }
}

#[test]
fn columns_left_out_are_said_and_a_pipe_shows_them() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let Some(tty) = on_terminal(80, &["-XX", &pid]) else {
        return;
    };
    // The note may take more than one line: read it as one.
    let text = tty.split_whitespace().collect::<Vec<_>>().join(" ");
    let note = text
        .split(" total ")
        .last()
        .filter(|n| n.contains("left out to fit 80 columns"))
        .unwrap_or_else(|| panic!("no note of the columns left out:\n{tty}"));
    assert!(
        note.contains("VmFlags,") || note.contains("VmFlags "),
        "{note}"
    );
    assert!(
        note.contains("--width=") && note.contains("(or a pipe) shows every column"),
        "{note}"
    );
    let (wide, _, _) = run_vasmap(&["-XX", &pid]);
    let wide = String::from_utf8(wide).unwrap();
    assert!(!wide.contains("left out"), "{wide}");
    assert!(wide.lines().nth(1).unwrap().contains("VmFlags"));
}

#[test]
fn a_long_name_is_shortened_in_the_middle_keeping_its_end() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let Some(tty) = on_terminal(80, &["-p", &pid]) else {
        return;
    };
    // The ~2000-byte path of long-name.txt, with -p: its end is what stays.
    let row = rows(&tty)
        .into_iter()
        .find(|l| l.ends_with("long-name.txt"))
        .unwrap_or_else(|| panic!("{tty}"));
    assert!(row.contains('…'), "{row}");
    assert!(row.contains("/tmp/") || row.contains("/t"), "{row}");
}

#[test]
fn the_demo_mark_stays_on_its_row() {
    for cols in [60, 80] {
        let Some(tty) = on_terminal(cols, &["self", "--map", "examples/message.txt"]) else {
            return;
        };
        let marked: Vec<&str> = rows(&tty).into_iter().filter(|l| l.contains('◀')).collect();
        assert_eq!(marked.len(), 1, "{tty}");
        assert!(marked[0].contains("message.txt"), "{}", marked[0]);
        assert!(
            rows(&tty).iter().all(|l| l.width() <= usize::from(cols)),
            "{tty}"
        );
    }
}

/// Every line of `tty` fits `cols` columns.
fn assert_fits(what: &str, tty: &str, cols: usize) {
    for line in tty.lines() {
        assert!(
            line.width() <= cols,
            "{what} at {cols} columns: a line of {} columns:\n{line}\n{tty}",
            line.width()
        );
    }
}

#[test]
fn addr_and_diff_fit_the_terminal_and_a_pipe_keeps_one_line_each() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    let (json, _, code) = run_vasmap(&["--json", "-p", &pid]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let regions = doc["regions"].as_array().unwrap();
    let long = regions
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("long-name.txt"))
        })
        .expect("the long name's mapping");
    let inside = long["start"].as_str().unwrap()[2..].to_string();
    // An address in the gap above the last mapping below 47 bits: a long sentence.
    let gap = "7fffffff0000";
    for cols in [60, 80] {
        let Some(tty) = on_terminal(cols, &["-p", &pid, "--addr", &inside, "--addr", gap]) else {
            return;
        };
        assert_fits("--addr", &tty, usize::from(cols));
        assert!(tty.contains("long-name.txt"), "{tty}");
        assert!(tty.contains('…'), "the long name is shortened: {tty}");
    }
    // Piped: each answer on one line, the name whole.
    let (out, _, _) = run_vasmap(&["-p", &pid, "--addr", &inside]);
    let out = String::from_utf8(out).unwrap();
    let said = out.lines().nth(1).unwrap();
    assert!(said.contains(long["name"].as_str().unwrap()), "{said}");

    // A diff against a snapshot without the long-named mapping and with a smaller heap:
    // an added row with a 2000-byte name, and a grown heap with its figures.
    let dir = tempfile::tempdir().unwrap();
    let mut before = doc.clone();
    let kept: Vec<serde_json::Value> = regions
        .iter()
        .filter(|r| r["start"] != long["start"])
        .cloned()
        .collect();
    before["regions"] = serde_json::Value::Array(kept);
    let path = dir.path().join("before.json");
    std::fs::write(&path, serde_json::to_vec(&before).unwrap()).unwrap();
    let path = path.to_str().unwrap();
    for cols in [60, 80] {
        let Some(tty) = on_terminal(cols, &["diff", "-p", path, &pid]) else {
            return;
        };
        assert_fits("diff", &tty, usize::from(cols));
        let added: Vec<&str> = tty.lines().filter(|l| l.starts_with("+ ")).collect();
        assert!(
            added
                .iter()
                .any(|l| l.contains('…') && l.ends_with("name.txt (file) added")),
            "one line, the name shortened: {tty}"
        );
    }
    let (out, _, code) = run_vasmap(&["diff", "-p", path, &pid]);
    assert_eq!(code, 0);
    let out = String::from_utf8(out).unwrap();
    let added = out
        .lines()
        .find(|l| l.starts_with("+ "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        added.contains(long["name"].as_str().unwrap()) && added.ends_with(" added"),
        "piped, one whole line: {added}"
    );
}
