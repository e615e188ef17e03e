//! The `PID:   command` line of the pmap output, and the two escapes its text goes
//! through: procps 4.0.2's own (`escape_str` in `library/escape.c`, which depends on the
//! locale's character set and on where the first invalid UTF-8 byte is), and vasmap's
//! guard for a terminal, which pmap does not have. Kept apart from the rows because the
//! rules come from procps's library, not from `src/pmap.c`.

use crate::model::ProcessInfo;
use crate::view::ViewOptions;

/// True when the locale the user asked for (`LC_ALL`, `LC_CTYPE`, `LANG`) has the UTF-8
/// character set. procps escapes command lines differently in UTF-8 and other locales
/// (`escape_str` checks `nl_langinfo(CODESET)` after pmap's `setlocale(LC_ALL, "")`), so
/// the pmap mode asks the C library the same question. Call it before starting threads.
pub fn locale_is_utf8() -> bool {
    // SAFETY: setlocale and nl_langinfo are called with valid NUL-terminated strings; the
    // previous LC_CTYPE is copied before it is restored. vasmap calls this once, from the
    // main thread, while it parses the command line and before any thread exists.
    unsafe {
        let old = libc::setlocale(libc::LC_CTYPE, std::ptr::null());
        let old = (!old.is_null()).then(|| std::ffi::CStr::from_ptr(old).to_owned());
        let utf8 = if libc::setlocale(libc::LC_CTYPE, c"".as_ptr()).is_null() {
            false
        } else {
            let cs = libc::nl_langinfo(libc::CODESET);
            !cs.is_null()
                && std::ffi::CStr::from_ptr(cs)
                    .to_bytes()
                    .eq_ignore_ascii_case(b"UTF-8")
        };
        if let Some(old) = old {
            libc::setlocale(libc::LC_CTYPE, old.as_ptr());
        }
        utf8
    }
}

/// [`locale_is_utf8`], asked once for the run.
fn locale_is_utf8_once() -> bool {
    static UTF8: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *UTF8.get_or_init(locale_is_utf8)
}

/// procps's `esc_all`: in a non-UTF-8 locale (or after a corrupt UTF-8 sequence) control
/// bytes and DEL become `.`, bytes from 0x80 up become `?`.
fn esc_all(s: &mut [u8]) {
    for b in s {
        *b = match *b {
            0x00..=0x1f | 0x7f => b'.',
            0x80..=0xff => b'?',
            other => other,
        };
    }
}

/// The length of the UTF-8 sequence a lead byte starts (procps's `UTF_tab`), or `None`
/// for a byte that cannot start one. Continuation bytes are not checked (procps 4.0.2
/// does not check them either).
fn utf8_len(b: u8) -> Option<usize> {
    match b {
        0x00..=0x7f => Some(1),
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

/// procps 4.0.2's `escape_str`, in place.
fn escape_str(s: &mut [u8], utf8: bool) {
    if !utf8 {
        esc_all(s);
        return;
    }
    // `esc_ctl`: control bytes and DEL become `?`; from the first byte that does not
    // start a complete sequence, the rest of the string goes through `esc_all`.
    let mut i = 0;
    while i < s.len() {
        match utf8_len(s[i]) {
            Some(n) if i + n <= s.len() => {
                if s[i] < 0x20 || s[i] == 0x7f {
                    s[i] = b'?';
                }
                i += n;
            }
            _ => {
                esc_all(&mut s[i..]);
                return;
            }
        }
    }
}

/// The size of the buffer procps reads a command line into (`MAX_BUFSZ`).
const MAX_BUFSZ: usize = 128 * 1024;

/// The text after `PID:   ` as pmap prints it: the command line as procps's
/// `fill_cmdline_cvt` makes it (NULs and newlines become spaces, one trailing space goes,
/// then `escape_str`; `?` when nothing is left), or `[comm]` (with ` <defunct>` for a
/// zombie) when it is empty.
pub fn header_command(p: &ProcessInfo, utf8: bool, zombie: bool) -> Vec<u8> {
    if p.raw_cmdline.is_empty() && p.comm.is_empty() {
        // A saved file: no process to ask, show what is known.
        let mut s = p.cmdline.clone();
        escape_str(&mut s, utf8);
        return s;
    }
    if !p.raw_cmdline.is_empty() {
        // read_unvectored(): reads at most MAX_BUFSZ - 1 bytes.
        let mut dst = p.raw_cmdline.clone();
        dst.truncate(MAX_BUFSZ - 1);
        let n = dst.len();
        let mut i = n;
        while i > 0 && dst[i - 1] == 0 {
            i -= 1;
        }
        for b in &mut dst[..i] {
            if *b == b'\n' || *b == 0 {
                *b = b' ';
            }
        }
        if dst[n - 1] == b' ' {
            dst[n - 1] = 0;
        }
        // The C string ends at the first NUL left.
        let end = dst.iter().position(|&b| b == 0).unwrap_or(dst.len());
        dst.truncate(end);
        escape_str(&mut dst, utf8);
        // fill_cmdline_cvt: `strdup(dst_buffer[0] ? dst_buffer : "?")`. A command line of
        // NULs only (a process that zeroed its arguments), or of one space or newline,
        // is shown as `?`.
        if dst.is_empty() {
            dst.push(b'?');
        }
        return dst;
    }
    let mut out = Vec::with_capacity(p.comm.len() + 13);
    out.push(b'[');
    let mut comm = p.comm.clone();
    escape_str(&mut comm, utf8);
    out.extend_from_slice(&comm);
    out.push(b']');
    if zombie {
        out.extend_from_slice(b" <defunct>");
    }
    out
}

/// The `PID:   command` line.
pub(super) fn write_header(p: &ProcessInfo, opts: &ViewOptions, zombie: bool, buf: &mut Vec<u8>) {
    buf.extend_from_slice(format!("{}:   ", p.pid).as_bytes());
    let mut command = header_command(p, opts.utf8_locale, zombie);
    if opts.ask_locale {
        let other = header_command(p, !opts.utf8_locale, zombie);
        if other != command && locale_is_utf8_once() != opts.utf8_locale {
            command = other;
        }
    }
    if opts.terminal {
        // pmap keeps valid UTF-8 here, bidirectional controls included.
        push_terminal_safe(buf, &command);
    } else {
        buf.extend_from_slice(&command);
    }
    buf.push(b'\n');
}

/// `bytes` with every C0 control, DEL, C1 control (U+0080..U+009F), format character,
/// default-ignorable character and line or paragraph separator (the bidirectional
/// controls reorder what follows, the invisible ones make a name look like another: see
/// [`crate::text::is_unsafe_char`]) and byte that is not UTF-8 (a lone 0x9b is CSI to a
/// terminal in 8-bit mode) replaced by one `?` per byte, so a name cannot drive the
/// terminal or disguise itself, and the columns stay where pmap puts them.
pub(super) fn push_terminal_safe(buf: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if crate::text::is_unsafe_char(c) {
                buf.extend(std::iter::repeat_n(b'?', c.len_utf8()));
            } else {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
        buf.extend(std::iter::repeat_n(b'?', chunk.invalid().len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(raw: &[u8], comm: &[u8]) -> ProcessInfo {
        ProcessInfo {
            pid: 7,
            raw_cmdline: raw.to_vec(),
            comm: comm.to_vec(),
            ..ProcessInfo::default()
        }
    }

    #[test]
    fn header_escaping_follows_procps_4_0_2() {
        let p = info(
            b"sl\x1b[31mp\tx\x7f\0h\xc3\xa9llo\0\xc2\x85\0a\nb\0\0\xff\x01\0",
            b"x",
        );
        // UTF-8: controls become '?', valid UTF-8 (even C1) stays, and from the first
        // invalid byte on the rest goes through esc_all ('.' for controls, '?' above 0x7f).
        assert_eq!(
            header_command(&p, true, false),
            b"sl?[31mp?x? h\xc3\xa9llo \xc2\x85 a b  ?.".to_vec()
        );
        // Other locales: esc_all everywhere.
        assert_eq!(
            header_command(&p, false, false),
            b"sl.[31mp.x. h??llo ?? a b  ?.".to_vec()
        );
        // A truncated sequence at the end is invalid too.
        assert_eq!(
            header_command(&info(b"a\xe2\x80", b""), true, false),
            b"a??"
        );
    }

    #[test]
    fn header_trailing_bytes_and_empty_command_lines() {
        // One trailing space (no NUL after it) goes; trailing NULs are not spaces.
        assert_eq!(header_command(&info(b"a b ", b""), true, false), b"a b");
        assert_eq!(header_command(&info(b"a\0\0\0", b""), true, false), b"a");
        // A command line of NULs only is `?`, not [comm] (procps: an empty string
        // becomes "?"); so is one of a lone space or newline.
        assert_eq!(header_command(&info(b"\0", b"x"), true, false), b"?");
        assert_eq!(header_command(&info(b"\0\0\0\0", b"x"), true, false), b"?");
        assert_eq!(header_command(&info(b" ", b"x"), true, false), b"?");
        assert_eq!(header_command(&info(b"\n", b"x"), true, false), b"?");
        assert_eq!(
            header_command(&info(b"", b"kthreadd"), true, false),
            b"[kthreadd]"
        );
        assert_eq!(
            header_command(&info(b"", b"sl\x1bp"), true, true),
            b"[sl?p] <defunct>"
        );
    }

    #[test]
    fn terminal_safe_names() {
        let mut out = Vec::new();
        push_terminal_safe(&mut out, b"esc\x1b[31m\x7f\xc2\x9b\xc3\xa9");
        assert_eq!(out, b"esc?[31m???\xc3\xa9");
    }
}
