//! The teaching subcommands run in vasmap's own address space or about one page range:
//! `vasmap self --map FILE` (the demo), `vasmap pages` and `vasmap tour`.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::stdio::report;
use vasmap::teach::demo::{self, DemoError, DemoOptions};

use crate::output_failed;

pub(crate) fn run_demo(args: &vasmap::cli::SelfArgs) -> ExitCode {
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

pub(crate) fn run_pages(args: &vasmap::cli::PagesArgs) -> ExitCode {
    use vasmap::teach::pages::{PagesError, show_pages};
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let pid = super::inspect::process_of(args.pid);
    let shown = show_pages(pid, &args.where_, &args.to_options(), &mut out);
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

pub(crate) fn run_tour(args: &vasmap::cli::TourArgs) -> ExitCode {
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
