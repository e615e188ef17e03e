//! Building the picture's blocks: which neighbouring regions join one row (their
//! [`Key`]), and what a finished row says ([`Builder::block`]: its label, name,
//! permissions, colour and what grows).

use std::borrow::Cow;

use super::{Block, CATEGORIES, Growth, Later, PermClass};
use crate::model::{Kind, Region};

/// Which rows group together at the first level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// A mapping the demo marked: a row of its own.
    Marked(u64),
    /// One file: its device and inode; its name is the block's first region's (a key
    /// owned no copy of it: a block per file row cost an allocation for nothing).
    File(u32, u32, u64),
    Threads,
    /// glibc malloc arenas of other threads: each a read-write head and the no-access
    /// rest of its 64 MiB (`teach::words::arena_heap`).
    Arena,
    Anon,
    Kind(&'static str),
}

fn is_file_kind(k: Kind) -> bool {
    matches!(
        k,
        Kind::Program
            | Kind::Loader
            | Kind::Library
            | Kind::File
            | Kind::DeletedFile
            | Kind::Memfd
            | Kind::SysvShm { .. }
    )
}

/// True when `r` (followed by `next`) joins the block of `key` whose first region is
/// `first`.
pub(super) fn has_key(key: &Key, first: &Region, r: &Region, next: Option<&Region>) -> bool {
    match key {
        Key::File(major, minor, inode) => {
            is_file_kind(r.kind)
                && r.inode != 0
                && (r.dev_major, r.dev_minor, r.inode) == (*major, *minor, *inode)
                && r.name == first.name
        }
        Key::Marked(_) => false,
        // An arena's no-access rest joins its head (as the next arena's head does): it
        // ends where the arena's 64 MiB do.
        Key::Arena if matches!(r.kind, Kind::Reserved | Kind::Guard) => {
            r.end.is_multiple_of(crate::teach::words::ARENA_HEAP_MAX)
        }
        key => key_of(r, next) == *key,
    }
}

/// The permission letters as a static string (a block keeps one per row).
fn perm_str(r: &Region) -> &'static str {
    const ALL: [&str; 16] = [
        "---p", "r--p", "-w-p", "rw-p", "--xp", "r-xp", "-wxp", "rwxp", "---s", "r--s", "-w-s",
        "rw-s", "--xs", "r-xs", "-wxs", "rwxs",
    ];
    let p = r.perms;
    ALL[usize::from(p.read)
        | usize::from(p.write) << 1
        | usize::from(p.exec) << 2
        | usize::from(p.shared) << 3]
}

/// The key of `r`, given the region after it (a guard right under a thread stack is the
/// stack's).
pub(super) fn key_of(r: &Region, next: Option<&Region>) -> Key {
    match r.kind {
        Kind::ThreadStack { .. } => Key::Threads,
        Kind::Guard
            if next.is_some_and(|n| {
                n.start == r.end && matches!(n.kind, Kind::ThreadStack { .. })
            }) =>
        {
            Key::Threads
        }
        Kind::Anon if next.is_some_and(|n| crate::teach::words::arena_heap(r, n)) => Key::Arena,
        Kind::Anon | Kind::Guard | Kind::Reserved => Key::Anon,
        k if is_file_kind(k) && r.inode != 0 => Key::File(r.dev_major, r.dev_minor, r.inode),
        k => Key::Kind(k.key()),
    }
}

/// The category a row merges under at the second level: its index in [`CATEGORIES`].
fn category(k: Kind) -> usize {
    match k {
        Kind::Library => 0,
        Kind::File | Kind::DeletedFile => 1,
        Kind::ThreadStack { .. } => 2,
        Kind::Anon | Kind::NamedAnon | Kind::Guard | Kind::Reserved => 3,
        Kind::Memfd | Kind::SysvShm { .. } | Kind::SharedAnon => 4,
        _ => 5,
    }
}

fn is_landmark(k: Kind) -> bool {
    matches!(
        k,
        Kind::Program
            | Kind::Heap
            | Kind::Stack
            | Kind::Loader
            | Kind::Vdso
            | Kind::Vvar
            | Kind::Vsyscall
    )
}

fn class_of(read: bool, write: bool, exec: bool) -> PermClass {
    if exec {
        PermClass::Exec
    } else if write {
        PermClass::Write
    } else if read {
        PermClass::Read
    } else {
        PermClass::None
    }
}

/// A block being built from the regions of one key, one at a time.
pub(super) struct Builder {
    pub(super) key: Key,
    pub(super) first: Box<Region>,
    pub(super) end: u64,
    mapped: u64,
    count: usize,
    same_perms: bool,
    read: bool,
    write: bool,
    exec: bool,
    stacks: usize,
    first_tid: i32,
    all_guard: bool,
    all_reserved: bool,
    landmark: bool,
    pub(super) mark: Option<String>,
}

impl Builder {
    /// A builder for `r`, keeping `first` (a copy of `r`).
    pub(super) fn new(r: &Region, first: Box<Region>, key: Key) -> Builder {
        let mut b = Builder {
            key,
            first,
            end: r.end,
            mapped: 0,
            count: 0,
            same_perms: true,
            read: false,
            write: false,
            exec: false,
            stacks: 0,
            first_tid: 0,
            all_guard: true,
            all_reserved: true,
            landmark: false,
            mark: None,
        };
        b.add(r);
        b
    }

    pub(super) fn add(&mut self, r: &Region) {
        self.end = r.end;
        self.mapped = self.mapped.saturating_add(r.size());
        self.count += 1;
        self.same_perms &= r.perms == self.first.perms;
        self.read |= r.perms.read;
        self.write |= r.perms.write;
        self.exec |= r.perms.exec;
        if let Kind::ThreadStack { tid } = r.kind {
            if self.stacks == 0 {
                self.first_tid = tid;
            }
            self.stacks += 1;
        }
        self.all_guard &= r.kind == Kind::Guard;
        self.all_reserved &= r.kind == Kind::Reserved;
        self.landmark |= is_landmark(r.kind);
    }

    pub(super) fn block(&self) -> Block {
        let first = &self.first;
        let count = self.count;
        let perms = if self.same_perms {
            perm_str(first)
        } else {
            "mixed"
        };
        // Most rows are merged into others before the picture is finished: their names
        // are made then ([`Block::finish_name`]), not for every block.
        let mut later = Later::Done;
        let (label, base, name) = match &self.key {
            Key::Threads => {
                let name = match self.stacks {
                    1 if count == 1 => format!("thread {}", self.first_tid),
                    1 => format!("thread {} + guard", self.first_tid),
                    n => format!("{n} threads, with guards"),
                };
                (Cow::Borrowed("thread stack"), String::new(), name)
            }
            Key::Arena => {
                let arenas =
                    self.end.saturating_sub(first.start) / crate::teach::words::ARENA_HEAP_MAX;
                let name = format!("{} for other threads' malloc", arenas.max(1));
                (Cow::Borrowed("malloc arena"), String::new(), name)
            }
            Key::Anon => {
                let label = if self.all_guard {
                    "guard"
                } else if self.all_reserved {
                    "reserved"
                } else {
                    "anon"
                };
                if count > 1 {
                    later = Later::Mappings;
                }
                (Cow::Borrowed(label), String::new(), String::new())
            }
            _ => {
                let base = crate::view::table::display_name(first, false);
                // A nameless mapping (a core's `[vvar]`) counts like anonymous memory.
                later = if base.is_empty() && count > 1 {
                    Later::Mappings
                } else if base.is_empty() {
                    Later::Done
                } else {
                    Later::Times
                };
                (Cow::Borrowed(first.kind.label()), base, String::new())
            }
        };
        let grows = match first.kind {
            Kind::Heap => Some(Growth::Up),
            Kind::Stack => Some(Growth::Down),
            _ => None,
        };
        let cat = category(first.kind);
        let mut parts = [0; CATEGORIES.len()];
        parts[cat] = count;
        let mut block = Block {
            start: first.start,
            end: self.end,
            mapped: self.mapped,
            count,
            label,
            names: if base.is_empty() {
                Vec::new()
            } else {
                vec![base]
            },
            name,
            perms,
            class: class_of(self.read, self.write, self.exec),
            grows,
            landmark: self.landmark || self.mark.is_some(),
            category: CATEGORIES[cat],
            blocks: 1,
            parts,
            later,
        };
        if let Some(m) = &self.mark {
            block.finish_name();
            block.name = format!("{}  ◀ {m}", block.name);
        }
        block
    }
}
