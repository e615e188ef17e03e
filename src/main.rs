//! The `vasmap` binary: parse the command line, run, map errors to exit codes.
//!
//! Exit codes: 0 all read, 1 some pid or file could not be read (or the output could not
//! be written), 2 a usage error (clap's own). A closed pipe (`vasmap 1 | head`) is not an
//! error: vasmap stops writing and exits 0.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use vasmap::cli::{Cli, Command};
use vasmap::demo::{self, DemoError, DemoOptions};
use vasmap::render::render;
use vasmap::source::{ReadOptions, read_pid};
use vasmap::stdio::{ensure_std_fds_open, report};

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
    let read = ReadOptions::default();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut failed = false;
    for &pid in &cli.pids {
        match read_pid(pid, read) {
            Ok(snap) => {
                if let Err(e) = render(&snap, &opts, &mut out) {
                    return output_failed(&e);
                }
            }
            Err(e) => {
                // Keep stdout and stderr in order when both go to one terminal.
                if let Err(e) = out.flush() {
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

fn run_demo(args: &vasmap::cli::SelfArgs) -> ExitCode {
    let opts = DemoOptions {
        files: args.maps.clone(),
        wait: args.wait,
        view: args.view.to_options(),
        ..DemoOptions::default()
    };
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

fn main() -> ExitCode {
    ensure_std_fds_open();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Myself(args)) => run_demo(args),
        None => inspect(&cli),
    }
}
