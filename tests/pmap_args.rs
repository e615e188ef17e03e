//! The pmap mode reads its command line as procps-ng pmap 4.0.2 does: every form below is
//! run through `/usr/bin/pmap` and through vasmap as `pmap` (a symlink) on live
//! processes, and must give the same stdout, stderr and exit status, byte for byte.
//! Where vasmap differs on purpose (docs/pmap-compat.md), the test says so and checks
//! what vasmap does instead.

mod common;
#[path = "common/pmap_cli.rs"]
mod pmap_cli;

use std::ffi::OsStr;

use pmap_cli::{Env, Sleeper, assert_same, other_threads, ours_seen, pmap_seen, vasmap_seen};

/// Every case of `cases` with `{}` replaced by `pid`, compared under `env`.
fn all_same(cases: &[&str], pid: i32, env: &Env) -> bool {
    if common::pmap().is_none() {
        return false;
    }
    for case in cases {
        let line = case.replace("{}", &pid.to_string());
        let args: Vec<&str> = line.split(' ').filter(|a| !a.is_empty()).collect();
        assert_same(&args, env);
    }
    true
}

#[test]
fn long_options_abbreviated_as_getopt_long_allows() {
    let s = Sleeper::start();
    #[rustfmt::skip]
    let cases = [
        "--extended {}", "--exte {}", "--e {}", "--dev {}", "--q {}", "--quiet {}", "--sh {}",
        "--show-path {}", "--ra=7f0000000000, {}", "--range 0,ffffffffffffffff {}",
        // Ambiguous, unknown, wrong values: getopt's message, then the usage.
        "--re {}", "--r {}", "--c {}", "--cr {}", "--create-rc- {} {}", "--create-rc-",
        "--=x {}", "--foo {}", "--foo=bar {}", "--ext=1 {}", "--read-rc=x {}", "--ran",
        "--kin heap {}",
    ];
    all_same(&cases, s.pid, &Env::default());
}

#[test]
fn short_options_repeated_grouped_and_taking_values() {
    let s = Sleeper::start();
    #[rustfmt::skip]
    let cases = [
        "-x -x {}", "-d -d {}", "-p -p {}", "-q -q {}", "-q -p -q {}", "-xq {}", "-qp {}",
        "-xqp {}", "-dqA0,ffffffffffff {}", "-x -A 0 -A ,ffffffffffffffff {}", "-A -1 {}",
        "-A -0, {}", "-x -A -1 {}", "--range -0, {}", "-A -x {}", "-A7f {}", "-A zz {}",
        "-A 10,zz {}", "-xA", "-A", "-z {}", "-xz {}", "-r {}", "-rr -q {}", "{} -x",
        "{} -- -x", "- {}", "-q -- {}",
    ];
    all_same(&cases, s.pid, &Env::default());
    // POSIXLY_CORRECT stops the options at the first pid: `-x` is then a bad pid.
    all_same(
        &["{} -x", "-x {}"],
        s.pid,
        &Env::default().with("POSIXLY_CORRECT", Some("1")),
    );
}

#[test]
fn pids_as_strtoul_base_0_reads_them() {
    let s = Sleeper::start();
    let (hex, oct) = (format!("0x{:x}", s.pid), format!("0{:o}", s.pid));
    let upper = format!("0X{:X}", s.pid);
    let both = format!("-x {hex} {oct} {{}}");
    #[rustfmt::skip]
    let cases = [
        hex.as_str(), &oct, &upper, "/proc/{}", "/proc/self {}", "/proc/self", "/proc/", "+{}",
        "-- -{}", "{}/", "/proc/{}/", "08", "0", "0x", "2147483648", "99999999999999999999999",
        "{} 0x", "{} {}", &both,
    ];
    all_same(&cases, s.pid, &Env::default());
}

#[test]
fn a_thread_id_shows_its_process() {
    let Some(a) = common::Awkward::start_without_long_name() else {
        return;
    };
    let tids = other_threads(a.pid);
    let Some(&tid) = tids.first() else {
        panic!("awkward has no thread");
    };
    let (t, hex) = (tid.to_string(), format!("0x{tid:x}"));
    let proc_t = format!("/proc/{tid}");
    for args in [
        vec![t.as_str()],
        vec!["-x", &t],
        vec!["-d", &t],
        vec!["-X", &t],
        vec!["-XX", "-q", &t],
        vec![&hex],
        vec![&proc_t],
        vec!["-q", &t, &a.pid.to_string()],
    ] {
        if common::pmap().is_none() {
            return;
        }
        assert_same(&args, &Env::default());
    }
    // The header names the process, not the thread.
    let seen = ours_seen(&[OsStr::new(&t)], &Env::default());
    assert!(
        seen.stdout.starts_with(format!("{}:   ", a.pid).as_bytes()),
        "{seen}"
    );
}

#[test]
fn combinations_pmap_refuses() {
    let s = Sleeper::start();
    #[rustfmt::skip]
    let cases = [
        "-x -X {}", "-x -d {}", "-X -d {}", "-XX -x {}", "-c -C f {}", "-c -x {}",
        "-C f -d {}", "-n -N f", "-n -q", "-N f -p", "-n {}", "-N f {}", "-x", "--", "-q --",
        "", "-x -d", "-n -x",
    ];
    let home = tempfile::tempdir().unwrap();
    all_same(&cases, s.pid, &Env::home(home.path()));
}

#[test]
fn help_and_version() {
    let s = Sleeper::start();
    all_same(
        &[
            "-h", "--help", "--he", "-h -z", "-z -h", "-x -h {}", "-A zz -h",
        ],
        s.pid,
        &Env::default(),
    );
    if common::pmap().is_none() {
        return;
    }
    // -V: the same status and stream, a version line of vasmap's own (not pmap's text).
    for v in ["-V", "--version", "--vers", "-x -V -z"] {
        let args: Vec<&OsStr> = v.split(' ').map(OsStr::new).collect();
        let (want, got) = (
            pmap_seen(&args, &Env::default()),
            ours_seen(&args, &Env::default()),
        );
        assert_eq!((want.status, got.status), (0, 0), "{v}");
        assert!(want.stderr.is_empty() && got.stderr.is_empty(), "{v}");
        let line = String::from_utf8_lossy(&got.stdout);
        assert!(
            line.starts_with("pmap from vasmap ")
                && line.ends_with(", compatible with procps-ng 4.0.2\n"),
            "{line}"
        );
    }
    // Under its own name, vasmap --pmap's usage names vasmap --pmap and its filters.
    let got = vasmap_seen(&[OsStr::new("--pmap"), OsStr::new("-h")], &Env::default());
    let text = String::from_utf8_lossy(&got.stdout);
    assert_eq!(got.status, 0);
    assert!(
        text.starts_with("\nUsage:\n vasmap --pmap [options] PID [PID ...]\n"),
        "{text}"
    );
    assert!(text.contains("--kind KIND"), "{text}");
}

/// `args` under `env`, as OS strings.
fn os(args: &[&str]) -> Vec<&'static OsStr> {
    args.iter()
        .map(|a| OsStr::new(Box::leak(a.to_string().into_boxed_str())))
        .collect()
}

#[test]
fn rc_files_are_written_as_pmap_writes_them() {
    if common::pmap().is_none() {
        return;
    }
    let (theirs, ours) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (t, o) = (Env::home(theirs.path()), Env::home(ours.path()));
    let file = |d: &tempfile::TempDir, name: &str| std::fs::read(d.path().join(name));
    for (args, made) in [
        (&["-n"][..], ".pmaprc"),
        (&["-n"], ".pmaprc"),
        (&["--create-rc"], ".pmaprc"),
        (&["-N", "mine"], "mine"),
        (&["--create-rc-to=mine"], "mine"),
        (&["--create-rc-to", "other"], "other"),
        (&["--create-rc-", "abbreviated"], "abbreviated"),
        (&["--create-rc-t=abbr2"], "abbr2"),
        (&["-N", "no/such/dir"], "no/such/dir"),
        (&["-N", ""], ""),
        (&["-N", "."], "."),
    ] {
        let (want, got) = (pmap_seen(&os(args), &t), ours_seen(&os(args), &o));
        assert_eq!(got, want, "{args:?}: vasmap {got}\npmap {want}");
        // Byte for byte the same file (and none where pmap made none).
        assert_eq!(file(&ours, made).ok(), file(&theirs, made).ok(), "{args:?}");
    }
    // With HOME unset, pmap says so.
    let no_home = Env::default().with("HOME", None);
    assert_eq!(
        ours_seen(&os(&["-n"]), &no_home),
        pmap_seen(&os(&["-n"]), &no_home)
    );
    let default = String::from_utf8(file(&ours, ".pmaprc").unwrap()).unwrap();
    assert!(default.starts_with("# pmap's Config File\n") && default.contains("\n#ShowPath\n"));
}

/// rc files enabling different columns, and files pmap warns about.
const RC_FILES: &[(&str, &str)] = &[
    (
        "fields1",
        "[Fields Display]\nRss\nSwap\nPerm\nInode\n[Mapping]\nShowPath\n",
    ),
    // Listed in another order than the kernel's: the kernel's order wins.
    (
        "fields2",
        "[Fields Display]\nMapping\nVmFlags\nDevice\nOffset\nSize\nLocked\nPss\nAnonymous\n",
    ),
    (
        "toggle2",
        "[Fields Display]\n  Rss # resident\n\tMapping\n[Mapping]\nShowPath\nShowPath\n",
    ),
    (
        "odd",
        "x\n[Foo]\nRss\n[Fields Display] Size\n[Broken\nRss x\nLocked\u{0}Pss\nMapping\n",
    ),
    ("empty", ""),
];

#[test]
fn rc_files_are_read_as_pmap_reads_them() {
    if common::pmap().is_none() {
        return;
    }
    // The static awkward process shares no page, so its PSS holds still.
    let Some(a) = common::Awkward::start_without_long_name() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    for (name, text) in RC_FILES {
        std::fs::write(home.path().join(name), text).unwrap();
    }
    let mut long = b"[Fields Display]\n".to_vec();
    long.extend(std::iter::repeat_n(b'R', 3000));
    long.extend_from_slice(b"\nRss\nMapping\n");
    std::fs::write(home.path().join("long"), long).unwrap();
    let env = Env::home(home.path());
    // No ~/.pmaprc yet, then pmap's default one (no fields: the Address column only).
    all_same(&["-c {}", "--read-rc {}"], a.pid, &env);
    assert_eq!(pmap_seen(&os(&["-n"]), &env).status, 0);
    #[rustfmt::skip]
    let cases = [
        "-c {}", "-c -q {}", "-c -p {}", "-C fields1 {}", "-C fields1 -p {}",
        "-C fields1 -q {}", "--read-rc-from=fields1 {}", "--read-rc-fr fields2 {}",
        "-C fields2 {}", "-C fields2 -q {}", "-C fields2 -A 0,1 {}", "-C fields1 {} {}",
        "-C toggle2 {}", "-C toggle2 -p {}", "-C odd {}", "-C long {}", "-C empty {}",
        "-C . {}", "-C missing {}", "-Cfields1 {}", "-C odd +1", "-C missing +1",
        "-C fields1 /proc/self", "-C",
    ];
    all_same(&cases, a.pid, &env);
    all_same(&["-c {}"], a.pid, &Env::default().with("HOME", None));
}

#[test]
fn the_pmap_mode_under_vasmaps_own_name() {
    if common::pmap().is_none() {
        return;
    }
    let s = Sleeper::start();
    let pid = s.pid.to_string();
    let want = pmap_seen(&os(&["-x", "-q", &pid]), &Env::default());
    for way in [
        &["--pmap", "-x", "-q"][..],
        &["-xq", "-o", "pmap"],
        &["--output=pmap", "--extended", "--quiet"],
        &["-x", "--output", "pmap", "-q"],
    ] {
        let mut args = way.to_vec();
        args.push(&pid);
        let got = vasmap_seen(&os(&args), &Env::default());
        assert_eq!(got, want, "{args:?}");
    }
    // pmap's own messages name the program as pmap's do: here it is vasmap.
    let got = vasmap_seen(&os(&["--pmap", "-x", "-d", &pid]), &Env::default());
    assert_eq!(got.status, 1);
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "vasmap: options -c, -C, -d, -n, -N, -x, -X are mutually exclusive\n"
    );
    // vasmap's filters are extensions (pmap has none): the heap row only.
    let got = vasmap_seen(
        &os(&["--pmap", "-q", "--kind", "heap", &pid]),
        &Env::default(),
    );
    let rows: Vec<&[u8]> = got
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(got.status, 0, "{got}");
    assert_eq!(rows.len(), 2, "{got}");
    assert!(rows[1].ends_with(b"  [ anon ]"), "{got}");
}

#[test]
fn a_kernel_thread_first_leaves_the_x_columns_to_the_next_pid() {
    if common::pmap().is_none()
        || !std::fs::read_to_string("/proc/2/stat").is_ok_and(|s| s.contains("(kthreadd)"))
    {
        eprintln!("skipping: no kthreadd as pid 2 here");
        return;
    }
    let Some(a) = common::Awkward::start_without_long_name() else {
        return;
    };
    let pid = a.pid.to_string();
    for view in [&["-X"][..], &["-XX", "-q"], &["-c"]] {
        let home = tempfile::tempdir().unwrap();
        let env = Env::home(home.path());
        assert_eq!(pmap_seen(&os(&["-n"]), &env).status, 0);
        let mut args = view.to_vec();
        args.extend(["2", &pid]);
        let (want, got) = (pmap_seen(&os(&args), &env), ours_seen(&os(&args), &env));
        // The bytes are pmap's; vasmap also says that pid 2 is a kernel thread, and exits
        // 1 (docs/pmap-compat.md, "Kernel threads and zombies").
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "{args:?}"
        );
        assert_eq!((want.status, got.status), (0, 1));
        assert!(String::from_utf8_lossy(&got.stderr).contains("is a kernel thread"));
    }
}

#[test]
fn where_vasmap_differs_because_pmap_is_wrong() {
    if common::pmap().is_none() {
        return;
    }
    let s = Sleeper::start();
    let pid = s.pid.to_string();
    // An endless rc file: pmap reads it for ever; vasmap stops at 1 MiB and says so.
    let mut endless = std::process::Command::new("/usr/bin/pmap")
        .args(["-C", "/dev/zero", &pid])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let still_reading = endless.try_wait().unwrap().is_none();
    let _ = endless.kill();
    let _ = endless.wait();
    assert!(
        still_reading,
        "pmap -C /dev/zero ended: update docs/pmap-compat.md"
    );
    let got = ours_seen(&os(&["-C", "/dev/zero", &pid]), &Env::default());
    assert_eq!(got.status, 1);
    assert!(got.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "pmap: /dev/zero: an rc file is at most 1048576 bytes: is this the file you meant?\n"
    );
    // An argument holding an escape sequence: pmap sends it to the terminal raw.
    let hostile = "\u{1b}[2J";
    let want = pmap_seen(&os(&["-A", hostile, &pid]), &Env::default());
    let got = ours_seen(&os(&["-A", hostile, &pid]), &Env::default());
    assert_eq!(want.stderr, b"pmap: failed to parse argument: '\x1b[2J'\n");
    assert_eq!(got.stderr, b"pmap: failed to parse argument: '\\e[2J'\n");
    assert_eq!((want.status, got.status), (1, 1));
}
