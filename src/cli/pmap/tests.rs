//! The pmap mode's argument reading, without running anything: the live comparisons
//! with `/usr/bin/pmap` are in tests/pmap_args.rs.

use super::*;

fn read(args: &[&str]) -> Option<Invocation> {
    let owned: Vec<OsString> = args.iter().map(OsString::from).collect();
    read_args(&owned, false)
}

fn action(args: &[&str]) -> Action {
    read(args).expect("pmap mode").action
}

fn request(args: &[&str]) -> Request {
    match action(args) {
        Action::Show(r) => r,
        other => panic!("{args:?}: {other:?}"),
    }
}

fn failure(args: &[&str]) -> String {
    match action(args) {
        Action::Fail { stderr, status: 1 } => String::from_utf8(stderr).unwrap(),
        other => panic!("{args:?}: {other:?}"),
    }
}

#[test]
fn the_ways_in() {
    assert!(read(&["vasmap", "1"]).is_none());
    assert!(read(&["vasmap", "-o", "json", "1"]).is_none());
    assert_eq!(
        read(&["/usr/local/bin/pmap", "1"]).unwrap().entry,
        Entry::Name
    );
    for way in [
        &["vasmap", "--pmap", "1"][..],
        &["vasmap", "1", "-o", "pmap"],
        &["vasmap", "-opmap", "1"],
        &["vasmap", "--output", "pmap", "1"],
        &["vasmap", "--output=pmap", "1"],
        &["vasmap", "-xo", "pmap", "1"],
    ] {
        let inv = read(way).unwrap_or_else(|| panic!("{way:?}"));
        assert_eq!(inv.entry, Entry::Flag, "{way:?}");
        assert_eq!(inv.name, "vasmap");
    }
    // After `--` it is an operand; a subcommand is the demo's (or diff's) business.
    assert!(read(&["vasmap", "1", "--", "--pmap"]).is_none());
    assert!(read(&["vasmap", "self", "--map", "f", "--pmap"]).is_none());
    assert!(read(&["vasmap", "--pmap", "layout", "1"]).is_none());
}

#[test]
fn repeats_groups_and_values_starting_with_a_dash() {
    let r = request(&["pmap", "-x", "-x", "-qq", "-pq", "1"]);
    assert!(r.flags.extended && r.flags.quiet && r.flags.show_path);
    assert_eq!(request(&["pmap", "-XXX", "1"]).flags.extra, 3);
    assert_eq!(
        request(&["pmap", "-A", "-1", "1"]).flags.range,
        Some(AddrRange {
            low: u64::MAX,
            high: u64::MAX
        })
    );
    assert_eq!(
        request(&["pmap", "-A", "10,", "--range=,20", "1"])
            .flags
            .range,
        Some(AddrRange {
            low: 0x10,
            high: 0x20
        })
    );
    assert_eq!(
        request(&["pmap", "1", "-x", "--", "-5"]).operands,
        [b"1".to_vec(), b"-5".to_vec()]
    );
}

#[test]
fn pids_are_read_with_base_0() {
    use run::parse_pid;
    assert_eq!(parse_pid(b"0x6543"), Ok(Some(0x6543)));
    assert_eq!(parse_pid(b"062503"), Ok(Some(0o62503)));
    assert_eq!(parse_pid(b"/proc/42"), Ok(Some(42)));
    assert_eq!(parse_pid(b"/proc/self"), Ok(None));
    assert_eq!(parse_pid(b"2147483647"), Ok(Some(i32::MAX)));
    for bad in [
        "+5",
        "-5",
        " 5",
        "5 ",
        "0",
        "0x",
        "08",
        "2147483648",
        "1/",
        "/proc/1/",
        "",
        "99999999999999999999999",
    ] {
        assert_eq!(parse_pid(bad.as_bytes()), Err(()), "{bad}");
    }
}

#[test]
fn pmaps_errors_in_pmaps_order() {
    assert!(
        failure(&["pmap", "-z", "1"])
            .starts_with("pmap: invalid option -- 'z'\n\nUsage:\n pmap [options]")
    );
    assert!(failure(&["/usr/bin/pmap", "--re", "1"]).starts_with(
        "/usr/bin/pmap: option '--re' is ambiguous; possibilities: '--read-rc' '--read-rc-from'\n"
    ));
    assert_eq!(
        failure(&["pmap", "-x", "-X", "1"]),
        "pmap: options -c, -C, -d, -n, -N, -x, -X are mutually exclusive\n"
    );
    assert_eq!(
        failure(&["pmap", "-c", "-C", "f", "1"]),
        "pmap: options -c, -C, -d, -n, -N, -x, -X are mutually exclusive\n"
    );
    assert_eq!(
        failure(&["pmap", "-n", "-q"]),
        "pmap: options -p, -q are mutually exclusive with -n, -N\n"
    );
    assert_eq!(failure(&["pmap", "-n", "1"]), "pmap: too many arguments\n");
    assert_eq!(failure(&["pmap", "-x"]), "pmap: argument missing\n");
    assert_eq!(
        failure(&["pmap", "-A", "zz", "-V"]),
        "pmap: failed to parse argument: 'zz'\n"
    );
    assert!(matches!(
        action(&["pmap", "-V", "-A", "zz"]),
        Action::Version
    ));
    assert!(matches!(action(&["pmap", "-h", "-z"]), Action::Help));
    // Nothing but the way in: pmap's `argc < 2`.
    assert!(failure(&["vasmap", "--pmap"]).starts_with("\nUsage:\n vasmap --pmap [options]"));
    assert!(failure(&["pmap"]).starts_with("\nUsage:\n pmap [options]"));
}

#[test]
fn rc_options() {
    assert!(matches!(
        action(&["pmap", "-n"]),
        Action::CreateRc(RcPlace::Home)
    ));
    assert!(matches!(
        action(&["pmap", "--create-rc-to=f"]),
        Action::CreateRc(RcPlace::File(p)) if p == std::path::Path::new("f")
    ));
    assert_eq!(request(&["pmap", "-c", "1"]).rc, Some(RcPlace::Home));
    assert_eq!(
        request(&["pmap", "-C", "a", "-C", "b", "1"]).rc,
        Some(RcPlace::File("b".into()))
    );
}

#[test]
fn vasmaps_extensions_in_full_only() {
    let r = request(&[
        "pmap",
        "--kind",
        "heap,stack",
        "--perms=wx",
        "--name",
        "*.so*",
        "--from",
        "f",
    ]);
    assert_eq!(r.select.kinds, ["heap", "stack"]);
    assert!(r.select.perms.is_some() && r.select.names.len() == 1);
    assert_eq!(r.files, [PathBuf::from("f")]);
    assert!(
        failure(&["pmap", "--kin", "heap", "1"]).starts_with("pmap: unrecognized option '--kin'\n")
    );
    assert!(
        failure(&["pmap", "--kind", "nope", "1"]).starts_with("pmap: --kind: 'nope' is not a kind")
    );
    assert!(
        failure(&["vasmap", "--pmap", "--sort", "rss", "1"])
            .starts_with("vasmap: --sort does not apply")
    );
    assert!(failure(&["vasmap", "--pmap", "-o", "json", "1"]).contains("--output json"));
    assert!(matches!(
        action(&["pmap", "--color", "always", "1"]),
        Action::Show(_)
    ));
}

#[test]
fn hostile_arguments_are_escaped_in_messages() {
    let e = failure(&["pmap", "-A", "\u{1b}[2J", "1"]);
    assert_eq!(e, "pmap: failed to parse argument: '\\e[2J'\n");
    let e = failure(&["pmap", "--\u{1b}]0;x\u{7}"]);
    assert!(
        e.starts_with("pmap: unrecognized option '--\\e]0;x\\x07'\n"),
        "{e}"
    );
}
