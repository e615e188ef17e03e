//! The outputs. Every view (the table, pmap's bytes, JSON, CSV, the summary, the totals,
//! `--addr` lookups, the layout picture) implements one trait, [`View`], once, and is fed
//! by one pipeline (`crate::inspect`), whatever the source: a live process, a saved
//! capture, a core dump.
//!
//! A view is handed the process ([`Head`]) and pulls its rows one at a time from a
//! [`Rows`] stream, in the order it is to show them, each with what the pipeline worked
//! out for it (the `--explain` words, the demo's mark). Pulling rather than being pushed
//! to lets a view keep its per-process state on its own stack, borrowing the head (the
//! pmap output's running totals and the `-X` column list across pids, say), and it leaves
//! every choice between streaming and buffering to the pipeline: a view that prints as it
//! goes (pmap, JSON, CSV) prints as rows come; one that must see every row first (the
//! table measures its columns, the layout merges runs) keeps them packed itself. No view
//! reads a file: explanations reach it as data.
//!
//! Output is whole or absent: the pipeline holds what a view writes until its source says
//! the rows were complete (a process that exits while it is read cuts its maps short
//! without an error), spilling to an unlinked temporary file past a few MiB
//! ([`spool`]).

use std::io::{self, Write};

use crate::model::{Explanation, ProcessInfo, Region, Snapshot};

pub mod all;
pub mod all_out;
pub mod all_table;
pub mod color;
pub mod csv;
pub mod grid;
pub mod json;
pub mod layout;
pub mod legend;
pub mod lookup;
pub mod memory;
pub mod numfmt;
pub mod packed;
pub mod pages;
pub mod pages_json;
pub mod pages_text;
pub mod pipeline;
pub mod pmap;
pub mod pmap_view;
pub mod report;
pub mod spool;
pub mod summary;
pub mod table;
pub mod totals;

/// Which output to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// vasmap's own table.
    #[default]
    Table,
    /// Byte for byte what procps-ng pmap 4.0.2 prints.
    Pmap,
    /// One JSON document per address space (docs/json.md).
    Json,
    /// One CSV row per region.
    Csv,
    /// Totals per kind and per file (`--summary`).
    Summary,
}

/// Everything that changes how an address space is shown. Plain data: built from the
/// command line by `cli.rs`, or by hand in tests.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    pub format: OutputFormat,
    /// Full paths instead of basenames (pmap -p).
    pub show_path: bool,
    /// Width to fit, in columns; `None`: as wide as the rows need (a pipe).
    pub width: Option<u16>,
    /// Which rows to show, in what order (`--perms`, `--kind`, `--name`, `--sort`).
    pub select: crate::filter::Selection,
    /// Colour by permission and kind (already decided: terminal, `--color`, NO_COLOR).
    pub color: bool,
    /// Show what each region is, in plain words (`--explain`).
    pub explain: bool,
    /// Under the table, what the colours, figures and letters mean (`--legend`, and
    /// with `--explain`).
    pub legend: bool,
    /// `-x`: resident, PSS, dirty and swap figures from smaps.
    pub extended: bool,
    /// `-X` given this many times: 1 for `-X` (pmap's smaps columns), 2 or more for `-XX`
    /// (every field the kernel gives, VmFlags included).
    pub extra: u8,
    /// `-d`: offset and device columns, and pmap's mapped/writeable/shared summary.
    pub device: bool,
    /// `-q`: no header row and no footer (the `PID:   cmd` line stays).
    pub quiet: bool,
    /// `-A`: only mappings overlapping this range.
    pub range: Option<crate::range::AddrRange>,
    /// The pmap output mode escapes the command line as procps does for the locale's
    /// character set: true when it is UTF-8 (see [`pmap::locale_is_utf8`]).
    pub utf8_locale: bool,
    /// `utf8_locale` is not decided: ask the C library ([`pmap::locale_is_utf8`], once)
    /// when a command line first holds a byte whose escape depends on it. Loading the
    /// locale cost a tenth of `vasmap --pmap` of a small process, and a command line of
    /// printable ASCII, the usual one, is escaped alike in every locale.
    pub ask_locale: bool,
    /// Standard output is a terminal. pmap `-X`/`-XX` print mapping names raw (an escape
    /// sequence in a file name would reach the terminal); the pmap mode then prints `?`
    /// for control bytes instead. Off (byte-for-byte) when writing to a pipe or file.
    pub terminal: bool,
    /// `pmap -c`/`-C FILE`: the columns an rc file enables. With a selection the pmap
    /// output is pmap's `-X`-style view with only those columns (it reads smaps).
    pub pmap_fields: Option<crate::view::pmap::FieldSelection>,
}

impl ViewOptions {
    /// True when a column or total needs `/proc/PID/smaps` rather than `maps`.
    pub fn needs_smaps(&self) -> bool {
        self.extended || self.extra > 0 || self.pmap_fields.is_some()
    }

    /// True when the mapping `[start, end)` is in the `-A` range (or there is none).
    pub fn in_range(&self, start: u64, end: u64) -> bool {
        self.range.is_none_or(|r| r.overlaps(start, end))
    }
}

/// What a view is told about the address space before its rows.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// The process (for a saved file: what the file says of it; pid 0 when nothing).
    pub process: &'a ProcessInfo,
    /// True when the rows carry smaps figures.
    pub has_smaps: bool,
    /// Lines the views print under their first line, each with a key for JSON: for a
    /// core dump, the signal and where its fault address is (`crate::teach::fault`).
    pub notes: &'a [Note],
    /// The live process's `/proc/PID`, as the rows were read from it (`None` for a saved
    /// file or a core). A view that reads more of the process (the report's page strips)
    /// reads through this opening rather than `/proc/PID` again: a pid that a new process
    /// took since cannot be read in its place (the opening stays the old process's, and
    /// its files fail once it is gone).
    pub live: Option<&'a crate::read::proc::ProcDir>,
}

/// A line under a view's first line (see [`Head::notes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its name in JSON (`signal_text`, `fault_text`).
    pub key: &'static str,
    pub text: String,
}

impl Head<'_> {
    /// The first line of a view and the notes under it.
    pub fn title(&self) -> Vec<String> {
        let mut lines = vec![crate::view::lookup::header(self.process)];
        lines.extend(self.notes.iter().map(|n| n.text.clone()));
        lines
    }

    /// Print the first line and the notes fitted to `width`: a live process's line is
    /// shortened in the middle like pmap's long command lines; a core's names the file,
    /// the process and the writer, all of which matter, so it wraps; notes wrap under it.
    pub fn write_title(&self, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
        let lines = self.title();
        for (n, line) in lines.iter().enumerate() {
            let (first, rest) = if n == 0 { ("", "  ") } else { ("  ", "  ") };
            match width {
                Some(w) if n == 0 && self.process.core.is_none() => {
                    writeln!(out, "{}", crate::view::grid::shorten_middle(line, w))?;
                }
                Some(w) => {
                    for (i, l) in crate::view::grid::wrap(line, w.saturating_sub(2))
                        .iter()
                        .enumerate()
                    {
                        writeln!(out, "{}{l}", if i == 0 { first } else { rest })?;
                    }
                }
                None => writeln!(out, "{first}{line}")?,
            }
        }
        Ok(())
    }

    /// Where the address space was read from.
    pub fn origin(&self) -> Origin {
        if self.process.core.is_some() {
            Origin::Core
        } else if self.process.saved || self.process.pid <= 0 {
            Origin::File
        } else {
            Origin::Process
        }
    }
}

/// Where an address space was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A live process, through `/proc/PID`.
    Process,
    /// A saved maps/smaps capture or vasmap JSON (`--from`).
    File,
    /// An ELF core dump (`--from CORE`).
    Core,
}

/// One region as a view sees it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub region: &'a Region,
    /// The smaps field names a record's [`crate::model::FieldId`]s index.
    pub fields: &'a [String],
    /// `--explain`'s words for it, when asked for.
    pub explain: Option<&'a Explanation>,
    /// The demo's note for a mapping it made (`message.txt mapped by vasmap`).
    pub mark: Option<&'a str>,
}

/// Why a view stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum Stop {
    /// The rows could not all be read; the pipeline holds the reason (the source's own
    /// error), and nothing the view wrote for this address space is shown.
    #[error("the input was cut short")]
    Input,
    /// Writing the output failed.
    #[error(transparent)]
    Output(#[from] io::Error),
}

/// A stream of rows in the order the view shows them.
pub trait Rows {
    /// The next row, or `None` after the last. The row borrows the stream: use it before
    /// asking for the next.
    fn next_row(&mut self) -> Result<Option<Row<'_>>, Stop>;
}

/// What a view needs the pipeline to leave in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wants {
    /// Every region, whatever `--perms`, `--kind` and `--name` say (`--addr` names the
    /// neighbours of an address; a filter would hide them).
    pub unfiltered: bool,
    /// Every region whatever `-A` says: the view applies the range itself (pmap does, with
    /// quirks of its own in its totals).
    pub whole_range: bool,
    /// The rows in address order whatever `--sort` says.
    pub address_order: bool,
}

impl Wants {
    /// Rows in address order whatever `--sort` says, filtered and in the range as asked:
    /// what a view that draws the address space (or sorts its own rows) needs.
    pub const ADDRESS_ORDER: Wants = Wants {
        unfiltered: false,
        whole_range: false,
        address_order: true,
    };
}

/// Why an address space could not be shown in full; decides what pmap would still have
/// printed (see [`View::shortfall`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// The pid does not exist: pmap prints nothing.
    Missing,
    /// maps/smaps could not be opened (permission): pmap prints the header line only.
    Unreadable,
    /// A kernel thread or zombie: its maps file is empty, pmap prints an empty view.
    Empty { zombie: bool },
}

/// An output. One value serves a whole run: [`View::show`] is called once per address
/// space, in order, so a view can carry state from one to the next (pmap's `-X` does).
pub trait View {
    /// Show one address space: `head`, then every row of `rows`.
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop>;

    /// What the view prints for a process that could not be read in full (`info`: what is
    /// known of it). Only the pmap output prints anything: what pmap would.
    fn shortfall(
        &mut self,
        _info: Option<&ProcessInfo>,
        _why: Shortfall,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        Ok(())
    }

    /// What the pipeline must leave in for this view.
    fn wants(&self) -> Wants {
        Wants::default()
    }
}

/// The view for `opts.format`.
pub fn make(opts: &ViewOptions) -> Box<dyn View> {
    match opts.format {
        OutputFormat::Table => Box::new(table::TableView::new(opts.clone())),
        OutputFormat::Pmap => Box::new(pmap_view::PmapOutput::new(opts.clone())),
        OutputFormat::Json => Box::new(json::JsonOutput::new()),
        OutputFormat::Csv => Box::new(csv::CsvView::new()),
        OutputFormat::Summary => Box::new(summary::SummaryView::new(opts.clone())),
    }
}

/// Rows read straight from a snapshot's regions, in the order they are stored.
pub struct SnapshotRows<'a> {
    snap: &'a Snapshot,
    next: usize,
}

impl<'a> SnapshotRows<'a> {
    /// Every region of `snap`, as stored.
    pub fn new(snap: &'a Snapshot) -> Self {
        SnapshotRows { snap, next: 0 }
    }
}

impl Rows for SnapshotRows<'_> {
    fn next_row(&mut self) -> Result<Option<Row<'_>>, Stop> {
        let Some(region) = self.snap.regions.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(Row {
            region,
            fields: &self.snap.smaps_fields,
            explain: None,
            mark: None,
        }))
    }
}

/// Show every region of a snapshot, as stored, in the view `opts` chooses: no filter, no
/// order, no explanation (the inspector's pipeline does those: `crate::inspect`).
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut view = make(opts);
    let head = Head {
        process: &snap.process,
        has_smaps: snap.has_smaps,
        notes: &[],
        live: None,
    };
    match view.show(&head, &mut SnapshotRows::new(snap), out) {
        Ok(()) => Ok(()),
        Err(Stop::Output(e)) => Err(e),
        // A snapshot's rows are all there.
        Err(Stop::Input) => Ok(()),
    }
}
