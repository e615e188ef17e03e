//! The views vasmap prints as it reads (pmap mode, the table, JSON, `--summary`) print the
//! same bytes as the same views rendered from a whole snapshot, and stay within the
//! memory budget of docs/performance.md on a process with many mappings.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;
use common::{Awkward, run_vasmap};
use vasmap::cli::Cli;
use vasmap::read::proc::{ProcDir, ReadOptions};
use vasmap::view::pmap::Session;
use vasmap::view::{OutputFormat, render};

/// What the snapshot path prints for `vasmap ARGS`.
fn from_snapshot(args: &[&str]) -> Vec<u8> {
    let mut argv = vec!["vasmap"];
    argv.extend_from_slice(args);
    let cli = Cli::parse_from(&argv);
    let opts = cli.line.view.to_options();
    let vasmap::cli::ProcessArg::Pid(pid) = cli.line.pids[0] else {
        panic!("a pid, not a name: {args:?}");
    };
    let smaps =
        opts.needs_smaps() || matches!(opts.format, OutputFormat::Json | OutputFormat::Summary);
    let snap = ProcDir::open(pid)
        .unwrap()
        .snapshot(ReadOptions {
            smaps,
            ..ReadOptions::default()
        })
        .unwrap();
    let mut out = Vec::new();
    match opts.format {
        OutputFormat::Pmap => Session::default().render(&snap, &opts, &mut out).unwrap(),
        _ => render(&snap, &opts, &mut out).unwrap(),
    }
    out
}

fn assert_same(args: &[&str]) {
    let (streamed, err, code) = run_vasmap(args);
    assert_eq!(
        code,
        0,
        "vasmap {args:?}: {}",
        String::from_utf8_lossy(&err)
    );
    let snapshot = from_snapshot(args);
    assert!(
        streamed == snapshot,
        "vasmap {args:?} streamed differs from the snapshot path\n--- streamed\n{}\n--- snapshot\n{}",
        String::from_utf8_lossy(&streamed),
        String::from_utf8_lossy(&snapshot)
    );
}

#[test]
fn streamed_views_equal_the_snapshot_views() {
    // Statically linked: no shared library whose PSS moves while the test runs.
    let Some(p) = Awkward::start_static() else {
        return;
    };
    let pid = p.pid.to_string();
    let pid = pid.as_str();
    for args in [
        &["--pmap", pid][..],
        &["--pmap", "-p", pid],
        &["--pmap", "-q", pid],
        &["--pmap", "-x", pid],
        &["--pmap", "-X", pid],
        &["--pmap", "-XX", pid],
        &["--pmap", "-X", "-q", pid],
        &["--pmap", "-d", pid],
        &[pid],
        &["-x", pid],
        &["-X", pid],
        &["-XX", "-d", pid],
        &["-q", pid],
        &["-p", pid],
        &["--json", pid],
        &["--summary", pid],
        &["--summary", "-p", pid],
    ] {
        assert_same(args);
    }
}

/// `bench/NAME.c`, built with gcc into the test's temporary directory.
fn bench_helper(name: &str) -> Option<PathBuf> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("bench/{name}.c"));
    match Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
    {
        Ok(s) if s.success() => Some(out),
        other => {
            eprintln!("skipping: gcc could not build bench/{name}.c ({other:?})");
            None
        }
    }
}

/// Run vasmap with ARGS through bench/spawn (stdout to /dev/null) and return its peak
/// resident size in KiB. Not measured from here: a child forked from this (large,
/// threaded) test process would count this process's pages in its peak (see spawn.c).
fn peak_kib(spawn: &Path, args: &[&str]) -> u64 {
    let out = Command::new(spawn)
        .arg(env!("CARGO_BIN_EXE_vasmap"))
        .args(args)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    let fields: Vec<u64> = report
        .lines()
        .last()
        .unwrap_or_default()
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(fields.len() >= 3, "spawn said {report:?}");
    assert_eq!(fields[2], 0, "vasmap {args:?} failed: {report}");
    fields[1]
}

#[test]
fn memory_stays_under_16_mib_with_20000_mappings() {
    let (Some(mapper), Some(spawn)) = (bench_helper("mapper"), bench_helper("spawn")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(&mapper)
        .arg("20000")
        .arg(dir.path())
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
    assert!(line.starts_with("ready "), "{line:?}");
    let pid = child.id().to_string();
    for args in [
        &["--pmap", pid.as_str()][..],
        &["--pmap", "-x", &pid],
        &["--pmap", "-XX", &pid],
        &["--json", &pid],
        &[&pid],
        &["-X", &pid],
        &["--summary", &pid],
    ] {
        let kib = peak_kib(&spawn, args);
        // A snapshot of 20,000 mappings with smaps alone is over 14 MiB; streaming keeps
        // these well under the budget.
        assert!(kib < 16 * 1024, "vasmap {args:?} peaked at {kib} KiB");
    }
    drop(child.stdin.take());
    let _ = child.wait();
}
