//! One step of an experiment as data: the call, what changed in the address space and in
//! memory, the faults, the measured figures and the why. The JSON document is these
//! structs serialised (docs/json.md, docs/tour.schema.json); the text is
//! [`Step::write_text`] (in `render`).
//!
//! The changes are [`crate::compare::diff::diff`]'s, on the snapshots right before and
//! right after the step, with splits and merges recognised ([`super::reshape`]); the
//! figures and the page strip are [`super::figure`]'s.

use serde::{Serialize, Serializer};

use crate::compare::diff::{ChangeKind, diff};
use crate::model::{Kind, Region, Snapshot};

pub use super::figure::{Figure, PageStrip};
use super::probe::{Faults, Measured};
use super::reshape::{Reshape, reshapes};

/// An address, serialised as a `0x...` hex string (JSON numbers lose precision above
/// 2^53).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hex(pub u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#x}", self.0))
    }
}

/// One region that a step added, removed or changed, with its figures on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct RegionChange {
    /// `added`, `removed`, `grown`, `shrunk`, `permissions`, `kind` or `figures`.
    pub change: &'static str,
    /// For `grown` and `shrunk`: the end that moved, `top` or `bottom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    pub start: Hex,
    pub end: Hex,
    /// The range before the step, for a changed region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_before: Option<Hex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_before: Option<Hex>,
    pub perms: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perms_before: Option<String>,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<i32>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_bytes: Option<Vec<u8>>,
    pub size_before: u64,
    pub size_after: u64,
    pub rss_kb_before: u64,
    pub rss_kb_after: u64,
    pub dirty_kb_before: u64,
    pub dirty_kb_after: u64,
    pub swap_kb_before: u64,
    pub swap_kb_after: u64,
    /// The name as the text shows it: escaped, with the kind beside a file's name.
    #[serde(skip)]
    pub label: String,
    /// The same without the kind: `libc.so.6`, `[heap]`, `anon`.
    #[serde(skip)]
    pub short: String,
}

/// The RSS, dirty and swap kB of a region (zeros without smaps).
fn figures(r: Option<&Region>) -> (u64, u64, u64) {
    r.and_then(|r| r.smaps.as_ref())
        .map_or((0, 0, 0), |s| (s.rss, s.dirty(), s.swap))
}

/// A region's name for the text: `[heap]`, `libc.so.6 (library)`, `anon`.
pub fn label(r: &Region) -> String {
    let name = crate::view::table::display_name(r, false);
    if name.is_empty() {
        r.kind.describe()
    } else if r.is_path() {
        format!("{name} ({})", r.kind.describe())
    } else {
        name
    }
}

/// A region's name alone (its kind when it has none): `libc.so.6`, `[heap]`, `anon`.
pub fn short_label(r: &Region) -> String {
    let name = crate::view::table::display_name(r, false);
    if name.is_empty() {
        r.kind.describe()
    } else {
        name
    }
}

impl RegionChange {
    fn new(what: ChangeKind, a: Option<&Region>, b: Option<&Region>) -> Option<RegionChange> {
        let r = b.or(a)?;
        let (name, name_bytes) = match String::from_utf8(r.name_bytes().into_owned()) {
            Ok(s) => (s, None),
            Err(e) => {
                let bytes = e.into_bytes();
                (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes))
            }
        };
        let (rss0, dirty0, swap0) = figures(a);
        let (rss1, dirty1, swap1) = figures(b);
        let change = match what {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Grown => "grown",
            ChangeKind::Shrunk => "shrunk",
            ChangeKind::Perms => "permissions",
            ChangeKind::Kind => "kind",
            ChangeKind::Figures => "figures",
        };
        let side = match (what, a, b) {
            (ChangeKind::Grown | ChangeKind::Shrunk, Some(x), Some(y)) => {
                Some(if x.start == y.start { "top" } else { "bottom" })
            }
            _ => None,
        };
        let both = a.zip(b);
        Some(RegionChange {
            change,
            side,
            start: Hex(r.start),
            end: Hex(r.end),
            start_before: both.map(|(x, _)| Hex(x.start)),
            end_before: both.map(|(x, _)| Hex(x.end)),
            perms: r.perms.to_maps_string(),
            perms_before: both
                .filter(|(x, y)| x.perms != y.perms)
                .map(|(x, _)| x.perms.to_maps_string()),
            kind: r.kind.key(),
            tid: match r.kind {
                Kind::ThreadStack { tid } => Some(tid),
                _ => None,
            },
            name,
            name_bytes,
            size_before: a.map_or(0, Region::size),
            size_after: b.map_or(0, Region::size),
            rss_kb_before: rss0,
            rss_kb_after: rss1,
            dirty_kb_before: dirty0,
            dirty_kb_after: dirty1,
            swap_kb_before: swap0,
            swap_kb_after: swap1,
            label: label(r),
            short: short_label(r),
        })
    }
}

/// One step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub title: String,
    /// The call as C would write it, a line each.
    pub call: Vec<String>,
    /// Whose address space the changes are: `vasmap` or `child`.
    pub process: &'static str,
    pub pid: i32,
    pub added: Vec<RegionChange>,
    pub removed: Vec<RegionChange>,
    pub changed: Vec<RegionChange>,
    pub splits: Vec<Reshape>,
    pub merges: Vec<Reshape>,
    /// Whose faults these are: `vasmap` or `child`.
    pub faults_of: &'static str,
    pub faults: Faults,
    pub figures: Vec<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<PageStrip>,
    pub why: String,
    /// Rows that changed between the previous step's "after" and this step's "before":
    /// vasmap's own work between steps (parsing, printing), not this step's.
    pub between_steps: Vec<RegionChange>,
    /// Changes the splits and merges already tell (not printed again in the text).
    #[serde(skip)]
    pub(super) explained: Vec<(&'static str, usize)>,
    /// False when the two sides are different processes (`fork`: vasmap and its child),
    /// whose RSS figures are not a change.
    #[serde(skip)]
    pub(super) memory_compared: bool,
}

impl Step {
    /// A step of vasmap itself, from a measurement.
    pub fn measured<T>(title: &str, call: &[&str], m: &Measured<T>) -> Step {
        let mut step = Step::between(
            title,
            call,
            (&m.before, &m.after),
            ("vasmap", std::process::id() as i32),
            ("vasmap", m.faults),
        );
        if let Some(prev) = &m.previous {
            step.between_steps = diff(prev, &m.before, false)
                .iter()
                .filter_map(|c| {
                    RegionChange::new(
                        c.what,
                        c.a.map(|i| &prev.regions[i]),
                        c.b.map(|j| &m.before.regions[j]),
                    )
                })
                .collect();
        }
        step
    }

    /// A step from two snapshots of process `who` (name, pid), with the faults of
    /// `faults` (whose, count).
    pub fn between(
        title: &str,
        call: &[&str],
        (a, b): (&Snapshot, &Snapshot),
        who: (&'static str, i32),
        faults: (&'static str, Faults),
    ) -> Step {
        let changes = diff(a, b, a.has_smaps && b.has_smaps);
        let (splits, merges, explained) = reshapes(a, b, &changes);
        let mut step = Step {
            title: title.to_string(),
            call: call.iter().map(|s| s.to_string()).collect(),
            process: who.0,
            pid: who.1,
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
            splits,
            merges,
            faults_of: faults.0,
            faults: faults.1,
            figures: Vec::new(),
            pages: None,
            why: String::new(),
            between_steps: Vec::new(),
            explained: Vec::new(),
            memory_compared: a.has_smaps && b.has_smaps,
        };
        for (c, explained) in changes.iter().zip(explained) {
            let ra = c.a.map(|i| &a.regions[i]);
            let rb = c.b.map(|j| &b.regions[j]);
            let Some(rc) = RegionChange::new(c.what, ra, rb) else {
                continue;
            };
            let list = match c.what {
                ChangeKind::Added => &mut step.added,
                ChangeKind::Removed => &mut step.removed,
                _ => &mut step.changed,
            };
            if explained {
                step.explained.push((rc.change, list.len()));
            }
            list.push(rc);
        }
        step
    }

    /// Add a measured figure.
    pub fn figure(mut self, f: Figure) -> Step {
        self.figures.push(f);
        self
    }

    /// Set the why.
    pub fn why(mut self, text: impl Into<String>) -> Step {
        self.why = text.into();
        self
    }

    /// Attach a page strip.
    pub fn pages(mut self, strip: Option<PageStrip>) -> Step {
        self.pages = strip;
        self
    }

    /// The processes this step is about, for `--wait`'s prompt.
    pub fn pids(&self) -> Vec<(String, i32)> {
        vec![(self.process.to_string(), self.pid)]
    }
}
