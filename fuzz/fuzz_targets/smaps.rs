//! Fuzz the `/proc/PID/smaps` parser (and the maps-or-smaps detection of saved captures),
//! then classify and render what it accepts in every pure view (table and pmap output
//! with their options, the layout picture as text and SVG): nothing may panic, and every
//! view meant for a terminal may hold no control byte but the newline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vasmap::classify::classify;
use vasmap::model::{ProcessInfo, Snapshot};
use vasmap::parse::{parse_any, parse_smaps};
use vasmap::render::layout::{LayoutOptions, render_svg, render_text};
use vasmap::render::{OutputFormat, ViewOptions, render};

fn safe(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == b'\n' || (b >= 0x20 && b != 0x7f))
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_smaps(data, &mut Vec::new());
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
            render(&snap, &opts, &mut out).expect("rendering into memory cannot fail");
            assert!(safe(&out), "{format:?} variant {i} holds a control byte");
            // Into a pipe the pmap output is pmap's bytes: it only has to not panic.
            opts.terminal = false;
            render(&snap, &opts, &mut Vec::new()).expect("rendering into memory cannot fail");
        }
    }
    let layout = LayoutOptions {
        width: 80,
        color: false,
        max_rows: 48,
        ..LayoutOptions::default()
    };
    let mut out = Vec::new();
    render_text(&snap, &layout, &mut out).expect("rendering into memory cannot fail");
    assert!(safe(&out), "layout text holds a control byte");
    let mut out = Vec::new();
    render_svg(&snap, &layout, &mut out).expect("rendering into memory cannot fail");
    assert!(safe(&out), "layout SVG holds a control byte");
});
