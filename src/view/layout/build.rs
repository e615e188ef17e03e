//! Building the picture's blocks: which neighbouring regions join one row (their
//! [`Key`]), and what a finished row says ([`Builder::block`]: its label, name,
//! permissions, colour and what grows).

use std::borrow::Cow;
use std::sync::Arc;

use super::{Block, CATEGORIES, Growth, Later, PermClass};
use crate::model::{Kind, Perms, Region};

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

/// True when `r` (followed by `next`) joins the block of `key` whose first region's name
/// is `first_name`.
pub(super) fn has_key(key: &Key, first_name: &[u8], r: &Region, next: Option<&Region>) -> bool {
    match key {
        Key::File(major, minor, inode) => {
            is_file_kind(r.kind)
                && r.inode != 0
                && (r.dev_major, r.dev_minor, r.inode) == (*major, *minor, *inode)
                && r.name == first_name
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
fn perm_str(p: Perms) -> &'static str {
    const ALL: [&str; 16] = [
        "---p", "r--p", "-w-p", "rw-p", "--xp", "r-xp", "-wxp", "rwxp", "---s", "r--s", "-w-s",
        "rw-s", "--xs", "r-xs", "-wxs", "rwxs",
    ];
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

/// True when the key of `r` may depend on the region after it ([`key_of`]: a guard under a
/// thread stack, the head of a malloc arena, which starts at a multiple of its 64 MiB);
/// any other region is placed as it comes, without waiting for the next (keeping a copy
/// of every region until the next came was 5M of layout's 81M instructions).
pub(super) fn needs_next(r: &Region) -> bool {
    r.kind == Kind::Guard || crate::teach::words::arena_head(r)
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

/// The name of a block's first region as the block shows it, made once for a run of
/// blocks of one name: a process mapping one file thousands of times (between other
/// mappings) made a string for every block, 15,000 allocations at 60,000 mappings.
#[derive(Default)]
pub(super) struct Shown(Option<(Vec<u8>, bool, Arc<str>)>);

impl Shown {
    pub(super) fn of(&mut self, r: &Region) -> Arc<str> {
        if let Some((name, escapes, shown)) = &self.0
            && *name == r.name
            && *escapes == r.literal.escapes
        {
            return Arc::clone(shown);
        }
        // What `display_name` shows depends on the name and on whether it is known to
        // hold backslash escapes of its own (`Region::escape_name_part`), nothing else.
        let shown: Arc<str> = crate::view::table::display_name(r, false).into();
        self.0 = Some((r.name.clone(), r.literal.escapes, Arc::clone(&shown)));
        shown
    }
}

/// A block being built from the regions of one key, one at a time.
///
/// It keeps of its first region only what it needs (a copy of the whole region for every
/// block was 5M of layout's 90M instructions at 60,000 mappings).
pub(super) struct Builder {
    pub(super) key: Key,
    start: u64,
    kind: Kind,
    perms: Perms,
    /// The first region's name, for a file's block (the next region joins when it is the
    /// same); empty otherwise.
    pub(super) name: Vec<u8>,
    /// The first region's name as shown, for a block named after it (files, kinds).
    display: Option<Arc<str>>,
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
    /// A builder for `r`, keeping `name` (a copy of a file's name, or empty) and
    /// `display` (the name as shown, for a block named after its first region).
    pub(super) fn new(r: &Region, key: Key, name: Vec<u8>, display: Option<Arc<str>>) -> Builder {
        let mut b = Builder {
            key,
            start: r.start,
            kind: r.kind,
            perms: r.perms,
            name,
            display,
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
        self.same_perms &= r.perms == self.perms;
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

    /// True when the block is named after its first region (its display name is made
    /// when it starts).
    pub(super) fn named_by_first(key: &Key) -> bool {
        !matches!(key, Key::Threads | Key::Arena | Key::Anon)
    }

    pub(super) fn block(&self) -> Block {
        let count = self.count;
        let perms = if self.same_perms {
            perm_str(self.perms)
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
                (Cow::Borrowed("thread stack"), None, name)
            }
            Key::Arena => {
                let arenas =
                    self.end.saturating_sub(self.start) / crate::teach::words::ARENA_HEAP_MAX;
                let name = format!("{} for other threads' malloc", arenas.max(1));
                (Cow::Borrowed("malloc arena"), None, name)
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
                (Cow::Borrowed(label), None, String::new())
            }
            _ => {
                let base = self.display.clone().filter(|n| !n.is_empty());
                // A nameless mapping (a core's `[vvar]`) counts like anonymous memory.
                later = if base.is_none() && count > 1 {
                    Later::Mappings
                } else if base.is_none() {
                    Later::Done
                } else {
                    Later::Times
                };
                (Cow::Borrowed(self.kind.label()), base, String::new())
            }
        };
        let grows = match self.kind {
            Kind::Heap => Some(Growth::Up),
            Kind::Stack => Some(Growth::Down),
            _ => None,
        };
        let cat = category(self.kind);
        let mut parts = [0; CATEGORIES.len()];
        parts[cat] = count;
        let mut block = Block {
            start: self.start,
            end: self.end,
            mapped: self.mapped,
            count,
            label,
            names: base.into_iter().collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_name_is_made_again_when_the_name_or_its_escapes_change() {
        let mut shown = Shown::default();
        let mut r = Region::blank();
        r.name = b"/lib/a\\012.so".to_vec();
        let plain = shown.of(&r);
        assert_eq!(&*plain, &*crate::view::table::display_name(&r, false));
        assert!(
            Arc::ptr_eq(&plain, &shown.of(&r)),
            "the same name is made once"
        );
        r.literal.escapes = true;
        let own = shown.of(&r);
        assert_ne!(
            own, plain,
            "a backslash of the kernel's own reads differently"
        );
        assert_eq!(&*own, &*crate::view::table::display_name(&r, false));
        r.name = b"/lib/b.so".to_vec();
        assert_eq!(&*shown.of(&r), "b.so");
    }

    #[test]
    fn a_region_that_needs_no_next_has_the_same_key_whatever_comes_next() {
        let heap = crate::teach::words::ARENA_HEAP_MAX;
        let kinds = [
            Kind::Anon,
            Kind::Guard,
            Kind::Reserved,
            Kind::File,
            Kind::Heap,
            Kind::ThreadStack { tid: 7 },
        ];
        let mut regions = Vec::new();
        for kind in kinds {
            for (read, write) in [(false, false), (true, false), (true, true)] {
                for start in [heap, heap + 0x1000, 3 * heap] {
                    let mut r = Region::blank();
                    r.kind = kind;
                    r.perms.read = read;
                    r.perms.write = write;
                    r.start = start;
                    r.end = start + 0x21000;
                    r.inode = u64::from(kind == Kind::File);
                    regions.push(r);
                }
            }
        }
        // Nexts right above each region: a thread stack, an arena's no-access rest.
        let mut nexts = Vec::new();
        for r in &regions {
            for kind in [Kind::ThreadStack { tid: 8 }, Kind::Reserved, Kind::Guard] {
                let mut n = Region::blank();
                n.kind = kind;
                n.start = r.end;
                n.end = r.start + heap;
                nexts.push(n);
            }
        }
        let mut depends = 0;
        for r in &regions {
            for n in &nexts {
                let differs = key_of(r, Some(n)) != key_of(r, None);
                depends += usize::from(differs);
                assert!(!differs || needs_next(r), "{r:?} then {n:?}");
            }
        }
        assert!(
            depends > 0,
            "the test has regions whose key depends on the next"
        );
    }
}
