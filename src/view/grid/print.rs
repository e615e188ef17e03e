//! Kept rows printed through a [`Plan`] by copying: the table's hot path.
//!
//! A row is printed in one pass over spaces (see [`Grid::packed_row`]), with colour once
//! per row: an SGR before the first coloured text, a reset at the end (or before an
//! uncoloured column's text). The padding between cells then takes the foreground
//! colour, which shows nothing, except for a colour that paints the background (W+X's
//! reverse video): such a row is painted cell by cell ([`RowPaint::Cells`]).

use super::cells::cell_at;
use super::{Align, Fit, Grid, Plan, shorten_command, shorten_middle, shorten_words};
use unicode_width::UnicodeWidthStr;

/// How a row's colour is put on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPaint<'a> {
    /// No colour.
    None,
    /// Once for the row: the SGR before the first coloured text, one reset at the end.
    Row(&'a str),
    /// Around each cell's text, not its padding (a colour with a background).
    Cells(&'a str),
}

pub const RESET: &[u8] = b"\x1b[0m";

/// Lines of text laid over spaces: everything past the text written so far is spaces,
/// so a row's padding is skipped over rather than written ([`Grid::packed_row`]).
#[derive(Debug)]
pub struct Lines {
    bytes: Vec<u8>,
    len: usize,
}

impl Lines {
    /// Room for about `cap` bytes before it grows.
    pub fn with_capacity(cap: usize) -> Lines {
        Lines {
            bytes: vec![b' '; cap],
            len: 0,
        }
    }

    /// Bytes written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Append `b`.
    pub fn extend_from_slice(&mut self, b: &[u8]) {
        self.room(self.len + b.len());
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    /// End a row's line whose last text ends at `end`: the reset when its colour is
    /// still on, and the newline.
    #[inline]
    fn end_line(&mut self, end: usize, painted: bool) {
        self.len = end;
        if painted {
            self.extend_from_slice(RESET);
        }
        self.extend_from_slice(b"\n");
    }

    /// Begin a line of at most `max` bytes: the buffer, spaces past what is written with
    /// room for the line and 16 bytes more, and where the line's text starts (after its
    /// leading space). End it with [`Lines::close_line`].
    #[inline]
    pub fn open_line(&mut self, max: usize) -> (&mut [u8], usize) {
        self.room(self.len + 1 + max + 16);
        let base = self.len + 1;
        (&mut self.bytes[..], base)
    }

    /// End the line [`Lines::open_line`] began, whose last text ends at `end`, no further
    /// than the line's `max` from there: the reset when its colour is still on, and the
    /// newline, in the room `open_line` made.
    #[inline]
    pub fn close_line(&mut self, end: usize, painted: bool) {
        let mut e = end;
        if painted {
            self.bytes[e..e + RESET.len()].copy_from_slice(RESET);
            e += RESET.len();
        }
        self.bytes[e] = b'\n';
        self.len = e + 1;
    }

    /// Forget what was written (spaces again).
    pub fn clear(&mut self) {
        self.bytes[..self.len].fill(b' ');
        self.len = 0;
    }

    /// At least `n` bytes (spaces past the text).
    #[inline]
    fn room(&mut self, n: usize) {
        if self.bytes.len() < n {
            let more = n.max(2 * self.bytes.len());
            self.bytes.resize(more, b' ');
        }
    }
}

/// One column as [`Grid::packed_row`] prints it: what the plan and the column say, made
/// once for the table ([`Grid::slots`]) rather than looked up for every cell.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Its width; `None`: left out (or under the row).
    width: Option<usize>,
    /// Spaces before it (two, none for the first shown).
    sep: usize,
    right: bool,
    paint: bool,
    fit: Fit,
}

/// The columns of a plan, for [`Grid::packed_row`], and the most bytes a line takes
/// beyond its cells' text.
#[derive(Debug, Clone)]
pub struct Slots {
    slots: Vec<Slot>,
    /// Columns and separators, plus room for colour around every cell and a cut name's
    /// `…`: with the row's own bytes, a bound on the line's length.
    overhead: usize,
    /// No cell can be cut (every column shown is at least as wide as its widest cell)
    /// and nothing goes under the row: rows coloured once (or not at all) take
    /// [`Grid::packed_row`]'s short loop.
    whole: bool,
    /// Where that loop puts each column's text: the columns up to the last one shown (the
    /// demo's mark, empty in every row but the demo's, is left out at the end of most
    /// tables).
    places: Vec<Place>,
}

/// Where [`whole_row`] puts one column's text: the plan fixes every column's place in
/// the line, so each text goes where its column starts, not after the text before it.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// Where the column starts, from the first byte after the line's leading space.
    at: usize,
    width: usize,
    right: bool,
    paint: bool,
    shown: bool,
}

impl Grid {
    /// The columns of `plan` as [`Grid::packed_row`] prints them.
    pub fn slots(&self, plan: &Plan) -> Slots {
        let mut first = true;
        let slots: Vec<Slot> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let width = plan.widths.get(i).copied().flatten();
                let sep = if width.is_some() && !first { 2 } else { 0 };
                first &= width.is_none();
                Slot {
                    width,
                    sep,
                    right: c.align == Align::Right,
                    paint: c.paint,
                    fit: c.fit,
                }
            })
            .collect();
        let overhead = slots
            .iter()
            .map(|s| s.width.map_or(0, |w| w + s.sep) + 2 * RESET.len() + 16)
            .sum::<usize>()
            + 32;
        let whole = slots
            .iter()
            .zip(&self.natural)
            .all(|(s, &nat)| match s.width {
                Some(w) => w >= nat,
                None => s.fit != Fit::Wrap,
            });
        let upto = slots
            .iter()
            .rposition(|s| s.width.is_some())
            .map_or(0, |i| i + 1);
        let mut at = 0;
        let places = slots[..upto]
            .iter()
            .map(|s| {
                let width = s.width.unwrap_or(0);
                let place = Place {
                    at: at + s.sep,
                    width,
                    right: s.right,
                    paint: s.paint,
                    shown: s.width.is_some(),
                };
                if place.shown {
                    at = place.at + width;
                }
                place
            })
            .collect();
        Slots {
            slots,
            overhead,
            whole,
            places,
        }
    }

    /// Print a packed row through the plan's `slots`: one line, and the wrap column's
    /// text in `under` when the plan puts it under the row. Columns not
    /// [`Column::paint`]ed (the demo's mark) are printed without colour.
    ///
    /// The line is laid over the spaces of [`Lines`]: each text is copied where its
    /// column puts it and the line ends after its last text (padding costs nothing and
    /// nothing is trimmed). A text of up to 16 bytes is copied as 16 (the bytes after it
    /// in the row, then 16 spaces over them), two fixed-size copies rather than a call to
    /// `memcpy`: this loop prints every row of the table (issue 10).
    ///
    /// The row is `padded[..n]`; `padded` may go on past it (the next rows, see
    /// `RowStore::each_padded`), which lets a short text near the row's end be copied as
    /// 16 bytes too.
    ///
    /// [`Column::paint`]: super::Column::paint
    pub fn packed_row<'r>(
        &self,
        slots: &Slots,
        (padded, n): (&'r [u8], usize),
        paint: RowPaint<'_>,
        under: &mut &'r [u8],
        out: &mut Lines,
    ) {
        let (sgr, per_cell) = match paint {
            RowPaint::None => (&b""[..], false),
            RowPaint::Row(s) => (s.as_bytes(), false),
            RowPaint::Cells(s) => (s.as_bytes(), true),
        };
        let row = padded.get(..n).unwrap_or(padded);
        if slots.whole && !per_cell {
            whole_row(slots, row, padded, sgr, out);
        } else {
            self.any_row(slots, row, sgr, per_cell, under, out);
        }
    }

    /// [`Grid::packed_row`] of any row: cells cut to their column, the wrap column's text
    /// put under the row, colour around each cell when `per_cell`.
    fn any_row<'r>(
        &self,
        slots: &Slots,
        row: &'r [u8],
        sgr: &[u8],
        per_cell: bool,
        under: &mut &'r [u8],
        out: &mut Lines,
    ) {
        // Room for the whole line at once: nothing below writes past this bound.
        out.room(out.len + 1 + row.len() + slots.overhead + sgr.len() * slots.slots.len());
        // The position to write at, the end of the last text, and whether the text
        // written last left the colour on.
        let mut n = out.len + 1;
        let mut end = out.len;
        let mut painted = false;
        let mut pos = 0;
        for s in &slots.slots {
            let (at, len, tw) = cell_at(row, pos);
            pos = at + len;
            let Some(w) = s.width else {
                if s.fit == Fit::Wrap {
                    *under = &row[at..pos];
                }
                continue;
            };
            n += s.sep;
            let cut;
            let (src, len, tw) = if tw > w {
                let text = String::from_utf8_lossy(&row[at..pos]);
                cut = match s.fit {
                    Fit::Words => shorten_words(&text, w),
                    Fit::End => shorten_command(&text, w),
                    _ => shorten_middle(&text, w),
                };
                (cut.as_bytes(), cut.len(), cut.width())
            } else {
                (&row[at..], len, tw)
            };
            let fill = w.saturating_sub(tw);
            if s.right {
                n += fill;
            }
            if len > 0 {
                let buf = &mut out.bytes[..];
                if !sgr.is_empty() {
                    if painted && !s.paint {
                        put_at(buf, &mut n, RESET);
                        painted = false;
                    }
                    if s.paint && !painted {
                        put_at(buf, &mut n, sgr);
                        painted = true;
                    }
                }
                put_text(buf, n, src, len);
                n += len;
                if per_cell && painted {
                    put_at(buf, &mut n, RESET);
                    painted = false;
                }
                end = n;
            }
            if !s.right {
                n += fill;
            }
        }
        out.end_line(end, painted);
    }
}

/// [`Grid::packed_row`] of a row none of whose cells can be cut, with nothing under it,
/// coloured once or not at all ([`Slots::whole`]): the same line by a shorter loop, with
/// no test for a cut, a wrap or a per-cell colour. Every row of a table that fits its
/// width (a pipe, or a terminal wide enough) goes through here: callgrind on the table
/// of 60,000 mappings, 643 instructions a row in the general loop (docs/performance.md).
///
/// Each text goes to its column's [`Place`], moved on by `shift`: the bytes put in before
/// it that take no column (colour codes, and a text's bytes beyond its width, for a
/// name in another script). Kept with wrapping arithmetic, as a text's width could in
/// principle exceed its bytes. A text's place then depends on its column, not on the
/// texts before it: callgrind on the table of 60,000 mappings, 104.0 million
/// instructions with each place found from the one before, 101.6 million with this.
fn whole_row(slots: &Slots, row: &[u8], padded: &[u8], sgr: &[u8], out: &mut Lines) {
    out.room(out.len + 1 + row.len() + slots.overhead + sgr.len());
    let base = out.len + 1;
    let buf = &mut out.bytes[..];
    let mut end = out.len;
    let mut shift = 0usize;
    let mut painted = false;
    let mut pos = 0;
    for p in &slots.places {
        let (at, len, tw) = cell_at(row, pos);
        pos = at + len;
        if !p.shown || len == 0 {
            continue;
        }
        let fill = if p.right {
            p.width.saturating_sub(tw)
        } else {
            0
        };
        let mut n = (base + p.at + fill).wrapping_add(shift);
        if p.paint != painted && !sgr.is_empty() {
            let code = if painted { RESET } else { sgr };
            put_at(buf, &mut n, code);
            shift = shift.wrapping_add(code.len());
            painted = !painted;
        }
        put_text(buf, n, padded.get(at..).unwrap_or(&[]), len);
        shift = shift.wrapping_add(len).wrapping_sub(tw);
        end = n + len;
    }
    out.end_line(end, painted);
}

/// Put the first `len` bytes of `src` at `buf[n..]`, which has room for them and 16 bytes
/// more. Up to 16 bytes are copied as 16 when `src` has them (what follows the text, then
/// 16 spaces over it): two fixed-size copies rather than a call to `memcpy`. Always
/// inlined: called from two printers, it had become a call for every cell.
#[inline(always)]
pub fn put_text(buf: &mut [u8], n: usize, src: &[u8], len: usize) {
    if len <= 16 && src.len() >= 16 {
        buf[n..n + 16].copy_from_slice(&src[..16]);
        buf[n + len..n + len + 16].copy_from_slice(&SPACES[..16]);
    } else {
        buf[n..n + len].copy_from_slice(&src[..len]);
    }
}

/// Copy `s` to `buf` at `*n`, which has room for it, and move past it.
#[inline]
fn put_at(buf: &mut [u8], n: &mut usize, s: &[u8]) {
    buf[*n..*n + s.len()].copy_from_slice(s);
    *n += s.len();
}

/// Spaces to pad with, a slice at a time.
const SPACES: [u8; 128] = [b' '; 128];

/// Append `n` spaces.
#[inline]
pub(super) fn pad(buf: &mut Vec<u8>, mut n: usize) {
    if n <= SPACES.len() {
        buf.extend_from_slice(&SPACES[..n]);
        return;
    }
    while n > 0 {
        let k = n.min(SPACES.len());
        buf.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::tests::row;
    use super::super::{Column, Grid};
    use super::*;
    use proptest::prelude::Just;

    fn grid() -> Grid {
        let col = |h: &str, align, fit, paint| Column {
            header: h.into(),
            align,
            fit,
            paint,
        };
        Grid::new(
            vec![
                col("Size", Align::Right, Fit::Keep, true),
                col("Name", Align::Left, Fit::Middle, true),
                col("", Align::Left, Fit::Words, false),
                col("What", Align::Left, Fit::Wrap, true),
            ],
            true,
        )
    }

    #[test]
    fn a_row_is_padded_coloured_once_and_never_ends_in_spaces() {
        let mut g = grid();
        for (i, w) in [(0, 5), (1, 20), (2, 0), (3, 0)] {
            g.measure(i, w);
        }
        let plan = g.plan(None);
        let b = row(&[("4K", None), ("libc.so.6", None), ("", None), ("", None)]);
        let print = |paint| {
            let mut out = Lines::with_capacity(8);
            let mut under: &[u8] = b"";
            g.packed_row(&g.slots(&plan), (&b, b.len()), paint, &mut under, &mut out);
            String::from_utf8(out.as_bytes().to_vec()).unwrap()
        };
        assert_eq!(print(RowPaint::None), "    4K  libc.so.6\n");
        assert_eq!(
            print(RowPaint::Row("\x1b[31m")),
            "    \x1b[31m4K  libc.so.6\x1b[0m\n"
        );
        assert_eq!(
            print(RowPaint::Cells("\x1b[7m")),
            "    \x1b[7m4K\x1b[0m  \x1b[7mlibc.so.6\x1b[0m\n"
        );
        // The mark is not coloured: the row's colour ends before it.
        let b = row(&[("4K", None), ("a", None), ("◀ here", Some(6)), ("", None)]);
        g.measure(2, 6);
        let plan = g.plan(None);
        let mut out = Lines::with_capacity(8);
        let mut under: &[u8] = b"";
        g.packed_row(
            &g.slots(&plan),
            (&b, b.len()),
            RowPaint::Row("\x1b[31m"),
            &mut under,
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out.as_bytes().to_vec()).unwrap(),
            format!("    \x1b[31m4K  a{}\x1b[0m◀ here\n", " ".repeat(21))
        );
    }

    proptest::proptest! {
        /// The short loop prints what the general one prints, for any row it is used on:
        /// short, long (a header of several bytes), wide (non-ASCII) and empty cells,
        /// every colour, a column left out, any bytes after the row.
        #[test]
        fn whole_rows_print_as_the_general_loop_does(
            cells in proptest::collection::vec(
                proptest::prop_oneof![
                    Just(String::new()),
                    "[a-z0-9./-]{1,20}",
                    "[a-z]{60,90}",
                    "[a-zé◀ ]{1,12}",
                ],
                4,
            ),
            paint in 0usize..3,
            dropped in proptest::option::of(0usize..3),
            after in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            let mut g = grid();
            let b = row(&cells.iter().map(|c| (c.as_str(), Some(c.width()))).collect::<Vec<_>>());
            for (i, c) in cells.iter().enumerate() {
                g.measure(i, c.width());
            }
            let mut plan = g.plan(None);
            if let Some(d) = dropped {
                plan.widths[d] = None;
            }
            let slots = g.slots(&plan);
            proptest::prop_assume!(slots.whole);
            let sgr: &[u8] = [&b""[..], b"\x1b[31m", b"\x1b[1;34m"][paint];
            let (mut fast, mut slow) = (Lines::with_capacity(8), Lines::with_capacity(8));
            // Whatever follows the row (the next rows) is never printed.
            let padded = [&b[..], &after].concat();
            whole_row(&slots, &b, &padded, sgr, &mut fast);
            let mut under: &[u8] = b"";
            g.any_row(&slots, &b, sgr, false, &mut under, &mut slow);
            proptest::prop_assert_eq!(fast.as_bytes(), slow.as_bytes());
            proptest::prop_assert!(under.is_empty());
        }
    }

    #[test]
    fn a_cut_or_a_word_under_the_row_takes_the_general_loop() {
        let mut g = grid();
        for (i, w) in [(0, 5), (1, 30), (2, 0), (3, 40)] {
            g.measure(i, w);
        }
        assert!(g.slots(&g.plan(None)).whole);
        // Narrower than the name: it is cut; the words go under the row.
        assert!(!g.slots(&g.plan(Some(40))).whole);
    }

    #[test]
    fn a_long_name_is_shortened_and_the_words_go_under_the_row() {
        let mut g = grid();
        let name = "a-very-long-library-name-indeed.so.6";
        let words = "the words of this row, which do not fit beside it";
        for (i, w) in [(0, 5), (1, name.len()), (2, 0), (3, words.len())] {
            g.measure(i, w);
        }
        let plan = g.plan(Some(40));
        assert!(plan.wrap_under);
        let b = row(&[("4K", None), (name, None), ("", None), (words, None)]);
        let mut out = Lines::with_capacity(8);
        let mut under: &[u8] = b"";
        g.packed_row(
            &g.slots(&plan),
            (&b, b.len()),
            RowPaint::None,
            &mut under,
            &mut out,
        );
        let line = String::from_utf8(out.as_bytes().to_vec()).unwrap();
        assert!(line.width() <= 41 && line.contains('…'), "{line:?}");
        assert!(line.ends_with("indeed.so.6\n"), "{line:?}");
        assert_eq!(under, words.as_bytes());
    }
}
