//! The subcommands' arguments (`self`, `layout`, `pages`, `tour`, `diff`, `watch`), as
//! clap derive definitions, each with the plain options it turns into. Re-exported from
//! [`crate::cli`], where the `Command` enum names them.

use std::path::PathBuf;

use clap::Args;

use super::values::parse_pid;
use super::{FilterArgs, ViewArgs, terminal_width};
use crate::teach::demo::Touch;
use crate::view::color::ColorChoice;

/// `vasmap pages PID WHERE`.
#[derive(Debug, Args)]
pub struct PagesArgs {
    /// The process id.
    #[arg(value_name = "PID", value_parser = parse_pid)]
    pub pid: i32,

    /// Which mapping: an address in it (hex: 0x7f12a0000000) or a name pattern as
    /// --name takes it (`libc`, `'[heap]'`, `'*.so*'`); a name may match several mappings.
    #[arg(value_name = "WHERE", value_parser = crate::teach::pages::Where::parse)]
    pub where_: crate::teach::pages::Where,

    /// The pages as JSON: runs and counts per mapping (docs/json.md).
    #[arg(long)]
    pub json: bool,

    /// Width in columns (at least 60).
    #[arg(long, default_value_t = 80, value_parser = clap::value_parser!(u16).range(60..))]
    pub width: u16,

    /// Colour the strip: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Pages per cell of the strip (default: as few as draw each mapping in 16 lines).
    #[arg(long, value_name = "PAGES", value_parser = clap::value_parser!(u64).range(1..))]
    pub cell: Option<u64>,
}

impl PagesArgs {
    /// The plain options `show_pages` takes.
    pub fn to_options(&self) -> crate::teach::pages::PagesOptions {
        crate::teach::pages::PagesOptions {
            json: self.json,
            width: usize::from(self.width),
            color: !self.json && crate::view::color::enabled(self.color),
            cell_pages: self.cell,
            ..Default::default()
        }
    }
}

/// `vasmap tour [NAME]`.
#[derive(Debug, Args)]
pub struct TourArgs {
    /// The experiment to run (`vasmap tour` lists them).
    #[arg(value_name = "NAME", value_parser = tour_names())]
    pub name: Option<String>,

    /// Print one JSON document: every step with its changes, faults and figures
    /// (docs/json.md).
    #[arg(long)]
    pub json: bool,

    /// Pause after each step and print vasmap's pid, so that `pmap PID` can look from
    /// another terminal; Enter (or the end of input) goes on.
    #[arg(long)]
    pub wait: bool,

    /// sequential-vs-random: as root, drop the whole page cache before each pass
    /// (/proc/sys/vm/drop_caches) instead of only the experiment's own file. Slows every
    /// other program on the machine for a while.
    #[arg(long)]
    pub drop_caches: bool,

    /// Internal: serve as the measuring helper of vasmap PID (its parent).
    #[arg(long, value_name = "PID", hide = true, value_parser = parse_pid)]
    pub measure_for: Option<i32>,
}

/// The experiments' names, each with its one line, for clap.
fn tour_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        crate::teach::tour::EXPERIMENTS
            .iter()
            .map(|e| clap::builder::PossibleValue::new(e.name).help(e.summary)),
    )
}

impl TourArgs {
    /// The plain options the tour takes.
    pub fn to_options(&self) -> crate::teach::tour::TourOptions {
        crate::teach::tour::TourOptions {
            name: self.name.clone(),
            json: self.json,
            wait: self.wait,
            drop_caches: self.drop_caches,
        }
    }
}

/// `vasmap report WHAT -o FILE.html`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A process id, `self` (vasmap's own address space; with --map, the demo's), or a
    /// saved maps/smaps capture, vasmap `--json` file or core dump.
    #[arg(value_name = "PID|self|FILE", value_parser = parse_target, required_unless_present = "from")]
    pub target_arg: Option<Target>,

    /// A saved capture, vasmap `--json` file or core dump, as for the other views (the
    /// same as giving FILE; `vasmap --from FILE report` reads as it is written).
    #[arg(long = "from", value_name = "FILE", conflicts_with = "target_arg")]
    pub from: Option<PathBuf>,

    /// The page to write (`-` for standard output). An existing file is replaced, whole,
    /// only once the page is complete.
    #[arg(short = 'o', long = "output", value_name = "FILE.html")]
    pub output: PathBuf,

    /// With `self`: map this file into vasmap first, as `vasmap self --map` does, and mark
    /// it on the page (repeat for several).
    #[arg(long = "map", value_name = "FILE")]
    pub maps: Vec<PathBuf>,

    /// Leave out what each region is (--explain's words and ELF sections): no mapped file
    /// is read.
    #[arg(long)]
    pub no_explain: bool,

    /// Embed every smaps figure of every mapping, however large the page gets (by default
    /// a page past a few MB keeps only the figures its table shows).
    #[arg(long)]
    pub full: bool,

    /// Leave out the page strips (each region's pages, read from /proc/PID/pagemap as
    /// `vasmap pages` reads them; a live process only).
    #[arg(long)]
    pub no_pages: bool,

    /// Merge neighbouring rows of the drawing until at most this many remain.
    #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u16).range(8..))]
    pub rows: u16,
}

/// `vasmap diff A B`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot: a pid (all digits) or a saved file (maps, smaps or vasmap JSON;
    /// write `./1234` for a file named 1234).
    #[arg(value_name = "A")]
    pub a: String,

    /// The later snapshot, the same way.
    #[arg(value_name = "B")]
    pub b: String,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Show full paths instead of file names.
    #[arg(short = 'p', long = "show-path")]
    pub show_path: bool,

    /// Colour: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `vasmap watch PID`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The process to watch.
    #[arg(value_name = "PID", value_parser = parse_pid)]
    pub pid: i32,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// How often to look: `1s`, `250ms`, `2m`.
    #[arg(long, short = 'n', value_name = "DURATION", default_value = "1s", value_parser = parse_interval)]
    pub interval: std::time::Duration,

    /// Show full paths instead of file names.
    #[arg(short = 'p', long = "show-path")]
    pub show_path: bool,

    /// Colour: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// A watch interval: a humantime duration of at least 10ms.
fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let shown = crate::text::escape_text(s.as_bytes(), false);
    let d = humantime::parse_duration(s).map_err(|e| {
        format!(
            "'{shown}' is not a duration ({}): write e.g. 1s, 250ms or 2m",
            crate::text::sanitize_message(&e.to_string())
        )
    })?;
    if d < std::time::Duration::from_millis(10) {
        return Err(format!(
            "'{shown}' is too short: the interval must be at least 10ms"
        ));
    }
    Ok(d)
}

/// `vasmap layout`'s options.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// A process id, `self` (vasmap's own address space) or a saved maps/smaps file
    /// (or vasmap's own `--json` output, or a core dump).
    #[arg(value_name = "PID|self|FILE", value_parser = parse_target, required_unless_present = "from")]
    pub target_arg: Option<Target>,

    /// A saved capture, vasmap `--json` file or core dump, as for the other views (the
    /// same as giving FILE; `vasmap --from FILE layout` reads as it is written).
    #[arg(long = "from", value_name = "FILE", conflicts_with = "target_arg")]
    pub from: Option<PathBuf>,

    /// Also write the picture as an SVG file (`-` writes the SVG to stdout instead of
    /// the text picture).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Colour rows by permission: `auto` only on a terminal (and not when NO_COLOR is
    /// set), `always`, or `never`.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Width of the picture in columns (at least 60).
    #[arg(long, default_value_t = 80, value_parser = clap::value_parser!(u16).range(60..))]
    pub width: u16,

    /// Merge neighbouring rows until at most this many remain.
    #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u16).range(8..))]
    pub rows: u16,
}

/// The target of `layout` or `report`: FILE from `--from`, else the one given.
fn target_of(given: &Option<Target>, from: &Option<PathBuf>) -> Target {
    match (from, given) {
        (Some(f), _) => Target::File(f.clone()),
        (None, Some(t)) => t.clone(),
        // clap requires one of the two.
        (None, None) => Target::Myself,
    }
}

impl LayoutArgs {
    /// What to draw.
    pub fn target(&self) -> Target {
        target_of(&self.target_arg, &self.from)
    }
}

impl ReportArgs {
    /// What the page is of.
    pub fn target(&self) -> Target {
        target_of(&self.target_arg, &self.from)
    }
}

/// What `layout` draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pid(i32),
    Myself,
    File(PathBuf),
}

/// A pid, `self`, or else a path to a saved maps file.
fn parse_target(s: &str) -> Result<Target, String> {
    if s == "self" {
        Ok(Target::Myself)
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        parse_pid(s).map(Target::Pid)
    } else {
        Ok(Target::File(PathBuf::from(s)))
    }
}

/// The demo's options.
#[derive(Debug, Args)]
pub struct SelfArgs {
    /// A file to map into vasmap: read-only and private unless --shared or --write say
    /// otherwise (repeat for several files). Without it, vasmap maps its own copy of the
    /// article's message.txt.
    #[arg(long = "map", value_name = "FILE")]
    pub maps: Vec<PathBuf>,

    /// After showing the map, print the pid and wait for `q`, Enter or end of input
    /// before unmapping, so another tool (`pmap PID`) can look at the process.
    #[arg(long)]
    pub wait: bool,

    /// Which pages to read through the mapping: `none`, the `first`, or `all` (one byte
    /// of each page). The demo shows what became resident and the page faults it took.
    #[arg(long, value_enum, default_value_t = Touch::All)]
    pub touch: Touch,

    /// Map with MAP_POPULATE: the kernel faults every page in inside mmap, so all of it is
    /// resident before anything is read.
    #[arg(long)]
    pub populate: bool,

    /// Drop the file's pages from the page cache first (posix_fadvise DONTNEED), so the
    /// reads go to the disk: major faults and readahead instead of fault-around.
    #[arg(long)]
    pub uncached: bool,

    /// Map with MAP_SHARED instead of MAP_PRIVATE (`s` in the permissions).
    #[arg(long)]
    pub shared: bool,

    /// Map writable and write '#' at the start of every page. Private (the default): the
    /// pages are copied (copy-on-write) and the file is NOT changed. With --shared: the
    /// FILE ITSELF IS CHANGED.
    #[arg(long)]
    pub write: bool,

    /// Print only the demo's account of each mapping, not vasmap's whole map after it.
    #[arg(long)]
    pub no_map: bool,

    /// Draw vasmap's own address space as `vasmap layout` does, the new mapping marked,
    /// instead of the table.
    #[arg(long, conflicts_with = "no_map")]
    pub layout: bool,

    #[command(flatten)]
    pub view: ViewArgs,
}

impl SelfArgs {
    /// The demo's plain options.
    pub fn to_options(&self) -> crate::teach::demo::DemoOptions {
        use crate::teach::demo::{DemoOptions, MapMode};
        DemoOptions {
            files: self.maps.clone(),
            wait: self.wait,
            touch: self.touch,
            mode: MapMode {
                shared: self.shared,
                write: self.write,
                populate: self.populate,
                uncached: self.uncached,
            },
            no_map: self.no_map,
            layout: self.layout.then(|| crate::view::layout::LayoutOptions {
                width: usize::from(self.view.width.or_else(terminal_width).unwrap_or(80)).max(60),
                color: crate::view::color::enabled(self.view.select.color),
                ..Default::default()
            }),
            pages: crate::teach::pages::PagesOptions {
                width: usize::from(self.view.width.or_else(terminal_width).unwrap_or(80)).max(60),
                color: crate::view::color::enabled(self.view.select.color),
                ..Default::default()
            },
            view: self.view.to_options(),
        }
    }
}
