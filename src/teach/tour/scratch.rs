//! The experiments' files: a private directory under `$TMPDIR` (or `/tmp`), removed when
//! the experiment ends, and also when vasmap is stopped by Ctrl-C, `kill` or a closed
//! terminal in the middle of one (a `--wait` pause is the likely moment).
//!
//! The directory and each file in it are registered, as C strings made once and never
//! freed, in a small static table that a signal handler reads: `unlink` and `rmdir` are
//! async-signal-safe, and nothing else is done there before the signal is raised again
//! with its default action (so the exit status still says which signal ended vasmap).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};

use super::TourError;

/// Registered paths: files first, the directory last. A null slot is free.
const SLOTS: usize = 16;
static PATHS: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

/// Remove every registered path (files, then directories). Async-signal-safe.
fn remove_registered() {
    // Files and the directory were registered in that order of need: unlink everything
    // that unlinks, then rmdir what is left (a directory cannot be unlinked).
    for slot in &PATHS {
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: p is a NUL-terminated string leaked by `register`.
            unsafe { libc::unlink(p) };
        }
    }
    for slot in &PATHS {
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: as above.
            unsafe { libc::rmdir(p) };
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    remove_registered();
    // SA_RESETHAND restored the default action; the signal is blocked until this returns.
    // SAFETY: raise is async-signal-safe.
    unsafe { libc::raise(sig) };
}

/// Install the handler for SIGINT, SIGTERM and SIGHUP (once; harmless when repeated).
pub fn install_signal_cleanup() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction with a handler of the right type and an empty mask.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Put back the default action of those signals (in a forked child, which has nothing
/// to clean up).
pub fn reset_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: signal(SIG_DFL) has no memory arguments.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}

/// Register `path` for removal on a signal; returns its slot.
fn register(path: &Path) -> Option<usize> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let raw = c.into_raw();
    for (i, slot) in PATHS.iter().enumerate() {
        if slot
            .compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
        {
            return Some(i);
        }
    }
    // No free slot: the string stays leaked (a few bytes), the path unregistered.
    None
}

/// Forget a slot. The string is leaked on purpose: a signal handler may be reading it.
fn unregister(slot: Option<usize>) {
    if let Some(i) = slot {
        PATHS[i].store(std::ptr::null_mut(), Ordering::Release);
    }
}

/// A private directory for one experiment's files, removed on drop.
pub struct Scratch {
    dir: tempfile::TempDir,
    slots: Vec<Option<usize>>,
    experiment: &'static str,
}

impl Scratch {
    /// A new directory `vasmap-tour-XXXXXX` (mode 0700) under the temporary directory.
    pub fn new(experiment: &'static str) -> Result<Scratch, TourError> {
        let base = std::env::temp_dir();
        let dir = tempfile::Builder::new()
            .prefix("vasmap-tour-")
            .tempdir_in(&base)
            .map_err(|source| TourError::Scratch {
                experiment,
                path: base,
                source,
            })?;
        let slot = register(dir.path());
        Ok(Scratch {
            dir,
            slots: vec![slot],
            experiment,
        })
    }

    /// The path of file `name` in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Create file `name` (read and write) holding `len` bytes made by `fill` from each
    /// byte's offset, written a page-sized chunk at a time.
    pub fn create(
        &mut self,
        name: &str,
        len: usize,
        fill: impl Fn(usize) -> u8,
    ) -> Result<std::fs::File, TourError> {
        use std::io::Write;
        let path = self.path(name);
        // Registered before it exists, so that no moment leaves it unregistered.
        self.slots.insert(0, register(&path));
        let err = |source| TourError::Scratch {
            experiment: self.experiment,
            path: path.clone(),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(err)?;
        let mut chunk = vec![0u8; 64 * 1024];
        let mut off = 0;
        while off < len {
            let n = chunk.len().min(len - off);
            for (i, b) in chunk[..n].iter_mut().enumerate() {
                *b = fill(off + i);
            }
            f.write_all(&chunk[..n]).map_err(err)?;
            off += n;
        }
        f.sync_data().map_err(err)?;
        Ok(f)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Removed before the paths are unregistered, so that a signal at any moment still
        // finds them; TempDir's own drop then finds nothing left to do.
        let _ = std::fs::remove_dir_all(self.dir.path());
        for slot in self.slots.drain(..) {
            unregister(slot);
        }
    }
}
