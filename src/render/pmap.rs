//! Byte for byte what procps-ng pmap 4.0.2 prints (its `src/pmap.c` and the library's
//! `escape.c`/`readproc.c`), for every view: default, `-x`, `-X`, `-XX`, `-d`, with `-q`,
//! `-p` and `-A`. Quirks a script could depend on are reproduced; where pmap prints garbage
//! (names longer than its 1024-byte line buffer) the row is printed correctly instead.
//! Every difference is listed in `docs/pmap-compat.md`.

use std::io::{self, Write};

use crate::model::{FieldId, Kind, ProcessInfo, Region, Snapshot};
use crate::render::ViewOptions;

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
/// then `escape_str`), or `[comm]` (with ` <defunct>` for a zombie) when it is empty.
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
fn write_header(p: &ProcessInfo, opts: &ViewOptions, zombie: bool, buf: &mut Vec<u8>) {
    buf.extend_from_slice(format!("{}:   ", p.pid).as_bytes());
    let command = header_command(p, opts.utf8_locale, zombie);
    if opts.terminal {
        // pmap keeps valid UTF-8 here, bidirectional controls included.
        push_terminal_safe(buf, &command);
    } else {
        buf.extend_from_slice(&command);
    }
    buf.push(b'\n');
}

/// The name column of the default, `-x` and `-d` views, as pmap's `mapping_name` computes
/// it from the maps line after turning every byte that is not printable ASCII into `?`.
fn mapping_name(r: &Region, snap: &Snapshot, show_path: bool, out: &mut Vec<u8>) {
    if let Kind::SysvShm { .. } = r.kind {
        out.extend_from_slice(format!("  [ shmid=0x{:x} ]", r.inode).as_bytes());
        return;
    }
    let name: Vec<u8> = r
        .name
        .iter()
        .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' })
        .collect();
    // pmap looks for '/' in the whole line; the fixed columns never hold one, so any '/'
    // is in the name, including in a non-path name such as `[anon:a/b]`.
    if let Some(last) = name.iter().rposition(|&b| b == b'/') {
        if show_path {
            let first = name.iter().position(|&b| b == b'/').unwrap_or(last);
            out.extend_from_slice(&name[first..]);
        } else if last + 1 < name.len() {
            out.extend_from_slice(&name[last + 1..]);
        } else {
            out.push(b'/');
        }
        return;
    }
    // "[ stack ]" for the mapping holding startstack, end inclusive as in pmap.
    let holds_stack = snap
        .process
        .start_stack
        .is_some_and(|s| r.start <= s && s <= r.end);
    if holds_stack {
        out.extend_from_slice(b"  [ stack ]");
    } else {
        out.extend_from_slice(b"  [ anon ]");
    }
}

/// pmap's `justify_print`: `width` at least the text's length, right or left aligned,
/// then a space; a width below 1 prints the text and a newline.
fn justify(buf: &mut Vec<u8>, text: &str, width: usize, right: bool) -> usize {
    if width < 1 {
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
        return width;
    }
    let width = width.max(text.len());
    let s = if right {
        format!("{text:>width$} ")
    } else {
        format!("{text:<width$} ")
    };
    buf.extend_from_slice(s.as_bytes());
    width
}

/// One column of `-X`/`-XX`: a smaps field. pmap keeps this list (with widths and
/// totals) for the whole run, across pids; so does [`Session`].
#[derive(Debug, Clone)]
struct FieldColumn {
    name: String,
    width: usize,
    total: u64,
}

/// The smaps fields `-X` leaves out (pmap's `is_unimportant`).
fn is_unimportant(name: &str) -> bool {
    matches!(
        name,
        "AnonHugePages"
            | "KernelPageSize"
            | "MMUPageSize"
            | "Shared_Dirty"
            | "Private_Dirty"
            | "Shared_Clean"
            | "Private_Clean"
            | "VmFlags"
    )
}

/// The smaps fields `-X` (`extra == 1`) or `-XX` shows, in the kernel's order, as field
/// names. Shared with the table view.
pub fn extra_fields(snap: &Snapshot, extra: u8) -> Vec<(String, FieldId)> {
    let Some(first) = snap.regions.iter().find_map(|r| r.smaps.as_ref()) else {
        return Vec::new();
    };
    first
        .fields
        .iter()
        .filter_map(|&(id, _)| {
            let name = snap.smaps_fields.get(usize::from(id))?;
            (extra >= 2 || !is_unimportant(name)).then(|| (name.clone(), id))
        })
        .collect()
}

/// Decimal digits of a number (pmap's `integer_width`).
fn integer_width(n: u64) -> usize {
    n.to_string().len()
}

/// The pmap output for several pids in a row. pmap keeps the `-X`/`-XX` column list, its
/// widths and its totals from one pid to the next (its totals are never reset: the
/// second pid's footer includes the first's); a session does the same.
#[derive(Debug, Default)]
pub struct Session {
    columns: Option<Vec<FieldColumn>>,
}

/// Why a pid printed less than a full map; decides what pmap would still have printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// The pid does not exist: pmap prints nothing.
    Missing,
    /// maps/smaps could not be opened (permission): pmap prints the header line only.
    Unreadable,
    /// A kernel thread or zombie: its maps file is empty, pmap prints an empty view.
    Empty { zombie: bool },
}

impl Session {
    /// Print one process as pmap does.
    pub fn render(
        &mut self,
        snap: &Snapshot,
        opts: &ViewOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.render_inner(snap, opts, false, out)
    }

    /// Print what pmap prints for a process that could not be read in full. `info` is
    /// what is known of it (nothing at all for a missing pid).
    pub fn render_shortfall(
        &mut self,
        info: Option<&ProcessInfo>,
        why: Shortfall,
        opts: &ViewOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let Some(info) = info else { return Ok(()) };
        match why {
            Shortfall::Missing => Ok(()),
            Shortfall::Unreadable => {
                let mut buf = Vec::new();
                write_header(info, opts, false, &mut buf);
                out.write_all(&buf)
            }
            Shortfall::Empty { zombie } => {
                let snap = Snapshot {
                    process: info.clone(),
                    ..Snapshot::default()
                };
                self.render_inner(&snap, opts, zombie, out)
            }
        }
    }

    fn render_inner(
        &mut self,
        snap: &Snapshot,
        opts: &ViewOptions,
        zombie: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut buf = Vec::with_capacity(snap.regions.len() * 96 + 256);
        write_header(&snap.process, opts, zombie, &mut buf);
        if opts.extra > 0 {
            self.extended_maps(snap, opts, &mut buf);
        } else if opts.extended {
            extended_view(snap, opts, &mut buf);
        } else if opts.device {
            device_view(snap, opts, &mut buf);
        } else {
            default_view(snap, opts, &mut buf);
        }
        out.write_all(&buf)
    }

    /// `-X` and `-XX` (pmap's `print_extended_maps`). pmap 4.0.2 ignores `-A` here: every
    /// mapping is printed and totalled.
    fn extended_maps(&mut self, snap: &Snapshot, opts: &ViewOptions, buf: &mut Vec<u8>) {
        let q = opts.quiet;
        if self.columns.is_none() && !snap.regions.is_empty() {
            let cols = extra_fields(snap, opts.extra)
                .into_iter()
                .map(|(name, _)| FieldColumn {
                    width: if q { 0 } else { name.len() },
                    name,
                    total: 0,
                })
                .collect();
            self.columns = Some(cols);
        }
        let mut cols = self.columns.take().unwrap_or_default();
        let ids: Vec<Option<FieldId>> = cols.iter().map(|c| snap.field_id(&c.name)).collect();
        let value = |r: &Region, i: usize| -> u64 {
            match (r.smaps.as_ref(), ids[i]) {
                (Some(s), Some(id)) => s.get(id).unwrap_or(0),
                _ => 0,
            }
        };

        // First pass: measure.
        let (mut w1, mut w2, mut w3, mut w4, mut w5, mut wv) = (0, 0, 0, 0, 0, 0);
        let mut has_vmflags = false;
        for r in &snap.regions {
            w1 = w1.max(format!("{:08x}", r.start).len());
            w2 = w2.max(4);
            w3 = w3.max(format!("{:08x}", r.offset).len());
            w4 = w4.max(format!("{:02x}:{:02x}", r.dev_major, r.dev_minor).len());
            w5 = w5.max(integer_width(r.inode));
            for (i, c) in cols.iter_mut().enumerate() {
                let v = value(r, i);
                c.total = c.total.wrapping_add(v);
                if q {
                    c.width = c.width.max(integer_width(v));
                }
            }
            if let Some(s) = r.smaps.as_ref().filter(|s| s.has_vm_flags) {
                has_vmflags = true;
                wv = wv.max(vm_flags(s).len());
            }
        }
        if !snap.regions.is_empty() && !q {
            for c in cols.iter_mut() {
                c.width = c.width.max(integer_width(c.total));
            }
        }
        let show_vmflags = has_vmflags && opts.extra >= 2;

        // Second pass: print.
        if !snap.regions.is_empty() && !q {
            w1 = justify(buf, "Address", w1, true);
            w2 = justify(buf, "Perm", w2, true);
            w3 = justify(buf, "Offset", w3, true);
            w4 = justify(buf, "Device", w4, true);
            w5 = justify(buf, "Inode", w5, true);
            for c in &cols {
                justify(buf, &c.name, c.width, true);
            }
            if show_vmflags {
                wv = justify(buf, "VmFlags", wv, true);
            }
            justify(buf, "Mapping", 0, false);
        }
        for r in &snap.regions {
            let start = format!("{:08x}", r.start);
            let offset = format!("{:08x}", r.offset);
            let dev = format!("{:02x}:{:02x}", r.dev_major, r.dev_minor);
            let perms = r.perms.to_maps_string();
            let line = format!(
                "{start:>w1$} {perms:>w2$} {offset:>w3$} {dev:>w4$} {:>w5$}",
                r.inode
            );
            buf.extend_from_slice(line.as_bytes());
            for (i, c) in cols.iter().enumerate() {
                let w = c.width;
                buf.extend_from_slice(format!(" {:>w$}", value(r, i)).as_bytes());
            }
            if show_vmflags {
                let flags = r.smaps.as_ref().map(vm_flags).unwrap_or_default();
                buf.extend_from_slice(format!(" {flags:>wv$}").as_bytes());
            }
            buf.push(b' ');
            // pmap reads the name with `%127[^\n]`: at most 127 bytes, exactly as the
            // kernel wrote them (no `?` here), then takes what follows the last '/'.
            let desc = &r.name[..r.name.len().min(127)];
            let shown = if opts.show_path {
                desc
            } else {
                match desc.iter().rposition(|&b| b == b'/') {
                    Some(i) => &desc[i + 1..],
                    None => desc,
                }
            };
            if opts.terminal {
                push_terminal_safe(buf, shown);
            } else {
                buf.extend_from_slice(shown);
            }
            buf.push(b'\n');
        }
        if !q && !cols.is_empty() {
            let gap = w1 + w2 + w3 + w4 + w5 + 5;
            buf.extend(std::iter::repeat_n(b' ', gap));
            for c in &cols {
                buf.extend(std::iter::repeat_n(b'=', c.width));
                buf.push(b' ');
            }
            buf.push(b'\n');
            buf.extend(std::iter::repeat_n(b' ', gap));
            for c in &cols {
                let w = c.width;
                buf.extend_from_slice(format!("{:>w$} ", c.total).as_bytes());
            }
            buf.extend_from_slice(b"KB \n");
        }
        self.columns = Some(cols);
    }
}

/// `bytes` with every C0 control, DEL, C1 control (U+0080..U+009F), bidirectional
/// control (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: they reorder what follows, so
/// a name could show as another) and byte that is not UTF-8 (a lone 0x9b is CSI to a
/// terminal in 8-bit mode) replaced by one `?` per byte, so a name cannot drive the
/// terminal or disguise itself, and the columns stay where pmap puts them.
fn push_terminal_safe(buf: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let unsafe_char = c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if unsafe_char {
                buf.extend(std::iter::repeat_n(b'?', c.len_utf8()));
            } else {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
        buf.extend(std::iter::repeat_n(b'?', chunk.invalid().len()));
    }
}

/// The VmFlags text as pmap shows it: the flags, one space between, at most 127 bytes.
fn vm_flags(s: &crate::model::SmapsRecord) -> String {
    let mut f = s.vm_flags_string();
    f.truncate(127);
    f
}

/// The default view: `%016lx %6luK %s %s` and ` total %16ldK`.
fn default_view(snap: &Snapshot, opts: &ViewOptions, buf: &mut Vec<u8>) {
    let mut total = 0u64;
    for r in snap
        .regions
        .iter()
        .filter(|r| opts.in_range(r.start, r.end))
    {
        total = total.wrapping_add(r.size());
        buf.extend_from_slice(format!("{:016x} {:6}K ", r.start, r.size() >> 10).as_bytes());
        buf.extend_from_slice(&r.perms.as_pmap());
        buf.push(b' ');
        mapping_name(r, snap, opts.show_path, buf);
        buf.push(b'\n');
    }
    if !opts.quiet {
        buf.extend_from_slice(format!(" total {:16}K\n", total >> 10).as_bytes());
    }
}

/// `-x`: Kbytes, RSS and Dirty per mapping. As in pmap 4.0.2 with `-A`, the Kbytes total
/// covers the range but the RSS and Dirty totals cover every mapping up to the end of the
/// range, those below it included (pmap adds them up before it checks the range).
fn extended_view(snap: &Snapshot, opts: &ViewOptions, buf: &mut Vec<u8>) {
    if !opts.quiet {
        buf.extend_from_slice(b"Address           Kbytes     RSS   Dirty Mode  Mapping\n");
    }
    let swap = snap.field_id("Swap");
    let high = opts.range.map_or(u64::MAX, |r| r.high);
    let (mut size, mut rss, mut dirty) = (0u64, 0u64, 0u64);
    for r in &snap.regions {
        if r.start > high {
            break;
        }
        let (r_rss, r_dirty) = r.smaps.as_ref().map_or((0, 0), |s| (s.rss, s.dirty()));
        rss = rss.wrapping_add(r_rss);
        dirty = dirty.wrapping_add(r_dirty);
        if !opts.in_range(r.start, r.end) {
            continue;
        }
        size = size.wrapping_add(r.size());
        // pmap prints a row when it reaches the mapping's `Swap:` line.
        let has_swap = match (&r.smaps, swap) {
            (None, _) => true,
            (Some(s), Some(id)) => s.get(id).is_some(),
            (Some(_), None) => false,
        };
        if !has_swap {
            continue;
        }
        buf.extend_from_slice(
            format!(
                "{:016x} {:7} {:7} {:7} ",
                r.start,
                r.size() >> 10,
                r_rss,
                r_dirty
            )
            .as_bytes(),
        );
        buf.extend_from_slice(&r.perms.as_pmap());
        buf.push(b' ');
        mapping_name(r, snap, opts.show_path, buf);
        buf.push(b'\n');
    }
    if !opts.quiet {
        buf.extend_from_slice(b"---------------- ------- ------- ------- \n");
        buf.extend_from_slice(
            format!("total kB         {:7} {:7} {:7}\n", size >> 10, rss, dirty).as_bytes(),
        );
    }
}

/// `-d`: offset and device columns, and the mapped / writeable/private / shared summary.
fn device_view(snap: &Snapshot, opts: &ViewOptions, buf: &mut Vec<u8>) {
    if !opts.quiet {
        buf.extend_from_slice(
            b"Address           Kbytes Mode  Offset           Device    Mapping\n",
        );
    }
    let (mut shared, mut writeable, mut readonly) = (0u64, 0u64, 0u64);
    for r in snap
        .regions
        .iter()
        .filter(|r| opts.in_range(r.start, r.end))
    {
        let size = r.size();
        if r.perms.shared {
            shared = shared.wrapping_add(size);
        } else if r.perms.write {
            writeable = writeable.wrapping_add(size);
        } else {
            readonly = readonly.wrapping_add(size);
        }
        buf.extend_from_slice(format!("{:016x} {:7} ", r.start, size >> 10).as_bytes());
        buf.extend_from_slice(&r.perms.as_pmap());
        buf.extend_from_slice(
            format!(
                " {:016x} {:03x}:{:05x} ",
                r.offset, r.dev_major, r.dev_minor
            )
            .as_bytes(),
        );
        mapping_name(r, snap, opts.show_path, buf);
        buf.push(b'\n');
    }
    if !opts.quiet {
        let mapped = shared.wrapping_add(writeable).wrapping_add(readonly);
        buf.extend_from_slice(
            format!(
                "mapped: {}K    writeable/private: {}K    shared: {}K\n",
                mapped >> 10,
                writeable >> 10,
                shared >> 10
            )
            .as_bytes(),
        );
    }
}

/// Print what `pmap [options] PID` prints for one process.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    Session::default().render(snap, opts, out)
}

/// The options pmap refuses to combine, as its error says; `None` when they are fine.
pub fn conflict(opts: &ViewOptions) -> Option<&'static str> {
    let n = u8::from(opts.extended) + u8::from(opts.extra > 0) + u8::from(opts.device);
    (n > 1).then_some(
        "-x, -X and -d cannot be combined in the pmap output (pmap refuses them too); \
         drop --pmap to see them together in vasmap's table",
    )
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
        // A command line of NULs only is an empty string, not [comm].
        assert_eq!(header_command(&info(b"\0", b"x"), true, false), b"");
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

    #[test]
    fn conflicting_views() {
        let mut o = ViewOptions::default();
        assert!(conflict(&o).is_none());
        o.extended = true;
        o.quiet = true;
        assert!(conflict(&o).is_none());
        o.device = true;
        assert!(conflict(&o).is_some());
    }
}
