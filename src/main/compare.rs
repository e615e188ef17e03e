//! `vasmap diff A B` and `vasmap watch PID`.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::read::proc::ReadOptions;
use vasmap::stdio::report;

use crate::output_failed;

pub(crate) fn run_diff(args: &vasmap::cli::DiffArgs) -> ExitCode {
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

pub(crate) fn run_watch(args: &vasmap::cli::WatchArgs) -> ExitCode {
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
        pid: super::inspect::process_of(args.pid),
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
