//! `--sort`'s words, which the mapping views and `--all` share, and `--all`'s options as
//! the plain data `crate::read::all` and `crate::view::all` take; with what clap cannot
//! check itself.

use clap::ValueEnum;

use super::{FormatArg, Line, terminal_width};
use crate::filter::SortKey;
use crate::view::all::AllSort;

/// `--sort`'s words: the mapping views' keys and `--all`'s (`uss`, `pid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortArg {
    Addr,
    Size,
    Rss,
    Pss,
    Uss,
    Dirty,
    Swap,
    Pid,
}

value_enum!(SortArg {
    Addr => "addr",
    Size => "size",
    Rss => "rss",
    Pss => "pss",
    Uss => "uss",
    Dirty => "dirty",
    Swap => "swap",
    Pid => "pid",
});

impl SortArg {
    /// The order of mappings, or why this word is not one (`pid` is `--all`'s).
    pub fn mappings(self) -> Result<SortKey, String> {
        Ok(match self {
            SortArg::Addr => SortKey::Addr,
            SortArg::Size => SortKey::Size,
            SortArg::Rss => SortKey::Rss,
            SortArg::Pss => SortKey::Pss,
            SortArg::Uss => SortKey::Uss,
            SortArg::Dirty => SortKey::Dirty,
            SortArg::Swap => SortKey::Swap,
            SortArg::Pid => {
                return Err("--sort pid orders processes: it goes with --all".to_string());
            }
        })
    }

    /// The order of `--all`'s processes, or why this word is not one.
    pub fn processes(self) -> Result<AllSort, String> {
        Ok(match self {
            SortArg::Rss => AllSort::Rss,
            SortArg::Pss => AllSort::Pss,
            SortArg::Uss => AllSort::Uss,
            SortArg::Swap => AllSort::Swap,
            SortArg::Pid => AllSort::Pid,
            other => {
                return Err(format!(
                    "--all sorts by rss, pss, uss, swap or pid, not {}",
                    other
                        .to_possible_value()
                        .map_or_else(String::new, |v| v.get_name().to_string())
                ));
            }
        })
    }
}

impl Line {
    /// What clap cannot check: `--count` and `--user` go with `--all` (clap counts a
    /// flag's default as given), and `--sort`'s word fits the view: `pid` only with
    /// `--all`, `addr`, `size` and `dirty` not with it. The message for a usage error
    /// (exit 2) otherwise.
    pub fn check_usage(&self) -> Result<(), String> {
        let i = &self.inspect;
        if !i.all && (i.count || i.user.is_some()) {
            return Err("--count and --user go with --all (every process)".to_string());
        }
        match (self.view.select.sort, self.inspect.all) {
            (Some(s), true) => s.processes().map(drop),
            (Some(s), false) => s.mappings().map(drop),
            (None, _) => Ok(()),
        }
    }

    /// `--all`'s plain options: what to read of each process, and how to show them.
    pub fn all_options(
        &self,
    ) -> Result<
        (
            crate::read::all::AllOptions,
            crate::view::all::AllViewOptions,
        ),
        String,
    > {
        use crate::view::all::{AllFormat, AllViewOptions};
        let v = &self.view;
        let format = if v.select.json {
            AllFormat::Json
        } else {
            match v.output {
                FormatArg::Table => AllFormat::Table,
                FormatArg::Json => AllFormat::Json,
                FormatArg::Csv => AllFormat::Csv,
                FormatArg::Pmap => {
                    return Err("--all has no pmap view: pmap shows one process at a time;                                 use the table, --json or -o csv"
                        .to_string());
                }
            }
        };
        let select = v.select.filter.selection();
        let sort = v
            .select
            .sort
            .map(SortArg::processes)
            .transpose()?
            .unwrap_or_default();
        let read = crate::read::all::AllOptions {
            uid: self.inspect.user,
            count: self.inspect.count,
            select: select.clone(),
        };
        let view = AllViewOptions {
            format,
            sort,
            width: v.width.or_else(terminal_width),
            mappings: self.inspect.count || !select.keeps_all(),
            filtered: !select.keeps_all(),
            quiet: v.quiet,
        };
        Ok((read, view))
    }
}
