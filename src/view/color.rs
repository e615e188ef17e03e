//! Colour by permission and kind, pwndbg's legend: stack yellow, heap blue, code red, data
//! magenta, read-only plain, guard pages dim, W+X mappings in bold reverse red.
//!
//! Colour is only ever added around text that has already been escaped
//! ([`crate::text::escape_name`]), so the only escape sequences that reach the terminal
//! are vasmap's own. It is off unless stdout is a terminal (or `--color always`), and
//! `NO_COLOR` (set and not empty, see no-color.org) turns the automatic choice off.

use std::io::IsTerminal;

use crate::model::{Kind, Region};

/// `--color` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The decision, from the choice and the environment (pure, for tests).
pub fn decide(choice: ColorChoice, stdout_is_terminal: bool, no_color: Option<&str>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(str::is_empty),
    }
}

/// The decision for this run: looks at stdout and `NO_COLOR`.
pub fn enabled(choice: ColorChoice) -> bool {
    let no_color = std::env::var_os("NO_COLOR");
    decide(
        choice,
        std::io::stdout().is_terminal(),
        no_color.as_deref().map(|s| s.to_str().unwrap_or("x")),
    )
}

/// The colour class of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Stack,
    Heap,
    Code,
    Data,
    ReadOnly,
    Guard,
    WriteExec,
}

impl Paint {
    /// Every class, in the order of [`Paint::from_code`]'s codes.
    pub const ALL: [Paint; 7] = [
        Paint::Stack,
        Paint::Heap,
        Paint::Code,
        Paint::Data,
        Paint::ReadOnly,
        Paint::Guard,
        Paint::WriteExec,
    ];

    /// The class a small number stands for (`paint as u8`), for packed rows.
    pub fn from_code(code: u8) -> Paint {
        Paint::ALL
            .get(usize::from(code))
            .copied()
            .unwrap_or(Paint::ReadOnly)
    }
}

/// Which class a region is in: W+X first, then stack and heap by kind, then by permission.
pub fn paint_of(r: &Region) -> Paint {
    let p = r.perms;
    if p.is_wx() {
        Paint::WriteExec
    } else if matches!(r.kind, Kind::Stack | Kind::ThreadStack { .. }) {
        Paint::Stack
    } else if r.kind == Kind::Heap {
        Paint::Heap
    } else if p.exec {
        Paint::Code
    } else if p.write {
        Paint::Data
    } else if p.read {
        Paint::ReadOnly
    } else {
        Paint::Guard
    }
}

/// What each colour means, in the legend's order (the table's `--legend`, the report).
pub const LEGEND: [(Paint, &str); 7] = [
    (Paint::Code, "code (executable)"),
    (Paint::Data, "writable data"),
    (Paint::ReadOnly, "read-only"),
    (Paint::Heap, "heap"),
    (Paint::Stack, "stacks"),
    (Paint::Guard, "no access (guard)"),
    (Paint::WriteExec, "writable and executable"),
];

/// The ANSI SGR sequence that starts a class's colour (empty for plain text).
pub fn sgr(paint: Paint) -> &'static str {
    match paint {
        Paint::Stack => "\x1b[33m",
        Paint::Heap => "\x1b[34m",
        Paint::Code => "\x1b[31m",
        Paint::Data => "\x1b[35m",
        Paint::ReadOnly => "",
        Paint::Guard => "\x1b[90m",
        Paint::WriteExec => "\x1b[1;7;31m",
    }
}

/// True when a class's colour paints the background too (W+X's reverse video), so that
/// spaces in it show: such text is coloured cell by cell, not as a whole row.
pub fn paints_background(paint: Paint) -> bool {
    paint == Paint::WriteExec
}

/// Wrap already-escaped text in a class's colour when `on`.
pub fn paint(text: &str, paint: Paint, on: bool) -> String {
    let start = sgr(paint);
    if !on || start.is_empty() {
        text.to_string()
    } else {
        format!("{start}{text}\x1b[0m")
    }
}

/// Wrap already-escaped text in a plain SGR colour (`"32"` green, `"31"` red) when `on`.
pub fn paint_code(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps_line;

    #[test]
    fn auto_needs_a_terminal_and_no_no_color() {
        assert!(decide(ColorChoice::Auto, true, None));
        assert!(decide(ColorChoice::Auto, true, Some("")));
        assert!(!decide(ColorChoice::Auto, true, Some("1")));
        assert!(!decide(ColorChoice::Auto, false, None));
        assert!(decide(ColorChoice::Always, false, Some("1")));
        assert!(!decide(ColorChoice::Never, true, None));
    }

    #[test]
    fn classes() {
        let mut r = parse_maps_line(b"1000-2000 rwxp 0 00:00 0 ").unwrap();
        assert_eq!(paint_of(&r), Paint::WriteExec);
        r.perms.exec = false;
        assert_eq!(paint_of(&r), Paint::Data);
        r.kind = Kind::Heap;
        assert_eq!(paint_of(&r), Paint::Heap);
        r.kind = Kind::ThreadStack { tid: 3 };
        assert_eq!(paint_of(&r), Paint::Stack);
        assert_eq!(paint("x", Paint::Code, true), "\x1b[31mx\x1b[0m");
        assert_eq!(paint("x", Paint::Code, false), "x");
    }
}
