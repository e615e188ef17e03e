//! The `PAGEMAP_SCAN` ioctl on an open `/proc/PID/pagemap` (Linux 6.7+): which parts of
//! an address range have pages at all, in one system call instead of one 8-byte entry
//! per page.
//!
//! Reading `pagemap` costs 8 bytes per page whether or not anything is there: a 1 TiB
//! `PROT_NONE` reservation is 2 GiB of zeros, 0.84 s on this machine. The ioctl walks
//! the page tables in the kernel and reports only the ranges whose pages match a
//! category mask, merged into `(start, end, categories)` regions, so an empty reservation
//! costs one call (38 µs for 1 TiB). vasmap asks for the pages that are present or
//! swapped (`category_anyof_mask`) and then reads `pagemap` for those ranges only, since
//! the ioctl does not give the "exclusively mapped" bit or the PFN.
//!
//! What the kernel does that matters here (fs/proc/task_mmu.c, `do_pagemap_scan`,
//! Documentation/admin-guide/mm/pagemap.rst "Pagemap Scan IOCTL"):
//! - a kernel without the ioctl answers `ENOTTY` (no `unlocked_ioctl` at all) or `EINVAL`
//!   (an unknown command, or category bits it does not know): the caller falls back to
//!   plain reads;
//! - a range outside the user address space (`[vsyscall]`) fails `access_ok`: `EFAULT`;
//! - when the output buffer fills, the walk stops and `walk_end` says where; no page in
//!   `[end of the last region, walk_end)` matched, so the caller goes on from `walk_end`;
//! - mappings with `VM_PFNMAP` (`pf` in smaps' VmFlags: `[vvar]`, device memory) are
//!   skipped as if empty although `pagemap` shows their pages present: never scan those.

use std::fs::File;
use std::os::fd::AsRawFd;

/// `PAGE_IS_PRESENT`, `PAGE_IS_SWAPPED`, `PAGE_IS_PFNZERO` and `PAGE_IS_HUGE` from
/// include/uapi/linux/fs.h. Only categories every kernel with the ioctl knows are asked
/// for (`PAGE_IS_SOFT_DIRTY` and `PAGE_IS_GUARD` came later; an unknown bit is `EINVAL`).
pub const PAGE_IS_PRESENT: u64 = 1 << 3;
/// The page is swapped out (or a swap-like entry: migration, a marker).
pub const PAGE_IS_SWAPPED: u64 = 1 << 4;
/// The page is the shared zero page (a read of never-written anonymous memory).
pub const PAGE_IS_PFNZERO: u64 = 1 << 5;
/// The page is mapped by one PMD entry (a 2 MiB THP) or is a hugetlb page.
pub const PAGE_IS_HUGE: u64 = 1 << 6;

/// `struct pm_scan_arg` (include/uapi/linux/fs.h): twelve `__u64`.
#[repr(C)]
#[derive(Debug, Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// `struct page_region`: one range of pages with the same categories.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanRegion {
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// `PAGE_IS_*` bits of every page in the range.
    pub categories: u64,
}

const _: () = assert!(std::mem::size_of::<PmScanArg>() == 96);
const _: () = assert!(std::mem::size_of::<ScanRegion>() == 24);

/// `_IOWR('f', 16, struct pm_scan_arg)`: direction 3 (read and write) in bits 30-31, the
/// argument's size in bits 16-29, the type `'f'` in bits 8-15, the number in bits 0-7.
const PAGEMAP_SCAN: u64 = (3 << 30) | (96 << 16) | ((b'f' as u64) << 8) | 16;

/// Regions asked for per call: 6 KiB of buffer; the walk resumes at `walk_end`.
pub const SCAN_REGIONS: usize = 256;

/// What one call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// How many entries of the buffer were filled, in address order.
    pub regions: usize,
    /// Where the walk stopped: nothing in `[end of the last region, walk_end)` is present
    /// or swapped. Equal to the range's end when the walk got there.
    pub walk_end: u64,
}

/// Why a scan did not answer.
#[derive(Debug)]
pub enum ScanFailed {
    /// This kernel has no `PAGEMAP_SCAN` (`ENOTTY`, `EINVAL`): read `pagemap` instead.
    Unsupported,
    /// The ioctl refused this range or failed (`EFAULT` above the user address space,
    /// `ESRCH`/`EINTR`...): the caller reads this range instead, and reports real errors
    /// from that read.
    Failed(std::io::Error),
}

/// Scan `[start, end)` (page-aligned) of the process behind `pagemap` for present or
/// swapped pages, filling `buf` with the ranges found.
pub fn scan(
    pagemap: &File,
    start: u64,
    end: u64,
    buf: &mut [ScanRegion],
) -> Result<Scanned, ScanFailed> {
    let mut arg = PmScanArg {
        size: std::mem::size_of::<PmScanArg>() as u64,
        start,
        end,
        vec: buf.as_mut_ptr() as u64,
        vec_len: buf.len() as u64,
        category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
        return_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE,
        ..PmScanArg::default()
    };
    // SAFETY: `arg` is a live, correctly sized `pm_scan_arg` that the kernel reads and
    // writes back (`walk_end`); `vec`/`vec_len` describe `buf`, which is borrowed mutably
    // for the whole call and into which the kernel writes at most `vec_len` entries. The
    // request number's type differs between C libraries, hence the `as _`.
    let r = unsafe {
        libc::ioctl(
            pagemap.as_raw_fd(),
            PAGEMAP_SCAN as _,
            &mut arg as *mut PmScanArg,
        )
    };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ENOTTY) | Some(libc::EINVAL) => ScanFailed::Unsupported,
            _ => ScanFailed::Failed(e),
        });
    }
    // The kernel never reports more regions than it was given room for; stay defensive.
    let regions = usize::try_from(r).unwrap_or(0).min(buf.len());
    Ok(Scanned {
        regions,
        walk_end: arg.walk_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_number_is_the_kernels() {
        // _IOWR('f', 16, struct pm_scan_arg) on x86_64, as the C headers compute it.
        assert_eq!(PAGEMAP_SCAN, 0xc060_6610);
    }

    #[test]
    fn an_empty_anonymous_range_has_no_regions() {
        let pagemap = File::open("/proc/self/pagemap").unwrap();
        let map = memmap2::MmapMut::map_anon(64 * 4096).unwrap();
        let start = map.as_ptr() as u64;
        let mut buf = [ScanRegion::default(); 4];
        match scan(&pagemap, start, start + 64 * 4096, &mut buf) {
            Ok(s) => {
                assert_eq!(s.regions, 0);
                assert_eq!(s.walk_end, start + 64 * 4096);
            }
            Err(ScanFailed::Unsupported) => eprintln!("skipping: no PAGEMAP_SCAN here"),
            Err(ScanFailed::Failed(e)) => panic!("scan failed: {e}"),
        }
    }
}
