//! A process that exits by itself while vasmap reads it (issue 11): in every view, the
//! output is whole with exit 0, or nothing at all on stdout with a message and exit 1.
//! Never a valid-looking partial table, document or picture.
//!
//! Between the kernel letting the address space go and the task becoming a zombie, reads
//! of `maps` end early while `stat` still says `R`; vasmap checks the exiting flag
//! (`PF_EXITING`) after its last read. Each race starts a helper with a few thousand
//! mappings, lets it exit after a delay spread over the time vasmap takes to read it,
//! and checks what vasmap printed.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Pages the helper maps (every other one read-only: one mapping each).
const PAGES: &str = "6000";

/// Pages for the race past the 4 MiB vasmap holds in memory (`--json -x` of 16,000
/// mappings is 8.5 MB: the output spills to a temporary file while it is held).
const SPILL_PAGES: &str = "16000";
/// Races per view.
const RACES: usize = 24;

/// A started helper: its pid, its mapping count, and the pipe that tells it when to go.
struct Exiting {
    child: std::process::Child,
    pid: i32,
    count: usize,
}

impl Exiting {
    fn start(bin: &std::path::Path, pages: &str) -> Exiting {
        let mut child = Command::new(bin)
            .arg(pages)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut words = line.split_whitespace().skip(1);
        let pid = words.next().unwrap().parse().unwrap();
        let count = words.next().unwrap().parse().unwrap();
        Exiting { child, pid, count }
    }

    /// Exit `us` microseconds from now.
    fn exit_in(&mut self, us: u64) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{us}").unwrap();
        stdin.flush().unwrap();
    }
}

/// How many mappings a whole output of `view` shows, or why it is not whole.
fn shown(view: &[&str], out: &str) -> Result<usize, String> {
    let rows = |prefix_len: usize| {
        out.lines()
            .filter(|l| {
                let a = l.trim_start();
                a.len() > prefix_len
                    && a.as_bytes()[..prefix_len].iter().all(u8::is_ascii_hexdigit)
                    && a.as_bytes()[prefix_len] == b' '
            })
            .count()
    };
    match view {
        ["--totals"] => {
            // No rows: whole is the header and the kernel's total.
            let whole = out.lines().count() == 4
                && out.lines().nth(3).is_some_and(|l| l.starts_with(" total "));
            if whole {
                Ok(0)
            } else {
                Err(format!("not the whole --totals:\n{out}"))
            }
        }
        ["--addr", ..] => {
            // Above every mapping but [vsyscall]: a read cut short would answer from the
            // mappings it saw, without [stack], which comes near the end.
            if out.contains("is in no mapping") && out.contains("[stack]") {
                Ok(1)
            } else {
                Err(format!("not the whole answer:\n{out}"))
            }
        }
        ["report", ..] => {
            if !out.trim_end().ends_with("</html>") {
                return Err("no end of the page".into());
            }
            let body = out.split("<tbody>").nth(1).ok_or("no table")?;
            let body = body.split("</tbody>").next().unwrap_or("");
            Ok(body.lines().filter(|l| l.starts_with("<tr")).count())
        }
        ["--json", ..] => {
            let doc: serde_json::Value =
                serde_json::from_str(out).map_err(|e| format!("not one JSON document: {e}"))?;
            Ok(doc["regions"].as_array().ok_or("no regions")?.len())
        }
        ["-o", "csv"] => Ok(out.lines().count().saturating_sub(1)),
        ["--summary"] => {
            let total = out
                .lines()
                .find(|l| l.trim_start().starts_with("total "))
                .ok_or("no total row")?;
            total
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("no count in {total}"))
        }
        ["layout"] => out
            .lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| "no mapping count".into()),
        ["--pmap", "-X"] => {
            // Rows are the lines after the header whose first word is an address.
            Ok(out
                .lines()
                .skip(2)
                .filter(|l| {
                    l.split_whitespace()
                        .next()
                        .is_some_and(|w| w.len() >= 8 && w.bytes().all(|b| b.is_ascii_hexdigit()))
                })
                .count())
        }
        ["--pmap", ..] => {
            if !out
                .lines()
                .any(|l| l.starts_with(" total ") || l.starts_with("total kB"))
            {
                return Err("no total line".into());
            }
            Ok(rows(16))
        }
        _ => {
            if !out.lines().any(|l| l.starts_with(" total ")) {
                return Err("no total line".into());
            }
            Ok(rows(16))
        }
    }
}

/// What a whole output of `view` shows of a helper with `count` mappings.
fn expected(view: &[&str], count: usize) -> usize {
    match view {
        ["--totals"] => 0,
        ["--addr", ..] => 1,
        _ => count,
    }
}

#[test]
fn a_process_exiting_while_read_is_whole_or_absent_in_every_view() {
    let views: [&[&str]; 15] = [
        &[],
        &["-x"],
        &["-d"],
        &["--explain"],
        &["--sort", "rss", "-x"],
        &["--json", "-x"],
        &["-o", "csv"],
        &["--summary"],
        &["--totals"],
        &["--addr", "7ffffffff000"],
        &["--pmap"],
        &["--pmap", "-x"],
        &["--pmap", "-X"],
        &["layout"],
        &["report", "-o", "-"],
    ];
    race(&views, PAGES, RACES);
}

#[test]
fn a_process_exiting_while_read_past_what_memory_holds_is_whole_or_absent() {
    race(&[&["--json", "-x"]], SPILL_PAGES, RACES / 2);
}

/// Race a helper of `pages` pages exiting by itself against each view, `races` times.
fn race(views: &[&[&str]], pages: &str, races: usize) {
    let Some(bin) = common::c_helper("exits") else {
        return;
    };
    let mut cut_short = 0;
    for &view in views {
        // How long a whole read takes here, to spread the exits over it.
        let mut calm = Exiting::start(&bin, pages);
        let pid = calm.pid.to_string();
        let mut args: Vec<&str> = view.to_vec();
        args.push(&pid);
        let t = Instant::now();
        let (out, err, code) = common::run_vasmap(&args);
        let took = t.elapsed().as_micros() as u64;
        assert_eq!(code, 0, "{view:?}: {}", String::from_utf8_lossy(&err));
        assert_eq!(
            shown(view, &String::from_utf8_lossy(&out)),
            Ok(expected(view, calm.count)),
            "{view:?}"
        );
        calm.exit_in(0);
        calm.child.wait().unwrap();
        for i in 0..races {
            let mut p = Exiting::start(&bin, pages);
            let pid = p.pid.to_string();
            let mut args: Vec<&str> = view.to_vec();
            args.push(&pid);
            let vasmap = Command::new(env!("CARGO_BIN_EXE_vasmap"))
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            p.exit_in(took * i as u64 / races as u64);
            let done = vasmap.wait_with_output().unwrap();
            p.child.wait().unwrap();
            let (out, err) = (
                String::from_utf8_lossy(&done.stdout),
                String::from_utf8_lossy(&done.stderr),
            );
            match done.status.code() {
                Some(0) => assert_eq!(
                    shown(view, &out),
                    Ok(expected(view, p.count)),
                    "{view:?}: exit 0 with a partial output:\n{out}\n{err}"
                ),
                Some(1) => {
                    // pmap prints what pmap prints for a zombie: its header and nothing.
                    let zombie_header = view.first() == Some(&"--pmap") && err.contains("zombie");
                    assert!(
                        out.is_empty() || zombie_header,
                        "{view:?}: exit 1 with output:\n{out}"
                    );
                    assert!(
                        [
                            "exited while it was being read",
                            "no such process",
                            "zombie"
                        ]
                        .iter()
                        .any(|m| err.contains(m)),
                        "{view:?}: {err}"
                    );
                    if err.contains("exited while it was being read") {
                        cut_short += 1;
                    }
                }
                other => panic!("{view:?}: exit {other:?}: {err}"),
            }
        }
    }
    // The races did happen: some reads were cut short and caught.
    eprintln!("{cut_short} reads cut short and caught");
    assert!(
        cut_short > 0,
        "no race was caught: the delays missed every read"
    );
}
