//! `/proc/kpageflags`: the kernel's flags of each physical page, one `u64` per page frame
//! number (PFN), for the pages `/proc/PID/pagemap` says a mapping has in RAM.
//!
//! Two things stand between a user and these flags (Documentation/admin-guide/mm/pagemap.rst):
//! the file is `0400 root`, and it is indexed by PFN, which `pagemap` shows only to
//! readers with `CAP_SYS_ADMIN` (since Linux 4.2 the PFN field of everyone else's reads
//! is zero, against Rowhammer). So an unprivileged vasmap says these flags are
//! unavailable instead of guessing them.
//!
//! The flags vasmap reads (fs/proc/page.c, `stable_page_flags`): `THP` is set for any large
//! folio that can be mapped by pieces (any transparent huge page size, not only 2 MiB),
//! `HUGE` for hugetlb pages, `COMPOUND_HEAD`/`COMPOUND_TAIL` for every page of a large
//! folio, `ZERO_PAGE` for the shared zero page (and the huge zero page), `ANON`, `KSM`
//! (merged by KSM), `SWAPBACKED` (anonymous or shmem: goes to swap, not to a file),
//! `DIRTY` and `REFERENCED` as the page's own flags (a dirty PTE not yet moved to the page
//! is not seen).
//!
//! Consecutive PFNs are read with one `pread`, in a buffer of at most 64 KiB.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// `KPF_REFERENCED` and the other bit numbers of include/uapi/linux/kernel-page-flags.h.
pub const KPF_REFERENCED: u32 = 2;
pub const KPF_DIRTY: u32 = 4;
pub const KPF_ANON: u32 = 12;
pub const KPF_SWAPBACKED: u32 = 14;
pub const KPF_COMPOUND_HEAD: u32 = 15;
pub const KPF_COMPOUND_TAIL: u32 = 16;
pub const KPF_HUGE: u32 = 17;
pub const KPF_KSM: u32 = 21;
pub const KPF_THP: u32 = 22;
pub const KPF_ZERO_PAGE: u32 = 24;

/// Why the flags could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpageAccess {
    /// They were read.
    Read,
    /// The PFNs are hidden (vasmap lacks `CAP_SYS_ADMIN`), so there is nothing to look up.
    NoPfns,
    /// `/proc/kpageflags` is readable by root only.
    Denied,
    /// The kernel has no `/proc/kpageflags` (`CONFIG_PROC_PAGE_MONITOR` off).
    Missing,
    /// Opening or reading it failed otherwise (the error's text).
    Failed(String),
}

impl KpageAccess {
    /// The plain-words reason shown when the flags are not read (`None` when they are).
    pub fn why_not(&self) -> Option<String> {
        match self {
            KpageAccess::Read => None,
            KpageAccess::NoPfns => Some(
                "kpageflags (THP, dirty, referenced, KSM...) not read: it is indexed by the \
                 page frame numbers, which the kernel hides without CAP_SYS_ADMIN (run as root)"
                    .into(),
            ),
            KpageAccess::Denied => Some(
                "kpageflags (THP, dirty, referenced, KSM...) not read: /proc/kpageflags is \
                 readable by root only (run as root)"
                    .into(),
            ),
            KpageAccess::Missing => Some(
                "kpageflags not read: this kernel has no /proc/kpageflags \
                 (CONFIG_PROC_PAGE_MONITOR is off)"
                    .into(),
            ),
            KpageAccess::Failed(e) => Some(format!("kpageflags not read: /proc/kpageflags: {e}")),
        }
    }
}

/// Entries read per `pread` at most (64 KiB).
const BATCH: usize = 8192;

/// An open `/proc/kpageflags`.
pub struct KpageFlags {
    file: File,
    buf: Vec<u8>,
    /// Bytes read so far.
    pub bytes_read: u64,
}

impl KpageFlags {
    /// Open `/proc/kpageflags`, or say why it cannot be.
    pub fn open() -> Result<KpageFlags, KpageAccess> {
        match File::open("/proc/kpageflags") {
            Ok(file) => Ok(KpageFlags {
                file,
                buf: Vec::new(),
                bytes_read: 0,
            }),
            Err(e) => Err(match e.raw_os_error() {
                Some(libc::EACCES) | Some(libc::EPERM) => KpageAccess::Denied,
                Some(libc::ENOENT) => KpageAccess::Missing,
                _ => KpageAccess::Failed(e.to_string()),
            }),
        }
    }

    /// The flags of each PFN of `pfns` into `out` (same length): `None` where the kernel
    /// has no entry (a PFN past the end of memory: the read comes back short).
    pub fn lookup(&mut self, pfns: &[u64], out: &mut [Option<u64>]) -> std::io::Result<()> {
        let mut i = 0;
        while i < pfns.len() {
            // The longest stretch of consecutive PFNs from i, up to a batch.
            let mut n = 1;
            while i + n < pfns.len() && n < BATCH && pfns[i + n] == pfns[i] + n as u64 {
                n += 1;
            }
            let got = self.read_run(pfns[i], n)?;
            for k in 0..n {
                out[i + k] = (k < got).then(|| {
                    let b = &self.buf[k * 8..k * 8 + 8];
                    u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                });
            }
            i += n;
        }
        Ok(())
    }

    /// Read `n` entries from PFN `pfn` into `buf`; returns how many came back.
    fn read_run(&mut self, pfn: u64, n: usize) -> std::io::Result<usize> {
        self.buf.resize(n * 8, 0);
        let Some(offset) = pfn.checked_mul(8) else {
            return Ok(0);
        };
        let mut filled = 0;
        while filled < self.buf.len() {
            match self
                .file
                .read_at(&mut self.buf[filled..], offset + filled as u64)
            {
                Ok(0) => break,
                Ok(k) => filled += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.bytes_read += filled as u64;
        Ok(filled / 8)
    }
}
