//! Streaming paths for the views that can print a process as it is read, so that a
//! process with 60,000 mappings costs one chunk of `/proc` text and one region of memory
//! instead of a [`crate::model::Snapshot`] of them all (19 MiB for maps, over 40 MiB for
//! smaps). The output is the same as the snapshot path's: the views are written so that
//! both go through the same per-region code (see [`crate::view::pmap::Session::begin`]).
//! See docs/performance.md.

use std::io::Write;

use crate::filter::SortKey;
use crate::inspect::{InspectError, InspectOptions};
use crate::model::Snapshot;
use crate::read::proc::{ProcDir, ReadOptions, VisitError};
use crate::view::json::JsonView;
use crate::view::pmap::Session;
use crate::view::summary::SummaryView;
use crate::view::table::TableView;
use crate::view::{OutputFormat, ViewOptions};

/// True when the view can be printed region by region in address order: no lookups, no
/// `--explain` (it looks at neighbours), no order other than the addresses'.
fn streamable(view: &ViewOptions, inspect: &InspectOptions) -> bool {
    inspect.addrs.is_empty()
        && !inspect.totals
        && !view.explain
        && view.select.sort == SortKey::Addr
        && match view.format {
            OutputFormat::Pmap | OutputFormat::Json | OutputFormat::Summary => true,
            OutputFormat::Table => crate::view::table::streamable(view),
            _ => false,
        }
}

/// `--totals` of the whole process: the kernel's own sums (`smaps_rollup`) and its own
/// virtual size (`VmSize` in `status`); `maps` is not read at all.
pub fn totals_only(read: ReadOptions, view: &ViewOptions, inspect: &InspectOptions) -> bool {
    inspect.totals
        && inspect.addrs.is_empty()
        && view.select.keeps_all()
        && view.range.is_none()
        && !read.smaps
}

/// `--totals` without a snapshot: two short reads. `None` (nothing printed) when the
/// rollup is empty (the process is exiting): the snapshot path then sums smaps itself.
fn show_totals(
    dir: &ProcDir,
    view: &ViewOptions,
    out: &mut dyn Write,
) -> Option<Result<(), InspectError>> {
    let read = (|| -> Result<_, InspectError> {
        let (info, task) = dir.prepare_with(false)?;
        let size = dir.vm_size_kb(task)?;
        let rollup = dir.rollup(task)?;
        // Same rule as a snapshot: nothing is shown for a process that did not live
        // through the reads (an exiting process's files may already be empty).
        dir.ensure_running(task)?;
        Ok((info, size, rollup))
    })();
    match read {
        Err(e) => Some(Err(e)),
        Ok((_, None, _)) | Ok((_, _, None)) => None,
        Ok((info, Some(size), Some(rec))) => {
            let t = crate::view::summary::rollup_totals(size, &rec);
            let snap = Snapshot {
                process: info,
                ..Snapshot::default()
            };
            Some(crate::view::summary::render_totals(&snap, &t, view, out).map_err(Into::into))
        }
    }
}

/// Show a live process by streaming, when the view allows it; `None` when it does not
/// (the caller then takes a snapshot).
pub fn show_pid(
    dir: &ProcDir,
    read: ReadOptions,
    view: &ViewOptions,
    inspect: &InspectOptions,
    session: &mut Session,
    out: &mut dyn Write,
) -> Option<Result<(), InspectError>> {
    if totals_only(read, view, inspect) {
        return show_totals(dir, view, out);
    }
    if !streamable(view, inspect) {
        return None;
    }
    Some(match view.format {
        OutputFormat::Json => show_json(dir, read, view, out),
        OutputFormat::Table => show_table(dir, read, view, out),
        OutputFormat::Summary => show_summary(dir, read, view, out),
        _ => show_pmap(dir, read, view, session, out),
    })
}

/// Output held back until it is known to be whole, up to [`HoldBack::LIMIT`] bytes.
///
/// A process that exits while it is read cuts its maps short without an error; only the
/// check after the last read tells (see [`ProcDir::visit_regions`]). The snapshot path
/// then prints nothing, and so does this one for any output up to the limit (a process
/// of up to some 60,000 mappings in the pmap default view): it is written only by
/// [`HoldBack::release`], after that check. Past the limit the output goes out as it
/// comes, so that memory stays bounded; a process that exits in the middle of such a read
/// leaves what was printed, and the error says it exited.
struct HoldBack<'a> {
    out: &'a mut dyn Write,
    held: Vec<u8>,
    passing: bool,
}

impl<'a> HoldBack<'a> {
    const LIMIT: usize = 4 << 20;

    fn new(out: &'a mut dyn Write) -> Self {
        HoldBack {
            out,
            held: Vec::new(),
            passing: false,
        }
    }

    /// Write what was held: the read is known to be whole.
    fn release(self) -> std::io::Result<()> {
        self.out.write_all(&self.held)?;
        self.out.flush()
    }
}

impl Write for HoldBack<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.passing && self.held.len() + buf.len() > Self::LIMIT {
            self.out.write_all(&self.held)?;
            self.held = Vec::new();
            self.passing = true;
        }
        if self.passing {
            self.out.write(buf)
        } else {
            self.held.extend_from_slice(buf);
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.passing {
            self.out.flush()
        } else {
            Ok(())
        }
    }
}

/// The result of a visit, as the inspector reports it.
fn visited(v: Result<usize, VisitError>) -> Result<(), InspectError> {
    match v {
        Ok(_) => Ok(()),
        Err(VisitError::Output(e)) => Err(e.into()),
        Err(VisitError::Source(e)) => Err(e.into()),
    }
}

fn show_table(
    dir: &ProcDir,
    read: ReadOptions,
    view: &ViewOptions,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let (info, task) = dir.prepare()?;
    let select = &view.select;
    let mut table = TableView::begin(&info, view);
    visited(dir.visit_regions(&info, task, read.smaps, |r, names| {
        if select.matches(r) {
            table.region(r, names);
        }
        Ok(())
    }))?;
    Ok(table.finish(out)?)
}

fn show_summary(
    dir: &ProcDir,
    read: ReadOptions,
    view: &ViewOptions,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let (info, task) = dir.prepare()?;
    let select = &view.select;
    let mut summary = SummaryView::begin(&info, read.smaps, view);
    visited(dir.visit_regions(&info, task, read.smaps, |r, _| {
        // As the snapshot path: the filters, then `-A`.
        if select.matches(r) && view.in_range(r.start, r.end) {
            summary.region(r);
        }
        Ok(())
    }))?;
    Ok(summary.finish(out)?)
}

fn show_json(
    dir: &ProcDir,
    read: ReadOptions,
    view: &ViewOptions,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let (info, task) = dir.prepare()?;
    let select = &view.select;
    let mut json = JsonView::begin(&info, read.smaps);
    let mut held = HoldBack::new(out);
    visited(dir.visit_regions(&info, task, read.smaps, |r, names| {
        // As the snapshot path: the filters, then `-A` (JSON shows only the range).
        if select.matches(r) && view.in_range(r.start, r.end) {
            json.region(r, names, &mut held)
        } else {
            Ok(())
        }
    }))?;
    json.finish(&mut held)?;
    Ok(held.release()?)
}

fn show_pmap(
    dir: &ProcDir,
    read: ReadOptions,
    view: &ViewOptions,
    session: &mut Session,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    let select = &view.select;
    // pmap names every thread stack `[ anon ]`: only `--kind` looks for them.
    let (info, task) = dir.prepare_with(!select.kinds.is_empty())?;
    let every = select.keeps_all();
    let mut pmap = session.begin(&info, view, false);
    let mut held = HoldBack::new(out);
    let visited_regions = dir.visit_regions(&info, task, read.smaps, |r, names| {
        if every || select.matches(r) {
            pmap.region(r, names, &mut held)
        } else {
            Ok(())
        }
    });
    visited(visited_regions)?;
    pmap.finish(&mut held)?;
    Ok(held.release()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_held_until_released_up_to_the_limit() {
        let mut out = Vec::new();
        let mut held = HoldBack::new(&mut out);
        held.write_all(b"header\n").unwrap();
        held.flush().unwrap();
        // Dropped without release (the read was cut short): nothing was written.
        drop(held);
        assert!(out.is_empty());

        let mut held = HoldBack::new(&mut out);
        held.write_all(b"rows\n").unwrap();
        held.release().unwrap();
        assert_eq!(out, b"rows\n");

        let mut out = Vec::new();
        let mut held = HoldBack::new(&mut out);
        let big = vec![b'x'; HoldBack::LIMIT / 2 + 1];
        held.write_all(&big).unwrap();
        held.write_all(&big).unwrap();
        // Past the limit, everything so far went out; the rest follows as it comes.
        drop(held);
        assert_eq!(out.len(), big.len() * 2);
    }
}
