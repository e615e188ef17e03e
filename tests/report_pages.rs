//! The page strips of `vasmap report`: a live process's pages, read from pagemap as
//! `vasmap pages` reads them, for every region and bounded, drawn in a region's details;
//! none for a saved capture (which records no page states) or with `--no-pages`.

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/report_page.rs"]
mod report_page;

use browser::{click, eval, screenshot, visit};
use common::Helper;
use report_page::{data, element, report, shots};
use serde_json::Value;

/// The `pages` helper, its directory, and the start address of each of its mappings.
type Started = (Helper, tempfile::TempDir, Vec<(String, u64)>);

/// The `pages` helper (tests/support/pages.c: mappings whose touched pages are known)
/// and the start address of each of its mappings, by name.
fn pages_helper() -> Option<Started> {
    let dir = tempfile::tempdir().unwrap();
    let helper = Helper::start("pages", &[dir.path().to_str().unwrap()])?;
    let text = std::fs::read_to_string(dir.path().join("addrs")).unwrap();
    let at = text
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            (w[0].to_string(), u64::from_str_radix(w[1], 16).unwrap())
        })
        .collect();
    Some((helper, dir, at))
}

/// The strip of the region that starts at `start`, as an object named by `fields`.
fn strip(doc: &Value, pages: &Value, start: u64) -> Value {
    let i = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["start"] == format!("{start:#x}"))
        .unwrap_or_else(|| panic!("no region at {start:#x}"));
    named(pages, &pages["regions"][i])
}

/// A strip's array as an object with the element's `fields` as keys.
fn named(pages: &Value, strip: &Value) -> Value {
    let fields = pages["fields"].as_array().unwrap();
    let values = strip.as_array().unwrap();
    assert_eq!(fields.len(), values.len(), "{strip}");
    let map: serde_json::Map<String, Value> = fields
        .iter()
        .zip(values)
        .map(|(f, v)| (f.as_str().unwrap().to_string(), v.clone()))
        .collect();
    Value::Object(map)
}

#[test]
fn a_live_process_s_pages_are_drawn_for_every_region_bounded() {
    let Some((helper, _dir, at)) = pages_helper() else {
        return;
    };
    let (_d, _p, html) = report(&[&helper.pid.to_string()]);
    let doc = data(&html);
    let pages: Value = serde_json::from_str(element(&html, "vasmap-pages")).unwrap();
    assert_eq!(
        pages["regions"].as_array().unwrap().len(),
        doc["regions"].as_array().unwrap().len(),
        "one entry per region"
    );
    assert!(pages["note"].is_null(), "{}", pages["note"]);
    let addr = |name: &str| at.iter().find(|(n, _)| n == name).unwrap().1;

    // 64 pages, 0, 5 and 10 written: a cell a page.
    let anon = strip(&doc, &pages, addr("anon"));
    let mut want = vec!['.'; 64];
    for p in [0, 5, 10] {
        want[p] = 'A';
    }
    assert_eq!(anon["cells"], want.iter().collect::<String>(), "{anon}");
    assert_eq!(anon["cell_pages"], 1);
    assert_eq!(
        (anon["present"].as_u64(), anon["anonymous"].as_u64()),
        (Some(3), Some(3))
    );

    // 1 GiB, pages 0, 1000 and 200000 written: 256 cells of 1024 pages.
    let gib = strip(&doc, &pages, addr("gib"));
    let cells: Vec<char> = gib["cells"].as_str().unwrap().chars().collect();
    assert_eq!((cells.len(), gib["cell_pages"].as_u64()), (256, Some(1024)));
    for (i, c) in cells.iter().enumerate() {
        let touched = i == 0 || i == 200_000 / 1024;
        assert_eq!(*c == 'A', touched, "cell {i}: {c}");
    }
    assert_eq!(gib["present"], 3);

    // 1 TiB never touched: 256 empty cells, read in bounded time (PAGEMAP_SCAN or smaps).
    let tib = strip(&doc, &pages, addr("tib"));
    assert_eq!(tib["cells"], ".".repeat(256));
    assert_eq!(tib["pages"], 1u64 << 28);

    // The helper's file mapping: present file pages and the one written (now its own).
    let file = strip(&doc, &pages, addr("file"));
    let cells = file["cells"].as_str().unwrap();
    assert_eq!(cells.chars().nth(3), Some('A'), "{cells}");
    assert!(
        cells.chars().nth(8).is_some_and(|c| c == 'F' || c == 'f'),
        "{cells}"
    );

    // Every region's strip is at most 256 cells; the symbols are the legend's.
    let legend: Vec<String> = pages["legend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["symbol"].as_str().unwrap().to_string())
        .collect();
    for s in pages["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s.is_null())
    {
        let s = named(&pages, s);
        let cells = s["cells"].as_str().unwrap();
        assert!(cells.chars().count() <= 256, "{s}");
        assert!(
            cells.chars().all(|c| legend.contains(&c.to_string())),
            "{s}"
        );
    }
}

#[test]
fn a_capture_and_no_pages_have_no_strips() {
    let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/awkward.smaps");
    let (_d, _p, html) = report(&[capture]);
    assert!(!html.contains("id=\"vasmap-pages\""));
    let (_d, _p, html) = report(&["self", "--no-pages"]);
    assert!(!html.contains("id=\"vasmap-pages\""));
    let (_d, _p, html) = report(&["self"]);
    assert!(html.contains("id=\"vasmap-pages\""));
}

#[test]
fn in_chromium_a_region_s_details_draw_its_pages() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let Some((helper, _dir, at)) = pages_helper() else {
        return;
    };
    let anon = at.iter().find(|(n, _)| n == "anon").unwrap().1;
    let (_d, page, html) = report(&[&helper.pid.to_string()]);
    let i = data(&html)["regions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["start"] == format!("{anon:#x}"))
        .unwrap();
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            eval(&format!(
                "(() => {{ document.querySelectorAll('#maps tbody tr')[{i}].id = 'anon'; return true; }})()"
            )),
            click("#anon"),
            eval(
                "Array.from(document.querySelector('#details .strip').children).map(l => l.textContent).join('|')",
            ),
            eval("document.querySelector('#details .pages .what').textContent"),
            eval(
                "Array.from(document.querySelectorAll('#details .plegend li')).map(l => l.textContent).join('|')",
            ),
            eval("document.querySelectorAll('#details .strip span.pA').length"),
            eval("document.getElementById('details').scrollIntoView()"),
            screenshot(&shots().join("pages.png")),
        ],
    );
    v.assert_quiet(&page);
    let r = &v.results;
    // Two lines of two groups of 16.
    assert_eq!(
        r[2],
        "A....A....A..... ................|................ ................"
    );
    let what = r[3].as_str().unwrap();
    assert!(
        what.starts_with("64 pages (256K): 3 present (0 file, 3 anonymous)"),
        "{what}"
    );
    let legend = r[4].as_str().unwrap();
    assert!(
        legend.contains("A anonymous") && legend.contains(". not mapped"),
        "{legend}"
    );
    assert_eq!(r[5], 3);
}
