//! `vasmap self --map FILE`: the article's `ex_mmap.c`, without C and without its bugs.
//!
//! vasmap maps each file with `memmap2` ([`map`]), by default read-only and private
//! (`PROT_READ`, `MAP_PRIVATE`, as the article does; `--shared`, `--write` and
//! `--populate` change that), shows where the kernel put it, reads the file's bytes
//! through the mapping (bounded by the file's length: the article's loop reads until it
//! meets a `'0'` and runs off the end of the mapping when the file has none), and shows
//! demand paging ([`account`], [`touch`]): how much of the mapping is resident before
//! and after its pages are read, page by page, and why. Then it prints its own map with
//! the new rows marked, as a table, a layout picture (`--layout`), JSON or CSV — one
//! document with the account inside it, for the formats meant for scripts.
//!
//! Without `--map`, the demo maps its own copy of the article's `message.txt`, written to
//! a temporary file for the run, so the installed binary teaches from any folder.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use crate::inspect::{InspectError, Inspector, Task};
use crate::read::proc::{ProcDir, SourceError};
use crate::read::saved::SavedError;
use crate::teach::pages::PagesOptions;
use crate::text::{escape_path, escape_text, sanitize_message};
use crate::view::layout::LayoutOptions;
use crate::view::pipeline::Mark;
use crate::view::{OutputFormat, ViewOptions};

pub mod account;
pub mod map;
pub mod text;
pub mod touch;

pub use map::{MapMode, TOUCH_ALL_LIMIT};
pub use touch::{Touch, page_faults, page_size};

/// The article's file, mapped when no `--map` is given.
pub const MESSAGE: &[u8] = include_bytes!("../../../examples/message.txt");

/// The demo's options, plain data.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// The files to map; none: the built-in `message.txt`.
    pub files: Vec<PathBuf>,
    pub wait: bool,
    pub touch: Touch,
    pub mode: MapMode,
    /// Skip printing vasmap's own map after the demo (`--no-map`).
    pub no_map: bool,
    /// Draw vasmap's own layout, with the new mapping marked, instead of the table.
    pub layout: Option<LayoutOptions>,
    pub view: ViewOptions,
    /// How the page strips are drawn.
    pub pages: PagesOptions,
}

/// Why a file could not be mapped. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: no such file (give the path of an existing file to --map)", escape_path(.0))]
    Missing(PathBuf),
    #[error("{}: is a directory; --map takes a regular file", escape_path(.0))]
    Directory(PathBuf),
    #[error("{}: not a regular file (a FIFO, socket or device cannot be shown this way); --map takes a regular file", escape_path(.0))]
    NotRegular(PathBuf),
    #[error("{}: the file is empty, and mmap cannot map zero bytes; put some text in it first", escape_path(.0))]
    Empty(PathBuf),
    #[error("{}: permission denied: vasmap needs to read the file to map it", escape_path(.0))]
    Unreadable(PathBuf),
    #[error("{}: permission denied: --shared --write needs to open the file for writing (or drop --shared to write to a private copy)", escape_path(.0))]
    Unwritable(PathBuf),
    #[error("{}: --populate would read all {} MiB of the file into memory at once; it is refused for files over {} MiB (drop --populate: the demo then reads at most the first {} MiB)", escape_path(.0), .1 >> 20, TOUCH_ALL_LIMIT >> 20, TOUCH_ALL_LIMIT >> 20)]
    TooLargeToPopulate(PathBuf, u64),
    #[error("{}: cannot map the file: {}", escape_path(.0), .1)]
    Io(PathBuf, io::Error),
    #[error(
        "cannot write the built-in message.txt to a temporary file ({0}): set TMPDIR to a writable directory, or give a file with --map"
    )]
    Builtin(io::Error),
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

/// A hook for the tests of a file truncated after it was mapped: with
/// `VASMAP_TEST_PAUSE_AFTER_MAP` set, vasmap says `paused` on stderr and waits for a line
/// on stdin after mapping the files and before reading any of them.
fn test_pause_after_map(err: &mut dyn Write) -> io::Result<()> {
    if std::env::var_os("VASMAP_TEST_PAUSE_AFTER_MAP").is_some() {
        writeln!(err, "vasmap: paused after mapping")?;
        err.flush()?;
        let mut line = String::new();
        let _ = io::stdin().lock().read_line(&mut line);
    }
    Ok(())
}

/// Show vasmap's own map with `marks`, in the view the options say, the accounts inside
/// JSON and CSV.
fn show_own_map(
    me: &ProcDir,
    opts: &DemoOptions,
    marks: Vec<Mark>,
    accounts: &[account::Account],
    out: &mut dyn Write,
) -> Result<(), DemoError> {
    let view: Box<dyn crate::view::View> = match (&opts.layout, opts.view.format) {
        (Some(l), _) => Box::new(crate::view::layout::LayoutView::new(l.clone())),
        (None, OutputFormat::Json) => {
            let demo = serde_json::to_value(accounts).map_err(|e| DemoError::Output(e.into()))?;
            Box::new(crate::view::json::JsonOutput::with_extra(vec![(
                "demo".into(),
                demo,
            )]))
        }
        (None, OutputFormat::Csv) => Box::new(crate::view::csv::CsvView::with_extra(
            accounts
                .iter()
                .map(|a| {
                    (
                        a.start_addr,
                        vec![
                            (
                                "demo_resident_before_kb".to_string(),
                                a.resident_before_kb.to_string(),
                            ),
                            (
                                "demo_resident_after_kb".to_string(),
                                a.resident_after_kb.to_string(),
                            ),
                            ("demo_minor_faults".to_string(), a.faults.minor.to_string()),
                            ("demo_major_faults".to_string(), a.faults.major.to_string()),
                        ],
                    )
                })
                .collect(),
        )),
        _ => crate::view::make(&opts.view),
    };
    let task = if opts.layout.is_some() {
        Task::Layout(opts.layout.clone().unwrap_or_default())
    } else {
        Task::View
    };
    let mut inspector = Inspector::with_view(opts.view.clone(), task, marks, view);
    inspector.show_pid(me.pid(), out).map_err(demo_error)
}

fn demo_error(e: InspectError) -> DemoError {
    match e {
        InspectError::Output(e) => DemoError::Output(e),
        InspectError::Saved(SavedError::Source(e)) => e.into(),
        InspectError::Saved(e) => DemoError::Output(io::Error::other(e.to_string())),
    }
}

/// Run the demo, printing to `out`. Files that cannot be mapped are reported on `err`
/// and the others still shown; the result says whether all of them were.
pub fn run(
    opts: &DemoOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, DemoError> {
    run_task(opts, None, out, err)
}

/// [`run`], with vasmap's own map shown by `task` into its own output instead (`vasmap
/// report self --map` writes the page to its file; the account still goes to `out`).
pub fn run_task(
    opts: &DemoOptions,
    task: Option<(Task, &mut dyn Write)>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, DemoError> {
    let me = ProcDir::myself()?;
    let page = page_size();
    let builtin = if opts.files.is_empty() {
        let dir = tempfile::Builder::new()
            .prefix("vasmap-")
            .tempdir()
            .map_err(DemoError::Builtin)?;
        let path = dir.path().join("message.txt");
        std::fs::write(&path, MESSAGE).map_err(DemoError::Builtin)?;
        Some((dir, path))
    } else {
        None
    };
    let files: Vec<PathBuf> = match &builtin {
        Some((_, p)) => vec![p.clone()],
        None => opts.files.clone(),
    };
    let mut all_ok = true;
    let mut mapped = Vec::new();
    for path in &files {
        match map::open_and_map(path, opts.mode) {
            Ok(m) => mapped.push(m),
            Err(e) => {
                all_ok = false;
                // A stderr that cannot be written loses the message, not the demo (as
                // `stdio::report` does): the exit status still says 1.
                let _ = writeln!(err, "vasmap: {}", sanitize_message(&e.to_string()));
            }
        }
    }
    test_pause_after_map(err).map_err(DemoError::Output)?;
    let pid = std::process::id();
    let document =
        opts.layout.is_none() && matches!(opts.view.format, OutputFormat::Json | OutputFormat::Csv);
    let width = opts.view.width.map(|w| usize::from(w).max(60));
    let mut accounts = Vec::new();
    for m in &mut mapped {
        let a = account::account(&me, m, opts)?;
        if !document {
            text::write_account(&a, pid, width, out)?;
        }
        accounts.push(a);
    }
    let marks: Vec<Mark> = mapped
        .iter()
        .map(|m| {
            let name = m
                .path
                .file_name()
                .map(|n| escape_text(n.as_encoded_bytes(), false))
                .unwrap_or_default();
            Mark {
                start: m.start(),
                end: m.start() + m.reserved(page),
                note: format!("{name} mapped by vasmap"),
            }
        })
        .collect();
    if let Some((task, map_out)) = task {
        Inspector::new(opts.view.clone(), task, marks)
            .show_pid(me.pid(), map_out)
            .map_err(demo_error)?;
    } else if !opts.no_map {
        show_own_map(&me, opts, marks, &accounts, out)?;
    } else if document {
        // The accounts alone, as one document.
        let doc = serde_json::json!({ "demo": serde_json::to_value(&accounts).map_err(|e| DemoError::Output(e.into()))? });
        crate::text::json_to_writer(&mut *out, &doc).map_err(|e| DemoError::Output(e.into()))?;
        writeln!(out)?;
    }
    if opts.wait {
        writeln!(
            out,
            "\nvasmap is pid {pid}. In another terminal, try:\n  pmap {pid}\n  vasmap {pid}\nPress q or Enter (or end the input) to unmap and exit."
        )?;
        out.flush()?;
        let stdin = io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.lock().read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line.trim().is_empty() || line.contains('q') => break,
                Ok(_) => {}
            }
        }
    }
    drop(mapped);
    drop(builtin);
    Ok(all_ok)
}
