//! Renderers: pure functions from a [`Snapshot`] and [`ViewOptions`] to bytes on a writer.
//! One module per output format.

use std::io::{self, Write};

use crate::model::Snapshot;

pub mod csv;
pub mod json;
pub mod pmap;
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
}

/// Print a snapshot in the chosen format.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    match opts.format {
        OutputFormat::Table => table::render(snap, opts, out),
        OutputFormat::Pmap => pmap::render(snap, opts, out),
        OutputFormat::Json => json::render(snap, opts, out),
        OutputFormat::Csv => csv::render(snap, opts, out),
        OutputFormat::Summary => crate::summary::render(snap, opts, out),
    }
}
