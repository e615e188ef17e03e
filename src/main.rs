//! The `vasmap` binary: parse the command line, run, map errors to exit codes.
//!
//! Exit codes: 0 all read, 1 some pid or file could not be read, or a name matched no
//! process (or the output could not be written), 2 a usage error. A closed pipe (`vasmap
//! 1 | head`, `vasmap --help | head -1`) is not an error: vasmap stops writing and exits
//! 0.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::cli::{Cli, Command, ProcessArg};
use vasmap::inspect::{InspectError, Inspector, Task};
use vasmap::read::proc::ReadOptions;
use vasmap::read::saved::SavedError;
use vasmap::stdio::{ensure_std_fds_open, report};
use vasmap::teach::demo::{self, DemoError, DemoOptions};
use vasmap::view::pmap;
use vasmap::view::{OutputFormat, ViewOptions};

/// True for the error a write to a closed pipe gives.
fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// What to do when output fails: a closed pipe ends the run quietly with 0; anything else
/// (a full disk) is reported once with 1.
fn output_failed(e: &io::Error) -> ExitCode {
    if is_broken_pipe(e) {
        ExitCode::SUCCESS
    } else {
        report(format_args!("cannot write the output: {e}"));
        ExitCode::from(1)
    }
}

/// Show every pid, then every `--from` file, through one inspector (one view for the
/// whole run: pmap's output carries state from one pid to the next).
fn run_inspector(
    inspector: &mut Inspector,
    pids: &[i32],
    files: &[std::path::PathBuf],
) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
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
fn run_all(cli: &Cli) -> ExitCode {
    use vasmap::read::all::{Skipped, pids, read_process};
    use vasmap::view::all::AllView;
    let (read, show) = match cli.all_options() {
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
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
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
fn resolve(processes: &[ProcessArg], failed: &mut bool) -> Vec<i32> {
    let mut pids = Vec::with_capacity(processes.len());
    for p in processes {
        match p {
            ProcessArg::Pid(pid) => pids.push(*pid),
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

/// `1 process (pid 12)`, `3 processes (pids 12, 40, 41)`: at most ten pids listed.
fn matched(pids: &[i32]) -> String {
    let mut list: Vec<String> = pids.iter().take(10).map(i32::to_string).collect();
    if pids.len() > 10 {
        list.push("...".into());
    }
    match pids.len() {
        1 => format!("1 process (pid {})", list.join(", ")),
        n => format!("{n} processes (pids {})", list.join(", ")),
    }
}

/// Keep freed memory in the process rather than hand it back to the kernel and fault it
/// in again: glibc trims the heap's top past 128 KiB free and gives big blocks mappings
/// of their own, so a view that frees and makes its working set again (`layout` merging
/// 4,096 blocks at a time) took 2,600 page faults at 60,000 mappings, 8 ms of 55 (1,000
/// faults with this). Memory is held until exit, never more than the view's peak. Not
/// for vasmap's own address space (`self`, the demo, `tour`), which is the lesson there:
/// glibc's defaults are what a student's program has.
fn hold_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets two of malloc's parameters; it is called before any other
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

fn inspect(cli: &Cli) -> ExitCode {
    if let Err(why) = cli.check_usage() {
        report(why);
        return ExitCode::from(2);
    }
    hold_freed_memory();
    if cli.inspect.all {
        return run_all(cli);
    }
    let opts = cli.view.to_options();
    if opts.format == OutputFormat::Pmap
        && let Some(why) = pmap::conflict(&opts)
    {
        report(why);
        return ExitCode::from(2);
    }
    if !cli.pids.is_empty()
        && cli
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
    let task = if !cli.inspect.addrs.is_empty() {
        Task::Lookup(cli.inspect.addrs.clone())
    } else if cli.inspect.totals {
        Task::Totals
    } else {
        Task::View
    };
    let mut failed = false;
    let pids = resolve(&cli.pids, &mut failed);
    let mut inspector = Inspector::new(opts, task, Vec::new());
    let code = run_inspector(&mut inspector, &pids, &cli.inspect.from);
    if failed && code == ExitCode::SUCCESS {
        ExitCode::from(1)
    } else {
        code
    }
}

/// The pmap mode (`vasmap --pmap ...`, or vasmap run as `pmap`): the command line read as
/// pmap reads it (`vasmap::cli::pmap`), then the inspector's loop.
fn run_pmap(inv: vasmap::cli::pmap::Invocation) -> ExitCode {
    use vasmap::cli::pmap::{Prepared, tgid_of};
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

fn run_demo(args: &vasmap::cli::SelfArgs) -> ExitCode {
    let opts: DemoOptions = args.to_options();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    let result = demo::run(&opts, &mut out, &mut err);
    let flushed = out.flush();
    match result {
        Ok(true) => flushed.map_or_else(|e| output_failed(&e), |_| ExitCode::SUCCESS),
        Ok(false) => ExitCode::from(1),
        Err(DemoError::Output(e)) => output_failed(&e),
        Err(e) => {
            report(&e);
            ExitCode::from(1)
        }
    }
}

fn run_diff(args: &vasmap::cli::DiffArgs) -> ExitCode {
    use vasmap::read::saved::Side;
    // Read smaps for live sides, so RSS, dirty and swap can be compared.
    let read = ReadOptions {
        smaps: true,
        thread_stacks: true,
        ..ReadOptions::default()
    };
    let (a, b) = match (
        Side::parse(&args.a).read(read),
        Side::parse(&args.b).read(read),
    ) {
        (Ok(mut a), Ok(mut b)) => {
            let select = args.filter.selection();
            select.apply(&mut a);
            select.apply(&mut b);
            (a, b)
        }
        (Err(e), _) | (_, Err(e)) => {
            report(&e);
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let color = vasmap::view::color::enabled(args.color);
    let width = vasmap::cli::terminal_width().map(usize::from);
    match vasmap::compare::diff::render(&a, &b, args.show_path, color, width, &mut out)
        .and_then(|_| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output_failed(&e),
    }
}

fn run_watch(args: &vasmap::cli::WatchArgs) -> ExitCode {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use vasmap::compare::watch::{WatchError, WatchOptions, run};
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)) {
        // Ctrl-C would then end vasmap without its last line; say how else to stop it.
        report(format_args!(
            "cannot catch Ctrl-C ({e}); stop the watch with `kill {}` (vasmap's own pid)",
            std::process::id()
        ));
    }
    let opts = WatchOptions {
        pid: args.pid,
        interval: args.interval,
        show_path: args.show_path,
        color: vasmap::view::color::enabled(args.color),
        width: vasmap::cli::terminal_width().map(usize::from),
        select: args.filter.selection(),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match run(&opts, &stop, &mut out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(WatchError::Output(e)) => output_failed(&e),
        Err(e) => {
            report(&e);
            ExitCode::from(1)
        }
    }
}

fn run_layout(args: &vasmap::cli::LayoutArgs) -> ExitCode {
    use vasmap::cli::Target;
    use vasmap::view::color::ColorChoice;
    use vasmap::view::layout::LayoutOptions;
    // The layout alone also leaves colour off on a `TERM=dumb` terminal when it decides.
    let color = vasmap::view::color::enabled(args.color)
        && (args.color != ColorChoice::Auto
            || std::env::var_os("TERM").is_none_or(|t| t != "dumb"));
    let svg_to_stdout = args.svg.as_deref() == Some(std::path::Path::new("-"));
    let layout = LayoutOptions {
        width: usize::from(args.width),
        color,
        max_rows: usize::from(args.rows),
        svg: svg_to_stdout,
    };
    if args.target() != Target::Myself {
        hold_freed_memory();
    }
    let (pids, files) = match &args.target() {
        Target::Pid(pid) => (vec![*pid], vec![]),
        Target::Myself => (vec![std::process::id() as i32], vec![]),
        Target::File(path) => (vec![], vec![path.clone()]),
    };
    if let Some(path) = args.svg.as_deref().filter(|_| !svg_to_stdout) {
        // The SVG goes to its file and the text picture to stdout.
        let mut svg = Vec::new();
        let svg_layout = LayoutOptions {
            svg: true,
            ..layout.clone()
        };
        let mut svg_view =
            Inspector::new(ViewOptions::default(), Task::Layout(svg_layout), Vec::new());
        let shown = match (pids.first(), files.first()) {
            (Some(&pid), _) => svg_view.show_pid(pid, &mut svg),
            (None, Some(f)) => vasmap::read::saved::read_one(f)
                .map_err(InspectError::from)
                .and_then(|snap| svg_view.show_snapshot(&snap, &mut svg)),
            _ => Ok(()),
        };
        match shown {
            Ok(()) => {}
            Err(InspectError::Output(e)) => return output_failed(&e),
            Err(e) => {
                report(&e);
                return ExitCode::from(1);
            }
        }
        if let Err(e) = std::fs::write(path, svg) {
            report(format_args!(
                "{}: cannot write the SVG: {e}",
                vasmap::text::escape_path(path)
            ));
            return ExitCode::from(1);
        }
    }
    let mut inspector = Inspector::new(ViewOptions::default(), Task::Layout(layout), Vec::new());
    // A file must hold one address space: the picture is of one.
    if let Some(path) = files.first() {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        let shown = vasmap::read::saved::read_one(path)
            .map_err(InspectError::from)
            .and_then(|snap| inspector.show_snapshot(&snap, &mut out));
        return match shown.and_then(|()| out.flush().map_err(InspectError::from)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(InspectError::Output(e)) => output_failed(&e),
            Err(e) => {
                report(&e);
                ExitCode::from(1)
            }
        };
    }
    run_inspector(&mut inspector, &pids, &files)
}

fn run_pages(args: &vasmap::cli::PagesArgs) -> ExitCode {
    use vasmap::teach::pages::{PagesError, show_pages};
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let shown = show_pages(args.pid, &args.where_, &args.to_options(), &mut out);
    let flushed = out.flush();
    match shown {
        // Pages without a pagemap entry are shown as such; that is not a failure.
        Ok(_) => flushed.map_or_else(|e| output_failed(&e), |_| ExitCode::SUCCESS),
        Err(PagesError::Output(e)) => output_failed(&e),
        Err(e) => {
            report(&e);
            ExitCode::from(1)
        }
    }
}

fn run_tour(args: &vasmap::cli::TourArgs) -> ExitCode {
    use vasmap::teach::tour::{self, TourError};
    if let Some(parent) = args.measure_for {
        // The measuring helper: its output is a protocol, its errors end it quietly (vasmap
        // reports a helper that stopped answering).
        return tour::serve(parent).map_or(ExitCode::from(1), |()| ExitCode::SUCCESS);
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    let result = tour::run(&args.to_options(), &mut out, &mut err);
    let flushed = out.flush();
    match result {
        Ok(()) => flushed.map_or_else(|e| output_failed(&e), |_| ExitCode::SUCCESS),
        Err(TourError::Output(e)) => output_failed(&e),
        Err(e) => {
            report(&e);
            ExitCode::from(1)
        }
    }
}

/// `vasmap report WHAT -o FILE.html`: the page is written to a temporary file beside
/// FILE and renamed over it once whole, so a failed run leaves the old file (or none).
fn run_report(args: &vasmap::cli::ReportArgs) -> ExitCode {
    use std::path::Path;
    use vasmap::cli::Target;
    use vasmap::text::escape_path;
    use vasmap::view::report::{ReportOptions, data::FULL_BUDGET};
    if !args.maps.is_empty() && args.target() != Target::Myself {
        report(
            "--map maps a file into vasmap itself: it goes with `vasmap report self --map FILE`, \
             not with a pid or a saved file",
        );
        return ExitCode::from(2);
    }
    let me = std::process::id() as i32;
    if args.target() != Target::Myself {
        hold_freed_memory();
    }
    let source = match &args.target() {
        Target::Pid(pid) => format!("/proc/{pid}, a live process"),
        Target::Myself if args.maps.is_empty() => format!("/proc/{me}, vasmap itself"),
        Target::Myself => {
            let files: Vec<String> = args.maps.iter().map(|f| escape_path(f)).collect();
            format!(
                "/proc/{me}, vasmap itself, after mapping {} (vasmap self --map)",
                files.join(", ")
            )
        }
        Target::File(f) => format!("the saved file {}", escape_path(f)),
    };
    let task = Task::Report(ReportOptions {
        source,
        max_rows: usize::from(args.rows),
        read_at: None,
        full_budget: if args.full { usize::MAX } else { FULL_BUDGET },
        pages_of: match &args.target() {
            _ if args.no_pages => None,
            Target::Pid(pid) => Some(*pid),
            Target::Myself => Some(me),
            Target::File(_) => None,
        },
    });
    let view = ViewOptions {
        explain: !args.no_explain,
        ..ViewOptions::default()
    };
    let to_stdout = args.output.as_os_str() == "-";
    let dir = match args.output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let cannot = |what: &str, e: &dyn std::fmt::Display| {
        report(format_args!(
            "{}: cannot {what}: {e}",
            escape_path(&args.output)
        ));
        ExitCode::from(1)
    };
    // An existing target that is not a regular file (a device such as /dev/null, a FIFO,
    // a symbolic link) is written through once the page is whole, as `> FILE` would:
    // renaming the page over it would replace the device node or the link itself.
    let through = !to_stdout
        && std::fs::symlink_metadata(&args.output).is_ok_and(|m| !m.file_type().is_file());
    let temp = if to_stdout {
        None
    } else {
        let made = if through {
            tempfile::Builder::new()
                .prefix(".vasmap-report-")
                .tempfile()
        } else {
            tempfile::Builder::new()
                .prefix(".vasmap-report-")
                .suffix(".html")
                .tempfile_in(dir)
        };
        match made {
            Ok(t) => Some(t),
            Err(e) => return cannot("write the page there (is the directory writable?)", &e),
        }
    };
    let stdout = io::stdout();
    let mut page: Box<dyn Write> = match &temp {
        Some(t) => Box::new(io::BufWriter::with_capacity(256 * 1024, t.as_file())),
        None => Box::new(io::BufWriter::new(stdout.lock())),
    };
    let mut all_mapped = true;
    let shown: Result<(), InspectError> = match &args.target() {
        Target::Myself if !args.maps.is_empty() => {
            let opts = DemoOptions {
                files: args.maps.clone(),
                view,
                ..DemoOptions::default()
            };
            // The demo's account goes to the terminal, the page to its file.
            let mut told: Box<dyn Write> = if to_stdout {
                Box::new(io::sink())
            } else {
                Box::new(io::stdout())
            };
            match demo::run_task(&opts, Some((task, &mut page)), &mut told, &mut io::stderr()) {
                Ok(all) => {
                    all_mapped = all;
                    Ok(())
                }
                Err(DemoError::Output(e)) => Err(InspectError::Output(e)),
                Err(e) => {
                    report(&e);
                    return ExitCode::from(1);
                }
            }
        }
        Target::Myself => Inspector::new(view, task, Vec::new()).show_pid(me, &mut page),
        Target::Pid(pid) => Inspector::new(view, task, Vec::new()).show_pid(*pid, &mut page),
        Target::File(f) => vasmap::read::saved::read_one(f)
            .map_err(InspectError::from)
            .and_then(|snap| {
                Inspector::new(view, task, Vec::new()).show_snapshot(&snap, &mut page)
            }),
    };
    let flushed = page.flush();
    drop(page);
    match shown {
        Ok(()) => {}
        Err(InspectError::Output(e)) if to_stdout => return output_failed(&e),
        Err(InspectError::Output(e)) => return cannot("write the page", &e),
        Err(e) => {
            report(&e);
            return ExitCode::from(1);
        }
    }
    if let Err(e) = flushed {
        return if to_stdout {
            output_failed(&e)
        } else {
            cannot("write the page", &e)
        };
    }
    if let Some(t) = temp {
        if through {
            let copied = t.reopen().and_then(|mut page| {
                let mut to = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&args.output)?;
                io::copy(&mut page, &mut to)?;
                to.flush()
            });
            if let Err(e) = copied {
                return cannot("write the page", &e);
            }
        } else {
            // A page is for others to read, as a file written by a shell would be.
            use std::os::unix::fs::PermissionsExt;
            let _ = t
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
            if let Err(e) = t.persist(&args.output) {
                return cannot("write the page", &e.error);
            }
        }
    }
    if all_mapped {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    ensure_std_fds_open();
    if let Some(inv) = vasmap::cli::pmap::from_args(std::env::args_os()) {
        return run_pmap(inv);
    }
    let cli = match vasmap::cli::parse_line(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    match &cli.command {
        Some(Command::Myself(args)) => run_demo(args),
        Some(Command::Layout(args)) => run_layout(args),
        Some(Command::Pages(args)) => run_pages(args),
        Some(Command::Report(args)) => run_report(args),
        Some(Command::Diff(args)) => run_diff(args),
        Some(Command::Watch(args)) => run_watch(args),
        Some(Command::Tour(args)) => run_tour(args),
        Some(Command::Completions { shell }) => ExitCode::from(vasmap::cli::write_generated(
            &vasmap::cli::completions(*shell),
        )),
        Some(Command::Man) => match vasmap::cli::man_page() {
            Ok(page) => ExitCode::from(vasmap::cli::write_generated(&page)),
            Err(e) => output_failed(&e),
        },
        None => inspect(&cli),
    }
}
