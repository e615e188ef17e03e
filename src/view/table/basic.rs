//! The basic table: no option that adds a column (Address, Size, Perm, Kind, Name and
//! the demo's mark), what `vasmap PID` prints and most people run. Its rows are kept as
//! a fixed record and each is printed straight into its line, rather than as cells
//! through the grid's general printer ([`crate::view::grid::Grid::packed_row`]), which
//! every other table takes, and which these rows take too when a line needs more than
//! copying: a name cut to fit the width, W+X's colour around each cell, the demo's mark.
//!
//! Why: the table cannot print a row before it has seen the last (its columns are as
//! wide as their widest cell), so each row is kept, then laid out. As cells (a header
//! and a text each, measured one by one, then found and placed one by one) the table's
//! own work cost about 1,030 instructions a row of the table of 60,000 mappings, more
//! than reading and parsing the line; as a record (the numbers kept as numbers, the
//! widest of each column kept as rows come, every text written straight to its place,
//! which the plan fixes) about 660. Callgrind, `vasmap --color always PID` of 60,000
//! mappings: 101.6 million instructions before, 78.3 million after; user time 16.3 ms to
//! 13.3 ms (docs/performance.md). The output is the same byte for byte: a test below
//! prints random rows both ways at many widths, with and without colour, sorted or not.
//!
//! A record is [`FIXED`] bytes, then the name's text and the mark's:
//!
//! | bytes | what |
//! |---|---|
//! | 0 | the row's colour: its code plus one (as every kept row of the table) |
//! | 1 | the permissions' length: 4, or 8 with ` W+X` |
//! | 2 | the kind's length (its label, and `*` when a core dump's kind was inferred) |
//! | 4..8, 8..12 | the name's length and width (u32, little-endian) |
//! | 12..16, 16..20 | the mark's length and width (`◀ ` and the mark; 0 without one) |
//! | 20..24 | the permission letters |
//! | 24..32, 32..40 | the start address and the size in kB (u64) |
//! | 40..56 | the kind's text, then spaces (one fixed-size copy in and out) |
//!
//! Made as five words and the kind's 16 bytes, so that it is stored a word at a time:
//! as an array of bytes filled field by field, the compiler wrote most of it a byte at a
//! time (43 instructions a row).

use std::io;

use super::Table;
use super::row::{
    push_address_cell, push_mark, push_name, push_perm_cell, push_size_cell, unknown_perms,
};
use crate::model::Region;
use crate::view::grid::{Lines, Plan, RESET, RowPaint, begin_cell, end_cell, put_text};
use crate::view::numfmt::{dec_width, hex16};

/// The fixed part of a record.
const FIXED: usize = 56;

/// The columns of the basic table, in order.
const ADDRESS: usize = 0;
const SIZE: usize = 1;
const PERM: usize = 2;
const KIND: usize = 3;
const NAME: usize = 4;
const MARK: usize = 5;

/// The widest cell of each column so far (the grid is told once, when the table is
/// written: [`Widths::tell`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Widths {
    /// The largest size (its width is the widest).
    size: u64,
    perm: usize,
    kind: usize,
    name: usize,
    mark: usize,
}

impl Widths {
    /// Measure the grid's columns with the widest cells of the table's `rows` rows: what
    /// measuring every cell of every row would have told it.
    pub(super) fn tell(&self, rows: usize, grid: &mut crate::view::grid::Grid) {
        if rows > 0 {
            grid.measure(ADDRESS, 16);
            grid.measure(SIZE, dec_width(self.size) + 1);
            grid.measure(PERM, self.perm);
            grid.measure(KIND, self.kind);
            grid.measure(NAME, self.name);
            grid.measure(MARK, self.mark);
        }
    }
}

/// The u32 at `AT` of a record's fixed part.
#[inline]
fn u32_at<const AT: usize>(fixed: &[u8; FIXED]) -> usize {
    let b: [u8; 4] = std::array::from_fn(|i| fixed[AT + i]);
    u32::from_le_bytes(b) as usize
}

/// The u64 at `AT` of a record's fixed part.
#[inline]
fn u64_at<const AT: usize>(fixed: &[u8; FIXED]) -> u64 {
    let b: [u8; 8] = std::array::from_fn(|i| fixed[AT + i]);
    u64::from_le_bytes(b)
}

impl Table<'_> {
    /// [`Table::add`]'s row for the basic table: a record (see the module docs).
    pub(super) fn add_basic(&mut self, r: &Region, mark: Option<&str>) -> io::Result<()> {
        let letters = r.perm_letters();
        self.unknown_perms |= unknown_perms(letters);
        let wx = r.perms.is_wx();
        // The kind's label and spaces, as one number: its length is where the spaces
        // start (no label ends in one), and a core dump's `*` goes there.
        let spaces = u128::from_le_bytes([b' '; 16]);
        let mut kind = u128::from_le_bytes(*r.kind.label16());
        let mut kind_len = 16 - ((kind ^ spaces).leading_zeros() / 8) as usize;
        let star = r.dumped.is_some_and(|d| d.kind_inferred);
        if star {
            kind ^= u128::from(b' ' ^ b'*') << (8 * kind_len);
            kind_len += 1;
            self.inferred = true;
        }
        let size = r.size_kb();
        let paint = crate::view::color::paint_of(r) as u64 + 1;
        let words: [u64; 5] = [
            paint | (if wx { 8 } else { 4 }) << 8 | (kind_len as u64) << 16,
            0,
            u64::from(u32::from_le_bytes(letters)) << 32,
            r.start,
            size,
        ];
        let (p, start) = self.rows.begin_row();
        let at = p.len();
        p.reserve(FIXED + r.name.len() * 4 + mark.map_or(0, str::len));
        p.extend_from_slice(words.map(u64::to_le_bytes).as_flattened());
        p.extend_from_slice(&kind.to_le_bytes());
        let name_at = p.len();
        let wide = push_name(p, r, self.opts.show_path);
        let name_len = p.len() - name_at;
        let name_width = wide.unwrap_or(name_len);
        let mark_at = p.len();
        let mark_width = push_mark(p, mark).unwrap_or(0);
        let mark_len = p.len() - mark_at;
        let lens = [name_len, name_width, mark_len, mark_width].map(|n| n as u32);
        if let Some(place) = p.get_mut(at + 4..at + 20) {
            place.copy_from_slice(lens.map(u32::to_le_bytes).as_flattened());
        }
        let w = &mut self.basic_widths;
        // The widest size is the largest's.
        w.size = w.size.max(size);
        w.perm = w.perm.max(if wx { 8 } else { 4 });
        w.kind = w.kind.max(kind_len);
        w.name = w.name.max(name_width);
        w.mark = w.mark.max(mark_width);
        let at = self.rows.end_row(start)?;
        if let Some(order) = &mut self.order {
            order.push((self.opts.select.sort.value(r), r.start, at));
        }
        Ok(())
    }
}

/// Where the basic table's columns are in a line, from its plan: `None` when one of
/// them is left out (then every row goes through the general printer).
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Where the size ends, the permissions, kind and name start, from the line's first
    /// byte after its leading space.
    size_end: usize,
    perm: usize,
    kind: usize,
    name: usize,
    /// The name column's width: a wider name is cut, by the general printer.
    name_width: usize,
    /// The most bytes a line takes besides its name.
    line: usize,
}

impl Layout {
    pub(super) fn of(plan: &Plan) -> Option<Layout> {
        let w = |i: usize| plan.widths.get(i).copied().flatten();
        let (size, perm, kind, name) = (w(SIZE)?, w(PERM)?, w(KIND)?, w(NAME)?);
        w(ADDRESS).filter(|&a| a == 16)?;
        let size_end = 16 + 2 + size;
        let perm_at = size_end + 2;
        let kind_at = perm_at + perm + 2;
        let name_at = kind_at + kind + 2;
        Some(Layout {
            size_end,
            perm: perm_at,
            kind: kind_at,
            name: name_at,
            name_width: name,
            line: name_at + 2 * 16 + 2 * RESET.len(),
        })
    }
}

/// A row's colour as [`line`] puts it on: its SGR, then whatever, to 16 bytes (one
/// fixed-size copy, which the address then covers), and the SGR's length; `None` for a
/// colour around each cell (W+X's reverse video), which the general printer puts on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Colour(Option<([u8; 16], usize)>);

impl Colour {
    /// No colour.
    pub(super) const NONE: Colour = Colour(Some(([0; 16], 0)));

    pub(super) fn of(paint: RowPaint<'_>) -> Colour {
        let sgr = match paint {
            RowPaint::None => "",
            RowPaint::Row(s) => s,
            RowPaint::Cells(_) => return Colour(None),
        };
        let mut b = [0; 16];
        let n = sgr.len().min(16);
        b[..n].copy_from_slice(&sgr.as_bytes()[..n]);
        Colour((sgr.len() <= 16).then_some((b, n)))
    }
}

/// Print the record `rec` (which `padded` goes on past, as `RowStore::each_padded` gives
/// it) as one line, as the general printer would; false (nothing printed) when the line
/// needs that printer: a name wider than its column, a mark, a colour around each cell.
#[inline]
pub(super) fn line(
    lay: &Layout,
    rec: &[u8],
    padded: &[u8],
    colour: Colour,
    out: &mut Lines,
) -> bool {
    let Colour(Some((sgr, sgr_len))) = colour else {
        return false;
    };
    let Some(fixed) = rec.first_chunk::<FIXED>() else {
        return false;
    };
    let name_len = u32_at::<4>(fixed);
    let name_width = u32_at::<8>(fixed);
    if name_width > lay.name_width || u32_at::<12>(fixed) != 0 {
        return false;
    }
    let kind_len = usize::from(fixed[2]);
    let Some(name) = padded.get(FIXED..) else {
        return false;
    };
    let (buf, base) = out.open_line(lay.line + 16 + name_len);
    // The SGR as 16 bytes: the address covers what follows it.
    buf[base..base + 16].copy_from_slice(&sgr);
    let n = base + sgr_len;
    buf[n..n + 16].copy_from_slice(&hex16(u64_at::<24>(fixed)));
    put_kb(buf, n + lay.size_end, u64_at::<32>(fixed));
    let p = n + lay.perm;
    buf[p..p + 4].copy_from_slice(&fixed[20..24]);
    if fixed[1] == 8 {
        buf[p + 4..p + 8].copy_from_slice(b" W+X");
    }
    put_text(buf, n + lay.kind, &fixed[40..56], kind_len);
    let end = if name_len > 0 {
        put_text(buf, n + lay.name, name, name_len);
        n + lay.name + name_len
    } else {
        n + lay.kind + kind_len
    };
    out.close_line(end, sgr_len > 0);
    true
}

/// Write `v` and a `K` ending just before `end` (the line is spaces there).
///
/// By hand rather than `itoa` (which the cells' path uses): itoa writes into a buffer of
/// its own, from which a text of any length would be copied into the line (a `memcpy`
/// call a row); this writes the digits in place, two at a time from the right.
#[inline]
fn put_kb(buf: &mut [u8], end: usize, v: u64) {
    /// The two digits of every number below 100.
    const PAIRS: &[u8; 200] = b"\
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940\
        4142434445464748495051525354555657585960616263646566676869707172737475767778798081\
        828384858687888990919293949596979899";
    let mut at = end - 1;
    buf[at] = b'K';
    let mut x = v;
    while x >= 100 {
        let d = (x % 100) as usize * 2;
        x /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[d..d + 2]);
    }
    if x >= 10 {
        let d = x as usize * 2;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[d..d + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + x as u8;
    }
}

/// The record `rec` as the cells the general printer takes (the cells every other table
/// keeps: what [`Table::add`] would have made of the region).
pub(super) fn cells_of(rec: &[u8], cells: &mut Vec<u8>) {
    cells.clear();
    let Some(fixed) = rec.first_chunk::<FIXED>() else {
        return;
    };
    let kind_len = usize::from(fixed[2]);
    let (name_len, name_width) = (u32_at::<4>(fixed), u32_at::<8>(fixed));
    let (mark_len, mark_width) = (u32_at::<12>(fixed), u32_at::<16>(fixed));
    let text = |at: usize, len: usize| rec.get(at..at + len).unwrap_or(&[]);
    cells.push(fixed[0]);
    push_address_cell(cells, u64_at::<24>(fixed));
    push_size_cell(cells, u64_at::<32>(fixed));
    let letters = [fixed[20], fixed[21], fixed[22], fixed[23]];
    push_perm_cell(cells, letters, fixed[1] == 8);
    let kind = &fixed[40..40 + kind_len.min(16)];
    for (text, width) in [
        (kind, kind.len()),
        (text(FIXED, name_len), name_width),
        (text(FIXED + name_len, mark_len), mark_width),
    ] {
        let c = begin_cell(cells);
        cells.extend_from_slice(text);
        end_cell(cells, c, Some(width));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Table;
    use crate::filter::SortKey;
    use crate::model::{Kind, Perms, Region};
    use crate::view::ViewOptions;
    use proptest::prelude::*;

    fn region() -> impl Strategy<Value = (Region, Option<String>)> {
        let kind = prop_oneof![
            Just(Kind::Anon),
            Just(Kind::Library),
            Just(Kind::Program),
            Just(Kind::Heap),
            Just(Kind::ThreadStack { tid: 4321 }),
            Just(Kind::DeletedFile),
            Just(Kind::Vsyscall),
        ];
        let name = prop_oneof![
            Just(String::new()),
            "[a-z0-9._-]{1,20}",
            "/usr/lib/[a-z]{1,12}\\.so\\.[0-9]",
            "[a-z/]{60,120}",
            "[a-zé中 ]{1,14}",
            Just(" lead\x1b[31mred\nline".to_string()),
        ];
        let mark = prop_oneof![
            8 => Just(None),
            1 => Just(Some(String::new())),
            1 => Just(Some("message.txt, the file it maps".to_string())),
        ];
        (
            0u64..1 << 47,
            prop_oneof![Just(1u64), 1u64..300, 1u64..1 << 30],
            0u8..16,
            kind,
            name,
            mark,
        )
            .prop_map(|(start, pages, p, kind, name, mark)| {
                let start = start & !0xfff;
                let r = Region {
                    start,
                    end: start + pages * 4096,
                    perms: Perms {
                        read: p & 1 != 0,
                        write: p & 2 != 0,
                        exec: p & 4 != 0,
                        shared: p & 8 != 0,
                    },
                    kind,
                    name: name.into_bytes(),
                    ..Region::blank()
                };
                (r, mark)
            })
    }

    /// The table's output, its rows kept as records (`basic`) or as cells.
    fn print(rows: &[(Region, Option<String>)], opts: &ViewOptions, basic: bool) -> Vec<u8> {
        let mut t = Table::new(opts, rows.first().map(|(r, _)| (r, &[][..])));
        assert!(t.basic, "no option adds a column");
        t.basic = basic;
        for (r, mark) in rows {
            t.add(r, mark.as_deref(), None).unwrap();
        }
        let mut out = Vec::new();
        t.write(opts.width.map(usize::from), &mut out).unwrap();
        out
    }

    proptest! {
        /// Kept as records and printed straight into their lines, rows print as the
        /// cells every other table keeps print: any names (long, wide, hostile), marks,
        /// W+X, colour or not, any width, in address order or sorted.
        #[test]
        fn records_print_as_cells_do(
            rows in proptest::collection::vec(region(), 0..12),
            color in any::<bool>(),
            width in proptest::option::of(40u16..160),
            sorted in any::<bool>(),
            show_path in any::<bool>(),
        ) {
            let mut opts = ViewOptions { color, width, show_path, ..ViewOptions::default() };
            if sorted {
                opts.select.sort = SortKey::Size;
            }
            let (records, cells) = (print(&rows, &opts, true), print(&rows, &opts, false));
            prop_assert_eq!(
                String::from_utf8_lossy(&records),
                String::from_utf8_lossy(&cells)
            );
        }
    }
}
