//! A step as text, in 80 columns: the call, the address space, memory, faults, the
//! page strip, the figures, and the why, each sentence wrapped at a space.
//!
//! Names are escaped ([`crate::text::escape_name`] through
//! [`crate::view::table::display_name`]) before they get here; the why and the figures
//! are vasmap's own words around escaped names.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::report::{RegionChange, Step};
use super::reshape::Reshape;

/// The width the tour's text keeps to.
pub const WIDTH: usize = 80;

/// Wrap `text` at spaces into lines of at most [`WIDTH`] columns: the first indented by
/// `first` spaces (plus the text's own leading spaces), the others by `rest`. Text that
/// fits is kept as it is (runs of spaces included); a word wider than a line is cut.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let first = first + (text.len() - body.len());
    if first + body.width() <= WIDTH {
        return vec![" ".repeat(first) + body];
    }
    let mut lines = Vec::new();
    let mut line = " ".repeat(first);
    let mut fresh = true;
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            if line.width() + word.width() + usize::from(!fresh) <= WIDTH {
                if !fresh {
                    line.push(' ');
                }
                line.push_str(word);
                fresh = false;
                break;
            }
            if !fresh {
                lines.push(std::mem::replace(&mut line, " ".repeat(rest)));
                fresh = true;
                continue;
            }
            // Alone on a line and still too wide: cut it at the width.
            let room = WIDTH.saturating_sub(line.width()).max(1);
            let mut cut = 0;
            let mut w = 0;
            for (i, c) in word.char_indices() {
                w += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if w > room && cut > 0 {
                    break;
                }
                cut = i + c.len_utf8();
            }
            line.push_str(&word[..cut]);
            lines.push(std::mem::replace(&mut line, " ".repeat(rest)));
            word = &word[cut..];
            if word.is_empty() {
                break;
            }
        }
    }
    if !fresh || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn kb(bytes: u64) -> String {
    format!("{}K", bytes >> 10)
}

/// `0K -> 64K (+64K)`, or `0K` when it did not change.
fn before_after(a: u64, b: u64) -> String {
    if a == b {
        format!("{a}K")
    } else {
        format!("{a}K -> {b}K ({})", crate::compare::diff::signed_kb(a, b))
    }
}

/// The head of a region row: sign, range, size, permissions, name.
fn row(sign: &str, start: u64, end: u64, perms: &str, label: &str) -> String {
    format!(
        "    {sign} {start:x}-{end:x} {:>6} {perms} {label}",
        kb(end.saturating_sub(start))
    )
}

fn write_wrapped(out: &mut dyn Write, text: &str, first: usize, rest: usize) -> io::Result<()> {
    for line in wrap(text, first, rest) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `head: detail` on one line when it fits, else the detail on the next line, indented.
fn write_two(out: &mut dyn Write, head: &str, detail: &str) -> io::Result<()> {
    let one = format!("{head}: {detail}");
    if one.width() <= WIDTH {
        return writeln!(out, "{one}");
    }
    writeln!(out, "{head}:")?;
    write_wrapped(out, detail, 8, 8)
}

/// A change as a row and what happened to it.
fn change_parts(c: &RegionChange) -> (String, String) {
    let sign = match c.change {
        "added" => "+",
        "removed" => "-",
        "grown" => ">",
        "shrunk" => "<",
        _ => "~",
    };
    let what = match c.change {
        "grown" | "shrunk" => format!(
            "{} at the {}: {} -> {}",
            c.change,
            c.side.unwrap_or("top"),
            kb(c.size_before),
            kb(c.size_after)
        ),
        "permissions" => format!(
            "permissions {} -> {}",
            c.perms_before.as_deref().unwrap_or("?"),
            c.perms
        ),
        other => other.to_string(),
    };
    (row(sign, c.start.0, c.end.0, &c.perms, &c.label), what)
}

fn reshape_lines(r: &Reshape, split: bool, labels: &dyn Fn(u64) -> String) -> Vec<String> {
    let mapped = r.into.iter().filter(|p| p.perms.is_some()).count();
    let mut lines = vec![if split {
        let hole = if r.hole_bytes > 0 {
            format!(", with a hole of {}", kb(r.hole_bytes))
        } else {
            String::new()
        };
        format!(
            "    one mapping of {} became {mapped}{hole}:",
            kb(r.end.0.saturating_sub(r.start.0))
        )
    } else {
        format!(
            "    {mapped} mappings became one of {}:",
            kb(r.end.0.saturating_sub(r.start.0))
        )
    }];
    for p in &r.into {
        lines.push(match &p.perms {
            Some(perms) => row(" ", p.start.0, p.end.0, perms, &labels(p.start.0)),
            None => row(" ", p.start.0, p.end.0, "    ", "(hole: nothing mapped)"),
        });
    }
    lines
}

impl Step {
    /// Every region change of the step, added, removed and changed.
    fn all_changes(&self) -> impl Iterator<Item = &RegionChange> {
        self.added.iter().chain(&self.removed).chain(&self.changed)
    }

    fn is_explained(&self, c: &RegionChange) -> bool {
        let list = match c.change {
            "added" => &self.added,
            "removed" => &self.removed,
            _ => &self.changed,
        };
        self.explained
            .iter()
            .any(|&(what, i)| what == c.change && list.get(i).is_some_and(|x| std::ptr::eq(x, c)))
    }

    /// Print the step as text, numbered `n`.
    pub fn write_text(&self, n: usize, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "Step {n}: {}", self.title)?;
        let own: Vec<String> = self
            .between_steps
            .iter()
            .filter(|c| c.change != "kind" && c.change != "figures")
            .map(|c| match c.change {
                "grown" | "shrunk" => format!(
                    "{} {} {} -> {}",
                    c.short,
                    c.change,
                    kb(c.size_before),
                    kb(c.size_after)
                ),
                other => format!("{} {} at {:x}", c.short, other, c.start.0),
            })
            .collect();
        if !own.is_empty() {
            let text = format!("(between the steps: {})", own.join("; "));
            write_wrapped(out, &text, 2, 3)?;
        }
        for line in &self.call {
            write_wrapped(out, line, 2, 6)?;
        }
        let whose = match (self.process, self.memory_compared) {
            ("vasmap", _) => String::new(),
            (who, true) => format!(" of the {who} (pid {})", self.pid),
            (who, false) => format!(" of the {who} (pid {}) beside vasmap's", self.pid),
        };
        let structural: Vec<&RegionChange> = self
            .all_changes()
            .filter(|c| c.change != "figures" && !self.is_explained(c))
            .collect();
        if structural.is_empty() && self.splits.is_empty() && self.merges.is_empty() {
            let none = if self.memory_compared {
                "no mapping added, removed or changed"
            } else {
                "no row differs"
            };
            write_wrapped(out, &format!("  address space{whose}: {none}"), 0, 4)?;
        } else {
            write_wrapped(out, &format!("  address space{whose}:"), 0, 4)?;
            let label_at = |addr: u64| {
                self.all_changes()
                    .find(|c| c.start.0 == addr && c.change != "removed")
                    .or_else(|| self.all_changes().find(|c| c.start.0 == addr))
                    .map_or_else(String::new, |c| c.label.clone())
            };
            for r in &self.splits {
                for line in reshape_lines(r, true, &label_at) {
                    write_wrapped(out, &line, 0, 10)?;
                }
            }
            for r in &self.merges {
                for line in reshape_lines(r, false, &label_at) {
                    write_wrapped(out, &line, 0, 10)?;
                }
            }
            for c in structural {
                let (head, what) = change_parts(c);
                write_two(out, &head, &what)?;
            }
        }
        // The pieces of a split or merge are summed per reshape: a piece's own "before"
        // would count pages that were there all along, in the bigger row.
        let memory: Vec<&RegionChange> = self
            .all_changes()
            .filter(|c| {
                !self.is_explained(c)
                    && (c.rss_kb_before, c.dirty_kb_before, c.swap_kb_before)
                        != (c.rss_kb_after, c.dirty_kb_after, c.swap_kb_after)
            })
            .collect();
        let reshaped: Vec<(String, String)> = self
            .splits
            .iter()
            .chain(&self.merges)
            .map(|r| {
                let inside: Vec<&RegionChange> = self
                    .all_changes()
                    .filter(|c| {
                        self.is_explained(c) && c.start.0 >= r.start.0 && c.end.0 <= r.end.0
                    })
                    .collect();
                let sum = |f: fn(&RegionChange) -> u64| inside.iter().map(|c| f(c)).sum::<u64>();
                let one = self.splits.len() + self.merges.len() == 1;
                (
                    if one {
                        "    the pieces together".to_string()
                    } else {
                        format!("    the pieces of {:x}", r.start.0)
                    },
                    format!(
                        "RSS {}, dirty {}, swap {}",
                        before_after(sum(|c| c.rss_kb_before), sum(|c| c.rss_kb_after)),
                        before_after(sum(|c| c.dirty_kb_before), sum(|c| c.dirty_kb_after)),
                        before_after(sum(|c| c.swap_kb_before), sum(|c| c.swap_kb_after))
                    ),
                )
            })
            .collect();
        if !self.memory_compared {
            writeln!(
                out,
                "  memory: not compared (two processes; see the figures below)"
            )?;
        } else if memory.is_empty() && reshaped.is_empty() {
            writeln!(out, "  memory: no RSS, dirty or swap figure changed")?;
        } else {
            writeln!(out, "  memory (RSS, dirty, swap of the mappings involved):")?;
            for (head, detail) in &reshaped {
                write_two(out, head, detail)?;
            }
            let twice = |c: &RegionChange| memory.iter().filter(|d| d.short == c.short).count() > 1;
            for c in &memory {
                let at = if twice(c) {
                    format!(" at {:x}", c.start.0)
                } else {
                    String::new()
                };
                let detail = format!(
                    "RSS {}, dirty {}, swap {}",
                    before_after(c.rss_kb_before, c.rss_kb_after),
                    before_after(c.dirty_kb_before, c.dirty_kb_after),
                    before_after(c.swap_kb_before, c.swap_kb_after)
                );
                write_two(out, &format!("    {}{at}", c.short), &detail)?;
            }
        }
        let of = if self.faults_of == self.process && self.process == "vasmap" {
            String::new()
        } else {
            match self.faults_of {
                "vasmap" => " (vasmap's)".to_string(),
                other => format!(" (the {other}'s)"),
            }
        };
        writeln!(
            out,
            "  page faults{of}: {} minor, {} major",
            self.faults.minor, self.faults.major
        )?;
        if let Some(p) = &self.pages {
            let each = if p.per_char == 1 {
                "a character a page".to_string()
            } else {
                format!("a character per {} pages", p.per_char)
            };
            let legend = if p.shared > 0 {
                "# present here only, s shared with another process, . absent"
            } else if p.per_char > 1 {
                "# all present, : some, . none"
            } else {
                "# present, . absent"
            };
            let head = format!("  pages of {} ({} pages, {each}; {legend}):", p.of, p.pages);
            write_wrapped(out, &head, 0, 4)?;
            for chunk in p.strip.as_bytes().chunks(64) {
                writeln!(out, "    {}", String::from_utf8_lossy(chunk))?;
            }
        }
        for f in &self.figures {
            write_wrapped(out, &format!("  {}: {}", f.label, f.shown), 0, 6)?;
        }
        if !self.why.is_empty() {
            write_wrapped(out, &format!("  why: {}", self.why), 0, 4)?;
        }
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_to_80_columns_and_every_word() {
        let text = "word ".repeat(50) + &"x".repeat(200);
        let lines = wrap(&text, 2, 6);
        for l in &lines {
            assert!(l.width() <= WIDTH, "{l:?}");
        }
        assert!(lines[0].starts_with("  word"));
        assert!(lines[1].starts_with("      word"));
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined, "word".repeat(50) + &"x".repeat(200));
        assert_eq!(wrap("", 2, 2), vec!["  ".to_string()]);
    }
}
