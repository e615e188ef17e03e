//! Live differential tests: vasmap's pmap output mode must equal `/usr/bin/pmap` (procps-ng
//! 4.0.2) byte for byte, for every view and combination of options, on processes with
//! awkward mappings, on this test process and on other processes of the machine.
//!
//! smaps figures move while processes run (and the PSS of a shared library moves whenever
//! any process maps or unmaps it), so each comparison runs pmap before and after vasmap
//! and only judges an attempt in which the two pmap runs agree.

mod common;

use std::collections::BTreeSet;

use common::{Awkward, pmap, run_pmap, run_vasmap};

/// Every view and combination without `-A`.
const VIEWS: &[&[&str]] = &[
    &[],
    &["-p"],
    &["-q"],
    &["-q", "-p"],
    &["-x"],
    &["-x", "-q"],
    &["-x", "-p"],
    &["-x", "-q", "-p"],
    &["-d"],
    &["-d", "-q"],
    &["-d", "-p"],
    &["-X"],
    &["-X", "-q"],
    &["-X", "-p"],
    &["-XX"],
    &["-XX", "-q"],
    &["-XX", "-p"],
    &["--extended"],
    &["--device", "--quiet", "--show-path"],
];

/// The views that read smaps.
fn reads_smaps(args: &[&str]) -> bool {
    args.iter()
        .any(|a| matches!(*a, "-x" | "-X" | "-XX" | "--extended"))
}

/// The views that show PSS: it moves whenever any process maps or unmaps a page the
/// target shares (libc...), including vasmap and pmap themselves, which touch different
/// pages of libc. Only processes that share nothing (the static awkward) are compared.
fn shows_pss(args: &[&str]) -> bool {
    args.iter().any(|a| matches!(*a, "-X" | "-XX"))
}

/// Outcome of comparing one command line.
enum Verdict {
    Same,
    /// pmap gave the same bytes twice around vasmap, and vasmap's differed every time.
    Differs(String),
    /// The process kept changing; nothing could be judged.
    Unstable,
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One comparison at a time: the tests of this file would otherwise start pmap and vasmap
/// all at once and keep the PSS of every shared page moving.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Compare `pmap ARGS` with `vasmap --pmap ARGS`, retrying while the process moves.
fn compare(args: &[&str]) -> Option<Verdict> {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ours = vec!["--pmap"];
    ours.extend_from_slice(args);
    let mut last_diff = None;
    for _ in 0..8 {
        let (before, _) = run_pmap(args)?;
        let (got, err, _) = run_vasmap(&ours);
        let (after, _) = run_pmap(args)?;
        if got == before || got == after {
            return Some(Verdict::Same);
        }
        if before == after {
            last_diff = Some(format!(
                "vasmap {ours:?} differs from pmap {args:?}\n--- pmap\n{}\n--- vasmap\n{}\n--- stderr\n{}",
                show(&before),
                show(&got),
                show(&err)
            ));
        }
    }
    Some(last_diff.map_or(Verdict::Unstable, Verdict::Differs))
}

/// Compare and fail on a difference; an unstable process is reported and skipped.
/// Returns false when pmap is absent.
fn assert_same(args: &[&str]) -> bool {
    match compare(args) {
        None => false,
        Some(Verdict::Same) => true,
        Some(Verdict::Unstable) => {
            eprintln!("note: {args:?}: the process kept changing, not compared");
            true
        }
        Some(Verdict::Differs(msg)) => panic!("{msg}"),
    }
}

/// Which smaps views a process can be compared with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Smaps {
    /// None: the process is busy (this test process).
    No,
    /// `-x` (RSS and Dirty) but not PSS: an idle process that shares libraries.
    NoPss,
    /// All: an idle process that shares nothing.
    All,
}

/// Run every view on `pid` that `smaps` allows.
fn all_views(pid: &str, smaps: Smaps) -> Vec<String> {
    let mut done = Vec::new();
    for view in VIEWS {
        if (smaps == Smaps::No && reads_smaps(view)) || (smaps != Smaps::All && shows_pss(view)) {
            continue;
        }
        let mut args = view.to_vec();
        args.push(pid);
        if !assert_same(&args) {
            return done;
        }
        done.push(view.join(" "));
    }
    done
}

/// (start, end) of the SysV shm segment in a process's maps.
fn shm_segment(pid: i32) -> (u64, u64) {
    let maps = std::fs::read(format!("/proc/{pid}/maps")).unwrap();
    let line = maps
        .split(|&b| b == b'\n')
        .find(|l| l.windows(5).any(|w| w == b"/SYSV"))
        .expect("awkward has a SysV shm segment");
    let text = String::from_utf8_lossy(line);
    let range = text.split(' ').next().unwrap();
    let (s, e) = range.split_once('-').unwrap();
    (
        u64::from_str_radix(s, 16).unwrap(),
        u64::from_str_radix(e, 16).unwrap(),
    )
}

#[test]
fn every_view_matches_pmap_on_an_awkward_process() {
    if pmap().is_none() {
        return;
    }
    let Some(p) = Awkward::start_without_long_name() else {
        return;
    };
    let pid = p.pid.to_string();
    let done = all_views(&pid, Smaps::All);
    assert_eq!(done.len(), VIEWS.len());
    eprintln!("awkward {pid}: equal for {done:?}");
}

#[test]
fn ranges_match_pmap_on_a_shm_segment() {
    if pmap().is_none() {
        return;
    }
    let Some(p) = Awkward::start_without_long_name() else {
        return;
    };
    let pid = p.pid.to_string();
    let (start, end) = shm_segment(p.pid);
    let ranges = [
        format!("{start:x}"),               // one address: the segment holding it
        format!("{:x}", start + 0x1000),    // inside it
        format!("0x{start:x},{:x}", end),   // up to its end, inclusive: one more row
        format!("{start:x},{:x}", end - 1), // exactly the segment
        format!("{start:x},"),              // open high end
        format!(",{start:x}"),              // open low end
        format!("{end:x},{start:x}"),       // low above high: nothing
        String::new(),                      // empty: everything
        ",".to_string(),                    // both open
    ];
    let views: &[&[&str]] = &[
        &[],
        &["-q"],
        &["-p"],
        &["-x"],
        &["-x", "-q"],
        &["-d"],
        &["-d", "-q"],
        &["-X"],
        &["-XX"],
        &["-XX", "-q"],
    ];
    for range in &ranges {
        for view in views {
            let mut args = view.to_vec();
            args.extend(["-A", range, &pid]);
            assert_same(&args);
        }
    }
    // The range really selects the segment's row.
    let (out, _, code) = run_vasmap(&["--pmap", "-A", &format!("{start:x}"), &pid]);
    assert_eq!(code, 0);
    let text = show(&out);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("  [ shmid=0x"), "{text}");
}

#[test]
fn x_with_a_range_totals_like_pmap_but_the_table_totals_the_range() {
    let Some(p) = Awkward::start_without_long_name() else {
        return;
    };
    let pid = p.pid.to_string();
    let (start, _) = shm_segment(p.pid);
    let a = format!("{start:x}");
    let (pm, _, _) = run_vasmap(&["--pmap", "-x", "-A", &a, &pid]);
    let pm = show(&pm);
    let total: Vec<u64> = pm
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .skip(2)
        .map(|w| w.parse().unwrap())
        .collect();
    let row: Vec<u64> = pm
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(total[0], row[0], "Kbytes total covers the range: {pm}");
    assert!(
        total[1] > row[1],
        "pmap's RSS total covers the process: {pm}"
    );
    // The table's totals cover the one row.
    let (tb, _, code) = run_vasmap(&["-x", "-A", &a, &pid]);
    assert_eq!(code, 0);
    let tb = show(&tb);
    assert!(
        tb.contains(&format!("RSS {}K", row[1])),
        "table totals cover the range only:\n{tb}"
    );
}

#[test]
fn long_names_print_whole_where_pmap_splits_the_row() {
    if pmap().is_none() {
        return;
    }
    let Some(p) = Awkward::start_static() else {
        return;
    };
    let pid = p.pid.to_string();
    // -X and -XX read the name with %127[^\n]: pmap is right there (truncated at 127
    // bytes), and vasmap reproduces it exactly.
    for view in [&["-X"][..], &["-XX", "-p"], &["-X", "-q"]] {
        let mut args = view.to_vec();
        args.push(&pid);
        assert_same(&args);
    }
    // The line-based views: pmap 4.0.2 reads maps in 1024-byte chunks, so the ~2000-byte
    // line becomes two rows, the second at address ffffffffffffffff with a size that
    // corrupts the total. vasmap prints one correct row; everything else is equal.
    for view in [&[][..], &["-p"], &["-d"], &["-x"]] {
        let mut args = view.to_vec();
        args.push(&pid);
        let (want, _) = run_pmap(&args).unwrap();
        let mut ours = vec!["--pmap"];
        ours.extend_from_slice(&args);
        let (got, _, code) = run_vasmap(&ours);
        assert_eq!(code, 0);
        let (want, got) = (show(&want), show(&got));
        assert!(
            want.lines().any(|l| l.starts_with("ffffffffffffffff ")),
            "pmap {args:?} no longer splits long rows; update docs/pmap-compat.md:\n{want}"
        );
        let long_row: Vec<&str> = got
            .lines()
            .filter(|l| l.contains("long-name.txt"))
            .collect();
        assert_eq!(long_row.len(), 1, "{got}");
        assert!(!long_row[0].starts_with("ffffffffffffffff"), "{got}");
        if view.contains(&"-p") {
            assert!(long_row[0].contains(&format!("/{}/long-name.txt", "h".repeat(240))));
        }
        // Drop the long mapping's rows and the totals on both sides; the rest is equal.
        let addr = &long_row[0][..16];
        let keep = |l: &&str| {
            !l.starts_with(addr)
                && !l.starts_with("ffffffffffffffff ")
                && !l.starts_with(" total")
                && !l.starts_with("total kB")
                && !l.starts_with("mapped:")
                && !l.trim().is_empty()
        };
        let w: Vec<&str> = want.lines().filter(keep).collect();
        let g: Vec<&str> = got.lines().filter(keep).collect();
        if w != g && !reads_smaps(view) {
            panic!("{args:?}:\n--- pmap\n{want}\n--- vasmap\n{got}");
        }
    }
    // vasmap's total is the sum of its rows.
    let (got, _, _) = run_vasmap(&["--pmap", &pid]);
    let got = show(&got);
    let sum: u64 = got
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(" total"))
        .map(|l| {
            l[17..]
                .split('K')
                .next()
                .unwrap()
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert!(got.ends_with(&format!(" total {sum:>16}K\n")), "{got}");
}

#[test]
fn maps_views_match_pmap_on_this_test_process() {
    if pmap().is_none() {
        return;
    }
    // This process runs other tests' threads: its smaps figures move, so only the views
    // that read maps are compared.
    let me = std::process::id().to_string();
    let done = all_views(&me, Smaps::No);
    eprintln!("self {me}: equal for {done:?}");
}

/// Up to `n` other processes whose maps this user can read (no kernel threads).
fn readable_processes(n: usize) -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut pids: Vec<i32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&p: &i32| p != me)
        .collect();
    pids.sort_unstable();
    pids.into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/maps")).is_ok_and(|m| !m.is_empty())
                && std::fs::read(format!("/proc/{p}/smaps")).is_ok()
        })
        .take(n)
        .collect()
}

#[test]
fn every_view_matches_pmap_on_other_processes() {
    if pmap().is_none() {
        return;
    }
    let pids = readable_processes(3);
    if pids.is_empty() {
        eprintln!("skipping: no other readable process");
        return;
    }
    for pid in pids {
        let pid = pid.to_string();
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let done = all_views(&pid, Smaps::NoPss);
        eprintln!("pid {pid}: equal for {done:?}");
    }
}

/// A pid that exists but whose maps cannot be read, if there is one (pid 1 in a
/// sandbox, or any root process for a normal user).
fn unreadable_pid() -> Option<i32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|p| {
            std::fs::read(format!("/proc/{p}/maps"))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        })
}

/// A pid that does not exist.
const MISSING: &str = "4194304";

#[test]
fn several_pids_with_missing_and_unreadable_ones() {
    if pmap().is_none() {
        return;
    }
    let Some(a) = Awkward::start_without_long_name() else {
        return;
    };
    let Some(b) = Awkward::start_without_long_name() else {
        return;
    };
    let (pa, pb) = (a.pid.to_string(), b.pid.to_string());
    let unreadable = unreadable_pid().map(|p| p.to_string());
    let kthread = std::fs::read_to_string("/proc/2/stat")
        .is_ok_and(|s| s.contains("(kthreadd)"))
        .then(|| "2".to_string());
    let mut pids = vec![pa.clone(), MISSING.to_string(), pb.clone()];
    if let Some(u) = &unreadable {
        pids.push(u.clone());
    } else {
        eprintln!("note: no unreadable pid on this machine; that case is not compared");
    }
    if let Some(k) = &kthread {
        pids.push(k.clone());
    }
    pids.push(pa.clone());
    let views: &[&[&str]] = &[
        &[],
        &["-x"],
        &["-X"],
        &["-XX"],
        &["-X", "-q"],
        &["-d"],
        &["-d", "-q"],
        &["-x", "-q"],
    ];
    for view in views {
        let mut args = view.to_vec();
        args.extend(pids.iter().map(String::as_str));
        assert_same(&args);
        // pmap exits 42 (or 43) and says nothing; vasmap says which pid and why, and
        // exits 1.
        let (_, want_code) = run_pmap(&args).unwrap();
        assert!(want_code == 42 || want_code == 43, "pmap exit {want_code}");
        let mut ours = vec!["--pmap"];
        ours.extend_from_slice(&args);
        let (_, err, code) = run_vasmap(&ours);
        assert_eq!(code, 1);
        let err = show(&err);
        assert!(
            err.contains(&format!("vasmap: {MISSING}: no such process")),
            "{err}"
        );
        if let Some(u) = &unreadable {
            assert!(
                err.contains(&format!("vasmap: {u}: permission denied")),
                "{err}"
            );
        }
    }
}

#[test]
fn unreadable_pid_prints_the_header_like_pmap_and_says_why() {
    let Some(u) = unreadable_pid() else {
        eprintln!("skipping: no unreadable pid on this machine");
        return;
    };
    let u = u.to_string();
    for view in [&[][..], &["-x"], &["-XX"], &["-d", "-q"]] {
        let mut args = view.to_vec();
        args.push(&u);
        if !assert_same(&args) {
            return;
        }
        let mut ours = vec!["--pmap"];
        ours.extend_from_slice(&args);
        let (out, err, code) = run_vasmap(&ours);
        assert_eq!(code, 1);
        assert!(show(&out).starts_with(&format!("{u}:   ")));
        assert_eq!(show(&out).lines().count(), 1);
        assert!(show(&err).contains("permission denied"));
        // pmap exits 1 here too.
        assert_eq!(run_pmap(&args).unwrap().1, 1);
    }
}

#[test]
fn missing_pid_prints_nothing_like_pmap_but_says_so() {
    let Some((want, want_code)) = run_pmap(&[MISSING]) else {
        return;
    };
    assert!(want.is_empty());
    assert_eq!(want_code, 42);
    let (got, err, code) = run_vasmap(&["--pmap", MISSING]);
    assert!(got.is_empty());
    assert_eq!(code, 1);
    assert_eq!(
        show(&err),
        format!("vasmap: {MISSING}: no such process (check the pid with `ps -p {MISSING}`)\n")
    );
}

#[test]
fn more_than_255_pids_are_fine() {
    let me = std::process::id().to_string();
    let args: Vec<&str> = std::iter::once("--pmap")
        .chain(std::iter::repeat_n(me.as_str(), 300))
        .collect();
    let (out, _, code) = run_vasmap(&args);
    assert_eq!(code, 0);
    let headers: BTreeSet<usize> = show(&out)
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(&format!("{me}:   ")))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(headers.len(), 300);
    // pmap 4.0.2 refuses 256 or more.
    if let Some((_, code)) = run_pmap(&args[1..]) {
        assert_eq!(code, 1);
    }
}

#[test]
fn pmap_refuses_x_with_d_and_so_does_the_pmap_mode() {
    let me = std::process::id().to_string();
    for combo in [["-x", "-d"], ["-X", "-d"], ["-x", "-X"]] {
        // pmap's own words and status (tests/pmap_args.rs compares every combination).
        let (out, err, code) = run_vasmap(&["--pmap", combo[0], combo[1], &me]);
        assert_eq!(code, 1, "{combo:?}");
        assert!(out.is_empty());
        assert_eq!(
            show(&err),
            "vasmap: options -c, -C, -d, -n, -N, -x, -X are mutually exclusive\n"
        );
        if let Some((_, pcode)) = run_pmap(&[combo[0], combo[1], &me]) {
            assert_eq!(pcode, 1);
        }
    }
    // The table shows them together.
    let (out, _, code) = run_vasmap(&["-x", "-d", &me]);
    assert_eq!(code, 0);
    let head = show(&out);
    assert!(head.contains("RSS") && head.contains("Device"), "{head}");
}

#[test]
fn bad_ranges_are_usage_errors() {
    for bad in ["zz", "10,zz", "0x"] {
        let (_, err, code) = run_vasmap(&["-A", bad, "1"]);
        assert_eq!(code, 2, "{bad}");
        assert!(show(&err).contains("is not an address range"), "{bad}");
    }
}

#[test]
fn command_line_escaping_matches_pmap_in_utf8_and_c_locales() {
    if pmap().is_none() {
        return;
    }
    // A process whose argv holds control bytes, UTF-8, invalid UTF-8, newlines, an
    // empty argument and a C1 control, in that order.
    let Some(hold) = common::hold_with_args(&[
        b"sl\x1b[31mp\tx\x7f".as_slice(),
        "h\u{e9}llo".as_bytes(),
        b"\xc2\x85",
        b"a\nb",
        b"",
        b"\xff\xfe",
        b"\x01\xe2\x80\xae end",
    ]) else {
        return;
    };
    let pid = hold.pid.to_string();
    for lang in ["C.UTF-8", "C", "POSIX"] {
        let want = std::process::Command::new("/usr/bin/pmap")
            .env("LC_ALL", lang)
            .args(["-q", &pid])
            .output()
            .unwrap()
            .stdout;
        let got = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
            .env("LC_ALL", lang)
            .args(["--pmap", "-q", &pid])
            .output()
            .unwrap()
            .stdout;
        let first = |b: &[u8]| b.split(|&c| c == b'\n').next().unwrap().to_vec();
        assert!(
            show(&first(&want)).contains("read x hold sl"),
            "{}",
            show(&want)
        );
        assert_eq!(show(&first(&got)), show(&first(&want)), "LC_ALL={lang}");
    }
}

#[test]
fn zombies_print_what_pmap_prints_and_say_why() {
    if pmap().is_none() {
        return;
    }
    // `sleep 0` exits at once and its parent (which became `sleep 10`) never reaps it.
    let mut parent = std::process::Command::new("/bin/sh")
        .args(["-c", "sleep 0 & exec sleep 10"])
        .spawn()
        .unwrap();
    let ppid = parent.id();
    let mut zombie = None;
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let children = std::fs::read_to_string(format!("/proc/{ppid}/task/{ppid}/children"))
            .unwrap_or_default();
        if let Some(z) = children.split_whitespace().next()
            && std::fs::read_to_string(format!("/proc/{z}/stat")).is_ok_and(|s| s.contains(") Z "))
        {
            zombie = Some(z.to_string());
            break;
        }
    }
    let Some(z) = zombie else {
        let _ = parent.kill();
        let _ = parent.wait();
        eprintln!("skipping: no zombie appeared");
        return;
    };
    for view in [&[][..], &["-x"], &["-X"], &["-d"]] {
        let mut args = view.to_vec();
        args.push(&z);
        assert_same(&args);
        let mut ours = vec!["--pmap"];
        ours.extend_from_slice(&args);
        let (out, err, code) = run_vasmap(&ours);
        assert!(show(&out).starts_with(&format!("{z}:   [sleep] <defunct>\n")));
        assert!(show(&err).contains("is a zombie"));
        assert_eq!(code, 1);
    }
    let _ = parent.kill();
    let _ = parent.wait();
}
