//! `--explain`: the sections vasmap names for each mapping of an ELF file must be the ones
//! `readelf -S -l` places there, for the test's own binary, libc and ld-linux.

mod common;

use std::process::Command;

use vasmap::model::{Kind, Region, Snapshot};
use vasmap::read::proc::{ReadOptions, read_pid};
use vasmap::teach::explain::{Explainer, Explanation, explain_all};

/// A section as readelf prints it.
struct RSection {
    name: String,
    addr: u64,
    size: u64,
    flags: String,
    nobits: bool,
}

/// (LOAD vaddrs, allocated sections) from `readelf -S -l -W FILE`.
fn readelf(path: &str) -> Option<(Vec<u64>, Vec<RSection>)> {
    let out = match Command::new("readelf")
        .args(["-S", "-l", "-W", path])
        .output()
    {
        Ok(o) if o.status.success() => o.stdout,
        _ => {
            eprintln!("skipping: readelf (binutils) is not available");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out);
    let mut loads = Vec::new();
    let mut sections = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("LOAD") {
            let w: Vec<&str> = rest.split_whitespace().collect();
            loads.push(u64::from_str_radix(w[1].trim_start_matches("0x"), 16).unwrap());
        } else if t.starts_with('[') && !t.starts_with("[Nr]") && !t.starts_with("[Requesting") {
            let body = &t[t.find(']').unwrap() + 1..];
            let w: Vec<&str> = body.split_whitespace().collect();
            if w.len() < 9 {
                continue; // the null section
            }
            let flags = if w.len() >= 10 { w[6] } else { "" };
            sections.push(RSection {
                name: w[0].to_string(),
                addr: u64::from_str_radix(w[2], 16).unwrap(),
                size: u64::from_str_radix(w[4], 16).unwrap(),
                flags: flags.to_string(),
                nobits: w[1] == "NOBITS",
            });
        }
    }
    Some((loads, sections))
}

/// What readelf says region `i` holds: the allocated sections overlapping its addresses,
/// less the load bias fixed by the file's offset-0 mapping.
fn expected(snap: &Snapshot, i: usize, loads: &[u64], sections: &[RSection]) -> Vec<String> {
    let r = &snap.regions[i];
    // The file's first mapping: the lowest one at offset 0 in this run of its mappings.
    let mut base = None;
    for b in snap.regions[..=i].iter().rev() {
        if b.inode == r.inode {
            if b.offset == 0 {
                base = Some(b.start);
            }
        } else if b.inode != 0 {
            break;
        }
    }
    let base = base.expect("the file's first mapping");
    let first = loads.iter().map(|v| v & !0xfff).min().unwrap();
    let bias = base - first;
    let (lo, hi) = (r.start - bias, r.end - bias);
    let mut found: Vec<&RSection> = sections
        .iter()
        .filter(|s| s.flags.contains('A') && s.size > 0 && !(s.nobits && s.flags.contains('T')))
        .filter(|s| s.addr < hi && lo < s.addr + s.size)
        .collect();
    found.sort_by_key(|s| s.addr);
    let mut names = Vec::new();
    // The ELF header sits at the start of the first LOAD segment (file offset 0).
    if (lo..hi).contains(&first) {
        names.push("ELF header".to_string());
    }
    names.extend(found.iter().map(|s| s.name.clone()));
    names
}

fn path_of(r: &Region) -> String {
    String::from_utf8(r.name.clone()).unwrap()
}

/// Check every mapping with access of the files `pick` selects; returns how many.
fn check_file(snap: &Snapshot, ex: &[Explanation], pick: impl Fn(&Region) -> bool) -> usize {
    let Some(first) = snap.regions.iter().find(|r| pick(r)) else {
        panic!("no such mapping in the test's own address space");
    };
    let path = path_of(first);
    let Some((loads, sections)) = readelf(&path) else {
        return 0;
    };
    let mut checked = 0;
    for (i, r) in snap.regions.iter().enumerate() {
        if !pick(r) || !(r.perms.read || r.perms.exec) {
            continue;
        }
        let want = expected(snap, i, &loads, &sections);
        assert_eq!(
            ex[i].sections,
            want,
            "{path} at {:x}-{:x} ({}, offset {:x}): vasmap says {:?}",
            r.start,
            r.end,
            r.perms.to_maps_string(),
            r.offset,
            ex[i].text
        );
        assert!(!want.is_empty(), "{path}: a mapping with no section at all");
        if r.perms.exec {
            assert!(ex[i].text.contains("code"), "{}", ex[i].text);
        }
        checked += 1;
    }
    checked
}

fn own_snapshot() -> (Snapshot, Vec<Explanation>) {
    let snap = read_pid(std::process::id() as i32, ReadOptions::default()).unwrap();
    let ex = explain_all(&snap);
    (snap, ex)
}

#[test]
fn sections_of_the_test_binary_match_readelf() {
    let (snap, ex) = own_snapshot();
    let n = check_file(&snap, &ex, |r| r.kind == Kind::Program);
    assert!(n == 0 || n >= 3, "only {n} program mappings checked");
}

#[test]
fn sections_of_libc_match_readelf() {
    let (snap, ex) = own_snapshot();
    let n = check_file(&snap, &ex, |r| r.basename() == b"libc.so.6");
    eprintln!("libc mappings checked against readelf: {n}");
    assert!(n == 0 || n >= 4, "only {n} libc mappings checked");
    // libc's relocated data is made read-only after relocation (PT_GNU_RELRO).
    assert!(
        snap.regions
            .iter()
            .zip(&ex)
            .any(|(r, e)| r.basename() == b"libc.so.6"
                && e.text.contains("read-only after relocation")
                && e.sections.iter().any(|s| s == ".data.rel.ro")),
        "no RELRO mapping of libc explained"
    );
}

#[test]
fn sections_of_the_loader_match_readelf_and_say_why_it_is_there() {
    let (snap, ex) = own_snapshot();
    let n = check_file(&snap, &ex, |r| r.kind == Kind::Loader);
    assert!(n == 0 || n >= 3, "only {n} loader mappings checked");
    let code = snap
        .regions
        .iter()
        .zip(&ex)
        .find(|(r, _)| r.kind == Kind::Loader && r.perms.exec)
        .map(|(_, e)| e.text.clone())
        .unwrap();
    assert!(code.contains("dynamic loader"), "{code}");
}

#[test]
fn the_anonymous_rest_of_libc_bss_is_named() {
    let (snap, ex) = own_snapshot();
    let libc_data = snap
        .regions
        .iter()
        .position(|r| r.basename() == b"libc.so.6" && r.perms.write)
        .unwrap();
    let next = &snap.regions[libc_data + 1];
    // libc's .bss is far bigger than the rest of its last file page here, so the kernel
    // maps the rest as anonymous memory right after the file.
    if next.inode == 0 && next.start == snap.regions[libc_data].end {
        assert!(
            ex[libc_data + 1].text.contains("libc.so.6's .bss"),
            "{}",
            ex[libc_data + 1].text
        );
    }
}

#[test]
fn every_other_kind_gets_plain_words() {
    let (snap, ex) = own_snapshot();
    for (r, e) in snap.regions.iter().zip(&ex) {
        assert!(!e.text.is_empty(), "{:x}: no explanation", r.start);
        match r.kind {
            Kind::Heap => assert!(e.text.contains("program break"), "{}", e.text),
            Kind::Stack => assert!(e.text.contains("grows down"), "{}", e.text),
            Kind::Vdso => assert!(e.text.contains("system call"), "{}", e.text),
            Kind::Vvar => assert!(e.text.contains("vdso"), "{}", e.text),
            Kind::Vsyscall => assert!(e.text.contains("legacy"), "{}", e.text),
            _ => {}
        }
    }
}

#[test]
fn an_unreadable_library_says_why() {
    let (_dir, maps) = common::temp_file(
        "maps",
        "7f0000000000-7f0000001000 r-xp 00001000 fe:00 12345 /nonexistent/dir/libgone.so.1\n",
    );
    let snap = vasmap::read::saved::read_file(&maps).unwrap();
    let ex = explain_all(&snap);
    assert_eq!(
        ex[0].text,
        "cannot name its sections: /nonexistent/dir/libgone.so.1: not found"
    );
}

#[test]
fn the_table_has_the_column_when_asked() {
    let me = std::process::id().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["--explain", &me])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("What it is"), "{text}");
    assert!(text.contains("(code)"), "{text}");
}

#[test]
fn each_file_is_read_once() {
    let snap = read_pid(std::process::id() as i32, ReadOptions::default()).unwrap();
    let mut ex = Explainer::new();
    for i in 0..snap.regions.len() {
        ex.explain(&snap, i);
    }
    let mut files: Vec<(u32, u32, u64)> = snap
        .regions
        .iter()
        .filter(|r| matches!(r.kind, Kind::Program | Kind::Library | Kind::Loader))
        .map(|r| (r.dev_major, r.dev_minor, r.inode))
        .collect();
    files.sort_unstable();
    files.dedup();
    // The program, libc, the loader... each once, though each has four or five mappings.
    assert!(files.len() >= 3);
    assert_eq!(ex.files_read(), files.len());
}

/// Build a small C program with `gcc ARGS` that waits on stdin, start it, and return it.
fn start_c_program(name: &str, args: &[&str]) -> Option<std::process::Child> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join(format!("{name}-{}.c", std::process::id()));
    let bin = dir.join(format!("{name}-{}", std::process::id()));
    std::fs::write(
        &src,
        "#include <unistd.h>\nint big[100000];\n\
         int main(void) { char c; big[7] = 1; return (int)read(0, &c, 1); }\n",
    )
    .unwrap();
    let built = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .args(args)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("skipping: gcc could not build the test program");
        return None;
    }
    let child = Command::new(&bin)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the loader is done: the program's .bss is then mapped.
    for _ in 0..200 {
        let maps =
            std::fs::read_to_string(format!("/proc/{}/maps", child.id())).unwrap_or_default();
        if maps.contains("libc.so") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Some(child)
}

/// Binaries linked in the older way (code, read-only data and headers in one segment, so
/// the first file page is mapped twice) and non-PIE ones are attributed right too.
#[test]
fn other_link_layouts_match_readelf() {
    for (name, args) in [
        ("nosep", &["-Wl,-z,noseparate-code"][..]),
        ("nopie", &["-no-pie"][..]),
    ] {
        let Some(mut child) = start_c_program(name, args) else {
            return;
        };
        let snap = read_pid(child.id() as i32, ReadOptions::default()).unwrap();
        let ex = explain_all(&snap);
        let n = check_file(&snap, &ex, |r| r.kind == Kind::Program);
        assert!(n >= 3, "{name}: only {n} mappings checked");
        let bss = snap
            .regions
            .iter()
            .zip(&ex)
            .any(|(r, e)| r.inode == 0 && e.text.contains("'s .bss"));
        assert!(bss, "{name}: the anonymous rest of .bss is not named");
        drop(child.stdin.take());
        let _ = child.wait();
    }
}

/// A snapshot whose pid now maps another file at the same addresses (a saved capture read
/// back after the pid was reused) is not explained from the wrong file: the mapped inode
/// must match, through /proc/PID/map_files as well as through the path.
#[test]
fn a_reused_pid_is_not_read_as_the_captured_file() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut snap = read_pid(child.id() as i32, ReadOptions::default()).unwrap();
    let i = snap
        .regions
        .iter()
        .position(|r| r.kind == Kind::Library && r.perms.exec)
        .expect("sleep maps a library's code");
    let honest = explain_all(&snap)[i].clone();
    assert!(honest.text.contains("code"), "{}", honest.text);
    snap.regions[i].inode = 1; // pretend the capture saw another file there
    let text = explain_all(&snap)[i].text.clone();
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("another file"), "{text}");
    assert!(!text.contains(".text"), "{text}");
}

#[test]
fn views_show_the_explanations_they_are_given_and_read_no_file() {
    use vasmap::model::{Explanation, ProcessInfo};
    use vasmap::read::SnapshotSource;
    use vasmap::view::pipeline::{Explain, Neighbours, Plan, show};
    use vasmap::view::{Head, OutputFormat, ViewOptions, make};

    /// An explainer that says where it was asked, without reading anything.
    struct Marker;
    impl Explain for Marker {
        fn explain(&mut self, near: &dyn Neighbours, _pid: i32) -> Explanation {
            Explanation {
                text: format!("marker at {:x}", near.at(0).map_or(0, |r| r.start)),
                sections: vec![".marker".into()],
            }
        }
    }
    let (_dir, maps) = common::temp_file(
        "maps",
        "7f0000000000-7f0000001000 r-xp 00001000 fe:00 12345 /nonexistent/dir/libgone.so.1\n",
    );
    let snap = vasmap::read::saved::read_file(&maps).unwrap();
    let looked_up = "cannot name its sections";
    for format in [OutputFormat::Table, OutputFormat::Json, OutputFormat::Csv] {
        let opts = ViewOptions {
            format,
            explain: true,
            ..ViewOptions::default()
        };
        let shown = |ex: Option<&mut dyn Explain>| {
            let mut view = make(&opts);
            let head = Head {
                process: &ProcessInfo::default(),
                has_smaps: false,
                notes: &[],
                live: None,
            };
            let mut out = Vec::new();
            let plan = Plan::default();
            show(
                &mut SnapshotSource::new(&snap),
                &head,
                view.as_mut(),
                &plan,
                ex,
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        // Given nothing, a view does not go and open the library to find out.
        let plain = shown(None);
        assert!(
            !plain.contains(looked_up) && !plain.contains("marker"),
            "{format:?}"
        );
        let given = shown(Some(&mut Marker));
        assert!(
            given.contains("marker at 7f0000000000"),
            "{format:?}: {given}"
        );
        assert!(!given.contains(looked_up), "{format:?}");
    }
    // The inspector's pipeline lends the real explainer, which does look.
    let opts = ViewOptions {
        explain: true,
        ..ViewOptions::default()
    };
    let mut out = Vec::new();
    vasmap::inspect::render_snapshot(&snap, &opts, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(looked_up), "{text}");
}
