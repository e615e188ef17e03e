//! Renderers: pure functions from a [`Snapshot`] and [`ViewOptions`] to bytes on a writer.
//! One module per output format.

use std::io::{self, Write};

use crate::model::Snapshot;

pub mod chunked;
pub mod color;
pub mod csv;
pub mod fast;
pub mod json;
pub mod layout;
pub mod lookup;
pub mod numfmt;
pub mod packed;
pub mod pages;
pub mod pages_json;
pub mod pages_text;
pub mod pmap;
pub mod summary;
pub mod table;

/// Which output to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// vasmap's own table (comfy-table).
    #[default]
    Table,
    /// Byte for byte what procps-ng pmap 4.0.2 prints.
    Pmap,
    /// One JSON document per snapshot (docs/json.md).
    Json,
    /// One CSV row per region.
    Csv,
    /// Totals per kind and per file (`--summary`).
    Summary,
}

/// A row the demo wants marked, with the note to show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub start: u64,
    pub end: u64,
    pub note: String,
}

/// Everything that changes how a snapshot is shown. Plain data: built from the command
/// line by `cli.rs`, or by hand in tests.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    pub format: OutputFormat,
    /// Full paths instead of basenames (pmap -p).
    pub show_path: bool,
    /// Rows to mark (the demo's own mappings).
    pub marks: Vec<Mark>,
    /// Table width in columns; `None` fits the terminal when there is one.
    pub width: Option<u16>,
    /// Which rows to show, in what order (`--perms`, `--kind`, `--name`, `--sort`).
    pub select: crate::filter::Selection,
    /// Colour the table by permission and kind (already decided: terminal, `--color`).
    pub color: bool,
    /// Add a column saying what each region is, in plain words (`--explain`).
    pub explain: bool,
    /// `--explain` explanations by start address, worked out on the whole address space before
    /// filters and `--sort` took rows away or reordered them (explaining a mapping looks
    /// at its neighbours), by the caller (`inspect::show`): working them out reads the
    /// mapped files, which a renderer does not do. `None`: no explanation is shown.
    pub explained: Option<crate::teach::explain::ExplainedByStart>,
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
    /// Standard output is a terminal. pmap `-X`/`-XX` print mapping names raw (an escape
    /// sequence in a file name would reach the terminal); the pmap mode then prints `?`
    /// for control bytes instead. Off (byte-for-byte) when writing to a pipe or file.
    pub terminal: bool,
}

impl ViewOptions {
    /// True when a column or total needs `/proc/PID/smaps` rather than `maps`.
    pub fn needs_smaps(&self) -> bool {
        self.extended || self.extra > 0
    }

    /// True when the mapping `[start, end)` is in the `-A` range (or there is none).
    pub fn in_range(&self, start: u64, end: u64) -> bool {
        self.range.is_none_or(|r| r.overlaps(start, end))
    }
}

/// Print a snapshot in the chosen format.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    match opts.format {
        OutputFormat::Table => table::render(snap, opts, out),
        OutputFormat::Pmap => pmap::render(snap, opts, out),
        OutputFormat::Json => json::render(snap, opts, out),
        OutputFormat::Csv => csv::render(snap, opts, out),
        OutputFormat::Summary => crate::view::summary::render(snap, opts, out),
    }
}
