//! A comfy-table laid out once, printed in bounded memory.
//!
//! comfy-table lays a table out in one go, holding every row as `Cell`s: for 60,000 rows
//! that is about 100 MB and 0.3 s (about 1.6 KB and 5 µs a row). [`ChunkedTable`] keeps
//! the rows packed instead (a few dozen bytes each, see [`crate::view::packed`]) and prints them
//! with exactly the column widths, wrapping and look the one big table would have had:
//!
//! 1. The widths comfy-table chooses depend only on the header, on the widest cell of
//!    each column, and (for a column that may wrap) on the distinct contents of that
//!    column. A *probe* table holding just those is laid out by comfy-table itself.
//! 2. When the probe shows that nothing wraps (the usual case: every column gets the width
//!    of its widest cell), each row is written directly: for each column, the left
//!    padding, the cell aligned in the column's width, the right padding. The probe's
//!    rendering of the widest row is compared with the direct writing of the same row
//!    first; if they differ (a style with borders, say), step 3 is used instead.
//! 3. Otherwise the rows go through comfy-table in chunks, each chunk in a table that
//!    also holds the probe rows first (so it gets the same widths), whose lines are
//!    skipped.

use std::collections::HashSet;
use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, Row, Table, TableStyle,
};
use unicode_width::UnicodeWidthStr;

use crate::view::packed::Packed;

/// Rows per comfy-table in the chunked path.
pub const CHUNK_ROWS: usize = 1024;

/// How [`ChunkedTable::write`] printed the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Row by row, by hand (nothing wraps).
    Direct,
    /// Through comfy-table, a chunk of rows at a time.
    Chunked,
}

/// How the table is laid out: what the caller would have set on one comfy `Table`.
#[derive(Debug, Clone)]
pub struct Layout {
    pub style: TableStyle,
    /// `Table::set_width`; `None` lets comfy-table use the terminal's width, if any.
    pub width: Option<u16>,
    /// The constraint of each column (`None`: none, the column may wrap).
    pub constraints: Vec<Option<ColumnConstraint>>,
    /// The header cells, if the table has a header.
    pub header: Option<Vec<String>>,
}

/// A table whose rows are added one by one and kept packed; see the module docs.
pub struct ChunkedTable {
    layout: Layout,
    rows: Packed,
    /// Per column: the widest cell seen (display width, text, right-aligned).
    widest: Vec<(usize, String, bool)>,
    /// Distinct contents of the columns without a constraint (they may wrap).
    distinct: Vec<HashSet<String>>,
    /// The most cells a row has (normally every row has one per column).
    cells: usize,
}

impl ChunkedTable {
    /// An empty table with this layout.
    pub fn new(layout: Layout) -> ChunkedTable {
        let n = layout
            .constraints
            .len()
            .max(layout.header.as_ref().map_or(0, Vec::len));
        ChunkedTable {
            widest: vec![(0, String::new(), false); n],
            distinct: vec![HashSet::new(); n],
            rows: Packed::new(),
            layout,
            cells: n,
        }
    }

    /// Add a row of cells: (text, right-aligned). Text must be one line (no `\n`).
    pub fn add_row<'a>(&mut self, cells: impl IntoIterator<Item = (&'a str, bool)>) {
        let mut count = 0;
        for (i, (text, right)) in cells.into_iter().enumerate() {
            if i >= self.widest.len() {
                self.widest.push((0, String::new(), false));
                self.distinct.push(HashSet::new());
            }
            let w = text.width();
            if w > self.widest[i].0 {
                self.widest[i] = (w, text.to_string(), right);
            }
            let wraps = self.layout.constraints.get(i).is_none_or(|c| c.is_none());
            if wraps && !self.distinct[i].contains(text) {
                self.distinct[i].insert(text.to_string());
            }
            self.rows.push_u64(u64::from(right));
            self.rows.push_bytes(text.as_bytes());
            count += 1;
        }
        // The number of cells ends the row (rows may be short).
        self.rows.push_u64(u64::MAX);
        self.rows.end_row();
        self.cells = self.cells.max(count);
    }

    /// The number of rows added.
    pub fn len(&self) -> usize {
        self.rows.rows()
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.rows() == 0
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_style(self.layout.style);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(w) = self.layout.width {
            t.set_width(w);
        }
        if let Some(h) = &self.layout.header {
            t.set_header(h.clone());
        }
        t
    }

    fn constrain(&self, t: &mut Table) {
        for (i, c) in self.layout.constraints.iter().enumerate() {
            if let (Some(c), Some(col)) = (c, t.column_mut(i)) {
                col.set_constraint(*c);
            }
        }
    }

    /// The rows that decide the layout: one with the widest cell of every column, then
    /// one per distinct content of each column that may wrap.
    fn probe_rows(&self) -> Vec<Row> {
        let mut rows = vec![row_of(
            self.widest.iter().map(|(_, s, right)| (s.as_str(), *right)),
        )];
        for (i, set) in self.distinct.iter().enumerate() {
            let mut sorted: Vec<&String> = set.iter().collect();
            sorted.sort();
            for s in sorted {
                rows.push(row_of((0..self.cells).map(|j| {
                    if j == i {
                        (s.as_str(), false)
                    } else {
                        ("", false)
                    }
                })));
            }
        }
        rows
    }

    /// Print the table: header (if any), then every row, each line trimmed at the end, as
    /// `for line in table.lines() { writeln!(out, "{}", line.trim_end()) }` would.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<Method> {
        if self.is_empty() && self.layout.header.is_none() {
            return Ok(Method::Direct);
        }
        let probe = self.probe_rows();
        let lines_of = |rows: &[Row], times: usize| -> Vec<String> {
            let mut t = self.table();
            for _ in 0..times {
                for r in rows {
                    t.add_row(r.clone());
                }
            }
            self.constrain(&mut t);
            t.lines().map(|l| l.trim_end().to_string()).collect()
        };
        let once = lines_of(&probe, 1);
        let twice = lines_of(&probe, 2);
        let probe_lines = twice.len().saturating_sub(once.len());
        let header_lines = once.len().saturating_sub(probe_lines);
        for line in &once[..header_lines] {
            writeln!(out, "{line}")?;
        }
        if self.is_empty() {
            return Ok(Method::Direct);
        }
        // Nothing wraps when every probe row took one line: then every column is as wide
        // as its widest cell.
        if probe_lines == probe.len() {
            // A column is as wide as its widest cell or its header, and at least 1.
            let header = self.layout.header.as_deref().unwrap_or_default();
            let widths: Vec<usize> = self
                .widest
                .iter()
                .enumerate()
                .map(|(i, (w, _, _))| (*w).max(header.get(i).map_or(0, |h| h.width())).max(1))
                .collect();
            let mut line = Vec::new();
            let widest = self
                .widest
                .iter()
                .map(|(_, s, r)| (s.as_bytes(), *r, s.width()));
            direct_line(&mut line, widest, &widths);
            if line == once[header_lines].as_bytes() {
                self.write_direct(&widths, out)?;
                return Ok(Method::Direct);
            }
        }
        self.write_chunked(&probe, header_lines + probe_lines, out)?;
        Ok(Method::Chunked)
    }

    fn write_direct(&self, widths: &[usize], out: &mut dyn Write) -> io::Result<()> {
        let mut reader = self.rows.reader();
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut cells: Vec<(&[u8], bool, usize)> = Vec::with_capacity(self.cells);
        for _ in 0..self.rows.rows() {
            cells.clear();
            loop {
                let right = reader.u64();
                if right == u64::MAX {
                    break;
                }
                let text = reader.bytes();
                let w = std::str::from_utf8(text).map_or(text.len(), |s| s.width());
                cells.push((text, right == 1, w));
            }
            direct_line(&mut buf, cells.iter().copied(), widths);
            buf.push(b'\n');
            if buf.len() >= 60 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)
    }

    fn write_chunked(&self, probe: &[Row], skip: usize, out: &mut dyn Write) -> io::Result<()> {
        let mut reader = self.rows.reader();
        let mut left = self.rows.rows();
        while left > 0 {
            let n = left.min(CHUNK_ROWS.max(probe.len()));
            left -= n;
            let mut t = self.table();
            for r in probe {
                t.add_row(r.clone());
            }
            for _ in 0..n {
                let mut row = Row::new();
                loop {
                    let right = reader.u64();
                    if right == u64::MAX {
                        break;
                    }
                    let text = String::from_utf8_lossy(reader.bytes());
                    row.add_cell(cell(&text, right == 1));
                }
                t.add_row(row);
            }
            self.constrain(&mut t);
            for line in t.lines().skip(skip) {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
        Ok(())
    }
}

fn cell(text: &str, right: bool) -> Cell {
    let c = Cell::new(text);
    if right {
        c.set_alignment(CellAlignment::Right)
    } else {
        c
    }
}

fn row_of<'a>(cells: impl Iterator<Item = (&'a str, bool)>) -> Row {
    let mut r = Row::new();
    for (text, right) in cells {
        r.add_cell(cell(text, right));
    }
    r
}

/// One row as comfy-table prints it with vasmap's style (no borders, padding (1, 1)): each
/// cell padded to its column's width, one space either side, a blank where the vertical
/// line would be between columns; trailing spaces trimmed.
fn direct_line<'a>(
    buf: &mut Vec<u8>,
    cells: impl Iterator<Item = (&'a [u8], bool, usize)>,
    widths: &[usize],
) {
    let start = buf.len();
    let mut given = 0;
    for ((text, right, tw), w) in cells.zip(widths) {
        let pad = w.saturating_sub(tw);
        if given > 0 {
            buf.push(b' ');
        }
        buf.push(b' ');
        if right {
            buf.extend(std::iter::repeat_n(b' ', pad));
            buf.extend_from_slice(text);
        } else {
            buf.extend_from_slice(text);
            buf.extend(std::iter::repeat_n(b' ', pad));
        }
        buf.push(b' ');
        given += 1;
    }
    // Columns a short row does not fill are blank.
    for w in widths.iter().skip(given) {
        buf.extend(std::iter::repeat_n(b' ', w + 3));
    }
    while buf.len() > start && buf.last() == Some(&b' ') {
        buf.pop();
    }
}
