//! Property tests of the maps/smaps parsers and the name escaping: no input panics, any
//! valid maps text survives parse and print byte for byte, and escaped names are safe and
//! unambiguous. (The same parsers are fuzzed under `fuzz/`; its findings are replayed by
//! `fuzz_findings_are_parsed_without_panic` below.)

use proptest::prelude::*;

use vasmap::model::{Perms, Region};
use vasmap::read::parse::{parse_any, parse_maps, parse_maps_line, parse_smaps, print_maps};
use vasmap::text::{escape_name, escape_text};

#[path = "common/every_view.rs"]
mod every_view;
use every_view::render_every_view;

/// Byte strings with a bias towards what the parsers look for, so that random input
/// gets past the first field often.
fn maps_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"7f00-7f10".to_vec()),
        Just(b" r-xp ".to_vec()),
        Just(b" 00000000 fe:00 ".to_vec()),
        Just(b"12 ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"Rss:    4 kB\n".to_vec()),
        Just(b"VmFlags: rd mr\n".to_vec()),
        Just(b"ffffffffffffffffff".to_vec()),
        Just(b"99999999999999999999999".to_vec()),
        Just(b":".to_vec()),
        Just(b"-".to_vec()),
        Just(b"\\012".to_vec()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

fn name_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"[heap]".to_vec()),
        Just(b"[stack]".to_vec()),
        Just(b"[anon:vasmap test]".to_vec()),
        Just(b"/dev/zero (deleted)".to_vec()),
        // A path: any bytes but a newline (the kernel writes it as `\012`), starting with '/'.
        prop::collection::vec(
            any::<u8>().prop_map(|b| if b == b'\n' { b'\\' } else { b }),
            0..300
        )
        .prop_map(|mut v| {
            v.insert(0, b'/');
            v
        }),
    ]
}

/// The fields of one maps line, drawn at random by [`line_strategy`].
#[derive(Debug, Clone)]
struct LineParts {
    start: u64,
    end: u64,
    perms: [u8; 4],
    offset: u64,
    dev: (u32, u32),
    inode: u64,
    name: Vec<u8>,
}

impl LineParts {
    /// The line as the kernel writes it (`show_vma_header_prefix` then `seq_pad` in
    /// fs/proc/task_mmu.c), written here independently of `vasmap::read::parse::to_maps_line`.
    fn kernel_line(&self) -> Vec<u8> {
        let mut line = format!(
            "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ",
            self.start,
            self.end,
            String::from_utf8_lossy(&self.perms),
            self.offset,
            self.dev.0,
            self.dev.1,
            self.inode
        )
        .into_bytes();
        if !self.name.is_empty() {
            while line.len() < 72 {
                line.push(b' ');
            }
            line.push(b' ');
            line.extend_from_slice(&self.name);
        }
        line
    }
}

fn line_strategy() -> impl Strategy<Value = LineParts> {
    let perm = (
        prop_oneof![Just(b'r'), Just(b'-')],
        prop_oneof![Just(b'w'), Just(b'-')],
        prop_oneof![Just(b'x'), Just(b'-')],
        prop_oneof![Just(b's'), Just(b'p')],
    );
    (
        any::<u64>(),
        any::<u64>(),
        perm,
        any::<u64>(),
        (0u32..=0xfff, 0u32..=0xfffff),
        any::<u64>(),
        name_strategy(),
    )
        .prop_map(|(a, b, p, offset, dev, inode, name)| LineParts {
            start: a.min(b),
            end: a.max(b),
            perms: [p.0, p.1, p.2, p.3],
            offset,
            dev,
            inode,
            name,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_maps(&bytes);
        let _ = parse_smaps(&bytes, &mut Vec::new());
        let _ = parse_any(&bytes, &mut Vec::new());
        let _ = parse_maps_line(&bytes);
    }

    #[test]
    fn maps_like_bytes_never_panic_the_parsers(bytes in maps_like_bytes()) {
        let _ = parse_maps(&bytes);
        let mut names = Vec::new();
        if let Ok(regions) = parse_smaps(&bytes, &mut names) {
            // Every field id a record holds names a field.
            for r in &regions {
                for (id, _) in &r.smaps.as_ref().unwrap().fields {
                    prop_assert!((*id as usize) < names.len());
                }
            }
        }
        let _ = parse_any(&bytes, &mut Vec::new());
    }

    #[test]
    fn valid_maps_text_round_trips(lines in prop::collection::vec(line_strategy(), 0..20)) {
        let mut text = Vec::new();
        for l in &lines {
            text.extend(l.kernel_line());
            text.push(b'\n');
        }
        let regions = parse_maps(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(regions.len(), lines.len());
        for (r, l) in regions.iter().zip(&lines) {
            prop_assert_eq!((r.start, r.end, r.offset, r.inode), (l.start, l.end, l.offset, l.inode));
            prop_assert_eq!((r.dev_major, r.dev_minor), l.dev);
            prop_assert_eq!(r.perms.as_maps(), l.perms);
            prop_assert_eq!(&r.name, &l.name);
        }
        prop_assert_eq!(print_maps(&regions), text);
    }

    #[test]
    fn printed_regions_parse_back_to_the_same_regions(l in line_strategy()) {
        let region = Region {
            start: l.start,
            end: l.end,
            perms: Perms {
                read: l.perms[0] == b'r',
                write: l.perms[1] == b'w',
                exec: l.perms[2] == b'x',
                shared: l.perms[3] == b's',
            },
            offset: l.offset,
            dev_major: l.dev.0,
            dev_minor: l.dev.1,
            inode: l.inode,
            name: l.name.clone(),
            kind: vasmap::model::Kind::Anon,
            smaps: None,
            dumped: None,
            literal: Default::default(),
        };
        let text = print_maps(std::slice::from_ref(&region));
        let back = parse_maps(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, vec![region]);
    }

    #[test]
    fn escaped_names_are_safe_and_unambiguous(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let shown = escape_name(&bytes);
        prop_assert!(safe_for_terminal(&shown), "{:?}", shown);
        // The kernel's `\012` becomes a newline first; apart from that, decoding gives
        // back exactly the bytes.
        let kernel = vasmap::text::unescape_kernel(&bytes);
        prop_assert_eq!(decode(&shown), kernel.into_owned());
        let shown = escape_text(&bytes, false);
        prop_assert!(safe_for_terminal(&shown), "{:?}", shown);
        prop_assert_eq!(decode(&shown), bytes);
    }

    #[test]
    fn escaped_utf8_text_is_safe_and_unambiguous(s in "\\PC*|[\\x00-\\x{10ffff}]{0,40}") {
        let shown = escape_name(s.as_bytes());
        prop_assert!(safe_for_terminal(&shown), "{:?}", shown);
        let shown = escape_text(s.as_bytes(), false);
        prop_assert!(safe_for_terminal(&shown), "{:?}", shown);
        prop_assert_eq!(decode(&shown), s.as_bytes().to_vec());
    }
}

/// No byte below 0x20, no DEL, no C1 control, no bidirectional control, no format or
/// default-ignorable character, no line or paragraph separator.
fn safe_for_terminal(s: &str) -> bool {
    s.chars().all(|c| {
        !c.is_control()
            && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            && !vasmap::text::is_unsafe_char(c)
    })
}

/// Undo vasmap's escapes: `\\`, `\n`, `\t`, `\r`, `\e`, `\0`, `\xNN` (one raw byte) and
/// `\u{N}` (one character). Panics on anything else, which the property then reports.
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'e' => out.push(0x1b),
            b'0' => out.push(0),
            b'x' => {
                let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b'u' => {
                let close = i + b[i..].iter().position(|&c| c == b'}').unwrap();
                let hex = std::str::from_utf8(&b[i + 3..close]).unwrap();
                let c = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap();
                out.extend_from_slice(c.to_string().as_bytes());
                i = close - 1;
            }
            other => panic!("unknown escape \\{}", other as char),
        }
        i += 2;
    }
    out
}

#[test]
fn fuzz_findings_are_parsed_without_panic() {
    // Inputs the fuzzer (fuzz/, scripts/fuzz.sh) found or was seeded with; each is kept
    // under tests/fixtures/fuzz/ and must parse or fail cleanly.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("tests/fixtures/fuzz exists") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let _ = parse_maps(&bytes);
        let _ = parse_smaps(&bytes, &mut Vec::new());
        render_every_view(&path.display().to_string(), &bytes);
        n += 1;
    }
    assert!(n > 0, "no inputs under {dir}");
}
