//! The command line, as a clap derive definition. This is the only module that knows clap:
//! it turns arguments into the plain option structs the rest of vasmap takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod pmap;

use crate::filter::SortKey;
use crate::range::AddrRange;
use crate::teach::demo::Touch;
use crate::view::color::ColorChoice;
use crate::view::{OutputFormat, ViewOptions};

/// clap's [`ValueEnum`] for a plain enum of the library: the library's own type is the
/// option's value (no mirror enum to keep in step here), and the library never sees clap.
/// Lists each variant with the word that names it on the command line.
macro_rules! value_enum {
    ($ty:ty { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$variant),+]
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(match self {
                    $(Self::$variant => $word),+
                }))
            }
        }
    };
}

mod all;
pub use all::SortArg;

value_enum!(ColorChoice {
    Auto => "auto",
    Always => "always",
    Never => "never",
});

value_enum!(Touch {
    None => "none",
    First => "first",
    All => "all",
});

const EXAMPLES: &str = "\
Examples:
  vasmap 4972                     the address space of process 4972, one row per mapping
  vasmap -x 4972                  with resident, dirty and swap figures (from smaps)
  vasmap --output pmap 4972       exactly what `pmap 4972` prints
  vasmap --pmap -x 4972           exactly what `pmap -x 4972` prints
  vasmap -XX -d 4972              every smaps field, VmFlags, offsets and devices
  vasmap -x -A 7f0000000000, 4972 only mappings from 7f0000000000 up, totals for those
  vasmap 4972 --addr 0x7fa13a3f6123
                                  which mapping holds that address, and how far into it
  vasmap 4972 --perms wx          only the writable and executable mappings
  vasmap 4972 --summary           totals per kind and per file, like `vmmap -summary`
  vasmap --json 4972 > a.json     every figure, for scripts (docs/json.md)
  vasmap diff a.json 4972         what changed since a.json was saved
  vasmap watch 4972               print each change as it happens
  vasmap self --map message.txt   map a file into vasmap itself and show where it went
  vasmap self --map message.txt --wait
                                  ...and wait, so `pmap PID` can look at it too
  vasmap --explain 4972           say what every region is (sections of ELF files)
  vasmap layout self              a picture of the whole address space
  vasmap self --map big.txt --touch first
                                  demand paging: what one read makes resident
  vasmap tour                     experiments in vasmap's own address space
  vasmap tour fork-cow --wait     one of them, pausing after each step
  vasmap report 4972 -o 4972.html one HTML page to click through: drawing, table, details

Exit status:
  0  every process (or file) was read and shown
  1  a process or file could not be read: stderr says which and why; the others are
     printed. Or the output could not be written (a full disk)
  2  the command line is wrong (unknown option, not a pid, a bad -A range or --addr,
     an unknown --kind, -x/-X/-d together with --pmap, which pmap refuses)";

/// Show the virtual address space of Linux processes: a pmap you can trust, and a way
/// to learn how a process's memory is laid out.
#[derive(Debug, Parser)]
#[command(
    name = "vasmap",
    version,
    about,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Process ids to show, one block each, in the order given.
    #[arg(
        value_name = "PID",
        required_unless_present_any = ["from", "all"],
        value_parser = parse_pid
    )]
    pub pids: Vec<i32>,

    #[command(flatten)]
    pub view: ViewArgs,

    #[command(flatten)]
    pub inspect: InspectArgs,
}

/// The inspector's options beside the view: lookups, saved files, totals.
#[derive(Debug, Args, Clone)]
pub struct InspectArgs {
    /// Say which mapping holds ADDR (hex, with or without 0x), how far into it and into
    /// its file, with the rows around it; or which gap it falls in. Repeat for several.
    /// `fault`: a core dump's fault address (`--from CORE --addr fault`). With --json,
    /// the answers as JSON (docs/json.md).
    #[arg(
        long = "addr",
        value_name = "ADDR",
        value_parser = crate::view::lookup::Addr::parse,
        conflicts_with_all = ["summary", "totals", "output", "pmap"]
    )]
    pub addrs: Vec<crate::view::lookup::Addr>,

    /// Read a saved maps or smaps file (`cat /proc/PID/smaps > FILE`), vasmap's own
    /// `--json` output or an ELF core dump (the kernel's or gdb's `gcore`) instead of a
    /// live process. Repeat for several; pids may be given too.
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,

    /// Print only the whole-process totals (from /proc/PID/smaps_rollup: one read).
    #[arg(long, conflicts_with_all = ["summary", "json", "output", "pmap"])]
    pub totals: bool,

    /// Every process, one row each, like smem: RSS, PSS, USS (private), swap and swap
    /// PSS from /proc/PID/smaps_rollup, sorted by PSS, with totals. With --name (or
    /// --perms, --kind): the figures of the matching mappings only, from each process's
    /// smaps (`--all --name libc.so.6`: how libc's pages are shared).
    #[arg(
        long,
        conflicts_with_all = [
            "pids", "from", "totals", "addrs", "pmap", "summary", "extended", "extra",
            "device", "explain", "range", "show_path"
        ]
    )]
    pub all: bool,

    /// With --all: count each process's mappings too (reads /proc/PID/maps of each).
    #[arg(long)]
    pub count: bool,

    /// With --all: only the processes of this user (a name or a uid).
    #[arg(long, value_name = "NAME|UID", value_parser = crate::read::all::parse_user)]
    pub user: Option<u32>,
}

/// The subcommands; without one, vasmap inspects the pids (or `--from` files) given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Map files into vasmap's own process and show where they landed (the demo).
    #[command(name = "self")]
    Myself(SelfArgs),

    /// Compare two snapshots (each a pid or a saved file): mappings added, removed, grown,
    /// shrunk, and RSS/dirty/swap changes, with totals.
    Diff(DiffArgs),

    /// Print each change to a process's mappings as it happens, until it exits or Ctrl-C.
    Watch(WatchArgs),

    /// Print a shell completion script: `vasmap completions bash > /etc/bash_completion.d/vasmap`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff): `vasmap man > vasmap.1; man ./vasmap.1`.
    Man,

    /// Draw a picture of a whole address space, high addresses at the top: stack, mmap
    /// area, heap and program, with the unmapped gaps between them drawn collapsed.
    Layout(LayoutArgs),

    /// Show the pages of a mapping, one cell each: in RAM or not, file or anonymous, this
    /// process's alone or shared (from /proc/PID/pagemap, and /proc/kpageflags as root).
    Pages(PagesArgs),

    /// Experiments in vasmap's own address space: each step's call, the mappings it
    /// changed, RSS, page faults and why. Without NAME, list them.
    Tour(TourArgs),

    /// Write one self-contained HTML page of an address space: the layout drawing, the
    /// table of mappings (sortable, filterable) and each region's details on click.
    Report(ReportArgs),
}

/// `vasmap pages PID WHERE`.
#[derive(Debug, Args)]
pub struct PagesArgs {
    /// The process id.
    #[arg(value_name = "PID", value_parser = parse_pid)]
    pub pid: i32,

    /// Which mapping: an address in it (hex: 0x7f12a0000000) or a name pattern as
    /// --name takes it (libc, '[heap]', '*.so*'); a name may match several mappings.
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
    /// saved maps/smaps capture or vasmap `--json` file.
    #[arg(value_name = "PID|self|FILE", value_parser = parse_target)]
    pub target: Target,

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
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("'{s}' is not a duration ({e}): write e.g. 1s, 250ms or 2m"))?;
    if d < std::time::Duration::from_millis(10) {
        return Err(format!(
            "'{s}' is too short: the interval must be at least 10ms"
        ));
    }
    Ok(d)
}

/// `vasmap layout`'s options.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// A process id, `self` (vasmap's own address space) or a saved maps/smaps file
    /// (or vasmap's own `--json` output).
    #[arg(value_name = "PID|self|FILE", value_parser = parse_target)]
    pub target: Target,

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

/// What `layout` draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pid(i32),
    Myself,
    File(PathBuf),
}

/// Filters, order, colour and the scripting outputs: every view.
#[derive(Debug, Args, Clone)]
pub struct SelectArgs {
    /// Short for `--output json`: every region with every figure (docs/json.md).
    #[arg(long, conflicts_with_all = ["output", "pmap"])]
    pub json: bool,

    /// Totals per kind and per file (every libc mapping on one row), like `vmmap -summary`.
    #[arg(long, conflicts_with_all = ["output", "pmap", "json"])]
    pub summary: bool,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Row order: addr (default), or largest first by size, rss, pss, uss (private),
    /// dirty or swap. With --all: pss (default), rss, uss, swap, or pid.
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortArg>,

    /// Colour by permission and kind: `auto` (on a terminal, unless NO_COLOR is set),
    /// `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The row filters: every view, and `diff` and `watch`.
#[derive(Debug, Args, Clone)]
pub struct FilterArgs {
    /// Only mappings with these permission letters: `w` writable, `x` executable, `wx`
    /// both, `r`, `s` shared, `p` private.
    #[arg(long, value_name = "LETTERS", value_parser = crate::filter::PermsFilter::parse)]
    pub perms: Option<crate::filter::PermsFilter>,

    /// Only mappings of these kinds (comma-separated or repeated): program, loader,
    /// library, file, deleted_file, heap, stack, thread_stack, guard, anon, named_anon,
    /// shared_anon, memfd, sysv_shm, vdso, vvar, vsyscall, special.
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',', value_parser = crate::filter::parse_kind)]
    pub kinds: Vec<&'static str>,

    /// Only mappings whose name contains PATTERN as written, or matches it as a glob (`*`,
    /// `?`, `[...]`) on the full path or the file name. Repeat for any of several.
    #[arg(long = "name", value_name = "PATTERN", value_parser = crate::filter::NamePattern::parse)]
    pub names: Vec<crate::filter::NamePattern>,
}

impl FilterArgs {
    /// The filters as plain data, in address order.
    pub fn selection(&self) -> crate::filter::Selection {
        crate::filter::Selection {
            perms: self.perms,
            kinds: self.kinds.clone(),
            names: self.names.clone(),
            sort: SortKey::Addr,
        }
    }
}

impl SelectArgs {
    fn selection(&self) -> crate::filter::Selection {
        crate::filter::Selection {
            // `pid` is refused before this is used (`Cli::check_usage`).
            sort: self
                .sort
                .and_then(|s| s.mappings().ok())
                .unwrap_or(SortKey::Addr),
            ..self.filter.selection()
        }
    }
}

/// Every subcommand's name and alias, and `help`: the pmap mode's command line is told
/// from vasmap's by them without building clap's command (`tests` checks the list).
pub const SUBCOMMANDS: &[&str] = &[
    "self",
    "diff",
    "watch",
    "completions",
    "man",
    "layout",
    "pages",
    "tour",
    "report",
    "help",
];

/// The command-line definition, for generators (completions, man page).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Write a completion script for `shell`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut command(), "vasmap", out);
}

/// Write the man page (roff): clap_mangen's sections, then the examples and the exit
/// status from `--help`'s text as EXAMPLES and EXIT STATUS sections, unfilled so that
/// their columns stay aligned (clap_mangen's own EXTRA section would reflow them).
pub fn write_man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(command());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    let (examples, exit) = EXAMPLES
        .split_once("\nExit status:\n")
        .unwrap_or((EXAMPLES, ""));
    let examples = examples.strip_prefix("Examples:\n").unwrap_or(examples);
    write_roff_section(out, "EXAMPLES", examples)?;
    write_roff_section(out, "EXIT STATUS", exit)?;
    man.render_version_section(out)
}

/// A man page section of preformatted text (`.nf`), escaped for roff.
fn write_roff_section(
    out: &mut dyn std::io::Write,
    title: &str,
    text: &str,
) -> std::io::Result<()> {
    writeln!(out, ".SH \"{title}\"")?;
    writeln!(out, ".nf")?;
    for line in text.lines() {
        let line = line.replace('\\', "\\e").replace('-', "\\-");
        let lead = if line.starts_with('.') || line.starts_with('\'') {
            "\\&"
        } else {
            ""
        };
        writeln!(out, "{lead}{line}")?;
    }
    writeln!(out, ".fi")
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

/// How the map is shown: shared by the inspector and the demo.
#[derive(Debug, Args, Clone)]
pub struct ViewArgs {
    /// Output format: `table` (vasmap's own view) or `pmap` (byte for byte what procps-ng
    /// pmap prints for the same options); `json` and `csv` for scripts (docs/json.md).
    #[arg(short = 'o', long, value_enum, default_value_t = FormatArg::Table)]
    pub output: FormatArg,

    /// Short for `--output pmap`.
    #[arg(long, conflicts_with = "output")]
    pub pmap: bool,

    /// Show full paths instead of file names (pmap -p).
    #[arg(short = 'p', long = "show-path")]
    pub show_path: bool,

    /// Add a column saying what each region is, in plain words: for a mapping of an ELF
    /// file (program, library, loader), which of its sections it holds.
    #[arg(long)]
    pub explain: bool,

    /// Under the table, say what the colours and the figures (Size, RSS, PSS, Dirty,
    /// Swap) mean and what the permission letters are; --explain prints it too.
    #[arg(long)]
    pub legend: bool,

    /// Add resident (RSS), proportional (PSS), dirty and swapped sizes per mapping, with
    /// totals (pmap -x). Reads /proc/PID/smaps.
    #[arg(short = 'x', long)]
    pub extended: bool,

    /// Add the smaps fields pmap -X shows; give it twice (-XX) for every field the
    /// kernel provides, VmFlags included.
    #[arg(short = 'X', action = clap::ArgAction::Count)]
    pub extra: u8,

    /// Add the file offset and device columns, and pmap's `mapped / writeable/private /
    /// shared` summary (pmap -d).
    #[arg(short = 'd', long)]
    pub device: bool,

    /// No header row and no footer; the `PID:   command` line stays (pmap -q).
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Fit the table to this many columns (at least 60). Default: the terminal's width
    /// on a terminal; piped, as wide as the rows need, so scripts see whole names.
    #[arg(long, value_name = "COLUMNS", value_parser = clap::value_parser!(u16).range(60..))]
    pub width: Option<u16>,

    /// Only mappings overlapping LOW..=HIGH (hexadecimal). One address: the mapping
    /// holding it; `LOW,` and `,HIGH` leave the other end open (pmap -A).
    #[arg(short = 'A', long = "range", value_name = "LOW[,HIGH]", value_parser = parse_range)]
    pub range: Option<AddrRange>,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// `-A`/`--range`: pmap's `low[,high]`.
fn parse_range(s: &str) -> Result<AddrRange, String> {
    AddrRange::parse(s)
}

/// `--output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Pmap,
    Json,
    Csv,
}

/// A pid: a positive decimal number.
fn parse_pid(s: &str) -> Result<i32, String> {
    match s.parse::<i32>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!(
            "'{}' is not a process id (a positive number, as `ps` or `pgrep` print)",
            crate::text::escape_text(s.as_bytes(), false)
        )),
    }
}

impl ViewArgs {
    /// The plain options the renderers take.
    pub fn to_options(&self) -> ViewOptions {
        let format = if self.pmap {
            OutputFormat::Pmap
        } else if self.select.json {
            OutputFormat::Json
        } else if self.select.summary {
            OutputFormat::Summary
        } else {
            match self.output {
                FormatArg::Table => OutputFormat::Table,
                FormatArg::Pmap => OutputFormat::Pmap,
                FormatArg::Json => OutputFormat::Json,
                FormatArg::Csv => OutputFormat::Csv,
            }
        };
        ViewOptions {
            format,
            show_path: self.show_path,
            select: self.select.selection(),
            color: crate::view::color::enabled(self.select.color),
            explain: self.explain,
            legend: self.legend || self.explain,
            extended: self.extended,
            extra: self.extra,
            device: self.device,
            quiet: self.quiet,
            range: self.range,
            utf8_locale: false,
            ask_locale: format == OutputFormat::Pmap,
            terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            width: self.width.or_else(terminal_width),
            pmap_fields: None,
        }
    }
}

/// The width of the terminal on standard output, if it is one.
pub fn terminal_width() -> Option<u16> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0).then_some(size.ws_col)
}

/// Parse the command line with clap. Clap's own errors quote the argument they are about,
/// so when an argument holds a control or bidirectional character, the message is printed
/// here as plain text with those escaped (exit status 2, as clap's); otherwise clap
/// prints as it always does.
pub fn parse_args() -> Cli {
    match Cli::try_parse() {
        Ok(p) => p,
        Err(e) => {
            let hostile = std::env::args_os().any(|a| {
                let bytes = a.as_encoded_bytes();
                bytes.iter().any(|&b| b < 0x20 || b == 0x7f)
                    || crate::text::sanitize_message(&String::from_utf8_lossy(bytes)).len()
                        != bytes.len()
            });
            if !e.use_stderr() || !hostile {
                e.exit();
            }
            let text = e.render().to_string();
            let mut out = String::new();
            for line in text.lines() {
                out.push_str(&crate::text::sanitize_message(line));
                out.push('\n');
            }
            let _ = std::io::Write::write_all(&mut std::io::stderr(), out.as_bytes());
            std::process::exit(e.exit_code());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_subcommand_list_is_clap_s() {
        let mut clap: Vec<String> = super::command()
            .get_subcommands()
            .flat_map(|c| {
                std::iter::once(c.get_name().to_string())
                    .chain(c.get_all_aliases().map(String::from))
            })
            .chain(std::iter::once("help".to_string()))
            .collect();
        let mut ours: Vec<String> = super::SUBCOMMANDS.iter().map(|s| s.to_string()).collect();
        clap.sort();
        ours.sort();
        assert_eq!(clap, ours);
    }
}
