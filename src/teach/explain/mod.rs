//! Plain words for every region: what it is and why it is there, and for a mapping of an
//! ELF file (the program, libc, the loader, any `.so`), which sections of the file it holds.
//!
//! Sections are found from the file's own program and section headers
//! ([`crate::read::elf`], which reads them bounded): the mapping's file offset tells which
//! `PT_LOAD` segment it came from, that gives the load bias, and the mapping's address
//! range, less the bias, is intersected with the sections' address ranges. Working on
//! addresses rather than file offsets also places `.bss`, which has no bytes in the file.
//!
//! The explainer sees a region with its neighbours ([`Neighbours`]: the pipeline keeps a
//! window of them) and parses each file once, keeping the layouts of the files it read
//! last in a bounded cache ([`CACHE_FILES`]).
//!
//! Here: the [`Explainer`], its file cache and the words for each kind of region; the
//! words for a mapping of an ELF file (its sections, its part of the image) are in
//! `sections.rs`.

mod sections;

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

pub use crate::model::Explanation;
use crate::model::{Kind, Region, Snapshot};
use crate::read::elf::{ElfLayout, open_mapped_file, read_elf};
use crate::teach::words::{DELETED_WORDS, anon_words, file_words, no_access_words};
use crate::view::pipeline::{Explain, NEAR, Neighbours};

/// How many files' layouts the explainer keeps (the mappings of one file sit together,
/// so the last few are the ones asked for again).
pub const CACHE_FILES: usize = 64;

/// At most this many section names in an explanation's list (JSON's `sections`).
pub const LISTED: usize = 128;

impl Explanation {
    fn plain(text: impl Into<String>) -> Explanation {
        Explanation {
            text: text.into(),
            sections: Vec::new(),
        }
    }
}

/// What identifies a mapped file: its device and inode, or, in a capture that says
/// inode 0, its device and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileKey {
    Inode(u32, u32, u64),
    Name(u32, u32, Vec<u8>),
}

fn key_of(r: &Region) -> FileKey {
    if r.inode != 0 {
        FileKey::Inode(r.dev_major, r.dev_minor, r.inode)
    } else {
        FileKey::Name(r.dev_major, r.dev_minor, r.name.clone())
    }
}

/// True when `b` maps the same file as `r`.
fn same_file(r: &Region, b: &Region) -> bool {
    b.inode == r.inode
        && b.dev_major == r.dev_major
        && b.dev_minor == r.dev_minor
        && (r.inode != 0 || b.name == r.name)
}

/// The start of the mapping of the same file at offset 0 nearest below the region at
/// `center`: where the loader put the file's first segment. Walks down through this load
/// of the file (its mappings, and anonymous ones between them) and keeps the lowest
/// mapping at offset 0: a small file can map its first page twice (code, then the
/// read-only-after-relocation data), and the first is the base.
fn base_of(near: &dyn Neighbours, center: isize) -> Option<u64> {
    let r = near.at(center)?;
    let mut base = None;
    for k in 0..=NEAR as isize {
        let Some(b) = near.at(center - k) else { break };
        if same_file(r, b) {
            if b.offset == 0 {
                base = Some(b.start);
            }
        } else if b.inode != 0 {
            break;
        }
    }
    base
}

/// Explains regions, parsing each ELF file once.
#[derive(Default)]
pub struct Explainer {
    cache: HashMap<FileKey, Result<Option<Rc<ElfLayout>>, String>>,
    order: VecDeque<FileKey>,
    opened: usize,
    /// For each file, the index of its last executable mapping seen so far, and how far
    /// the window has been looked at: so that "is some mapping of this file within
    /// [`NEAR`] executable" costs a lookup, not a scan of the window.
    last_exec: HashMap<FileKey, usize>,
    seen: Option<usize>,
    /// The address space is not a live process (a saved file, a core dump): its pid is
    /// not read through `/proc/PID/map_files` (it may name another process by now).
    not_live: bool,
    /// A core dump's build ids, by the start of each ELF file's first mapping: a file
    /// found at the mapped path is used only if it is the build the process ran.
    build_ids: Vec<(u64, Vec<u8>)>,
}
impl Explainer {
    /// An explainer that has read no file yet.
    pub fn new() -> Explainer {
        Explainer::default()
    }

    /// An explainer for an address space read from `p`'s source: a live process, or a
    /// saved file or core dump (whose files are opened by path only, and a core's only
    /// when their build id is the one it recorded).
    pub fn for_snapshot(p: &crate::model::ProcessInfo) -> Explainer {
        Explainer {
            not_live: p.saved || p.core.is_some(),
            build_ids: p
                .core
                .as_ref()
                .map(|c| c.build_ids.clone())
                .unwrap_or_default(),
            ..Explainer::default()
        }
    }

    /// How many files have been opened so far.
    pub fn files_read(&self) -> usize {
        self.opened
    }

    /// Parse (or recall) the ELF headers of the file behind region `r`, whose first
    /// mapping starts at `base`.
    fn elf_of(
        &mut self,
        r: &Region,
        pid: i32,
        base: Option<u64>,
    ) -> Result<Option<Rc<ElfLayout>>, String> {
        let key = key_of(r);
        if let Some(v) = self.cache.get(&key) {
            return v.clone();
        }
        self.opened += 1;
        let pid = if self.not_live { 0 } else { pid };
        let expected = base.and_then(|b| self.build_ids.iter().find(|(s, _)| *s == b));
        let v = open_mapped_file(r, pid)
            .and_then(|(f, _)| match expected {
                Some((_, id)) => same_build(f, id),
                None => Ok(f),
            })
            .and_then(|f| read_elf(f).map(|o| o.map(Rc::new)));
        if self.order.len() == CACHE_FILES
            && let Some(old) = self.order.pop_front()
        {
            self.cache.remove(&old);
        }
        self.order.push_back(key.clone());
        self.cache.insert(key, v.clone());
        v
    }

    /// Note the executable file mappings that came into the window since the last call.
    fn look_ahead(&mut self, near: &dyn Neighbours) {
        let at = near.index();
        let from = match self.seen {
            Some(s) if s + 1 >= at.saturating_sub(NEAR) && s < at + NEAR => s + 1,
            // A new address space, or a jump: look at the whole window again.
            _ => {
                self.last_exec.clear();
                at.saturating_sub(NEAR)
            }
        };
        for abs in from..=at + NEAR {
            let Some(r) = near.at(abs as isize - at as isize) else {
                if abs > at {
                    break;
                }
                continue;
            };
            if r.perms.exec && (r.inode != 0 || r.is_path()) {
                self.last_exec.insert(key_of(r), abs);
            }
            self.seen = Some(abs);
        }
    }

    /// True when some mapping of the same file within [`NEAR`] of the region at `offset`
    /// is executable: the mark of an ELF image loaded to run. Plain data files are then
    /// never opened to look for ELF headers.
    fn runs_code(&self, near: &dyn Neighbours, offset: isize) -> bool {
        let Some(r) = near.at(offset) else {
            return false;
        };
        let Some(at) = near.index().checked_add_signed(offset) else {
            return false;
        };
        self.last_exec
            .get(&key_of(r))
            .is_some_and(|&e| e + NEAR >= at && e <= at + NEAR)
    }

    /// Explain region `index` of a whole snapshot.
    pub fn explain(&mut self, snap: &Snapshot, index: usize) -> Explanation {
        self.explain_near(
            &Around {
                regions: &snap.regions,
                at: index,
            },
            snap.process.pid,
        )
    }

    /// Explain `near.at(0)`, a region of process `pid` (0 for a saved file).
    pub fn explain_near(&mut self, near: &dyn Neighbours, pid: i32) -> Explanation {
        self.look_ahead(near);
        let Some(r) = near.at(0) else {
            return Explanation::default();
        };
        match r.kind {
            Kind::Program | Kind::Loader | Kind::Library => self.explain_elf(near, pid, None),
            Kind::File if self.runs_code(near, 0) => match self.elf_of(r, pid, base_of(near, 0)) {
                Ok(Some(_)) => self.explain_elf(near, pid, None),
                _ => Explanation::plain(file_words(r)),
            },
            Kind::File => Explanation::plain(file_words(r)),
            Kind::DeletedFile if self.runs_code(near, 0) => {
                match self.elf_of(r, pid, base_of(near, 0)) {
                    Ok(Some(_)) => self.explain_elf(near, pid, Some("the file was deleted since")),
                    _ => Explanation::plain(DELETED_WORDS),
                }
            }
            Kind::DeletedFile => Explanation::plain(DELETED_WORDS),
            Kind::Heap => Explanation::plain(
                "the heap: malloc's small blocks; grows up from the program break (brk)",
            ),
            Kind::Stack => Explanation::plain(
                "the main thread's stack: grows down; arguments and environment at its top",
            ),
            Kind::ThreadStack { tid } => Explanation::plain(format!(
                "stack of thread {tid} (mmap'd by pthread_create), guard page below it"
            )),
            Kind::Guard | Kind::Reserved => Explanation::plain(no_access_words(near, pid)),
            Kind::Anon => self
                .bss_words(near, pid)
                .or_else(|| anon_words(near, pid))
                .map(Explanation::plain)
                .unwrap_or_else(|| {
                    Explanation::plain(
                        "anonymous memory, zero-filled: malloc's big blocks, thread-local \
                         storage, runtime data",
                    )
                }),
            Kind::NamedAnon => Explanation::plain(
                "anonymous memory the program named (prctl PR_SET_VMA_ANON_NAME)",
            ),
            Kind::SharedAnon => Explanation::plain(
                "shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS): shared with children after fork",
            ),
            Kind::Memfd => Explanation::plain(if r.perms.shared {
                "memfd: a file that lives only in memory (memfd_create), mapped shared"
            } else {
                "memfd: a file that lives only in memory (memfd_create), mapped private"
            }),
            Kind::SysvShm { shmid } => Explanation::plain(format!(
                "System V shared memory (shmget/shmat), shmid {shmid}: other processes can attach it"
            )),
            Kind::Vdso => Explanation::plain(
                "vdso: kernel code mapped in so calls like clock_gettime need no system call",
            ),
            Kind::Vvar => Explanation::plain(if r.name == b"[vvar_vclock]" {
                "vvar_vclock: the clock pages the vdso reads"
            } else {
                "vvar: kernel data the vdso reads (time, clock), read-only"
            }),
            Kind::Vsyscall => Explanation::plain(
                "vsyscall: legacy fixed page for old programs' time calls; traps to the kernel",
            ),
            Kind::Special => Explanation::plain(if r.name.starts_with(b"/dev/") {
                "a device mapped into memory: reads and writes go to its driver"
            } else if r.name.starts_with(b"anon_inode:") {
                "a kernel object mapped into memory (perf, io_uring, a GPU driver...)"
            } else {
                "a special mapping made by the kernel or a driver"
            }),
        }
    }
}

/// `f` when its build id is `id`: the file at a core's mapped path may be another build
/// than the one the process ran (upgraded since, or another machine's).
fn same_build(f: std::fs::File, id: &[u8]) -> Result<std::fs::File, String> {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0u8; 64 * 1024];
    let n = f
        .read_at(&mut head, 0)
        .map_err(|_| "unreadable".to_string())?;
    head.truncate(n);
    match crate::read::core::module_build_id(&head) {
        Some(got) if got == id => Ok(f),
        Some(_) => Err(
            "the file at its path is another build than the one the process ran (its build id \
             is not the core's)"
                .to_string(),
        ),
        None => Err("the file at its path has no build id to check against the core's".into()),
    }
}

impl Explain for Explainer {
    fn explain(&mut self, near: &dyn Neighbours, pid: i32) -> Explanation {
        self.explain_near(near, pid)
    }
}

/// The neighbours of one region of a slice.
struct Around<'a> {
    regions: &'a [Region],
    at: usize,
}

impl Neighbours for Around<'_> {
    fn at(&self, offset: isize) -> Option<&Region> {
        if offset.unsigned_abs() > NEAR {
            return None;
        }
        self.regions.get(self.at.checked_add_signed(offset)?)
    }

    fn index(&self) -> usize {
        self.at
    }
}

/// Explain every region of a snapshot, in order.
pub fn explain_all(snap: &Snapshot) -> Vec<Explanation> {
    let mut ex = Explainer::new();
    (0..snap.regions.len())
        .map(|i| ex.explain(snap, i))
        .collect()
}

/// Explain every region of a snapshot, keyed by start address.
pub fn all_by_start(snap: &Snapshot) -> HashMap<u64, Explanation> {
    snap.regions
        .iter()
        .map(|r| r.start)
        .zip(explain_all(snap))
        .collect()
}

/// Explain one region of a snapshot (it must be one of `snap.regions`). For many regions
/// use [`explain_all`] or an [`Explainer`], which parse each file once.
pub fn explain(region: &Region, snap: &Snapshot) -> Explanation {
    match snap.region_at(region.start) {
        Some(i) => Explainer::new().explain(snap, i),
        None => Explanation::default(),
    }
}
