//! What the report tests share: making a page with the built vasmap, and reading its
//! parts back (the embedded JSON elements, the table's rows).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::run_vasmap;

/// `vasmap report ARGS -o DIR/page.html`: the directory (removed on drop), the page's
/// path and its text.
pub fn report(args: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    let mut all: Vec<&str> = vec!["report"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", page.to_str().unwrap()]);
    let (_, err, code) = run_vasmap(&all);
    assert_eq!(code, 0, "vasmap {all:?}: {}", String::from_utf8_lossy(&err));
    let html = std::fs::read_to_string(&page).unwrap();
    (dir, page, html)
}

/// The text of the `<script type="application/json" id=ID>` element.
pub fn element<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let start = html.find(&open).unwrap_or_else(|| panic!("no #{id}")) + open.len();
    let len = html[start..].find("</script>").unwrap();
    &html[start..start + len]
}

pub fn data(html: &str) -> Value {
    serde_json::from_str(element(html, "vasmap-data")).unwrap()
}

pub fn facts(html: &str) -> Value {
    serde_json::from_str(element(html, "vasmap-page")).unwrap()
}

/// The server-side table's rows.
pub fn rows(html: &str) -> Vec<&str> {
    let start = html.find("<tbody>").unwrap();
    let end = html.find("</tbody>").unwrap();
    html[start..end]
        .lines()
        .filter(|l| l.starts_with("<tr"))
        .collect()
}

/// Where the browser tests keep their screenshots.
pub fn shots() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("report");
    std::fs::create_dir_all(&d).unwrap();
    d
}
