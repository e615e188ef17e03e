//! What the `saved` fuzz target does with an input, shared with the test suite's replay
//! of its findings (tests/fuzz_replay.rs): the bytes as a file given to `--from` (a maps
//! or smaps capture, or vasmap's JSON, whichever its first byte says), read by
//! `vasmap::read::saved::read_saved` from a memfd through its `/proc/self/fd` path, as
//! a user's file is. Nothing may panic; every snapshot it accepts must be well formed
//! (regions sorted by start, none ending before it starts) and render safely in every
//! pure view, and come back the same through vasmap's own JSON. Included by path
//! (`#[path]`) from both crates, beside `every_view.rs`.
#![allow(dead_code)]

use std::io::Write;

use vasmap::view::{OutputFormat, ViewOptions, render};

use super::every_view;

/// Check one input as the module essay says; `what` names it in a failure. The number
/// of snapshots read from it (0: refused).
pub fn check_saved_input(what: &str, data: &[u8]) -> usize {
    // SAFETY: a valid NUL-terminated name; the flags are memfd_create's own.
    let fd = unsafe { libc::memfd_create(c"vasmap-fuzz-saved".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: a descriptor just returned, owned by nothing else.
    let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    f.write_all(data).expect("write the memfd");
    let path = std::path::PathBuf::from(format!("/proc/self/fd/{fd}"));
    let Ok(snaps) = vasmap::read::saved::read_saved(&path) else {
        return 0;
    };
    drop(f);
    for snap in &snaps {
        for r in &snap.regions {
            assert!(r.start <= r.end, "{what}: a region ends before it starts");
        }
        every_view::render_snapshot_every_view(what, snap);
        // vasmap's own JSON of it reads back as the same regions.
        let opts = ViewOptions {
            format: OutputFormat::Json,
            ..ViewOptions::default()
        };
        let mut json = Vec::new();
        render(snap, &opts, &mut json).expect("rendering into memory cannot fail");
        let back = vasmap::read::json::read(&json[..])
            .unwrap_or_else(|e| panic!("{what}: vasmap's JSON does not read back: {e}"));
        assert_eq!(back.len(), 1, "{what}");
        let names = |s: &vasmap::model::Snapshot| -> Vec<(u64, u64, Vec<u8>)> {
            s.regions
                .iter()
                .map(|r| (r.start, r.end, r.name_bytes().into_owned()))
                .collect()
        };
        assert_eq!(
            names(&back[0]),
            names(snap),
            "{what}: JSON changed the regions"
        );
    }
    snaps.len()
}
