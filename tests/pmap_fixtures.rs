//! The pmap renderer on captured processes: for each capture under tests/fixtures/ (the
//! smaps of a process and what /usr/bin/pmap printed for it at the same moment), vasmap's
//! pmap output from the capture must be the same bytes.

mod common;

use common::fixture_snapshot;
use vasmap::range::AddrRange;
use vasmap::view::pmap::{Session, Shortfall, render};
use vasmap::view::{OutputFormat, ViewOptions};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The options for a view name as the capture script writes it (`-x-q`, `-XX-A`...).
fn options(view: &str, range: Option<AddrRange>) -> ViewOptions {
    let mut o = ViewOptions {
        format: OutputFormat::Pmap,
        utf8_locale: true,
        ..ViewOptions::default()
    };
    for flag in view.split('-').filter(|f| !f.is_empty()) {
        match flag {
            "x" => o.extended = true,
            "X" => o.extra = 1,
            "XX" => o.extra = 2,
            "d" => o.device = true,
            "q" => o.quiet = true,
            "p" => o.show_path = true,
            "A" => o.range = range,
            other => panic!("unknown view flag {other}"),
        }
    }
    o
}

const VIEWS: &[&str] = &[
    "", "-p", "-q", "-x", "-x-q", "-d", "-d-q", "-X", "-X-q", "-X-p", "-XX", "-XX-q", "-A", "-x-A",
    "-d-A", "-XX-A",
];

fn check(name: &str) {
    let snap = fixture_snapshot(name);
    let range = String::from_utf8(fixture(&format!("{name}.range"))).unwrap();
    let range = AddrRange::parse(range.trim()).unwrap();
    for view in VIEWS {
        let want = fixture(&format!("{name}.pmap{view}"));
        let mut got = Vec::new();
        render(&snap, &options(view, Some(range)), &mut got).unwrap();
        if got != want {
            let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("{name}.vasmap{view}"));
            let _ = std::fs::write(&keep, &got);
            eprintln!("vasmap's output kept in {}", keep.display());
        }
        assert!(
            got == want,
            "{name} {view}\n--- pmap\n{}\n--- vasmap\n{}",
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&got)
        );
    }
}

#[test]
fn awkward_capture_renders_as_pmap_printed_it() {
    check("awkward");
}

#[test]
fn sleep_capture_renders_as_pmap_printed_it() {
    check("sleep");
}

#[test]
fn a_long_name_is_one_correct_row() {
    let snap = fixture_snapshot("awkward-long");
    let long = snap
        .regions
        .iter()
        .find(|r| r.name.ends_with(b"/long-name.txt"))
        .unwrap();
    assert!(long.name.len() > 1900);
    for (opts, row_end) in [
        (options("", None), &b"K r---- long-name.txt"[..]),
        (options("-p", None), &long.name[..]),
    ] {
        let mut out = Vec::new();
        render(&snap, &opts, &mut out).unwrap();
        let row = out
            .split(|&b| b == b'\n')
            .find(|l| l.starts_with(format!("{:016x}", long.start).as_bytes()))
            .unwrap();
        assert!(row.ends_with(row_end), "{}", String::from_utf8_lossy(row));
        assert!(!out.windows(17).any(|w| w == b"ffffffffffffffff "));
        let total: u64 = snap.regions.iter().map(|r| r.size_kb()).sum();
        assert!(out.ends_with(format!(" total {total:16}K\n").as_bytes()));
    }
    // -X keeps pmap's 127-byte name: the basename of the first 127 bytes.
    let mut out = Vec::new();
    render(&snap, &options("-X", None), &mut out).unwrap();
    let text = String::from_utf8_lossy(&out);
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{:x}", long.start)))
        .unwrap();
    let desc = &long.name[..127];
    let base = &desc[desc.iter().rposition(|&b| b == b'/').unwrap() + 1..];
    assert!(
        row.ends_with(&format!(" {}", String::from_utf8_lossy(base))),
        "{row}"
    );
}

#[test]
fn extra_views_carry_columns_and_totals_across_pids_like_pmap() {
    // pmap -X A B: B's footer totals include A's, and its columns are at least as wide.
    let snap = fixture_snapshot("awkward");
    let opts = options("-X", None);
    let mut session = Session::default();
    let mut out = Vec::new();
    session.render(&snap, &opts, &mut out).unwrap();
    session.render(&snap, &opts, &mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let totals: Vec<Vec<u64>> = text
        .lines()
        .filter(|l| l.ends_with(" KB "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect()
        })
        .collect();
    assert_eq!(totals.len(), 2);
    assert_eq!(
        totals[1],
        totals[0].iter().map(|v| v * 2).collect::<Vec<_>>()
    );
    // A kernel thread after it: the header, then the footer with the same totals.
    let mut out = Vec::new();
    session
        .render_shortfall(
            Some(&snap.process),
            Shortfall::Empty { zombie: false },
            &opts,
            &mut out,
        )
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with("     ====="), "{text}");
}

#[test]
fn shortfalls_print_what_pmap_prints() {
    let snap = fixture_snapshot("sleep");
    let p = &snap.process;
    let run = |view: &str, why: Shortfall| {
        let mut out = Vec::new();
        Session::default()
            .render_shortfall(Some(p), why, &options(view, None), &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    };
    // The header line pmap printed for this capture.
    let pmap_out = String::from_utf8(fixture("sleep.pmap")).unwrap();
    let head = format!("{}\n", pmap_out.lines().next().unwrap());
    assert_eq!(run("", Shortfall::Missing), "");
    assert_eq!(run("-x", Shortfall::Unreadable), head);
    assert_eq!(
        run("", Shortfall::Empty { zombie: false }),
        format!("{head} total                0K\n")
    );
    assert_eq!(
        run("-x", Shortfall::Empty { zombie: false }),
        format!(
            "{head}Address           Kbytes     RSS   Dirty Mode  Mapping\n\
             ---------------- ------- ------- ------- \n\
             total kB               0       0       0\n"
        )
    );
    assert_eq!(
        run("-d", Shortfall::Empty { zombie: false }),
        format!(
            "{head}Address           Kbytes Mode  Offset           Device    Mapping\n\
             mapped: 0K    writeable/private: 0K    shared: 0K\n"
        )
    );
    assert_eq!(run("-X", Shortfall::Empty { zombie: false }), head);
    // A zombie has no command line: `[comm] <defunct>`.
    let mut z = p.clone();
    z.raw_cmdline.clear();
    let mut out = Vec::new();
    Session::default()
        .render_shortfall(
            Some(&z),
            Shortfall::Empty { zombie: true },
            &options("", None),
            &mut out,
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{}:   [sleep] <defunct>\n total                0K\n", p.pid)
    );
}
