//! Columns laid out to fit a width: the table's engine.
//!
//! The caller measures each cell as rows come ([`Grid::measure`]) and keeps the rows
//! itself (the table keeps each as its cells' text, `cells.rs`); once every row is in,
//! [`Grid::plan`] decides what fits the width, and each row is printed through it: a
//! kept row with [`Grid::packed_row`], any other cell by cell with [`Grid::cell`].
//! When the natural widths do not fit, in this order:
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
//! Here: the columns, their measures and the [`Plan`]. Text fitted to a width is in
//! `shorten.rs`; cells, the header and the notes written through a plan in `write.rs`;
//! kept rows in `cells.rs` and their printing in `print.rs`.
//!
//! Why not comfy-table, which the first version used for every table (and which is no
//! longer a dependency): it wraps a cell that does not fit onto several lines (splitting
//! words and numbers: `LC_` / `NUM` at 80 columns), it cannot shorten in the middle or
//! leave a column out, and it keeps about 1.6 KB per row (100 MB for 60,000 mappings,
//! 8.6x `cat maps` in CPU) where the table keeps its rows packed (issue 10).

mod cells;
mod print;
mod shorten;
mod write;

pub use cells::{begin_cell, end_cell, short_cell};
pub use print::{Lines, RESET, RowPaint, Slots, put_text};

pub use shorten::{
    fit_lines, shorten_command, shorten_end, shorten_middle, shorten_words, width_of, wrap,
};
pub use write::{line_end, write_notes};

use unicode_width::UnicodeWidthStr;

/// The fewest columns the name keeps before optional columns are left out, from 92
/// columns wide; narrower terminals keep fewer (see [`name_floor`]).
pub const NAME_FLOOR: usize = 20;

/// The name's floor at `width`: 20 columns from 92 up, 14 at 80, 12 at 76 and below, so
/// that a terminal keeps the figures the user asked for (`-x` at 80 columns keeps RSS and
/// Dirty, pmap -x's own) rather than the whole of `ld-linux-x86-64.so.2`.
pub fn name_floor(width: usize) -> usize {
    (width.saturating_sub(52) / 2).clamp(12, NAME_FLOOR)
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
    /// Shortened in the middle with `…` (the name: its end, the file name, is what
    /// people read).
    Middle,
    /// Like [`Fit::Middle`], for a command line: the program's directory goes first,
    /// then the end is cut (the program and its first arguments are what people read).
    End,
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
    /// Printed in the row's colour ([`Grid::packed_row`]); the demo's mark is not.
    pub paint: bool,
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
    /// The first column shown (no separator before it).
    pub first_shown: Option<usize>,
}

/// A grid; see the module docs.
pub struct Grid {
    columns: Vec<Column>,
    natural: Vec<usize>,
}
impl Grid {
    /// A grid with these columns; `header` counts the headers in the widths.
    pub fn new(columns: Vec<Column>, header: bool) -> Grid {
        let natural = columns
            .iter()
            .map(|c| if header { c.header.width() } else { 0 })
            .collect();
        Grid { columns, natural }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Count a cell of `width` columns in column `i`.
    #[inline]
    pub fn measure(&mut self, i: usize, width: usize) {
        if let Some(w) = self.natural.get_mut(i) {
            *w = (*w).max(width);
        }
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
            first_shown: None,
        };
        let Some(width) = width else {
            plan.first_shown = widths.iter().position(Option::is_some);
            plan.widths = widths;
            return plan;
        };
        let find = |fit: fn(&Fit) -> bool| self.columns.iter().position(|c| fit(&c.fit));
        let name = find(|f| matches!(f, Fit::Middle | Fit::End));
        let wrap_col = find(|f| *f == Fit::Wrap);
        let floor = name.map_or(0, |i| self.natural[i].min(name_floor(width)));
        let words = find(|f| *f == Fit::Words);
        // The width with the name at its floor and a mark at its arrow: a mark gives up
        // its words before any column is dropped for it.
        let at_floor = |widths: &[Option<usize>]| {
            let mut w = widths.to_vec();
            if let Some(i) = name {
                w[i] = Some(floor);
            }
            if let Some(i) = words
                && w[i].is_some()
            {
                w[i] = Some(1);
            }
            Grid::line_width(&w)
        };
        if Grid::line_width(&widths) <= width {
            plan.first_shown = widths.iter().position(Option::is_some);
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
        plan.first_shown = widths.iter().position(Option::is_some);
        plan.widths = widths;
        plan
    }
}

impl Plan {
    /// The line that says which columns were left out to fit, if any were.
    pub fn dropped_line(&self) -> Option<String> {
        (!self.dropped.is_empty()).then(|| {
            format!(
                "{} left out to fit {} columns: --width={} (or a pipe) shows every column",
                self.dropped.join(", "),
                self.limit.unwrap_or(0),
                self.needed
            )
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn col(h: &str, align: Align, fit: Fit) -> Column {
        Column {
            header: h.into(),
            align,
            fit,
            paint: true,
        }
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
        let cells = [
            "aaaaaaaaaa",
            "1111111111",
            "2222222222",
            "a-very-long-name-of-thirty-chars",
        ];
        for (i, c) in cells.iter().enumerate() {
            g.measure(i, c.len());
        }
        assert!(g.plan(None).dropped.is_empty());
        let p = g.plan(Some(45));
        assert_eq!(p.dropped, ["Low"]);
        let mut out = Vec::new();
        g.header(&p, &mut out);
        let start = g.line_start(&mut out);
        for (i, c) in cells.iter().enumerate() {
            g.cell(&p, i, c.as_bytes(), c.len(), "", &mut out);
        }
        line_end(&mut out, start);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.width() <= 45), "{text}");
        assert!(text.contains('…'));
        assert!(text.contains("2222222222") && !text.contains("1111"));
    }

    #[test]
    fn into_a_pipe_the_rule_underlines_the_header_not_the_longest_row() {
        let mut g = Grid::new(
            vec![
                col("PID", Align::Right, Fit::Keep),
                col("Command", Align::Left, Fit::End),
            ],
            true,
        );
        g.measure(0, 5);
        g.measure(1, 3000);
        let rule = |p: &Plan| {
            let mut out = Vec::new();
            g.header(p, &mut out);
            String::from_utf8(out)
                .unwrap()
                .lines()
                .nth(1)
                .unwrap()
                .width()
        };
        // Piped: the rows are 3,008 columns, the rule stops 40 into the command.
        assert_eq!(rule(&g.plan(None)), 1 + 5 + 2 + write::RULE_PAST_HEADER);
        // On a terminal the rows fit it, and so does the rule, as wide as they are.
        let p = g.plan(Some(80));
        assert_eq!(rule(&p), Grid::line_width(&p.widths));
        // A short last column: the rule is as wide as the rows.
        let mut g = Grid::new(vec![col("Name", Align::Left, Fit::Middle)], true);
        g.measure(0, 12);
        let mut out = Vec::new();
        g.header(&g.plan(None), &mut out);
        assert_eq!(
            String::from_utf8(out)
                .unwrap()
                .lines()
                .nth(1)
                .unwrap()
                .width(),
            13
        );
    }
}
