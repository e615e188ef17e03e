//! The values of vasmap's own arguments that need more than clap's parsers: processes
//! (a pid or a name), kinds (offered to completions), and the `-h` text cut to each
//! option's first sentence.

/// `cmd` with [`first_sentence`] as the `-h` text of every option that has no long help
/// of its own, in every subcommand too.
pub(super) fn short_helps(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| match (a.get_help(), a.get_long_help()) {
        (Some(help), None) => {
            let full = help.to_string();
            let short = first_sentence(&full);
            if short.len() == full.len() {
                a
            } else {
                a.help(short.to_string()).long_help(full)
            }
        }
        _ => a,
    })
    .mut_subcommands(|sub| {
        let sub = match (sub.get_about(), sub.get_long_about()) {
            (Some(about), None) => {
                let full = about.to_string();
                let short = first_sentence(&full).to_string();
                sub.about(short).long_about(full)
            }
            _ => sub,
        };
        short_helps(sub)
    })
}

/// The first sentence of a help text; when that is still long, up to its first colon.
fn first_sentence(text: &str) -> &str {
    let mut s = text.find(". ").map_or(text, |i| &text[..i]);
    // A colon inside parentheses (`(from /proc/PID/smaps_rollup: one read)`) is not one.
    let outside = |i: usize| s[..i].matches('(').count() == s[..i].matches(')').count();
    if s.len() > 70
        && let Some(i) = s.match_indices(": ").map(|(i, _)| i).find(|&i| outside(i))
    {
        s = &s[..i];
    }
    s.trim_end_matches('.')
}

/// A process on the command line: a pid, or a name to look up (`vasmap sleep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessArg {
    Pid(i32),
    /// Not all digits: every process so named ([`crate::read::byname`]).
    Name(std::ffi::OsString),
}

/// [`ProcessArg`]s: all digits is a pid (`0` and numbers past `i32` are refused as
/// pids, not taken as names), anything else a name. On `OsStr`: a name need not be UTF-8.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProcessParser;

impl clap::builder::TypedValueParser for ProcessParser {
    type Value = ProcessArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ProcessArg, clap::Error> {
        let bytes = value.as_encoded_bytes();
        if !bytes.is_empty() && !bytes.iter().all(u8::is_ascii_digit) {
            // Subcommands win over names, also after a pid (`vasmap 12 layout`).
            if cmd.find_subcommand(value).is_some() {
                let name = value.to_string_lossy();
                return Err(cmd.clone().error(
                    clap::error::ErrorKind::ValueValidation,
                    format!(
                        "'{name}' is a subcommand, not a process name: give it first \
                         (`vasmap {name} ...`), or show processes so named with \
                         `vasmap $(pidof {name})`"
                    ),
                ));
            }
            return Ok(ProcessArg::Name(value.to_os_string()));
        }
        clap::builder::TypedValueParser::parse_ref(
            &(parse_pid as fn(&str) -> Result<i32, String>),
            cmd,
            arg,
            value,
        )
        .map(ProcessArg::Pid)
    }
}

/// `--kind`: [`crate::filter::parse_kind`], with the kinds offered to shell completions.
#[derive(Debug, Clone, Copy)]
pub(super) struct KindParser;

impl clap::builder::TypedValueParser for KindParser {
    type Value = &'static str;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<&'static str, clap::Error> {
        clap::builder::TypedValueParser::parse_ref(
            &(crate::filter::parse_kind as fn(&str) -> Result<&'static str, String>),
            cmd,
            arg,
            value,
        )
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::model::Kind::KEYS
                .iter()
                .map(|k| clap::builder::PossibleValue::new(*k)),
        ))
    }
}

/// A pid: a positive decimal number.
pub(super) fn parse_pid(s: &str) -> Result<i32, String> {
    match s.parse::<i32>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!(
            "'{}' is not a process id (a positive number, as `ps` or `pgrep` print)",
            crate::text::escape_text(s.as_bytes(), false)
        )),
    }
}
