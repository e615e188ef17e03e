//! The command line, as a clap derive definition. This is the only module that knows clap:
//! it turns arguments into the plain option structs the rest of vasmap takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::range::AddrRange;
use crate::render::{OutputFormat, ViewOptions};

const EXAMPLES: &str = "\
Examples:
  vasmap 4972                     the address space of process 4972, one row per mapping
  vasmap -x 4972                  with resident, dirty and swap figures (from smaps)
  vasmap --output pmap 4972       exactly what `pmap 4972` prints
  vasmap --pmap -x 4972           exactly what `pmap -x 4972` prints
  vasmap -XX -d 4972              every smaps field, VmFlags, offsets and devices
  vasmap -x -A 7f0000000000, 4972 only mappings from 7f0000000000 up, totals for those
  vasmap self --map message.txt   map a file into vasmap itself and show where it went
  vasmap self --map message.txt --wait
                                  ...and wait, so `pmap PID` can look at it too
  vasmap --explain 4972           say what every region is (sections of ELF files)
  vasmap layout self              a picture of the whole address space
  vasmap self --map big.txt --touch first
                                  demand paging: what one read makes resident

Exit status:
  0  every process was read
  1  a process (or file) could not be read: stderr says which and why; the others are printed
  2  the command line is wrong (unknown option, not a pid, a bad -A range, -x/-X/-d
     together with --pmap, which pmap refuses)";

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
    #[arg(value_name = "PID", required = true, value_parser = parse_pid)]
    pub pids: Vec<i32>,

    #[command(flatten)]
    pub view: ViewArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Map files into vasmap's own process and show where they landed (the demo).
    #[command(name = "self")]
    Myself(SelfArgs),
    /// Draw a picture of a whole address space, high addresses at the top: stack, mmap
    /// area, heap and program, with the unmapped gaps between them drawn collapsed.
    Layout(LayoutArgs),
}

/// `vasmap layout`'s options.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// A process id, `self` (vasmap's own address space) or a saved maps/smaps file.
    #[arg(value_name = "PID|self|FILE", value_parser = parse_target)]
    pub target: Target,

    /// Also write the picture as an SVG file (`-` writes the SVG to stdout instead of
    /// the text picture).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Colour rows by permission: `auto` only on a terminal (and not when NO_COLOR is
    /// set), `always`, or `never`.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

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

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
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
    /// otherwise (repeat for several files).
    #[arg(long = "map", value_name = "FILE")]
    pub maps: Vec<PathBuf>,

    /// After showing the map, print the pid and wait for `q`, Enter or end of input
    /// before unmapping, so another tool (`pmap PID`) can look at the process.
    #[arg(long)]
    pub wait: bool,

    /// Which pages to read through the mapping: `none`, the `first`, or `all` (one byte
    /// of each page). The demo shows what became resident and the page faults it took.
    #[arg(long, value_enum, default_value_t = TouchArg::All)]
    pub touch: TouchArg,

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

    #[command(flatten)]
    pub view: ViewArgs,
}

/// `--touch` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TouchArg {
    None,
    First,
    All,
}

impl SelfArgs {
    /// The demo's plain options.
    pub fn to_options(&self) -> crate::demo::DemoOptions {
        use crate::demo::{DemoOptions, MapMode, Touch};
        DemoOptions {
            files: self.maps.clone(),
            wait: self.wait,
            touch: match self.touch {
                TouchArg::None => Touch::None,
                TouchArg::First => Touch::First,
                TouchArg::All => Touch::All,
            },
            mode: MapMode {
                shared: self.shared,
                write: self.write,
                populate: self.populate,
                uncached: self.uncached,
            },
            no_map: self.no_map,
            view: self.view.to_options(),
        }
    }
}

/// How the map is shown: shared by the inspector and the demo.
#[derive(Debug, Args, Clone)]
pub struct ViewArgs {
    /// Output format: `table` (vasmap's own view) or `pmap` (byte for byte what procps-ng
    /// pmap prints for the same options).
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

    /// Only mappings overlapping LOW..=HIGH (hexadecimal). One address: the mapping
    /// holding it; `LOW,` and `,HIGH` leave the other end open (pmap -A).
    #[arg(short = 'A', long = "range", value_name = "LOW[,HIGH]", value_parser = parse_range)]
    pub range: Option<AddrRange>,
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
        } else {
            match self.output {
                FormatArg::Table => OutputFormat::Table,
                FormatArg::Pmap => OutputFormat::Pmap,
            }
        };
        ViewOptions {
            format,
            show_path: self.show_path,
            explain: self.explain,
            extended: self.extended,
            extra: self.extra,
            device: self.device,
            quiet: self.quiet,
            range: self.range,
            utf8_locale: format == OutputFormat::Pmap && crate::render::pmap::locale_is_utf8(),
            terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            ..ViewOptions::default()
        }
    }
}
