//! pmap's `-X`-style view (`print_extended_maps` in `src/pmap.c`): `-X`, `-XX` and the
//! rc-file mode (`-c`, `-C FILE`), which differ only in their columns (see `fields.rs`).
//!
//! The column widths come from the data, so every row is measured before the first is
//! printed: pmap reads smaps twice for it, vasmap reads it once and keeps the rows packed
//! (a few dozen bytes each, see [`Packed`]) until the widths are known. The column list,
//! its widths and its totals live in the [`Session`] for the whole run, as pmap keeps
//! them in a global list: the second pid's footer includes the first's figures.

use std::io::{self, Write};

use super::fields::{Columns, is_unimportant};
use super::header::push_terminal_safe;
use super::{FLUSH_AT, Session};
use crate::model::{FieldId, Region, SmapsRecord, Snapshot};
use crate::view::ViewOptions;
use crate::view::numfmt::{dec_width, hex_width, push_dec, push_hex, push_right};
use crate::view::packed::Packed;

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
pub(super) struct FieldColumn {
    name: String,
    width: usize,
    total: u64,
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

/// The fields of one smaps record that `shown` enables, in the kernel's order.
fn selected_fields(rec: &SmapsRecord, names: &[String], shown: Columns) -> Vec<(String, FieldId)> {
    rec.fields
        .iter()
        .filter_map(|&(id, _)| {
            let name = names.get(usize::from(id))?;
            shown.shows(name).then(|| (name.clone(), id))
        })
        .collect()
}

/// The column choice of this run: `-X`, `-XX` or an rc file's.
fn columns(opts: &ViewOptions) -> Columns<'_> {
    Columns {
        extra: opts.extra,
        rc: opts.pmap_fields.as_ref(),
    }
}

/// The smaps fields `-X` (`extra == 1`) or `-XX` shows, in the kernel's order, as field
/// names. Shared with the table view.
pub fn extra_fields(snap: &Snapshot, extra: u8) -> Vec<(String, FieldId)> {
    match snap.regions.iter().find_map(|r| r.smaps.as_ref()) {
        Some(first) => record_fields(first, &snap.smaps_fields, extra),
        None => Vec::new(),
    }
}

/// `-X`/`-XX` must measure every row before printing the first (its column widths come
/// from the data), which pmap does by reading smaps twice. Here the rows are read once
/// and kept packed (a few dozen bytes each, see [`Packed`]) until the widths are known.
#[derive(Default)]
pub(super) struct ExtraState {
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

/// `-X`/`-XX`, first pass (pmap's `print_extended_maps`): measure one region and keep its
/// row. pmap 4.0.2 ignores `-A` here: every mapping is printed and totalled.
pub(super) fn extra_region(
    session: &mut Session,
    x: &mut ExtraState,
    r: &Region,
    field_names: &[String],
    opts: &ViewOptions,
) {
    let q = opts.quiet;
    if session.columns.is_none() {
        let shown = columns(opts);
        let cols = r
            .smaps
            .as_ref()
            .map(|s| selected_fields(s, field_names, shown))
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
pub(super) fn extra_finish(
    session: &mut Session,
    x: &mut ExtraState,
    opts: &ViewOptions,
    buf: &mut Vec<u8>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let q = opts.quiet;
    let any = x.rows.rows() > 0;
    // No list until a process had a mapping (pmap builds it from the first one it reads):
    // a kernel thread first leaves it to the next pid.
    let mut list = session.columns.take();
    let cols = list.as_deref_mut().unwrap_or(&mut []);
    if any && !q {
        for c in cols.iter_mut() {
            c.width = c.width.max(dec_width(c.total));
        }
    }
    let shown = columns(opts);
    let [perm, offset, device, inode, mapping] =
        ["Perm", "Offset", "Device", "Inode", "Mapping"].map(|c| shown.shows(c));
    let show_vmflags = x.has_vmflags && shown.shows("VmFlags");
    let (mut w1, mut w2, mut w3, mut w4, mut w5, mut wv) = (x.w1, x.w2, x.w3, x.w4, x.w5, x.wv);
    if any && !q {
        w1 = justify(buf, "Address", w1, true);
        for (on, name, w) in [
            (perm, "Perm", &mut w2),
            (offset, "Offset", &mut w3),
            (device, "Device", &mut w4),
            (inode, "Inode", &mut w5),
        ] {
            if on {
                *w = justify(buf, name, *w, true);
            }
        }
        for c in cols.iter() {
            justify(buf, &c.name, c.width, true);
        }
        if show_vmflags {
            wv = justify(buf, "VmFlags", wv, true);
        }
        if mapping {
            justify(buf, "Mapping", 0, false);
        } else {
            buf.push(b'\n');
        }
    }
    let mut rd = x.rows.reader();
    let mut flags = Vec::with_capacity(128);
    let mut dev = Vec::with_capacity(16);
    for _ in 0..x.rows.rows() {
        let start = rd.u64();
        let perms = u32::try_from(rd.u64()).unwrap_or(0).to_le_bytes();
        let offset_value = rd.u64();
        let (major, minor) = (rd.u64(), rd.u64());
        let inode_value = rd.u64();
        // `{start:>w1$}` of `{:08x}`: padded with spaces to the width, zeros to 8.
        push_right_hex(buf, start, 8, w1);
        if perm {
            buf.push(b' ');
            push_right(buf, &perms, w2);
        }
        if offset {
            buf.push(b' ');
            push_right_hex(buf, offset_value, 8, w3);
        }
        if device {
            buf.push(b' ');
            dev.clear();
            push_hex(&mut dev, major, 2);
            dev.push(b':');
            push_hex(&mut dev, minor, 2);
            push_right(buf, &dev, w4);
        }
        if inode {
            buf.push(b' ');
            push_dec(buf, inode_value, w5);
        }
        for c in cols.iter() {
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
        let name = rd.bytes();
        if mapping {
            buf.push(b' ');
            if opts.terminal {
                push_terminal_safe(buf, name);
            } else {
                buf.extend_from_slice(name);
            }
        }
        buf.push(b'\n');
        if buf.len() >= FLUSH_AT {
            out.write_all(buf)?;
            buf.clear();
        }
    }
    if !q && !cols.is_empty() {
        // Address, then each fixed column shown, and one space after each.
        let gap = [
            (true, w1),
            (perm, w2),
            (offset, w3),
            (device, w4),
            (inode, w5),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| w + 1)
        .sum();
        buf.extend(std::iter::repeat_n(b' ', gap));
        for c in cols.iter() {
            buf.extend(std::iter::repeat_n(b'=', c.width));
            buf.push(b' ');
        }
        buf.push(b'\n');
        buf.extend(std::iter::repeat_n(b' ', gap));
        for c in cols.iter() {
            push_dec(buf, c.total, c.width);
            buf.push(b' ');
        }
        buf.extend_from_slice(b"KB \n");
    }
    session.columns = list;
    Ok(())
}

/// `v` as `{:08x}`-style hex (zero-padded to `zeros` digits), right-aligned in `width`.
fn push_right_hex(buf: &mut Vec<u8>, v: u64, zeros: usize, width: usize) {
    let digits = hex_width(v).max(zeros);
    buf.extend(std::iter::repeat_n(b' ', width.saturating_sub(digits)));
    push_hex(buf, v, zeros);
}
