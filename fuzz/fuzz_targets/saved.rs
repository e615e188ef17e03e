//! Fuzz the saved-file readers of `--from` (`vasmap::read::saved::read_saved`: maps and
//! smaps captures, vasmap's JSON, told apart by the first byte): no input may panic
//! them, and what they accept must render safely in every view and read back the same
//! through vasmap's JSON. The checks are the test suite's own
//! (`tests/common/saved_input.rs`), which tests/fuzz_replay.rs replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/every_view.rs"]
mod every_view;

#[path = "../../tests/common/saved_input.rs"]
mod saved_input;

fuzz_target!(|data: &[u8]| {
    let _ = saved_input::check_saved_input("input", data);
});
