//! No silent nonsense: a flag that the chosen view does not use is an error that says
//! which view ignores it (`vasmap --summary -d 1`: the summary has no device column).
//!
//! Only flags written on the command line count (clap's `ValueSource::CommandLine`), and
//! only those that ask the view for something it does not do: a flag whose request the
//! view already meets is fine (`--json -x`: JSON always has the smaps figures; `--summary
//! -p`: the summary's file rows then show full paths). `--color never` asks for nothing
//! and is fine everywhere; `--color always` is refused where nothing is ever coloured.
//! The table uses every flag, so it is never refused; the pmap output (`--pmap`,
//! `-o pmap`) reads its own command line and refuses vasmap's flags itself
//! ([`super::pmap`]).

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::view::color::ColorChoice;

/// A flag as the user wrote it, with clap's id for it.
struct Flag {
    id: &'static str,
    shown: &'static str,
}

const fn flag(id: &'static str, shown: &'static str) -> Flag {
    Flag { id, shown }
}

const EXPLAIN: Flag = flag("explain", "--explain");
const LEGEND: Flag = flag("legend", "--legend");
const EXTENDED: Flag = flag("extended", "-x");
const EXTRA: Flag = flag("extra", "-X");
const DEVICE: Flag = flag("device", "-d");
const QUIET: Flag = flag("quiet", "-q");
const SORT: Flag = flag("sort", "--sort");
const WIDTH: Flag = flag("width", "--width");
const SHOW_PATH: Flag = flag("show_path", "-p");
/// `--color always` (see the module's docs).
const COLOR: Flag = flag("color", "--color always");

/// A view other than the table: how it is asked for, what it is, and the flags it
/// does not use.
struct View {
    asked: &'static str,
    what: &'static str,
    ignores: &'static [Flag],
}

const ALL: View = View {
    asked: "--all",
    what: "--all (one row per process)",
    ignores: &[LEGEND],
};
const LOOKUP: View = View {
    asked: "--addr",
    what: "--addr (which mapping holds an address, with the rows around it)",
    ignores: &[EXPLAIN, LEGEND, EXTENDED, EXTRA, DEVICE, QUIET, SORT, WIDTH],
};
const TOTALS: View = View {
    asked: "--totals",
    what: "--totals (one row for the whole process)",
    ignores: &[
        SHOW_PATH, EXPLAIN, LEGEND, EXTRA, DEVICE, QUIET, SORT, COLOR,
    ],
};
const SUMMARY: View = View {
    asked: "--summary",
    what: "the summary (totals per kind and per file, largest first)",
    ignores: &[EXPLAIN, LEGEND, EXTRA, DEVICE, QUIET, SORT, COLOR],
};
const JSON: View = View {
    asked: "--json",
    what: "JSON (every figure of every region, for scripts)",
    ignores: &[LEGEND, QUIET, WIDTH, COLOR],
};
const CSV: View = View {
    asked: "-o csv",
    what: "CSV (every figure of every region, for scripts)",
    ignores: &[LEGEND, QUIET, WIDTH, COLOR],
};

/// True when `id` was written on the command line.
fn given(m: &ArgMatches, id: &str) -> bool {
    m.value_source(id) == Some(ValueSource::CommandLine)
}

/// The view the inspector's flags choose (`None`: the table, or the pmap output).
fn view_of(m: &ArgMatches) -> Option<&'static View> {
    let output = m.try_get_one::<super::FormatArg>("output").ok().flatten();
    if m.get_flag("all") {
        Some(&ALL)
    } else if given(m, "addrs") {
        Some(&LOOKUP)
    } else if m.get_flag("totals") {
        Some(&TOTALS)
    } else if m.get_flag("summary") {
        Some(&SUMMARY)
    } else if m.get_flag("json") || output == Some(&super::FormatArg::Json) {
        Some(&JSON)
    } else if output == Some(&super::FormatArg::Csv) {
        Some(&CSV)
    } else {
        None
    }
}

/// The error for the flags of `m` (the top level's matches) that its view does not use,
/// if any. Subcommands have their own flags and are not checked here.
pub fn check(m: &ArgMatches) -> Option<String> {
    if m.subcommand().is_some() {
        return None;
    }
    let view = view_of(m)?;
    let unused: Vec<&str> = view
        .ignores
        .iter()
        .filter(|f| {
            given(m, f.id)
                && (f.id != "color"
                    || m.try_get_one::<ColorChoice>("color").ok().flatten()
                        == Some(&ColorChoice::Always))
        })
        .map(|f| f.shown)
        .collect();
    let (last, rest) = unused.split_last()?;
    let (flags, it, does) = if rest.is_empty() {
        (last.to_string(), "it", "does")
    } else {
        (format!("{} and {last}", rest.join(", ")), "them", "do")
    };
    Some(format!(
        "{flags} {does} nothing in {}: drop {it}, or leave out {} to have {it} in the table",
        view.what, view.asked
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn checked(line: &str) -> Option<String> {
        let m = super::super::Cli::command()
            .try_get_matches_from(line.split(' '))
            .unwrap();
        check(&m)
    }

    #[test]
    fn flags_a_view_does_not_use_are_named_with_the_view() {
        assert_eq!(
            checked("vasmap --summary -d 1").unwrap(),
            "-d does nothing in the summary (totals per kind and per file, largest first): \
             drop it, or leave out --summary to have it in the table"
        );
        let e = checked("vasmap --totals -p --sort rss 1").unwrap();
        assert!(
            e.starts_with("-p and --sort do nothing in --totals (one row"),
            "{e}"
        );
        assert!(
            checked("vasmap --json -q 1")
                .unwrap()
                .starts_with("-q does nothing in JSON")
        );
        assert!(checked("vasmap -o csv --width 90 1").is_some());
        assert!(checked("vasmap --addr 0x1000 -x 1").is_some());
        assert!(checked("vasmap --json --color always 1").is_some());
    }

    #[test]
    fn flags_a_view_uses_or_already_meets_are_fine() {
        for line in [
            "vasmap -x -X -d -q -p --explain --sort rss --width 90 1",
            "vasmap --json -x -p --explain --sort rss 1",
            "vasmap -o csv -x --explain 1",
            "vasmap --summary -x -p --width 90 --kind heap 1",
            "vasmap --totals -x --width 90 -A 1000, 1",
            "vasmap --addr 0x1000 -p --color always 1",
            "vasmap --json --color never 1",
        ] {
            assert_eq!(checked(line), None, "{line}");
        }
    }
}
