//! `vasmap layout`: snapshot tests of the picture on captured fixtures at 80 columns (a
//! small process, and one with 2124 mappings), and live checks of colour and SVG.

mod common;

use std::path::Path;

use unicode_width::UnicodeWidthStr;
use vasmap::read::saved::read_file;
use vasmap::view::layout::{LayoutOptions, Row, render_svg, render_text, rows};

fn picture(fixture: &str) -> String {
    let snap = read_file(&Path::new("tests/fixtures").join(fixture)).unwrap();
    let mut out = Vec::new();
    render_text(&snap, &LayoutOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn assert_fits_80(text: &str) {
    for line in text.lines() {
        assert!(line.width() <= 80, "wider than 80 columns: {line:?}");
    }
}

#[test]
fn small_process_at_80_columns() {
    let text = picture("simple.maps");
    assert_fits_80(&text);
    insta::assert_snapshot!("simple_80", text);
}

#[test]
fn thousands_of_mappings_fit_in_a_screenful() {
    let text = picture("many.maps");
    assert_fits_80(&text);
    // Every mapping is accounted for: the rows' counts add up to the fixture's lines.
    let snap = read_file(Path::new("tests/fixtures/many.maps")).unwrap();
    let opts = LayoutOptions::default();
    let rows = rows(&snap, &opts);
    let counted: usize = rows
        .iter()
        .map(|r| match r {
            Row::Block(b) => b.count,
            _ => 0,
        })
        .sum();
    assert_eq!(counted, snap.regions.len());
    assert!(rows.len() <= opts.max_rows, "{} rows", rows.len());
    insta::assert_snapshot!("many_80", text);
}

#[test]
fn gaps_and_growth_are_drawn() {
    let text = picture("simple.maps");
    // Above user space: the kernel's half (where [vsyscall] is), and under it the
    // non-canonical hole, which is not addresses at all.
    assert!(
        text.contains("128T unmapped  the kernel's half: never mapped"),
        "{text}"
    );
    assert!(text.contains("ffff800000000000  ╞═══ the kernel's half of the addresses starts here"));
    assert!(text.contains("16E unmapped  non-canonical: no valid address here"));
    assert!(text.contains("top of user space (47-bit addresses, 128T)"));
    assert!(text.contains("↓ the stack grows down into this"));
    assert!(text.contains("↑ the heap grows up into this"));
    assert!(text.contains("libc.so.6 ×5"));
}

#[test]
fn svg_is_one_escaped_document() {
    let (_dir, maps) = common::temp_file(
        "maps",
        "7f0000000000-7f0000001000 r--p 00000000 fe:00 12 /tmp/<a&b>\"'.txt\n\
         7ffff0000000-7ffff0021000 rw-p 00000000 00:00 0 [stack]\n",
    );
    let snap = read_file(&maps).unwrap();
    let mut out = Vec::new();
    render_svg(&snap, &LayoutOptions::default(), &mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("&lt;a&amp;b&gt;&quot;&apos;.txt"), "{svg}");
    assert!(!svg.contains("<a&b>"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (plain, _, code) = common::run_vasmap(&["layout", "self"]);
    assert_eq!(code, 0);
    assert!(!plain.contains(&0x1b), "escape codes in piped output");
    let (coloured, _, code) = common::run_vasmap(&["layout", "--color", "always", "self"]);
    assert_eq!(code, 0);
    assert!(coloured.windows(5).any(|w| w == b"\x1b[31m"), "no colour");
}

#[test]
fn live_process_with_threads_and_shared_memory() {
    let Some(p) = common::Awkward::start() else {
        return;
    };
    let (out, err, code) = common::run_vasmap(&["layout", &p.pid.to_string()]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let text = String::from_utf8(out).unwrap();
    assert_fits_80(&text);
    assert!(text.contains("thread stack"), "{text}");
    assert!(text.contains("heap ↑"), "{text}");
    assert!(text.contains("stack ↓"), "{text}");
    // Hostile names are escaped, never sent raw.
    assert!(!text.contains('\x1b'), "{text}");
}

#[test]
fn svg_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("self.svg");
    let (_, err, code) = common::run_vasmap(&["layout", "--svg", svg.to_str().unwrap(), "self"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("top of user space"));
}

#[test]
fn bad_targets_are_clear_errors() {
    let (_, err, code) = common::run_vasmap(&["layout", "4194304"]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("no such process"));
    let (_, err, code) = common::run_vasmap(&["layout", "/nonexistent/maps"]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("/nonexistent/maps"));
}

#[test]
fn narrow_pictures_stay_inside_their_width() {
    for fixture in ["simple.maps", "many.maps"] {
        let snap = read_file(&Path::new("tests/fixtures").join(fixture)).unwrap();
        let opts = LayoutOptions {
            width: 60,
            ..LayoutOptions::default()
        };
        let mut out = Vec::new();
        render_text(&snap, &opts, &mut out).unwrap();
        for line in String::from_utf8(out).unwrap().lines() {
            assert!(line.width() <= 60, "wider than 60 columns: {line:?}");
        }
    }
}
