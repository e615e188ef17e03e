//! The pmap mode's command line, second half: what pmap does once its options are read
//! — print the usage or the version, write or read the rc file, read the pids — and the
//! options the views then take ([`Plan`]). Separate from the option reading because this
//! is where files are touched: `$HOME/.pmaprc`, `-C`/`-N` files, and `/proc/PID/status`
//! for a thread id.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::rc::{self, CreateError, ReadError};
use super::{Action, Entry, Invocation, RcPlace, Request, put};
use crate::view::{OutputFormat, ViewOptions};

/// pmap 4.0.2's usage text after its first lines (`usage()` with util-linux's `USAGE_*`
/// strings).
const PMAP_OPTIONS: &str = "
Options:
 -x, --extended              show details
 -X                          show even more details
            WARNING: format changes according to /proc/PID/smaps
 -XX                         show everything the kernel provides
 -c, --read-rc               read the default rc
 -C, --read-rc-from=<file>   read the rc from file
 -n, --create-rc             create new default rc
 -N, --create-rc-to=<file>   create new rc to file
            NOTE: pid arguments are not allowed with -n, -N
 -d, --device                show the device format
 -q, --quiet                 do not display header and footer
 -p, --show-path             show path in the mapping
 -A, --range=<low>[,<high>]  limit results to the given range

 -h, --help     display this help and exit
 -V, --version  output version information and exit
";

/// The end of pmap's usage text.
const PMAP_TAIL: &str = "\nFor more details see pmap(1).\n";

/// pmap's usage text for the program `name`.
fn pmap_usage(name: &str) -> String {
    format!("\nUsage:\n {name} [options] PID [PID ...]\n{PMAP_OPTIONS}{PMAP_TAIL}")
}

/// The usage: pmap's, word for word, under the name `pmap`; with `--pmap` in its usage
/// line and vasmap's extensions after it when entered through `--pmap`.
pub(super) fn usage(inv: &Invocation) -> String {
    match inv.entry {
        Entry::Name => pmap_usage(&inv.name),
        Entry::Flag => format!(
            "\nUsage:\n {} --pmap [options] PID [PID ...]\n{PMAP_OPTIONS}\n\
             vasmap's filters also apply (written in full):\n \
             --kind KIND[,KIND]   --perms LETTERS   --name PATTERN   --from FILE\n\
             \nFor more details see pmap(1) and `vasmap --help`.\n",
            inv.name
        ),
    }
}

/// What `-V` prints: pmap's says `pmap from procps-ng 4.0.2`; vasmap names itself and
/// keeps the procps-ng version it follows as the last word.
fn version(inv: &Invocation) -> String {
    format!(
        "{} from vasmap {}, compatible with procps-ng 4.0.2\n",
        inv.name,
        env!("CARGO_PKG_VERSION")
    )
}

/// What main runs for a pmap-mode command line.
#[derive(Debug)]
pub enum Prepared {
    /// Everything is done (help, version, an error, an rc file written): exit with this.
    Done(u8),
    /// Show these processes, then these files, with these options.
    Show(Box<Plan>),
}

/// The pmap output to print: the same options vasmap's own command line would give the
/// views for `--pmap`, plus what only the pmap mode has (the rc file's columns).
#[derive(Debug)]
pub struct Plan {
    pub view: ViewOptions,
    /// The pids, as given (a thread id too: see [`tgid_of`]).
    pub pids: Vec<i32>,
    pub files: Vec<PathBuf>,
}

/// pmap's pid: `/proc/` and a digit, or a digit, then `strtoul(s, &end, 0)` from 1 to
/// 0x7fffffff with nothing after it. `Ok(None)`: a `/proc/...` that pmap skips.
/// `Err(())`: pmap prints its usage and exits 1.
pub(super) fn parse_pid(arg: &[u8]) -> Result<Option<i32>, ()> {
    let walk = match arg.strip_prefix(b"/proc/") {
        Some(after) if !after.first().is_some_and(u8::is_ascii_digit) => return Ok(None),
        Some(after) => after,
        None => arg,
    };
    if !walk.first().is_some_and(u8::is_ascii_digit) {
        return Err(());
    }
    let (radix, digits) = match walk {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16, rest)
        }
        [b'0', ..] => (8, walk),
        _ => (10, walk),
    };
    let text = std::str::from_utf8(digits).map_err(|_| ())?;
    if !text.chars().all(|c| c.is_digit(radix)) {
        return Err(());
    }
    // Too long for u64 is strtoul's ULONG_MAX, refused like any pid over 0x7fffffff.
    match u64::from_str_radix(text, radix) {
        Ok(p) if (1..=0x7fff_ffff).contains(&p) => Ok(i32::try_from(p).ok()),
        _ => Err(()),
    }
}

impl Invocation {
    /// Do what the arguments ask up to showing the processes: print the usage or the
    /// version on `out`, the messages on `err`, write or read the rc file (`home` is
    /// `$HOME`), read the pids. Exit statuses are pmap's: 0, or 1 for every error.
    pub fn prepare(
        self,
        home: Option<&OsStr>,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Prepared {
        put(err, &self.warnings);
        let action = self.action.clone();
        match action {
            Action::Help => self.done_writing(out, usage(&self).as_bytes()),
            Action::Version => self.done_writing(out, version(&self).as_bytes()),
            Action::Fail { stderr, status } => {
                put(err, &stderr);
                Prepared::Done(status)
            }
            Action::CreateRc(place) => self.create_rc(&place, home, err),
            Action::Show(req) => self.show(req, home, err),
        }
    }

    /// Print `bytes` on stdout and exit 0, or 1 when stdout cannot be written (pmap's
    /// `close_stdout`); a closed pipe is no error.
    fn done_writing(&self, out: &mut dyn Write, bytes: &[u8]) -> Prepared {
        match out.write_all(bytes).and_then(|()| out.flush()) {
            Ok(()) => Prepared::Done(0),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Prepared::Done(0),
            Err(e) => {
                crate::stdio::report(format_args!("cannot write the output: {e}"));
                Prepared::Done(1)
            }
        }
    }

    /// `NAME: WHAT` on stderr.
    fn say(&self, err: &mut dyn Write, what: &str) {
        put(err, format!("{}: {what}\n", self.name).as_bytes());
    }

    /// The path of an rc file; `None` after saying that `$HOME` is not set.
    fn rc_path(
        &self,
        place: &RcPlace,
        home: Option<&OsStr>,
        err: &mut dyn Write,
    ) -> Option<PathBuf> {
        match place {
            RcPlace::File(p) => Some(p.clone()),
            RcPlace::Home => match home {
                Some(h) => {
                    let mut p = h.as_bytes().to_vec();
                    p.extend_from_slice(b"/.pmaprc");
                    Some(PathBuf::from(OsStr::from_bytes(&p)))
                }
                None => {
                    self.say(err, "HOME variable undefined");
                    None
                }
            },
        }
    }

    /// `-n` / `-N FILE`.
    fn create_rc(&self, place: &RcPlace, home: Option<&OsStr>, err: &mut dyn Write) -> Prepared {
        let Some(path) = self.rc_path(place, home, err) else {
            return Prepared::Done(1);
        };
        let home_file = *place == RcPlace::Home;
        match rc::create(&path) {
            Ok(()) if home_file => {
                self.say(
                    err,
                    "~/.pmaprc file successfully created, feel free to edit the content",
                );
                Prepared::Done(0)
            }
            Ok(()) => {
                self.say(
                    err,
                    "rc file successfully created, feel free to edit the content",
                );
                Prepared::Done(0)
            }
            Err(e) => {
                if let CreateError::Exists = e {
                    self.say(err, "the file already exists - delete or rename it first");
                }
                if home_file {
                    self.say(err, "couldn't create ~/.pmaprc");
                } else {
                    self.say(err, "couldn't create the rc file");
                }
                Prepared::Done(1)
            }
        }
    }

    /// Read the rc file, then the pids, as pmap does; the view options.
    fn show(&self, req: Request, home: Option<&OsStr>, err: &mut dyn Write) -> Prepared {
        let mut show_path = req.flags.show_path;
        let mut fields = None;
        if let Some(place) = &req.rc {
            let Some(path) = self.rc_path(place, home, err) else {
                return Prepared::Done(1);
            };
            match rc::read(&path, &self.name) {
                Ok(file) => {
                    put(err, &file.warnings);
                    show_path ^= file.flip_show_path;
                    fields = Some(file.fields);
                }
                Err(ReadError::Open) => {
                    if *place == RcPlace::Home {
                        self.say(err, "couldn't read ~/.pmaprc");
                    } else {
                        self.say(err, "couldn't read the rc file");
                    }
                    return Prepared::Done(1);
                }
                Err(ReadError::TooLong) => {
                    let what = format!(
                        "{}: an rc file is at most {} bytes: is this the file you meant?",
                        crate::text::escape_path(&path),
                        rc::MAX_RC_BYTES
                    );
                    self.say(err, &what);
                    return Prepared::Done(1);
                }
            }
        }
        let mut pids = Vec::with_capacity(req.operands.len());
        for operand in &req.operands {
            match parse_pid(operand) {
                Ok(Some(pid)) => pids.push(pid),
                Ok(None) => {}
                Err(()) => {
                    put(err, usage(self).as_bytes());
                    return Prepared::Done(1);
                }
            }
        }
        if pids.is_empty() && req.files.is_empty() {
            // Every operand was a `/proc/...` pmap skips: its library refuses no pids.
            self.say(err, "library failed pids statistics");
            return Prepared::Done(1);
        }
        let f = &req.flags;
        let view = ViewOptions {
            format: OutputFormat::Pmap,
            show_path,
            select: req.select,
            extended: f.extended,
            extra: f.extra,
            device: f.device,
            quiet: f.quiet,
            range: f.range,
            ask_locale: true,
            terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            pmap_fields: fields,
            ..ViewOptions::default()
        };
        Prepared::Show(Box::new(Plan {
            view,
            pids,
            files: req.files,
        }))
    }
}
