//! The strip of `vasmap pages`: one cell per page of a mapping (or per group of N pages
//! for a big one), drawn as the runs of pages come from [`crate::read::pagemap`], so that
//! neither the reader nor the view ever holds one value per page.
//!
//! A line is an address and up to 64 cells, in groups of 16. Consecutive lines that are
//! the same are drawn once and then counted (`… 4095 more lines the same`), so a 1 TiB
//! reservation costs a few lines whatever N is; and a run that covers whole lines is
//! counted without visiting its cells, so it costs no time either. A cell of several
//! pages shows the most notable state among them ([`Symbol`]'s order): one touched page
//! in 512 still shows. Colour (SGR codes, around symbols only, never around names) when
//! asked; the symbols alone carry the meaning, so the strip reads the same piped and with
//! `NO_COLOR`. The header, counts and legend around the strip are in [`pages_text`].
//!
//! [`pages_text`]: crate::view::pages_text

use std::io::{self, Write};

use crate::read::pagestate::{PageRun, PageState};
use crate::view::color::paint_code;

/// What a cell shows, from the least notable to the most (a cell shows the greatest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Symbol {
    /// Not mapped in: never touched, or dropped.
    Empty,
    /// No pagemap entry (above the user address space).
    NoEntry,
    /// Swapped out.
    Swapped,
    /// The shared zero page.
    Zero,
    /// A file or shared-memory page that other mappings map too.
    FileShared,
    /// A file or shared-memory page mapped here only.
    FileOwn,
    /// An anonymous page that another mapping maps too (after fork).
    AnonShared,
    /// An anonymous page of this mapping alone.
    AnonOwn,
}

impl Symbol {
    /// Every symbol, most notable first (the legend's order).
    pub const ALL: [Symbol; 8] = [
        Symbol::AnonOwn,
        Symbol::AnonShared,
        Symbol::FileOwn,
        Symbol::FileShared,
        Symbol::Zero,
        Symbol::Swapped,
        Symbol::NoEntry,
        Symbol::Empty,
    ];

    /// The symbol of a page in state `s`.
    pub fn of(s: PageState) -> Symbol {
        if s.has(PageState::NO_ENTRY) {
            Symbol::NoEntry
        } else if s.has(PageState::PRESENT) {
            match (
                s.has(PageState::ZERO_PAGE),
                s.has(PageState::FILE),
                s.has(PageState::EXCLUSIVE),
            ) {
                (true, _, _) => Symbol::Zero,
                (false, true, true) => Symbol::FileOwn,
                (false, true, false) => Symbol::FileShared,
                (false, false, true) => Symbol::AnonOwn,
                (false, false, false) => Symbol::AnonShared,
            }
        } else if s.has(PageState::SWAPPED) {
            Symbol::Swapped
        } else {
            Symbol::Empty
        }
    }

    /// The character drawn.
    pub fn char(self) -> char {
        match self {
            Symbol::Empty => '.',
            Symbol::NoEntry => '?',
            Symbol::Swapped => 's',
            Symbol::Zero => 'z',
            Symbol::FileShared => 'f',
            Symbol::FileOwn => 'F',
            Symbol::AnonShared => 'a',
            Symbol::AnonOwn => 'A',
        }
    }

    /// The SGR colour code.
    pub fn sgr(self) -> &'static str {
        match self {
            Symbol::Empty => "90",
            Symbol::NoEntry => "31",
            Symbol::Swapped => "33",
            Symbol::Zero => "36",
            Symbol::FileShared => "34",
            Symbol::FileOwn => "1;34",
            Symbol::AnonShared => "32",
            Symbol::AnonOwn => "1;32",
        }
    }

    /// What it means, for the legend.
    pub fn meaning(self) -> &'static str {
        match self {
            Symbol::AnonOwn => "anonymous page of this process alone (written: its own copy)",
            Symbol::AnonShared => {
                "anonymous page mapped elsewhere too (shared after fork until written), or \
                 the zero page where it cannot be told"
            }
            Symbol::FileOwn => "file (page cache) or shared-memory page, mapped here only",
            Symbol::FileShared => {
                "file (page cache) or shared-memory page, also mapped by other processes"
            }
            Symbol::Zero => "the shared zero page: read but never written, it uses no memory",
            Symbol::Swapped => "swapped out",
            Symbol::NoEntry => "no pagemap entry: above the user address space",
            Symbol::Empty => {
                "not mapped in: never touched, or dropped (a file's page may still be in \
                 the page cache)"
            }
        }
    }
}

/// How a strip is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StripOptions {
    /// Columns available (at least 60 is what vasmap promises to fit).
    pub width: usize,
    pub color: bool,
    /// Pages per cell; `None` picks the smallest power of two that draws the mapping in
    /// `max_lines` lines or fewer.
    pub cell_pages: Option<u64>,
    pub max_lines: u64,
}

/// One mapping's strip, drawn run by run.
pub struct Strip {
    opts: StripOptions,
    start: u64,
    page_size: u64,
    cell_pages: u64,
    per_line: usize,
    addr_digits: usize,
    /// The cells of the line being filled, and the pages in its last, unfinished cell.
    line: Vec<Symbol>,
    cell: Option<Symbol>,
    cell_filled: u64,
    line_no: u64,
    prev: Option<Vec<Symbol>>,
    /// Lines after `prev` that were the same as it, not drawn yet.
    repeats: u64,
    used: [bool; 8],
    /// Lines written (for tests and the demo).
    pub lines: u64,
}

impl Strip {
    /// A strip for the `pages` pages from `start`.
    pub fn new(opts: StripOptions, start: u64, pages: u64, page_size: u64) -> Strip {
        let end = start.saturating_add(pages.saturating_mul(page_size));
        let addr_digits = format!("{:x}", end.saturating_sub(1)).len().max(12);
        let mut per_line = 64;
        while per_line > 8 && addr_digits + 1 + per_line + per_line / 16 - 1 > opts.width {
            per_line /= 2;
        }
        let cell_pages = opts.cell_pages.unwrap_or_else(|| {
            let room = (per_line as u64).saturating_mul(opts.max_lines.max(1));
            let mut n: u64 = 1;
            while pages.div_ceil(n) > room {
                n *= 2;
            }
            n
        });
        Strip {
            opts,
            start,
            page_size,
            // More pages a cell than the mapping has draws the same one cell, and keeps
            // `cell_pages * per_line` far from overflowing.
            cell_pages: cell_pages.clamp(1, pages.max(1)),
            per_line,
            addr_digits,
            line: Vec::with_capacity(per_line),
            cell: None,
            cell_filled: 0,
            line_no: 0,
            prev: None,
            repeats: 0,
            used: [false; 8],
            lines: 0,
        }
    }

    /// Pages per cell.
    pub fn cell_pages(&self) -> u64 {
        self.cell_pages
    }

    /// The symbols drawn so far, most notable first.
    pub fn used(&self) -> Vec<Symbol> {
        Symbol::ALL
            .into_iter()
            .filter(|s| self.used[*s as usize])
            .collect()
    }

    /// Draw one run (runs come in address order, each starting where the last ended).
    pub fn run(&mut self, run: &PageRun, out: &mut dyn Write) -> io::Result<()> {
        let sym = Symbol::of(run.state);
        self.used[sym as usize] = true;
        let line_pages = self.cell_pages * self.per_line as u64;
        let mut left = run.pages;
        while left > 0 {
            if self.line.is_empty() && self.cell_filled == 0 && left >= line_pages {
                let whole = left / line_pages;
                self.whole_lines(sym, whole, out)?;
                left -= whole * line_pages;
                continue;
            }
            let take = left.min(self.cell_pages - self.cell_filled);
            self.cell = Some(self.cell.map_or(sym, |c| c.max(sym)));
            self.cell_filled += take;
            left -= take;
            if self.cell_filled == self.cell_pages {
                self.end_cell(out)?;
            }
        }
        Ok(())
    }

    /// Draw what is left: the last, partly filled cell and line, and pending repeats.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.cell_filled > 0 {
            self.line.extend(self.cell.take());
            self.cell_filled = 0;
        }
        if !self.line.is_empty() {
            let cells = std::mem::take(&mut self.line);
            self.line_done(cells, 1, out)?;
        }
        self.flush_repeats(out)
    }

    fn end_cell(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.line.extend(self.cell.take());
        self.cell_filled = 0;
        if self.line.len() == self.per_line {
            let cells = std::mem::replace(&mut self.line, Vec::with_capacity(self.per_line));
            self.line_done(cells, 1, out)?;
        }
        Ok(())
    }

    /// `count` whole lines of one symbol, without visiting their cells.
    fn whole_lines(&mut self, sym: Symbol, count: u64, out: &mut dyn Write) -> io::Result<()> {
        self.line_done(vec![sym; self.per_line], count, out)
    }

    /// `count` consecutive lines with these cells are complete.
    fn line_done(&mut self, cells: Vec<Symbol>, count: u64, out: &mut dyn Write) -> io::Result<()> {
        let mut count = count;
        if self.prev.as_ref() != Some(&cells) {
            self.flush_repeats(out)?;
            self.draw(&cells, self.line_no, out)?;
            self.prev = Some(cells);
            self.line_no += 1;
            count -= 1;
        }
        self.repeats += count;
        self.line_no += count;
        Ok(())
    }

    /// Draw the lines held back as the same as the last one drawn: one is drawn as
    /// itself, more are counted on one line.
    fn flush_repeats(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.repeats {
            0 => {}
            1 => {
                if let Some(cells) = self.prev.take() {
                    self.draw(&cells, self.line_no - 1, out)?;
                    self.prev = Some(cells);
                }
            }
            n => {
                let last_end = self.line_addr(self.line_no);
                let text = format!(
                    "{:w$} … {n} more lines the same, up to {last_end:x}",
                    "",
                    w = self.addr_digits
                );
                writeln!(
                    out,
                    "{}",
                    crate::view::pages_text::clip(&text, self.opts.width)
                )?;
                self.lines += 1;
            }
        }
        self.repeats = 0;
        Ok(())
    }

    fn line_addr(&self, line_no: u64) -> u64 {
        let line_bytes = self.cell_pages * self.per_line as u64 * self.page_size;
        self.start
            .saturating_add(line_no.saturating_mul(line_bytes))
    }

    fn draw(&mut self, cells: &[Symbol], line_no: u64, out: &mut dyn Write) -> io::Result<()> {
        let mut text = format!("{:0w$x} ", self.line_addr(line_no), w = self.addr_digits);
        let mut i = 0;
        while i < cells.len() {
            // One colour sequence per stretch of one symbol within a group of 16.
            let sym = cells[i];
            let mut k = i + 1;
            while k < cells.len() && cells[k] == sym && k % 16 != 0 {
                k += 1;
            }
            let chars: String = std::iter::repeat_n(sym.char(), k - i).collect();
            text.push_str(&paint_code(&chars, sym.sgr(), self.opts.color));
            if k % 16 == 0 && k < cells.len() {
                text.push(' ');
            }
            i = k;
        }
        self.lines += 1;
        writeln!(out, "{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(width: usize) -> StripOptions {
        StripOptions {
            width,
            color: false,
            cell_pages: None,
            max_lines: 16,
        }
    }

    fn draw(opts: StripOptions, pages: u64, runs: &[(u64, PageState)]) -> String {
        let mut out = Vec::new();
        let mut strip = Strip::new(opts, 0x7f00_0000_0000, pages, 4096);
        let mut at = 0x7f00_0000_0000;
        for &(n, state) in runs {
            let run = PageRun {
                start: at,
                pages: n,
                state,
            };
            strip.run(&run, &mut out).unwrap();
            at += n * 4096;
        }
        strip.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fault_around_reads_as_sixteen_cells() {
        let file = PageState::PRESENT | PageState::FILE | PageState::EXCLUSIVE;
        let s = draw(opts(80), 64, &[(16, file), (48, PageState::EMPTY)]);
        assert_eq!(
            s,
            format!(
                "7f0000000000 {} {}\n",
                "F".repeat(16),
                ".".repeat(16) + " " + &".".repeat(16) + " " + &".".repeat(16)
            )
        );
    }

    #[test]
    fn a_tebibyte_is_a_few_lines() {
        let s = draw(opts(60), 1 << 28, &[(1 << 28, PageState::EMPTY)]);
        assert_eq!(s.lines().count(), 2, "{s}");
        assert!(s.contains("15 more lines the same"), "{s}");
        let s = draw(
            StripOptions {
                cell_pages: Some(1),
                ..opts(80)
            },
            1 << 28,
            &[
                (5, PageState::PRESENT | PageState::EXCLUSIVE),
                ((1 << 28) - 5, PageState::EMPTY),
            ],
        );
        assert!(s.lines().count() <= 3, "{s}");
        assert!(s.starts_with("7f0000000000 AAAAA....."), "{s}");
    }

    #[test]
    fn a_cell_shows_its_most_notable_page() {
        let o = StripOptions {
            cell_pages: Some(8),
            ..opts(80)
        };
        let s = draw(
            o,
            16,
            &[
                (7, PageState::EMPTY),
                (1, PageState::PRESENT | PageState::EXCLUSIVE),
                (8, PageState::EMPTY),
            ],
        );
        assert_eq!(s, "7f0000000000 A.\n");
    }
}
