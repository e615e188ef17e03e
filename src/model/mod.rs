//! The plain data vasmap works on: a [`Snapshot`] of one address space, made of [`Region`]s.
//!
//! Nothing here does I/O. Names are kept as the raw bytes the kernel wrote, so that a
//! renderer can reproduce them exactly (pmap mode, JSON) or escape them for a terminal.

mod kind;
mod process;
mod region;
mod smaps;

pub use kind::Kind;
pub use process::{CoreFacts, CoreThread, ProcessInfo};
pub use region::{Dumped, NameLiteral, Perms, Region};
pub use smaps::{FieldId, SmapsRecord};

use serde::Serialize;

/// The version of vasmap's JSON documents (`--json`, docs/json.md): bumped when a field
/// changes meaning or goes away (adding a field does not bump it).
pub const JSON_SCHEMA_VERSION: u32 = 1;
/// What a region is, in plain words (`--explain`): worked out by `teach::explain`, which
/// reads the mapped files, and handed to the views as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// One short line, as the table's `--explain` column shows it.
    pub text: String,
    /// For a mapping of an ELF file: every section it holds (in address order), with
    /// `ELF header` first when the mapping starts at the beginning of the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
}

/// One address space at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Where it came from: a live process (pid set) or a saved file.
    pub process: ProcessInfo,
    /// Mappings in address order, as the kernel lists them.
    pub regions: Vec<Region>,
    /// True when the regions carry smaps records.
    pub has_smaps: bool,
    /// The smaps field names seen, in first-seen order; [`FieldId`] indexes this.
    pub smaps_fields: Vec<String>,
}

impl Snapshot {
    /// The id of a smaps field name, if any record had it.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.smaps_fields
            .iter()
            .position(|f| f == name)
            .map(|i| i as FieldId)
    }

    /// The region that holds `addr`, by binary search (regions are sorted and disjoint).
    pub fn region_at(&self, addr: u64) -> Option<usize> {
        let i = self.regions.partition_point(|r| r.end <= addr);
        (i < self.regions.len() && self.regions[i].contains(addr)).then_some(i)
    }

    /// Totals over every region.
    pub fn totals(&self) -> Totals {
        Totals::over(self.regions.iter())
    }
}

/// Sums over a set of regions, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub regions: u64,
    pub size_kb: u64,
    pub rss_kb: u64,
    pub pss_kb: u64,
    pub dirty_kb: u64,
    pub swap_kb: u64,
    pub private_kb: u64,
    pub shared_kb: u64,
}

impl Totals {
    /// Add up the given regions.
    pub fn over<'a>(regions: impl Iterator<Item = &'a Region>) -> Totals {
        let mut t = Totals::default();
        for r in regions {
            t.add(r);
        }
        t
    }

    /// Add one region. Sums saturate: a saved file (`--from`) can hold any numbers, and a
    /// crafted one must not make vasmap panic.
    pub fn add(&mut self, r: &Region) {
        self.regions += 1;
        self.size_kb = self.size_kb.saturating_add(r.size_kb());
        if let Some(s) = &r.smaps {
            self.rss_kb = self.rss_kb.saturating_add(s.rss);
            self.pss_kb = self.pss_kb.saturating_add(s.pss);
            self.dirty_kb = self.dirty_kb.saturating_add(s.dirty());
            self.swap_kb = self.swap_kb.saturating_add(s.swap);
            self.private_kb = self
                .private_kb
                .saturating_add(s.private_clean.saturating_add(s.private_dirty));
            self.shared_kb = self
                .shared_kb
                .saturating_add(s.shared_clean.saturating_add(s.shared_dirty));
        }
    }
}
