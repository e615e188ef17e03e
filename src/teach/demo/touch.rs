//! Touching the demo's mappings: one byte of each page read (or written), the page
//! faults that took, and what happens when the file shrinks under the reads.
//!
//! Another process may truncate the file while vasmap reads through the mapping; the
//! kernel then sends SIGBUS for the first page past the new end. The length is checked
//! before each page, but the file can shrink between the check and the access, so the
//! reads run under a [`SigbusGuard`]: its handler puts a page of zeros where the file's
//! page was (an anonymous `MAP_FIXED` mapping over the faulting page), notes the
//! address, and returns; the access then reads zeros, the loop stops at the next check,
//! and the demo says what happened instead of dying.

use std::sync::atomic::{AtomicU64, Ordering};

/// The first address a SIGBUS was caught at (0: none) and the page size the handler uses.
static FAULTED_AT: AtomicU64 = AtomicU64::new(0);
static PAGE: AtomicU64 = AtomicU64::new(4096);

/// Which pages the demo reads through each mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// None: the mapping stays unread, so nothing is resident.
    None,
    /// Only the first byte of the first page.
    First,
    /// One byte of every page.
    #[default]
    All,
}

/// The page size, from the kernel.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 { v as u64 } else { 4096 }
}

/// Minor and major page faults of this process so far (`getrusage`).
pub fn page_faults() -> (u64, u64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a rusage into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return (0, 0);
    }
    // SAFETY: getrusage succeeded, so the struct is initialised.
    let usage = unsafe { usage.assume_init() };
    (usage.ru_minflt as u64, usage.ru_majflt as u64)
}

extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as u64;
    let page = PAGE.load(Ordering::Relaxed);
    let base = addr & !(page - 1);
    // SAFETY: mmap and signal are system calls; MAP_FIXED replaces only the one page of
    // the demo's own mapping that the kernel could not back with the file.
    unsafe {
        let p = libc::mmap(
            base as *mut libc::c_void,
            page as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            // Nothing to put there: die of the signal as if there were no handler.
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
            return;
        }
    }
    let _ = FAULTED_AT.compare_exchange(0, addr, Ordering::Relaxed, Ordering::Relaxed);
}

/// SIGBUS caught while it lives; see the module docs.
pub struct SigbusGuard {
    old: libc::sigaction,
}

impl SigbusGuard {
    pub fn new() -> SigbusGuard {
        PAGE.store(page_size(), Ordering::Relaxed);
        FAULTED_AT.store(0, Ordering::Relaxed);
        // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe (one
        // mmap, atomic stores).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGBUS, &sa, &mut old);
            SigbusGuard { old }
        }
    }

    /// The address of the first page that raised SIGBUS, if any.
    pub fn faulted_at(&self) -> Option<u64> {
        match FAULTED_AT.load(Ordering::Relaxed) {
            0 => None,
            a => Some(a),
        }
    }
}

impl Default for SigbusGuard {
    fn default() -> Self {
        SigbusGuard::new()
    }
}

impl Drop for SigbusGuard {
    fn drop(&mut self) {
        // SAFETY: restores the action saved in `new`.
        unsafe { libc::sigaction(libc::SIGBUS, &self.old, std::ptr::null_mut()) };
    }
}

/// The offsets of the pages `touch` asks to read in a mapping of `len` readable bytes,
/// and whether [`super::map::TOUCH_ALL_LIMIT`] cut the list short.
pub fn touch_offsets(len: usize, touch: Touch, page: usize) -> (Vec<usize>, bool) {
    match touch {
        Touch::None => (Vec::new(), false),
        Touch::First => ((len > 0).then_some(0).into_iter().collect(), false),
        Touch::All => {
            let end = len.min(super::map::TOUCH_ALL_LIMIT);
            ((0..end).step_by(page.max(1)).collect(), end < len)
        }
    }
}

/// A hook for the tests of a file truncated while it is read: with
/// `VASMAP_TEST_TRUNCATE_AT=BYTES` set, vasmap truncates the file to BYTES itself, through
/// another descriptor, at the worst moment: after checking the length for the first page
/// past BYTES and before touching it, so that the touch raises SIGBUS.
fn truncate_hook() -> Option<u64> {
    std::env::var("VASMAP_TEST_TRUNCATE_AT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
}

fn test_truncate(m: &super::map::Mapped, off: usize, page: usize, at: &mut Option<u64>) {
    let Some(cut) = *at else { return };
    if off as u64 >= cut.div_ceil(page as u64) * page as u64 {
        *at = None;
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&m.path) {
            let _ = f.set_len(cut);
        }
    }
}

/// Read one byte of each page `touch` asks for, each checked against the file's length
/// at that moment. Returns the pages read, the page faults the reads took (measured
/// around the loop alone: setting it up touches memory of vasmap's own), and, when the
/// file shrank under the reads, where it had been cut (the SIGBUS address, or the first
/// page found past the end).
pub fn touch_pages(
    m: &super::map::Mapped,
    touch: Touch,
    page: usize,
) -> (usize, (u64, u64), Option<(u64, bool)>) {
    let (offsets, _) = touch_offsets(m.map.len(), touch, page);
    let guard = SigbusGuard::new();
    let mut sum = 0u8;
    let mut read = 0;
    let mut cut = None;
    let mut hook = truncate_hook();
    // Run what the loop runs once first, so that its own first-use faults (lazily bound
    // symbols, fresh stack) are not counted as the mapping's.
    let _ = (m.current_len(), guard.faulted_at(), page_faults());
    let before = page_faults();
    for off in offsets {
        if off >= m.current_len() {
            cut = Some(m.start() + off as u64);
            break;
        }
        test_truncate(m, off, page, &mut hook);
        // A volatile read, so the compiler cannot skip the access that makes the fault.
        // SAFETY: off < the mapping's length; a page the file lost under us is replaced
        // by the guard's zero page.
        sum ^= unsafe { std::ptr::read_volatile(m.map.as_ptr().add(off)) };
        if guard.faulted_at().is_some() {
            // What was read there was the guard's zero page, not the file's.
            break;
        }
        read += 1;
    }
    let after = page_faults();
    std::hint::black_box(sum);
    let faults = (
        after.0.saturating_sub(before.0),
        after.1.saturating_sub(before.1),
    );
    (read, faults, cut_at(&guard, cut))
}

/// Write `byte` at the start of each page of a writable mapping (at most
/// [`super::map::TOUCH_ALL_LIMIT`]); returns the pages written and where the file had
/// been cut, as [`touch_pages`].
pub fn write_pages(
    m: &mut super::map::Mapped,
    byte: u8,
    page: usize,
) -> (u64, (u64, u64), Option<(u64, bool)>) {
    let (offsets, _) = touch_offsets(m.map.len(), Touch::All, page);
    let guard = SigbusGuard::new();
    let start = m.start();
    let mut written = 0;
    let mut cut = None;
    let _ = (m.current_len(), guard.faulted_at(), page_faults());
    let before = page_faults();
    for off in offsets {
        if off >= m.current_len() {
            cut = Some(start + off as u64);
            break;
        }
        if let super::map::Map::Writable(map) = &mut m.map {
            // SAFETY: off < the mapping's length, as for reading.
            unsafe { std::ptr::write_volatile(map.as_mut_ptr().add(off), byte) };
        }
        if guard.faulted_at().is_some() {
            break;
        }
        written += 1;
    }
    let after = page_faults();
    let faults = (
        after.0.saturating_sub(before.0),
        after.1.saturating_sub(before.1),
    );
    (written, faults, cut_at(&guard, cut))
}

/// Where the file was found cut: the SIGBUS address (caught: true), or the first page
/// found past the end before it was touched.
fn cut_at(guard: &SigbusGuard, found: Option<u64>) -> Option<(u64, bool)> {
    match guard.faulted_at() {
        Some(a) => Some((a, true)),
        None => found.map(|a| (a, false)),
    }
}
