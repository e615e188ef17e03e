//! The documentation shows real output. Each ``` block after a capture mark in README.md,
//! docs/guide.md and docs/output-formats.md was printed by the command in the mark; this
//! test runs each command again and checks that the block still has the shape the
//! program prints now: numbers, addresses, pids and the rows of a map differ between
//! machines and runs, and are set aside (tests/common/capture/shape.rs).
//! `scripts/regen-docs.sh` (or `REGEN_DOCS=1 cargo test --test captures`) writes every
//! block again from a fresh run.
//!
//! A mark is one line, `<!-- capture OPTIONS: vasmap WORDS | CUT -->`, right before the
//! block:
//!
//! - **OPTIONS**, any of: `tty` runs the command on a pseudo-terminal of 80 columns
//!   (util-linux `script`, colour on and then taken out), as a reader's terminal runs it,
//!   and the block is everything the terminal showed, stderr included; `tty=N` on N
//!   columns. Without it the command runs into a pipe and the block is its stdout. `$`
//!   starts the block with the command as the reader types it (`$ vasmap -x 4321`, with
//!   this run's pid). `exit=N`: the command ends with status N (0 unless said).
//! - **WORDS**: vasmap's arguments, split at spaces; `'...'` keeps spaces and is shown as
//!   written (`--name 'LC_*'`). The command runs as `vasmap` from the repository's root
//!   in the C.UTF-8 locale. A placeholder stands for something live, made once per test
//!   the first time a capture names it, and removed when the test ends:
//!   - `@sleep`: the pid of a `sleep 1000`;
//!   - `@sleep:NAME:PERMS` (and `+HEX`): the address, in hex, of that sleep's first
//!     mapping called NAME (a base name, or `[heap]`...) with permissions PERMS, plus HEX;
//!   - `@sleeps`: the name `sleep`, with two `sleep 1000` running;
//!   - `@nobody`: the user name `nobody`, with two `sleep 1000` run by nobody (root only);
//!   - `@core`: `core`, a kernel core of tests/support/crash.c run as `./crash null`
//!     (the command runs in the core's directory; skipped where `core_pattern` sends
//!     cores elsewhere);
//!   - `@driven` and `@before`: the pid of tests/support/driven.c run as `./driven`, and
//!     `before.json`, its `--json` from before it mapped examples/pages.txt, grew its heap
//!     by 1,000,000 bytes and started a thread (the command runs in its directory);
//!   - `@watched`: the pid of a fresh `./driven` that, while the command runs, maps
//!     examples/message.txt, grows its heap by 1,000,000 bytes and exits, each step once
//!     the command has printed the one before (for `vasmap watch`).
//! - **CUT**, optional: `head N` keeps the first N lines and a `...` line; `head N tail M`
//!   also the last M; `until TEXT` the lines before the first that contains TEXT (quoted
//!   if it has spaces), and `...`: the cut for an output whose earlier lines come and go.
//!
//! What is compared (the block's shape): every line but the rows of a map or a picture
//! (a line that starts with an address), with each number turned into `#`, wrapped lines
//! joined, and the lines that the kernel's state decides (a fault-around note, the
//! pages an experiment's own code faulted in) left out, as is the smaps field
//! `ProtectionKey`, which the kernel prints only on a CPU with memory protection keys
//! (the docs were captured on one without), and which optional columns of a map table fit
//! the terminal (they depend on how many digits the figures have: the header keeps the
//! columns every table has, and the line naming those left out is set aside). A capture that cannot run here
//! (not root, no `script`, no core) is skipped with the reason, and regeneration keeps
//! its block as it was.

mod common;
#[path = "common/cores.rs"]
mod cores;
#[path = "common/capture/fixtures.rs"]
mod fixtures;
#[path = "common/capture/marks.rs"]
mod marks;
#[path = "common/capture/run.rs"]
mod run;
#[path = "common/capture/shape.rs"]
mod shape;

use std::path::Path;

use unicode_width::UnicodeWidthStr;

use marks::captures;
use run::Fixtures;
use shape::stable;

/// Regenerate instead of checking (`REGEN_GUIDE` is the older name).
fn regenerating() -> bool {
    std::env::var_os("REGEN_DOCS").is_some() || std::env::var_os("REGEN_GUIDE").is_some()
}

/// Check (or regenerate) every capture of `file`, which must have at least `least`.
fn check_file(file: &str, least: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let caps = captures(file, &lines);
    assert!(
        caps.len() >= least,
        "only {} captures in {file}",
        caps.len()
    );
    let mut fixtures = Fixtures::new();
    let mut fresh: Vec<Option<Vec<String>>> = Vec::new();
    for c in &caps {
        match fixtures.run(c) {
            Ok(now) => {
                if let Some(cols) = c.tty {
                    wide_lines_noted(file, c.line, &now, cols);
                }
                fresh.push(Some(now));
            }
            Err(why) => {
                eprintln!("skipping {file}:{}: {why}", c.line);
                fresh.push(None);
            }
        }
    }
    if regenerating() {
        let mut out: Vec<String> = Vec::new();
        let mut at = 0;
        for (c, now) in caps.iter().zip(&fresh) {
            if let Some(now) = now {
                out.extend(lines[at..c.body.0].iter().map(|s| s.to_string()));
                out.extend(now.iter().cloned());
                at = c.body.1;
            }
        }
        out.extend(lines[at..].iter().map(|s| s.to_string()));
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
        return;
    }
    let mut changed = Vec::new();
    for (c, now) in caps.iter().zip(&fresh) {
        let Some(now) = now else { continue };
        let captured = lines[c.body.0..c.body.1].join("\n");
        let (was, is) = (stable(&captured), stable(&now.join("\n")));
        if was != is {
            let at = was.iter().zip(&is).take_while(|(a, b)| a == b).count();
            let line = |v: &[String]| v.get(at).cloned().unwrap_or_else(|| "(nothing)".into());
            changed.push(format!(
                "{file}:{}: `vasmap {}`: where the block has\n    {}\nit now prints\n    {}\nin:\n{}\n",
                c.line,
                c.words.join(" "),
                line(&was),
                line(&is),
                now.join("\n")
            ));
        }
    }
    assert!(
        changed.is_empty(),
        "{} capture(s) of {file} changed shape; run scripts/regen-docs.sh and review the diff:\n\n{}",
        changed.len(),
        changed.join("\n")
    );
}

/// Say (without failing) where vasmap prints a line wider than the terminal it was given.
fn wide_lines_noted(file: &str, line: usize, text: &[String], cols: u16) {
    let widest = text.iter().map(|l| l.width()).max().unwrap_or(0);
    if widest > usize::from(cols) {
        eprintln!("note: {file}:{line}: a line of {widest} columns on a terminal of {cols}");
    }
}

/// Every block in README.md's "Usage by task" that shows a command (`$ ...`) is captured:
/// none is written by hand.
#[test]
fn readme_commands_are_captured() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "## Usage by task")
        .expect("README.md has a Usage by task section");
    let mut in_code = false;
    for i in start + 1..lines.len() {
        if lines[i].starts_with("## ") && !in_code {
            break;
        }
        if lines[i].starts_with("```") {
            if !in_code && lines.get(i + 1).is_some_and(|l| l.starts_with("$ ")) {
                assert!(
                    lines[i - 1].starts_with("<!-- capture"),
                    "README.md:{}: a block showing a command and its output has no capture mark",
                    i + 1
                );
            }
            in_code = !in_code;
        }
    }
}

#[test]
fn readme_output_is_what_vasmap_prints() {
    check_file("README.md", 20);
}

#[test]
fn guide_output_is_what_vasmap_prints() {
    check_file("docs/guide.md", 6);
}
