//! The command line, as a clap derive definition. This is the only module that knows clap:
//! it turns arguments into the plain option structs the rest of vasmap takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::{OutputFormat, ViewOptions};

const EXAMPLES: &str = "\
Examples:
  vasmap 4972                     the address space of process 4972, one row per mapping
  vasmap -x 4972                  with resident, dirty and swap figures (from smaps)
  vasmap --output pmap 4972       exactly what `pmap 4972` prints
  vasmap --pmap -x 4972           exactly what `pmap -x 4972` prints
  vasmap self --map message.txt   map a file into vasmap itself and show where it went
  vasmap self --map message.txt --wait
                                  ...and wait, so `pmap PID` can look at it too

Exit status:
  0  every process was read
  1  a process (or file) could not be read: stderr says which and why; the others are printed
  2  the command line is wrong (unknown option, not a pid)";

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
            ..ViewOptions::default()
        }
    }
}
