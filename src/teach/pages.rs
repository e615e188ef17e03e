//! `vasmap pages PID WHERE`: the pages of the mapping(s) WHERE names, each page present
//! in RAM or not, file or anonymous, this process's alone or shared, as a strip with a
//! legend and counts, or as JSON. And the same strip for the demo, of a mapping of
//! vasmap's own process, in a few lines ([`draw_own_strip`]).
//!
//! This module ties the reader ([`crate::read::pagemap`]) to the views
//! ([`crate::view::pages`], [`crate::view::pages_text`], [`crate::view::pages_json`]):
//! it finds the mappings (from smaps, whose Rss, Swap and VmFlags help the reader and
//! are shown beside the counts), walks each one's pages and streams the runs to the view.
//! After the last read the process must still be alive, else what was read may be cut
//! short and nothing is claimed.

use std::io::{self, Write};

use crate::filter::NamePattern;
use crate::model::Region;
use crate::read::RegionSource;
use crate::read::pagemap::{Pagemap, PagesRead, WalkHints};
use crate::read::pagestate::PageRun;
use crate::read::proc::{ProcDir, ReadOptions, SourceError, VisitError};
use crate::view::pages::{Strip, StripOptions, Symbol};
use crate::view::pages_json::PagesJson;
use crate::view::pages_text::{
    access_notes, count_line, wrap, wrap_chars, write_counts, write_header, write_legend,
    write_notes,
};

/// Which mappings to show.
#[derive(Debug, Clone)]
pub enum Where {
    /// The mapping holding this address (as `--addr` takes it).
    Addr(u64),
    /// Every mapping whose name matches (as `--name` takes it); `text` is the pattern
    /// as given, for messages.
    Name { pattern: NamePattern, text: String },
}

impl Where {
    /// Read WHERE from the command line: an address when it starts with `0x` or is all hex
    /// digits with at least one decimal digit among them (`7f12a0000000`); otherwise a
    /// name pattern (`libc`, `[heap]`, `*.so*`). [`Where::name`] takes a name that
    /// looks like an address.
    pub fn parse(s: &str) -> Result<Where, String> {
        let t = s.trim();
        let hexish = !t.is_empty()
            && t.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_')
            && t.bytes().any(|b| b.is_ascii_digit());
        if t.starts_with("0x") || t.starts_with("0X") || hexish {
            crate::view::lookup::parse_addr(t).map(Where::Addr)
        } else {
            Where::name(s)
        }
    }

    /// A name pattern, whatever it looks like.
    pub fn name(s: &str) -> Result<Where, String> {
        Ok(Where::Name {
            pattern: NamePattern::parse(s)?,
            text: s.to_string(),
        })
    }

    fn matches(&self, r: &Region) -> bool {
        match self {
            Where::Addr(a) => r.contains(*a),
            Where::Name { pattern, .. } => pattern.matches(r),
        }
    }
}

/// How `vasmap pages` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagesOptions {
    /// JSON instead of the strip.
    pub json: bool,
    /// Columns (at least 60 fit everything).
    pub width: usize,
    /// Colour the strip (decided already: terminal, `--color`, `NO_COLOR`).
    pub color: bool,
    /// Pages per cell; `None`: automatic (the mapping in at most `max_lines` lines).
    pub cell_pages: Option<u64>,
    /// Lines of strip per mapping before cells group pages.
    pub max_lines: u64,
}

impl Default for PagesOptions {
    fn default() -> Self {
        PagesOptions {
            json: false,
            width: 80,
            color: false,
            cell_pages: None,
            max_lines: 16,
        }
    }
}

impl PagesOptions {
    fn strip(&self) -> StripOptions {
        StripOptions {
            width: self.width.max(40),
            color: self.color,
            cell_pages: self.cell_pages,
            max_lines: self.max_lines,
        }
    }
}

/// Why the pages could not be shown. Each message names the pid and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PagesError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "{pid}: {addr:#x} is in no mapping of process {pid}; `vasmap {pid} --addr {addr:#x}` \
         shows which gap it is in, `vasmap {pid}` lists the mappings"
    )]
    NoMapping { pid: i32, addr: u64 },
    #[error(
        "{pid}: no mapping of process {pid} has a name matching '{pattern}'; `vasmap {pid}` \
         lists the mappings and their names"
    )]
    NoMatch { pid: i32, pattern: String },
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
}

impl From<VisitError> for PagesError {
    fn from(e: VisitError) -> Self {
        match e {
            VisitError::Source(e) => PagesError::Source(e),
            VisitError::Output(e) => PagesError::Output(e),
        }
    }
}

/// Show the pages of the mappings of process `pid` that `where_` names. Returns true
/// when every page's state was read (false when some pages had no pagemap entry, or a
/// mapping was taken at smaps' word).
pub fn show_pages(
    pid: i32,
    where_: &Where,
    opts: &PagesOptions,
    out: &mut dyn Write,
) -> Result<bool, PagesError> {
    let dir = ProcDir::open(pid)?;
    let (info, task) = dir.prepare(ReadOptions {
        thread_stacks: true,
        ..ReadOptions::default()
    })?;
    let mut regions = Vec::new();
    {
        let mut src = dir.regions(&info, task, true)?;
        while src.advance()? {
            if where_.matches(src.region()) {
                regions.push(src.region().clone());
            }
        }
    }
    if regions.is_empty() {
        return Err(match where_ {
            Where::Addr(addr) => PagesError::NoMapping { pid, addr: *addr },
            Where::Name { .. } => PagesError::NoMatch {
                pid,
                pattern: pattern_text(where_),
            },
        });
    }
    let mut pagemap = Pagemap::open(&dir, task)?;
    let complete = if opts.json {
        show_json(&info, &regions, &mut pagemap, out)?
    } else {
        show_text(&info, &regions, &mut pagemap, opts, out)?
    };
    // A process that exited during the reads cut them short: claim nothing.
    dir.ensure_whole(task)?;
    Ok(complete)
}

fn pattern_text(w: &Where) -> String {
    match w {
        Where::Addr(a) => format!("{a:#x}"),
        Where::Name { text, .. } => crate::text::escape_text(text.as_bytes(), false),
    }
}

fn complete(read: &PagesRead) -> bool {
    read.counts.no_entry == 0 && read.method != crate::read::pagemap::Method::Smaps
}

fn show_json(
    info: &crate::model::ProcessInfo,
    regions: &[Region],
    pagemap: &mut Pagemap,
    out: &mut dyn Write,
) -> Result<bool, PagesError> {
    let mut out = io::BufWriter::new(out);
    let mut doc = PagesJson::begin(&mut out, info, pagemap.page_size())?;
    let mut all = true;
    for r in regions {
        doc.mapping(r)?;
        let read = pagemap.walk(r.start, r.end, WalkHints::for_region(r), &mut |run| {
            doc.run(run)
        })?;
        doc.end_mapping(&read, &access_notes(&read))?;
        all &= complete(&read);
    }
    doc.finish()?;
    out.flush()?;
    Ok(all)
}

fn show_text(
    info: &crate::model::ProcessInfo,
    regions: &[Region],
    pagemap: &mut Pagemap,
    opts: &PagesOptions,
    out: &mut dyn Write,
) -> Result<bool, PagesError> {
    let mut out = io::BufWriter::new(out);
    let width = opts.strip().width;
    let ps = pagemap.page_size();
    for l in wrap_chars(&crate::view::lookup::header(info), width, 2) {
        writeln!(out, "{l}")?;
    }
    let mut used = [false; Symbol::ALL.len()];
    let mut grouped = false;
    let mut notes: Vec<String> = Vec::new();
    let mut all = true;
    for r in regions {
        writeln!(out)?;
        let mut strip = Strip::new(opts.strip(), r.start, r.size() / ps, ps);
        write_header(&mut out, r, ps, strip.cell_pages(), width)?;
        grouped |= strip.cell_pages() > 1;
        let read = pagemap.walk(r.start, r.end, WalkHints::for_region(r), &mut |run| {
            strip.run(run, &mut out)
        })?;
        strip.finish(&mut out)?;
        write_counts(&mut out, r, &read, ps, width)?;
        for s in strip.used() {
            used[s as usize] = true;
        }
        for n in access_notes(&read) {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        all &= complete(&read);
    }
    writeln!(out)?;
    let used: Vec<Symbol> = Symbol::ALL
        .into_iter()
        .filter(|s| used[*s as usize])
        .collect();
    write_legend(&mut out, &used, grouped, width, opts.color)?;
    write_notes(&mut out, &notes, width)?;
    out.flush()?;
    Ok(all)
}

/// The runs and counts of `len` bytes from `start` in vasmap's own address space (a
/// mapping the demo made), kept in memory: for small mappings (the demo's, tests').
pub fn own_pages(start: u64, len: u64) -> Result<(Vec<PageRun>, PagesRead), PagesError> {
    let dir = ProcDir::myself()?;
    let mut pagemap = Pagemap::open(&dir, None)?;
    let mut runs = Vec::new();
    let hints = WalkHints {
        scan: true,
        nothing_resident: false,
    };
    let read = pagemap.walk(start, start.saturating_add(len), hints, &mut |r| {
        runs.push(*r);
        Ok(())
    })?;
    Ok((runs, read))
}

/// The demo's hook: draw the strip of `len` bytes from `start` in vasmap's own address
/// space under the line `title`, then one line of counts (a few lines in all; no legend,
/// see [`write_own_legend`]). Returns what was read, for the demo to compare steps.
pub fn draw_own_strip(
    title: &str,
    start: u64,
    len: u64,
    opts: &PagesOptions,
    out: &mut dyn Write,
) -> Result<PagesRead, PagesError> {
    let (runs, read) = own_pages(start, len)?;
    let ps = procfs::page_size().max(1);
    let mut strip = Strip::new(opts.strip(), start, len.div_ceil(ps), ps);
    writeln!(out, "{title}")?;
    if strip.cell_pages() > 1 {
        writeln!(out, "  one cell = {} pages", strip.cell_pages())?;
    }
    for r in &runs {
        strip.run(r, out)?;
    }
    strip.finish(out)?;
    let line = format!("  {}", count_line(&read.counts, ps));
    for l in wrap(&line, opts.strip().width, 4) {
        writeln!(out, "{}", l.trim_end())?;
    }
    Ok(read)
}

/// The legend for the demo's strips: every symbol, once.
pub fn write_own_legend(opts: &PagesOptions, out: &mut dyn Write) -> io::Result<()> {
    write_legend(out, &Symbol::ALL, false, opts.strip().width, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_is_an_address_or_a_name() {
        assert!(matches!(
            Where::parse("0x7f12a0000000"),
            Ok(Where::Addr(0x7f12_a000_0000))
        ));
        assert!(matches!(
            Where::parse("7f12a0000000"),
            Ok(Where::Addr(0x7f12_a000_0000))
        ));
        assert!(matches!(
            Where::parse("0x7fff_f000"),
            Ok(Where::Addr(0x7fff_f000))
        ));
        for name in ["libc", "[heap]", "*.so*", "beef", "message.txt"] {
            assert!(
                matches!(Where::parse(name), Ok(Where::Name { ref text, .. }) if text == name),
                "{name}"
            );
        }
        assert!(Where::parse("0xzz").is_err());
        assert!(Where::parse("").is_err());
        assert!(matches!(Where::name("1234"), Ok(Where::Name { .. })));
    }
}
