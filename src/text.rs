//! Turning names from the kernel into text that is safe to print.
//!
//! A file name can hold any byte but `/` and NUL: escape sequences that would drive a
//! terminal, other control bytes, invalid UTF-8, right-to-left overrides. The kernel only
//! escapes a newline (as `\012`). Everything vasmap shows in its own views goes through
//! [`escape_name`]; JSON carries the exact bytes instead.

use std::borrow::Cow;

/// True when a maps name holds the kernel's escape of a newline, `\012`. A backslash is
/// looked for first, with `memchr` (vectorised, where the slice's own `contains` goes a
/// byte or a word at a time): almost no name has one.
pub fn has_kernel_newline(name: &[u8]) -> bool {
    memchr::memchr(b'\\', name).is_some() && name.windows(4).any(|w| w == b"\\012")
}

/// True when every byte of `raw` is printable ASCII other than a backslash: a name shown
/// as it is, without escaping (most names). Eight bytes at a time: a byte loop was about
/// 70 instructions for a 15-byte name, on every row of the table (docs/performance.md).
#[inline]
pub fn is_plain_ascii(raw: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'\\';
    let mut words = raw.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        // With every byte below 0x80 no sum below carries into the next byte: the high
        // bit of `b + 0x60` says b >= 0x20, of `b + 1` that b is 0x7f, and of
        // `(b ^ 0x5c) + 0x7f` that b is not a backslash.
        if x & HIGH != 0
            || (x + ONES * 0x60) & HIGH != HIGH
            || (x + ONES) & HIGH != 0
            || ((x ^ (ONES * 0x5c)) + ONES * 0x7f) & HIGH != HIGH
        {
            return false;
        }
    }
    words.remainder().iter().all(|&b| plain(b))
}

/// Undo the kernel's only escape in maps names: `\012` back to a newline byte.
pub fn unescape_kernel(name: &[u8]) -> Cow<'_, [u8]> {
    if !has_kernel_newline(name) {
        return Cow::Borrowed(name);
    }
    let mut out = Vec::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        if name[i..].starts_with(b"\\012") {
            out.push(b'\n');
            i += 4;
        } else {
            out.push(name[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

/// True for characters that must not reach a terminal or a reader as they are.
///
/// - C0 and C1 controls and DEL (general category Cc): they drive the terminal.
/// - Every format character (general category Cf): the bidirectional controls that make
///   text read in another order (U+202E, U+2066..U+2069, U+061C), and the invisible ones
///   (U+200B, U+2060, U+FEFF, U+00AD, the tags U+E0000..U+E007F) that make
///   `libc.so.6\u{2060}` look exactly like `libc.so.6`.
/// - Every Default_Ignorable_Code_Point: characters a renderer draws as nothing (U+115F,
///   U+3164 and the other Hangul fillers, variation selectors, U+034F), again a name
///   that looks like another.
/// - U+2028 and U+2029, the line and paragraph separators: a terminal may not break the
///   line, but an editor or a browser that shows the output does.
///
/// The two Unicode properties come from ICU4X's `icu_properties` (the Unicode
/// Consortium's own library, the one maintained crate with both tables); ASCII, by far
/// the most common, never looks them up.
pub fn is_unsafe_char(c: char) -> bool {
    use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
    use icu_properties::{CodePointMapData, CodePointSetData};
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
        return true;
    }
    CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

/// Escape a name (raw kernel bytes) for a terminal or a text table.
///
/// The kernel's `\012` becomes `\n`; other control bytes become `\t`, `\r`, `\e` or
/// `\xNN`; a backslash becomes `\\` (so every escape is unambiguous); bytes that are not
/// UTF-8 become `\xNN`; bidirectional controls become `\u{NNNN}`. Spaces at the start or
/// the end of the name become `\x20`, because a table pads and trims its columns with
/// spaces and would otherwise hide them. Printable text, including valid non-ASCII
/// UTF-8, is kept as it is.
pub fn escape_name(raw: &[u8]) -> String {
    escape_name_as(raw, true)
}

/// [`escape_name`], with the kernel's `\012` undone only when `kernel_escapes` (false
/// for a name whose `\012`s are known to be its own characters: they then show as
/// `\\012`, a backslash and three digits).
pub fn escape_name_as(raw: &[u8], kernel_escapes: bool) -> String {
    let bytes = if kernel_escapes {
        unescape_kernel(raw)
    } else {
        Cow::Borrowed(raw)
    };
    let lead = bytes.iter().take_while(|&&b| b == b' ').count();
    let trail = if lead == bytes.len() {
        0
    } else {
        bytes.iter().rev().take_while(|&&b| b == b' ').count()
    };
    let mut out = String::with_capacity(bytes.len() + 4 * (lead + trail));
    for _ in 0..lead {
        out.push_str("\\x20");
    }
    let inner = &bytes[lead..bytes.len() - trail];
    escape_into(inner, Flavor::Name, &mut out);
    for _ in 0..trail {
        out.push_str("\\x20");
    }
    out
}

/// How [`escape_into`] treats the two bytes on which names and other text differ.
#[derive(Clone, Copy)]
enum Flavor {
    /// A kernel name: a newline (the kernel's `\012`, already undone) shows as `\n`, a NUL
    /// as `\x00` like any other control byte.
    Name,
    /// Other text: a NUL shows as `\0`; a newline is kept when `keep_newlines` is set.
    Text { keep_newlines: bool },
}

/// Append `c`, a character [`is_unsafe_char`] refuses, as an escape: `\n`, `\t`, `\r`,
/// `\e`, `\xNN` below 0x80, `\u{NNNN}` above.
fn push_escape(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
    }
}

/// Append `bytes` escaped: a backslash doubled, unsafe characters as [`push_escape`]
/// writes them, bytes that are not UTF-8 as `\xNN`, everything else as it is.
fn escape_into(bytes: &[u8], flavor: Flavor, out: &mut String) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match (c, flavor) {
                ('\\', _) => out.push_str("\\\\"),
                (
                    '\n',
                    Flavor::Text {
                        keep_newlines: true,
                    },
                ) => out.push(c),
                ('\0', Flavor::Text { .. }) => out.push_str("\\0"),
                (c, _) if is_unsafe_char(c) => push_escape(c, out),
                (c, _) => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
}

/// Escape arbitrary bytes that are not a kernel name (file contents, command lines, paths
/// given on the command line): the same rules as [`escape_name`] but without the `\012`
/// convention, a NUL as `\0`, and keeping newlines as they are when `keep_newlines` is
/// set. Tabs are always shown as `\t`, so that the output holds no control byte but the
/// newline.
pub fn escape_text(bytes: &[u8], keep_newlines: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(bytes, Flavor::Text { keep_newlines }, &mut out);
    out
}

/// A path (from the command line or the file system) escaped for a message or a table.
pub fn escape_path(path: &std::path::Path) -> String {
    escape_text(path.as_os_str().as_encoded_bytes(), false)
}

/// Make a finished message safe for a terminal: control and bidirectional characters are
/// escaped as in [`escape_text`], everything else (backslashes included, so that names
/// already escaped are not escaped twice) is kept. The last guard before stderr.
pub fn sanitize_message(msg: &str) -> String {
    if !msg.chars().any(is_unsafe_char) {
        return msg.to_string();
    }
    let mut out = String::with_capacity(msg.len() + 16);
    for c in msg.chars() {
        if is_unsafe_char(c) {
            push_escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// serde_json's compact output, but with DEL, the C1 controls and every other character
/// [`is_unsafe_char`] refuses written as `\uXXXX` escapes too (serde_json escapes only
/// those below 0x20).
/// The JSON means exactly the same text; printed on a terminal, it cannot drive it.
struct TerminalSafeJson;

impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // JSON's `\uXXXX` holds one UTF-16 unit: a character past U+FFFF (the
                // tags, U+E0000..) is written as its surrogate pair.
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// `serde_json::to_writer`, with every character that could drive a terminal escaped (see
/// `TerminalSafeJson`), for JSON that may be printed on one.
pub fn json_to_writer<W: std::io::Write, T: ?Sized + serde::Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, TerminalSafeJson);
    value.serialize(&mut ser)
}

/// Human size from KiB: `4K`, `1.3M`, `2.0G`, as in `ls -h`, for the table and layout.
pub fn human_kb(kb: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    let mut v = kb as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 || v.fract() == 0.0 {
        format!("{:.0}{}", v, UNITS[u])
    } else {
        format!("{:.1}{}", v, UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The eight-at-a-time test agrees with the byte loop, for names made mostly of
        /// the bytes at its edges (space, `~`, DEL, backslash, 0x1f, 0x80).
        #[test]
        fn plain_ascii_by_words_agrees_with_bytes(
            raw in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::Just(b' '), proptest::prelude::Just(b'~'),
                    proptest::prelude::Just(0x7f_u8), proptest::prelude::Just(b'\\'),
                    proptest::prelude::Just(0x1f_u8), proptest::prelude::Just(0x80_u8),
                    proptest::prelude::Just(b'['), proptest::prelude::Just(b']'),
                    b'a'..=b'z', proptest::prelude::any::<u8>(),
                ],
                0..40,
            )
        ) {
            let bytes = raw.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'\\');
            proptest::prop_assert_eq!(is_plain_ascii(&raw), bytes);
        }
    }

    #[test]
    fn kernel_newline_escape_is_undone_then_shown_as_backslash_n() {
        assert_eq!(&*unescape_kernel(b"/tmp/a\\012b"), b"/tmp/a\nb");
        assert_eq!(escape_name(b"/tmp/a\\012b"), "/tmp/a\\nb");
    }

    #[test]
    fn control_bytes_and_bad_utf8_are_escaped() {
        assert_eq!(escape_name(b"/tmp/\x1b[31mred"), "/tmp/\\e[31mred");
        assert_eq!(escape_name(b"/tmp/\x07\x7f"), "/tmp/\\x07\\x7f");
        assert_eq!(escape_name(b"/tmp/\xff\xfe"), "/tmp/\\xff\\xfe");
        assert_eq!(
            escape_name("/tmp/\u{202e}txt".as_bytes()),
            "/tmp/\\u{202e}txt"
        );
        assert_eq!(escape_name("/tmp/\u{85}".as_bytes()), "/tmp/\\u{0085}");
        assert_eq!(escape_name(b"/tmp/back\\slash"), "/tmp/back\\\\slash");
    }

    #[test]
    fn spaces_at_either_end_of_a_name_are_shown() {
        assert_eq!(escape_name(b"a  b "), "a  b\\x20");
        assert_eq!(escape_name(b"  a"), "\\x20\\x20a");
        assert_eq!(escape_name(b"  "), "\\x20\\x20");
        assert_eq!(escape_name(b"/tmp/a b"), "/tmp/a b");
    }

    #[test]
    fn printable_utf8_is_kept() {
        assert_eq!(
            escape_name("/tmp/héllo wörld".as_bytes()),
            "/tmp/héllo wörld"
        );
    }

    #[test]
    fn escaped_output_has_no_control_bytes() {
        let all: Vec<u8> = (0u8..=255).collect();
        let s = escape_name(&all);
        assert!(s.bytes().all(|b| b >= 0x20 && b != 0x7f));
    }

    /// The characters issue 11 found reaching the output raw, and their neighbours.
    const ISSUE_11_7: [char; 13] = [
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
        '\u{200d}',
        '\u{180e}',
        '\u{fe0f}',
    ];

    #[test]
    fn format_and_invisible_characters_are_escaped() {
        for c in ISSUE_11_7 {
            let name = format!("libc.so.6{c}");
            let shown = escape_name(name.as_bytes());
            assert_eq!(shown, format!("libc.so.6\\u{{{:04x}}}", c as u32), "{c:?}");
            assert_eq!(sanitize_message(&name), shown, "{c:?}");
            assert_eq!(escape_text(name.as_bytes(), true), shown, "{c:?}");
        }
        // Visible text outside ASCII is kept: letters, CJK, emoji, the no-break space.
        assert_eq!(escape_name("é日本🦀\u{a0}x".as_bytes()), "é日本🦀\u{a0}x");
    }

    /// Every character the two Unicode properties name, from the tables themselves (not
    /// a list kept here): escaped by every escaper, never let through.
    #[test]
    fn every_format_ignorable_and_separator_character_is_escaped() {
        use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
        use icu_properties::{CodePointMapData, CodePointSetData};
        let gc = CodePointMapData::<GeneralCategory>::new();
        let di = CodePointSetData::new::<DefaultIgnorableCodePoint>();
        let mut count = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let listed = gc.get(c) == GeneralCategory::Format
                || gc.get(c) == GeneralCategory::Control
                || gc.get(c) == GeneralCategory::LineSeparator
                || gc.get(c) == GeneralCategory::ParagraphSeparator
                || di.contains(c);
            assert_eq!(is_unsafe_char(c), listed, "{c:?}");
            if !listed && !(c as u32).is_multiple_of(61) {
                continue;
            }
            let mut buf = [0u8; 4];
            let shown = escape_name(c.encode_utf8(&mut buf).as_bytes());
            assert!(
                !shown.chars().any(is_unsafe_char),
                "{c:?} shown as {shown:?}"
            );
            if listed {
                count += 1;
                assert!(shown.starts_with('\\'), "{c:?} shown as {shown:?}");
            }
        }
        // Unicode 16: 65 Cc, 170 Cf (some of them also default-ignorable), 4,174
        // default-ignorable (most are the reserved tag block), 2 separators.
        assert!(count > 4000, "{count}");
    }

    #[test]
    fn json_escapes_characters_past_the_basic_plane_as_surrogate_pairs() {
        let name = "a\u{e0041}\u{2060}b";
        let mut out = Vec::new();
        json_to_writer(&mut out, name).unwrap();
        let json = String::from_utf8(out).unwrap();
        assert_eq!(json, r#""a\udb40\udc41\u2060b""#);
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), name);
    }

    #[test]
    fn messages_lose_control_characters_but_keep_backslashes() {
        assert_eq!(
            sanitize_message("/tmp/\u{1b}[2Ja\\b\u{202e}\n"),
            "/tmp/\\e[2Ja\\b\\u{202e}\\n"
        );
        assert_eq!(sanitize_message("plain é"), "plain é");
    }

    #[test]
    fn text_keeps_newlines_only_when_asked_and_never_tabs() {
        assert_eq!(escape_text(b"a\tb\nc", true), "a\\tb\nc");
        assert_eq!(escape_text(b"a\tb\nc", false), "a\\tb\\nc");
        // The one place names and text differ beside newlines: a NUL.
        assert_eq!(escape_text(b"a\0b", false), "a\\0b");
        assert_eq!(escape_name(b"a\0b"), "a\\x00b");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_means_the_same() {
        let name = "a\u{1b}[31m\u{7f}\u{85}\u{202e}b\"\\é";
        let mut out = Vec::new();
        json_to_writer(&mut out, name).unwrap();
        let json = String::from_utf8(out).unwrap();
        assert_eq!(json, r#""a\u001b[31m\u007f\u0085\u202eb\"\\é""#);
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), name);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_kb(4), "4K");
        assert_eq!(human_kb(1024), "1M");
        assert_eq!(human_kb(1536), "1.5M");
        assert_eq!(human_kb(132), "132K");
    }
}
