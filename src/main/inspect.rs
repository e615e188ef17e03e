//! The inspector's runs: `vasmap PID...` and `--from FILE` (names resolved to pids), the
//! pmap mode's loop, and `--all`.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::cli::{Line, ProcessArg};
use vasmap::inspect::{InspectError, Inspector, Task};
use vasmap::read::saved::SavedError;
use vasmap::stdio::report;
use vasmap::view::OutputFormat;
use vasmap::view::pmap;

use crate::{hold_freed_memory, output_failed};

/// Show every pid, then every `--from` file, through one inspector (one view for the
/// whole run: pmap's output carries state from one pid to the next).
pub(crate) fn run_inspector(
    inspector: &mut Inspector,
    pids: &[i32],
    files: &[std::path::PathBuf],
) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(vasmap::stdio::OUT_BUFFER, stdout.lock());
    let mut failed = false;
    let targets = pids
        .iter()
        .map(|&p| (Some(p), None))
        .chain(files.iter().map(|f| (None, Some(f))));
    for (pid, file) in targets {
        let shown = match (pid, file) {
            (Some(pid), _) => inspector.show_pid(pid, &mut out),
            (None, Some(file)) => inspector.show_file(file, &mut out),
            (None, None) => Ok(()),
        };
        match shown {
            Ok(()) => {}
            Err(InspectError::Output(e)) => return output_failed(&e),
            Err(e) => {
                // What the view still prints for such a pid (pmap: its header line, or an
                // empty map for a kernel thread); stderr says why.
                let partial = match (&e, pid) {
                    (InspectError::Saved(SavedError::Source(se)), Some(pid)) => {
                        inspector.shortfall(pid, se, &mut out)
                    }
                    _ => Ok(()),
                };
                // Keep stdout and stderr in order when both go to one terminal.
                if let Err(e) = partial.and_then(|()| out.flush()) {
                    return output_failed(&e);
                }
                report(&e);
                failed = true;
            }
        }
    }
    if let Err(e) = out.flush() {
        return output_failed(&e);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `vasmap --all`: every process `/proc` lists, read one after the other into one view.
/// A process that cannot be read is counted, not reported (the view says how many and
/// why); only an unexpected failure makes the exit status 1.
pub(crate) fn run_all(line: &Line) -> ExitCode {
    use vasmap::read::all::{Skipped, pids, read_process};
    use vasmap::view::all::AllView;
    let (read, show) = match line.all_options() {
        Ok(o) => o,
        Err(why) => {
            report(why);
            return ExitCode::from(2);
        }
    };
    let pids = match pids() {
        Ok(p) => p,
        Err(e) => {
            report(&e);
            return ExitCode::from(1);
        }
    };
    let mut view = AllView::new(show);
    let mut failed = false;
    let mut buf = Vec::with_capacity(4096);
    for pid in pids {
        match read_process(pid, &read, &mut buf) {
            Ok(m) => {
                if let Err(e) = view.add(&m) {
                    return output_failed(&e);
                }
            }
            Err(why) => {
                failed |= matches!(why, Skipped::Failed(_));
                view.skip(why);
            }
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(vasmap::stdio::OUT_BUFFER, stdout.lock());
    if let Err(e) = view.finish(&mut out).and_then(|()| out.flush()) {
        return output_failed(&e);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The pids the command line's processes stand for, in its order: a name becomes every
/// process so named (said on stderr), or an error (reported; `failed` is then set).
pub(crate) fn resolve(processes: &[ProcessArg], failed: &mut bool) -> Vec<i32> {
    let mut pids = Vec::with_capacity(processes.len());
    for p in processes {
        match p {
            ProcessArg::Pid(pid) => pids.push(process_of(*pid)),
            ProcessArg::Name(name) => {
                match vasmap::read::byname::find_by_name(name.as_encoded_bytes()) {
                    Ok(found) => {
                        report(format_args!(
                            "{}: {}",
                            vasmap::text::escape_text(name.as_encoded_bytes(), false),
                            matched(&found)
                        ));
                        pids.extend(found);
                    }
                    Err(e) => {
                        report(&e);
                        *failed = true;
                    }
                }
            }
        }
    }
    pids
}

/// The process a pid given on the command line stands for: itself, or for a thread id
/// the process it belongs to, as in pmap (a process's threads share its address space),
/// said on stderr as a name's pids are. A pid that cannot be looked at is left as it is
/// (reading it then says why).
pub(crate) fn process_of(pid: i32) -> i32 {
    match vasmap::read::procfile::tgid_of(pid) {
        Some(tgid) if tgid != pid => {
            report(format_args!(
                "{pid} is a thread of process {tgid}, whose address space it shares: \
                 showing process {tgid}"
            ));
            tgid
        }
        _ => pid,
    }
}

/// `1 process (pid 12)`, `3 processes (pids 12, 40, 41)`: at most ten pids listed.
pub(crate) fn matched(pids: &[i32]) -> String {
    let mut list: Vec<String> = pids.iter().take(10).map(i32::to_string).collect();
    if pids.len() > 10 {
        list.push("...".into());
    }
    match pids.len() {
        1 => format!("1 process (pid {})", list.join(", ")),
        n => format!("{n} processes (pids {})", list.join(", ")),
    }
}

pub(crate) fn inspect(line: &Line) -> ExitCode {
    if let Err(why) = line.check_usage() {
        report(why);
        return ExitCode::from(2);
    }
    hold_freed_memory();
    if line.inspect.all {
        return run_all(line);
    }
    let opts = line.view.to_options();
    if opts.format == OutputFormat::Pmap
        && let Some(why) = pmap::conflict(&opts)
    {
        report(why);
        return ExitCode::from(2);
    }
    if !line.pids.is_empty()
        && line
            .inspect
            .addrs
            .iter()
            .any(|a| matches!(a, vasmap::view::lookup::Addr::Fault))
    {
        report(
            "--addr fault asks where a core dump's fault address is: give the core with \
             --from CORE, and no process id (a live process has no fault address)",
        );
        return ExitCode::from(2);
    }
    let task = if !line.inspect.addrs.is_empty() {
        Task::Lookup(line.inspect.addrs.clone())
    } else if line.inspect.totals {
        Task::Totals
    } else {
        Task::View
    };
    let mut failed = false;
    let pids = resolve(&line.pids, &mut failed);
    let mut inspector = Inspector::new(opts, task, Vec::new());
    let code = run_inspector(&mut inspector, &pids, &line.inspect.from);
    if failed && code == ExitCode::SUCCESS {
        ExitCode::from(1)
    } else {
        code
    }
}

/// The pmap mode (`vasmap --pmap ...`, or vasmap run as `pmap`): the command line read as
/// pmap reads it (`vasmap::cli::pmap`), then the inspector's loop.
pub(crate) fn run_pmap(inv: vasmap::cli::pmap::Invocation) -> ExitCode {
    use vasmap::cli::pmap::Prepared;
    use vasmap::read::procfile::tgid_of;
    hold_freed_memory();
    let home = std::env::var_os("HOME");
    let prepared = inv.prepare(
        home.as_deref(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    match prepared {
        Prepared::Done(code) => ExitCode::from(code),
        Prepared::Show(plan) => {
            // pmap shows a thread id as its process: the tgid's header and rows.
            let pids: Vec<i32> = plan.pids.iter().map(|&p| tgid_of(p).unwrap_or(p)).collect();
            let mut inspector = Inspector::new(plan.view, Task::View, Vec::new());
            run_inspector(&mut inspector, &pids, &plan.files)
        }
    }
}
