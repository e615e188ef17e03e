//! Making a row of the table: each cell's text formatted once, in column order, at the
//! end of the [`RowStore`](crate::view::spool::RowStore) (see the module docs of
//! [`super`]), each measured for its column as it is made.

use std::io;

use super::Table;
use crate::model::{Explanation, Kind, Region};
use crate::view::grid::{begin_cell, end_cell, short_cell, width_of};
use crate::view::numfmt::{hex16, push_dec, push_hex};

/// Append the name cell: printable ASCII as it is (most names), anything else escaped; an
/// unnamed thread stack shows its thread. Returns its width when that is not its length.
///
/// The common cases inline (no name, a plain one: every row of the table comes here),
/// the rest out of line.
#[inline(always)]
pub(super) fn push_name(buf: &mut Vec<u8>, r: &Region, show_path: bool) -> Option<usize> {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    if raw.is_empty() {
        if let Kind::ThreadStack { tid } = r.kind {
            push_tid(buf, tid);
        }
        None
    } else if is_plain(raw) {
        buf.extend_from_slice(raw);
        None
    } else {
        push_escaped(buf, r, raw)
    }
}

/// An unnamed thread stack's name: `(tid 123)`.
#[cold]
#[inline(never)]
fn push_tid(buf: &mut Vec<u8>, tid: i32) {
    buf.extend_from_slice(b"(tid ");
    crate::view::numfmt::push_idec(buf, i64::from(tid), 0);
    buf.push(b')');
}

/// [`push_name`] of a name that is escaped: its width.
#[cold]
#[inline(never)]
fn push_escaped(buf: &mut Vec<u8>, r: &Region, raw: &[u8]) -> Option<usize> {
    let e = r.escape_name_part(raw);
    buf.extend_from_slice(e.as_bytes());
    Some(width_of(e.as_bytes()))
}

/// True for a name shown as it is: printable ASCII, no backslash, no space at either end.
#[inline]
pub(super) fn is_plain(raw: &[u8]) -> bool {
    raw.first() != Some(&b' ') && raw.last() != Some(&b' ') && crate::text::is_plain_ascii(raw)
}

/// Which permission letters are `?` (a core does not record them), as
/// [`Table::unknown_perms`](super::Table) keeps them: 1 private/shared, 2 readable, 4 all.
#[inline]
pub(super) fn unknown_perms(letters: [u8; 4]) -> u8 {
    if letters == *b"????" {
        4
    } else {
        u8::from(letters[0] == b'?') << 1 | u8::from(letters[3] == b'?')
    }
}

/// A figure in kB (`123K`; `None`: no figure was read, a `-`).
#[inline]
fn kb_cell(p: &mut Vec<u8>, v: Option<u64>) {
    match v {
        Some(v) => {
            push_dec(p, v, 0);
            p.push(b'K');
        }
        None => p.push(b'-'),
    }
}

/// The address cell: always sixteen digits, header and text in one fixed-size append.
#[inline(always)]
pub(super) fn push_address_cell(p: &mut Vec<u8>, start: u64) {
    let mut addr = [0; 17];
    addr[1..].copy_from_slice(&hex16(start));
    p.extend_from_slice(&short_cell(addr));
}

/// The size cell (`123K`).
#[inline(always)]
pub(super) fn push_size_cell(p: &mut Vec<u8>, kb: u64) {
    let at = begin_cell(p);
    kb_cell(p, Some(kb));
    end_cell(p, at, None);
}

/// The permissions cell, header and text in one append; W+X is flagged in the text too,
/// so it shows without colour. Returns its width.
#[inline(always)]
pub(super) fn push_perm_cell(p: &mut Vec<u8>, [a, b, c, d]: [u8; 4], wx: bool) -> usize {
    if wx {
        p.extend_from_slice(&short_cell([0, a, b, c, d, b' ', b'W', b'+', b'X']));
        8
    } else {
        p.extend_from_slice(&short_cell([0, a, b, c, d]));
        4
    }
}

/// The demo's mark's text (`◀ ` and the mark; nothing without one): its width when it
/// has one.
#[inline(always)]
pub(super) fn push_mark(p: &mut Vec<u8>, mark: Option<&str>) -> Option<usize> {
    let m = mark.filter(|m| !m.is_empty())?;
    p.extend_from_slice("◀ ".as_bytes());
    p.extend_from_slice(m.as_bytes());
    Some(2 + width_of(m.as_bytes()))
}

/// How much of a mapping a core dump holds.
fn in_core(r: &Region) -> &'static str {
    match r.dumped {
        Some(d) if d.bytes == 0 => "none",
        Some(d) if d.bytes >= r.size() => "all",
        Some(_) => "part",
        None => "",
    }
}

impl Table<'_> {
    /// Add a row for `r`: its totals, and its cells' text measured and kept.
    pub(super) fn add(
        &mut self,
        r: &Region,
        mark: Option<&str>,
        explain: Option<&Explanation>,
    ) -> io::Result<()> {
        self.totals.add(r);
        if r.perms.shared {
            self.shared_kb = self.shared_kb.saturating_add(r.size_kb());
        } else if r.perms.write {
            self.writeable_kb = self.writeable_kb.saturating_add(r.size_kb());
        }
        if let Some(s) = &r.smaps {
            self.any_smaps = true;
            for (i, (_, id)) in self.fields.iter().enumerate() {
                if let Some(v) = s.get(*id) {
                    self.sums[i] = self.sums[i].saturating_add(v);
                }
            }
        }
        if self.basic {
            return self.add_basic(r, mark);
        }
        let text = explain.map(|e| e.text.as_str());
        let (p, start) = self.rows.begin_row();
        p.reserve(64 + r.name.len() * 4 + text.map_or(0, str::len) + mark.map_or(0, str::len));
        p.push(crate::view::color::paint_of(r) as u8 + 1);
        let sm = r.smaps.as_ref();
        let (grid, has) = (&mut self.grid, &self.has);
        let mut i = 0;
        // One cell, in column order (the order `Table::new` adds the columns in):
        // `$fill` appends its text and says its width when that is not its length.
        macro_rules! cell {
            ($fill:block) => {{
                let at = begin_cell(p);
                let wide: Option<usize> = $fill;
                let w = wide.unwrap_or(p.len() - at - 1);
                end_cell(p, at, wide);
                grid.measure(i, w);
                i += 1;
            }};
        }
        push_address_cell(p, r.start);
        grid.measure(i, 16);
        i += 1;
        cell!({
            kb_cell(p, Some(r.size_kb()));
            None
        });
        if has.x {
            cell!({
                kb_cell(p, sm.map(|s| s.rss));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.pss));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.dirty()));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.swap));
                None
            });
        }
        for &(id, plain) in &has.fields {
            cell!({
                if let Some(v) = sm.and_then(|s| s.get(id)) {
                    push_dec(p, v, 0);
                    if !plain {
                        p.push(b'K');
                    }
                }
                None
            });
        }
        let letters = r.perm_letters();
        self.unknown_perms |= unknown_perms(letters);
        grid.measure(i, push_perm_cell(p, letters, r.perms.is_wx()));
        i += 1;
        if has.in_core {
            cell!({
                p.extend_from_slice(in_core(r).as_bytes());
                None
            });
        }
        if has.device {
            cell!({
                push_hex(p, r.offset, 8);
                None
            });
            cell!({
                push_hex(p, u64::from(r.dev_major), 2);
                p.push(b':');
                push_hex(p, u64::from(r.dev_minor), 2);
                None
            });
        }
        cell!({
            p.extend_from_slice(r.kind.label().as_bytes());
            // A kind a core dump did not record but vasmap inferred gets a `*`.
            if r.dumped.is_some_and(|d| d.kind_inferred) {
                p.push(b'*');
                self.inferred = true;
            }
            None
        });
        if has.vm_flags {
            cell!({
                let flags = sm.map_or(&[][..], |s| &s.vm_flags);
                for (j, f) in flags.iter().enumerate() {
                    if j > 0 {
                        p.push(b' ');
                    }
                    p.extend_from_slice(f);
                }
                None
            });
        }
        cell!({ push_name(p, r, self.opts.show_path) });
        cell!({ push_mark(p, mark) });
        if has.explain {
            cell!({
                let e = text.unwrap_or("");
                p.extend_from_slice(e.as_bytes());
                Some(width_of(e.as_bytes()))
            });
        }
        debug_assert_eq!(i, self.shows.len(), "a cell for every column");
        let at = self.rows.end_row(start)?;
        if let Some(order) = &mut self.order {
            order.push((self.opts.select.sort.value(r), r.start, at));
        }
        Ok(())
    }
}
