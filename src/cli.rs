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
}

/// The demo's options.
#[derive(Debug, Args)]
pub struct SelfArgs {
    /// A file to map read-only and private into vasmap (repeat for several files).
    #[arg(long = "map", value_name = "FILE")]
    pub maps: Vec<PathBuf>,

    /// After showing the map, print the pid and wait for `q`, Enter or end of input
    /// before unmapping, so another tool (`pmap PID`) can look at the process.
    #[arg(long)]
    pub wait: bool,

    #[command(flatten)]
    pub view: ViewArgs,
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
            "'{s}' is not a process id (a positive number, as `ps` or `pgrep` print)"
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
