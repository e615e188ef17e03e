//! Fuzz the `/proc/PID/smaps` parser (and the maps-or-smaps detection of saved captures),
//! then classify and render what it accepts in every view: nothing may panic, and the
//! escaped views may hold no control byte but the newline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vasmap::classify::classify;
use vasmap::model::{ProcessInfo, Snapshot};
use vasmap::parse::{parse_any, parse_smaps};
use vasmap::render::{OutputFormat, ViewOptions, render};

fuzz_target!(|data: &[u8]| {
    let _ = parse_smaps(data, &mut Vec::new());
    let mut fields = Vec::new();
    let Ok((mut regions, has_smaps)) = parse_any(data, &mut fields) else {
        return;
    };
    let info = ProcessInfo {
        pid: 1,
        cmdline: data.iter().take(64).copied().collect(),
        ..ProcessInfo::default()
    };
    classify(&mut regions, &info);
    let snap = Snapshot {
        process: info,
        regions,
        has_smaps,
        smaps_fields: fields,
    };
    for format in [OutputFormat::Table, OutputFormat::Pmap] {
        let opts = ViewOptions {
            format,
            ..ViewOptions::default()
        };
        let mut out = Vec::new();
        render(&snap, &opts, &mut out).expect("rendering into memory cannot fail");
        assert!(
            out.iter().all(|&b| b == b'\n' || (b >= 0x20 && b != 0x7f)),
            "{format:?} output holds a control byte"
        );
    }
});
