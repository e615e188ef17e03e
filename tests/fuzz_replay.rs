//! The `elf` and `saved` fuzz targets' checks (fuzz/, scripts/fuzz.sh) replayed on every
//! input kept under tests/fixtures/fuzz/ (their seeds and findings: `elf-*` and
//! `saved-*`; the other files there are replayed through the saved readers too), so a
//! finding stays fixed.

#[path = "common/every_view.rs"]
mod every_view;

#[path = "common/elf_input.rs"]
mod elf_input;

#[path = "common/saved_input.rs"]
mod saved_input;

#[test]
fn fuzz_inputs_are_read_without_panic_by_the_elf_and_saved_readers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let (mut elf, mut saved) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("tests/fixtures/fuzz exists") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        if name.starts_with("elf-") || name.starts_with("core-") {
            let sections = elf_input::check_elf_input(&name, &bytes);
            if name == "elf-seed-tiny" {
                // A real program: read, with its sections (the check is not vacuous).
                assert!(sections.is_some_and(|n| n > 10), "{name}: {sections:?}");
            }
            elf += usize::from(name.starts_with("elf-"));
        }
        if !name.starts_with("elf-") {
            let read = saved_input::check_saved_input(&name, &bytes);
            if name.starts_with("saved-seed") {
                assert!(read > 0, "{name} was not read");
            }
            saved += usize::from(name.starts_with("saved-"));
        }
    }
    assert!(
        elf > 0 && saved > 0,
        "no elf-* or saved-* inputs under {dir}"
    );
}
