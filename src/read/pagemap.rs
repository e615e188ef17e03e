//! The state of every page of an address range of a live process, from
//! `/proc/PID/pagemap` (and `/proc/kpageflags` where vasmap may read it), returned as
//! runs of pages in the same state, never as one value per page.
//!
//! `pagemap` holds one `u64` per virtual page (fs/proc/task_mmu.c, above `pagemap_read`;
//! Documentation/admin-guide/mm/pagemap.rst): bit 63 present in RAM, 62 swapped, 61 a
//! file page or shared anonymous memory (shmem), 57 write-protected by userfaultfd, 56
//! mapped by this process only (its page's mapcount is 1), 55 soft-dirty, bits 0-54 the
//! page frame number (PFN), zero unless the reader has `CAP_SYS_ADMIN`. What the kernel
//! does that a reader must know:
//! - a page never touched has no entry in the page tables: all zero, or only the
//!   soft-dirty bit, which a new mapping has as a whole (`VM_SOFTDIRTY`) on kernels built
//!   with soft-dirty tracking;
//! - reading never-written anonymous memory maps the shared zero page: present, not a
//!   file page, not exclusive, and not counted in smaps' `Rss` (`vm_normal_page` is NULL
//!   for it), so `present` can exceed `Rss`; PAGEMAP_SCAN (`PAGE_IS_PFNZERO`) or
//!   kpageflags (`ZERO_PAGE`) tell it apart, and vasmap counts it as `zero_page`;
//! - a private file page that was written is a new anonymous page (copy-on-write): bit
//!   61 clears and, with no other process mapping it, bit 56 sets;
//! - `pagemap` has no entries above the user address space (`[vsyscall]`): the read comes
//!   back empty while the process lives on. Those pages are reported as `no_entry`.
//!
//! Memory is bounded whatever the range: `pagemap` is read in chunks of 8192 entries (64
//! KiB), kpageflags in batches of 64 KiB, and runs go to a
//! sink as they end. So is time: a range is first scanned with the `PAGEMAP_SCAN` ioctl
//! ([`crate::read::pagescan`]) for the parts that have pages at all, and only those are
//! read (1 TiB reserved: 27 µs instead of 1.8 s). Without the ioctl (before Linux 6.7) a
//! mapping over 1 GiB that smaps says has nothing resident or swapped is taken at smaps'
//! word (and the result says so), since reading it costs 2 MiB and about 2 ms per GiB;
//! smaps cannot be trusted below that because its Rss leaves the zero page out.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use crate::read::kpageflags::{KpageAccess, KpageFlags};
use crate::read::pagescan::{self, ScanFailed, ScanRegion};
use crate::read::proc::{ProcDir, SourceError, VisitError};

pub use crate::read::pageread::{Method, PagesRead, Pfns, WalkHints};
pub use crate::read::pagestate::{KpageCounts, PageCounts, PageRun, PageState};
use crate::read::pagestate::{PM_PFN_MASK, PM_PRESENT, PM_SOFT_DIRTY, PM_UFFD_WP, Runs};

/// `pagemap` entries read per `pread` (64 KiB). Larger reads of a long hole save system
/// calls but no time: the kernel's walk, 8 bytes a page, is the cost.
const CHUNK: usize = 8192;
/// A hole (between populated ranges the scan found) up to this many pages is read
/// whole; a longer one is probed at its first page (every page of a hole has the same
/// entry: nothing, or the mapping's soft-dirty bit).
const READ_HOLE_PAGES: u64 = 512;
/// Without PAGEMAP_SCAN, a mapping this large (1 GiB of 4 KiB pages) with no resident or
/// swapped page in smaps is not read page by page.
const TRUST_SMAPS_PAGES: u64 = 1 << 18;

/// An open `pagemap` of one process, with `kpageflags` when it could be opened.
pub struct Pagemap<'a> {
    dir: &'a ProcDir,
    task: Option<i32>,
    file: File,
    kpage: Result<KpageFlags, KpageAccess>,
    /// False once the kernel said it has no PAGEMAP_SCAN.
    scan_supported: bool,
    page_size: u64,
    cap_sys_admin: bool,
    entries: Vec<u8>,
    states: Vec<PageState>,
    pfns: Vec<u64>,
    pfn_at: Vec<usize>,
    flags: Vec<Option<u64>>,
    scan_buf: Vec<ScanRegion>,
}

/// Per-walk facts gathered while reading.
#[derive(Default)]
struct Seen {
    present: bool,
    pfn: bool,
    zero_known: bool,
    huge_known: bool,
    kpage_read: bool,
    kpage_error: Option<String>,
    bytes: u64,
    scans: u64,
}

impl<'a> Pagemap<'a> {
    /// Open `pagemap` of the process (through thread `task` when given, as
    /// [`ProcDir::prepare`] says), and `/proc/kpageflags` if vasmap may.
    pub fn open(dir: &'a ProcDir, task: Option<i32>) -> Result<Pagemap<'a>, SourceError> {
        let file = match task {
            Some(tid) => dir.open_file(&format!("task/{tid}/pagemap"))?,
            None => dir.open_file("pagemap")?,
        };
        Ok(Pagemap {
            dir,
            task,
            file,
            kpage: KpageFlags::open(),
            scan_supported: true,
            page_size: procfs::page_size().max(1),
            cap_sys_admin: have_cap_sys_admin(),
            entries: Vec::new(),
            states: Vec::new(),
            pfns: Vec::new(),
            pfn_at: Vec::new(),
            flags: Vec::new(),
            scan_buf: vec![ScanRegion::default(); pagescan::SCAN_REGIONS],
        })
    }

    /// Allow or forbid PAGEMAP_SCAN from now on: forbidding it reads `pagemap` as on a
    /// kernel without the ioctl (before 6.7), to compare the two paths or to measure.
    pub fn allow_scan(&mut self, allowed: bool) {
        self.scan_supported = allowed;
    }

    /// The size of a page, in bytes.
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// Hand every run of pages in `[start, end)` (widened to whole pages) to `sink`, in
    /// address order, and return the counts and what could be seen. Memory stays at a
    /// few buffers of 64 KiB however large the range.
    pub fn walk(
        &mut self,
        start: u64,
        end: u64,
        hints: WalkHints,
        sink: &mut dyn FnMut(&PageRun) -> io::Result<()>,
    ) -> Result<PagesRead, VisitError> {
        let ps = self.page_size;
        let start = start & !(ps - 1);
        let end = end.saturating_add(ps - 1) & !(ps - 1);
        let mut runs = Runs::new(ps, sink);
        let mut seen = Seen::default();
        let pages = end.saturating_sub(start) / ps;
        let method = if hints.scan && self.scan_supported {
            self.scan_range(start, end, &mut runs, &mut seen)?
        } else if hints.nothing_resident && pages > TRUST_SMAPS_PAGES {
            let state = self.hole_state(start, &mut seen)?;
            runs.push(start, pages, state)?;
            Method::Smaps
        } else {
            self.read_range(start, end, PageState::EMPTY, &mut runs, &mut seen)?;
            Method::Read
        };
        runs.flush()?;
        let pfns = match (seen.present, seen.pfn) {
            (_, true) => Pfns::Shown,
            (true, false) => Pfns::Hidden,
            (false, false) => Pfns::Unknown {
                expected: self.cap_sys_admin,
            },
        };
        let kpageflags = if seen.kpage_read {
            KpageAccess::Read
        } else if let Some(e) = seen.kpage_error {
            KpageAccess::Failed(e)
        } else if !pfns.visible() {
            KpageAccess::NoPfns
        } else {
            match &self.kpage {
                // Open, PFNs visible, nothing present: nothing needed looking up.
                Ok(_) => KpageAccess::Read,
                Err(why) => why.clone(),
            }
        };
        let mut counts = runs.counts;
        counts.finish(
            seen.zero_known || kpageflags == KpageAccess::Read,
            seen.huge_known,
            kpageflags == KpageAccess::Read,
        );
        Ok(PagesRead {
            counts,
            method,
            pfns,
            kpageflags,
            runs: runs.emitted,
            pagemap_bytes: seen.bytes,
            scan_calls: seen.scans,
        })
    }

    /// The scan path: PAGEMAP_SCAN for the populated ranges, `pagemap` for their pages.
    /// Falls back to reading where the kernel refuses the scan.
    fn scan_range(
        &mut self,
        start: u64,
        end: u64,
        runs: &mut Runs,
        seen: &mut Seen,
    ) -> Result<Method, VisitError> {
        let mut cur = start;
        while cur < end {
            seen.scans += 1;
            let mut buf = std::mem::take(&mut self.scan_buf);
            let scanned = pagescan::scan(&self.file, cur, end, &mut buf);
            let result = match scanned {
                Ok(s) => {
                    seen.zero_known = true;
                    seen.huge_known = true;
                    self.scanned(&buf[..s.regions], s.walk_end, &mut cur, end, runs, seen)
                }
                Err(failed) => {
                    if matches!(failed, ScanFailed::Unsupported) {
                        self.scan_supported = false;
                    }
                    self.scan_buf = buf;
                    self.read_range(cur, end, PageState::EMPTY, runs, seen)?;
                    return Ok(if cur == start {
                        Method::Read
                    } else {
                        Method::Scan
                    });
                }
            };
            self.scan_buf = buf;
            if !result? {
                // No progress: read the rest rather than loop.
                self.read_range(cur, end, PageState::EMPTY, runs, seen)?;
                break;
            }
        }
        Ok(Method::Scan)
    }

    /// Read the pages of one scan's regions, and the holes between them, up to
    /// `walk_end`. Returns false when the scan made no progress.
    fn scanned(
        &mut self,
        regions: &[ScanRegion],
        walk_end: u64,
        cur: &mut u64,
        end: u64,
        runs: &mut Runs,
        seen: &mut Seen,
    ) -> Result<bool, VisitError> {
        let before = *cur;
        for r in regions {
            let (rs, re) = (r.start.max(*cur), r.end.min(end));
            if rs >= re {
                continue;
            }
            self.hole(*cur, rs, runs, seen)?;
            let mut extra = PageState::EMPTY;
            if r.categories & pagescan::PAGE_IS_PFNZERO != 0 {
                extra = extra | PageState::ZERO_PAGE;
            }
            if r.categories & pagescan::PAGE_IS_HUGE != 0 {
                extra = extra | PageState::HUGE;
            }
            self.read_range(rs, re, extra, runs, seen)?;
            *cur = re;
        }
        let stop = walk_end.min(end);
        if stop > *cur {
            self.hole(*cur, stop, runs, seen)?;
            *cur = stop;
        }
        Ok(*cur > before)
    }

    /// Pages `[from, to)` that the scan found neither present nor swapped.
    fn hole(
        &mut self,
        from: u64,
        to: u64,
        runs: &mut Runs,
        seen: &mut Seen,
    ) -> Result<(), VisitError> {
        if to <= from {
            return Ok(());
        }
        let pages = (to - from) / self.page_size;
        if pages <= READ_HOLE_PAGES {
            return self.read_range(from, to, PageState::EMPTY, runs, seen);
        }
        let state = self.hole_state(from, seen)?;
        runs.push(from, pages, state)?;
        Ok(())
    }

    /// The state of an unpopulated page at `addr`, from its entry: nothing, or the
    /// mapping's soft-dirty bit. A page that became present since the scan is not
    /// counted as present here (its neighbours were scanned as empty a moment ago).
    fn hole_state(&mut self, addr: u64, seen: &mut Seen) -> Result<PageState, VisitError> {
        let mut e = [0u8; 8];
        let n = self.read_entries_at(addr, &mut e, seen)?;
        if n < 8 {
            self.dir.ensure_whole(self.task)?;
            return Ok(PageState::NO_ENTRY);
        }
        let entry = u64::from_ne_bytes(e);
        Ok(PageState::from_entry(entry & (PM_SOFT_DIRTY | PM_UFFD_WP)))
    }

    /// `pread` of the entries from `addr` into `buf`: the bytes read (fewer at the end
    /// of what the kernel covers; 0 above the user address space).
    fn read_entries_at(
        &self,
        addr: u64,
        buf: &mut [u8],
        seen: &mut Seen,
    ) -> Result<usize, VisitError> {
        let offset = (addr / self.page_size) * 8;
        let mut filled = 0;
        while filled < buf.len() {
            match self
                .file
                .read_at(&mut buf[filled..], offset + filled as u64)
            {
                Ok(0) => break,
                Ok(k) => filled += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_error(e).into()),
            }
        }
        seen.bytes += filled as u64;
        Ok(filled - filled % 8)
    }

    /// Read every entry of `[start, end)` a chunk at a time, look their flags up in
    /// kpageflags where possible, and push them as runs, each with `extra` added.
    fn read_range(
        &mut self,
        start: u64,
        end: u64,
        extra: PageState,
        runs: &mut Runs,
        seen: &mut Seen,
    ) -> Result<(), VisitError> {
        let ps = self.page_size;
        let mut addr = start;
        let mut entries = std::mem::take(&mut self.entries);
        let result = (|| {
            while addr < end {
                let n = (((end - addr) / ps) as usize).min(CHUNK);
                entries.resize(n * 8, 0);
                let got = self.read_entries_at(addr, &mut entries, seen)? / 8;
                if got == 0 {
                    // Nothing from the kernel: the process is gone, or the range is above
                    // what pagemap covers ([vsyscall]).
                    self.dir.ensure_whole(self.task)?;
                    runs.push(addr, (end - addr) / ps, PageState::NO_ENTRY)?;
                    return Ok(());
                }
                let chunk = &entries[..got * 8];
                // A chunk of one entry that is not present (a hole, a reservation) is
                // one run: no need to decode it entry by entry (2^28 of them in 1 TiB).
                let first = &chunk[..8];
                let e = u64::from_ne_bytes(first.try_into().unwrap_or([0; 8]));
                if e & PM_PRESENT == 0 && chunk.chunks_exact(8).all(|x| x == first) {
                    runs.push(addr, got as u64, PageState::from_entry(e) | extra)?;
                    addr += got as u64 * ps;
                    continue;
                }
                self.decode(chunk, extra, seen);
                let mut a = addr;
                let mut i = 0;
                while i < got {
                    let s = self.states[i];
                    let mut k = i + 1;
                    while k < got && self.states[k] == s {
                        k += 1;
                    }
                    runs.push(a, (k - i) as u64, s)?;
                    a += (k - i) as u64 * ps;
                    i = k;
                }
                addr += got as u64 * ps;
            }
            Ok(())
        })();
        self.entries = entries;
        result
    }

    /// Turn raw entries into states, with kpageflags' bits for the present pages.
    fn decode(&mut self, entries: &[u8], extra: PageState, seen: &mut Seen) {
        self.states.clear();
        self.pfns.clear();
        self.pfn_at.clear();
        for (i, b) in entries.chunks_exact(8).enumerate() {
            let e = u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            let state = PageState::from_entry(e) | extra;
            if e & PM_PRESENT != 0 {
                seen.present = true;
                let pfn = e & PM_PFN_MASK;
                if pfn != 0 {
                    seen.pfn = true;
                    self.pfns.push(pfn);
                    self.pfn_at.push(i);
                }
            }
            self.states.push(state);
        }
        if self.pfns.is_empty() {
            return;
        }
        let Ok(kpage) = &mut self.kpage else {
            return;
        };
        self.flags.clear();
        self.flags.resize(self.pfns.len(), None);
        match kpage.lookup(&self.pfns, &mut self.flags) {
            Ok(()) => {
                seen.kpage_read = true;
                for (&i, f) in self.pfn_at.iter().zip(&self.flags) {
                    if let Some(f) = f {
                        self.states[i] = self.states[i] | PageState::from_kpageflags(*f);
                    }
                }
            }
            Err(e) => seen.kpage_error = Some(e.to_string()),
        }
    }

    /// The error for a failed `pagemap` read.
    fn read_error(&self, e: io::Error) -> SourceError {
        self.dir.io_error("pagemap", e)
    }
}

/// True when vasmap's effective capabilities include `CAP_SYS_ADMIN`, which the kernel
/// requires (in the initial user namespace) to show PFNs.
fn have_cap_sys_admin() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    procfs::process::Process::myself()
        .and_then(|p| p.status())
        .is_ok_and(|s| s.capeff & (1 << CAP_SYS_ADMIN) != 0)
}
