//! The state of a page as [`crate::read::pagemap`] reads it, runs of pages in one state,
//! and the counts of a range: plain data, shared by the reader and the views; and the
//! decoding of a raw `pagemap` entry and kpageflags word into a state, and the merging of
//! pages into runs on their way to a sink, which involve no I/O.
//!
//! A state is a set of flags, from three sources: `pagemap`'s own bits (present,
//! swapped, file, exclusive, soft-dirty, uffd-wp), what PAGEMAP_SCAN adds (the zero page,
//! a PMD-mapped huge page) and what `/proc/kpageflags` adds when vasmap may read it (THP,
//! hugetlb, compound, dirty, referenced, KSM, anon, swap-backed). The PFN is never part
//! of a state: it differs from page to page and would make every page a run of its own.

use std::ops::BitOr;

/// pagemap bits 0-54: the page frame number (zero without `CAP_SYS_ADMIN`).
pub const PM_PFN_MASK: u64 = (1 << 55) - 1;
/// pagemap bit 55: soft-dirty.
pub const PM_SOFT_DIRTY: u64 = 1 << 55;
/// pagemap bit 56: exclusively mapped.
pub const PM_EXCLUSIVE: u64 = 1 << 56;
/// pagemap bit 57: write-protected by userfaultfd.
pub const PM_UFFD_WP: u64 = 1 << 57;
/// pagemap bit 61: a file page or shared anonymous memory.
pub const PM_FILE: u64 = 1 << 61;
/// pagemap bit 62: swapped.
pub const PM_SWAP: u64 = 1 << 62;
/// pagemap bit 63: present.
pub const PM_PRESENT: u64 = 1 << 63;

/// A set of page flags. [`PageState::EMPTY`] is a page with nothing in RAM or swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PageState(u32);

impl PageState {
    /// No flag: not present, not swapped (never touched, or dropped).
    pub const EMPTY: PageState = PageState(0);
    /// pagemap bit 63: in RAM, mapped by this process's page tables.
    pub const PRESENT: PageState = PageState(1);
    /// pagemap bit 62: swapped out (or a swap-like entry: migration, a marker).
    pub const SWAPPED: PageState = PageState(1 << 1);
    /// pagemap bit 61: a page of a file's page cache, or shared anonymous memory (shmem).
    pub const FILE: PageState = PageState(1 << 2);
    /// pagemap bit 56: no other mapping (this process's or another's) maps the page.
    pub const EXCLUSIVE: PageState = PageState(1 << 3);
    /// pagemap bit 55: written since the soft-dirty bits were last cleared.
    pub const SOFT_DIRTY: PageState = PageState(1 << 4);
    /// pagemap bit 57: write-protected by userfaultfd.
    pub const UFFD_WP: PageState = PageState(1 << 5);
    /// The kernel gave no entry for the page (above the user address space).
    pub const NO_ENTRY: PageState = PageState(1 << 6);
    /// The shared zero page (PAGEMAP_SCAN's `PAGE_IS_PFNZERO` or kpageflags' `ZERO_PAGE`).
    pub const ZERO_PAGE: PageState = PageState(1 << 7);
    /// Mapped by one PMD entry: a 2 MiB transparent huge page or hugetlb (PAGEMAP_SCAN).
    pub const HUGE: PageState = PageState(1 << 8);
    /// kpageflags `THP`: part of a transparent huge page (a large folio of any size).
    pub const THP: PageState = PageState(1 << 9);
    /// kpageflags `HUGE`: part of a hugetlb page.
    pub const HUGETLB: PageState = PageState(1 << 10);
    /// kpageflags `COMPOUND_HEAD`/`COMPOUND_TAIL`: part of a compound (large) page.
    pub const COMPOUND: PageState = PageState(1 << 11);
    /// kpageflags `DIRTY`: the page holds data not yet written back.
    pub const DIRTY: PageState = PageState(1 << 12);
    /// kpageflags `REFERENCED`: used since the kernel last moved it on its LRU lists.
    pub const REFERENCED: PageState = PageState(1 << 13);
    /// kpageflags `KSM`: merged with identical pages by KSM.
    pub const KSM: PageState = PageState(1 << 14);
    /// kpageflags `ANON`: an anonymous page.
    pub const ANON: PageState = PageState(1 << 15);
    /// kpageflags `SWAPBACKED`: goes to swap, not to a file, when reclaimed.
    pub const SWAPBACKED: PageState = PageState(1 << 16);

    /// Every flag with its name in JSON (`state` arrays), in a fixed order.
    pub const NAMES: &'static [(PageState, &'static str)] = &[
        (PageState::PRESENT, "present"),
        (PageState::SWAPPED, "swapped"),
        (PageState::FILE, "file"),
        (PageState::EXCLUSIVE, "exclusive"),
        (PageState::SOFT_DIRTY, "soft_dirty"),
        (PageState::UFFD_WP, "uffd_wp"),
        (PageState::NO_ENTRY, "no_entry"),
        (PageState::ZERO_PAGE, "zero_page"),
        (PageState::HUGE, "huge"),
        (PageState::THP, "thp"),
        (PageState::HUGETLB, "hugetlb"),
        (PageState::COMPOUND, "compound"),
        (PageState::DIRTY, "dirty"),
        (PageState::REFERENCED, "referenced"),
        (PageState::KSM, "ksm"),
        (PageState::ANON, "anon"),
        (PageState::SWAPBACKED, "swapbacked"),
    ];

    /// True when every flag of `other` is set.
    pub fn has(self, other: PageState) -> bool {
        self.0 & other.0 == other.0
    }

    /// The raw bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The names of the flags set, in [`PageState::NAMES`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        PageState::NAMES
            .iter()
            .filter(move |(f, _)| self.has(*f))
            .map(|(_, n)| *n)
    }

    /// A present page of anonymous memory: not a file page, not the zero page.
    pub fn is_anonymous(self) -> bool {
        self.has(PageState::PRESENT) && !self.has(PageState::FILE) && !self.has(Self::ZERO_PAGE)
    }
}

impl PageState {
    /// The pagemap bits of one entry.
    pub fn from_entry(e: u64) -> PageState {
        let mut s = PageState::EMPTY;
        for (bit, flag) in [
            (PM_PRESENT, PageState::PRESENT),
            (PM_SWAP, PageState::SWAPPED),
            (PM_FILE, PageState::FILE),
            (PM_EXCLUSIVE, PageState::EXCLUSIVE),
            (PM_SOFT_DIRTY, PageState::SOFT_DIRTY),
            (PM_UFFD_WP, PageState::UFFD_WP),
        ] {
            if e & bit != 0 {
                s = s | flag;
            }
        }
        s
    }

    /// The kpageflags bits vasmap shows.
    pub fn from_kpageflags(f: u64) -> PageState {
        let mut s = PageState::EMPTY;
        let bit = |n: u32| f & (1u64 << n) != 0;
        for (n, flag) in [
            (crate::read::kpageflags::KPF_THP, PageState::THP),
            (crate::read::kpageflags::KPF_HUGE, PageState::HUGETLB),
            (
                crate::read::kpageflags::KPF_COMPOUND_HEAD,
                PageState::COMPOUND,
            ),
            (
                crate::read::kpageflags::KPF_COMPOUND_TAIL,
                PageState::COMPOUND,
            ),
            (crate::read::kpageflags::KPF_DIRTY, PageState::DIRTY),
            (
                crate::read::kpageflags::KPF_REFERENCED,
                PageState::REFERENCED,
            ),
            (crate::read::kpageflags::KPF_KSM, PageState::KSM),
            (crate::read::kpageflags::KPF_ANON, PageState::ANON),
            (
                crate::read::kpageflags::KPF_SWAPBACKED,
                PageState::SWAPBACKED,
            ),
            (crate::read::kpageflags::KPF_ZERO_PAGE, PageState::ZERO_PAGE),
        ] {
            if bit(n) {
                s = s | flag;
            }
        }
        s
    }
}

impl BitOr for PageState {
    type Output = PageState;
    fn bitor(self, rhs: PageState) -> PageState {
        PageState(self.0 | rhs.0)
    }
}

/// `pages` pages from address `start`, all in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRun {
    pub start: u64,
    pub pages: u64,
    pub state: PageState,
}

/// What kpageflags said of the present pages, in pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KpageCounts {
    pub thp: u64,
    pub hugetlb: u64,
    pub compound: u64,
    pub dirty: u64,
    pub referenced: u64,
    pub ksm: u64,
    pub anon: u64,
    pub swapbacked: u64,
}

/// How many pages of a range are in each state. A page counts in every line whose flag
/// it has; `anonymous` is a present page that is neither a file page nor the zero page.
/// `zero_page` and `huge` are `None` where they could not be told (no PAGEMAP_SCAN and no
/// kpageflags), `kpageflags` where kpageflags was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageCounts {
    pub pages: u64,
    pub present: u64,
    pub swapped: u64,
    pub file: u64,
    pub anonymous: u64,
    pub exclusive: u64,
    pub soft_dirty: u64,
    pub uffd_wp: u64,
    pub no_entry: u64,
    pub zero_page: Option<u64>,
    pub huge: Option<u64>,
    pub kpageflags: Option<KpageCounts>,
}

impl PageCounts {
    /// Count `n` pages in state `s` (the optional lines as if known; see `finish`).
    pub fn add(&mut self, s: PageState, n: u64) {
        let one = |f: PageState| if s.has(f) { n } else { 0 };
        self.pages += n;
        self.present += one(PageState::PRESENT);
        self.swapped += one(PageState::SWAPPED);
        self.file += one(PageState::FILE);
        if s.is_anonymous() {
            self.anonymous += n;
        }
        self.exclusive += one(PageState::EXCLUSIVE);
        self.soft_dirty += one(PageState::SOFT_DIRTY);
        self.uffd_wp += one(PageState::UFFD_WP);
        self.no_entry += one(PageState::NO_ENTRY);
        *self.zero_page.get_or_insert(0) += one(PageState::ZERO_PAGE);
        *self.huge.get_or_insert(0) += one(PageState::HUGE);
        let k = self.kpageflags.get_or_insert_with(KpageCounts::default);
        k.thp += one(PageState::THP);
        k.hugetlb += one(PageState::HUGETLB);
        k.compound += one(PageState::COMPOUND);
        k.dirty += one(PageState::DIRTY);
        k.referenced += one(PageState::REFERENCED);
        k.ksm += one(PageState::KSM);
        k.anon += one(PageState::ANON);
        k.swapbacked += one(PageState::SWAPBACKED);
    }

    /// Drop the lines that could not be known, and fill in zeros for those that were
    /// known but never counted (an empty range).
    pub fn finish(&mut self, zero_known: bool, huge_known: bool, kpage_known: bool) {
        self.zero_page = zero_known.then(|| self.zero_page.unwrap_or(0));
        self.huge = huge_known.then(|| self.huge.unwrap_or(0));
        self.kpageflags = kpage_known.then(|| self.kpageflags.unwrap_or_default());
    }

    /// Add another range's counts (several mappings' totals). A line stays known only
    /// when it is known in both.
    pub fn merge(&mut self, o: &PageCounts) {
        self.pages += o.pages;
        self.present += o.present;
        self.swapped += o.swapped;
        self.file += o.file;
        self.anonymous += o.anonymous;
        self.exclusive += o.exclusive;
        self.soft_dirty += o.soft_dirty;
        self.uffd_wp += o.uffd_wp;
        self.no_entry += o.no_entry;
        let both = |a: Option<u64>, b: Option<u64>| Some(a? + b?);
        self.zero_page = both(self.zero_page, o.zero_page);
        self.huge = both(self.huge, o.huge);
        self.kpageflags = match (self.kpageflags, o.kpageflags) {
            (Some(a), Some(b)) => Some(KpageCounts {
                thp: a.thp + b.thp,
                hugetlb: a.hugetlb + b.hugetlb,
                compound: a.compound + b.compound,
                dirty: a.dirty + b.dirty,
                referenced: a.referenced + b.referenced,
                ksm: a.ksm + b.ksm,
                anon: a.anon + b.anon,
                swapbacked: a.swapbacked + b.swapbacked,
            }),
            _ => None,
        };
    }
}

/// Runs being merged and counted on their way to the sink.
pub(crate) struct Runs<'s> {
    page_size: u64,
    cur: Option<PageRun>,
    pub(crate) counts: PageCounts,
    pub(crate) emitted: u64,
    sink: &'s mut dyn FnMut(&PageRun) -> std::io::Result<()>,
}

impl<'s> Runs<'s> {
    /// Runs of pages of `page_size` bytes, handed to `sink` as each one ends.
    pub(crate) fn new(
        page_size: u64,
        sink: &'s mut dyn FnMut(&PageRun) -> std::io::Result<()>,
    ) -> Runs<'s> {
        Runs {
            page_size,
            cur: None,
            counts: PageCounts::default(),
            emitted: 0,
            sink,
        }
    }

    /// Add `pages` pages in `state` from `start`: to the current run when they continue
    /// it, else the current run goes to the sink and they start a new one.
    pub(crate) fn push(&mut self, start: u64, pages: u64, state: PageState) -> std::io::Result<()> {
        if pages == 0 {
            return Ok(());
        }
        self.counts.add(state, pages);
        if let Some(c) = &mut self.cur
            && c.state == state
            && c.start + c.pages * self.page_size == start
        {
            c.pages += pages;
            return Ok(());
        }
        self.flush()?;
        self.cur = Some(PageRun {
            start,
            pages,
            state,
        });
        Ok(())
    }

    /// Hand the current run to the sink.
    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        if let Some(c) = self.cur.take() {
            self.emitted += 1;
            (self.sink)(&c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_flags() {
        let mut c = PageCounts::default();
        c.add(
            PageState::PRESENT | PageState::FILE | PageState::EXCLUSIVE,
            16,
        );
        c.add(PageState::PRESENT | PageState::EXCLUSIVE, 1);
        c.add(PageState::PRESENT | PageState::ZERO_PAGE, 2);
        c.add(PageState::EMPTY, 45);
        c.finish(true, false, false);
        assert_eq!(c.pages, 64);
        assert_eq!(c.present, 19);
        assert_eq!(c.file, 16);
        assert_eq!(c.anonymous, 1);
        assert_eq!(c.exclusive, 17);
        assert_eq!(c.zero_page, Some(2));
        assert_eq!(c.huge, None);
        assert_eq!(c.kpageflags, None);
    }

    #[test]
    fn names_in_order() {
        let s = PageState::EXCLUSIVE | PageState::PRESENT | PageState::DIRTY;
        assert_eq!(
            s.names().collect::<Vec<_>>(),
            ["present", "exclusive", "dirty"]
        );
        assert_eq!(PageState::EMPTY.names().count(), 0);
    }
}
