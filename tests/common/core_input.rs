//! What the `core` fuzz target does with an input, shared with the test suite's replay
//! of its findings (tests/core_synthetic.rs) so that the two cannot drift apart: read
//! the bytes as a core, from memory and as a stream; nothing may panic. What is accepted
//! must be a well-formed snapshot (regions sorted, disjoint, not empty, each saying what
//! the core holds of it, no more than it maps), read the same from a stream as from the
//! bytes, and render in every pure view with no control byte reaching a terminal, as
//! must the crash's one-line descriptions. Included by path (`#[path]`) from both
//! crates, beside `every_view.rs`.
#![allow(dead_code)]

use std::path::Path;

use vasmap::read::core::{read_core_bytes, read_core_from};
use vasmap::teach::fault::{describe_fault, describe_signal};

use super::every_view;

/// Check one input as the module essay says; `what` names it in a failure.
pub fn check_core_input(what: &str, data: &[u8]) {
    let path = Path::new("fuzz core");
    let from_bytes = read_core_bytes(path, data);
    if let Ok(mut from_stream) = read_core_from(path, data) {
        let Ok(bytes) = &from_bytes else {
            panic!(
                "{what}: a stream reads it and the bytes do not: {:?}",
                from_bytes.as_ref().err()
            );
        };
        let mut expect = bytes.clone();
        // Only the bytes know the file's length, so only they count what is missing (a
        // stream says what the headers claim); and a stream cannot go back to the first
        // pages of files that lie before the notes.
        let cut = expect
            .process
            .core
            .as_ref()
            .is_some_and(|c| c.cut_short.is_some());
        for snap in [&mut expect, &mut from_stream] {
            let core = snap.process.core.as_mut().expect("a core has core facts");
            core.cut_short = None;
            core.build_ids.clear();
            for d in snap.regions.iter_mut().filter_map(|r| r.dumped.as_mut()) {
                if cut {
                    d.bytes = 0;
                }
            }
        }
        assert_eq!(
            from_stream, expect,
            "{what}: a stream reads what the bytes read"
        );
    }
    let Ok(snap) = from_bytes else { return };
    for w in snap.regions.windows(2) {
        assert!(
            w[0].end <= w[1].start,
            "{what}: regions are sorted and disjoint"
        );
    }
    for r in &snap.regions {
        assert!(r.start < r.end, "{what}: an empty region");
        let d = r
            .dumped
            .expect("every core region says what the core holds");
        assert!(
            d.bytes <= r.end - r.start,
            "{what}: more dumped than mapped"
        );
    }
    every_view::render_snapshot_every_view(what, &snap);
    let lines = [
        describe_fault(&snap),
        snap.process.core.as_deref().and_then(describe_signal),
    ];
    for line in lines.into_iter().flatten() {
        assert!(every_view::safe(line.as_bytes()), "{what}: {line:?}");
    }
}
