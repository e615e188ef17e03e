//! The picture's rows top to bottom: its blocks, the unmapped gaps between them (what
//! grows into each), the top of user space, and a core's fault address marked.

use super::merge::fit_rows;
use super::{Block, Growth, LayoutOptions, Picture, Row, human_bytes};
use crate::model::Snapshot;

impl Picture {
    /// The rows of the picture, top to bottom.
    pub fn rows(mut self, opts: &LayoutOptions) -> (Vec<Row>, u64, u64) {
        let mut blocks = fit_rows(self.finish_blocks(), opts.max_rows);
        for b in &mut blocks {
            b.finish_name();
        }
        let (top, bits) = user_top(self.highest);
        let mut out = Vec::with_capacity(blocks.len() * 2 + 2);
        let mut above: Option<&Block> = None;
        for b in blocks.iter().rev() {
            if let Some(a) = above {
                let gap_lo = b.end;
                let gap_hi = a.start;
                if a.start >= top && b.end <= top {
                    // Above user space: the kernel's half, where [vsyscall] is, and below
                    // it the non-canonical hole: no address at all (the top bits of a
                    // 64-bit address must all equal the highest bit the page tables use).
                    let kernel = top.wrapping_neg();
                    if kernel > top && gap_hi > kernel {
                        out.push(Row::Gap {
                            size: gap_hi - kernel,
                            note: "the kernel's half: never mapped for programs".to_string(),
                        });
                        out.push(Row::KernelStart { addr: kernel });
                        out.push(Row::Gap {
                            size: kernel - top,
                            note: "non-canonical: no valid address here".to_string(),
                        });
                    } else if gap_hi > top {
                        out.push(Row::Gap {
                            size: gap_hi - top,
                            note: "kernel space: never mapped for programs".to_string(),
                        });
                    }
                    out.push(Row::Top { addr: top, bits });
                    if top > gap_lo {
                        out.push(self.gap_row(top - gap_lo, a, b, opts));
                    }
                } else if gap_hi > gap_lo {
                    out.push(self.gap_row(gap_hi - gap_lo, a, b, opts));
                }
            } else if b.end <= top && top < u64::MAX {
                out.push(Row::Top { addr: top, bits });
                if top > b.end {
                    out.push(self.gap_row(top - b.end, b, b, opts));
                }
            }
            out.push(Row::Block(b.clone()));
            above = Some(b);
        }
        (out, self.regions, self.size_kb)
    }

    /// Place the region held back and finish the block being built: every block, in
    /// address order.
    pub(super) fn finish_blocks(&mut self) -> Vec<Block> {
        if let Some(last) = self.held.take() {
            let mark = self.held_mark.take();
            self.place(&last, None, mark);
        }
        if let Some(b) = self.building.take() {
            self.blocks.push(b.block());
        }
        std::mem::take(&mut self.blocks)
    }

    /// A gap row, noting a stack above it or a heap below it growing into it: for the
    /// main stack, how much further its limit lets it grow, in words that fit the row.
    fn gap_row(&self, size: u64, above: &Block, below: &Block, opts: &LayoutOptions) -> Row {
        let mut notes = Vec::new();
        if above.grows == Some(Growth::Down) && above.start != below.start {
            notes.push(match self.stack_limit {
                Some(limit) => stack_room(size, above, limit, opts),
                None => "↓ the stack grows down into this".to_string(),
            });
        }
        if below.grows == Some(Growth::Up) {
            notes.push("↑ the heap grows up into this".to_string());
        }
        Row::Gap {
            size,
            note: notes.join("; "),
        }
    }
}

/// How far the main stack (`stack`) can still grow into the gap below it, by its limit:
/// the longest wording that fits the row of a `opts.width` picture.
fn stack_room(gap: u64, stack: &Block, limit: u64, opts: &LayoutOptions) -> String {
    let room = limit.saturating_sub(stack.end - stack.start).min(gap);
    let (room, limit) = (human_bytes(room), human_bytes(limit));
    let words = if room == "0B" {
        vec![
            format!("↓ the stack is at its limit (RLIMIT_STACK {limit})"),
            format!("↓ stack at its limit ({limit})"),
        ]
    } else {
        vec![
            format!("↓ the stack may grow {room} more into this (RLIMIT_STACK {limit})"),
            format!("↓ the stack may grow {room} more (limit {limit})"),
            format!("↓ stack may grow {room} more"),
            format!("↓ stack: {room} more"),
        ]
    };
    // The row: "{size} unmapped  {note}" inside the box (see `text::write_text`).
    let inner = opts.width.max(60) - 20;
    let used = human_bytes(gap).len() + "  unmapped  ".len();
    let last = words.len() - 1;
    words
        .iter()
        .position(|w| unicode_width::UnicodeWidthStr::width(w.as_str()) + used <= inner)
        .map_or_else(|| words[last].clone(), |i| words[i].clone())
}

/// The top of user space: the smallest of 47, 48, 56 or 64 bits that holds `highest`.
fn user_top(highest: u64) -> (u64, u32) {
    for bits in [47u32, 48, 56] {
        if highest <= 1u64 << bits {
            return (1u64 << bits, bits);
        }
    }
    (u64::MAX, 64)
}

/// The rows of the picture of a snapshot, top to bottom.
pub fn rows(snap: &Snapshot, opts: &LayoutOptions) -> Vec<Row> {
    let mut p = Picture::new();
    for r in &snap.regions {
        p.add(r);
    }
    p.rows(opts).0
}

/// Mark where a core's fault address lies: in the row that holds it, or in the unmapped
/// space it falls into (a row of its own below the lowest mapping for a NULL pointer).
pub fn mark_fault(rows: &mut Vec<Row>, p: &crate::model::ProcessInfo) {
    let Some(addr) = p.core.as_ref().and_then(|c| c.fault_addr) else {
        return;
    };
    let mark = format!("✗ the fault, {addr:#x}, is here");
    // The address bounds of each row: blocks have their own; a gap lies between the
    // nearest block or top-of-user-space line above and below it.
    let bound_above = |rows: &[Row], i: usize| {
        rows[..i].iter().rev().find_map(|r| match r {
            Row::Block(b) => Some(b.start),
            Row::Top { addr, .. } | Row::KernelStart { addr } => Some(*addr),
            Row::Gap { .. } => None,
        })
    };
    let bound_below = |rows: &[Row], i: usize| {
        rows[i + 1..].iter().find_map(|r| match r {
            Row::Block(b) => Some(b.end),
            Row::Top { addr, .. } | Row::KernelStart { addr } => Some(*addr),
            Row::Gap { .. } => None,
        })
    };
    for i in 0..rows.len() {
        let hit = match &rows[i] {
            Row::Block(b) => b.start <= addr && addr < b.end,
            Row::Gap { .. } => {
                let hi = bound_above(rows, i).unwrap_or(u64::MAX);
                let lo = bound_below(rows, i).unwrap_or(0);
                lo <= addr && addr < hi
            }
            Row::Top { .. } | Row::KernelStart { .. } => false,
        };
        if !hit {
            continue;
        }
        match &mut rows[i] {
            Row::Block(b) => b.name = format!("✗ fault here · {}", b.name),
            Row::Gap { note, .. } if note.is_empty() => *note = mark,
            Row::Gap { note, .. } => *note = format!("{mark}; {note}"),
            Row::Top { .. } | Row::KernelStart { .. } => {}
        }
        return;
    }
    // Below the lowest mapping (a NULL pointer plus an offset), or with no mappings.
    let lowest = rows.iter().rev().find_map(|r| match r {
        Row::Block(b) => Some(b.start),
        _ => None,
    });
    if let Some(lowest) = lowest
        && addr < lowest
    {
        rows.push(Row::Gap {
            size: lowest,
            note: mark,
        });
    }
}
