//! The pmap mode's command line: vasmap reads its arguments as procps-ng pmap 4.0.2 does
//! (`main` in its `src/pmap.c`, with glibc's `getopt_long`), so that every command line
//! pmap accepts means the same, and every one it refuses is refused with the same words
//! and exit status.
//!
//! **Entering the mode.** [`from_args`] answers `Some` when vasmap runs under the name
//! `pmap` (a symlink, `argv[0]`'s last component), or when `--pmap`, `-o pmap`,
//! `--output pmap` or `--output=pmap` appears among the options (before `--`) and no
//! operand is one of vasmap's subcommands (`vasmap self --map F --pmap` is the demo's
//! business, and goes to clap). Otherwise it answers `None` and clap reads the line.
//!
//! **What pmap does, in its order.** Options are handled as getopt returns them, and the
//! first that ends the run ends it: a getopt error (its message, then the usage on stderr,
//! exit 1), `-h` (the usage on stdout, exit 0), `-V`, a bad `-A`. `-r` warns and goes on.
//! Repeats are fine (`-x -x`, `-q -q`; `-X` counts, `-A` keeps each end it is not given
//! again). Then the combinations (`-c -C -d -n -N -x -X` one at a time, `-n`/`-N` without
//! `-p`/`-q` or pids), then `-n`/`-N` write the rc file, then `argument missing`, then
//! the rc file of `-c`/`-C` is read, and only then are the pids read: `/proc/PID` is
//! PID, any other `/proc/...` is skipped, and a pid is `strtoul(s, 0)` (so `0x6543` is
//! hex and `062503` octal) from 1 to 0x7fffffff, starting with a digit (`+5` and `-5`
//! are refused) — anything else prints the usage, exit 1.
//!
//! **Names in messages.** getopt's messages start with `argv[0]` as given, pmap's own
//! with its last component (`pmap`, or `vasmap` for `vasmap --pmap`), as pmap's do. The
//! rc file of `-c`/`-n` is always `~/.pmaprc`, so that vasmap shares pmap's. Quoted
//! arguments holding control characters or bytes that are not UTF-8 are escaped.
//!
//! **vasmap's extensions**, in a second table matched only when written in full (so no
//! abbreviation of pmap's changes meaning): `--kind`, `--perms`, `--name`, `--from`
//! (filters and saved files, as in vasmap's own views), `--color` (accepted, checked, and
//! without effect: pmap's output has no colour), and the ways in (`--pmap`, `--output`,
//! `-o`). vasmap options that have no meaning here (`--json`, `--summary`, `--totals`,
//! `--explain`, `--sort`, `--addr`) are refused by name. docs/pmap-compat.md lists it all.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::range::AddrRange;

mod getopt;
mod options;
mod rc;
mod run;

use getopt::{GetoptError, Item};
use options::{Key, SPEC};
pub use run::{Plan, Prepared};

/// How the pmap mode was entered: it decides the usage line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Run under the name `pmap`.
    Name,
    /// `--pmap` or `-o pmap` among vasmap's arguments.
    Flag,
}

/// Where an rc file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcPlace {
    /// `~/.pmaprc` (`-c`, `-n`): `$HOME/.pmaprc`.
    Home,
    /// `-C FILE`, `-N FILE`.
    File(PathBuf),
}

/// pmap's view flags, as its option loop leaves them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-x`.
    pub extended: bool,
    /// `-X` given this many times.
    pub extra: u8,
    /// `-d`.
    pub device: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-p` (an rc file's `ShowPath` may flip it).
    pub show_path: bool,
    /// `-A`, when given.
    pub range: Option<AddrRange>,
}

/// A request to show processes, before its rc file is read.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub flags: Flags,
    /// `-c`/`-C`: the rc file to read first.
    pub rc: Option<RcPlace>,
    /// The operands as given: read as pids after the rc file, as pmap does.
    pub operands: Vec<Vec<u8>>,
    /// `--from FILE`s.
    pub files: Vec<PathBuf>,
    /// `--perms`, `--kind`, `--name`.
    pub select: crate::filter::Selection,
}

/// What the arguments ask for.
#[derive(Debug, Clone)]
pub enum Action {
    /// `-h`: the usage on stdout, exit 0.
    Help,
    /// `-V`: the version on stdout, exit 0.
    Version,
    /// A command-line error: this on stderr (whole lines), exit `status`.
    Fail { stderr: Vec<u8>, status: u8 },
    /// `-n` / `-N FILE`: write the default rc file.
    CreateRc(RcPlace),
    /// Show the processes.
    Show(Request),
}

/// vasmap's arguments read as pmap reads them. [`Invocation::prepare`] does the rest
/// (the rc file, the pids) and says what main should run.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// `argv[0]` as given: getopt's messages start with it.
    pub argv0: Vec<u8>,
    /// Its last component: pmap's own messages start with it.
    pub name: String,
    pub entry: Entry,
    /// Warnings already due on stderr, before anything else (`-r`'s).
    pub warnings: Vec<u8>,
    pub action: Action,
}

/// The words of a value in a message: as given, unless it holds a control character or
/// a byte that is not UTF-8 (then escaped, so that it cannot drive the terminal).
fn shown(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if crate::text::sanitize_message(s) == s => s.to_string(),
        _ => crate::text::escape_text(bytes, false),
    }
}

/// `Some` when vasmap is run in the pmap mode (see the module's notes), with everything
/// its arguments say; `None` when clap should read them.
pub fn from_args(args: impl IntoIterator<Item = OsString>) -> Option<Invocation> {
    let args: Vec<OsString> = args.into_iter().collect();
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    read_args(&args, posix)
}

/// [`from_args`] with `POSIXLY_CORRECT` given.
fn read_args(args: &[OsString], posix: bool) -> Option<Invocation> {
    let argv0 = args.first().map_or(&b"vasmap"[..], |a| a.as_bytes());
    let short = argv0.rsplit(|&b| b == b'/').next().unwrap_or(argv0);
    let rest = args.get(1..).unwrap_or(&[]);
    let items = getopt::parse(rest, &SPEC, posix);
    let is_entry = |i: &Item<Key>| match i {
        Item::Opt(Key::Pmap, _) => true,
        Item::Opt(Key::Output, Some(v)) => *v == b"pmap",
        _ => false,
    };
    let entry = if short == b"pmap" {
        Entry::Name
    } else if items.iter().any(is_entry) {
        // A fixed list, not clap's: building clap's command took a fifth of a small
        // `vasmap --pmap` run (`super::tests` checks the two agree).
        let names_subcommand = |i: &Item<Key>| matches!(i, Item::Operand(o) if super::SUBCOMMANDS.iter().any(|s| s.as_bytes() == *o));
        if items.iter().any(names_subcommand) {
            return None;
        }
        Entry::Flag
    } else {
        return None;
    };
    let mut inv = Invocation {
        argv0: argv0.to_vec(),
        name: shown(short),
        entry,
        warnings: Vec::new(),
        action: Action::Help,
    };
    // pmap: `if (argc < 2) usage(stderr)`. Its arguments are vasmap's without the way in.
    let only_entry = items.iter().all(is_entry) && !rest.iter().any(|a| a == "--");
    inv.action = if only_entry {
        inv.usage_failure(Vec::new())
    } else {
        inv.interpret(&items)
    };
    Some(inv)
}

/// pmap's option switches, counted as its `main` counts them.
#[derive(Default)]
struct Seen {
    c: bool,
    big_c: bool,
    n: bool,
    big_n: bool,
    rc_file: Option<PathBuf>,
}

impl Invocation {
    /// `usage(stderr)` after `first` (a getopt message, or nothing): exit 1.
    fn usage_failure(&self, first: Vec<u8>) -> Action {
        let mut stderr = first;
        stderr.extend_from_slice(run::usage(self).as_bytes());
        Action::Fail { stderr, status: 1 }
    }

    /// `NAME: WHAT`, exit 1: pmap's `xerrx`.
    fn fail(&self, what: &str) -> Action {
        Action::Fail {
            stderr: format!("{}: {what}\n", self.name).into_bytes(),
            status: 1,
        }
    }

    /// pmap's option loop and the checks after it.
    fn interpret(&mut self, items: &[Item<Key>]) -> Action {
        let mut req = Request::default();
        let mut seen = Seen::default();
        let mut range = AddrRange::default();
        for item in items {
            let (key, value) = match item {
                Item::Operand(o) => {
                    req.operands.push(o.to_vec());
                    continue;
                }
                Item::Error(e) => return self.getopt_failure(e),
                Item::Opt(key, value) => (*key, value.unwrap_or(b"")),
            };
            let f = &mut req.flags;
            match key {
                Key::Extended => f.extended = true,
                Key::Extra => f.extra = f.extra.saturating_add(1),
                Key::SunOs => {
                    let line = format!(
                        "{}: option -r is ignored as SunOS compatibility\n",
                        self.name
                    );
                    self.warnings.extend_from_slice(line.as_bytes());
                }
                Key::Device => f.device = true,
                Key::Quiet => f.quiet = true,
                Key::ShowPath => f.show_path = true,
                Key::Range => match next_range(range, value) {
                    Some(r) => {
                        range = r;
                        f.range = Some(r);
                    }
                    None => {
                        return self.fail(&format!("failed to parse argument: '{}'", shown(value)));
                    }
                },
                Key::Help => return Action::Help,
                Key::Version => return Action::Version,
                Key::ReadRc => seen.c = true,
                Key::ReadRcFrom => {
                    seen.big_c = true;
                    seen.rc_file = Some(PathBuf::from(OsStr::from_bytes(value)));
                }
                Key::CreateRc => seen.n = true,
                Key::CreateRcTo => {
                    seen.big_n = true;
                    seen.rc_file = Some(PathBuf::from(OsStr::from_bytes(value)));
                }
                _ => {
                    if let Err(why) = options::extension(key, value, &mut req) {
                        return self.fail(&why);
                    }
                }
            }
        }
        self.after_options(req, seen)
    }

    /// getopt's message, then the usage.
    fn getopt_failure(&self, e: &GetoptError) -> Action {
        let message = e.message(&self.argv0);
        let text = String::from_utf8(message.clone())
            .ok()
            .filter(|s| crate::text::sanitize_message(s) == *s)
            .unwrap_or_else(|| crate::text::escape_text(&message, true));
        self.usage_failure(text.into_bytes())
    }

    /// pmap's checks between its option loop and its rc file.
    fn after_options(&self, mut req: Request, seen: Seen) -> Action {
        let f = &req.flags;
        let views = [
            seen.c,
            seen.big_c,
            f.device,
            seen.n,
            seen.big_n,
            f.extended,
            f.extra > 0,
        ];
        if views.iter().filter(|&&v| v).count() > 1 {
            return self.fail("options -c, -C, -d, -n, -N, -x, -X are mutually exclusive");
        }
        let creating = seen.n || seen.big_n;
        if creating && (f.quiet || f.show_path) {
            return self.fail("options -p, -q are mutually exclusive with -n, -N");
        }
        let arguments = req.operands.len() + req.files.len();
        if creating && arguments > 0 {
            return self.fail("too many arguments");
        }
        if seen.big_n {
            return Action::CreateRc(RcPlace::File(seen.rc_file.unwrap_or_default()));
        }
        if seen.n {
            return Action::CreateRc(RcPlace::Home);
        }
        if arguments == 0 {
            return self.fail("argument missing");
        }
        if seen.big_c {
            req.rc = Some(RcPlace::File(seen.rc_file.unwrap_or_default()));
        } else if seen.c {
            req.rc = Some(RcPlace::Home);
        }
        Action::Show(req)
    }
}

/// pmap's `range_arguments`: `-A` again keeps each end it is not given (`-A 10, -A ,20`
/// is 10 to 20), one address is both ends. `None` when an end is not hexadecimal.
fn next_range(prev: AddrRange, arg: &[u8]) -> Option<AddrRange> {
    let text = std::str::from_utf8(arg).ok()?;
    let parsed = AddrRange::parse(text).ok()?;
    let (low, high) = text.split_once(',').unwrap_or((text, text));
    Some(AddrRange {
        low: if low.is_empty() { prev.low } else { parsed.low },
        high: if high.is_empty() {
            prev.high
        } else {
            parsed.high
        },
    })
}

/// Write `bytes` and say whether it worked: for the messages of [`Invocation::prepare`].
fn put(w: &mut dyn Write, bytes: &[u8]) -> bool {
    w.write_all(bytes).and_then(|()| w.flush()).is_ok()
}

#[cfg(test)]
mod tests;
