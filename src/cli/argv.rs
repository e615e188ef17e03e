//! Flags anywhere: `vasmap --explain self --map F`, `vasmap --color always layout PID` and
//! `vasmap -x self` mean what they read as.
//!
//! clap reads the options written before a subcommand as the top-level command's, and
//! vasmap's top level takes pids: `vasmap -x self` would ask for a process called `self`.
//! So before clap sees the line, the words before the first subcommand name that are
//! options (with their values) are moved after it: `vasmap -x self` becomes
//! `vasmap self -x`. The subcommand then takes them as its own, or refuses one it has no
//! use for in clap's words (`vasmap --json layout 1` says `layout` has no `--json`).
//!
//! Only options move, never an operand: the first word that is not an option ends the
//! search, so `vasmap 1234 layout` is not `vasmap layout 1234`. Which options take a value
//! (so that `--color always` is skipped whole, and `--from self` is not read as the demo)
//! is asked of the clap definition itself, so it cannot drift from it.

use std::ffi::OsString;

/// The top-level options of `cmd` that take a value: long names (`color`) and short ones.
fn value_options(cmd: &clap::Command) -> (Vec<String>, Vec<char>) {
    let mut longs = Vec::new();
    let mut shorts = Vec::new();
    for arg in cmd.get_arguments() {
        if !arg.get_action().takes_values() || arg.is_positional() {
            continue;
        }
        if let Some(l) = arg.get_long_and_visible_aliases() {
            longs.extend(l.into_iter().map(str::to_string));
        }
        if let Some(s) = arg.get_short_and_visible_aliases() {
            shorts.extend(s);
        }
    }
    (longs, shorts)
}

/// The names (and aliases) of `cmd`'s subcommands.
fn subcommand_names(cmd: &clap::Command) -> Vec<String> {
    let mut names = Vec::new();
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_string());
        names.extend(sub.get_all_aliases().map(str::to_string));
    }
    names
}

/// Where the subcommand word is in `args` (`args[0]` is the program), when every word
/// before it is an option or an option's value.
pub fn subcommand_position(args: &[OsString], cmd: &clap::Command) -> Option<usize> {
    let (longs, shorts) = value_options(cmd);
    let subs = subcommand_names(cmd);
    let mut i = 1;
    while i < args.len() {
        let word = args[i].as_encoded_bytes();
        if word == b"--" {
            return None;
        }
        if let Some(long) = word.strip_prefix(b"--") {
            let takes = !long.contains(&b'=') && longs.iter().any(|l| l.as_bytes() == long);
            i += if takes { 2 } else { 1 };
            continue;
        }
        if word.len() > 1 && word[0] == b'-' {
            // A cluster of shorts (`-xp`); the first that takes a value takes the rest of
            // the word, or the next word when it ends the cluster (`-A 7f00,`, `-A7f00,`).
            let cluster = &word[1..];
            let at = cluster
                .iter()
                .position(|&b| shorts.iter().any(|&s| s.is_ascii() && s as u8 == b));
            i += match at {
                Some(p) if p + 1 == cluster.len() => 2,
                _ => 1,
            };
            continue;
        }
        return subs.iter().any(|s| s.as_bytes() == word).then_some(i);
    }
    None
}

/// `args` with the options before the first subcommand word moved after it (see the
/// module's docs); unchanged when there is no subcommand or nothing before it.
pub fn hoist_options(args: Vec<OsString>, cmd: &clap::Command) -> Vec<OsString> {
    match subcommand_position(&args, cmd) {
        Some(at) if at > 1 => {
            let mut out = Vec::with_capacity(args.len());
            out.push(args[0].clone());
            out.push(args[at].clone());
            out.extend_from_slice(&args[1..at]);
            out.extend_from_slice(&args[at + 1..]);
            out
        }
        _ => args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hoisted(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        let out = hoist_options(args, &crate::cli::command());
        let words: Vec<String> = out
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        words.join(" ")
    }

    #[test]
    fn options_before_a_subcommand_go_after_it() {
        assert_eq!(hoisted("vasmap -x self"), "vasmap self -x");
        assert_eq!(
            hoisted("vasmap --explain self --map F"),
            "vasmap self --explain --map F"
        );
        assert_eq!(
            hoisted("vasmap --color always layout 12"),
            "vasmap layout --color always 12"
        );
        assert_eq!(
            hoisted("vasmap --color=always -A 7f00, layout 12"),
            "vasmap layout --color=always -A 7f00, 12"
        );
        assert_eq!(hoisted("vasmap -xA 7f00, self"), "vasmap self -xA 7f00,");
    }

    #[test]
    fn operands_and_option_values_are_not_subcommands() {
        // An operand ends the search: a pid, then a word.
        assert_eq!(hoisted("vasmap 12 layout"), "vasmap 12 layout");
        // A value that happens to be a subcommand's name.
        assert_eq!(hoisted("vasmap --from self 12"), "vasmap --from self 12");
        assert_eq!(hoisted("vasmap --name diff 12"), "vasmap --name diff 12");
        assert_eq!(hoisted("vasmap -- -x self"), "vasmap -- -x self");
        assert_eq!(hoisted("vasmap self -x"), "vasmap self -x");
    }
}
