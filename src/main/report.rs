//! `vasmap report`: the HTML page written whole to a temporary file and renamed over
//! its destination.

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::inspect::{InspectError, Inspector, Task};
use vasmap::stdio::report;
use vasmap::teach::demo::{self, DemoError, DemoOptions};
use vasmap::view::ViewOptions;

use crate::{hold_freed_memory, output_failed};

/// `vasmap report WHAT -o FILE.html`: the page is written to a temporary file beside
/// FILE and renamed over it once whole, so a failed run leaves the old file (or none).
pub(crate) fn run_report(args: &vasmap::cli::ReportArgs) -> ExitCode {
    use std::path::Path;
    use vasmap::cli::Target;
    use vasmap::text::escape_path;
    use vasmap::view::report::{ReportOptions, data::FULL_BUDGET};
    let target = match args.target() {
        Target::Pid(pid) => Target::Pid(super::inspect::process_of(pid)),
        other => other,
    };
    if !args.maps.is_empty() && target != Target::Myself {
        report(
            "--map maps a file into vasmap itself: it goes with `vasmap report self --map FILE`, \
             not with a pid or a saved file",
        );
        return ExitCode::from(2);
    }
    let me = std::process::id() as i32;
    if target != Target::Myself {
        hold_freed_memory();
    }
    let source = match &target {
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
        pages: !args.no_pages && !matches!(target, Target::File(_)),
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
    let shown: Result<(), InspectError> = match &target {
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
