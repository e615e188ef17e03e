//! The `vasmap` binary: parse the command line, run, map errors to exit codes.
//!
//! Exit codes: 0 all read, 1 some pid or file could not be read (or the output could not
//! be written), 2 a usage error (clap's own). A closed pipe (`vasmap 1 | head`) is not an
//! error: vasmap stops writing and exits 0.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::cli::{Cli, Command};
use vasmap::inspect::{InspectError, show_file, show_pid};
use vasmap::model::ProcessInfo;
use vasmap::read::proc::{ProcDir, ReadOptions, SourceError, read_pid};
use vasmap::read::saved::SavedError;
use vasmap::stdio::{ensure_std_fds_open, report};
use vasmap::teach::demo::{self, DemoError, DemoOptions};
use vasmap::view::OutputFormat;
use vasmap::view::pmap::{self, Shortfall};

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

fn inspect(cli: &Cli) -> ExitCode {
    let opts = cli.view.to_options();
    if opts.format == OutputFormat::Pmap
        && let Some(why) = pmap::conflict(&opts)
    {
        report(why);
        return ExitCode::from(2);
    }
    let inspect = cli.inspect.to_options();
    let read = ReadOptions {
        smaps: opts.needs_smaps(),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut failed = false;
    // The pmap output carries state from one pid to the next, as pmap does.
    let mut session = pmap::Session::default();
    let pids = cli.pids.iter().map(|&p| (Some(p), None));
    let files = cli.inspect.from.iter().map(|f| (None, Some(f)));
    for (pid, file) in pids.chain(files) {
        let shown = match (pid, file) {
            (Some(pid), _) => show_pid(pid, read, &opts, &inspect, &mut session, &mut out),
            (None, Some(file)) => show_file(file, &opts, &inspect, &mut session, &mut out),
            (None, None) => Ok(()),
        };
        match shown {
            Ok(()) => {}
            Err(InspectError::Output(e)) => return output_failed(&e),
            Err(e) => {
                // In the pmap output, print what pmap prints for such a pid (its header
                // line, or an empty map for a kernel thread); stderr still says why.
                let partial = match (&e, pid) {
                    (InspectError::Saved(SavedError::Source(se)), Some(pid))
                        if opts.format == OutputFormat::Pmap =>
                    {
                        let (info, why) = pmap_shortfall(pid, se);
                        session.render_shortfall(info.as_ref(), why, &opts, &mut out)
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

/// What pmap would still print for a pid vasmap could not read, and what is known of it.
fn pmap_shortfall(pid: i32, e: &SourceError) -> (Option<ProcessInfo>, Shortfall) {
    let why = match e {
        SourceError::NoSuchProcess { .. } => return (None, Shortfall::Missing),
        // Gone: nothing of it is shown (and its pid may already name another process).
        SourceError::Exited { .. } => return (None, Shortfall::Missing),
        SourceError::KernelThread { .. } => Shortfall::Empty { zombie: false },
        SourceError::Zombie { .. } => Shortfall::Empty { zombie: true },
        _ => Shortfall::Unreadable,
    };
    let info = ProcDir::open(pid)
        .and_then(|d| d.info())
        .ok()
        .map(|(info, _)| info);
    (info, why)
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
    let read = ReadOptions { smaps: true };
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
    match vasmap::compare::diff::render(&a, &b, args.show_path, color, &mut out)
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
    use vasmap::view::layout::{LayoutOptions, render_svg, render_text};
    let snap = match &args.target {
        Target::Pid(pid) => read_pid(*pid, ReadOptions::default()).map_err(SavedError::from),
        Target::Myself => {
            read_pid(std::process::id() as i32, ReadOptions::default()).map_err(SavedError::from)
        }
        // A saved maps/smaps capture or vasmap's own JSON.
        Target::File(path) => vasmap::read::saved::read_one(path),
    };
    let snap = match snap {
        Ok(s) => s,
        Err(e) => {
            report(&e);
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    // The layout alone also leaves colour off on a `TERM=dumb` terminal when it decides.
    let color = vasmap::view::color::enabled(args.color)
        && (args.color != ColorChoice::Auto
            || std::env::var_os("TERM").is_none_or(|t| t != "dumb"));
    let opts = LayoutOptions {
        width: usize::from(args.width),
        color,
        max_rows: usize::from(args.rows),
    };
    let mut out = io::BufWriter::new(stdout.lock());
    let svg_to_stdout = args.svg.as_deref() == Some(std::path::Path::new("-"));
    if let Some(path) = args.svg.as_deref().filter(|_| !svg_to_stdout) {
        let mut svg = Vec::new();
        if let Err(e) = render_svg(&snap, &opts, &mut svg) {
            return output_failed(&e);
        }
        if let Err(e) = std::fs::write(path, svg) {
            report(format_args!(
                "{}: cannot write the SVG: {e}",
                vasmap::text::escape_path(path)
            ));
            return ExitCode::from(1);
        }
    }
    let printed = if svg_to_stdout {
        render_svg(&snap, &opts, &mut out)
    } else {
        render_text(&snap, &opts, &mut out)
    };
    match printed.and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output_failed(&e),
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

fn main() -> ExitCode {
    ensure_std_fds_open();
    let cli = vasmap::cli::parse_args();
    match &cli.command {
        Some(Command::Myself(args)) => run_demo(args),
        Some(Command::Layout(args)) => run_layout(args),
        Some(Command::Diff(args)) => run_diff(args),
        Some(Command::Watch(args)) => run_watch(args),
        Some(Command::Tour(args)) => run_tour(args),
        Some(Command::Completions { shell }) => {
            let mut out = io::stdout().lock();
            vasmap::cli::write_completions(*shell, &mut out);
            out.flush()
                .map_or_else(|e| output_failed(&e), |_| ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let mut out = io::stdout().lock();
            vasmap::cli::write_man(&mut out)
                .and_then(|_| out.flush())
                .map_or_else(|e| output_failed(&e), |_| ExitCode::SUCCESS)
        }
        None => inspect(&cli),
    }
}
