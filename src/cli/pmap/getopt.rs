//! glibc's `getopt_long` (2.36, `posix/getopt.c`), as pmap calls it: the same options
//! found in the same order, the same errors with the same words.
//!
//! What a script can see of it, and what this reproduces:
//! - Options and operands mix freely (glibc *permutes*: `pmap 1 -x` is `pmap -x 1`),
//!   unless `POSIXLY_CORRECT` is set, which ends the options at the first operand. `--`
//!   ends them in any case; a lone `-` is an operand.
//! - Short options group (`-xq`); one that takes a value takes the rest of its group
//!   (`-A7f00`) or else the next argument, whatever it looks like (`-A -1`, `-C --x`).
//! - A long option may be shortened to any prefix that names one option (`--ext`), and
//!   takes its value after `=` or as the next argument. A prefix of several is an error
//!   that lists them in table order (`--re`: `'--read-rc' '--read-rc-from'`); an exact
//!   name always wins (`--read-rc`). glibc lists only the matches that differ from the
//!   first in what they do, which for pmap's table is every match.
//! - Messages start with `argv[0]` as given (`/usr/bin/pmap: invalid option -- 'z'`).
//!
//! vasmap's own options in the pmap mode are a second table matched only when written in
//! full, so that every abbreviation pmap accepts or refuses is accepted or refused the
//! same way (see `docs/pmap-compat.md`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HasArg {
    No,
    Required,
}

/// One long option: its name without `--`, whether it takes a value, and what it means.
#[derive(Debug, Clone, Copy)]
pub(super) struct LongOpt<K> {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub key: K,
}

/// The options a program takes.
pub(super) struct Spec<K: 'static> {
    /// The short options: the letter, whether it takes a value, what it means.
    pub short: &'static [(u8, HasArg, K)],
    /// getopt_long's table, in its order: matched by any unambiguous prefix.
    pub long: &'static [LongOpt<K>],
    /// More long options, matched only when written in full.
    pub exact: &'static [LongOpt<K>],
}

/// One thing found on the command line, in the order getopt returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item<'a, K> {
    /// An option and its value.
    Opt(K, Option<&'a [u8]>),
    /// An operand (a pid, for pmap).
    Operand(&'a [u8]),
    /// What getopt complains about (it returns `?`).
    Error(GetoptError),
}

/// The errors getopt prints itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum GetoptError {
    /// `-z`: a letter no option has.
    InvalidShort(u8),
    /// `-A` as the last argument.
    ShortNeedsArg(u8),
    /// `--foo`, `--foo=bar`: what followed `--`.
    Unrecognized(Vec<u8>),
    /// `--re`: what followed `--`, and the options it could mean.
    Ambiguous(Vec<u8>, Vec<&'static str>),
    /// `--extended=3`: the option's full name.
    TakesNoArg(&'static str),
    /// `--range` as the last argument: the option's full name.
    NeedsArg(&'static str),
}

impl GetoptError {
    /// glibc's message, `argv0` first, with its newline.
    pub fn message(&self, argv0: &[u8]) -> Vec<u8> {
        let mut m = argv0.to_vec();
        match self {
            GetoptError::InvalidShort(c) => {
                m.extend_from_slice(b": invalid option -- '");
                m.push(*c);
                m.extend_from_slice(b"'\n");
            }
            GetoptError::ShortNeedsArg(c) => {
                m.extend_from_slice(b": option requires an argument -- '");
                m.push(*c);
                m.extend_from_slice(b"'\n");
            }
            GetoptError::Unrecognized(body) => {
                m.extend_from_slice(b": unrecognized option '--");
                m.extend_from_slice(body);
                m.extend_from_slice(b"'\n");
            }
            GetoptError::Ambiguous(body, names) => {
                m.extend_from_slice(b": option '--");
                m.extend_from_slice(body);
                m.extend_from_slice(b"' is ambiguous; possibilities:");
                for n in names {
                    m.extend_from_slice(format!(" '--{n}'").as_bytes());
                }
                m.push(b'\n');
            }
            GetoptError::TakesNoArg(name) => {
                m.extend_from_slice(
                    format!(": option '--{name}' doesn't allow an argument\n").as_bytes(),
                );
            }
            GetoptError::NeedsArg(name) => {
                m.extend_from_slice(
                    format!(": option '--{name}' requires an argument\n").as_bytes(),
                );
            }
        }
        m
    }
}

/// Read `args` (without `argv[0]`) as getopt_long does. `posix`: `POSIXLY_CORRECT` is
/// set. Every option, operand and error is returned in order; pmap stops at the first
/// error, and so does its caller.
pub(super) fn parse<'a, K: Copy + PartialEq>(
    args: &'a [OsString],
    spec: &Spec<K>,
    posix: bool,
) -> Vec<Item<'a, K>> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_bytes();
        i += 1;
        if arg == b"--" {
            items.extend(args[i..].iter().map(|a| Item::Operand(a.as_bytes())));
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            items.push(Item::Operand(arg));
            if posix {
                items.extend(args[i..].iter().map(|a| Item::Operand(a.as_bytes())));
                break;
            }
            continue;
        }
        if let Some(body) = arg.strip_prefix(b"--") {
            let next = args.get(i).map(|a| a.as_bytes());
            let (item, used_next) = long_option(body, next, spec);
            i += usize::from(used_next);
            items.push(item);
            continue;
        }
        // A group of short options.
        let mut j = 1;
        while j < arg.len() {
            let c = arg[j];
            j += 1;
            match spec.short.iter().find(|(s, _, _)| *s == c) {
                None => items.push(Item::Error(GetoptError::InvalidShort(c))),
                Some(&(_, HasArg::No, key)) => items.push(Item::Opt(key, None)),
                Some(&(_, HasArg::Required, key)) => {
                    if j < arg.len() {
                        items.push(Item::Opt(key, Some(&arg[j..])));
                    } else if let Some(next) = args.get(i) {
                        i += 1;
                        items.push(Item::Opt(key, Some(next.as_bytes())));
                    } else {
                        items.push(Item::Error(GetoptError::ShortNeedsArg(c)));
                    }
                    break;
                }
            }
        }
    }
    items
}

/// One `--name[=value]` (`body` is what follows `--`); `next` is the argument after it.
/// Returns the item and whether it took `next` as its value.
fn long_option<'a, K: Copy + PartialEq>(
    body: &'a [u8],
    next: Option<&'a [u8]>,
    spec: &Spec<K>,
) -> (Item<'a, K>, bool) {
    let (name, value) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
        None => (body, None),
    };
    let exact = spec
        .long
        .iter()
        .chain(spec.exact)
        .find(|o| o.name.as_bytes() == name);
    let found = match exact {
        Some(o) => o,
        None => {
            let matches: Vec<&LongOpt<K>> = spec
                .long
                .iter()
                .filter(|o| o.name.as_bytes().starts_with(name))
                .collect();
            let Some(&first) = matches.first() else {
                return (Item::Error(GetoptError::Unrecognized(body.to_vec())), false);
            };
            // glibc: a later match that does the same as the first is no ambiguity.
            let differing: Vec<&'static str> = matches
                .iter()
                .filter(|o| o.has_arg != first.has_arg || o.key != first.key)
                .map(|o| o.name)
                .collect();
            if !differing.is_empty() {
                let names = std::iter::once(first.name).chain(differing).collect();
                return (
                    Item::Error(GetoptError::Ambiguous(body.to_vec(), names)),
                    false,
                );
            }
            first
        }
    };
    match (found.has_arg, value) {
        (HasArg::No, None) => (Item::Opt(found.key, None), false),
        (HasArg::No, Some(_)) => (Item::Error(GetoptError::TakesNoArg(found.name)), false),
        (HasArg::Required, Some(v)) => (Item::Opt(found.key, Some(v)), false),
        (HasArg::Required, None) => match next {
            Some(v) => (Item::Opt(found.key, Some(v)), true),
            None => (Item::Error(GetoptError::NeedsArg(found.name)), false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum K {
        X,
        A,
        ReadRc,
        ReadRcFrom,
        Kind,
    }

    const SPEC: Spec<K> = Spec {
        short: &[(b'x', HasArg::No, K::X), (b'A', HasArg::Required, K::A)],
        long: &[
            LongOpt {
                name: "extended",
                has_arg: HasArg::No,
                key: K::X,
            },
            LongOpt {
                name: "range",
                has_arg: HasArg::Required,
                key: K::A,
            },
            LongOpt {
                name: "read-rc",
                has_arg: HasArg::No,
                key: K::ReadRc,
            },
            LongOpt {
                name: "read-rc-from",
                has_arg: HasArg::Required,
                key: K::ReadRcFrom,
            },
        ],
        exact: &[LongOpt {
            name: "kind",
            has_arg: HasArg::Required,
            key: K::Kind,
        }],
    };

    fn run(args: &[&str], posix: bool) -> Vec<Item<'static, K>> {
        let owned: Vec<OsString> = args.iter().map(OsString::from).collect();
        let leaked: &'static [OsString] = Box::leak(owned.into_boxed_slice());
        parse(leaked, &SPEC, posix)
    }

    #[test]
    fn options_and_operands_mix_unless_posixly_correct() {
        use Item::*;
        assert_eq!(
            run(&["1", "-x", "--", "-x"], false),
            vec![Operand(b"1"), Opt(K::X, None), Operand(b"-x")]
        );
        assert_eq!(run(&["1", "-x"], true), vec![Operand(b"1"), Operand(b"-x")]);
        assert_eq!(run(&["-"], false), vec![Operand(b"-")]);
    }

    #[test]
    fn short_groups_and_values() {
        use Item::*;
        assert_eq!(
            run(&["-xA", "-1", "-Ax,", "-xxz"], false),
            vec![
                Opt(K::X, None),
                Opt(K::A, Some(b"-1")),
                Opt(K::A, Some(b"x,")),
                Opt(K::X, None),
                Opt(K::X, None),
                Error(GetoptError::InvalidShort(b'z')),
            ]
        );
        assert_eq!(
            run(&["-A"], false),
            vec![Error(GetoptError::ShortNeedsArg(b'A'))]
        );
    }

    #[test]
    fn long_prefixes_exact_names_and_errors() {
        use Item::*;
        assert_eq!(run(&["--ext"], false), vec![Opt(K::X, None)]);
        assert_eq!(run(&["--read-rc"], false), vec![Opt(K::ReadRc, None)]);
        assert_eq!(
            run(&["--ran", "-0,", "--r=1"], false),
            vec![
                Opt(K::A, Some(b"-0,")),
                Error(GetoptError::Ambiguous(
                    b"r=1".to_vec(),
                    vec!["range", "read-rc", "read-rc-from"]
                )),
            ]
        );
        assert_eq!(
            run(&["--ext=1", "--range", "--kin", "--kind=heap"], false),
            vec![
                Error(GetoptError::TakesNoArg("extended")),
                Opt(K::A, Some(b"--kin")),
                Opt(K::Kind, Some(b"heap")),
            ]
        );
        assert_eq!(
            run(&["--kin=heap", "--range"], false),
            vec![
                Error(GetoptError::Unrecognized(b"kin=heap".to_vec())),
                Error(GetoptError::NeedsArg("range")),
            ]
        );
    }

    #[test]
    fn messages_are_glibcs() {
        let m = |e: GetoptError| String::from_utf8(e.message(b"pmap")).unwrap();
        assert_eq!(
            m(GetoptError::InvalidShort(b'z')),
            "pmap: invalid option -- 'z'\n"
        );
        assert_eq!(
            m(GetoptError::Ambiguous(
                b"re".to_vec(),
                vec!["read-rc", "read-rc-from"]
            )),
            "pmap: option '--re' is ambiguous; possibilities: '--read-rc' '--read-rc-from'\n"
        );
        assert_eq!(
            m(GetoptError::TakesNoArg("extended")),
            "pmap: option '--extended' doesn't allow an argument\n"
        );
    }
}
