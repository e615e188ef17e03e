//! Snapshots of vasmap's own table with each option, on captured processes
//! (tests/fixtures/). Review changes with `cargo insta review`.

mod common;

use common::fixture_snapshot;
use vasmap::range::AddrRange;
use vasmap::view::ViewOptions;

fn table_of(name: &str, opts: &ViewOptions) -> String {
    let snap = fixture_snapshot(name);
    let opts = ViewOptions {
        // As wide as the rows need, whatever terminal runs the tests.
        width: None,
        ..opts.clone()
    };
    let mut out = Vec::new();
    vasmap::inspect::render_snapshot(&snap, &opts, &mut out).unwrap();
    String::from_utf8(out).expect("the table is text: names are escaped")
}

/// The SysV shm segment of the awkward capture, as a one-address range.
fn shm_range() -> AddrRange {
    let snap = fixture_snapshot("awkward-long");
    let shm = snap
        .regions
        .iter()
        .find(|r| matches!(r.kind, vasmap::model::Kind::SysvShm { .. }))
        .unwrap();
    AddrRange::parse(&format!("{:x}", shm.start + 0x1000)).unwrap()
}

fn views() -> Vec<(&'static str, ViewOptions)> {
    let base = ViewOptions::default();
    let range = shm_range();
    vec![
        ("default", base.clone()),
        (
            "x",
            ViewOptions {
                extended: true,
                ..base.clone()
            },
        ),
        (
            "X",
            ViewOptions {
                extra: 1,
                ..base.clone()
            },
        ),
        (
            "XX",
            ViewOptions {
                extra: 2,
                ..base.clone()
            },
        ),
        (
            "d",
            ViewOptions {
                device: true,
                ..base.clone()
            },
        ),
        (
            "q",
            ViewOptions {
                quiet: true,
                ..base.clone()
            },
        ),
        (
            "x_q",
            ViewOptions {
                extended: true,
                quiet: true,
                ..base.clone()
            },
        ),
        (
            "p",
            ViewOptions {
                show_path: true,
                ..base.clone()
            },
        ),
        (
            "x_d",
            ViewOptions {
                extended: true,
                device: true,
                ..base.clone()
            },
        ),
        (
            "A",
            ViewOptions {
                range: Some(range),
                ..base.clone()
            },
        ),
        (
            "x_A",
            ViewOptions {
                extended: true,
                range: Some(range),
                ..base.clone()
            },
        ),
        (
            "XX_A",
            ViewOptions {
                extra: 2,
                range: Some(range),
                ..base.clone()
            },
        ),
        (
            "d_A",
            ViewOptions {
                device: true,
                range: Some(range),
                ..base
            },
        ),
    ]
}

#[test]
fn awkward_table_with_each_option() {
    for (view, opts) in views() {
        insta::assert_snapshot!(format!("awkward_{view}"), table_of("awkward-long", &opts));
    }
}

#[test]
fn sleep_table_with_each_option() {
    for (view, opts) in views() {
        if view.contains('A') {
            continue; // the range is the awkward capture's shm segment
        }
        insta::assert_snapshot!(format!("sleep_{view}"), table_of("sleep", &opts));
    }
}

#[test]
fn range_totals_cover_only_the_range_and_xx_totals_skip_page_sizes() {
    let range = shm_range();
    let x = table_of(
        "awkward-long",
        &ViewOptions {
            extended: true,
            range: Some(range),
            ..ViewOptions::default()
        },
    );
    // One row (the segment), and the totals are that row's figures.
    assert!(
        x.contains(" total 12K in 1 mapping (12K): RSS 4K, PSS 4K, dirty 4K, swap 0K"),
        "{x}"
    );
    let xx = table_of(
        "awkward-long",
        &ViewOptions {
            extra: 2,
            ..ViewOptions::default()
        },
    );
    let header = xx.lines().nth(1).unwrap();
    let total = xx
        .lines()
        .find(|l| l.trim_start().starts_with("total "))
        .unwrap();
    // The KernelPageSize column has no total: its cell under the header is blank.
    let col = header.find("KernelPageSize").unwrap();
    let cell = &total[col..col + "KernelPageSize".len()];
    assert!(cell.trim().is_empty(), "{header}\n{total}");
    assert!(header.contains("VmFlags"));
}

#[test]
fn quiet_drops_header_and_footer_but_keeps_the_pid_line() {
    let q = table_of(
        "sleep",
        &ViewOptions {
            quiet: true,
            extended: true,
            ..ViewOptions::default()
        },
    );
    let snap = fixture_snapshot("sleep");
    assert!(q.starts_with(&format!("{}:   ", snap.process.pid)));
    assert_eq!(q.lines().count(), snap.regions.len() + 1, "{q}");
    assert!(!q.contains("total") && !q.contains("Address") && !q.contains('─'));
}
