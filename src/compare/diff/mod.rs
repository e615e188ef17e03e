//! `vasmap diff A B`: what changed between two snapshots of an address space. Also the
//! engine behind `vasmap watch`.
//!
//! Regions are paired in three passes: same start, end and name (unchanged, or new
//! permissions, or new figures); then same start and name (grown or shrunk at the top, as
//! the heap does); then same end and name (grown or shrunk at the bottom, as a stack does).
//! What is left in A was removed, what is left in B was added.
//!
//! Here: the pairing and the counts ([`diff`], [`DiffTotals`]); the changes in words and
//! `diff`'s output are in `text.rs`.

mod text;

pub use text::{describe, render, signed_kb};

use std::collections::HashMap;

use crate::model::{Kind, Region, Snapshot};

/// What happened to one mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Grown,
    Shrunk,
    /// Same range, new permissions (`mprotect`).
    Perms,
    /// Same range, now known as something else (an anonymous region found to be a
    /// thread's stack).
    Kind,
    /// Same range and permissions, different resident/dirty/swap figures.
    Figures,
}

impl ChangeKind {
    /// The word the output uses.
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Grown => "grown",
            ChangeKind::Shrunk => "shrunk",
            ChangeKind::Perms => "permissions changed",
            ChangeKind::Kind => "identified",
            ChangeKind::Figures => "figures changed",
        }
    }

    fn sign(self) -> &'static str {
        match self {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "-",
            ChangeKind::Grown => ">",
            ChangeKind::Shrunk => "<",
            ChangeKind::Perms | ChangeKind::Kind => "~",
            ChangeKind::Figures => "=",
        }
    }
}

/// One change: the region before (`a`) and after (`b`), as indexes into the snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub what: ChangeKind,
    pub a: Option<usize>,
    pub b: Option<usize>,
}

fn key_full(r: &Region) -> (u64, u64, &[u8]) {
    (r.start, r.end, &r.name)
}

/// Pair the regions of two snapshots and list the changes, in address order.
/// `figures`: also report paired regions whose smaps figures changed.
pub fn diff(a: &Snapshot, b: &Snapshot, figures: bool) -> Vec<Change> {
    let mut b_used = vec![false; b.regions.len()];
    let mut a_match: Vec<Option<usize>> = vec![None; a.regions.len()];

    let full: HashMap<(u64, u64, &[u8]), usize> = b
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| (key_full(r), i))
        .collect();
    for (i, r) in a.regions.iter().enumerate() {
        if let Some(&j) = full.get(&key_full(r)) {
            a_match[i] = Some(j);
            b_used[j] = true;
        }
    }
    // Second and third passes: same start (or same end) and name among the unpaired.
    for by_start in [true, false] {
        let edge = |r: &Region| if by_start { r.start } else { r.end };
        let mut left: HashMap<(u64, &[u8]), usize> = HashMap::new();
        for (j, r) in b.regions.iter().enumerate() {
            if !b_used[j] {
                left.insert((edge(r), &r.name), j);
            }
        }
        for (i, r) in a.regions.iter().enumerate() {
            if a_match[i].is_none()
                && let Some(j) = left.remove(&(edge(r), &r.name[..]))
            {
                a_match[i] = Some(j);
                b_used[j] = true;
            }
        }
    }

    let mut out = Vec::new();
    for (i, m) in a_match.iter().enumerate() {
        let ra = &a.regions[i];
        let Some(j) = *m else {
            out.push(Change {
                what: ChangeKind::Removed,
                a: Some(i),
                b: None,
            });
            continue;
        };
        let rb = &b.regions[j];
        let what = if rb.size() > ra.size() {
            Some(ChangeKind::Grown)
        } else if rb.size() < ra.size() {
            Some(ChangeKind::Shrunk)
        } else if rb.perms != ra.perms {
            Some(ChangeKind::Perms)
        } else if rb.kind != ra.kind {
            Some(ChangeKind::Kind)
        } else if figures && figures_differ(ra, rb) {
            Some(ChangeKind::Figures)
        } else {
            None
        };
        if let Some(what) = what {
            out.push(Change {
                what,
                a: Some(i),
                b: Some(j),
            });
        }
    }
    for (j, used) in b_used.iter().enumerate() {
        if !used {
            out.push(Change {
                what: ChangeKind::Added,
                a: None,
                b: Some(j),
            });
        }
    }
    let addr = |c: &Change| match (c.b, c.a) {
        (Some(j), _) => b.regions[j].start,
        (None, Some(i)) => a.regions[i].start,
        (None, None) => 0,
    };
    out.sort_by_key(|c| (addr(c), c.b.is_some()));
    out
}

fn figures(r: &Region) -> (u64, u64, u64) {
    r.smaps
        .as_ref()
        .map_or((0, 0, 0), |s| (s.rss, s.dirty(), s.swap))
}

fn figures_differ(a: &Region, b: &Region) -> bool {
    a.smaps.is_some() && b.smaps.is_some() && figures(a) != figures(b)
}
/// Counts of each kind of change, and the totals on both sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffTotals {
    pub added: u64,
    pub added_kb: u64,
    pub removed: u64,
    pub removed_kb: u64,
    pub grown: u64,
    pub grown_kb: u64,
    pub shrunk: u64,
    pub shrunk_kb: u64,
    pub perms: u64,
    pub identified: u64,
    pub figures: u64,
}

impl DiffTotals {
    /// Count a list of changes.
    pub fn count(a: &Snapshot, b: &Snapshot, changes: &[Change]) -> DiffTotals {
        let mut t = DiffTotals::default();
        for c in changes {
            let ka = c.a.map_or(0, |i| a.regions[i].size_kb());
            let kb = c.b.map_or(0, |j| b.regions[j].size_kb());
            t.add(c.what, ka, kb);
        }
        t
    }

    /// Count one change with the sizes before and after.
    pub fn add(&mut self, what: ChangeKind, ka: u64, kb: u64) {
        match what {
            ChangeKind::Added => {
                self.added += 1;
                self.added_kb = self.added_kb.saturating_add(kb);
            }
            ChangeKind::Removed => {
                self.removed += 1;
                self.removed_kb = self.removed_kb.saturating_add(ka);
            }
            ChangeKind::Grown => {
                self.grown += 1;
                self.grown_kb = self.grown_kb.saturating_add(kb.saturating_sub(ka));
            }
            ChangeKind::Shrunk => {
                self.shrunk += 1;
                self.shrunk_kb = self.shrunk_kb.saturating_add(ka.saturating_sub(kb));
            }
            ChangeKind::Perms => self.perms += 1,
            ChangeKind::Kind => self.identified += 1,
            ChangeKind::Figures => self.figures += 1,
        }
    }

    /// `2 added (+264K), 1 removed (-4K), ...`
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} added (+{}K)", self.added, self.added_kb),
            format!("{} removed (-{}K)", self.removed, self.removed_kb),
            format!("{} grown (+{}K)", self.grown, self.grown_kb),
            format!("{} shrunk (-{}K)", self.shrunk, self.shrunk_kb),
        ];
        if self.perms > 0 {
            parts.push(format!("{} with new permissions", self.perms));
        }
        if self.identified > 0 {
            parts.push(format!("{} identified", self.identified));
        }
        if self.figures > 0 {
            parts.push(format!("{} with new figures only", self.figures));
        }
        parts.join(", ")
    }
}
/// Keep what an earlier snapshot learnt about a region's kind that a later one could not
/// see: a thread's stack is only recognised while the thread sits in a system call, so a
/// region once known as a thread stack stays one while its range is unchanged.
pub fn carry_kinds(prev: &Snapshot, cur: &mut Snapshot) {
    let known: HashMap<(u64, u64), Kind> = prev
        .regions
        .iter()
        .filter(|r| matches!(r.kind, Kind::ThreadStack { .. }))
        .map(|r| ((r.start, r.end), r.kind))
        .collect();
    if known.is_empty() {
        return;
    }
    for r in cur.regions.iter_mut() {
        if r.kind == Kind::Anon
            && let Some(k) = known.get(&(r.start, r.end))
        {
            r.kind = *k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps;
    use unicode_width::UnicodeWidthStr;

    fn snap(text: &str) -> Snapshot {
        let mut regions = parse_maps(text.as_bytes()).unwrap();
        crate::read::classify::classify(&mut regions, &Default::default());
        Snapshot {
            regions,
            ..Default::default()
        }
    }

    #[test]
    fn pairs_grown_shrunk_added_removed() {
        let a = snap(
            "1000-2000 r--p 0 fe:00 5 /bin/x\n\
3000-4000 rw-p 0 00:00 0 [heap]\n\
8000-9000 r--p 0 fe:00 6 /tmp/gone\n\
f000-10000 rw-p 0 00:00 0 [stack]\n",
        );
        let b = snap(
            "1000-2000 r-xp 0 fe:00 5 /bin/x\n\
3000-6000 rw-p 0 00:00 0 [heap]\n\
a000-b000 r--p 0 fe:00 7 /tmp/new\n\
d000-10000 rw-p 0 00:00 0 [stack]\n",
        );
        let c = diff(&a, &b, false);
        let what: Vec<ChangeKind> = c.iter().map(|c| c.what).collect();
        assert_eq!(
            what,
            [
                ChangeKind::Perms,
                ChangeKind::Grown,
                ChangeKind::Removed,
                ChangeKind::Added,
                ChangeKind::Grown
            ]
        );
        let t = DiffTotals::count(&a, &b, &c);
        assert_eq!((t.added, t.removed, t.grown, t.grown_kb), (1, 1, 2, 16));
        let line = describe(&a, &b, &c[1], false, false, None);
        assert!(line.contains("grown at the top: 4K -> 12K (+8K)"), "{line}");
        let line = describe(&a, &b, &c[4], false, false, None);
        assert!(line.contains("grown at the bottom"), "{line}");
        // Every line whole: one head, then what changed.
        let lines: Vec<String> = c
            .iter()
            .map(|c| describe(&a, &b, c, false, false, None))
            .collect();
        assert_eq!(
            lines,
            [
                "~ 0000000000001000-0000000000002000       4K r-xp x (file) permissions r--p -> r-xp",
                "> 0000000000003000-0000000000006000      12K rw-p [heap] grown at the top: 4K -> 12K (+8K)",
                "- 0000000000008000-0000000000009000       4K r--p gone (file) removed",
                "+ 000000000000a000-000000000000b000       4K r--p new (file) added",
                "> 000000000000d000-0000000000010000      12K rw-p [stack] grown at the bottom: 4K -> 12K (+8K)",
            ]
        );
        assert!(diff(&a, &a, true).is_empty());

        // On a terminal of 72 columns: what fits stays on one line, a longer change goes
        // under its mapping.
        let narrow: Vec<String> = c
            .iter()
            .map(|c| describe(&a, &b, c, false, false, Some(72)))
            .collect();
        assert_eq!(
            narrow,
            [
                "~ 0000000000001000-0000000000002000       4K r-xp x (file)\n    permissions r--p -> r-xp",
                "> 0000000000003000-0000000000006000      12K rw-p [heap]\n    grown at the top: 4K -> 12K (+8K)",
                "- 0000000000008000-0000000000009000       4K r--p gone (file) removed",
                "+ 000000000000a000-000000000000b000       4K r--p new (file) added",
                "> 000000000000d000-0000000000010000      12K rw-p [stack]\n    grown at the bottom: 4K -> 12K (+8K)",
            ]
        );
        // At 60 a one-word change keeps one line: the range's start only.
        let line = describe(&a, &b, &c[2], false, false, Some(60));
        assert_eq!(line, "- 0000000000008000       4K r--p gone (file) removed");
        let long = snap(&format!(
            "a000-b000 r--p 0 fe:00 7 /tmp/{}\n",
            "n".repeat(200)
        ));
        let c = diff(&a, &long, false);
        let added = c.iter().find(|c| c.what == ChangeKind::Added).unwrap();
        let line = describe(&a, &long, added, false, false, Some(60));
        assert_eq!(line.width(), 60, "{line}");
        assert!(
            line.starts_with("+ 000000000000a000       4K r--p nnn"),
            "{line}"
        );
        assert!(
            line.ends_with("nnn (file) added") && line.contains('…'),
            "{line}"
        );
        let piped = describe(&a, &long, added, false, false, None);
        assert!(piped.contains(&"n".repeat(200)), "{piped}");

        // A mapping without a name shows its kind in the name's place: counted too
        // (watch's room at 80 columns is 69; `thread stack (tid 15240)` once ran over).
        let mut stack = snap("c000-d000 rw-p 0 00:00 0\n");
        stack.regions[0].kind = Kind::ThreadStack { tid: 15240 };
        let c = diff(&a, &stack, false);
        let added = c.iter().find(|c| c.what == ChangeKind::Added).unwrap();
        for w in [60, 69, 80] {
            let text = describe(&a, &stack, added, false, false, Some(w));
            assert!(text.lines().all(|l| l.width() <= w), "{w}: {text}");
            // Room for it all on one line from 69 columns; at 60 the word goes under.
            assert_eq!(
                text.lines().count(),
                if w < 63 { 2 } else { 1 },
                "{w}: {text}"
            );
            assert!(text.contains("thread stack (tid 15240)"), "{text}");
        }
    }
}
