//! What a walk of [`crate::read::pagemap`] returns beside the runs (the counts, how the
//! pages were found, what could be seen), and the hints that change how it reads.

use crate::model::{Kind, Region};
use crate::read::kpageflags::KpageAccess;
use crate::read::pagestate::PageCounts;

/// How a range's pages were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// PAGEMAP_SCAN found the populated parts; `pagemap` was read for those.
    Scan,
    /// `pagemap` was read for every page.
    Read,
    /// smaps said nothing is resident or swapped and no scan was possible: one entry was
    /// read, and its state stands for every page.
    Smaps,
}

impl Method {
    /// The word in JSON and in the view.
    pub fn word(self) -> &'static str {
        match self {
            Method::Scan => "scan",
            Method::Read => "read",
            Method::Smaps => "smaps",
        }
    }
}

/// Whether the page frame numbers could be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pfns {
    /// A present page had a non-zero PFN.
    Shown,
    /// Present pages all read as PFN 0: the kernel hides them (no `CAP_SYS_ADMIN`).
    Hidden,
    /// No page was present, so the entries could not tell; this is what vasmap's
    /// capabilities predict.
    Unknown { expected: bool },
}

impl Pfns {
    /// True when the PFNs are (or would be) visible.
    pub fn visible(self) -> bool {
        matches!(self, Pfns::Shown | Pfns::Unknown { expected: true })
    }
}

/// What could be read of a range, beside its runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagesRead {
    pub counts: PageCounts,
    pub method: Method,
    pub pfns: Pfns,
    pub kpageflags: KpageAccess,
    /// Runs handed to the sink.
    pub runs: u64,
    /// Bytes read from `pagemap` for this range.
    pub pagemap_bytes: u64,
    /// PAGEMAP_SCAN calls made for this range.
    pub scan_calls: u64,
}

/// What the caller knows of a range that changes how it is best read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalkHints {
    /// PAGEMAP_SCAN may be used (false for `VM_PFNMAP` mappings, which it skips).
    pub scan: bool,
    /// smaps says no page is resident or swapped.
    pub nothing_resident: bool,
}

impl WalkHints {
    /// The hints for one mapping: no scan where smaps' VmFlags say `pf` (`VM_PFNMAP`), or,
    /// without smaps, for the kinds that are usually such mappings (`[vvar]`, devices).
    pub fn for_region(r: &Region) -> WalkHints {
        match &r.smaps {
            Some(s) => WalkHints {
                scan: !s.vm_flags.iter().any(|f| f == b"pf"),
                nothing_resident: s.rss == 0 && s.swap == 0,
            },
            None => WalkHints {
                scan: !matches!(r.kind, Kind::Vvar | Kind::Special | Kind::Vsyscall),
                nothing_resident: false,
            },
        }
    }
}
