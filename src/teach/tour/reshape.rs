//! Reading `diff`'s pairs back as what happened to a mapping. `diff` pairs regions by
//! start, end and name, so a mapping cut in three by `mprotect` comes out as "shrunk"
//! plus two "added"; [`reshapes`] sees one mapping split into pieces (with holes where
//! `munmap` took a part), or several merged back into one, and says which changes that
//! explains, so that the text can show the pieces instead.

use serde::Serialize;

use crate::compare::diff::{Change, ChangeKind};
use crate::model::Snapshot;

use super::report::Hex;

/// A range inside a reshaped mapping: a piece that is mapped (with its permissions), or a
/// hole (`perms` absent).
#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub start: Hex,
    pub end: Hex,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
}

/// One mapping that became several (a split: `into` holds the pieces and the holes in
/// address order), or several that became one (a merge: `into` holds the old pieces).
#[derive(Debug, Clone, Serialize)]
pub struct Reshape {
    /// The range of the one mapping (before a split, after a merge).
    pub start: Hex,
    pub end: Hex,
    pub into: Vec<Piece>,
    /// Bytes of the range left unmapped (a split by `munmap`).
    pub hole_bytes: u64,
}

/// The regions of `snap` lying inside `[start, end)`, as pieces with the holes between.
fn pieces(snap: &Snapshot, idx: &[usize], start: u64, end: u64) -> (Vec<Piece>, u64) {
    let mut out = Vec::new();
    let mut at = start;
    let mut holes = 0;
    for &i in idx {
        let r = &snap.regions[i];
        if r.start > at {
            out.push(Piece {
                start: Hex(at),
                end: Hex(r.start),
                perms: None,
            });
            holes += r.start - at;
        }
        out.push(Piece {
            start: Hex(r.start),
            end: Hex(r.end),
            perms: Some(r.perms.to_maps_string()),
        });
        at = r.end;
    }
    if at < end && !out.is_empty() {
        holes += end - at;
        out.push(Piece {
            start: Hex(at),
            end: Hex(end),
            perms: None,
        });
    }
    (out, holes)
}

/// Splits and merges among `changes`, and which changes each one explains.
///
/// A split: a region of `a` (removed, or shrunk or grown into its partner) whose range
/// now holds two or more regions of `b`, each added or that partner. A merge: the same
/// with `a` and `b` swapped.
pub fn reshapes(
    a: &Snapshot,
    b: &Snapshot,
    changes: &[Change],
) -> (Vec<Reshape>, Vec<Reshape>, Vec<bool>) {
    let mut explained = vec![false; changes.len()];
    let splits = find_reshapes(changes, a, b, true, &mut explained);
    let merges = find_reshapes(changes, b, a, false, &mut explained);
    (splits, merges, explained)
}

/// [`reshapes`] one way: a region of `one` that became several of `many`.
/// `forward`: `one` is the snapshot before the step.
fn find_reshapes(
    changes: &[Change],
    one: &Snapshot,
    many: &Snapshot,
    forward: bool,
    explained: &mut [bool],
) -> Vec<Reshape> {
    let sides = |c: &Change| if forward { (c.a, c.b) } else { (c.b, c.a) };
    let mut out = Vec::new();
    for (k, c) in changes.iter().enumerate() {
        let (Some(i), _) = sides(c) else { continue };
        if matches!(
            c.what,
            ChangeKind::Perms | ChangeKind::Kind | ChangeKind::Figures
        ) {
            continue;
        }
        let r = &one.regions[i];
        let mut inside: Vec<(usize, usize)> = changes
            .iter()
            .enumerate()
            .filter_map(|(m, d)| {
                let (there, here) = sides(d);
                let j = here?;
                let p = &many.regions[j];
                (p.start >= r.start && p.end <= r.end && there.is_none_or(|t| t == i))
                    .then_some((m, j))
            })
            .collect();
        if inside.len() < 2 {
            continue;
        }
        inside.sort_by_key(|&(_, j)| many.regions[j].start);
        let idx: Vec<usize> = inside.iter().map(|&(_, j)| j).collect();
        let (into, hole_bytes) = pieces(many, &idx, r.start, r.end);
        explained[k] = true;
        for (m, _) in inside {
            explained[m] = true;
        }
        out.push(Reshape {
            start: Hex(r.start),
            end: Hex(r.end),
            into,
            hole_bytes,
        });
    }
    out
}
