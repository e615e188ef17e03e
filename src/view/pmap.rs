//! Byte for byte what procps-ng pmap 4.0.2 prints (its `src/pmap.c` and the library's
//! `escape.c`/`readproc.c`), for every view: default, `-x`, `-X`, `-XX`, `-d`, with `-q`,
//! `-p` and `-A`. Quirks a script could depend on are reproduced; where pmap prints garbage
//! (names longer than its 1024-byte line buffer) the row is printed correctly instead.
//! Every difference is listed in `docs/pmap-compat.md`.

use std::io::{self, Write};

use crate::model::{FieldId, Kind, ProcessInfo, Region, SmapsRecord, Snapshot};
use crate::view::ViewOptions;
use crate::view::numfmt::{dec_width, hex_width, push_dec, push_hex, push_right};
use crate::view::packed::Packed;

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

/// `%016lx %Nlu`: how a row of the default, `-x` and `-d` views begins, the address and
/// the size in kB right-aligned in `size_width` columns.
#[inline]
fn push_row_start(buf: &mut Vec<u8>, r: &Region, size_width: usize) {
    push_hex(buf, r.start, 16);
    buf.push(b' ');
    push_dec(buf, r.size() >> 10, size_width);
}

/// `%s %s\n`: how a row of the default and `-x` views ends, the mode and the name.
#[inline]
fn push_mode_and_name(buf: &mut Vec<u8>, r: &Region, process: &ProcessInfo, show_path: bool) {
    buf.extend_from_slice(&r.perms.as_pmap());
    buf.push(b' ');
    mapping_name(r, process, show_path, buf);
    buf.push(b'\n');
}

/// The name column of the default, `-x` and `-d` views, as pmap's `mapping_name` computes
/// it from the maps line after turning every byte that is not printable ASCII into `?`.
fn mapping_name(r: &Region, process: &ProcessInfo, show_path: bool, out: &mut Vec<u8>) {
    if let Kind::SysvShm { .. } = r.kind {
        out.extend_from_slice(b"  [ shmid=0x");
        push_hex(out, r.inode, 0);
        out.extend_from_slice(b" ]");
        return;
    }
    // Printable ASCII stays, every other byte is `?` (never a '/', so the slashes found
    // in the raw name are the ones pmap finds).
    let push_printable = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(
            bytes
                .iter()
                .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' }),
        );
    };
    let name = &r.name[..];
    // pmap looks for '/' in the whole line; the fixed columns never hold one, so any '/'
    // is in the name, including in a non-path name such as `[anon:a/b]`.
    if let Some(last) = memchr::memrchr(b'/', name) {
        if show_path {
            let first = memchr::memchr(b'/', name).unwrap_or(last);
            push_printable(out, &name[first..]);
        } else if last + 1 < name.len() {
            push_printable(out, &name[last + 1..]);
        } else {
            out.push(b'/');
        }
        return;
    }
    // "[ stack ]" for the mapping holding startstack, end inclusive as in pmap.
    let holds_stack = process
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

/// The fields of one smaps record that `-X` (`extra == 1`) or `-XX` shows, in the
/// kernel's order; `names` are the field names its ids index.
pub fn record_fields(rec: &SmapsRecord, names: &[String], extra: u8) -> Vec<(String, FieldId)> {
    rec.fields
        .iter()
        .filter_map(|&(id, _)| {
            let name = names.get(usize::from(id))?;
            (extra >= 2 || !is_unimportant(name)).then(|| (name.clone(), id))
        })
        .collect()
}

/// The smaps fields `-X` (`extra == 1`) or `-XX` shows, in the kernel's order, as field
/// names. Shared with the table view.
pub fn extra_fields(snap: &Snapshot, extra: u8) -> Vec<(String, FieldId)> {
    match snap.regions.iter().find_map(|r| r.smaps.as_ref()) {
        Some(first) => record_fields(first, &snap.smaps_fields, extra),
        None => Vec::new(),
    }
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
        let mut view = self.begin(&snap.process, opts, zombie);
        for r in &snap.regions {
            view.region(r, &snap.smaps_fields, out)?;
        }
        view.finish(out)
    }

    /// Start printing one process region by region, as they are read (see
    /// [`crate::read::proc::ProcDir::visit_regions`]): give each to [`PmapView::region`],
    /// then call [`PmapView::finish`]. The output is the same as [`Session::render`] of a
    /// snapshot of those regions.
    pub fn begin<'a>(
        &'a mut self,
        process: &'a ProcessInfo,
        opts: &'a ViewOptions,
        zombie: bool,
    ) -> PmapView<'a> {
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        write_header(process, opts, zombie, &mut buf);
        let state = if opts.extra > 0 {
            State::Extra(Box::default())
        } else if opts.extended {
            if !opts.quiet {
                buf.extend_from_slice(b"Address           Kbytes     RSS   Dirty Mode  Mapping\n");
            }
            State::Extended {
                size: 0,
                rss: 0,
                dirty: 0,
                past_range: false,
            }
        } else if opts.device {
            if !opts.quiet {
                buf.extend_from_slice(
                    b"Address           Kbytes Mode  Offset           Device    Mapping\n",
                );
            }
            State::Device {
                shared: 0,
                writeable: 0,
                readonly: 0,
            }
        } else {
            State::Default { total: 0 }
        };
        PmapView {
            session: self,
            process,
            opts,
            buf,
            state,
        }
    }
}

/// The output is handed to the writer in pieces of about this size.
const FLUSH_AT: usize = 64 * 1024;

/// Per-view running state of a [`PmapView`].
enum State {
    Default {
        total: u64,
    },
    Extended {
        size: u64,
        rss: u64,
        dirty: u64,
        /// A mapping above the `-A` range was seen: pmap stops there.
        past_range: bool,
    },
    Device {
        shared: u64,
        writeable: u64,
        readonly: u64,
    },
    Extra(Box<ExtraState>),
}

/// `-X`/`-XX` must measure every row before printing the first (its column widths come
/// from the data), which pmap does by reading smaps twice. Here the rows are read once
/// and kept packed (a few dozen bytes each, see [`Packed`]) until the widths are known.
#[derive(Default)]
struct ExtraState {
    rows: Packed,
    /// The field id of each column, looked up again when new field names appear.
    ids: Vec<Option<FieldId>>,
    /// Where in a record's field list each column's field was found last.
    hints: Vec<usize>,
    names_seen: usize,
    w1: usize,
    w2: usize,
    w3: usize,
    w4: usize,
    w5: usize,
    wv: usize,
    has_vmflags: bool,
}

/// One process being printed region by region; see [`Session::begin`].
pub struct PmapView<'a> {
    session: &'a mut Session,
    process: &'a ProcessInfo,
    opts: &'a ViewOptions,
    buf: Vec<u8>,
    state: State,
}

impl PmapView<'_> {
    /// Print (or, for `-X`, measure and keep) one region. `field_names` are the smaps
    /// field names its record's ids index.
    pub fn region(
        &mut self,
        r: &Region,
        field_names: &[String],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let opts = self.opts;
        let buf = &mut self.buf;
        match &mut self.state {
            State::Default { total } => {
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                *total = total.wrapping_add(r.size());
                // `%016lx %6luK %s %s`
                push_row_start(buf, r, 6);
                buf.extend_from_slice(b"K ");
                push_mode_and_name(buf, r, self.process, opts.show_path);
            }
            State::Extended {
                size,
                rss,
                dirty,
                past_range,
            } => {
                // As in pmap 4.0.2 with `-A`, the Kbytes total covers the range but the
                // RSS and Dirty totals cover every mapping up to the end of the range,
                // those below it included (pmap adds them up before it checks the range).
                let high = opts.range.map_or(u64::MAX, |a| a.high);
                if *past_range || r.start > high {
                    *past_range = true;
                    return Ok(());
                }
                let (r_rss, r_dirty) = r.smaps.as_ref().map_or((0, 0), |s| (s.rss, s.dirty()));
                *rss = rss.wrapping_add(r_rss);
                *dirty = dirty.wrapping_add(r_dirty);
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                *size = size.wrapping_add(r.size());
                // pmap prints a row when it reaches the mapping's `Swap:` line.
                let has_swap = match &r.smaps {
                    None => true,
                    Some(s) => s.fields.iter().any(|&(id, _)| {
                        field_names
                            .get(usize::from(id))
                            .is_some_and(|n| n == "Swap")
                    }),
                };
                if !has_swap {
                    return Ok(());
                }
                push_row_start(buf, r, 7);
                buf.push(b' ');
                push_dec(buf, r_rss, 7);
                buf.push(b' ');
                push_dec(buf, r_dirty, 7);
                buf.push(b' ');
                push_mode_and_name(buf, r, self.process, opts.show_path);
            }
            State::Device {
                shared,
                writeable,
                readonly,
            } => {
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                let size = r.size();
                if r.perms.shared {
                    *shared = shared.wrapping_add(size);
                } else if r.perms.write {
                    *writeable = writeable.wrapping_add(size);
                } else {
                    *readonly = readonly.wrapping_add(size);
                }
                // `%016lx %7lu %s %016llx %03x:%05x `
                push_row_start(buf, r, 7);
                buf.push(b' ');
                buf.extend_from_slice(&r.perms.as_pmap());
                buf.push(b' ');
                push_hex(buf, r.offset, 16);
                buf.push(b' ');
                push_hex(buf, u64::from(r.dev_major), 3);
                buf.push(b':');
                push_hex(buf, u64::from(r.dev_minor), 5);
                buf.push(b' ');
                mapping_name(r, self.process, opts.show_path, buf);
                buf.push(b'\n');
            }
            State::Extra(x) => {
                let session = &mut *self.session;
                extra_region(session, x, r, field_names, opts);
            }
        }
        if self.buf.len() >= FLUSH_AT {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Print what is left: `-X`'s rows, and the footer.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        let opts = self.opts;
        let buf = &mut self.buf;
        match &mut self.state {
            State::Default { total } => {
                if !opts.quiet {
                    buf.extend_from_slice(b" total ");
                    push_dec(buf, *total >> 10, 16);
                    buf.extend_from_slice(b"K\n");
                }
            }
            State::Extended {
                size, rss, dirty, ..
            } => {
                if !opts.quiet {
                    buf.extend_from_slice(b"---------------- ------- ------- ------- \n");
                    buf.extend_from_slice(b"total kB         ");
                    push_dec(buf, *size >> 10, 7);
                    buf.push(b' ');
                    push_dec(buf, *rss, 7);
                    buf.push(b' ');
                    push_dec(buf, *dirty, 7);
                    buf.push(b'\n');
                }
            }
            State::Device {
                shared,
                writeable,
                readonly,
            } => {
                if !opts.quiet {
                    let mapped = shared.wrapping_add(*writeable).wrapping_add(*readonly);
                    buf.extend_from_slice(b"mapped: ");
                    push_dec(buf, mapped >> 10, 0);
                    buf.extend_from_slice(b"K    writeable/private: ");
                    push_dec(buf, *writeable >> 10, 0);
                    buf.extend_from_slice(b"K    shared: ");
                    push_dec(buf, *shared >> 10, 0);
                    buf.extend_from_slice(b"K\n");
                }
            }
            State::Extra(x) => {
                // The rows are printed here: flush the header line first.
                out.write_all(buf)?;
                buf.clear();
                extra_finish(self.session, x, opts, buf, out)?;
            }
        }
        out.write_all(&self.buf)
    }
}

/// `-X`/`-XX`, first pass (pmap's `print_extended_maps`): measure one region and keep its
/// row. pmap 4.0.2 ignores `-A` here: every mapping is printed and totalled.
fn extra_region(
    session: &mut Session,
    x: &mut ExtraState,
    r: &Region,
    field_names: &[String],
    opts: &ViewOptions,
) {
    let q = opts.quiet;
    if session.columns.is_none() {
        let cols = r
            .smaps
            .as_ref()
            .map(|s| record_fields(s, field_names, opts.extra))
            .unwrap_or_default()
            .into_iter()
            .map(|(name, _)| FieldColumn {
                width: if q { 0 } else { name.len() },
                name,
                total: 0,
            })
            .collect();
        session.columns = Some(cols);
    }
    let Some(cols) = session.columns.as_mut() else {
        return;
    };
    if x.names_seen != field_names.len() || x.ids.len() != cols.len() {
        x.ids = cols
            .iter()
            .map(|c| {
                field_names
                    .iter()
                    .position(|n| *n == c.name)
                    .and_then(|i| FieldId::try_from(i).ok())
            })
            .collect();
        x.names_seen = field_names.len();
    }
    // `%08lx` and `%02x:%02x` take at least 8 and 5 characters.
    x.w1 = x.w1.max(hex_width(r.start).max(8));
    x.w2 = x.w2.max(4);
    x.w3 = x.w3.max(hex_width(r.offset).max(8));
    let dev_width =
        hex_width(u64::from(r.dev_major)).max(2) + 1 + hex_width(u64::from(r.dev_minor)).max(2);
    x.w4 = x.w4.max(dev_width);
    x.w5 = x.w5.max(dec_width(r.inode));
    let rows = &mut x.rows;
    rows.push_u64(r.start);
    rows.push_u64(u64::from(u32::from_le_bytes(r.perms.as_maps())));
    rows.push_u64(r.offset);
    rows.push_u64(u64::from(r.dev_major));
    rows.push_u64(u64::from(r.dev_minor));
    rows.push_u64(r.inode);
    let sm = r.smaps.as_ref();
    x.hints.resize(cols.len(), 0);
    for ((c, id), hint) in cols.iter_mut().zip(&x.ids).zip(x.hints.iter_mut()) {
        // Every record has its fields in the same order: look where this one was last.
        let v = match (sm, id) {
            (Some(s), Some(id)) => match s.fields.get(*hint) {
                Some(&(f, v)) if f == *id => v,
                _ => match s.fields.iter().position(|(f, _)| f == id) {
                    Some(p) => {
                        *hint = p;
                        s.fields[p].1
                    }
                    None => 0,
                },
            },
            _ => 0,
        };
        c.total = c.total.wrapping_add(v);
        if q {
            c.width = c.width.max(dec_width(v));
        }
        rows.push_u64(v);
    }
    // The VmFlags text as pmap shows it: the flags, one space between, at most 127 bytes.
    match sm.filter(|s| s.has_vm_flags) {
        Some(s) => {
            x.has_vmflags = true;
            let len = (s.vm_flags.len() * 3).saturating_sub(1).min(127);
            x.wv = x.wv.max(len);
            rows.push_u64(s.vm_flags.len() as u64);
            for f in &s.vm_flags {
                rows.push_u64(u64::from(u16::from_le_bytes(*f)));
            }
        }
        None => rows.push_u64(0),
    }
    // pmap reads the name with `%127[^\n]`: at most 127 bytes, exactly as the kernel
    // wrote them (no `?` here), then takes what follows the last '/'.
    let desc = &r.name[..r.name.len().min(127)];
    let shown = if opts.show_path {
        desc
    } else {
        match memchr::memrchr(b'/', desc) {
            Some(i) => &desc[i + 1..],
            None => desc,
        }
    };
    rows.push_bytes(shown);
    rows.end_row();
}

/// `-X`/`-XX`, second pass: the header, every kept row, the footer.
fn extra_finish(
    session: &mut Session,
    x: &mut ExtraState,
    opts: &ViewOptions,
    buf: &mut Vec<u8>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let q = opts.quiet;
    let any = x.rows.rows() > 0;
    let mut cols = session.columns.take().unwrap_or_default();
    if any && !q {
        for c in cols.iter_mut() {
            c.width = c.width.max(dec_width(c.total));
        }
    }
    let show_vmflags = x.has_vmflags && opts.extra >= 2;
    let (mut w1, mut w2, mut w3, mut w4, mut w5, mut wv) = (x.w1, x.w2, x.w3, x.w4, x.w5, x.wv);
    if any && !q {
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
    let mut rd = x.rows.reader();
    let mut flags = Vec::with_capacity(128);
    let mut dev = Vec::with_capacity(16);
    for _ in 0..x.rows.rows() {
        let start = rd.u64();
        let perms = u32::try_from(rd.u64()).unwrap_or(0).to_le_bytes();
        let offset = rd.u64();
        let (major, minor) = (rd.u64(), rd.u64());
        let inode = rd.u64();
        // `{start:>w1$}` of `{:08x}`: padded with spaces to the width, zeros to 8.
        push_right_hex(buf, start, 8, w1);
        buf.push(b' ');
        push_right(buf, &perms, w2);
        buf.push(b' ');
        push_right_hex(buf, offset, 8, w3);
        buf.push(b' ');
        dev.clear();
        push_hex(&mut dev, major, 2);
        dev.push(b':');
        push_hex(&mut dev, minor, 2);
        push_right(buf, &dev, w4);
        buf.push(b' ');
        push_dec(buf, inode, w5);
        for c in &cols {
            buf.push(b' ');
            push_dec(buf, rd.u64(), c.width);
        }
        let n = rd.u64();
        flags.clear();
        for i in 0..n {
            if i > 0 {
                flags.push(b' ');
            }
            let f = u16::try_from(rd.u64()).unwrap_or(0).to_le_bytes();
            flags.extend_from_slice(&f);
        }
        flags.truncate(127);
        if show_vmflags {
            buf.push(b' ');
            push_right(buf, &flags, wv);
        }
        buf.push(b' ');
        let shown = rd.bytes();
        if opts.terminal {
            push_terminal_safe(buf, shown);
        } else {
            buf.extend_from_slice(shown);
        }
        buf.push(b'\n');
        if buf.len() >= FLUSH_AT {
            out.write_all(buf)?;
            buf.clear();
        }
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
            push_dec(buf, c.total, c.width);
            buf.push(b' ');
        }
        buf.extend_from_slice(b"KB \n");
    }
    session.columns = Some(cols);
    Ok(())
}

/// `v` as `{:08x}`-style hex (zero-padded to `zeros` digits), right-aligned in `width`.
fn push_right_hex(buf: &mut Vec<u8>, v: u64, zeros: usize, width: usize) {
    let digits = hex_width(v).max(zeros);
    buf.extend(std::iter::repeat_n(b' ', width.saturating_sub(digits)));
    push_hex(buf, v, zeros);
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
