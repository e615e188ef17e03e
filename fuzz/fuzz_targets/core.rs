//! Fuzz the ELF core dump reader (`vasmap::read::core`): no input may panic it, read as
//! bytes or as a stream, and what it accepts must be well formed, read the same both
//! ways and render safely in every view. The checks are the test suite's own
//! (`tests/common/core_input.rs`), which tests/core_synthetic.rs replays on the findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/every_view.rs"]
mod every_view;

#[path = "../../tests/common/core_input.rs"]
mod core_input;

fuzz_target!(|data: &[u8]| {
    core_input::check_core_input("input", data);
});
