//! `vasmap report`: the HTML page of an address space.
//!
//! The HTML-level tests always run: one table row per mapping, the embedded data valid
//! against the `--json` schema (and equal to what `--json` prints), names that stay text
//! (`<script>`, `</script>`, escape sequences), a cut page for a large address space, a
//! core dump's fault address, the command line's errors. The browser tests open the pages
//! in headless Chromium (skipped, with the reason, where it cannot start): no console
//! error, no request, sorting, filters, the drawing's blocks, a region's details, the page
//! without JavaScript, and screenshots under target/report/ (the README's is
//! docs/report.png: `VASMAP_UPDATE_SCREENSHOT=1 cargo test --test report` rewrites it).

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/report_page.rs"]
mod report_page;

use std::path::Path;

use browser::{click, eval, page_screenshot, screenshot, visit};
use common::{Awkward, Driven, assert_schema_valid, assert_terminal_safe, run_vasmap, temp_file};
use report_page::{data, element, facts, report, rows, shots};
use serde_json::Value;
use vasmap::inspect::{Inspector, Task};
use vasmap::view::ViewOptions;
use vasmap::view::report::ReportOptions;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A page made by the library, for what the command line does not choose.
fn library_page(snap: &vasmap::model::Snapshot, explain: bool, budget: usize) -> String {
    let opts = ReportOptions {
        source: "a test".into(),
        full_budget: budget,
        ..ReportOptions::default()
    };
    let view = ViewOptions {
        explain,
        ..ViewOptions::default()
    };
    let mut out = Vec::new();
    Inspector::new(view, Task::Report(opts), Vec::new())
        .show_snapshot(snap, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_capture_makes_one_row_per_mapping_and_the_data_is_what_json_prints() {
    let smaps = fixture("sleep.smaps");
    let (_d, _p, html) = report(&[&smaps]);
    let doc = data(&html);
    assert_schema_valid(&doc);
    assert_eq!(doc["regions"].as_array().unwrap().len(), 37);
    assert_eq!(rows(&html).len(), 37);
    // The same document `--json --explain` prints, whole (a small process is not cut).
    let (json, _, code) = run_vasmap(&["--json", "--explain", "--from", &smaps]);
    assert_eq!(code, 0);
    let printed: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc, printed);
    assert_eq!(facts(&html)["smaps"], "full");
    assert!(!html.contains("id=\"cut\""));
    // Each block of the drawing links to a row of the table.
    let targets: Vec<&str> = html
        .split("href=\"#m")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(targets.len() >= 5);
    for t in targets {
        assert!(html.contains(&format!("id=\"m{t}\"")), "no row m{t}");
    }
}

#[test]
fn vasmap_json_in_gives_the_same_regions() {
    let (json, _, code) = run_vasmap(&["--json", "--from", &fixture("sleep.smaps")]);
    assert_eq!(code, 0);
    let (_dir, path) = temp_file("sleep.json", &json);
    let (_d, _p, html) = report(&["--no-explain", path.to_str().unwrap()]);
    let doc = data(&html);
    assert_schema_valid(&doc);
    let saved: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc["regions"], saved["regions"]);
    assert_eq!(doc["process"], saved["process"]);
    assert_eq!(rows(&html).len(), 37);
    assert!(html.contains("the saved file"));
}

/// A maps capture whose names try to end the page's elements or drive a terminal.
const HOSTILE: &[u8] = b"\
00400000-00401000 r-xp 00000000 fe:01 11 /tmp/x/<script>alert(1)</script>\n\
00402000-00403000 r--p 00000000 fe:01 12 /tmp/</script><!--\n\
00404000-00405000 rw-p 00000000 fe:01 13 /tmp/<img src=x onerror=alert(2)>\n\
00406000-00407000 rw-p 00000000 00:00 0 [anon:</script>]\n\
00408000-00409000 rw-p 00000000 fe:01 14 /tmp/esc\x1b[31mred\xff\xfe \"q\" &amp;\n";

#[test]
fn names_stay_text_in_the_html_and_exact_in_the_data() {
    let (_dir, path) = temp_file("hostile.maps", HOSTILE);
    let (_d, _p, html) = report(&[path.to_str().unwrap()]);
    // Only vasmap's own three script elements, each ended once.
    assert_eq!(html.matches("<script").count(), 3, "{html}");
    assert_eq!(html.matches("</script").count(), 3);
    assert_eq!(html.matches("<!--").count(), 0);
    assert_eq!(html.matches("<img").count(), 0);
    assert_terminal_safe("the page", html.as_bytes());
    let table = rows(&html);
    assert_eq!(table.len(), 5);
    assert!(table[1].contains("<td>script&gt;&lt;!--"), "{}", table[1]);
    assert!(table[2].contains("<td>&lt;img src=x onerror=alert(2)&gt;"));
    assert!(table[3].contains("<td>[anon:&lt;/script&gt;]"));
    assert!(table[4].contains(r"<td>esc\e[31mred\xff\xfe &quot;q&quot; &amp;amp;"));
    // The data holds the names exactly, `<` written as \u003c.
    let doc = data(&html);
    assert_schema_valid(&doc);
    let names: Vec<&str> = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "/tmp/x/<script>alert(1)</script>");
    assert_eq!(names[1], "/tmp/</script><!--");
    assert_eq!(names[3], "[anon:</script>]");
    let bytes: Vec<u8> = doc["regions"][4]["name_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, b"/tmp/esc\x1b[31mred\xff\xfe \"q\" &amp;");
    assert!(!element(&html, "vasmap-data").contains('<'));
}

/// A capture of `n` anonymous mappings with smaps records.
fn many_anon(n: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..n as u64 {
        let start = 0x1000_0000 + i * 0x2000;
        text.extend_from_slice(
            format!(
                "{start:x}-{:x} rw-p 00000000 00:00 0 \nSize: 4 kB\nKernelPageSize: 4 kB\n\
                 Rss: 4 kB\nPss: 4 kB\nShared_Dirty: 0 kB\nPrivate_Dirty: {} kB\nSwap: 0 kB\n\
                 Locked: 0 kB\nVmFlags: rd wr mr mw me ac \n",
                start + 0x1000,
                4 * (i % 2)
            )
            .as_bytes(),
        );
    }
    text
}

#[test]
fn a_large_address_space_is_cut_to_the_tables_figures_and_says_so() {
    let (_dir, path) = temp_file("many.smaps", many_anon(3000));
    let snap = vasmap::read::saved::read_one(&path).unwrap();
    let html = library_page(&snap, true, 64 * 1024);
    let doc = data(&html);
    assert_schema_valid(&doc);
    assert!(html.contains("id=\"cut\""), "the page says it is cut");
    let f = facts(&html);
    assert_eq!(f["smaps"], "cut");
    let kept: Vec<&str> = vasmap::view::report::data::KEPT_FIELDS.to_vec();
    for r in doc["regions"].as_array().unwrap() {
        for k in r["smaps"].as_object().unwrap().keys() {
            assert!(kept.contains(&k.as_str()), "{k} kept");
        }
        assert!(r.get("vm_flags").is_none());
        assert!(
            r.get("explain").is_none(),
            "no sections: the words are in the table"
        );
    }
    // The totals are over every figure: 1500 mappings with 4 kB dirty.
    assert_eq!(doc["totals"]["dirty_kb"], 6000);
    assert_eq!(doc["totals"]["rss_kb"], 12000);
    // Each explanation once, as a style rule; every row refers to one.
    let words = f["explain_texts"].as_array().unwrap();
    assert!(!words.is_empty() && words.len() < 5, "{words:?}");
    let table = rows(&html);
    assert_eq!(table.len(), 3000);
    assert!(table.iter().all(|r| r.contains("<td class=\"e")));
    assert!(html.contains("<noscript><style id=\"explain-words\">\ntd.e0::before{content:\""));
    // Far smaller than whole: 3000 full records are ~2 MB of data.
    assert!(html.len() < 1_100_000, "{} bytes", html.len());
    // --full keeps every figure however large.
    let (_d, _p, full) = report(&["--full", "--no-explain", path.to_str().unwrap()]);
    assert_eq!(facts(&full)["smaps"], "full");
    assert_eq!(data(&full)["regions"][0]["vm_flags"][0], "rd");
    assert_eq!(data(&full)["regions"][0]["smaps"]["Locked"], 0);
}

#[test]
fn a_core_dumps_fault_address_is_marked_in_the_drawing_and_the_table() {
    let mut snap = common::fixture_snapshot("sleep");
    let heap = snap
        .regions
        .iter()
        .position(|r| r.name == b"[heap]")
        .unwrap();
    let addr = snap.regions[heap].start + 0x123;
    snap.process.core = Some(Box::new(vasmap::model::CoreFacts {
        path: b"/tmp/core.sleep".to_vec(),
        arch: "x86-64".into(),
        signal: Some(11),
        fault_addr: Some(addr),
        ..Default::default()
    }));
    let html = library_page(&snap, false, usize::MAX);
    let f = facts(&html);
    assert_eq!(f["fault_region"], heap);
    assert_eq!(f["fault"], format!("{addr:#x}"));
    let table = rows(&html);
    assert!(
        table[heap].starts_with("<tr class=\"heap fault\""),
        "{}",
        table[heap]
    );
    assert!(table[heap].contains(&format!("fault address {addr:#x}")));
    assert_eq!(table.iter().filter(|r| r.contains(" fault\"")).count(), 1);
    assert!(html.contains("<g class=\"pin fault\">"));
    assert!(html.contains(&format!("fault address <code>{addr:#x}</code>")));
    assert_eq!(data(&html)["source"], "core");
    // A NULL dereference: in no mapping, said above the table and under the drawing.
    snap.process.core.as_mut().unwrap().fault_addr = Some(0x10);
    let html = library_page(&snap, false, usize::MAX);
    assert!(html.contains("The fault address 0x10 is in no mapping."));
    assert!(html.contains("fault address 0x10 (in no mapping)"));
    assert!(facts(&html)["fault_region"].is_null());
}

#[test]
fn a_live_process_with_hostile_names_has_a_row_per_mapping() {
    let Some(a) = Awkward::start() else { return };
    let pid = a.pid.to_string();
    let (_d, _p, html) = report(&[&pid]);
    let maps = std::fs::read(format!("/proc/{pid}/maps")).unwrap();
    assert_eq!(
        rows(&html).len(),
        maps.iter().filter(|&&b| b == b'\n').count()
    );
    let doc = data(&html);
    assert_schema_valid(&doc);
    assert_eq!(doc["process"]["pid"], a.pid);
    assert_terminal_safe("the page", html.as_bytes());
    assert!(html.contains(r"<td>esc\e[31mred"));
    assert!(html.contains(r"<td>bad\xff\xfeutf8"));
    assert!(html.contains(r"<td>rtl\u{202e}txt.exe"));
    assert!(html.contains(&format!("/proc/{pid}, a live process")));
}

#[test]
fn the_command_line_refuses_what_it_cannot_do_and_leaves_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    let page_s = page.to_str().unwrap();
    let (_, err, code) = run_vasmap(&["report", "1", "--map", "x", "-o", page_s]);
    assert_eq!(code, 2, "{}", String::from_utf8_lossy(&err));
    assert!(String::from_utf8_lossy(&err).contains("vasmap report self --map FILE"));
    let (_, err, code) = run_vasmap(&["report", "999999999", "-o", page_s]);
    assert_eq!(code, 1);
    assert!(String::from_utf8_lossy(&err).contains("999999999"));
    assert!(!page.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary left"
    );
    let missing = dir.path().join("no/such/dir/p.html");
    let (_, err, code) = run_vasmap(&["report", "self", "-o", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains("no/such/dir/p.html") && err.contains("cannot"),
        "{err}"
    );
}

#[test]
fn in_chromium_the_page_sorts_filters_and_shows_details() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let Some(a) = Awkward::start() else { return };
    let (_d, page, html) = report(&[&a.pid.to_string()]);
    let n = rows(&html).len();
    let doc = data(&html);
    let libs = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "library")
        .count();
    let esc = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["name"].as_str().unwrap().ends_with("esc\u{1b}[31mred"))
        .unwrap();
    let shot = shots().join("awkward.png");
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            eval("document.querySelectorAll('#maps tbody tr').length"),
            // Sorting by size, largest first, with the mouse on the column's header.
            click("#maps th[data-key=size]"),
            eval(
                "(() => { const d = window.vasmapReport.data.regions; \
                 const rows = Array.from(document.querySelectorAll('#maps tbody tr')); \
                 const idx = new Map(Array.from(document.querySelectorAll('#maps tbody tr')).map(r => [r, r])); \
                 const sizes = rows.map(r => r.cells[1].textContent); \
                 const want = d.map(r => r.size).sort((a, b) => b - a).map(s => (s >> 10) + 'K'); \
                 return JSON.stringify(sizes) === JSON.stringify(want) \
                   && document.querySelector('#maps th[data-key=size]').getAttribute('aria-sort'); })()",
            ),
            // A kind filter.
            eval(
                "(() => { const k = document.getElementById('f-kind'); k.value = 'library'; \
                 k.dispatchEvent(new Event('change')); \
                 return Array.from(document.querySelectorAll('#maps tbody tr')).filter(r => !r.hidden).length; })()",
            ),
            eval(
                "(() => { const k = document.getElementById('f-kind'); k.value = ''; \
                 k.dispatchEvent(new Event('change')); \
                 const p = document.getElementById('f-perms'); p.value = 'wx'; \
                 p.dispatchEvent(new Event('input')); \
                 const shown = Array.from(document.querySelectorAll('#maps tbody tr')).filter(r => !r.hidden); \
                 return shown.length > 0 && shown.every(r => r.cells[6].textContent.startsWith('rwx')); })()",
            ),
            click("#f-clear"),
            // Clicking the row of a name with an escape sequence: its details, escaped.
            eval(&format!(
                "(() => {{ const r = window.vasmapReport.data.regions[{esc}]; \
                 const tr = Array.from(document.querySelectorAll('#maps tbody tr')).find(t => t.cells[0].textContent === r.start.slice(2).padStart(16, '0')); \
                 tr.id = 'clickme'; return true; }})()"
            )),
            click("#clickme"),
            eval("document.querySelector('#details h3').textContent"),
            eval(
                "Array.from(document.querySelectorAll('#details h4')).map(h => h.textContent).join('|')",
            ),
            // A block of the drawing filters the table to its mappings.
            click("#drawing a.blk[data-start]"),
            eval(
                "(() => { const a = document.querySelector('#drawing a.blk.on'); \
                 const lo = BigInt(a.dataset.start), hi = BigInt(a.dataset.end); \
                 const d = window.vasmapReport.data.regions; \
                 const want = d.filter(r => BigInt(r.start) < hi && lo < BigInt(r.end)).length; \
                 const shown = Array.from(document.querySelectorAll('#maps tbody tr')).filter(r => !r.hidden).length; \
                 return [want, shown]; })()",
            ),
            eval("document.querySelectorAll('script').length"),
            eval("window.scrollTo(0, 0)"),
            screenshot(&shot),
        ],
    );
    v.assert_quiet(&page);
    let r = &v.results;
    assert_eq!(r[0], n);
    assert_eq!(r[2], "descending", "sorted by size: {:?}", r[2]);
    assert_eq!(r[3], libs);
    assert_eq!(r[4], true, "perms filter");
    let h3 = r[8].as_str().unwrap();
    assert!(h3.ends_with(r"/esc\e[31mred"), "{h3}");
    assert_eq!(r[9], "smaps figures|Neighbours|Pages");
    let pair = r[11].as_array().unwrap();
    assert_eq!(pair[0], pair[1], "the block's mappings are shown");
    assert!(pair[0].as_u64().unwrap() >= 1);
    assert_eq!(r[12], 4, "data, facts, page strips and the script");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}

#[test]
fn in_chromium_a_file_named_script_stays_text() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let Some(mut d) = Driven::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("<")).unwrap();
    let names = [
        "<script>",
        "<img src=x onerror=window.pwned=1>",
        "</script>",
    ];
    for n in names {
        let p = dir.path().join(n);
        std::fs::write(&p, "x".repeat(100)).unwrap();
        d.send(&format!("map {}", p.display()));
    }
    let (_d, page, html) = report(&[&d.pid.to_string()]);
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            eval(
                "document.querySelectorAll('script').length + ' ' + document.querySelectorAll('img').length + ' ' + (window.pwned === undefined)",
            ),
            eval(
                "Array.from(document.querySelectorAll('#maps tbody tr')).map(r => r.cells[8].textContent).filter(t => t.includes('script') || t.includes('<')).sort().join('|')",
            ),
            eval(
                "(() => { const d = window.vasmapReport.data.regions; \
                 const i = d.findIndex(r => r.name.endsWith('/</script>')); \
                 window.vasmapReport.select(i, true); \
                 return document.querySelector('#details h3').textContent.endsWith('/</script>'); })()",
            ),
        ],
    );
    v.assert_quiet(&page);
    // The data, the page's facts, the page strips (a live process) and the script: no
    // other script element, whatever the names.
    assert_eq!(v.results[0], "4 0 true");
    assert_eq!(
        v.results[1],
        "<img src=x onerror=window.pwned=1>|<script>|script>"
    );
    assert_eq!(v.results[2], true);
    assert_eq!(
        rows(&html).len(),
        data(&html)["regions"].as_array().unwrap().len()
    );
    d.quit();
}

#[test]
fn in_chromium_without_javascript_the_table_and_drawing_are_there() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let (_d, page, html) = report(&[&fixture("sleep.smaps")]);
    let blocks = html.matches("<a class=\"blk\"").count();
    let v = visit(
        chromium,
        &page,
        false,
        vec![
            eval("document.documentElement.className"),
            eval(
                "Array.from(document.querySelectorAll('#maps tbody tr')).filter(r => r.getBoundingClientRect().height > 0).length",
            ),
            eval("document.querySelectorAll('#drawing a.blk').length"),
            eval("getComputedStyle(document.getElementById('controls')).display"),
            eval("document.querySelector('#maps tbody tr').cells[9].textContent.length > 0"),
        ],
    );
    v.assert_quiet(&page);
    assert_eq!(v.results[0], "nojs", "the page's script did not run");
    assert_eq!(v.results[1], 37);
    assert_eq!(v.results[2], blocks);
    assert_eq!(
        v.results[3], "none",
        "controls that need the script are hidden"
    );
    assert_eq!(v.results[4], true, "the explanations are in the table");
}

#[test]
fn in_chromium_a_cut_page_fills_in_its_words_and_still_sorts() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let (_dir, path) = temp_file("many.smaps", many_anon(3000));
    let snap = vasmap::read::saved::read_one(&path).unwrap();
    let page = _dir.path().join("cut.html");
    std::fs::write(&page, library_page(&snap, true, 64 * 1024)).unwrap();
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            eval(
                "new Promise(r => setTimeout(r, 300)).then(() => \
                 Array.from(document.querySelectorAll('#maps tbody tr')).every(r => r.cells[9].textContent.startsWith('anonymous memory')))",
            ),
            click("#maps th[data-key=dirty]"),
            eval(
                "document.querySelector('#maps tbody tr').cells[4].textContent + ' ' + document.querySelector('#maps tbody tr:last-child').cells[4].textContent",
            ),
            // Laid out fixed (3,000 rows): every column keeps room for its content, and
            // an address is never cut.
            eval(
                "(() => { const t = document.getElementById('maps'); \
                 const w = Array.from(t.tHead.rows[0].cells).map(c => c.getBoundingClientRect().width); \
                 const a = t.tBodies[0].rows[0].cells[0]; \
                 return [getComputedStyle(t).tableLayout, Math.min(...w) >= 40 && a.scrollWidth <= a.clientWidth, \
                   t.getBoundingClientRect().width <= document.getElementById('tablebox').getBoundingClientRect().width + 1]; })()",
            ),
            screenshot(&shots().join("fixed.png")),
        ],
    );
    v.assert_quiet(&page);
    assert_eq!(v.results[0], true, "every row has its words as text");
    assert_eq!(v.results[2], "4K 0K");
    assert_eq!(v.results[3], serde_json::json!(["fixed", true, true]));
    // Without the script, the style rules show the words.
    let v = visit(
        chromium,
        &page,
        false,
        vec![eval(
            "getComputedStyle(document.querySelector('#maps tbody tr').cells[9], '::before').content",
        )],
    );
    assert!(
        v.results[0]
            .as_str()
            .unwrap()
            .starts_with("\"anonymous memory"),
        "{:?}",
        v.results[0]
    );
}

#[test]
fn in_chromium_the_demo_page_marks_its_mapping_for_the_readme() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let message = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/message.txt");
    let (_d, page, html) = report(&["self", "--map", message.to_str().unwrap()]);
    assert!(html.contains("message.txt mapped by vasmap"));
    let shot = shots().join("self-map.png");
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            click("#maps tbody tr.mark"),
            eval("document.querySelector('#details h3').textContent"),
            // Laid out by content (31 rows): no column crushed beside the details panel
            // (a fixed layout once left the words one letter wide).
            eval(
                "Math.min(...Array.from(document.getElementById('maps').tHead.rows[0].cells).map(c => c.getBoundingClientRect().width)) >= 40",
            ),
            eval("window.scrollTo(0, 0)"),
            page_screenshot(&shot, 1500),
        ],
    );
    v.assert_quiet(&page);
    assert!(
        v.results[1]
            .as_str()
            .unwrap()
            .ends_with("examples/message.txt")
    );
    assert_eq!(v.results[2], true, "every column keeps room");
    if std::env::var_os("VASMAP_UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.png");
        std::fs::copy(&shot, docs).unwrap();
    }
}

#[test]
fn the_page_is_written_through_a_device_a_fifo_or_a_link_never_over_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &std::path::Path| run_vasmap(&["report", "self", "-o", out.to_str().unwrap()]);
    // A link to a page: the link stays, its target gets the page.
    let real = dir.path().join("real.html");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (_, err, code) = run(&link);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("<html"));
    // A FIFO: read from the other end, it stays a FIFO.
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (_, err, code) = run(&fifo);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(reader.join().unwrap().contains("</html>"));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // /dev/full: the write fails, said, exit 1, and the device is still a device.
    let (_, err, code) = run(std::path::Path::new("/dev/full"));
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("/dev/full") && err.contains("No space left"),
        "{err}"
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A device node of our own (root only): still a device after the page went through.
    if common::is_root() {
        let null = dir.path().join("null");
        let made = std::process::Command::new("mknod")
            .args([null.to_str().unwrap(), "c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
        if made {
            let (_, err, code) = run(&null);
            assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
            assert!(
                std::fs::symlink_metadata(&null)
                    .unwrap()
                    .file_type()
                    .is_char_device()
            );
        } else {
            eprintln!("skipping the device node: mknod failed here");
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".vasmap-report-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
