//! Writing the table: every packed row through the grid's plan ([`crate::view::grid::Grid::packed_row`]), in address
//! order or, with `--sort`, in the order the rows were sorted, then the totals row.

use std::io::{self, Write};

use super::{Show, Table, basic, is_not_additive};
use crate::view::color::{Paint, paints_background, sgr};
use crate::view::grid::{Lines, RowPaint, line_end};
use crate::view::spool::RowStore;

impl Table<'_> {
    /// The cells of the totals row under the smaps columns (`None`: an empty cell).
    fn totals_cells(&self) -> Vec<Option<String>> {
        let t = self.totals;
        let any = self.any_smaps;
        let kb = |v: u64| Some(format!("{v}K"));
        let fig = |v: u64| {
            Some(if any {
                format!("{v}K")
            } else {
                "-".to_string()
            })
        };
        self.shows
            .iter()
            .map(|s| match *s {
                Show::Address => Some("total".to_string()),
                Show::Size => kb(t.size_kb),
                Show::Rss => fig(t.rss_kb),
                Show::Pss => fig(t.pss_kb),
                Show::Dirty => fig(t.dirty_kb),
                Show::Swap => fig(t.swap_kb),
                Show::Field(id, _) => self
                    .fields
                    .iter()
                    .position(|(_, f)| *f == id)
                    .filter(|&i| !is_not_additive(&self.fields[i].0))
                    .and_then(|i| kb(self.sums[i])),
                _ => None,
            })
            .collect()
    }

    /// Print the header, every row and the totals row.
    pub(super) fn write(
        &mut self,
        width: Option<usize>,
        out: &mut dyn Write,
    ) -> io::Result<crate::view::grid::Plan> {
        let totals = (!self.opts.quiet && (self.has.x || !self.fields.is_empty()))
            .then(|| self.totals_cells());
        if let Some(cells) = &totals {
            for (i, c) in cells.iter().enumerate() {
                if let Some(c) = c {
                    self.grid.measure(i, c.len());
                }
            }
        }
        if self.basic {
            self.basic_widths.tell(self.rows.len(), &mut self.grid);
        }
        let plan = self.grid.plan(width);
        // Small at first (it grows by doubling to the 64 KiB written at a time): spaces
        // for 64 KiB up front were 5% of a 124-mapping table's instructions.
        let mut buf = Lines::with_capacity(4096);
        let mut scratch: Vec<u8> = Vec::new();
        if !self.opts.quiet {
            self.grid.header(&plan, &mut scratch);
            buf.extend_from_slice(&scratch);
        }
        let color = self.opts.color;
        let mut rows = std::mem::take(&mut self.rows);
        let grid = &self.grid;
        let slots = grid.slots(&plan);
        // How each row's first byte (its class's code plus one, 0 for none) is painted:
        // decided once here rather than for every row.
        let paints: [RowPaint; Paint::ALL.len() + 1] =
            std::array::from_fn(
                |i| match i.checked_sub(1).map(|c| Paint::from_code(c as u8)) {
                    Some(p) if color && !sgr(p).is_empty() => {
                        if paints_background(p) {
                            RowPaint::Cells(sgr(p))
                        } else {
                            RowPaint::Row(sgr(p))
                        }
                    }
                    _ => RowPaint::None,
                },
            );
        // The basic table's rows are records (`basic.rs`), printed straight into their
        // lines, or made into cells for the general printer when a line needs it.
        let basic = self.basic;
        let layout = basic.then(|| basic::Layout::of(&plan)).flatten();
        let colours = paints.map(basic::Colour::of);
        let mut made = Vec::new();
        // A row is its paint's byte then its cells (or the rest of its record); `padded`
        // goes on past it.
        let mut emit = |padded: &[u8], n: usize| -> io::Result<()> {
            let (Some(&paint), true) = (padded.first(), n > 0) else {
                return Ok(());
            };
            let code = usize::from(paint);
            let paint = paints.get(code).copied().unwrap_or(RowPaint::None);
            // The cells to print: the row's own, or a basic record's made into cells
            // when its line needs the general printer (one call of it either way, so
            // that it stays inlined here).
            let cells = if !basic {
                Some((&padded[1..], n - 1))
            } else if layout.as_ref().is_some_and(|lay| {
                let colour = colours.get(code).copied().unwrap_or(basic::Colour::NONE);
                basic::line(lay, &padded[..n], padded, colour, &mut buf)
            }) {
                None
            } else {
                basic::cells_of(&padded[..n], &mut made);
                let m = made.len();
                made.extend_from_slice(&[0; RowStore::PAD]);
                Some((&made[1..], m - 1))
            };
            let mut under: &[u8] = b"";
            if let Some(cells) = cells {
                grid.packed_row(&slots, cells, paint, &mut under, &mut buf);
            }
            if !under.is_empty() {
                scratch.clear();
                grid.under(
                    &plan,
                    std::str::from_utf8(under).unwrap_or(""),
                    &mut scratch,
                );
                buf.extend_from_slice(&scratch);
            }
            if buf.len() >= crate::stdio::OUT_BUFFER {
                out.write_all(buf.as_bytes())?;
                buf.clear();
            }
            Ok(())
        };
        match self.order.take() {
            // Largest first; equal keys in address order (as the pipeline sorts).
            Some(mut order) => {
                order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let mut row = Vec::with_capacity(256);
                for &(_, _, at) in &order {
                    rows.get(at, &mut row)?;
                    let n = row.len();
                    row.extend_from_slice(&[0; RowStore::PAD]);
                    emit(&row, n)?;
                }
            }
            None => rows.each_padded(&mut emit)?,
        }
        if let Some(cells) = totals {
            let mut line = Vec::new();
            let start = self.grid.line_start(&mut line);
            for (i, c) in cells.iter().enumerate() {
                let c = c.as_deref().unwrap_or("");
                self.grid
                    .cell(&plan, i, c.as_bytes(), c.len(), "", &mut line);
            }
            line_end(&mut line, start);
            buf.extend_from_slice(&line);
        }
        out.write_all(buf.as_bytes())?;
        Ok(plan)
    }
}
