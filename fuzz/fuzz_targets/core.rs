//! Fuzz the ELF core dump reader (`vasmap::read::core`): no input may panic it, read as
//! bytes or as a stream. What it accepts must be a well-formed snapshot (regions sorted,
//! disjoint, each saying what the core holds of it), the same from a stream as from the
//! bytes, and must render in every pure view with no control byte reaching a terminal,
//! as must the crash's one-line descriptions. The rendering is the test suite's own
//! (`tests/common/every_view.rs`); tests/core_synthetic.rs replays the findings.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vasmap::read::core::{read_core_bytes, read_core_from};
use vasmap::teach::fault::{describe_fault, describe_signal};

#[path = "../../tests/common/every_view.rs"]
mod every_view;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz core");
    let from_bytes = read_core_bytes(path, data);
    if let Ok(mut from_stream) = read_core_from(path, data) {
        let mut expect = from_bytes.as_ref().expect("what a stream reads, the bytes read").clone();
        // Only the bytes know the file's length, so only they count what is missing; and
        // a stream cannot go back to the first pages of files that lie before the notes.
        for snap in [&mut expect, &mut from_stream] {
            let core = snap.process.core.as_mut().expect("a core has core facts");
            core.cut_short = None;
            core.build_ids.clear();
        }
        assert_eq!(from_stream, expect, "a stream reads what the bytes read");
    }
    let Ok(snap) = from_bytes else { return };
    for w in snap.regions.windows(2) {
        assert!(w[0].end <= w[1].start, "regions are sorted and disjoint");
    }
    for r in &snap.regions {
        assert!(r.start < r.end, "no empty region");
        let d = r.dumped.expect("every core region says what the core holds");
        assert!(d.bytes <= r.end - r.start, "no more dumped than mapped");
    }
    every_view::render_snapshot_every_view("input", &snap);
    let lines = [describe_fault(&snap), snap.process.core.as_deref().and_then(describe_signal)];
    for line in lines.into_iter().flatten() {
        assert!(every_view::safe(line.as_bytes()), "{line:?}");
    }
});
