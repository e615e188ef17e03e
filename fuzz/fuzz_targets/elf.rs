//! Fuzz the ELF reader behind `--explain` (`vasmap::read::elf::read_elf`): any bytes as a
//! mapped file's contents, read from a memfd as a real file is. No input may panic it,
//! and what it keeps stays bounded whatever the headers claim. The checks are the test
//! suite's own (`tests/common/elf_input.rs`), which tests/fuzz_replay.rs replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/elf_input.rs"]
mod elf_input;

fuzz_target!(|data: &[u8]| {
    let _ = elf_input::check_elf_input("input", data);
});
