//! The `vasmap` binary: parse the command line, run, map errors to exit codes.
//!
//! Exit codes: 0 all read, 1 some pid or file could not be read, or a name matched no
//! process (or the output could not be written), 2 a usage error. A closed pipe (`vasmap
//! 1 | head`, `vasmap --help | head -1`) is not an error: vasmap stops writing and exits
//! 0.
//!
//! Here: the dispatch and the exit codes of output failures. Each subcommand's run is in
//! the binary's own modules under `src/main/`: the inspector's runs and the pmap mode
//! (`inspect.rs`), `layout` (`layout.rs`), `report` (`report.rs`), `diff` and `watch`
//! (`compare.rs`), the demo, `pages` and `tour` (`teach.rs`).

#[path = "main/compare.rs"]
mod compare;
#[path = "main/inspect.rs"]
mod inspect;
#[path = "main/layout.rs"]
mod layout;
#[path = "main/report.rs"]
mod report;
#[path = "main/teach.rs"]
mod teach;

use std::io;
use std::process::ExitCode;

use vasmap::cli::Command;
use vasmap::stdio::{ensure_std_fds_open, report};

use compare::{run_diff, run_watch};
use inspect::{inspect, run_pmap};
use layout::run_layout;
use report::run_report;
use teach::{run_demo, run_pages, run_tour};

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
        None => inspect(&cli.line),
    }
}
