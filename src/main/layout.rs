//! `vasmap layout`: the picture as text on stdout, as SVG on stdout (`--svg -`), or both
//! (the SVG to its file).

use std::io::{self, Write};
use std::process::ExitCode;

use vasmap::inspect::{InspectError, Inspector, Task};
use vasmap::stdio::report;
use vasmap::view::ViewOptions;

use crate::inspect::run_inspector;
use crate::{hold_freed_memory, output_failed};

pub(crate) fn run_layout(args: &vasmap::cli::LayoutArgs) -> ExitCode {
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
    let target = args.target();
    if target != Target::Myself {
        hold_freed_memory();
    }
    let (pids, files) = match &target {
        Target::Pid(pid) => (vec![super::inspect::process_of(*pid)], vec![]),
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
