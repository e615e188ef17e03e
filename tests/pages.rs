//! `vasmap pages PID WHERE` on live processes: the counts against smaps, the pages the
//! helper touched against the runs, copy-on-write, a 1 TiB reservation in bounded time
//! and memory, what an unprivileged user is told, the strip's width and colour, the JSON
//! schema, and the demo's hook on vasmap's own (here: the test's own) mappings.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};

use common::{Helper, is_root, run_vasmap, vasmap_as_nobody};
use serde_json::Value;

/// The `pages` helper and the addresses of its mappings, by name.
struct Pages {
    helper: Helper,
    _dir: tempfile::TempDir,
    at: HashMap<String, (u64, u64)>,
}

impl Pages {
    fn start() -> Option<Pages> {
        let dir = tempfile::tempdir().unwrap();
        let helper = Helper::start("pages", &[dir.path().to_str().unwrap()])?;
        let at = read_addrs(&dir.path().join("addrs"));
        Some(Pages {
            helper,
            _dir: dir,
            at,
        })
    }

    fn pid(&self) -> String {
        self.helper.pid.to_string()
    }

    fn addr(&self, name: &str) -> String {
        format!("{:#x}", self.at[name].0)
    }

    /// `vasmap pages PID ADDR-OF-NAME --json`, checked against the schema; the mapping.
    fn json(&self, name: &str) -> Value {
        let doc = pages_json(&[&self.pid(), &self.addr(name)]);
        let m = doc["mappings"][0].clone();
        assert_eq!(doc["mappings"].as_array().unwrap().len(), 1);
        let (start, end) = self.at[name];
        assert_eq!(
            m["start"],
            format!("{start:#x}"),
            "{name}: merged with a neighbour?"
        );
        assert_eq!(
            m["end"],
            format!("{end:#x}"),
            "{name}: merged with a neighbour?"
        );
        m
    }
}

fn read_addrs(path: &std::path::Path) -> HashMap<String, (u64, u64)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            let hex = |s: &str| u64::from_str_radix(s, 16).unwrap();
            (w[0].to_string(), (hex(w[1]), hex(w[2])))
        })
        .collect()
}

/// Run `vasmap pages ARGS --json`, insist on success and the schema; the document.
fn pages_json(args: &[&str]) -> Value {
    let mut all = vec!["pages"];
    all.extend_from_slice(args);
    all.push("--json");
    let (out, err, code) = run_vasmap(&all);
    assert_eq!(code, 0, "{all:?}: {}", String::from_utf8_lossy(&err));
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let schema_text = std::fs::read_to_string("docs/vasmap.schema.json").unwrap();
    let full: Value = serde_json::from_str(&schema_text).unwrap();
    let schema = serde_json::json!({"$ref": "#/$defs/pages_document", "$defs": full["$defs"]});
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    doc
}

/// The state names of page `n` of a mapping, from its runs.
fn state_of(m: &Value, n: u64) -> Vec<String> {
    let start =
        u64::from_str_radix(m["start"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let addr = start + n * 4096;
    for r in m["runs"].as_array().unwrap() {
        let s =
            u64::from_str_radix(r["start"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        let pages = r["pages"].as_u64().unwrap();
        if s <= addr && addr < s + pages * 4096 {
            return r["state"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
        }
    }
    panic!("page {n} is in no run: {m}");
}

fn has(state: &[String], name: &str) -> bool {
    state.iter().any(|s| s == name)
}

/// `present` less the zero page is what smaps calls Rss, in pages.
fn assert_present_is_rss(name: &str, m: &Value) {
    let c = &m["counts"];
    let present = c["present"].as_u64().unwrap();
    let zero = c["zero_page"].as_u64().unwrap_or(0);
    let rss_pages = m["rss_kb"].as_u64().unwrap() / 4;
    assert_eq!(present - zero, rss_pages, "{name}: {c}");
    let pages: u64 = m["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pages"].as_u64().unwrap())
        .sum();
    assert_eq!(
        pages,
        c["pages"].as_u64().unwrap(),
        "{name}: the runs cover the mapping"
    );
}

#[test]
fn touched_pages_are_present_and_present_is_smaps_rss() {
    let Some(p) = Pages::start() else { return };
    let anon = p.json("anon");
    assert_present_is_rss("anon", &anon);
    assert_eq!(anon["counts"]["present"], 3);
    assert_eq!(anon["counts"]["anonymous"], 3);
    assert_eq!(anon["counts"]["exclusive"], 3);
    assert_eq!(anon["counts"]["file"], 0);
    for n in 0..64 {
        let touched = [0, 5, 10].contains(&n);
        let s = state_of(&anon, n);
        assert_eq!(has(&s, "present"), touched, "page {n}: {s:?}");
        assert_eq!(has(&s, "exclusive"), touched, "page {n}: {s:?}");
    }
    let gib = p.json("gib");
    assert_present_is_rss("gib", &gib);
    assert_eq!(gib["counts"]["present"], 3);
    assert_eq!(gib["counts"]["pages"], 1 << 18);
    assert!(
        gib["runs"].as_array().unwrap().len() <= 6,
        "{}",
        gib["runs"]
    );
    for n in [0, 1000, 200000] {
        assert!(has(&state_of(&gib, n), "present"), "page {n}");
    }
    assert!(!has(&state_of(&gib, 1), "present"));
    // Read, never written: the zero page, present but not in Rss.
    let zero = p.json("zero");
    assert_present_is_rss("zero", &zero);
    assert_eq!(zero["counts"]["present"], 4);
    if zero["counts"]["zero_page"].is_u64() {
        assert_eq!(zero["counts"]["zero_page"], 4);
        assert!(has(&state_of(&zero, 0), "zero_page"));
    }
    // The program's own mappings: file pages, shared or not.
    let doc = pages_json(&[&p.pid(), "pages-*"]);
    let maps = doc["mappings"].as_array().unwrap();
    assert!(maps.len() >= 2, "the helper's binary maps several times");
    for m in maps {
        assert_present_is_rss("the helper's binary", m);
    }
}

#[test]
fn written_private_file_pages_are_anonymous_and_exclusive() {
    let Some(p) = Pages::start() else { return };
    let file = p.json("file");
    assert_present_is_rss("file", &file);
    let present = file["counts"]["present"].as_u64().unwrap();
    // One read made more than one page present: fault-around maps the cached pages of
    // the 16-page block holding page 8 (at least 9 of them within the mapping), or the
    // whole large folio holding it; and the written page 3.
    assert!((9..=33).contains(&present), "{}", file["counts"]);
    let page8 = state_of(&file, 8);
    assert!(has(&page8, "present") && has(&page8, "file"), "{page8:?}");
    assert!(
        has(&page8, "exclusive"),
        "no other process maps the file: {page8:?}"
    );
    let page3 = state_of(&file, 3);
    assert!(has(&page3, "present"), "{page3:?}");
    assert!(
        !has(&page3, "file"),
        "copy-on-write made page 3 anonymous: {page3:?}"
    );
    assert!(has(&page3, "exclusive"), "{page3:?}");
    assert_eq!(file["counts"]["anonymous"], 1);
    assert!(!has(&state_of(&file, 31), "present"));
}

#[test]
fn a_tebibyte_reservation_costs_a_few_lines_and_bounded_memory() {
    let Some(p) = Pages::start() else { return };
    let tib = p.json("tib");
    assert_eq!(tib["counts"]["pages"], 1u64 << 28);
    assert_eq!(tib["counts"]["present"], 0);
    assert_eq!(tib["runs"].as_array().unwrap().len(), 1);
    // Not 2 GiB of pagemap: a scan and one probe (or smaps' word without the ioctl).
    assert!(tib["pagemap_bytes"].as_u64().unwrap() <= 4096, "{tib}");
    let started = std::time::Instant::now();
    // Reaped by wait4 below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["pages", &p.pid(), &p.addr("tib"), "--cell", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let (code, max_rss_kb) = wait_with_rusage(child.id() as i32);
    let took = started.elapsed();
    assert_eq!(code, 0);
    assert!(text.lines().count() <= 16, "{text}");
    assert!(text.len() < 2048, "{} bytes: {text}", text.len());
    assert!(text.contains("more lines the same"), "{text}");
    // One cell a page, 2^28 pages: drawn in no time and no memory that grows with them.
    assert!(took.as_secs() < 5, "{took:?}");
    assert!(max_rss_kb < 64 * 1024, "vasmap used {max_rss_kb} kB");
}

/// Reap child `pid`, returning its exit code and peak resident size in kB (`wait4`).
fn wait_with_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped; both pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid);
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[test]
fn the_strip_fits_60_and_80_columns_and_piped_output_has_no_escapes() {
    let Some(p) = Pages::start() else { return };
    for width in ["60", "80"] {
        for what in [p.addr("anon"), p.addr("gib"), p.addr("tib"), "libc".into()] {
            let (out, err, code) = run_vasmap(&["pages", &p.pid(), &what, "--width", width]);
            assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
            common::assert_terminal_safe("pages", &out);
            assert!(!out.contains(&0x1b), "piped output has no escape sequence");
            let text = String::from_utf8(out).unwrap();
            let w: usize = width.parse().unwrap();
            for l in text.lines() {
                assert!(l.chars().count() <= w, "{} > {w}: {l:?}", l.chars().count());
            }
            assert!(text.contains("Legend:"));
        }
    }
    let (out, _, _) = run_vasmap(&["pages", &p.pid(), &p.addr("anon"), "--color", "always"]);
    assert!(out.contains(&0x1b), "--color always colours the strip");
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["pages", &p.pid(), &p.addr("anon"), "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b));
    let text = String::from_utf8(out.stdout).unwrap();
    // Pages 0, 5 and 10 written: the strip says so, one cell a page.
    assert!(text.contains(" A....A....A....."), "{text}");
}

#[test]
fn an_unprivileged_user_is_told_what_it_cannot_see() {
    let Some(mut cmd) = vasmap_as_nobody() else {
        return;
    };
    let Some(helper) = common::c_helper("pages") else {
        return;
    };
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = dir.path().join("pages-helper");
    common::copy_program(&helper, &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The helper runs as nobody too: nobody may read its own process's pagemap.
    let mut child = Command::new("/usr/bin/setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = [0u8; 64];
    let n = child.stdout.as_mut().unwrap().read(&mut line).unwrap();
    assert!(line[..n].starts_with(b"ready"), "{:?}", &line[..n]);
    let pid = child.id().to_string();
    let at = read_addrs(&dir.path().join("addrs"));
    let anon = format!("{:#x}", at["anon"].0);
    let out = cmd.args(["pages", &pid, &anon, "--json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = &doc["mappings"][0];
    assert_eq!(m["pfns"], false, "{m}");
    assert_eq!(m["kpageflags"], false);
    assert!(
        m["counts"].get("dirty").is_none(),
        "no kpageflags count is faked"
    );
    assert_eq!(
        m["counts"]["present"], 3,
        "the pagemap bits are readable all the same"
    );
    let why = m["unavailable"].to_string();
    assert!(why.contains("CAP_SYS_ADMIN"), "{why}");
    let out = vasmap_as_nobody()
        .unwrap()
        .args(["pages", &pid, &anon])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("PFNs) hidden"), "{text}");
    assert!(text.contains("kpageflags"), "{text}");
    // Another user's process: refused, with the pid and what to do.
    let root_helper = Pages::start().unwrap();
    let out = vasmap_as_nobody()
        .unwrap()
        .args(["pages", &root_helper.pid(), &root_helper.addr("anon")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&root_helper.pid()) && err.contains("permission denied"),
        "{err}"
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn as_root_kpageflags_are_read() {
    if !is_root() {
        eprintln!("skipping: kpageflags needs root");
        return;
    }
    let Some(p) = Pages::start() else { return };
    let anon = p.json("anon");
    if anon["pfns"] == false {
        eprintln!("skipping: root without CAP_SYS_ADMIN here (PFNs hidden)");
        return;
    }
    assert_eq!(anon["kpageflags"], true, "{anon}");
    assert_eq!(anon["counts"]["anon"], 3, "{}", anon["counts"]);
    assert_eq!(anon["counts"]["swapbacked"], 3);
    let file = p.json("file");
    assert_eq!(
        file["counts"]["anon"].as_u64().unwrap(),
        1,
        "the written page is anonymous in the kernel's flags too"
    );
}

#[test]
fn errors_name_the_pid_and_say_what_to_do() {
    let Some(p) = Pages::start() else { return };
    let (_, err, code) = run_vasmap(&["pages", &p.pid(), "0x10"]);
    assert_eq!(code, 1);
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains(&p.pid()) && err.contains("--addr 0x10"),
        "{err}"
    );
    let (_, err, code) = run_vasmap(&["pages", &p.pid(), "no-such-name"]);
    assert_eq!(code, 1);
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains("no-such-name") && err.contains(&p.pid()),
        "{err}"
    );
}

#[test]
fn the_demo_hook_shows_fault_around_and_copy_on_write() {
    use vasmap::teach::pages::{PagesOptions, draw_own_strip, own_pages};
    // Page 8 of a 64-page file in the page cache: fault-around maps the 16-page block of
    // the address space holding it, cut to the mapping (at least 9 pages whatever the
    // alignment), or the whole large folio holding it on kernels that map folios whole
    // (up to 64). Measured here (Linux 6.18, ext4): when the file's large folio would
    // straddle a 2 MiB page-table boundary of the mapping, fault-around maps none of it
    // and the fault maps one page alone. So the file is mapped inside one 2 MiB block.
    let (_dir, path) = common::temp_file("cached", vec![b'x'; 64 * 4096]);
    let file = std::fs::File::open(&path).unwrap();
    // Written back first: ext4 starts writeback when a written file is closed, and
    // fault-around skips pages it cannot lock at that moment.
    file.sync_all().unwrap();
    let mut map = MappedInOneBlock::new(&file, 64 * 4096);
    let start = map.addr();
    let (_, before) = own_pages(start, 64 * 4096).unwrap();
    assert_eq!(before.counts.present, 0, "nothing is present before a read");
    std::hint::black_box(map.read(8 * 4096));
    let (_, after) = own_pages(start, 64 * 4096).unwrap();
    assert!(
        after.counts.present > 1 && after.counts.present <= 64,
        "one read, fault-around: {:?}",
        after.counts
    );
    assert_eq!(after.counts.file, after.counts.present);
    map.write(5 * 4096, b'y');
    let (runs, written) = own_pages(start, 64 * 4096).unwrap();
    assert_eq!(written.counts.anonymous, 1, "{:?}", written.counts);
    let page5 = runs
        .iter()
        .find(|r| r.start <= start + 5 * 4096 && start + 5 * 4096 < r.start + r.pages * 4096)
        .unwrap();
    assert!(page5.state.is_anonymous(), "{page5:?}");
    assert!(
        page5
            .state
            .has(vasmap::read::pagestate::PageState::EXCLUSIVE)
    );
    let mut out = Vec::new();
    let opts = PagesOptions::default();
    draw_own_strip("after --write", start, 64 * 4096, &opts, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    eprintln!("{text}");
    assert!(text.lines().count() <= 4, "{text}");
    assert!(text.contains('A') && text.contains('F'), "{text}");
}

#[test]
fn scanning_and_reading_every_entry_agree() {
    use vasmap::read::pagemap::{Method, Pagemap, WalkHints};
    use vasmap::read::proc::ProcDir;
    let Some(p) = Pages::start() else { return };
    let dir = ProcDir::open(p.helper.pid).unwrap();
    let mut pagemap = Pagemap::open(&dir, None).unwrap();
    let hints = WalkHints {
        scan: true,
        nothing_resident: false,
    };
    for name in ["anon", "file", "zero", "gib"] {
        let (start, end) = p.at[name];
        let mut walk = |scan: bool| {
            pagemap.allow_scan(scan);
            let mut runs = Vec::new();
            let t = std::time::Instant::now();
            let read = pagemap
                .walk(start, end, hints, &mut |r| {
                    runs.push(*r);
                    Ok(())
                })
                .unwrap();
            eprintln!(
                "{name}: {:?} in {:?}, {} bytes of pagemap, {} scans",
                read.method,
                t.elapsed(),
                read.pagemap_bytes,
                read.scan_calls
            );
            (runs, read)
        };
        let (scanned, by_scan) = walk(true);
        let (read, by_read) = walk(false);
        assert_eq!(by_read.method, Method::Read);
        if by_scan.method != Method::Scan {
            eprintln!("skipping the comparison: no PAGEMAP_SCAN here");
            return;
        }
        // The scan adds what only it can tell (the zero page, PMD-mapped pages); the rest
        // of each page's state is the same either way.
        use vasmap::read::pagestate::PageState;
        let plain = |runs: &[vasmap::read::pagestate::PageRun]| -> Vec<(u64, u64, u32)> {
            let mut v: Vec<(u64, u64, u32)> = Vec::new();
            for r in runs {
                let bits = r.state.bits() & !(PageState::ZERO_PAGE.bits() | PageState::HUGE.bits());
                match v.last_mut() {
                    Some(l) if l.2 == bits && l.0 + l.1 * 4096 == r.start => l.1 += r.pages,
                    _ => v.push((r.start, r.pages, bits)),
                }
            }
            v
        };
        assert_eq!(plain(&scanned), plain(&read), "{name}");
        assert_eq!(by_scan.counts.present, by_read.counts.present, "{name}");
        if name == "gib" {
            assert!(
                by_scan.pagemap_bytes < by_read.pagemap_bytes / 100,
                "{name}"
            );
        }
    }
    // Without the scan, a big mapping smaps calls empty is taken at its word, and says so.
    let (start, end) = p.at["tib"];
    pagemap.allow_scan(false);
    let hints = WalkHints {
        scan: true,
        nothing_resident: true,
    };
    let mut runs = 0;
    let read = pagemap
        .walk(start, end, hints, &mut |_| {
            runs += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(read.method, Method::Smaps);
    assert_eq!(runs, 1);
    assert_eq!(read.pagemap_bytes, 8);
}

#[test]
fn the_pages_example_in_docs_json_md_follows_the_schema() {
    let text = std::fs::read_to_string("docs/json.md").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("{\"schema_version\"") && l.contains("\"page_size\""))
        .expect("docs/json.md shows a pages document");
    let doc: Value = serde_json::from_str(line).unwrap();
    let schema_text = std::fs::read_to_string("docs/vasmap.schema.json").unwrap();
    let full: Value = serde_json::from_str(&schema_text).unwrap();
    let schema = serde_json::json!({"$ref": "#/$defs/pages_document", "$defs": full["$defs"]});
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema really checks: kpageflags counts without `kpageflags: true` are refused,
    // and so is an unknown state.
    let mut bad = doc.clone();
    bad["mappings"][0]["kpageflags"] = Value::Bool(false);
    assert!(!v.is_valid(&bad));
    let mut bad = doc;
    bad["mappings"][0]["runs"][0]["state"][0] = Value::from("resident");
    assert!(!v.is_valid(&bad));
}

#[test]
fn hostile_names_are_escaped_and_wrapped_and_exact_in_json() {
    let Some(a) = common::Awkward::start() else {
        return;
    };
    let pid = a.pid.to_string();
    // Every file of the awkward process is under its directory, named "vasmap awkward ...".
    for width in ["60", "80"] {
        let (out, err, code) = run_vasmap(&["pages", &pid, "vasmap awkward", "--width", width]);
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        common::assert_terminal_safe("pages of hostile names", &out);
        let text = String::from_utf8(out).unwrap();
        let w: usize = width.parse().unwrap();
        for l in text.lines() {
            assert!(l.chars().count() <= w, "{l:?}");
        }
        assert!(text.contains("esc\\e[31mred"), "{text}");
        assert!(text.contains("bad\\xff\\xfeutf8"), "{text}");
        assert!(text.contains("rtl\\u{202e}txt.exe"), "{text}");
    }
    let doc = pages_json(&[&pid, "bad"]);
    let m = &doc["mappings"][0];
    let bytes: Vec<u8> = m["name_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert!(bytes.ends_with(b"/bad\xff\xfeutf8"), "{m}");
}

/// A private, writable mapping of a file placed inside one 2 MiB-aligned block (so no
/// large folio of it straddles two page tables); unmapped on drop.
struct MappedInOneBlock {
    base: *mut libc::c_void,
    reserved: usize,
    at: *mut u8,
}

impl MappedInOneBlock {
    fn new(file: &std::fs::File, len: usize) -> MappedInOneBlock {
        use std::os::fd::AsRawFd;
        const BLOCK: usize = 2 << 20;
        assert!(len <= BLOCK);
        let reserved = 2 * BLOCK;
        // SAFETY: a new anonymous reservation; nothing else refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        let aligned = (base as usize).div_ceil(BLOCK) * BLOCK;
        // SAFETY: `aligned..aligned + len` lies inside the reservation made above, which
        // MAP_FIXED replaces; the file is this test's own and nobody truncates it.
        let at = unsafe {
            libc::mmap(
                aligned as *mut libc::c_void,
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                0,
            )
        };
        assert_eq!(at as usize, aligned);
        MappedInOneBlock {
            base,
            reserved,
            at: at as *mut u8,
        }
    }

    fn addr(&self) -> u64 {
        self.at as u64
    }

    fn read(&self, offset: usize) -> u8 {
        // SAFETY: within the mapping (the callers' offsets are under its length).
        unsafe { std::ptr::read_volatile(self.at.add(offset)) }
    }

    fn write(&mut self, offset: usize, b: u8) {
        // SAFETY: as for `read`; the mapping is writable and private.
        unsafe { std::ptr::write_volatile(self.at.add(offset), b) }
    }
}

impl Drop for MappedInOneBlock {
    fn drop(&mut self) {
        // SAFETY: the whole reservation (with the file mapped into it) is this value's.
        unsafe { libc::munmap(self.base, self.reserved) };
    }
}
