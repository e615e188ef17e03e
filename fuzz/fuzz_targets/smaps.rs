//! Fuzz the `/proc/PID/smaps` parser (and the maps-or-smaps detection of saved captures),
//! then classify and render what it accepts in every pure view (table and pmap output
//! with their options, the layout picture as text and SVG): nothing may panic, and every
//! view meant for a terminal may hold no control byte but the newline. The rendering is
//! the test suite's own (`tests/common/every_view.rs`), which replays the findings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vasmap::read::parse::parse_smaps;

#[path = "../../tests/common/every_view.rs"]
mod every_view;

fuzz_target!(|data: &[u8]| {
    let _ = parse_smaps(data, &mut Vec::new());
    every_view::render_every_view("input", data);
});
