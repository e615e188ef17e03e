//! docs/guide.md shows real output. Each block after a `<!-- capture: vasmap ARGS -->`
//! line was printed by `vasmap ARGS`; this test runs each command again and checks the
//! block still has the shape the program prints now (numbers, addresses and the rows of
//! the maps, which differ between machines and runs, aside).
//!
//! `scripts/regen-guide.sh` (or `REGEN_GUIDE=1 cargo test --test guide`) rewrites the
//! blocks with fresh output.

mod common;

use std::path::Path;

const GUIDE: &str = "docs/guide.md";
const MARK: &str = "<!-- capture: vasmap ";

/// One captured block: the command's arguments and the line range of its text.
struct Capture {
    args: Vec<String>,
    /// Index of the first text line, and one past the last (the closing fence).
    body: (usize, usize),
}

fn captures(lines: &[&str]) -> Vec<Capture> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(rest) = lines[i].strip_prefix(MARK) {
            let args = rest
                .trim_end()
                .trim_end_matches("-->")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            assert!(
                lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
                "{GUIDE}:{}: a capture mark must be followed by a ``` block",
                i + 1
            );
            let start = i + 2;
            let end = (start..lines.len())
                .find(|&j| lines[j].starts_with("```"))
                .unwrap_or_else(|| panic!("{GUIDE}:{}: unclosed block", i + 1));
            out.push(Capture {
                args,
                body: (start, end),
            });
            i = end;
        }
        i += 1;
    }
    out
}

/// Run vasmap as the guide shows it, with the binary's path shown as `vasmap`.
fn run(args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, err, code) = common::run_vasmap(&args);
    assert_eq!(
        code,
        0,
        "vasmap {args:?}: {}",
        String::from_utf8_lossy(&err)
    );
    String::from_utf8(out)
        .unwrap()
        .replace(env!("CARGO_BIN_EXE_vasmap"), "vasmap")
}

/// A line with every number (decimal or hex) as `#`, rules and blanks collapsed.
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_hexdigit() || c == 'x' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_hexdigit() || chars[j] == 'x' || chars[j] == '.')
            {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
            if starts_word && word.chars().any(|c| c.is_ascii_digit()) && !word.starts_with('.') {
                out.push('#');
                i = j;
                continue;
            }
            out.push_str(&word);
            i = j;
            continue;
        }
        if c == '─' || c == ' ' || c == '═' {
            if !out.ends_with(c) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out.trim_end().to_string()
}

/// Notes the kernel's state decides (page cache, timing): they may come and go.
const VARIABLE: &[&str] = &[
    "fault-around",
    "pages that are already",
    "pages already in the page cache",
    "at the mapping's ends",
    "pages read with only",
    "major fault",
    "disk, and readahead",
    "no fault at all",
];

/// `text` with each wrapped line joined to the line it continues: where a line wraps
/// depends on how many digits its figures have this run (`1 present` or `16 present`),
/// which is not its shape. A continuation is indented deeper than the line before,
/// which is neither a row (it starts with an address) nor a heading (it ends with `:`).
fn unwrapped(text: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let continues = |prev: &str, line: &str| {
        let p = prev.trim_start();
        !line.trim().is_empty()
            && indent(line) > indent(prev)
            && !p.ends_with(':')
            && !p.starts_with(|c: char| c.is_ascii_hexdigit())
    };
    let mut out: Vec<String> = Vec::new();
    let mut prev = "";
    for line in text.trim_end().lines() {
        match out.last_mut() {
            Some(joined) if continues(prev, line) => {
                joined.push(' ');
                joined.push_str(line.trim_start());
            }
            _ => out.push(line.to_string()),
        }
        prev = line;
    }
    out
}

/// The lines whose shape must not change: not the rows of a map or a picture.
fn stable(text: &str) -> Vec<String> {
    unwrapped(text)
        .iter()
        .map(|l| normalize(l))
        .filter(|l| {
            let t = l.trim_start();
            // A row starts with its address; the `PID:   cmdline` line is no row.
            let row = t.starts_with('#') && !t.starts_with("#:");
            let gap = t.contains('┆');
            !row && !gap && !VARIABLE.iter().any(|v| t.contains(v))
        })
        .collect()
}

#[test]
fn captured_output_is_what_vasmap_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(GUIDE);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let caps = captures(&lines);
    assert!(caps.len() >= 6, "only {} captures in {GUIDE}", caps.len());
    if std::env::var_os("REGEN_GUIDE").is_some() {
        let mut out: Vec<String> = Vec::new();
        let mut at = 0;
        for c in &caps {
            out.extend(lines[at..c.body.0].iter().map(|s| s.to_string()));
            out.extend(run(&c.args).lines().map(|l| l.trim_end().to_string()));
            at = c.body.1;
        }
        out.extend(lines[at..].iter().map(|s| s.to_string()));
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
        return;
    }
    for c in &caps {
        let captured = lines[c.body.0..c.body.1].join("\n");
        let now = run(&c.args);
        assert_eq!(
            stable(&captured),
            stable(&now),
            "{GUIDE}: the output of `vasmap {}` has changed shape: run scripts/regen-guide.sh",
            c.args.join(" ")
        );
    }
}

#[test]
fn normalizing_hides_numbers_only() {
    assert_eq!(
        normalize("  at 0x7f1c-0x7f1d: 44 bytes of file in 1 page"),
        " at #-#: # bytes of file in # page"
    );
    assert_eq!(
        normalize(" 00007f1cbe19f000      4K   r--p   file"),
        " # #K r--p file"
    );
    assert_eq!(normalize("libc.so.6 deadbeef"), "libc.so.# deadbeef");
}
