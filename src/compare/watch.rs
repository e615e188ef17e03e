//! `vasmap watch PID`: take a snapshot every interval and print each change to the
//! mappings once, as it is seen (a file mapped, the heap grown, a thread's stack
//! appearing), until the process exits or the user presses Ctrl-C; then a summary.
//!
//! Only `maps` is read (cheap); resident figures change all the time and would drown the
//! layout changes. A change that happens and is undone within one interval is not seen.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::compare::diff::{DiffTotals, carry_kinds, describe, diff, signed_kb};
use crate::model::Snapshot;
use crate::read::proc::{ReadOptions, SourceError, read_pid};
use crate::view::grid::fit_lines;

/// How the watch is run.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub pid: i32,
    pub interval: Duration,
    pub show_path: bool,
    pub color: bool,
    /// The terminal's width: each change is kept to it (none: one line each, for scripts).
    pub width: Option<usize>,
    /// Only changes to the mappings these filters keep (`--kind heap`...).
    pub select: crate::filter::Selection,
}

/// Why the watch stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Exited,
    Interrupted,
}

/// Errors: the first snapshot could not be taken, or a later one failed for another
/// reason than the process exiting.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Output(#[from] io::Error),
}

fn is_gone(e: &SourceError) -> bool {
    matches!(
        e,
        SourceError::Exited { .. } | SourceError::NoSuchProcess { .. } | SourceError::Zombie { .. }
    )
}

/// Sleep `d` in short steps, returning early (true) when `stop` is set.
fn sleep_unless(stop: &AtomicBool, d: Duration) -> bool {
    let until = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// Watch until the process exits or `stop` is set. Each line is flushed as it is printed.
pub fn run(
    opts: &WatchOptions,
    stop: &AtomicBool,
    out: &mut dyn Write,
) -> Result<Ended, WatchError> {
    let read = ReadOptions::default();
    let mut first = read_pid(opts.pid, read)?;
    opts.select.apply(&mut first);
    let began = Instant::now();
    let watching = format!(
        "watching {}:   {} ({} mappings, {}K) every {}; Ctrl-C to stop",
        opts.pid,
        crate::text::escape_text(&first.process.cmdline, false),
        first.regions.len(),
        first.totals().size_kb,
        humantime::format_duration(opts.interval)
    );
    writeln!(out, "{}", fit_lines(&watching, opts.width, 2))?;
    out.flush()?;
    let first_totals = first.totals();
    let mut prev: Snapshot = first;
    let mut counts = DiffTotals::default();
    let ended = loop {
        if sleep_unless(stop, opts.interval) {
            break Ended::Interrupted;
        }
        let mut cur = match read_pid(opts.pid, read) {
            Ok(s) => s,
            Err(e) if is_gone(&e) => break Ended::Exited,
            Err(e) => return Err(e.into()),
        };
        opts.select.apply(&mut cur);
        carry_kinds(&prev, &mut cur);
        let changes = diff(&prev, &cur, false);
        if !changes.is_empty() {
            let t = began.elapsed().as_secs_f64();
            for c in &changes {
                // `[    0.1s] ` before each change; its continuation lines under it.
                let room = opts.width.map(|w| w.saturating_sub(11));
                let said = describe(&prev, &cur, c, opts.show_path, opts.color, room);
                writeln!(out, "[{t:7.1}s] {}", said.replace('\n', "\n           "))?;
                let ka = c.a.map_or(0, |i| prev.regions[i].size_kb());
                let kb = c.b.map_or(0, |j| cur.regions[j].size_kb());
                counts.add(c.what, ka, kb);
            }
            out.flush()?;
        }
        prev = cur;
    };
    let why = match ended {
        Ended::Exited => format!("process {} exited", opts.pid),
        Ended::Interrupted => "stopped".to_string(),
    };
    let (a, b) = (first_totals, prev.totals());
    let summary = format!(
        "{why} after {:.1}s: {}; mappings {} -> {}, virtual {}K -> {}K ({})",
        began.elapsed().as_secs_f64(),
        counts.line(),
        a.regions,
        b.regions,
        a.size_kb,
        b.size_kb,
        signed_kb(a.size_kb, b.size_kb)
    );
    writeln!(out, "{}", fit_lines(&summary, opts.width, 2))?;
    out.flush()?;
    Ok(ended)
}
