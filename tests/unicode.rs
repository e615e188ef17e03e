//! Issue 11.7: no format character, default-ignorable character or line/paragraph
//! separator reaches the output raw, in any view or message. `libc.so.6`+U+2060 looked
//! exactly like `libc.so.6`; U+061C, U+200B, U+FEFF, U+00AD, U+3164, U+115F and U+E0041
//! went through too.
//!
//! Two sweeps: the characters the issue lists (written out here, so the test does not
//! depend on vasmap's tables), and every character vasmap's tables name (icu_properties'
//! General_Category=Format and Default_Ignorable_Code_Point, with the controls and the
//! two separators), generated, one mapping name each, through every view of a capture.
//! A live process carries the issue's characters in its command line and its name.

mod common;

use std::process::Command;

use common::{assert_terminal_safe, on_terminal, run_vasmap};

/// The characters issue 11.7 names, and the separators it asks for.
const LISTED: [char; 10] = [
    '\u{061c}',
    '\u{200b}',
    '\u{2060}',
    '\u{feff}',
    '\u{00ad}',
    '\u{3164}',
    '\u{115f}',
    '\u{e0041}',
    '\u{2028}',
    '\u{2029}',
];

/// True when `bytes` (UTF-8) holds none of [`LISTED`] and nothing vasmap escapes but
/// the newline.
fn clean(what: &str, bytes: &[u8]) {
    assert_terminal_safe(what, bytes);
    let text = String::from_utf8_lossy(bytes);
    for c in LISTED {
        assert!(!text.contains(c), "{what}: {c:?} is raw in the output");
    }
}

/// Every character vasmap escapes, but the newline and NUL (which a maps line cannot
/// hold as they are).
fn every_unsafe_char() -> Vec<char> {
    (0..=0x10ffff)
        .filter_map(char::from_u32)
        .filter(|&c| c != '\n' && c != '\0' && vasmap::text::is_unsafe_char(c))
        .collect()
}

/// A maps capture with one mapping per character, named `/tmp/libc.so.6` + it.
fn capture_of(chars: &[char]) -> Vec<u8> {
    let mut text = String::new();
    for (i, c) in chars.iter().enumerate() {
        let start = 0x7f00_0000_0000u64 + (i as u64) * 0x1000;
        text.push_str(&format!(
            "{start:x}-{:x} r--p 00000000 fe:00 {} /tmp/libc.so.6{c}\n",
            start + 0x1000,
            i + 1
        ));
    }
    text.into_bytes()
}

#[test]
fn the_listed_characters_are_escaped_where_they_are_shown() {
    let (_d, file) = common::temp_file("listed.maps", capture_of(&LISTED));
    let (out, err, code) = run_vasmap(&["-p", "--from", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    clean("table", &out);
    let table = String::from_utf8(out).unwrap();
    for c in LISTED {
        let shown = format!("/tmp/libc.so.6\\u{{{:04x}}}", c as u32);
        assert!(table.contains(&shown), "{shown} missing from\n{table}");
    }
}

#[test]
fn every_character_vasmap_escapes_is_escaped_in_every_view_of_a_capture() {
    let chars = every_unsafe_char();
    assert!(chars.len() > 4000, "{}", chars.len());
    for c in LISTED {
        assert!(chars.contains(&c), "{c:?} is not escaped");
    }
    let (_d, file) = common::temp_file("every.maps", capture_of(&chars));
    let file = file.to_str().unwrap().to_string();
    let views: &[&[&str]] = &[
        &[],
        &["-p"],
        &["--width", "80"],
        &["--explain", "-p"],
        &["--summary", "-p"],
        &["-o", "csv"],
        &["--json"],
        &["--addr", "7f0000000010"],
        &["--name", "libc"],
    ];
    for flags in views {
        let mut args = flags.to_vec();
        args.extend(["--from", &file]);
        let (out, err, code) = run_vasmap(&args);
        assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
        clean(&format!("vasmap {args:?}"), &out);
        clean(&format!("vasmap {args:?} stderr"), &err);
    }
    for args in [
        vec!["layout", &file],
        vec!["layout", &file, "--svg", "-"],
        vec!["diff", &file, &file],
    ] {
        let (out, err, code) = run_vasmap(&args);
        assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
        clean(&format!("vasmap {args:?}"), &out);
    }
    // The pmap output is pmap's bytes into a pipe; on a terminal it is guarded too.
    if let Some(screen) = on_terminal(200, &["--pmap", "-X", "-p", "--from", &file]) {
        clean("--pmap -X on a terminal", screen.as_bytes());
    }
}

#[test]
fn error_messages_escape_them_too() {
    let name: String = LISTED.iter().collect();
    let missing = format!("/tmp/no such file {name}");
    let (out, err, code) = run_vasmap(&["--from", &missing]);
    assert_eq!((code, out.len()), (1, 0));
    clean("the error", &err);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains(r"\u{061c}\u{200b}\u{2060}"), "{err}");
    let (_, err, code) = run_vasmap(&["--kind", &name, "1"]);
    assert_eq!(code, 2);
    clean("the usage error", &err);
}

#[test]
fn a_live_process_with_them_in_its_command_line_and_name_is_shown_safely() {
    let args: Vec<Vec<u8>> = LISTED
        .iter()
        .map(|c| format!("arg{c}").into_bytes())
        .collect();
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let Some(h) = common::hold_with_args(&refs) else {
        return;
    };
    let pid = h.pid.to_string();
    for flags in [
        &[][..],
        &["--summary"],
        &["--totals"],
        &["--json"],
        &["-o", "csv"],
        &["--addr", "0x1000"],
    ] {
        let mut a = flags.to_vec();
        a.push(&pid);
        let (out, err, code) = run_vasmap(&a);
        assert_eq!(code, 0, "{a:?}: {}", String::from_utf8_lossy(&err));
        clean(&format!("vasmap {a:?}"), &out);
    }
    let (out, _, _) = run_vasmap(&["layout", &pid, "--svg", "-"]);
    clean("layout --svg", &out);
    if let Some(screen) = on_terminal(200, &["--pmap", &pid]) {
        clean("--pmap on a terminal", screen.as_bytes());
    }
    // A command name (at most 15 bytes) of `libc` and U+2060, shown escaped.
    let Some(n) = common::Helper::start("named", &["6c696263e281a0", "zero"]) else {
        return;
    };
    let npid = n.pid.to_string();
    let (out, _, code) = run_vasmap(&["--totals", &npid]);
    assert_eq!(code, 0);
    clean("--totals of a process named libc+U+2060", &out);
    assert!(
        String::from_utf8_lossy(&out).starts_with(&format!("{npid}:   [libc\\u{{2060}}]")),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vasmap"))
        .args(["--pmap", &npid])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}
