//! Rows kept as the text of their cells, formatted once: the format of the table's kept
//! rows (printed by `print.rs`).
//!
//! A packed row is its cells one after another, each a LEB128 header then its bytes. The
//! header is the length shifted left once; its low bit says a display width follows (as
//! another varint) because it differs from the length (a name with non-ASCII letters,
//! the mark's arrow). Formatting a number or an address once, as its row is read, and
//! copying the text when printing, rather than packing the numbers and formatting them
//! while printing: callgrind on the table of 60,000 mappings, 221 million instructions
//! before, 141 million after (`docs/performance.md`).

use crate::view::packed::{put_u64, take_u64};

/// Start a cell at the end of `buf`: returns where its header goes, for [`end_cell`].
/// One byte is kept for it, enough for a cell of up to 63 bytes (most of them).
#[inline]
pub fn begin_cell(buf: &mut Vec<u8>) -> usize {
    buf.push(0);
    buf.len() - 1
}

/// End the cell begun at `at`, `width` columns wide on a terminal (`None`: as many as
/// its bytes, for ASCII).
#[inline]
pub fn end_cell(buf: &mut Vec<u8>, at: usize, width: Option<usize>) {
    let len = buf.len() - at - 1;
    if len < 0x40 && width.is_none_or(|w| w == len) {
        buf[at] = (len << 1) as u8;
        return;
    }
    long_cell(buf, at, len, width);
}

/// A whole short cell for one fixed-size append: `cell` is its header's byte (filled in
/// here) then its `N - 1` bytes of text, fewer than 64 and as wide as they are long (an
/// address, the permissions). The same bytes as [`begin_cell`], the text, [`end_cell`].
#[inline]
pub fn short_cell<const N: usize>(mut cell: [u8; N]) -> [u8; N] {
    const { assert!(N >= 1 && N - 1 < 0x40) };
    cell[0] = ((N - 1) << 1) as u8;
    cell
}

/// [`end_cell`] of a long cell or a wide one, whose header is more than the byte kept
/// (rare: a long path, a name in another script, `--explain`'s sentence).
#[cold]
#[inline(never)]
fn long_cell(buf: &mut Vec<u8>, at: usize, len: usize, width: Option<usize>) {
    let wide = width.filter(|&w| w != len);
    let head = (len as u64) << 1 | u64::from(wide.is_some());
    let mut h = Vec::with_capacity(8);
    put_u64(&mut h, head);
    if let Some(w) = wide {
        put_u64(&mut h, w as u64);
    }
    buf.splice(at..at + 1, h);
}

/// The cell whose header is at `pos` in `row`: where its text starts, its length in
/// bytes and its width.
#[inline]
pub(super) fn cell_at(row: &[u8], pos: usize) -> (usize, usize, usize) {
    // Most cells: a one-byte header (the length, shifted; no width), the text whole in
    // the row. Tested first: every cell of every row printed is read here (as a call the
    // rest cost the table of 60,000 mappings 2.3 million instructions: the loops around
    // it keep their values across it).
    if let Some(&b) = row.get(pos)
        && b & 0x81 == 0
        && pos + 1 + usize::from(b >> 1) <= row.len()
    {
        return (pos + 1, usize::from(b >> 1), usize::from(b >> 1));
    }
    any_cell_at(row, pos)
}

/// [`cell_at`] of a cell with a longer header, a width of its own, or cut short.
#[inline]
fn any_cell_at(row: &[u8], pos: usize) -> (usize, usize, usize) {
    let mut rest = row.get(pos..).unwrap_or(&[]);
    let head = take_u64(&mut rest);
    let len = usize::try_from(head >> 1).unwrap_or(usize::MAX);
    let width = if head & 1 != 0 {
        usize::try_from(take_u64(&mut rest)).unwrap_or(0)
    } else {
        len
    };
    let len = len.min(rest.len());
    (row.len() - rest.len(), len, width)
}
#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The next cell of a packed row: its text and width (empty past the end).
    fn take_cell<'a>(row: &mut &'a [u8]) -> (&'a [u8], usize) {
        let (at, len, width) = cell_at(row, 0);
        let (text, rest) = row[at..].split_at(len);
        *row = rest;
        (text, width)
    }

    /// A packed row of these cells (text, width when not its length).
    pub(in crate::view::grid) fn row(cells: &[(&str, Option<usize>)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (t, w) in cells {
            let at = begin_cell(&mut b);
            b.extend_from_slice(t.as_bytes());
            end_cell(&mut b, at, *w);
        }
        b
    }

    #[test]
    fn a_short_cell_is_what_begin_and_end_make() {
        let mut made = Vec::new();
        made.extend_from_slice(&short_cell(*b"\0r-xp"));
        assert_eq!(made, row(&[("r-xp", None)]));
        assert_eq!(take_cell(&mut &made[..]), (b"r-xp".as_slice(), 4));
    }

    #[test]
    fn cells_read_back_with_their_widths_long_or_wide() {
        let long = "x".repeat(300);
        let b = row(&[("4K", None), (&long, None), ("◀ här", Some(5)), ("", None)]);
        let mut r = &b[..];
        assert_eq!(take_cell(&mut r), (b"4K".as_slice(), 2));
        assert_eq!(take_cell(&mut r), (long.as_bytes(), 300));
        assert_eq!(take_cell(&mut r), ("◀ här".as_bytes(), 5));
        assert_eq!(take_cell(&mut r), (b"".as_slice(), 0));
        assert!(r.is_empty());
        // Past the end (a bug): empty cells, no panic.
        assert_eq!(take_cell(&mut r), (b"".as_slice(), 0));
        let mut cut = &b[..6];
        take_cell(&mut cut);
        assert_eq!(take_cell(&mut cut).0, b"x");
    }
}
