//! A grid of text cells laid out to fit a width: the table's engine.
//!
//! Rows are added one at a time and kept packed in a [`RowStore`] (a few dozen bytes a
//! row, spilling to a temporary file past a few MiB), while each column's widest cell is
//! measured. Once every row is in, [`Grid::plan`] decides what fits the width and
//! [`Grid::write`] prints. When the natural widths do not fit, in this order:
//! 1. a [`Fit::Wrap`] column (`--explain`'s words) that does not fit whole moves to an
//!    indented line under its row, wrapped at spaces;
//! 2. [`Fit::Drop`] columns go, lowest priority first, until the name column has at
//!    least [`NAME_FLOOR`] columns (the caller says which were left out and how to see
//!    them);
//! 3. the [`Fit::Middle`] column (the name) is shortened in the middle with `…`, keeping
//!    its end (the basename is what people read), and a [`Fit::Words`] column (the demo's
//!    mark) loses whole words from its end.
//!
//! No other cell is ever cut: a number, a permission or a kind is shown whole or its
//! column is left out. Without a width (a pipe) every column is as wide as it needs.
//!
//! Why not comfy-table, which lays out vasmap's smaller tables: it wraps a cell that does
//! not fit onto several lines (splitting words and numbers), it cannot shorten in the
//! middle or leave a column out, and it keeps about 1.6 KB per row (100 MB for 60,000
//! mappings) where this keeps the packed cells.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::view::numfmt::push_right;
use crate::view::spool::RowStore;

/// The fewest columns the name keeps before optional columns are left out, at 80
/// columns and wider; narrower terminals keep fewer (see [`name_floor`]).
pub const NAME_FLOOR: usize = 20;

/// The name's floor at `width`: 20 columns from 80 up, down to 12 at 60, so that a narrow
/// terminal keeps a figure the user asked for rather than a longer name.
pub fn name_floor(width: usize) -> usize {
    (width.saturating_sub(40) / 2).clamp(12, NAME_FLOOR)
}
/// The fewest columns a shortened name keeps at all.
pub const NAME_MIN: usize = 8;

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// What may happen to a column that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Always shown whole.
    Keep,
    /// Left out when the width runs short; lower priorities go first.
    Drop(u8),
    /// Shortened in the middle with `…` (the name).
    Middle,
    /// Loses whole words from its end, down to its first word (the demo's mark).
    Words,
    /// Shown as a column when it fits whole, else on an indented line under its row.
    Wrap,
}

/// One column.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub align: Align,
    pub fit: Fit,
}

/// What [`Grid::plan`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Per column: its width, or `None` when it is left out (or wraps under its row).
    pub widths: Vec<Option<usize>>,
    /// The wrap column goes under its row.
    pub wrap_under: bool,
    /// The headers of the [`Fit::Drop`] columns left out.
    pub dropped: Vec<String>,
    /// The width every column would need (names at [`NAME_FLOOR`]), when some were left
    /// out.
    pub needed: usize,
    /// The width fitted (`None`: none).
    pub limit: Option<usize>,
}

/// A grid; see the module docs.
pub struct Grid {
    columns: Vec<Column>,
    natural: Vec<usize>,
    rows: RowStore,
    row: Vec<u8>,
    cells_in_row: usize,
}

/// The display width of escaped text (printable ASCII is one column a byte).
pub fn width_of(text: &[u8]) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    std::str::from_utf8(text).map_or(text.len(), UnicodeWidthStr::width)
}

fn push_varint(buf: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn take_varint(buf: &mut &[u8]) -> usize {
    let mut v = 0usize;
    let mut shift = 0;
    while let Some((&b, rest)) = buf.split_first() {
        *buf = rest;
        if shift < usize::BITS {
            v |= usize::from(b & 0x7f) << shift;
        }
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

/// Take one cell of a packed row.
fn take_cell<'a>(buf: &mut &'a [u8]) -> &'a [u8] {
    let n = take_varint(buf).min(buf.len());
    let (cell, rest) = buf.split_at(n);
    *buf = rest;
    cell
}

/// `text` cut to `width` columns in the middle with `…`: a third from its start, the rest
/// from its end.
pub fn shorten_middle(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let keep = width - 1;
    let head_w = keep / 3;
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_w {
            break;
        }
        head.push(c);
        used += w;
    }
    let tail_w = keep - used;
    let mut tail: Vec<char> = Vec::new();
    let mut tused = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if tused + w > tail_w {
            break;
        }
        tail.push(c);
        tused += w;
    }
    head.push('…');
    head.extend(tail.iter().rev());
    head
}

/// `text` with whole words dropped from its end until it fits `width` (its first word
/// always stays).
pub fn shorten_words(text: &str, width: usize) -> String {
    let mut out = String::new();
    for word in text.split(' ') {
        let candidate = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if !out.is_empty() && candidate.width() > width {
            break;
        }
        out = candidate;
    }
    out
}

/// `text` broken at spaces into lines of at most `width` columns (a word longer than that
/// is a line of its own, shortened in the middle).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word = shorten_middle(word, width);
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

impl Grid {
    /// An empty grid with these columns.
    pub fn new(columns: Vec<Column>, header: bool) -> Grid {
        let natural = columns
            .iter()
            .map(|c| if header { c.header.width() } else { 0 })
            .collect();
        Grid {
            columns,
            natural,
            rows: RowStore::new(),
            row: Vec::with_capacity(256),
            cells_in_row: 0,
        }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The number of rows added.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Start a row; `paint` is handed back to [`Grid::write`]'s painter (0: none).
    pub fn begin_row(&mut self, paint: u8) {
        self.row.clear();
        self.row.push(paint);
        self.cells_in_row = 0;
    }

    /// Add the next cell of the row: escaped text, one line.
    pub fn cell(&mut self, text: &[u8]) {
        let i = self.cells_in_row;
        if let Some(w) = self.natural.get_mut(i) {
            *w = (*w).max(width_of(text));
        }
        push_varint(&mut self.row, text.len());
        self.row.extend_from_slice(text);
        self.cells_in_row += 1;
    }

    /// End the row (missing cells are empty).
    pub fn end_row(&mut self) -> io::Result<()> {
        while self.cells_in_row < self.columns.len() {
            self.cell(b"");
        }
        self.rows.push(&self.row)?;
        Ok(())
    }

    /// The width of one line with these column widths: a space, then the columns two
    /// spaces apart.
    fn line_width(widths: &[Option<usize>]) -> usize {
        let shown: Vec<usize> = widths.iter().flatten().copied().collect();
        if shown.is_empty() {
            return 0;
        }
        1 + shown.iter().sum::<usize>() + 2 * (shown.len() - 1)
    }

    /// Decide what fits `width` (`None`: everything, as wide as it needs).
    pub fn plan(&self, width: Option<usize>) -> Plan {
        // A column with nothing in it (no header, every cell empty) takes no room.
        let mut widths: Vec<Option<usize>> =
            self.natural.iter().map(|&w| (w > 0).then_some(w)).collect();
        let mut plan = Plan {
            widths: Vec::new(),
            wrap_under: false,
            dropped: Vec::new(),
            needed: 0,
            limit: width,
        };
        let Some(width) = width else {
            plan.widths = widths;
            return plan;
        };
        let find = |fit: fn(&Fit) -> bool| self.columns.iter().position(|c| fit(&c.fit));
        let name = find(|f| *f == Fit::Middle);
        let wrap_col = find(|f| *f == Fit::Wrap);
        let floor = name.map_or(0, |i| self.natural[i].min(name_floor(width)));
        // The width with the name at its floor.
        let at_floor = |widths: &[Option<usize>]| {
            let mut w = widths.to_vec();
            if let Some(i) = name {
                w[i] = Some(floor);
            }
            Grid::line_width(&w)
        };
        if Grid::line_width(&widths) <= width {
            plan.widths = widths;
            return plan;
        }
        if let Some(i) = wrap_col
            && at_floor(&widths) > width
        {
            widths[i] = None;
            plan.wrap_under = true;
        }
        let everything = at_floor(&widths);
        let mut drops: Vec<(u8, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.fit {
                Fit::Drop(p) => Some((p, i)),
                _ => None,
            })
            .collect();
        drops.sort();
        for (_, i) in drops {
            if at_floor(&widths) <= width {
                break;
            }
            widths[i] = None;
            plan.dropped.push(self.columns[i].header.clone());
        }
        if !plan.dropped.is_empty() {
            plan.needed = everything;
        }
        // What is left goes to the name, keeping one column for the mark's arrow (the
        // mark then gives up words from its end).
        let mark = find(|f| *f == Fit::Words).filter(|&i| widths[i].is_some());
        if let Some(i) = name {
            widths[i] = Some(0);
            if let Some(m) = mark {
                widths[m] = Some(1);
            }
            let others = Grid::line_width(&widths);
            let room = width.saturating_sub(others);
            widths[i] = Some(room.clamp(NAME_MIN.min(self.natural[i]), self.natural[i]));
            if let Some(m) = mark {
                let left = width.saturating_sub(Grid::line_width(&widths)) + 1;
                widths[m] = Some(left.clamp(1, self.natural[m]));
            }
        }
        plan.widths = widths;
        plan
    }

    /// Print the header (when `header`), its rule, then every row as `plan` says; `paint`
    /// gives the SGR sequence that starts a row's colour (`""`: none) from its paint code.
    pub fn write(
        &mut self,
        plan: &Plan,
        header: bool,
        paint: &dyn Fn(u8) -> &'static str,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        let line_width = Grid::line_width(&plan.widths);
        let wrap_col = self.columns.iter().position(|c| c.fit == Fit::Wrap);
        if header {
            let cells: Vec<&[u8]> = self.columns.iter().map(|c| c.header.as_bytes()).collect();
            self.line(&mut buf, plan, &cells, "");
            buf.extend_from_slice("─".repeat(line_width).as_bytes());
            buf.push(b'\n');
        }
        let columns = self.columns.len();
        let columns_ref = &self.columns;
        let natural = &self.natural;
        let indent = under_indent(plan, columns_ref);
        self.rows.each(|row| {
            let mut rest = row;
            let Some((&p, tail)) = rest.split_first() else {
                return Ok(());
            };
            rest = tail;
            let mut local: Vec<&[u8]> = Vec::with_capacity(columns);
            for _ in 0..columns {
                local.push(take_cell(&mut rest));
            }
            line_of(&mut buf, plan, columns_ref, natural, &local, paint(p));
            if plan.wrap_under
                && let Some(i) = wrap_col
                && !local[i].is_empty()
            {
                let text = String::from_utf8_lossy(local[i]);
                let room = plan.limit.unwrap_or(line_width).saturating_sub(indent);
                for l in wrap(&text, room) {
                    buf.extend(std::iter::repeat_n(b' ', indent));
                    buf.extend_from_slice(l.as_bytes());
                    buf.push(b'\n');
                }
            }
            if buf.len() >= 60 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
            Ok(())
        })?;
        out.write_all(&buf)
    }

    fn line(&self, buf: &mut Vec<u8>, plan: &Plan, cells: &[&[u8]], sgr: &str) {
        line_of(buf, plan, &self.columns, &self.natural, cells, sgr);
    }
}

/// Where a line under a row starts: under the name column when that leaves 50 columns,
/// else under the second column when that leaves 40, else a small indent.
fn under_indent(plan: &Plan, columns: &[Column]) -> usize {
    let name = columns.iter().position(|c| c.fit == Fit::Middle);
    let shown: Vec<(usize, usize)> = plan
        .widths
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let start_of = |upto: usize| -> usize {
        1 + shown
            .iter()
            .take_while(|(i, _)| *i < upto)
            .map(|(_, w)| w + 2)
            .sum::<usize>()
    };
    let total = plan.limit.unwrap_or(Grid::line_width(&plan.widths));
    let at_name = name.map_or(usize::MAX, start_of);
    let at_second = shown.get(1).map_or(usize::MAX, |&(i, _)| start_of(i));
    if total.saturating_sub(at_name) >= 50 {
        at_name
    } else if total.saturating_sub(at_second) >= 40 {
        at_second
    } else {
        4
    }
}

/// One line: a space, then each shown cell padded to its column, two spaces apart, in
/// `sgr`'s colour (not the padding); trailing spaces trimmed.
fn line_of(
    buf: &mut Vec<u8>,
    plan: &Plan,
    columns: &[Column],
    natural: &[usize],
    cells: &[&[u8]],
    sgr: &str,
) {
    let start = buf.len();
    buf.push(b' ');
    let mut first = true;
    for (i, col) in columns.iter().enumerate() {
        let Some(w) = plan.widths.get(i).copied().flatten() else {
            continue;
        };
        if !first {
            buf.extend_from_slice(b"  ");
        }
        first = false;
        let raw = cells.get(i).copied().unwrap_or(b"");
        let mut text = std::borrow::Cow::Borrowed(raw);
        if w < natural[i] && width_of(raw) > w {
            let s = String::from_utf8_lossy(raw);
            let cut = match col.fit {
                Fit::Words => shorten_words(&s, w),
                _ => shorten_middle(&s, w),
            };
            text = std::borrow::Cow::Owned(cut.into_bytes());
        }
        let tw = width_of(&text);
        let pad = w.saturating_sub(tw);
        let colour = !sgr.is_empty() && !text.is_empty();
        if col.align == Align::Right {
            buf.extend(std::iter::repeat_n(b' ', pad));
        }
        if colour {
            buf.extend_from_slice(sgr.as_bytes());
        }
        if col.align == Align::Right {
            push_right(buf, &text, 0);
        } else {
            buf.extend_from_slice(&text);
        }
        if colour {
            buf.extend_from_slice(b"\x1b[0m");
        }
        if col.align == Align::Left {
            buf.extend(std::iter::repeat_n(b' ', pad));
        }
    }
    while buf.len() > start && buf.last() == Some(&b' ') {
        buf.pop();
    }
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(h: &str, align: Align, fit: Fit) -> Column {
        Column {
            header: h.into(),
            align,
            fit,
        }
    }

    #[test]
    fn shortening_keeps_the_end_and_fits() {
        assert_eq!(shorten_middle("libgtk-3.so.0.2404.32", 12), "lib….2404.32");
        assert_eq!(shorten_middle("short", 12), "short");
        assert_eq!(shorten_middle("日本語テキストです", 7).width(), 7);
        assert_eq!(
            shorten_words("◀ message.txt mapped by vasmap", 14),
            "◀ message.txt"
        );
        assert_eq!(shorten_words("◀ message.txt", 1), "◀");
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    }

    #[test]
    fn columns_drop_by_priority_then_the_name_shrinks() {
        let mut g = Grid::new(
            vec![
                col("A", Align::Left, Fit::Keep),
                col("Low", Align::Right, Fit::Drop(1)),
                col("High", Align::Right, Fit::Drop(2)),
                col("Name", Align::Left, Fit::Middle),
            ],
            true,
        );
        g.begin_row(0);
        for c in [
            "aaaaaaaaaa",
            "1111111111",
            "2222222222",
            "a-very-long-name-of-thirty-chars",
        ] {
            g.cell(c.as_bytes());
        }
        g.end_row().unwrap();
        let wide = g.plan(None);
        assert!(wide.dropped.is_empty());
        let p = g.plan(Some(45));
        assert_eq!(p.dropped, ["Low"]);
        let mut out = Vec::new();
        g.write(&p, true, &|_| "", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.width() <= 45), "{text}");
        assert!(text.contains('…'));
        assert!(text.contains("2222222222"));
    }
}
