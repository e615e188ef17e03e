//! What the `smaps` and `core` fuzz targets do with an input, shared with the test
//! suite's replay of the fuzzer's findings (`tests/parse_props.rs`, `tests/core.rs`) so
//! that the two cannot drift apart: parse it (as a saved capture, or as a core dump),
//! classify it, then render it in every pure view (table and pmap output with their
//! options, the layout picture as text and SVG). Nothing may panic, and every view
//! meant for a terminal may hold no control byte but the newline.
//! Included by path (`#[path]`) from both crates; it uses only vasmap's public API.
#![allow(dead_code)]

use vasmap::model::{ProcessInfo, Snapshot};
use vasmap::read::classify::classify;
use vasmap::read::parse::parse_any;
use vasmap::view::layout::{LayoutOptions, render_svg, render_text};
use vasmap::view::{OutputFormat, ViewOptions, render};

/// True when `bytes` holds no control byte but the newline (and no DEL).
pub fn safe(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b == b'\n' || (b >= 0x20 && b != 0x7f))
}

/// Parse `data` as a saved capture and render what is accepted in every pure view;
/// `what` names the input in a failure.
pub fn render_every_view(what: &str, data: &[u8]) {
    let mut fields = Vec::new();
    let Ok((mut regions, has_smaps)) = parse_any(data, &mut fields) else {
        return;
    };
    let head: Vec<u8> = data.iter().take(64).copied().collect();
    let info = ProcessInfo {
        pid: 1,
        cmdline: head.clone(),
        raw_cmdline: head.clone(),
        comm: head.iter().take(15).copied().collect(),
        start_stack: regions.first().map(|r| r.start),
        ..ProcessInfo::default()
    };
    classify(&mut regions, &info);
    let snap = Snapshot {
        process: info,
        regions,
        has_smaps,
        smaps_fields: fields,
    };
    render_snapshot_every_view(what, &snap);
}

/// Render `snap` in every pure view (each pmap option, the table, the layout as text and
/// SVG): nothing may panic, and what is meant for a terminal may hold no control byte
/// but the newline. (The core fuzz target and its replay use this directly.)
pub fn render_snapshot_every_view(what: &str, snap: &Snapshot) {
    let variants: [fn(&mut ViewOptions); 7] = [
        |_| {},
        |o| o.show_path = true,
        |o| o.extended = true,
        |o| o.extra = 1,
        |o| o.extra = 2,
        |o| o.device = true,
        |o| o.quiet = true,
    ];
    for format in [OutputFormat::Table, OutputFormat::Pmap] {
        for (i, variant) in variants.iter().enumerate() {
            let mut opts = ViewOptions {
                format,
                utf8_locale: true,
                terminal: true,
                ..ViewOptions::default()
            };
            variant(&mut opts);
            let mut out = Vec::new();
            render(snap, &opts, &mut out).expect("rendering into memory cannot fail");
            assert!(
                safe(&out),
                "{what}: {format:?} variant {i} holds a control byte"
            );
            // Into a pipe the pmap output is pmap's bytes: it only has to not panic.
            opts.terminal = false;
            render(snap, &opts, &mut Vec::new()).expect("rendering into memory cannot fail");
        }
    }
    let layout = LayoutOptions {
        width: 80,
        color: false,
        max_rows: 48,
        svg: false,
    };
    let mut out = Vec::new();
    render_text(snap, &layout, &mut out).expect("rendering into memory cannot fail");
    assert!(safe(&out), "{what}: layout text holds a control byte");
    let mut out = Vec::new();
    render_svg(snap, &layout, &mut out).expect("rendering into memory cannot fail");
    assert!(safe(&out), "{what}: layout SVG holds a control byte");
}
