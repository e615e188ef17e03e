//! Columns laid out to fit a width: the table's engine.
//!
//! The caller measures each cell as rows come ([`Grid::measure`]) and keeps the rows
//! itself (the table keeps its rows packed: the cells it shows); once every row is in, [`Grid::plan`]
//! decides what fits the width, and each row is printed cell by cell with [`Grid::cell`].
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
//! Why not comfy-table, which the first version used for every table (and which is no
//! longer a dependency): it wraps a cell that does not fit onto several lines (splitting
//! words and numbers: `LC_` / `NUM` at 80 columns), it cannot shorten in the middle or
//! leave a column out, and it keeps about 1.6 KB per row (100 MB for 60,000 mappings,
//! 8.6x `cat maps` in CPU) where the table keeps its rows packed (issue 10).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// The display width of escaped text (printable ASCII is one column a byte).
pub fn width_of(text: &[u8]) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    std::str::from_utf8(text).map_or(text.len(), UnicodeWidthStr::width)
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

/// A command line fitted to `width` columns: without the directory of its program (the
/// first word) when it does not fit whole, then cut at its end ([`shorten_end`]).
pub fn shorten_command(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let first = text.split(' ').next().unwrap_or(text);
    let text = match first.rfind('/') {
        Some(i) if i + 1 < first.len() => &text[i + 1..],
        _ => text,
    };
    shorten_end(text, width)
}

/// `text` cut to `width` columns at its end, with `…`.
pub fn shorten_end(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
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

    /// The header line and its rule.
    pub fn header(&self, plan: &Plan, buf: &mut Vec<u8>) {
        let start = self.line_start(buf);
        for (i, c) in self.columns.iter().enumerate() {
            self.cell(plan, i, c.header.as_bytes(), c.header.width(), "", buf);
        }
        line_end(buf, start);
        buf.extend_from_slice("─".repeat(Grid::line_width(&plan.widths)).as_bytes());
        buf.push(b'\n');
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

    /// Print cell `i` as a number, right-aligned, with `suffix` (`K`), without formatting
    /// it anywhere else first: the table's most common cell.
    #[inline]
    pub fn number(
        &self,
        plan: &Plan,
        i: usize,
        v: u64,
        suffix: &[u8],
        sgr: &str,
        buf: &mut Vec<u8>,
    ) {
        let Some(w) = plan.widths.get(i).copied().flatten() else {
            return;
        };
        if plan.first_shown != Some(i) {
            buf.extend_from_slice(b"  ");
        }
        let digits = crate::view::numfmt::dec_width(v) + suffix.len();
        pad(buf, w.saturating_sub(digits));
        if !sgr.is_empty() {
            buf.extend_from_slice(sgr.as_bytes());
        }
        crate::view::numfmt::push_dec(buf, v, 0);
        buf.extend_from_slice(suffix);
        if !sgr.is_empty() {
            buf.extend_from_slice(b"\x1b[0m");
        }
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

/// Spaces to pad with, a slice at a time.
const SPACES: [u8; 128] = [b' '; 128];

/// Append `n` spaces.
#[inline]
fn pad(buf: &mut Vec<u8>, mut n: usize) {
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
        assert_eq!(
            shorten_end("/usr/bin/python3 -m http.server", 12),
            "/usr/bin/py…"
        );
        assert_eq!(shorten_end("日本語テキストです", 7).width(), 7);
        assert_eq!(
            shorten_command("/root/.pyenv/versions/3.11.7/bin/python3 /tmp/t.py", 24),
            "python3 /tmp/t.py"
        );
        assert_eq!(
            shorten_command("/usr/bin/sleep 1000", 30),
            "/usr/bin/sleep 1000"
        );
        assert_eq!(
            shorten_command("/usr/lib/x/a-very-long-daemon --flag", 12),
            "a-very-long…"
        );
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
}
