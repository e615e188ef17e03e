//! `vasmap report` of a real kernel core dump, opened in headless Chromium: the fault
//! address is pinned on the drawing, its row is marked and selected, and the details say
//! where in the mapping it is; the name filter narrows the table. (tests/report.rs checks
//! the HTML of made-up core facts; this opens what a crash really left.)

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/cores.rs"]
mod cores;
#[path = "common/report_page.rs"]
mod report_page;

use browser::{eval, screenshot, visit};
use report_page::{data, facts, report, shots};

#[test]
fn in_chromium_a_kernel_core_s_fault_is_marked_and_the_name_filter_works() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    // A jump into libc's code that faults there: the fault address is in a mapping.
    let Some(c) = cores::crash("libc") else {
        return;
    };
    let (_d, page, html) = report(&[c.core.to_str().unwrap()]);
    let doc = data(&html);
    let f = facts(&html);
    assert_eq!(doc["source"], "core");
    assert!(html.contains("no smaps figures (a core dump records none)"));
    let i = f["fault_region"]
        .as_u64()
        .expect("the fault is in a mapping") as usize;
    let region = &doc["regions"][i];
    let lo = u64::from_str_radix(&region["start"].as_str().unwrap()[2..], 16).unwrap();
    let hi = u64::from_str_radix(&region["end"].as_str().unwrap()[2..], 16).unwrap();
    assert!((lo..hi).contains(&c.addr), "{region}");
    assert!(
        region["name"].as_str().unwrap().contains("libc"),
        "{region}"
    );
    let libc_rows = doc["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"].as_str().unwrap_or("").contains("libc.so"))
        .count();
    let v = visit(
        chromium,
        &page,
        true,
        vec![
            // The page opens on the fault's region.
            eval(
                "document.querySelector('#maps tbody tr.sel') === document.querySelectorAll('#maps tbody tr')[window.vasmapReport.facts.fault_region]",
            ),
            eval("document.querySelector('#details .fault').textContent"),
            eval("document.querySelectorAll('#drawing .pin.fault').length"),
            eval("document.querySelectorAll('#maps tbody tr.fault').length"),
            // Typing part of a name keeps the rows of that name.
            eval(
                "(() => { const n = document.getElementById('f-name'); n.value = 'LIBC.so'; \
                 n.dispatchEvent(new Event('input')); \
                 const shown = Array.from(document.querySelectorAll('#maps tbody tr')).filter(r => !r.hidden); \
                 return [shown.length, shown.every(r => r.textContent.includes('libc.so')), document.getElementById('shown').textContent]; })()",
            ),
            eval("window.scrollTo(0, 0)"),
            screenshot(&shots().join("core.png")),
        ],
    );
    v.assert_quiet(&page);
    let r = &v.results;
    assert_eq!(r[0], true, "the fault's row is selected");
    let said = r[1].as_str().unwrap();
    assert!(
        said.contains(&format!("{:#x}", c.addr)) && said.contains("into the mapping"),
        "{said}"
    );
    assert_eq!(r[2], 1, "one fault pin on the drawing");
    assert_eq!(r[3], 1, "one row marked as the fault's");
    let filtered = r[4].as_array().unwrap();
    assert_eq!(filtered[0], libc_rows, "{filtered:?}");
    assert_eq!(filtered[1], true);
    assert!(
        filtered[2]
            .as_str()
            .unwrap()
            .starts_with(&format!("{libc_rows} of "))
    );
}
