//! The man page and the shell completions, both generated from the clap definition.
//!
//! `vasmap man` writes one page: vasmap's own synopsis, description and options, then a
//! section for every subcommand with its synopsis, description and every option it
//! takes (`self --map`, `--touch`, `--write`, `layout --svg`, `--rows`, `--width`, `watch
//! --interval`...), then the examples and the exit status of `--help`. One page, so that
//! `man ./vasmap.1` and a search in it find every option.
//!
//! Both are made in memory and written by the caller: clap_complete panics when its
//! writer fails (`vasmap completions bash | head -1`, `> /dev/full`).

use std::io::Write;

/// A completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut super::command(), "vasmap", &mut out);
    out
}

/// The man page (roff), as the module's docs say.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = super::command();
    cmd.build();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_subcommand(&mut out, sub)?;
    }
    let examples = super::EXAMPLES;
    let (examples, exit) = examples
        .split_once("\nExit status:\n")
        .unwrap_or((examples, ""));
    let examples = examples.strip_prefix("Examples:\n").unwrap_or(examples);
    write_roff_section(&mut out, "EXAMPLES", examples)?;
    write_roff_section(&mut out, "EXIT STATUS", exit)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// One subcommand's section: `.SH "VASMAP SUB"`, its description, then its synopsis and
/// options as subsections (clap_mangen writes them as sections of their own page).
fn write_subcommand(out: &mut Vec<u8>, sub: &clap::Command) -> std::io::Result<()> {
    let name = sub.get_name();
    let man = clap_mangen::Man::new(sub.clone().bin_name(format!("vasmap {name}")));
    let mut parts = Vec::new();
    man.render_description_section(&mut parts)?;
    man.render_synopsis_section(&mut parts)?;
    man.render_options_section(&mut parts)?;
    if sub.has_subcommands() {
        man.render_subcommands_section(&mut parts)?;
    }
    writeln!(out, ".SH \"VASMAP {}\"", name.to_uppercase())?;
    for line in String::from_utf8_lossy(&parts).lines() {
        match line.strip_prefix(".SH ") {
            Some("DESCRIPTION") => {}
            Some(title) => {
                let title = title.trim_matches('"');
                let mut chars = title.chars();
                let title: String = chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars.flat_map(char::to_lowercase)))
                    .into_iter()
                    .flatten()
                    .collect();
                writeln!(out, ".SS \"{title}\"")?;
            }
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}

/// A man page section of preformatted text (`.nf`), escaped for roff: unfilled, so that
/// the columns of the examples stay aligned (clap_mangen's own EXTRA section would
/// reflow them).
fn write_roff_section(out: &mut dyn Write, title: &str, text: &str) -> std::io::Result<()> {
    writeln!(out, ".SH \"{title}\"")?;
    writeln!(out, ".nf")?;
    for line in text.lines() {
        let line = line.replace('\\', "\\e").replace('-', "\\-");
        let lead = if line.starts_with('.') || line.starts_with('\'') {
            "\\&"
        } else {
            ""
        };
        writeln!(out, "{lead}{line}")?;
    }
    writeln!(out, ".fi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_every_subcommand_and_its_options() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        for word in [
            ".SH \"VASMAP SELF\"",
            ".SH \"VASMAP LAYOUT\"",
            ".SH \"VASMAP WATCH\"",
            "\\-\\-map",
            "\\-\\-touch",
            "\\-\\-write",
            "\\-\\-svg",
            "\\-\\-rows",
            "\\-\\-interval",
            ".SH \"EXIT STATUS\"",
        ] {
            assert!(page.contains(word), "{word} missing from the man page");
        }
    }

    #[test]
    fn completions_offer_the_values_of_the_enumerated_options() {
        let bash = String::from_utf8(completions(clap_complete::Shell::Bash)).unwrap();
        for values in ["thread_stack", "rss", "always", "first"] {
            assert!(
                bash.contains(values),
                "{values} missing from bash completions"
            );
        }
    }
}
