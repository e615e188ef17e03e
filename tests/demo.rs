//! The demo teaches demand paging as the kernel really does it: 0 resident right after
//! mmap; after reading, at least the pages read and never more than the mapping
//! (fault-around may make up to 16 pages resident per fault); MAP_POPULATE makes it all
//! resident; writing to a private mapping makes private dirty pages and leaves the file.

mod common;

use std::path::{Path, PathBuf};

use common::run_vasmap;

const PAGES: u64 = 64;

/// A 64-page file of text in a fresh directory (just written, so in the page cache).
fn file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pages.txt");
    let mut text = Vec::new();
    for i in 0..PAGES {
        let mut page = format!("page {i}\n").into_bytes();
        page.resize(4096, b'.');
        text.extend(page);
    }
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Run the demo on `path` with extra args; its stdout.
fn demo(path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["self", "--map", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (out, err, code) = run_vasmap(&args);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

/// The first number after `prefix` on the line that has it.
fn number_after(text: &str, prefix: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.contains(prefix))
        .unwrap_or_else(|| panic!("no line with {prefix:?} in\n{text}"));
    let rest = &line[line.find(prefix).unwrap() + prefix.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap()
}

fn before_kb(text: &str) -> u64 {
    number_after(text, "resident before reading:")
}

/// (pages read, resident kB) from `resident after reading N pages: M kB`.
fn after(text: &str) -> (u64, u64) {
    let read = number_after(text, "resident after reading");
    let kb = number_after(text, &format!("page{}: ", if read == 1 { "" } else { "s" }));
    (read, kb)
}

fn page_kb() -> u64 {
    vasmap::teach::demo::page_size() / 1024
}

#[test]
fn reading_every_page_makes_it_all_resident_and_no_more() {
    let (_dir, path) = file();
    let out = demo(&path, &[]);
    assert_eq!(before_kb(&out), 0, "{out}");
    let (read, kb) = after(&out);
    assert_eq!(read, PAGES);
    assert!(kb >= read * page_kb() && kb <= PAGES * page_kb(), "{out}");
}

#[test]
fn reading_one_page_makes_at_least_it_resident() {
    let (_dir, path) = file();
    let out = demo(&path, &["--touch", "first"]);
    assert_eq!(before_kb(&out), 0, "{out}");
    let (read, kb) = after(&out);
    assert_eq!(read, 1);
    // The kernel guarantees the page read; fault-around may add neighbours (up to 64 kB).
    assert!(kb >= page_kb() && kb <= PAGES * page_kb(), "{out}");
    if kb > page_kb() {
        assert!(out.contains("fault-around"), "{out}");
    }
}

#[test]
fn touching_nothing_leaves_nothing_resident() {
    let (_dir, path) = file();
    let out = demo(&path, &["--touch", "none"]);
    assert_eq!(after(&out), (0, 0), "{out}");
}

#[test]
fn populate_makes_all_of_it_resident_before_any_read() {
    let (_dir, path) = file();
    let out = demo(&path, &["--populate", "--touch", "none"]);
    assert!(out.contains("MAP_POPULATE"), "{out}");
    assert_eq!(before_kb(&out), PAGES * page_kb(), "{out}");
}

#[test]
fn writing_a_private_mapping_makes_private_dirty_pages_and_leaves_the_file() {
    let (_dir, path) = file();
    let original = std::fs::read(&path).unwrap();
    let out = demo(&path, &["--write"]);
    assert!(out.contains("writable and private"), "{out}");
    let private_dirty = {
        let line = out.lines().find(|l| l.contains("after writing")).unwrap();
        let at = line.find("kB dirty (").unwrap() + "kB dirty (".len();
        line[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(private_dirty >= PAGES * page_kb(), "{out}");
    assert!(out.contains("the file is unchanged"), "{out}");
    assert_eq!(std::fs::read(&path).unwrap(), original, "the file changed");
    // The mapping itself shows the written byte.
    assert!(out.contains("| #age 0"), "{out}");
}

#[test]
fn writing_a_shared_mapping_changes_the_file_and_says_so_first() {
    let (_dir, path) = file();
    let out = demo(&path, &["--shared", "--write"]);
    let warn = out.find("this changes").expect("a warning");
    let done = out.find("after writing").unwrap();
    assert!(warn < done, "{out}");
    let now = std::fs::read(&path).unwrap();
    for p in 0..PAGES as usize {
        assert_eq!(now[p * 4096], b'#', "page {p} not written");
    }
    assert!(out.contains("rw-s"), "{out}");
}

#[test]
fn shared_read_only_shows_s_in_the_permissions() {
    let (_dir, path) = file();
    let out = demo(&path, &["--shared"]);
    assert!(
        out.contains("read-only and shared (PROT_READ, MAP_SHARED)"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.contains("pages.txt mapped by vasmap"))
        .unwrap();
    assert!(row.contains("r--s"), "{row}");
}

#[test]
fn unwritable_file_with_shared_write_is_a_clear_error() {
    let (_dir, path) = file();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    use std::os::unix::fs::PermissionsExt;
    perms.set_mode(0o444);
    std::fs::set_permissions(&path, perms).unwrap();
    // root may write anyway; only check when the file really is read-only to us.
    if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
        return;
    }
    let (_, err, code) = run_vasmap(&[
        "self",
        "--map",
        path.to_str().unwrap(),
        "--shared",
        "--write",
    ]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("--shared --write needs"));
}

#[test]
fn a_file_truncated_under_the_reads_is_a_lesson_not_a_crash() {
    // vasmap itself truncates the file between its length check for page 8 and the read
    // of page 8 (the test hook), the worst moment: the read raises SIGBUS.
    let (_dir, path) = file();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["self", "--map", path.to_str().unwrap(), "--no-map"])
        .env("VASMAP_TEST_TRUNCATE_AT", (8 * 4096).to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("was cut to 32768 bytes after it was mapped"),
        "{text}"
    );
    assert!(text.contains("touching it raised SIGBUS"), "{text}");
    assert!(text.contains("vasmap caught the signal"), "{text}");
    assert_eq!(after(&text).0, 8, "{text}");
}

#[test]
fn touch_none_reads_the_bytes_with_pread_and_faults_nothing_in() {
    let (_dir, path) = file();
    let out = demo(&path, &["--touch", "none", "--no-map"]);
    assert!(out.contains("read with pread"), "{out}");
    assert!(out.contains("| page 0"), "{out}");
    assert_eq!(after(&out), (0, 0), "{out}");
}

#[test]
fn a_binary_file_is_shown_as_hex_and_the_rest_of_its_last_page_as_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin");
    std::fs::write(&path, b"\x7fELF\x02\x01\x01\0\0\0binary\xff\xfe").unwrap();
    let out = demo(&path, &["--no-map"]);
    assert!(out.contains("not text: the first bytes in hex"), "{out}");
    assert!(out.contains("| 00000000  7f 45 4c 46 02 01 01 00"), "{out}");
    assert!(
        out.contains("bytes 18 to 4095 of the last page read as zeros"),
        "{out}"
    );
    assert!(!out.contains('\u{fffd}') && !out.contains('\0'), "{out}");
}

#[test]
fn a_hole_is_said_to_be_zeros_not_a_disk_read() {
    // A sparse file, its pages dropped from the page cache: reading a hole is a major
    // fault that reads nothing from the disk.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(16 * 4096)
        .unwrap();
    let out = demo(&path, &["--uncached", "--touch", "first", "--no-map"]);
    let (_, major) = {
        let line = out.lines().find(|l| l.contains("page faults:")).unwrap();
        let n = |w: &str| -> u64 {
            let at = line.find(w).unwrap();
            line[..at]
                .split_whitespace()
                .last()
                .unwrap()
                .parse()
                .unwrap()
        };
        (n(" minor"), n(" major"))
    };
    if major > 0 {
        assert!(out.contains("holes in a sparse file"), "{out}");
        assert!(!out.contains("read it from the disk"), "{out}");
    }
}

#[test]
fn writing_to_a_huge_sparse_file_maps_only_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(100 << 30)
        .unwrap();
    let out = demo(&path, &["--write", "--no-map"]);
    assert!(out.contains("only the first 64 MiB are mapped"), "{out}");
    assert!(out.contains("after writing 16384 pages"), "{out}");
}

#[test]
fn json_and_csv_of_the_demo_are_one_document_with_the_account_inside() {
    let (_dir, path) = file();
    let p = path.to_str().unwrap();
    let (out, err, code) = run_vasmap(&["self", "--map", p, "--json"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("one JSON document");
    let demo = &doc["demo"][0];
    assert_eq!(demo["pages"], PAGES);
    assert_eq!(demo["resident_before_kb"], 0);
    assert_eq!(demo["pages_read"], PAGES);
    assert!(doc["regions"].as_array().unwrap().len() > 10);
    common::assert_schema_valid(&doc);
    let (out, _, code) = run_vasmap(&["self", "--map", p, "-o", "csv"]);
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let col = header
        .iter()
        .position(|h| h == "demo_resident_after_kb")
        .unwrap();
    let marked: Vec<_> = r
        .records()
        .map(|rec| rec.unwrap())
        .filter(|rec| !rec[col].is_empty())
        .collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0][10].ends_with("pages.txt"), "{text}");
}

#[test]
fn without_a_file_the_demo_maps_its_own_message() {
    let (out, err, code) = run_vasmap(&["self"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("| Hello world from the virtual address space!"),
        "{out}"
    );
    assert!(out.contains("◀ message.txt mapped by vasmap"), "{out}");
    // Its temporary copy is gone once the demo is.
    let path = out
        .split_whitespace()
        .find(|w| w.ends_with("/message.txt"))
        .unwrap();
    assert!(!std::path::Path::new(path).exists(), "{path}");
}

#[test]
fn the_demo_can_draw_its_layout_with_the_mapping_marked() {
    let (_dir, path) = file();
    let out = demo(&path, &["--layout"]);
    assert!(out.contains("top of user space"), "{out}");
    assert!(out.contains("◀ pages.txt"), "{out}");
}
