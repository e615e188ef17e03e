//! Issue 11.13: argument errors show what was typed, escaped, never stripped or raw.
//! clap's plain rendering strips escape sequences from the whole message, the user's
//! argument included (`--kind $'\e[2Jheap'` said "'heap' is not a kind"), and its
//! coloured rendering sends them raw. Every value parser escapes its input in its own
//! message, and clap's own errors (an unknown option, a bad enumerated value) are
//! rendered with the argument escaped.

mod common;

use common::{assert_terminal_safe, run_vasmap};

/// Run vasmap with `args`; its exit status and stderr, which must be terminal-safe.
fn refused(args: &[&str]) -> (i32, String) {
    let (out, err, code) = run_vasmap(args);
    assert!(
        out.is_empty(),
        "{args:?} printed {}",
        String::from_utf8_lossy(&out)
    );
    assert_terminal_safe(&format!("stderr of {args:?}"), &err);
    (code, String::from_utf8(err).unwrap())
}

#[test]
fn every_value_parser_shows_its_input_escaped() {
    for (args, says) in [
        (
            &["--kind", "\u{1b}[2Jheap", "1"][..],
            r"invalid value '\e[2Jheap' for '--kind <KIND>': '\e[2Jheap' is not a kind: use one of program,",
        ),
        (
            &["--kind", "heap\u{2060}", "1"],
            r"'heap\u{2060}' is not a kind",
        ),
        (
            &["--addr", "\u{1b}]0;title\u{7}", "1"],
            r"'\e]0;title\x07' is not an address: give it in hex",
        ),
        (
            &["-A", "\u{1b}[2J", "1"],
            r"'\e[2J' is not an address range",
        ),
        (
            &["--perms", "w\u{1b}", "1"],
            r"'\e' is not a permission letter",
        ),
        (
            &["watch", "-n", "\u{1b}[2J", "1"],
            r"'\e[2J' is not a duration",
        ),
        (
            &["pages", "1", "0x\u{1b}[2J"],
            r"'0x\e[2J' is not an address",
        ),
        (
            &["\u{1b}[2J5\u{202e}", "--x"],
            r"unexpected argument '--x' found",
        ),
    ] {
        let (code, err) = refused(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {says:?} not in\n{err}");
    }
}

#[test]
fn clap_s_own_errors_show_the_argument_escaped() {
    for (args, says) in [
        (
            &["--\u{1b}[2Jfoo", "1"][..],
            r"unexpected argument '--\e[2Jfoo' found",
        ),
        (
            &["--color", "\u{1b}[31mred"],
            r"invalid value '\e[31mred' for '--color <WHEN>'",
        ),
        (
            &["--sort", "rss\u{feff}", "1"],
            r"invalid value 'rss\u{feff}' for '--sort <KEY>'",
        ),
        (
            &["tour", "\u{1b}[2Jx"],
            r"invalid value '\e[2Jx' for '[NAME]'",
        ),
        (
            &["self", "--touch", "\u{9b}2J"],
            r"invalid value '\u{009b}2J' for '--touch",
        ),
    ] {
        let (code, err) = refused(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {says:?} not in\n{err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}

#[test]
fn a_hostile_process_name_is_escaped_in_its_error() {
    let (code, err) = refused(&["\u{1b}[2Jx\u{2028}y"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with(r"vasmap: \e[2Jx\u{2028}y: no process has this name"),
        "{err}"
    );
}

#[test]
fn arguments_that_are_not_utf8_are_refused_safely() {
    use std::os::unix::ffi::OsStrExt;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .arg("--kind")
        .arg(std::ffi::OsStr::from_bytes(b"he\xffap\x1b[2J"))
        .arg("1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_terminal_safe("stderr", &out.stderr);
}
