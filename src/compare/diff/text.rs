//! A diff in words: each change on one line (or, on a narrow terminal, its mapping on one
//! line and what changed indented under it), names escaped and coloured, and `diff`'s
//! whole output with its totals.

use std::io::{self, Write};

use crate::model::{Region, Snapshot, Totals};
use crate::view::color::{paint, paint_code, paint_of};
use crate::view::grid::{fit_lines, shorten_middle};
use crate::view::table::display_name;
use unicode_width::UnicodeWidthStr;

use super::{Change, ChangeKind, DiffTotals, diff, figures, figures_differ};

/// The change from `before` to `after` kB: `+132K`, `-4K`, `0K`.
pub fn signed_kb(before: u64, after: u64) -> String {
    let d = i128::from(after) - i128::from(before);
    if d > 0 {
        format!("+{d}K")
    } else {
        format!("{d}K")
    }
}

/// What a line before the name takes: sign, range, size and permissions.
const BEFORE_NAME: usize = 1 + 1 + 33 + 1 + 8 + 1 + 4 + 1;

/// A change, described (no final newline). Names are escaped; colour is added around
/// escaped text only. Without a width (a pipe) it is one line however long, for scripts.
/// With one (a terminal): the whole on one line if it fits; else, for a one-word change
/// (`added`, `removed`), one line with the range's start only and the name shortened to
/// fit; else the name keeps its start and end to fit and what changed goes on indented
/// lines under the mapping.
pub fn describe(
    a: &Snapshot,
    b: &Snapshot,
    c: &Change,
    show_path: bool,
    color: bool,
    width: Option<usize>,
) -> String {
    let ra = c.a.map(|i| &a.regions[i]);
    let rb = c.b.map(|j| &b.regions[j]);
    let Some(r) = rb.or(ra) else {
        return String::new();
    };
    let tail = what_changed(c.what, ra, rb);
    let name = display_name(r, show_path);
    // What the line shows beside the name: ` (kind)` after a path, the kind alone for a
    // mapping without a name (`thread stack (tid 4321)`).
    let kind_width = if name.is_empty() {
        r.kind.describe().width()
    } else if r.is_path() {
        r.kind.describe().width() + 3
    } else {
        0
    };
    let one_word = matches!(c.what, ChangeKind::Added | ChangeKind::Removed);
    // (both ends of the range, the name's room, the change under the mapping)
    let (both_ends, room, under) = match width {
        None => (true, usize::MAX, false),
        Some(w) if BEFORE_NAME + name.width() + kind_width + tail.width() <= w => {
            (true, usize::MAX, false)
        }
        Some(w)
            if one_word
                && BEFORE_NAME - 17 + kind_width + tail.width() + name.width().min(12) <= w =>
        {
            let room = w.saturating_sub(BEFORE_NAME - 17 + kind_width + tail.width());
            (false, room.max(12), false)
        }
        Some(w) => {
            let both = w >= BEFORE_NAME + kind_width + 12;
            let before = BEFORE_NAME - if both { 0 } else { 17 };
            (both, w.saturating_sub(before + kind_width).max(12), true)
        }
    };
    let name = shorten_middle(&name, room);
    // `[heap]`, `[stack]`, `[anon:x]` say what they are; a path gets its kind beside it.
    let label = if name.is_empty() {
        paint(&r.kind.describe(), paint_of(r), color)
    } else if !r.is_path() {
        paint(&name, paint_of(r), color)
    } else {
        format!(
            "{} ({})",
            paint(&name, paint_of(r), color),
            r.kind.describe()
        )
    };
    let sign = match c.what {
        ChangeKind::Added => paint_code(c.what.sign(), "32", color),
        ChangeKind::Removed => paint_code(c.what.sign(), "31", color),
        _ => c.what.sign().to_string(),
    };
    let range = if both_ends {
        format!("{:016x}-{:016x}", r.start, r.end)
    } else {
        format!("{:016x}", r.start)
    };
    // Every line starts alike; where both sides exist, `r` is the later one.
    let mut s = format!(
        "{sign} {range} {:>8} {} {label}",
        format!("{}K", r.size_kb()),
        r.perms.to_maps_string()
    );
    match width {
        Some(w) if under => {
            let text = format!("    {}", tail.trim_start());
            for line in crate::view::pages_text::wrap(&text, w, 4) {
                s.push('\n');
                s.push_str(line.trim_end());
            }
        }
        _ => s.push_str(&tail),
    }
    s
}

/// What changed, after the mapping: ` added`, ` grown at the top: 4K -> 8K (+4K)`, and the
/// resident figures where both sides have them.
fn what_changed(what: ChangeKind, ra: Option<&Region>, rb: Option<&Region>) -> String {
    let mut tail = match (what, ra, rb) {
        (ChangeKind::Added | ChangeKind::Removed, _, _) => format!(" {}", what.word()),
        (ChangeKind::Grown | ChangeKind::Shrunk, Some(x), Some(y)) => {
            let at = if x.start != y.start && x.end == y.end {
                " at the bottom"
            } else if x.start == y.start && x.end != y.end {
                " at the top"
            } else {
                ""
            };
            format!(
                " {}{at}: {}K -> {}K ({})",
                what.word(),
                x.size_kb(),
                y.size_kb(),
                signed_kb(x.size_kb(), y.size_kb())
            )
        }
        (ChangeKind::Perms, Some(x), Some(y)) => format!(
            " permissions {} -> {}",
            x.perms.to_maps_string(),
            y.perms.to_maps_string()
        ),
        (ChangeKind::Kind, Some(x), Some(y)) => {
            format!(" was {}, now {}", x.kind.describe(), y.kind.describe())
        }
        _ => String::new(),
    };
    if let (Some(x), Some(y)) = (ra, rb)
        && figures_differ(x, y)
    {
        let (r0, d0, s0) = figures(x);
        let (r1, d1, s1) = figures(y);
        tail.push_str(&format!(
            "  RSS {} dirty {} swap {}",
            signed_kb(r0, r1),
            signed_kb(d0, d1),
            signed_kb(s0, s1)
        ));
    }
    tail
}

fn totals_line(name: &str, x: u64, y: u64) -> String {
    format!("{name:>8}: {x}K -> {y}K ({})", signed_kb(x, y))
}

fn header(s: &Snapshot, side: &str) -> String {
    format!("{side}: {}", crate::view::lookup::header(&s.process))
}

/// Print the differences between A and B, then the totals; kept to `width` columns when
/// there is one (a terminal).
pub fn render(
    a: &Snapshot,
    b: &Snapshot,
    show_path: bool,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{}", fit_lines(&header(a, "A"), width, 2))?;
    writeln!(out, "{}", fit_lines(&header(b, "B"), width, 2))?;
    let figures = a.has_smaps && b.has_smaps;
    let changes = diff(a, b, figures);
    for c in &changes {
        writeln!(out, "{}", describe(a, b, c, show_path, color, width))?;
    }
    if changes.is_empty() {
        writeln!(out, "no mapping changed")?;
    }
    let t = DiffTotals::count(a, b, &changes);
    writeln!(out, "{}", fit_lines(&t.line(), width, 2))?;
    let (ta, tb): (Totals, Totals) = (a.totals(), b.totals());
    writeln!(
        out,
        "{}",
        totals_line("mappings", ta.regions, tb.regions).replace('K', "")
    )?;
    writeln!(out, "{}", totals_line("virtual", ta.size_kb, tb.size_kb))?;
    if figures {
        writeln!(out, "{}", totals_line("RSS", ta.rss_kb, tb.rss_kb))?;
        writeln!(out, "{}", totals_line("dirty", ta.dirty_kb, tb.dirty_kb))?;
        writeln!(out, "{}", totals_line("swap", ta.swap_kb, tb.swap_kb))?;
    }
    Ok(())
}
