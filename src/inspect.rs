//! The inspector's work for one process or saved file: read what the view needs, apply the
//! filters and the order, then print the view, the `--addr` lookups or the `--totals`.

use std::io::{self, Write};
use std::path::Path;

use crate::model::Snapshot;
use crate::read::proc::{ProcDir, ReadOptions, SourceError};
use crate::read::saved::{SavedError, read_saved};
use crate::view::pmap::Session;
use crate::view::{OutputFormat, ViewOptions, render};

/// What the inspector was asked beside the view.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// `--addr`: addresses to look up instead of printing the view.
    pub addrs: Vec<u64>,
    /// `--totals`: only the whole-process totals.
    pub totals: bool,
}

/// Why one process or file could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Saved(#[from] SavedError),
    #[error(transparent)]
    Output(#[from] io::Error),
}

impl From<SourceError> for InspectError {
    fn from(e: SourceError) -> Self {
        InspectError::Saved(SavedError::Source(e))
    }
}

/// True when the view needs `/proc/PID/smaps` rather than `maps`.
pub fn needs_smaps(view: &ViewOptions, inspect: &InspectOptions) -> bool {
    if !inspect.addrs.is_empty() {
        return false;
    }
    matches!(
        view.format,
        OutputFormat::Json | OutputFormat::Csv | OutputFormat::Summary
    ) || view.select.needs_smaps()
        || (inspect.totals && (!view.select.keeps_all() || view.range.is_some()))
}

/// Show one snapshot: filter, sort and print it as asked.
/// `session` carries the pmap output's state from one process to the next.
pub fn show(
    mut snap: Snapshot,
    view: &ViewOptions,
    inspect: &InspectOptions,
    session: &mut Session,
    out: &mut dyn Write,
) -> io::Result<()> {
    if !inspect.addrs.is_empty() {
        // Lookups search every mapping, in address order: a filter would hide the very
        // neighbours that say where a gap is. The kernel lists mappings in order; a
        // hand-edited capture may not.
        snap.regions.sort_by_key(|r| r.start);
        if view.format == OutputFormat::Json {
            return crate::view::lookup::render_json(&snap, &inspect.addrs, out);
        }
        return crate::view::lookup::render(&snap, &inspect.addrs, view, out);
    }
    // Explaining a mapping looks at its neighbours in address order: work the texts out
    // before filters and sorting take rows away or move them. It also reads the mapped
    // files, which is done here so that the renderers stay pure.
    let explained_view;
    // Every row is explained, whatever filters, `--sort` and `-A` leave (the table applies
    // `-A` itself, JSON and CSV below); the views that show no explanation skip the work.
    let view = if view.explain
        && matches!(
            view.format,
            OutputFormat::Table | OutputFormat::Json | OutputFormat::Csv
        ) {
        explained_view = ViewOptions {
            explained: Some(std::sync::Arc::new(crate::teach::explain::all_by_start(
                &snap,
            ))),
            ..view.clone()
        };
        &explained_view
    } else {
        view
    };
    view.select.apply(&mut snap);
    // The table and pmap views apply `-A` themselves (pmap's totals have their quirks);
    // the others show only the mappings in the range.
    let own_range = matches!(view.format, OutputFormat::Table | OutputFormat::Pmap);
    if view.range.is_some() && (inspect.totals || !own_range) {
        snap.regions.retain(|r| view.in_range(r.start, r.end));
    }
    if inspect.totals {
        let mut t = snap.totals();
        t.size_kb = crate::view::summary::process_size_kb(&snap.regions);
        return crate::view::summary::render_totals(&snap, &t, view, out);
    }
    match view.format {
        OutputFormat::Pmap => session.render(&snap, view, out),
        _ => render(&snap, view, out),
    }
}

/// Show a live process.
pub fn show_pid(
    pid: i32,
    read: ReadOptions,
    view: &ViewOptions,
    inspect: &InspectOptions,
    session: &mut Session,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let read = ReadOptions {
        smaps: read.smaps || needs_smaps(view, inspect),
    };
    let dir = ProcDir::open(pid)?;
    // Views that can print as they read do so, in bounded memory (docs/performance.md).
    if let Some(shown) = crate::view::fast::show_pid(&dir, read, view, inspect, session, out) {
        return shown;
    }
    // `--totals` of the whole process is printed from smaps_rollup by the fast path; it
    // comes here only when the rollup was empty (the process is exiting): sum smaps then.
    let read = if crate::view::fast::totals_only(read, view, inspect) {
        ReadOptions { smaps: true }
    } else {
        read
    };
    let snap = dir.snapshot(read)?;
    show(snap, view, inspect, session, out)?;
    Ok(())
}

/// Show every snapshot of a saved file.
pub fn show_file(
    path: &Path,
    view: &ViewOptions,
    inspect: &InspectOptions,
    session: &mut Session,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let snaps = read_saved(path)?;
    for snap in snaps {
        if view.select.needs_smaps() && !snap.has_smaps {
            crate::stdio::report(format_args!(
                "{}: a maps capture has no smaps figures to sort by: save /proc/PID/smaps instead",
                crate::text::escape_path(path)
            ));
        }
        show(snap, view, inspect, session, out)?;
    }
    Ok(())
}
