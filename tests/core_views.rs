//! Every view of a kernel core, run through the command line as a user would: the table
//! on an 80-column terminal, `--addr fault`, JSON against the schema, CSV, `--pmap` against
//! pmap's rows of the live process, `-x` with no smaps figures, the layout's fault mark,
//! and `--explain` with the program rebuilt since the crash.

mod common;
#[path = "common/cores.rs"]
mod cores;

use common::{assert_schema_valid, run_vasmap};
use cores::crash;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_table_of_a_core_says_what_crashed_and_fits_80_columns() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let Some(shown) = common::on_terminal(80, &["--from", &core]) else {
        return;
    };
    let lines: Vec<&str> = shown.lines().collect();
    for l in &lines {
        assert!(
            unicode_width::UnicodeWidthStr::width(*l) <= 80,
            "wider than 80: {l:?}\n{shown}"
        );
    }
    // The title names the file, the process and the writer, wrapped rather than cut.
    let title = lines[..2].join(" ");
    assert!(
        title.starts_with(&format!("core {core}: pid {} (crash", c.pid)),
        "{shown}"
    );
    assert!(title.contains("written by the kernel"), "{shown}");
    assert!(
        !title.contains('…'),
        "the title is wrapped, not shortened: {shown}"
    );
    // The signal and the fault, in words.
    assert!(
        shown.contains("SIGSEGV (address not mapped, SEGV_MAPERR) at 0x1234"),
        "{shown}"
    );
    assert!(
        shown.contains("a NULL") && shown.contains("pointer plus an offset"),
        "{shown}"
    );
    // What the core holds of each mapping, and the footnotes for what it does not record.
    assert!(shown.contains("In core"), "{shown}");
    let text_row = lines
        .iter()
        .find(|l| l.contains("r-x?") && l.contains("crash"))
        .expect("the program's text row, with its p/s unknown");
    assert!(
        text_row.contains("none"),
        "the kernel leaves file-backed text out of a core: {text_row}"
    );
    assert!(lines.iter().any(|l| l.contains("heap*")), "{shown}");
    assert!(
        shown.contains("? not recorded: a core does not record whether"),
        "{shown}"
    );
    assert!(
        shown.contains("* inferred: a core dump does not record"),
        "{shown}"
    );
}

#[test]
fn addr_fault_answers_where_the_fault_is_and_refuses_a_live_process() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let (out, err, code) = run_vasmap(&["--from", &core, "--addr", "fault"]);
    assert_eq!(code, 0, "{}", text(&err));
    let out = text(&out);
    assert!(
        out.contains("0x1234 is in no mapping: below the first one"),
        "{out}"
    );
    assert!(out.contains("▶ 0000000000001234  (no mapping)"), "{out}");

    // A live process has no fault address: a usage error, not an empty answer.
    let me = std::process::id().to_string();
    let (out, err, code) = run_vasmap(&["--addr", "fault", &me]);
    assert_eq!(code, 2, "{}", text(&out));
    assert!(out.is_empty());
    let err = text(&err);
    assert!(
        err.contains("--addr fault") && err.contains("--from CORE"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn addr_fault_in_library_code_gives_the_file_offset() {
    let Some(c) = crash("libc") else { return };
    let core = c.core.display().to_string();
    let out = common::run_ok(&["--from", &core, "--addr", "fault"]);
    let first = out
        .lines()
        .find(|l| l.starts_with("0x"))
        .unwrap_or_default();
    assert!(
        first.starts_with(&format!("{:#x} is in libc.so.6", c.addr)),
        "{out}"
    );
    assert!(first.contains("; file offset 0x"), "{out}");
    // The row of the mapping, with the letters the core does not record shown as `?`.
    assert!(out.contains("r-x? library"), "{out}");
}

#[test]
fn json_of_a_core_follows_the_schema_and_reads_back_the_same() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let out = common::run_ok(&["--from", &core, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_schema_valid(&doc);
    assert_eq!(doc["source"], "core");
    assert_eq!(doc["process"]["pid"], c.pid);
    assert_eq!(doc["core"]["writer"], "kernel");
    assert_eq!(doc["core"]["signal_name"], "SIGSEGV");
    assert_eq!(doc["core"]["fault_addr"], "0x1234");
    assert!(
        doc["core"]["fault_text"]
            .as_str()
            .is_some_and(|t| t.contains("NULL pointer")),
        "{}",
        doc["core"]
    );
    let regions = doc["regions"].as_array().unwrap();
    assert!(
        regions.iter().all(|r| r["dumped"].is_object()),
        "every region says what is in the core"
    );
    assert!(
        regions
            .iter()
            .any(|r| r["kind"] == "heap" && r["dumped"]["kind_inferred"] == true)
    );

    // vasmap's JSON of the core, read back, gives the same document.
    let (_dir, saved) = common::temp_file("core.json", &out);
    let again = common::run_ok(&["--from", &saved.display().to_string(), "--json"]);
    assert_eq!(again, out);

    // The lookup's JSON carries the core too.
    let look = common::run_ok(&["--from", &core, "--addr", "fault", "--json"]);
    let look: serde_json::Value = serde_json::from_str(&look).unwrap();
    assert_eq!(look["core"]["fault_addr"], "0x1234");
    assert_eq!(look["lookups"][0]["inside"], false);
}

#[test]
fn csv_of_a_core_has_its_columns() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let out = common::run_ok(&["--from", &core, "-o", "csv"]);
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (perms, in_core, inferred, kind) = (
        col("perms"),
        col("in_core_bytes"),
        col("kind_inferred"),
        col("kind"),
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert!(
        records
            .iter()
            .any(|r| r[kind] == *"heap" && r[inferred] == *"true")
    );
    assert!(
        records
            .iter()
            .any(|r| r[perms] == *"r-x?" && r[in_core] == *"0"),
        "the program's text, left out of the core"
    );
}

#[test]
fn pmap_of_a_core_prints_the_rows_pmap_printed_of_the_live_process() {
    let Some(c) = crash("wait") else { return };
    let Some(live) = &c.pmap else { return };
    let core = c.core.display().to_string();
    let (out, err, code) = run_vasmap(&["--pmap", "--from", &core]);
    assert_eq!(code, 0, "{}", text(&err));
    let (out, live) = (text(&out), text(live));
    let rows = |s: &str| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    let (core_rows, live_rows) = (rows(&out), rows(&live));
    assert_eq!(core_rows.len(), live_rows.len(), "{out}\n{live}");
    for (c, l) in core_rows.iter().zip(&live_rows) {
        if l.contains("[ shmid=") {
            // A core does not record a segment's shmid.
            assert_eq!(c.split("[ shmid=").next(), l.split("[ shmid=").next());
        } else {
            assert_eq!(c, l);
        }
    }

    // -x: a core has no RSS or dirty figures; the table says `-` and one warning says
    // why, rather than a column of zeros that looks measured.
    let (out, err, code) = run_vasmap(&["--from", &core, "-x"]);
    assert_eq!(code, 0);
    let (out, err) = (text(&out), text(&err));
    assert!(err.contains("a core dump has no smaps figures"), "{err}");
    let heap = out.lines().find(|l| l.contains("[heap]")).unwrap();
    assert!(heap.split_whitespace().any(|w| w == "-"), "{heap}");
}

#[test]
fn the_layout_marks_the_fault() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let out = common::run_ok(&["layout", &core]);
    let mark = out
        .lines()
        .position(|l| l.contains("✗ the fault, 0x1234, is here"))
        .unwrap_or_else(|| panic!("no fault mark: {out}"));
    let program = out
        .lines()
        .position(|l| l.contains("program") && l.contains("crash"))
        .unwrap();
    assert!(mark > program, "below the lowest mapping: {out}");

    let Some(c) = crash("libc") else { return };
    let out = common::run_ok(&["layout", &c.core.display().to_string()]);
    let row = out
        .lines()
        .find(|l| l.contains("✗ fault here"))
        .unwrap_or_else(|| panic!("no fault mark: {out}"));
    assert!(row.contains("libc.so.6"), "{row}");
}

#[test]
fn explain_checks_the_build_id_before_naming_sections() {
    if let Some(why) = cores::core_pattern_problem() {
        eprintln!("skipping: {why}");
        return;
    }
    let Some(bin) = common::c_helper("crash") else {
        return;
    };
    // A copy of the program that can be replaced after the crash.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("crash");
    common::copy_program(&bin, &copy).unwrap();
    let Some(c) = cores::crash_program(&copy, "null") else {
        return;
    };
    let core = c.core.display().to_string();
    let out = common::run_ok(&["--from", &core, "--explain"]);
    assert!(
        out.contains(".text"),
        "the program as it ran: its sections\n{out}"
    );

    // Another program at the same path: its sections are not the crashed program's.
    common::copy_program("/bin/true", &copy).unwrap();
    let out = common::run_ok(&["--from", &core, "--explain"]);
    let row = out
        .lines()
        .skip_while(|l| !l.contains("r-x?"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        out.contains("another build than the one the process ran"),
        "{out}"
    );
    assert!(!row.contains(".text"), "{row}");
}

#[test]
fn the_report_page_of_a_core_says_the_signal_and_the_fault_in_words() {
    let Some(c) = crash("null") else { return };
    let core = c.core.display().to_string();
    let page = common::run_ok(&["report", &core, "-o", "-"]);
    assert!(
        page.contains(
            "<dt>Signal</dt><dd>SIGSEGV (address not mapped, SEGV_MAPERR) at 0x1234</dd>"
        ),
        "the header's signal"
    );
    assert!(page.contains("<dt>Fault</dt><dd>the fault address 0x1234 is in no mapping"));
    assert!(page.contains("NULL pointer plus an offset"));
    // The embedded document is the one `--json` prints, notes included.
    assert!(
        page.contains("\"signal_text\":\"SIGSEGV (address not mapped, SEGV_MAPERR) at 0x1234\"")
    );
}

#[test]
fn a_gcore_has_no_fault_to_look_up_and_its_table_says_what_gdb_left_out() {
    let Some(aw) = common::Awkward::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = cores::gcore(aw.pid, dir.path()) else {
        return;
    };
    let core = path.display().to_string();
    let (out, err, code) = run_vasmap(&["--from", &core, "--addr", "fault"]);
    assert_eq!(code, 1, "{}", text(&out));
    assert!(out.is_empty(), "no half answer: {}", text(&out));
    let err = text(&err);
    assert!(
        err.contains("--addr fault needs a core dump whose signal has a fault address"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let table = common::run_ok(&["--from", &core, "--width", "100"]);
    assert!(table.contains("written by gdb (gcore)"), "{table}");
    assert!(
        table.contains("SIGSTOP: gdb stopped the process to save it"),
        "{table}"
    );
    // The footnote for `?`, wrapped: read as one line.
    let words = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("gdb marks every segment readable, so its r means nothing"),
        "{table}"
    );
}
