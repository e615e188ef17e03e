//! A row written through a [`Plan`]: the header and its rule, each cell padded, shortened
//! or left out as the plan says, wrapped words on an indented line under the row, and the
//! notes under the table.

use unicode_width::UnicodeWidthStr;

use super::print::pad;
use super::{
    Align, Column, Fit, Grid, Plan, shorten_command, shorten_middle, shorten_words, width_of, wrap,
};

/// See [`Grid::rule_width`].
pub const RULE_PAST_HEADER: usize = 40;

impl Grid {
    /// The header line and its rule.
    pub fn header(&self, plan: &Plan, buf: &mut Vec<u8>) {
        let start = self.line_start(buf);
        for (i, c) in self.columns.iter().enumerate() {
            self.cell(plan, i, c.header.as_bytes(), c.header.width(), "", buf);
        }
        line_end(buf, start);
        buf.extend_from_slice("─".repeat(self.rule_width(plan)).as_bytes());
        buf.push(b'\n');
    }

    /// The rule under the header: as wide as the rows, but into a pipe (no width) never
    /// more than [`RULE_PAST_HEADER`] columns into the last column, whose text may run to
    /// thousands (a command line, a path): the rule underlines the header, not the longest
    /// row.
    fn rule_width(&self, plan: &Plan) -> usize {
        let mut widths = plan.widths.clone();
        if plan.limit.is_none()
            && let Some(last) = widths.iter().rposition(Option::is_some)
            && let Some(w) = widths[last].as_mut()
        {
            let header = self.columns[last].header.width();
            *w = (*w).min(header.max(RULE_PAST_HEADER));
        }
        Grid::line_width(&widths)
    }

    /// Start a line: returns where it starts, for [`line_end`].
    #[inline]
    pub fn line_start(&self, buf: &mut Vec<u8>) -> usize {
        let start = buf.len();
        buf.push(b' ');
        start
    }

    /// Print cell `i` of a line (nothing for a column the plan leaves out): `text` of
    /// `width` columns, padded or shortened to the column, in `sgr`'s colour (not its
    /// padding), two spaces after the previous cell.
    pub fn cell(
        &self,
        plan: &Plan,
        i: usize,
        text: &[u8],
        width: usize,
        sgr: &str,
        buf: &mut Vec<u8>,
    ) {
        let Some(w) = plan.widths.get(i).copied().flatten() else {
            return;
        };
        if plan.first_shown != Some(i) {
            buf.extend_from_slice(b"  ");
        }
        let col = &self.columns[i];
        let cut;
        let (text, tw) = if width > w {
            let s = String::from_utf8_lossy(text);
            cut = match col.fit {
                Fit::Words => shorten_words(&s, w),
                Fit::End => shorten_command(&s, w),
                _ => shorten_middle(&s, w),
            };
            (cut.as_bytes(), cut.width())
        } else {
            (text, width)
        };
        let fill = w.saturating_sub(tw);
        if col.align == Align::Right {
            pad(buf, fill);
        }
        if !sgr.is_empty() && !text.is_empty() {
            buf.extend_from_slice(sgr.as_bytes());
            buf.extend_from_slice(text);
            buf.extend_from_slice(b"\x1b[0m");
        } else {
            buf.extend_from_slice(text);
        }
        if col.align == Align::Left {
            pad(buf, fill);
        }
    }

    /// Print cell `i` as a number with `suffix` (`K`), as [`Grid::cell`] prints text.
    pub fn number(&self, plan: &Plan, i: usize, v: u64, suffix: &[u8], buf: &mut Vec<u8>) {
        let mut text = Vec::with_capacity(24);
        crate::view::numfmt::push_dec(&mut text, v, 0);
        text.extend_from_slice(suffix);
        self.cell(plan, i, &text, text.len(), "", buf);
    }

    /// The lines under a row for the wrap column's `text`, when the plan puts it there.
    pub fn under(&self, plan: &Plan, text: &str, buf: &mut Vec<u8>) {
        if !plan.wrap_under || text.is_empty() {
            return;
        }
        let indent = under_indent(plan, &self.columns);
        let room = plan
            .limit
            .unwrap_or(Grid::line_width(&plan.widths))
            .saturating_sub(indent);
        for l in wrap(text, room) {
            pad(buf, indent);
            buf.extend_from_slice(l.as_bytes());
            buf.push(b'\n');
        }
    }
}

/// Write the lines under a table, each after one space and wrapped to `width` with the
/// rest of it indented under its first word.
pub fn write_notes(
    lines: &[impl AsRef<str>],
    width: Option<usize>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for line in lines {
        let line = line.as_ref();
        match width {
            Some(w) if width_of(line.as_bytes()) + 1 > w => {
                for (i, l) in wrap(line, w.saturating_sub(3)).iter().enumerate() {
                    let lead = if i == 0 { " " } else { "   " };
                    writeln!(out, "{lead}{l}")?;
                }
            }
            _ => writeln!(out, " {line}")?,
        }
    }
    Ok(())
}

/// End a line begun at `start`: trailing spaces trimmed, a newline.
#[inline]
pub fn line_end(buf: &mut Vec<u8>, start: usize) {
    while buf.len() > start && buf.last() == Some(&b' ') {
        buf.pop();
    }
    buf.push(b'\n');
}

/// Where a line under a row starts: under the name column when that leaves 50 columns,
/// else under the second column when that leaves 40, else a small indent.
fn under_indent(plan: &Plan, columns: &[Column]) -> usize {
    let name = columns
        .iter()
        .position(|c| matches!(c.fit, Fit::Middle | Fit::End));
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
