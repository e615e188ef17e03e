//! `vasmap tour`: experiments in vasmap's own address space, one system call at a time.
//!
//! pmap, vmmap, VMMap and pwndbg show an address space as it is; the tour shows what
//! changes it and why. Each experiment is a few steps that vasmap takes in its own process
//! (or in a child it forks, where the lesson is about two processes): a `mmap`, a
//! `malloc`, a `pthread_create`, a `fork`. For every step it prints the call as C would
//! write it, the mappings the step added, removed, split or grew (the `diff` engine,
//! [`crate::compare::diff`], on a snapshot taken right before the step and one right
//! after), what changed in memory (RSS, dirty, swap of those mappings, from smaps), the
//! page faults the step took (`getrusage`) and a few sentences on why, written from what
//! was measured, never from what a textbook expects.
//!
//! Measuring must not be part of what is measured: reading smaps allocates, and an
//! allocation can grow `[heap]` or add a mapping. So a helper process reads vasmap's smaps
//! ([`probe`]), and between the two captures vasmap does nothing but the step.
//!
//! The parts: [`probe`] (the helper, the captures, the faults), [`report`] (a step as
//! data, serialised for the JSON) with [`reshape`] (splits and merges read back from
//! `diff`'s pairs) and [`figure`] (the measured figures, the page strip), `render` (a
//! step as text in 80 columns), `context` (a running experiment: where steps go,
//! `--wait`), [`scratch`] (the experiments' files, removed even on Ctrl-C), [`sys`] (the
//! raw system calls and `/proc` reads the experiments share), and one file per group of
//! experiments: `file` (mmap-file, shared-vs-private), `malloc`, `thread`, `dlopen`,
//! `stack`, `split` (mprotect-split, munmap-hole), `fork` (fork-cow) and `readpass`
//! (sequential-vs-random).

mod context;
mod dlopen;
pub mod figure;
mod file;
mod fork;
mod malloc;
pub mod probe;
mod readpass;
mod render;
pub mod report;
pub mod reshape;
pub mod scratch;
mod split;
mod stack;
pub mod sys;
mod thread;

use std::io::{self, Write};

use serde::Serialize;

use crate::read::proc::SourceError;
use crate::text::{escape_path, sanitize_message};

pub use context::Tour;
use probe::Probe;
pub use probe::serve;
use render::wrap;
use report::Step;

/// The tour's options, plain data.
#[derive(Debug, Clone, Default)]
pub struct TourOptions {
    /// The experiment to run; `None` lists them.
    pub name: Option<String>,
    /// One JSON document instead of text.
    pub json: bool,
    /// Pause after each step until Enter (or the end of input).
    pub wait: bool,
    /// `sequential-vs-random`: drop the whole page cache (root only) instead of only the
    /// experiment's own file.
    pub drop_caches: bool,
}

/// One experiment: its name on the command line, one line on what it shows, its steps.
pub struct Experiment {
    /// The name on the command line: `mmap-file`.
    pub name: &'static str,
    /// One line on what it shows, as `vasmap tour` lists it.
    pub summary: &'static str,
    /// Its steps.
    run: fn(&mut Tour) -> Result<(), TourError>,
}

/// Every experiment, in the order `vasmap tour` lists them.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "mmap-file",
        summary: "the article's program: open, mmap, read a byte, read all",
        run: file::mmap_file,
    },
    Experiment {
        name: "malloc-small",
        summary: "many small mallocs: [heap] grows with brk",
        run: malloc::small,
    },
    Experiment {
        name: "malloc-large",
        summary: "a 1 MiB malloc gets its own mapping; free unmaps it",
        run: malloc::large,
    },
    Experiment {
        name: "thread",
        summary: "a thread's stack and guard page; its malloc's arena",
        run: thread::thread,
    },
    Experiment {
        name: "dlopen",
        summary: "dlopen: the loader maps a library's rows",
        run: dlopen::dlopen,
    },
    Experiment {
        name: "stack-growth",
        summary: "recurse 1 MiB deep: [stack] grows down, within its limit",
        run: stack::stack_growth,
    },
    Experiment {
        name: "mprotect-split",
        summary: "mprotect the middle page: one mapping becomes three",
        run: split::mprotect_split,
    },
    Experiment {
        name: "munmap-hole",
        summary: "munmap the middle page: a hole appears",
        run: split::munmap_hole,
    },
    Experiment {
        name: "fork-cow",
        summary: "fork, the child writes half the pages: copy-on-write",
        run: fork::fork_cow,
    },
    Experiment {
        name: "sequential-vs-random",
        summary: "32 MiB read in order and at random: faults and time",
        run: readpass::sequential_vs_random,
    },
    Experiment {
        name: "shared-vs-private",
        summary: "MAP_SHARED and MAP_PRIVATE written: who sees what",
        run: file::shared_vs_private,
    },
];

/// The experiment called `name`.
pub fn find(name: &str) -> Option<&'static Experiment> {
    EXPERIMENTS.iter().find(|e| e.name == name)
}

/// Why an experiment could not run. Each message says which experiment, what failed and
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum TourError {
    #[error("no experiment is called '{0}'; `vasmap tour` lists them")]
    Unknown(String),
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error(
        "tour {experiment}: {call} failed: {source}{}",
        hint(.source)
    )]
    Call {
        experiment: &'static str,
        call: String,
        source: io::Error,
    },
    #[error(
        "tour {experiment}: cannot use {}: {source}; set TMPDIR to a writable directory on a disk",
        escape_path(.path)
    )]
    Scratch {
        experiment: &'static str,
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error(
        "vasmap's measuring helper (pid {pid}) failed: {why}; run the experiment again (it reads /proc/{parent}/smaps for vasmap)"
    )]
    Helper { pid: u32, parent: u32, why: String },
    #[error("cannot parse vasmap's own smaps: {0}; please report this with your kernel version")]
    Parse(String),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

/// What to do about a failed call, where the error says it.
fn hint(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ENOMEM) => " (out of memory or address space: check `ulimit -v`)",
        Some(libc::EPERM) | Some(libc::EACCES) => {
            " (refused: a security policy, seccomp or a container may forbid it)"
        }
        _ => "",
    }
}

/// The region of `snap` holding `addr`.
pub fn region_at(snap: &crate::model::Snapshot, addr: u64) -> Option<&crate::model::Region> {
    snap.region_at(addr).map(|i| &snap.regions[i])
}

/// The smaps record of the region of `snap` holding `addr` (zeros when there is none).
pub fn smaps_at(snap: &crate::model::Snapshot, addr: u64) -> crate::model::SmapsRecord {
    region_at(snap, addr)
        .and_then(|r| r.smaps.clone())
        .unwrap_or_default()
}

/// A [`TourError::Call`] for `call` in `experiment` that failed with `source`.
pub(crate) fn failed(experiment: &'static str, call: &str, source: io::Error) -> TourError {
    TourError::Call {
        experiment,
        call: call.to_string(),
        source,
    }
}

/// `errno` now; taken inside a measured step, right after its call, since the measuring
/// after it makes calls of its own.
pub(crate) fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// A [`TourError::Call`] for `call` in `experiment` that failed with `errno` `code`.
pub(crate) fn failed_with(experiment: &'static str, call: &str, code: i32) -> TourError {
    failed(experiment, call, io::Error::from_raw_os_error(code))
}

/// The JSON document of one run (docs/json.md, docs/tour.schema.json).
#[derive(Debug, Serialize)]
struct TourDoc<'a> {
    schema_version: u32,
    experiment: &'static str,
    summary: &'static str,
    pid: u32,
    page_size: u64,
    /// The helper that read smaps, or `None` when vasmap measured itself.
    helper_pid: Option<u32>,
    /// Other processes the experiment started (a forked child), all reaped at the end.
    children: &'a [i32],
    notes: &'a [String],
    steps: &'a [Step],
}

/// Print the list of experiments.
pub fn list(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Experiments in vasmap's own address space (`vasmap tour NAME` runs one):"
    )?;
    for e in EXPERIMENTS {
        writeln!(out, "  {:<21} {}", e.name, e.summary)?;
    }
    writeln!(out)?;
    for line in wrap(
        "Each step prints the call, the mappings it changed, RSS, dirty and swap, its page faults and why. --wait pauses after each step so that `pmap PID` can look; --json prints one document (docs/json.md).",
        0,
        0,
    ) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Run the experiment `opts.name` (or list them), printing to `out`; `err` takes the
/// `--wait` prompts in JSON mode.
pub fn run(opts: &TourOptions, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), TourError> {
    let Some(name) = &opts.name else {
        return list(out).map_err(TourError::Output);
    };
    let experiment = find(name).ok_or_else(|| TourError::Unknown(sanitize_message(name)))?;
    scratch::install_signal_cleanup();
    let probe = Probe::start()?;
    let mut tour = Tour {
        probe,
        page: sys::page_size(),
        opts,
        experiment,
        out,
        err,
        steps: Vec::new(),
        notes: Vec::new(),
        children: Vec::new(),
        input_open: true,
    };
    if !opts.json {
        let head = format!("vasmap tour {}: {}", experiment.name, experiment.summary);
        for line in wrap(&head, 0, 2) {
            writeln!(tour.out, "{line}").map_err(TourError::Output)?;
        }
        let how = tour.probe.describe();
        tour.note(how)?;
    } else {
        tour.notes.push(tour.probe.describe());
    }
    let helper_pid = tour.probe.helper_pid();
    (experiment.run)(&mut tour)?;
    tour.probe.finish()?;
    if opts.json {
        let doc = TourDoc {
            schema_version: 1,
            experiment: experiment.name,
            summary: experiment.summary,
            pid: std::process::id(),
            page_size: tour.page,
            helper_pid,
            children: &tour.children,
            notes: &tour.notes,
            steps: &tour.steps,
        };
        crate::text::json_to_writer(&mut *tour.out, &doc)
            .map_err(|e| TourError::Output(io::Error::other(e)))?;
        writeln!(tour.out).map_err(TourError::Output)?;
    }
    tour.out.flush().map_err(TourError::Output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_experiment_of_the_issue_is_listed_once_in_80_columns() {
        let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.name).collect();
        for want in [
            "mmap-file",
            "malloc-small",
            "malloc-large",
            "thread",
            "dlopen",
            "stack-growth",
            "mprotect-split",
            "munmap-hole",
            "fork-cow",
            "sequential-vs-random",
            "shared-vs-private",
        ] {
            assert_eq!(names.iter().filter(|n| **n == want).count(), 1, "{want}");
        }
        let mut out = Vec::new();
        list(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
    }
}
