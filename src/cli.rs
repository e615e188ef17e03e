//! The command line, as a clap derive definition. This is the only module that knows clap:
//! it turns arguments into the plain option structs the rest of vasmap takes.
//!
//! What clap does not do by itself lives beside it: options before a subcommand moved
//! after it (`argv`), help, errors and bare `vasmap` written by vasmap's rules (`entry`),
//! flags a view does not use refused (`unused`), the man page and completions (`man`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod argv;
mod entry;
mod man;
pub mod pmap;
mod subcommands;
mod unused;
mod values;

pub use entry::{parse_line, short_usage, write_generated};
pub use man::{completions, man_page};
pub use subcommands::{
    DiffArgs, LayoutArgs, PagesArgs, ReportArgs, SelfArgs, Target, TourArgs, WatchArgs,
};
pub use values::ProcessArg;
use values::{KindParser, ProcessParser, short_helps};

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
  vasmap --all                    every process's RSS, PSS, USS and swap, like smem
  vasmap --from core --addr fault where a core dump's fault address is

Processes by name:
  A word that is not a number is a process name: `vasmap sleep` shows every process whose
  command name (as ps shows it) or program file is `sleep`, in pid order, and says on
  stderr how many matched, as `pmap $(pidof sleep)` would. Subcommands win over names:
  `vasmap layout` is the subcommand; `vasmap $(pidof layout)` shows processes so named.
  Options may come before a subcommand: `vasmap -x self` is `vasmap self -x`.

Exit status:
  0  every process (or file) was read and shown
  1  a process or file could not be read, or no process has a NAME given: stderr says
     which and why; the others are printed. Or the output could not be written (a full
     disk)
  2  the command line is wrong (unknown option, not a pid, a bad -A range or --addr,
     an unknown --kind, a flag the chosen view does not use such as --summary -d, or
     no argument at all)";

/// What `-h` says after the options; `--help` says [`EXAMPLES`] instead.
const AFTER_SHORT_HELP: &str = "\
A PID may be a process name (`vasmap sleep`); subcommands win over names.
`vasmap --help` adds examples and the exit status.";

/// Show the virtual address space of Linux processes: a pmap you can trust, and a way
/// to learn how a process's memory is laid out.
///
/// Without a subcommand, vasmap shows the processes given (by pid or by name) or the
/// saved files of --from: one row per mapping, its size, permissions, kind and name.
/// The subcommands teach (self, tour, pages, layout) and compare (diff, watch).
#[derive(Debug, Parser)]
#[command(
    name = "vasmap",
    version,
    about,
    after_help = AFTER_SHORT_HELP,
    after_long_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub line: Line,
}

/// What a line without a subcommand says: the processes (or files) to show and how.
#[derive(Debug, Args, Clone)]
pub struct Line {
    /// Processes to show, one block each, in the order given: a pid, or a name (every
    /// process whose command name or program file is NAME, in pid order).
    #[arg(
        value_name = "PID|NAME",
        required_unless_present_any = ["from", "all"],
        value_parser = ProcessParser
    )]
    pub pids: Vec<ProcessArg>,

    #[command(flatten)]
    pub view: ViewArgs,

    #[command(flatten)]
    pub inspect: InspectArgs,
}

/// [`Cli`] without its subcommands: what a line that names none is parsed with first
/// (`entry::parse_line`). Building the subcommands' definitions was about 90,000 of the
/// 1,040,000 instructions of the table of a small process (docs/performance.md). The
/// same [`Line`]; any error, `-h` or `--version` is parsed again with [`Cli`]'s
/// definition, which says it as before.
#[derive(Debug, Parser)]
#[command(name = "vasmap")]
pub struct PlainLine {
    #[command(flatten)]
    pub line: Line,
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

    /// Count each process's mappings too, with --all (reads /proc/PID/maps of each).
    #[arg(long)]
    pub count: bool,

    /// Only the processes of this user (a name or a uid), with --all.
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
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',', value_parser = KindParser, hide_possible_values = true)]
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

/// The command-line definition (for parsing, completions and the man page), with each
/// option's help cut to its first sentence for `-h`; `--help` and the man page keep the
/// whole text.
pub fn command() -> clap::Command {
    short_helps(plain_command())
}

/// The command-line definition with every help text as written: what parsing needs
/// when `-h` is not asked for. Cutting every option's help to its first sentence turns
/// each styled text into a string and searches it: a million instructions, more than
/// the rest of vasmap's start-up, so it is done only for `-h`.
pub fn plain_command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
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
    /// holding it; `LOW,` and `,HIGH` leave the other end open (pmap -A). A reversed
    /// range (LOW above HIGH) keeps, as pmap's does, only a mapping that holds both.
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
