//! The inspector: for each pid or saved file, pick the source, read only what the view
//! needs, and run the one pipeline ([`crate::view::pipeline`]) into the view.
//!
//! This is the layer that knows every other: it opens `/proc/PID` or a file
//! ([`crate::read`]), lends the explainer ([`crate::teach::explain`]) to the pipeline
//! when `--explain` asks, and hands the rows to a view ([`crate::view`]).

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::model::{ProcessInfo, Snapshot};
use crate::read::SnapshotSource;
use crate::read::proc::{ProcDir, ReadOptions, SourceError};
use crate::read::saved::{SavedError, read_saved};
use crate::teach::explain::Explainer;
use crate::view::layout::{LayoutOptions, LayoutView};
use crate::view::lookup::LookupView;
use crate::view::pipeline::{Explain, Plan, ShowError, show};
use crate::view::totals::TotalsView;
use crate::view::{Head, Note, OutputFormat, Shortfall, View, ViewOptions};

/// What to show of each process or file.
#[derive(Debug, Clone)]
pub enum Task {
    /// The view `opts.format` chooses.
    View,
    /// `--addr`: the mapping holding each address.
    Lookup(Vec<crate::view::lookup::Addr>),
    /// `--totals`: one row for the whole process.
    Totals,
    /// `vasmap layout`.
    Layout(LayoutOptions),
    /// `vasmap report`: one HTML page (`crate::view::report`).
    Report(crate::view::report::ReportOptions),
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

impl From<ShowError> for InspectError {
    fn from(e: ShowError) -> Self {
        match e {
            ShowError::Source(e) => e.into(),
            ShowError::Output(e) => InspectError::Output(e),
        }
    }
}

/// One run of the inspector: a view that lives across every pid and file of the run.
pub struct Inspector {
    opts: ViewOptions,
    task: Task,
    plan: Plan,
    view: Box<dyn View>,
}

impl Inspector {
    /// An inspector showing through `view` (for `task`, as `opts` says).
    pub fn with_view(
        opts: ViewOptions,
        task: Task,
        marks: Vec<crate::view::pipeline::Mark>,
        view: Box<dyn View>,
    ) -> Self {
        let plan = Plan {
            select: opts.select.clone(),
            range: opts.range,
            marks,
        };
        Inspector {
            opts,
            task,
            plan,
            view,
        }
    }

    /// An inspector showing `task` as `opts` says.
    pub fn new(opts: ViewOptions, task: Task, marks: Vec<crate::view::pipeline::Mark>) -> Self {
        let view: Box<dyn View> = match &task {
            Task::View => crate::view::make(&opts),
            Task::Lookup(addrs) => Box::new(LookupView::new(
                addrs.iter().filter_map(|a| a.at()).collect(),
                opts.clone(),
                opts.format == OutputFormat::Json,
            )),
            Task::Totals => Box::new(TotalsView::new(opts.width)),
            Task::Layout(l) => Box::new(LayoutView::new(l.clone())),
            Task::Report(r) => Box::new(crate::view::report::ReportView::new(r.clone())),
        };
        Inspector::with_view(opts, task, marks, view)
    }

    /// What to read of a live process for this task.
    pub fn read_options(&self) -> ReadOptions {
        let o = &self.opts;
        let kinds = !o.select.kinds.is_empty();
        let smaps = match &self.task {
            Task::Lookup(_) | Task::Layout(_) => false,
            Task::Totals => !o.select.keeps_all() || o.range.is_some(),
            Task::Report(_) => true,
            Task::View => {
                o.needs_smaps()
                    || o.select.needs_smaps()
                    || matches!(
                        o.format,
                        OutputFormat::Json | OutputFormat::Csv | OutputFormat::Summary
                    )
            }
        };
        // pmap names every thread stack `[ anon ]`, and `--totals` shows no rows: only
        // `--kind` needs thread stacks there (one file per thread).
        let thread_stacks = match &self.task {
            Task::Totals => kinds,
            Task::View if o.format == OutputFormat::Pmap => kinds,
            _ => true,
        };
        // Only JSON prints the process's name, start of stack and program path; the
        // other views print the command line (`stat` is read when it is empty) and name
        // the stack by the kernel's `[stack]` (docs/performance.md: the budget per pid).
        let lean = match &self.task {
            Task::Totals => true,
            Task::View => matches!(
                o.format,
                OutputFormat::Pmap | OutputFormat::Table | OutputFormat::Summary
            ),
            _ => false,
        };
        // Kinds are shown by every view but pmap's, and `--kind` filters on them.
        let no_kinds = !kinds
            && match &self.task {
                Task::Totals => true,
                Task::View => o.format == OutputFormat::Pmap,
                _ => false,
            };
        ReadOptions {
            smaps,
            thread_stacks,
            limits: matches!(self.task, Task::Layout(_) | Task::Report(_)),
            skip_stat: lean,
            skip_exe_id: no_kinds,
            skip_exe_path: lean,
        }
    }

    /// Whole-process `--totals`: the kernel's own sums (`smaps_rollup`) and its virtual
    /// size (`VmSize`); `maps` is not read at all.
    fn totals_from_rollup(&self) -> bool {
        matches!(self.task, Task::Totals)
            && self.opts.select.keeps_all()
            && self.opts.range.is_none()
    }

    /// The explainer, when the view shows explanations.
    fn explains(&self) -> bool {
        self.opts.explain
            && match self.task {
                Task::View => matches!(
                    self.opts.format,
                    OutputFormat::Table | OutputFormat::Json | OutputFormat::Csv
                ),
                Task::Report(_) => true,
                _ => false,
            }
    }

    /// Show a live process.
    pub fn show_pid(&mut self, pid: i32, out: &mut dyn Write) -> Result<(), InspectError> {
        let dir = ProcDir::open(pid)?;
        let read = self.read_options();
        if self.totals_from_rollup() && self.show_rollup(&dir, out)? {
            return Ok(());
        }
        let (info, task) = dir.prepare(read)?;
        // An exiting process has an empty rollup: its smaps is summed instead.
        let smaps = read.smaps || matches!(self.task, Task::Totals);
        let mut src = dir.regions(&info, task, smaps)?;
        let head = Head {
            process: &info,
            has_smaps: smaps,
            notes: &[],
            live: Some(&dir),
        };
        let mut explainer = Explainer::new();
        let ex: Option<&mut dyn Explain> = if self.explains() {
            Some(&mut explainer)
        } else {
            None
        };
        show(&mut src, &head, self.view.as_mut(), &self.plan, ex, out)?;
        Ok(())
    }

    /// `--totals` from `smaps_rollup`; false (nothing printed) when the rollup is empty.
    fn show_rollup(&self, dir: &ProcDir, out: &mut dyn Write) -> Result<bool, InspectError> {
        // The header needs the command line only.
        let (info, task) = dir.prepare(ReadOptions {
            skip_stat: true,
            skip_exe_id: true,
            skip_exe_path: true,
            ..ReadOptions::default()
        })?;
        let size = dir.vm_size_kb(task)?;
        let rollup = dir.rollup(task)?;
        // As for regions: nothing is shown of a process that did not live through the
        // reads (an exiting process's files may already be empty).
        dir.ensure_whole(task)?;
        let (Some(size), Some(rec)) = (size, rollup) else {
            return Ok(false);
        };
        let t = crate::view::totals::rollup_totals(size, &rec);
        let head = crate::view::Head {
            process: &info,
            has_smaps: true,
            notes: &[],
            live: Some(dir),
        };
        crate::view::totals::render_totals(&head, &t, self.opts.width, out)?;
        Ok(true)
    }

    /// Show a snapshot (a saved file's, or one taken before).
    pub fn show_snapshot(
        &mut self,
        snap: &Snapshot,
        out: &mut dyn Write,
    ) -> Result<(), InspectError> {
        let mut src = SnapshotSource::new(snap);
        let notes = notes_of(snap);
        let head = Head {
            process: &snap.process,
            has_smaps: snap.has_smaps,
            notes: &notes,
            live: None,
        };
        // `--addr fault`: the core's fault address, resolved for this snapshot.
        if let Task::Lookup(addrs) = &self.task
            && addrs.iter().any(|a| a.at().is_none())
        {
            let fault = snap.process.core.as_ref().and_then(|c| c.fault_addr);
            let Some(fault) = fault else {
                let path = snap
                    .process
                    .core
                    .as_ref()
                    .map(|c| PathBuf::from(std::ffi::OsStr::from_bytes(&c.path)))
                    .unwrap_or_else(|| {
                        PathBuf::from(std::ffi::OsStr::from_bytes(&snap.process.cmdline))
                    });
                return Err(InspectError::Saved(SavedError::NoFault { path }));
            };
            let resolved = addrs.iter().map(|a| a.at().unwrap_or(fault)).collect();
            self.view = Box::new(LookupView::new(
                resolved,
                self.opts.clone(),
                self.opts.format == OutputFormat::Json,
            ));
        }
        let mut explainer = Explainer::for_snapshot(&snap.process);
        let ex: Option<&mut dyn Explain> = if self.explains() {
            Some(&mut explainer)
        } else {
            None
        };
        show(&mut src, &head, self.view.as_mut(), &self.plan, ex, out)?;
        Ok(())
    }

    /// Show every snapshot of a saved file.
    pub fn show_file(&mut self, path: &Path, out: &mut dyn Write) -> Result<(), InspectError> {
        let o = &self.opts;
        // The views that print smaps figures as columns or sums (JSON and CSV say
        // `has_smaps: false` themselves).
        let shows_figures = match &self.task {
            Task::Totals => true,
            Task::View => {
                o.needs_smaps() || o.select.needs_smaps() || o.format == OutputFormat::Summary
            }
            _ => false,
        };
        for snap in read_saved(path)? {
            if shows_figures && !snap.has_smaps {
                if snap.process.core.is_some() {
                    crate::stdio::report(format_args!(
                        "{}: a core dump has no smaps figures (RSS, PSS, dirty, swap): they \
                         show as - (the pmap output prints 0); read the live process, or an \
                         smaps capture, for them",
                        crate::text::escape_path(path)
                    ));
                } else {
                    crate::stdio::report(format_args!(
                        "{}: a maps capture has no smaps figures (RSS, dirty, swap and the \
                         rest show as -, and as 0 in the pmap output): save /proc/PID/smaps \
                         instead",
                        crate::text::escape_path(path)
                    ));
                }
            }
            self.show_snapshot(&snap, out)?;
        }
        Ok(())
    }

    /// Print what the view prints for a pid that could not be read (pmap prints its
    /// header line, or an empty map for a kernel thread or zombie).
    pub fn shortfall(&mut self, pid: i32, e: &SourceError, out: &mut dyn Write) -> io::Result<()> {
        let why = match e {
            // Gone: nothing of it is shown (and its pid may already name another process).
            SourceError::NoSuchProcess { .. } | SourceError::Exited { .. } => Shortfall::Missing,
            SourceError::KernelThread { .. } => Shortfall::Empty { zombie: false },
            SourceError::Zombie { .. } => Shortfall::Empty { zombie: true },
            _ => Shortfall::Unreadable,
        };
        let info: Option<ProcessInfo> = match why {
            Shortfall::Missing => None,
            _ => ProcDir::open(pid).and_then(|d| d.info()).ok(),
        };
        self.view.shortfall(info.as_ref(), why, out)
    }
}

/// The lines under a view's first line: for a core dump, its signal and where the
/// fault address is.
pub fn notes_of(snap: &Snapshot) -> Vec<Note> {
    let Some(core) = &snap.process.core else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    if let Some(t) = crate::teach::fault::describe_signal(core) {
        notes.push(Note {
            key: "signal_text",
            text: t,
        });
    }
    if let Some(t) = crate::teach::fault::describe_fault(snap) {
        notes.push(Note {
            key: "fault_text",
            text: t,
        });
    }
    notes
}

/// Show a snapshot through the whole pipeline (filters, order, `--explain`) as `opts`
/// says: what `vasmap --from FILE` does with each snapshot of the file.
pub fn render_snapshot(
    snap: &Snapshot,
    opts: &ViewOptions,
    out: &mut dyn Write,
) -> Result<(), InspectError> {
    Inspector::new(opts.clone(), Task::View, Vec::new()).show_snapshot(snap, out)
}
