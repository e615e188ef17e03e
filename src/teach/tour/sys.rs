//! The raw calls the experiments share: anonymous mappings placed where nothing can merge
//! with them, which pages of a mapping are present (`/proc/PID/pagemap`), which pages of a
//! file are in the page cache (`mincore`), the program break, the stack limit, and the
//! disk's readahead window.
//!
//! Each is a thin, checked wrapper over one system call or one `/proc` or `/sys` file; the
//! experiments say in their text what each figure is and where it came from.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use crate::model::Snapshot;

use super::report::{Hex, PageStrip};

pub use crate::teach::demo::{page_faults, page_size};

/// An anonymous private mapping the tour made and unmaps on drop (if still mapped).
pub struct AnonMap {
    pub addr: u64,
    pub len: usize,
    /// Whether the kernel put it at the address the tour asked for.
    pub at_hint: bool,
}

impl AnonMap {
    /// The mapping's first byte.
    pub fn ptr(&self) -> *mut u8 {
        self.addr as *mut u8
    }

    /// Forget the mapping (it was unmapped by the experiment itself).
    pub fn forget(mut self) {
        self.len = 0;
    }
}

impl Drop for AnonMap {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the range is this mapping's own, made by `map_isolated`.
            unsafe { libc::munmap(self.addr as *mut libc::c_void, self.len) };
        }
    }
}

/// An address in the middle of the widest unmapped gap between two mappings (above the
/// first GiB), aligned to 1 GiB: nothing is mapped near it, so a mapping made there
/// cannot merge with a neighbour (the kernel merges adjacent anonymous mappings of the
/// same permissions into one row, which would hide the one-becomes-three lessons). On
/// x86-64 that is the middle of the terabytes between `[heap]` and the libraries. 0 when
/// there is no gap (then the kernel chooses).
pub fn isolated_hint(snap: &Snapshot) -> u64 {
    const GIB: u64 = 1 << 30;
    let mut best = (0u64, 0u64);
    let mut prev_end = GIB;
    // Kernel-placed pages at the top of the address space ([vsyscall]) are not neighbours.
    for r in snap.regions.iter().filter(|r| r.start < 1 << 63) {
        if r.start > prev_end && r.start - prev_end > best.1 - best.0 {
            best = (prev_end, r.start);
        }
        prev_end = prev_end.max(r.end);
    }
    let hint = (best.0 + (best.1 - best.0) / 2) & !(GIB - 1);
    if hint > best.0 && hint + GIB <= best.1 {
        hint
    } else {
        0
    }
}

/// [`map_isolated`], then every byte written (`memset(p, 1, len)`): the mapping the
/// experiments on rows start from, all of it resident and this process's own.
pub fn map_isolated_filled(hint: u64, len: usize) -> io::Result<AnonMap> {
    let map = map_isolated(hint, len)?;
    // SAFETY: the mapping is len writable bytes.
    unsafe { libc::memset(map.ptr().cast(), 1, len) };
    Ok(map)
}

/// `mmap(hint, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE)`,
/// falling back to letting the kernel choose when the hint is taken.
pub fn map_isolated(hint: u64, len: usize) -> io::Result<AnonMap> {
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
    let fixed = if hint == 0 {
        0
    } else {
        libc::MAP_FIXED_NOREPLACE
    };
    // SAFETY: a new anonymous mapping; MAP_FIXED_NOREPLACE never replaces an existing one.
    let p = unsafe { libc::mmap(hint as *mut libc::c_void, len, prot, flags | fixed, -1, 0) };
    let p = if p == libc::MAP_FAILED {
        // SAFETY: as above, anywhere the kernel likes.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, -1, 0) };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        p
    } else {
        p
    };
    Ok(AnonMap {
        addr: p as u64,
        len,
        at_hint: hint != 0 && p as u64 == hint,
    })
}

/// What `/proc/PID/pagemap` says of one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// No page is mapped there (never touched, or dropped).
    Absent,
    /// Mapped, and mapped by this process only.
    Alone,
    /// Mapped, and also by another process (after `fork`, or a shared file page).
    Shared,
    /// Swapped out.
    Swapped,
}

/// The state of each page of `[start, start + len)` in process `pid`, from pagemap (one
/// 64-bit word per page: bit 63 present, 62 swapped, 56 mapped by one process only;
/// Documentation/admin-guide/mm/pagemap.rst). Readable without privilege for one's own
/// processes; only the frame numbers are hidden then, and they are not used.
pub fn page_states(pid: i32, start: u64, len: u64, page: u64) -> io::Result<Vec<PageState>> {
    use std::os::unix::fs::FileExt;
    // A strip is for one mapping the tour made: at most 64 Mi pages' words (512 MiB of
    // pagemap) would be absurd; bound it to what a strip can show usefully.
    const MAX_PAGES: u64 = 1 << 20;
    let pages = (len / page).min(MAX_PAGES);
    let f = std::fs::File::open(format!("/proc/{pid}/pagemap"))?;
    let mut raw = vec![0u8; (pages * 8) as usize];
    f.read_exact_at(&mut raw, start / page * 8)?;
    Ok(raw
        .chunks_exact(8)
        .map(|w| {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            let v = u64::from_le_bytes(b);
            if v & (1 << 63) != 0 {
                if v & (1 << 56) != 0 {
                    PageState::Alone
                } else {
                    PageState::Shared
                }
            } else if v & (1 << 62) != 0 {
                PageState::Swapped
            } else {
                PageState::Absent
            }
        })
        .collect())
}

/// How many of the first `len` bytes' pages of `file` are in the page cache: `mincore` on
/// a fresh read-only mapping of it, which reads nothing. The caller owns the file, so the
/// kernel reports the page cache itself (since Linux 5.2 it reports only mapped pages to
/// processes that could not write the file).
pub fn cached_pages(file: impl AsFd, len: usize, page: u64) -> io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    // SAFETY: a new read-only shared mapping of an open file; unmapped below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_fd().as_raw_fd(),
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let mut vec = vec![0u8; len.div_ceil(page as usize)];
    // SAFETY: vec has one byte per page of the mapping.
    let rc = unsafe { libc::mincore(p, len, vec.as_mut_ptr()) };
    let e = io::Error::last_os_error();
    // SAFETY: the mapping made above.
    unsafe { libc::munmap(p, len) };
    if rc != 0 {
        return Err(e);
    }
    Ok(vec.iter().filter(|&&b| b & 1 != 0).count() as u64)
}

/// Drop the file's clean pages from the page cache (`fdatasync`, then
/// `posix_fadvise(POSIX_FADV_DONTNEED)`): advice the kernel follows for pages no process
/// maps.
pub fn drop_file_cache(file: impl AsFd) {
    let fd = file.as_fd().as_raw_fd();
    // SAFETY: the fd is open for both calls; posix_fadvise only gives advice.
    unsafe {
        libc::fdatasync(fd);
        libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED)
    };
}

/// The program break now: the end of `[heap]` (`sbrk(0)`, which changes nothing).
pub fn program_break() -> u64 {
    // SAFETY: sbrk(0) only returns the current break.
    unsafe { libc::sbrk(0) as u64 }
}

/// RLIMIT_STACK's soft limit in bytes; `None` for unlimited.
pub fn stack_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut r) };
    (rc == 0 && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// The readahead window of the disk holding `file`, in kB
/// (`/sys/dev/block/MAJ:MIN/queue/read_ahead_kb`, or the partition's parent disk's).
pub fn read_ahead_kb(file: impl AsFd) -> Option<u64> {
    let dev = rustix::fs::fstat(file).ok()?.st_dev;
    let base = format!("/sys/dev/block/{}:{}", libc::major(dev), libc::minor(dev));
    ["queue/read_ahead_kb", "../queue/read_ahead_kb"]
        .iter()
        .find_map(|f| std::fs::read_to_string(format!("{base}/{f}")).ok())
        .and_then(|s| s.trim().parse().ok())
}

/// True when `file` lives on tmpfs (its pages are the file: they cannot be dropped).
pub fn on_tmpfs(file: impl AsFd) -> bool {
    let mut s = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: fstatfs writes one statfs for an open fd.
    let rc = unsafe { libc::fstatfs(file.as_fd().as_raw_fd(), s.as_mut_ptr()) };
    // SAFETY: fstatfs succeeded, so the struct is initialised.
    rc == 0 && unsafe { s.assume_init() }.f_type == libc::TMPFS_MAGIC
}

/// The page strip of `[start, start + len)` in process `pid`, named `of`: one character
/// a page for up to 128 pages, else one per group (at most 128 characters).
pub fn page_strip(pid: i32, of: &str, start: u64, len: u64, page: u64) -> Option<PageStrip> {
    let states = page_states(pid, start, len, page).ok()?;
    let pages = states.len() as u64;
    let per_char = if pages <= 128 { 1 } else { pages.div_ceil(64) };
    let mut strip = String::new();
    for group in states.chunks(per_char as usize) {
        let present = group.iter().filter(|s| **s != PageState::Absent).count();
        strip.push(if per_char == 1 {
            match group[0] {
                PageState::Absent => '.',
                PageState::Alone => '#',
                PageState::Shared => 's',
                PageState::Swapped => 'w',
            }
        } else if present == group.len() {
            '#'
        } else if present > 0 {
            ':'
        } else {
            '.'
        });
    }
    let count = |want: PageState| states.iter().filter(|s| **s == want).count() as u64;
    Some(PageStrip {
        of: of.to_string(),
        start: Hex(start),
        pages,
        per_char,
        strip,
        present: count(PageState::Alone) + count(PageState::Shared),
        shared: count(PageState::Shared),
        swapped: count(PageState::Swapped),
    })
}

/// True when vasmap runs as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The indexes `0..n` in a fixed pseudo-random order (Fisher-Yates with splitmix64 and a
/// fixed seed), so that every run reads the pages in the same "random" order.
pub fn shuffled(n: usize) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n as u32).collect();
    let mut state: u64 = 0x005e_ed0f_7a9b;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

/// A pipe, both ends close-on-exec.
pub fn pipe() -> io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just made and are owned by the caller alone.
    Ok(unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    })
}

/// Write all of `buf` to `fd` with raw `write` calls (no allocation, safe after `fork`).
pub fn write_all(fd: i32, mut buf: &[u8]) -> bool {
    while !buf.is_empty() {
        // SAFETY: buf is readable for its length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return false;
        }
        buf = &buf[n as usize..];
    }
    true
}

/// Fill `buf` from `fd` with raw `read` calls; false at the end of input or an error.
pub fn read_exact(fd: i32, mut buf: &mut [u8]) -> bool {
    while !buf.is_empty() {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return false;
        }
        buf = &mut buf[n as usize..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shuffle_is_a_fixed_permutation() {
        let a = shuffled(1000);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        assert_eq!(a, shuffled(1000));
        assert_ne!(a, sorted);
    }

    #[test]
    fn the_hint_lies_in_a_gap() {
        let snap = crate::read::proc::ProcDir::myself()
            .unwrap()
            .snapshot(Default::default())
            .unwrap();
        let hint = isolated_hint(&snap);
        assert_eq!(hint % (1 << 30), 0);
        assert!(snap.region_at(hint).is_none());
        assert!(snap.region_at(hint + (1 << 20)).is_none());
    }
}
