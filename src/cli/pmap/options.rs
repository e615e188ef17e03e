//! The options of the pmap mode: pmap's own (its `getopt_long` strings and table, in
//! its order, which decides how abbreviations resolve and what an ambiguity lists), then
//! vasmap's, which match only in full, and what vasmap's mean here.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::Request;
use super::getopt::{HasArg, LongOpt, Spec};
use super::shown;
use crate::filter::{NamePattern, PermsFilter};

/// What each option means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    Extended,
    Extra,
    SunOs,
    Device,
    Quiet,
    Range,
    Help,
    Version,
    ReadRc,
    ReadRcFrom,
    CreateRc,
    CreateRcTo,
    ShowPath,
    Pmap,
    Output,
    Kind,
    Perms,
    Name,
    From,
    Color,
    /// A vasmap option the pmap mode has no use for.
    Refused(&'static str),
}

const fn opt(name: &'static str, has_arg: HasArg, key: Key) -> LongOpt<Key> {
    LongOpt { name, has_arg, key }
}

use HasArg::{No, Required};

/// pmap's `"xXrdqA:hVcC:nN:p"`, and `-o` for `-o pmap`; its long options, in its order;
/// vasmap's, in full only.
pub(super) const SPEC: Spec<Key> = Spec {
    short: &[
        (b'x', No, Key::Extended),
        (b'X', No, Key::Extra),
        (b'r', No, Key::SunOs),
        (b'd', No, Key::Device),
        (b'q', No, Key::Quiet),
        (b'A', Required, Key::Range),
        (b'h', No, Key::Help),
        (b'V', No, Key::Version),
        (b'c', No, Key::ReadRc),
        (b'C', Required, Key::ReadRcFrom),
        (b'n', No, Key::CreateRc),
        (b'N', Required, Key::CreateRcTo),
        (b'p', No, Key::ShowPath),
        (b'o', Required, Key::Output),
    ],
    long: &[
        opt("extended", No, Key::Extended),
        opt("device", No, Key::Device),
        opt("quiet", No, Key::Quiet),
        opt("range", Required, Key::Range),
        opt("help", No, Key::Help),
        opt("version", No, Key::Version),
        opt("read-rc", No, Key::ReadRc),
        opt("read-rc-from", Required, Key::ReadRcFrom),
        opt("create-rc", No, Key::CreateRc),
        opt("create-rc-to", Required, Key::CreateRcTo),
        opt("show-path", No, Key::ShowPath),
    ],
    exact: &[
        opt("pmap", No, Key::Pmap),
        opt("output", Required, Key::Output),
        opt("kind", Required, Key::Kind),
        opt("perms", Required, Key::Perms),
        opt("name", Required, Key::Name),
        opt("from", Required, Key::From),
        opt("color", Required, Key::Color),
        opt("json", No, Key::Refused("--json")),
        opt("summary", No, Key::Refused("--summary")),
        opt("totals", No, Key::Refused("--totals")),
        opt("explain", No, Key::Refused("--explain")),
        opt("sort", Required, Key::Refused("--sort")),
        opt("addr", Required, Key::Refused("--addr")),
    ],
};

/// One of vasmap's own options; `Err` is the message.
pub(super) fn extension(key: Key, value: &[u8], req: &mut Request) -> Result<(), String> {
    let text =
        || std::str::from_utf8(value).map_err(|_| format!("'{}' is not UTF-8", shown(value)));
    match key {
        Key::Pmap => {}
        Key::Output if value == b"pmap" => {}
        Key::Output => {
            return Err(format!(
                "--output {} asks for another output than pmap's: run vasmap without --pmap for it",
                shown(value)
            ));
        }
        Key::Kind => {
            for k in text()?.split(',') {
                let kind = crate::filter::parse_kind(k).map_err(|e| format!("--kind: {e}"))?;
                req.select.kinds.push(kind);
            }
        }
        Key::Perms => {
            let p = PermsFilter::parse(text()?).map_err(|e| format!("--perms: {e}"))?;
            req.select.perms = Some(p);
        }
        Key::Name => {
            let n = NamePattern::parse(text()?).map_err(|e| format!("--name: {e}"))?;
            req.select.names.push(n);
        }
        Key::From => req.files.push(PathBuf::from(OsStr::from_bytes(value))),
        Key::Color if !matches!(value, b"auto" | b"always" | b"never") => {
            return Err(format!(
                "--color: '{}' is not auto, always or never",
                shown(value)
            ));
        }
        Key::Refused(option) => {
            return Err(format!(
                "{option} does not apply to the pmap output: run vasmap without --pmap to use it"
            ));
        }
        _ => {}
    }
    Ok(())
}
