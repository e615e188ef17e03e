//! The picture as text: one line a row inside a box, addresses on the left.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Block, Growth, LayoutOptions, PermClass, Row, human_bytes};
use crate::text::escape_text;
use crate::view::Head;

/// Cut `s` to at most `width` columns, ending in `…` when cut; pad to `width`.
pub(crate) fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if s.width() <= width {
        out.push_str(s);
        used = s.width();
    } else {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Centre `s` in `width` columns.
fn centre(s: &str, width: usize) -> String {
    let w = s.width().min(width);
    let left = (width - w) / 2;
    let mut out = " ".repeat(left);
    out.push_str(&fit(s, width - left));
    out
}

fn ansi(class: PermClass) -> &'static str {
    match class {
        PermClass::Exec => "\x1b[31m",
        PermClass::Write => "\x1b[32m",
        PermClass::Read => "\x1b[36m",
        PermClass::None => "\x1b[2m",
    }
}

const RESET: &str = "\x1b[0m";
const ADDR: usize = 16;

/// The label with its growth arrow.
pub(crate) fn label_of(b: &Block) -> String {
    match b.grows {
        Some(Growth::Up) => format!("{} ↑", b.label),
        Some(Growth::Down) => format!("{} ↓", b.label),
        None => b.label.to_string(),
    }
}

/// The first line: `PID: command`, or the file it was read from; for a core, the line
/// every view starts with (the file, the process, the writer).
pub(crate) fn title(p: &crate::model::ProcessInfo) -> String {
    if p.core.is_some() {
        return crate::view::lookup::header(p);
    }
    let who = if p.pid > 0 {
        format!("{}: ", p.pid)
    } else {
        String::new()
    };
    format!("{who}{}", escape_text(&p.cmdline, false))
}

/// Print the picture as text.
pub fn write_text(
    head: &Head,
    rows: &[Row],
    (regions, size_kb): (u64, u64),
    opts: &LayoutOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = opts.width.max(60);
    // "ADDR  │ inner │"
    let inner = width - ADDR - 4;
    if head.process.core.is_some() {
        head.write_title(Some(width), out)?;
    } else {
        writeln!(out, "{}", fit(&title(head.process), width).trim_end())?;
    }
    writeln!(
        out,
        "{regions} mappings, {} mapped",
        human_bytes(size_kb.saturating_mul(1024))
    )?;
    writeln!(
        out,
        "{}",
        fit(
            "high addresses at the top; each row starts at the address on its left",
            width
        )
        .trim_end()
    )?;
    let pad = " ".repeat(ADDR + 2);
    writeln!(out, "{pad}┌{}┐", "─".repeat(inner))?;
    for row in rows {
        match row {
            Row::Block(b) => {
                // " label(13) name(*) size(6) perms(5) "
                let name_w = inner.saturating_sub(1 + 13 + 1 + 1 + 6 + 1 + 5 + 1);
                let text = format!(
                    " {} {} {:>6} {} ",
                    fit(&label_of(b), 13),
                    fit(&b.name, name_w),
                    human_bytes(b.mapped),
                    fit(b.perms, 5)
                );
                if opts.color {
                    writeln!(out, "{:016x}  │{}{text}{RESET}│", b.start, ansi(b.class))?;
                } else {
                    writeln!(out, "{:016x}  │{text}│", b.start)?;
                }
            }
            Row::Gap { size, note } => {
                let text = crate::view::layout::gap_words(*size, note);
                writeln!(out, "{pad}┆{}┆", centre(&text, inner))?;
            }
            Row::Top { .. } | Row::KernelStart { .. } => {
                let Some((addr, long, short)) = row.line() else {
                    continue;
                };
                let mut text = format!(" {long} ");
                if text.width() + 3 > inner {
                    text = format!(" {short} ");
                }
                if text.width() + 3 > inner {
                    text = fit(&text, inner.saturating_sub(3));
                }
                let rest = inner.saturating_sub(text.width() + 3);
                writeln!(out, "{:016x}  ╞═══{text}{}╡", addr, "═".repeat(rest))?;
            }
        }
    }
    writeln!(out, "{pad}└{}┘", "─".repeat(inner))?;
    writeln!(
        out,
        "{}",
        fit(
            "0000000000000000  address 0: never mapped, so a NULL pointer faults",
            width
        )
        .trim_end()
    )?;
    if opts.color {
        writeln!(
            out,
            "colours: {}code (x){RESET}  {}writable{RESET}  {}read-only{RESET}  {}no access{RESET}",
            ansi(PermClass::Exec),
            ansi(PermClass::Write),
            ansi(PermClass::Read),
            ansi(PermClass::None)
        )?;
    }
    Ok(())
}
