//! Reading vasmap's own command line: what clap does not do by itself.
//!
//! - **Bare `vasmap`** prints a short usage naming the subcommands and the common forms
//!   (as `git` does), on stderr with exit status 2: it is a command line that asks for
//!   nothing.
//! - **Flags anywhere**: options before a subcommand move after it ([`super::argv`]).
//! - **Help and version are output like any other**: clap prints them itself and drops
//!   a write error (`vasmap --help > /dev/full` said nothing and exited 0). Here they are
//!   rendered and written with vasmap's rules: a closed pipe ends quietly with 0, any
//!   other failure is one message and exit 1.
//! - **Errors show what was typed, escaped.** clap's plain rendering strips escape
//!   sequences from the whole message, the user's argument included (`--kind
//!   $'\e[2Jheap'` said `'heap' is not a kind`), and its coloured one sends them raw to
//!   the terminal. When an argument holds such a character, the line is parsed again
//!   with clap's styles off, so that the only escape sequences in the rendered message
//!   are the user's, and those are escaped (`'\e[2Jheap' is not a kind`).
//! - **A flag the chosen view does not use is an error** ([`super::unused`]).

use std::ffi::OsString;
use std::io::Write;

use clap::FromArgMatches;

use super::Cli;

/// What to do after a write of vasmap's own text (usage, help) failed: a closed pipe is
/// the reader's choice (exit 0), anything else is said once (exit 1).
fn write_failed(e: &std::io::Error) -> u8 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        0
    } else {
        crate::stdio::report(format_args!("cannot write the output: {e}"));
        1
    }
}

/// Write `text` whole to stdout; the exit status (`ok` when it was written).
fn write_stdout(text: &[u8], ok: u8) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => ok,
        Err(e) => write_failed(&e),
    }
}

/// True when an argument holds a character that a terminal would act on or that
/// vasmap escapes (or bytes that are not UTF-8): clap's rendering cannot be trusted
/// with it.
fn hostile(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let bytes = a.as_encoded_bytes();
        match std::str::from_utf8(bytes) {
            Ok(s) => s.chars().any(crate::text::is_unsafe_char),
            Err(_) => true,
        }
    })
}

/// Print clap's help, version or error for `args` as the module's docs say; the exit
/// status.
fn clap_exit(e: clap::Error, args: &[OsString]) -> u8 {
    if !e.use_stderr() {
        // `--help`, `-h`, `--version`: output, in colour only where colour is wanted.
        let styled = e.render();
        let color = crate::view::color::enabled(crate::view::color::ColorChoice::Auto);
        let text = if color {
            styled.ansi().to_string()
        } else {
            styled.to_string()
        };
        return write_stdout(text.as_bytes(), 0);
    }
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if !hostile(args) {
        // Best effort: a stderr that cannot be written loses the message, not the status.
        let _ = e.print();
        return code;
    }
    let plain = super::command()
        .styles(clap::builder::Styles::plain())
        .try_get_matches_from(args)
        .err()
        .unwrap_or(e);
    let text = plain.render().ansi().to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str(&crate::text::sanitize_message(line));
        out.push('\n');
    }
    let _ = std::io::stderr().write_all(out.as_bytes());
    code
}

/// The short usage bare `vasmap` prints: the forms, then every subcommand with its
/// first line of help (from the clap definition, so a new subcommand is listed).
pub fn short_usage() -> String {
    let mut s = String::from(
        "usage: vasmap [OPTIONS] PID|NAME...   the address space of processes, one row per mapping\n\
         \x20      vasmap [OPTIONS] --from FILE   a saved maps/smaps capture, vasmap JSON or a core dump\n\
         \x20      vasmap SUBCOMMAND [ARGS]\n\
         \n\
         Common forms:\n\
         \x20 vasmap 4972              process 4972 (vasmap firefox: every process named firefox)\n\
         \x20 vasmap -x 4972           with resident, dirty and swap sizes\n\
         \x20 vasmap --pmap 4972       exactly what `pmap 4972` prints\n\
         \x20 vasmap --explain 4972    what every region is\n\
         \x20 vasmap 4972 --addr ADDR  which mapping holds ADDR\n\
         \n\
         Subcommands:\n",
    );
    let cmd = super::command();
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    let width = subs.iter().map(|c| c.get_name().len()).max().unwrap_or(0);
    for sub in subs {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        // The first clause of the first line is enough here.
        let end = [": ", " (", ", ", ". ", "\n"]
            .iter()
            .filter_map(|sep| about.find(sep))
            .min()
            .unwrap_or(about.len());
        let first = about[..end].trim_end_matches('.');
        s.push_str(&format!("  {:width$}  {first}\n", sub.get_name()));
    }
    s.push_str("\n`vasmap -h` lists the options; `vasmap --help` explains them, with examples.\n");
    s
}

/// True when `args` may ask for help: a `help` word, or a short option cluster with an
/// `h` (`-h`, `-xh`). Anything else is parsed without the `-h` texts made.
fn asks_for_help(args: &[OsString]) -> bool {
    args.iter().skip(1).any(|a| {
        let a = a.as_encoded_bytes();
        a == b"help" || (a.starts_with(b"-") && !a.starts_with(b"--") && a.contains(&b'h'))
    })
}

/// Read vasmap's command line (`args[0]` the program): the parsed line, or the exit
/// status when there is nothing to run (help, version, or an error already printed).
pub fn parse_line(args: Vec<OsString>) -> Result<Cli, u8> {
    if args.len() <= 1 {
        let _ = std::io::stderr().write_all(short_usage().as_bytes());
        return Err(2);
    }
    if let Some(cli) = parse_plain(&args) {
        return Ok(cli);
    }
    parse_whole(args)
}

/// [`parse_line`] with the whole definition, subcommands and all.
fn parse_whole(args: Vec<OsString>) -> Result<Cli, u8> {
    // One definition for both steps: building it is a quarter of vasmap's start-up.
    let mut cmd = if asks_for_help(&args) {
        super::command()
    } else {
        super::plain_command()
    };
    let args = super::argv::hoist_options(args, &cmd);
    let matches = cmd
        .try_get_matches_from_mut(&args)
        .map_err(|e| clap_exit(e, &args))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| clap_exit(e, &args))?;
    if let Some(why) = super::unused::check(&matches) {
        crate::stdio::report(why);
        return Err(2);
    }
    Ok(cli)
}

/// A line that names no subcommand (no argument is one of [`super::SUBCOMMANDS`]) and
/// may not ask for help, parsed without the subcommands' definitions
/// ([`super::PlainLine`]): `None` for any other line, and for one this parse refuses
/// (an error, `--version`, a flag its view does not use), which [`parse_line`] then
/// parses with the whole definition and reports as it always did.
fn parse_plain(args: &[OsString]) -> Option<Cli> {
    let names_one = args.iter().skip(1).any(|a| {
        super::SUBCOMMANDS
            .iter()
            .any(|s| s.as_bytes() == a.as_encoded_bytes())
    });
    if names_one || asks_for_help(args) {
        return None;
    }
    let mut cmd = <super::PlainLine as clap::CommandFactory>::command();
    let matches = cmd.try_get_matches_from_mut(args).ok()?;
    if super::unused::check(&matches).is_some() {
        return None;
    }
    let plain = super::PlainLine::from_arg_matches(&matches).ok()?;
    Some(Cli {
        command: None,
        line: plain.line,
    })
}

/// Write a generated text (completions, the man page) made in memory to stdout; the
/// exit status. (clap_complete panics when its writer fails: it is handed a buffer.)
pub fn write_generated(text: &[u8]) -> u8 {
    write_stdout(text, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &[&str]) -> Vec<OsString> {
        std::iter::once("vasmap")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn a_line_without_a_subcommand_parses_as_the_whole_definition_parses_it() {
        for words in [
            &["123"][..],
            &["-x", "--color", "always", "1", "2"],
            &["--from", "f.smaps", "--sort", "rss", "-x"],
            &["--all", "--json"],
            &["-XX", "-q", "-p", "--width", "70", "sleep"],
            &["1", "--addr", "0x7f00", "--addr", "400000"],
            &["--name", "libc", "--output", "csv", "1"],
            &["--kind", "heap", "--perms", "rw", "--explain", "1"],
            &["-d", "--legend", "1", "--", "2"],
        ] {
            let args = line(words);
            let plain = parse_plain(&args).expect("parsed without the subcommands");
            let whole = parse_whole(args).expect("parsed whole");
            assert_eq!(format!("{plain:?}"), format!("{whole:?}"), "{words:?}");
        }
    }

    #[test]
    fn a_line_the_plain_parse_refuses_goes_to_the_whole_definition() {
        for words in [
            &["--version"][..],
            &["-h"],
            &["--bogus", "1"],
            &["layout", "1"],
            &["-x", "self"],
            &["--summary", "-d", "1"],
            &["--width", "wide", "1"],
            &[],
        ] {
            assert!(parse_plain(&line(words)).is_none(), "{words:?}");
        }
    }
}
