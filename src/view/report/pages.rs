//! The page strips of a report of a live process (or of vasmap itself): each region's
//! pages read from `/proc/PID/pagemap` as `vasmap pages` reads them
//! ([`Pagemap::walk`]: the `PAGEMAP_SCAN` ioctl where the kernel has it, so an untouched
//! terabyte costs one call), and drawn as at most [`CELLS`] cells a region, each cell the
//! most notable state among its pages (the `pages` view's [`Symbol`] order: one touched
//! page in a cell of 512 still shows).
//!
//! Bounded whatever the process: [`CELLS`] characters a region, and no more than
//! [`BUDGET`] in all (about 1 MB of page); the regions past it get no strip, and the
//! element says how many and how to see them (`vasmap pages PID ADDR`). A saved capture
//! or a core dump records no page states: no element is written, and the panel says so.
//!
//! The element: `<script type="application/json" id="vasmap-pages">` with `page_size`,
//! `fields` (the names of a strip's array entries), `regions` (one entry per region of
//! the page, in its order: `null` where not read, or `[cells, cell_pages, pages,
//! present, file, anonymous, exclusive, swapped]`), `legend` (each symbol and what it
//! means) and `note` (why some or all were not read).

use std::io::{self, Write};

use serde::Serialize;

use crate::model::{Explanation, Region};
use crate::read::pagemap::Pagemap;
use crate::read::pageread::WalkHints;
use crate::read::proc::ProcDir;
use crate::view::pages::Symbol;

use super::data::{Regions, ScriptSafe};

/// The most cells a region's strip has.
pub const CELLS: u64 = 256;

/// The most cells of all strips together.
pub const BUDGET: usize = 1 << 20;

/// One region's strip, written as an array (`[cells, cell_pages, pages, present, file,
/// anonymous, exclusive, swapped]`: 60,000 one-page mappings cost 1.5 MB of page
/// rather than 6 MB as objects): one character a cell ([`Symbol::char`]), the pages a
/// cell stands for, then the counts.
#[derive(Debug, Serialize)]
struct Strip(String, u64, u64, u64, u64, u64, u64, u64);

#[derive(Debug, Serialize)]
struct Legend {
    symbol: char,
    meaning: &'static str,
}

#[derive(Debug, Serialize)]
struct Element {
    pid: i32,
    page_size: u64,
    fields: [&'static str; 8],
    regions: Vec<Option<Strip>>,
    legend: Vec<Legend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The cells of a region of `pages` pages, filled as its runs come.
struct Cells {
    cells: Vec<Symbol>,
    cell_pages: u64,
    start: u64,
    page_size: u64,
}

impl Cells {
    fn new(r: &Region, page_size: u64) -> Cells {
        let pages = r.size().div_ceil(page_size).max(1);
        let cell_pages = pages.div_ceil(CELLS);
        let n = pages.div_ceil(cell_pages) as usize;
        Cells {
            cells: vec![Symbol::Empty; n],
            cell_pages,
            start: r.start,
            page_size,
        }
    }

    fn run(&mut self, start: u64, pages: u64, symbol: Symbol) {
        if pages == 0 {
            return;
        }
        let first = start.saturating_sub(self.start) / self.page_size;
        let last = first.saturating_add(pages - 1);
        let (c0, c1) = (first / self.cell_pages, last / self.cell_pages);
        for c in c0..=c1.min(self.cells.len() as u64 - 1) {
            let cell = &mut self.cells[c as usize];
            *cell = (*cell).max(symbol);
        }
    }
}

/// Read the pages of every region of the page from process `pid` and write the
/// `vasmap-pages` element. A process that cannot be read (gone, or pagemap refused) gets
/// an element with no strip and a note saying why; only a failed write is an error.
pub fn write_pages(
    dir: &ProcDir,
    regions: &mut dyn Regions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let pid = dir.pid();
    let mut element = Element {
        pid,
        page_size: 4096,
        fields: [
            "cells",
            "cell_pages",
            "pages",
            "present",
            "file",
            "anonymous",
            "exclusive",
            "swapped",
        ],
        regions: Vec::new(),
        legend: Symbol::ALL
            .iter()
            .map(|s| Legend {
                symbol: s.char(),
                meaning: s.meaning(),
            })
            .collect(),
        note: None,
    };
    if let Err(why) = read_strips(dir, regions, &mut element) {
        element.regions.clear();
        element.note = Some(format!(
            "The pages were not read: {why}. `vasmap pages {pid} ADDR` reads them."
        ));
    }
    out.write_all(b"<script type=\"application/json\" id=\"vasmap-pages\">\n")?;
    crate::text::json_to_writer(&mut ScriptSafe(out), &element)
        .map_err(crate::view::json::json_err)?;
    out.write_all(b"\n</script>\n")
}

/// Fill `element` with a strip per region, as far as the budget goes; `Err` says why the
/// pages could not be read at all.
fn read_strips(
    dir: &ProcDir,
    regions: &mut dyn Regions,
    element: &mut Element,
) -> Result<(), String> {
    let pid = dir.pid();
    let mut pagemap = Pagemap::open(dir, None).map_err(|e| e.to_string())?;
    let ps = pagemap.page_size();
    element.page_size = ps;
    let mut used = 0usize;
    let mut over = 0usize;
    let strips = &mut element.regions;
    // A region that cannot be read ends the walk: its error, as text, is the note.
    let each = &mut |r: &Region, _: Option<&Explanation>| -> io::Result<()> {
        let mut cells = Cells::new(r, ps);
        if used + cells.cells.len() > BUDGET {
            over += 1;
            strips.push(None);
            return Ok(());
        }
        used += cells.cells.len();
        let c = pagemap
            .walk(r.start, r.end, WalkHints::for_region(r), &mut |run| {
                cells.run(run.start, run.pages, Symbol::of(run.state));
                Ok(())
            })
            .map_err(|e| io::Error::other(e.to_string()))?
            .counts;
        strips.push(Some(Strip(
            cells.cells.iter().map(|s| s.char()).collect(),
            cells.cell_pages,
            c.pages,
            c.present,
            c.file,
            c.anonymous,
            c.exclusive,
            c.swapped,
        )));
        Ok(())
    };
    regions.each(each).map_err(|e| e.to_string())?;
    // A process that exited during the reads cut them short: claim nothing.
    dir.ensure_whole(None).map_err(|e| e.to_string())?;
    if over > 0 {
        element.note = Some(format!(
            "{over} regions have no strip: the page keeps at most {BUDGET} cells in all. \
             `vasmap pages {pid} ADDR` shows any of them."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_the_most_notable_page_and_stay_bounded() {
        let region =
            |text: &str| crate::read::parse::parse_maps(text.as_bytes()).unwrap()[0].clone();
        let r = region("10000-10000010000 ---p 0 00:00 0\n");
        let mut c = Cells::new(&r, 4096);
        assert_eq!(c.cells.len() as u64, CELLS);
        assert_eq!(c.cell_pages, (1u64 << 28) / CELLS);
        // One file page in the middle of cell 3, then one anonymous page in cell 3.
        let at = r.start + 3 * c.cell_pages * 4096 + 4096 * 7;
        c.run(at, 1, Symbol::FileShared);
        c.run(at + 4096, 1, Symbol::AnonOwn);
        c.run(r.start, 1, Symbol::Empty);
        assert_eq!(c.cells[3], Symbol::AnonOwn);
        assert_eq!(c.cells[2], Symbol::Empty);
        assert_eq!(c.cells[4], Symbol::Empty);
        // A run past the end is clipped to the last cell.
        c.run(r.end - 4096, 5, Symbol::Swapped);
        assert_eq!(c.cells[CELLS as usize - 1], Symbol::Swapped);

        let small = region("1000-4000 rw-p 0 00:00 0\n");
        let mut c = Cells::new(&small, 4096);
        assert_eq!((c.cells.len(), c.cell_pages), (3, 1));
        c.run(0x2000, 2, Symbol::FileOwn);
        let s: String = c.cells.iter().map(|s| s.char()).collect();
        assert_eq!(s, ".FF");
    }
}
