//! One mapping as vasmap holds it: a [`Region`] (a maps line, with its smaps record when it
//! was read), its [`Perms`], what is known of its name ([`NameLiteral`]) and what a core dump
//! recorded of it ([`Dumped`]).

use serde::Serialize;

use super::{Kind, SmapsRecord};

/// Read, write, execute and shared/private, as in the `r-xp` column of `/proc/PID/maps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    /// `s` in the fourth column: `MAP_SHARED`. `p` (private, copy-on-write) otherwise.
    pub shared: bool,
}

impl Perms {
    /// The four characters the kernel prints, e.g. `r-xp`: one of sixteen, looked up
    /// (every row of every view prints them; four tests and selects cost the table of
    /// 60,000 mappings 0.7 million instructions more).
    #[inline]
    pub fn as_maps(&self) -> [u8; 4] {
        const ALL: [[u8; 4]; 16] = {
            let mut all = [[0; 4]; 16];
            let mut i = 0;
            while i < 16 {
                all[i] = [
                    if i & 1 != 0 { b'r' } else { b'-' },
                    if i & 2 != 0 { b'w' } else { b'-' },
                    if i & 4 != 0 { b'x' } else { b'-' },
                    if i & 8 != 0 { b's' } else { b'p' },
                ];
                i += 1;
            }
            all
        };
        ALL[usize::from(self.read)
            | usize::from(self.write) << 1
            | usize::from(self.exec) << 2
            | usize::from(self.shared) << 3]
    }

    /// The string form of [`Perms::as_maps`].
    pub fn to_maps_string(&self) -> String {
        self.as_maps().iter().map(|&b| b as char).collect()
    }

    /// The five characters procps-ng pmap prints, e.g. `r-x--` or `rw-s-`.
    pub fn as_pmap(&self) -> [u8; 5] {
        [
            if self.read { b'r' } else { b'-' },
            if self.write { b'w' } else { b'-' },
            if self.exec { b'x' } else { b'-' },
            if self.shared { b's' } else { b'-' },
            b'-',
        ]
    }

    /// True for a mapping that is both writable and executable (a security smell).
    pub fn is_wx(&self) -> bool {
        self.write && self.exec
    }
}

/// One mapping: one line of `/proc/PID/maps`, with its smaps record when it was read.
#[derive(Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    pub perms: Perms,
    /// Offset into the file (or the page offset for anonymous memory), in bytes.
    pub offset: u64,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub inode: u64,
    /// The name exactly as the kernel wrote it (a newline in a path appears as `\012`).
    /// Empty for anonymous memory.
    pub name: Vec<u8>,
    pub kind: Kind,
    pub smaps: Option<SmapsRecord>,
    /// What an ELF core dump holds of this mapping; `None` for a live process or a
    /// capture (see [`Dumped`]).
    pub dumped: Option<Dumped>,
    /// What vasmap found out about a name whose text the kernel leaves ambiguous (see
    /// [`NameLiteral`]); all false when nothing was found out, or nothing was asked.
    pub literal: NameLiteral,
}

/// By hand for `clone_from`, which reuses the name's buffer (and a smaps record's): the
/// derived one allocates a new name and frees the old, and views that keep the region
/// before the current one (layout, `--explain`'s window) copy one per mapping: 90,000
/// allocations for layout of 60,000 mappings.
impl Clone for Region {
    fn clone(&self) -> Self {
        Region {
            start: self.start,
            end: self.end,
            perms: self.perms,
            offset: self.offset,
            dev_major: self.dev_major,
            dev_minor: self.dev_minor,
            inode: self.inode,
            name: self.name.clone(),
            kind: self.kind,
            smaps: self.smaps.clone(),
            dumped: self.dumped,
            literal: self.literal,
        }
    }

    fn clone_from(&mut self, src: &Self) {
        let Region {
            start,
            end,
            perms,
            offset,
            dev_major,
            dev_minor,
            inode,
            name,
            kind,
            smaps,
            dumped,
            literal,
        } = src;
        self.start = *start;
        self.end = *end;
        self.perms = *perms;
        self.offset = *offset;
        self.dev_major = *dev_major;
        self.dev_minor = *dev_minor;
        self.inode = *inode;
        self.name.clone_from(name);
        self.kind = *kind;
        self.smaps.clone_from(smaps);
        self.dumped = *dumped;
        self.literal = *literal;
    }
}

/// A file's name as the kernel writes it in maps is ambiguous in two ways: a newline is
/// written `\012`, which a file may also hold as four characters, and an unlinked
/// file's name gets ` (deleted)` appended, which a file may also end with. Where vasmap
/// can tell (`crate::read::truename`: the process's `map_files` as root, else the file
/// found at its path with the mapped inode), it says which here; [`Region::name_bytes`]
/// and [`Region::is_deleted`] honour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameLiteral {
    /// Every `\012` in the name is the file's own backslash and three digits (the name
    /// holds no newline): the name is shown as it is written.
    pub escapes: bool,
    /// The ` (deleted)` at the end of the name is part of the file's name: the file is
    /// not deleted.
    pub deleted_suffix: bool,
}

/// What an ELF core dump records of one mapping (its `PT_LOAD` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dumped {
    /// Bytes of the mapping's memory the core holds (`p_filesz`): 0 for none (the kernel
    /// leaves file-backed text out by default, `/proc/PID/coredump_filter`), the mapping's
    /// size for all of it.
    pub bytes: u64,
    /// The region's kind was inferred from the core's evidence (the main thread's stack
    /// pointer for `[stack]`, the anonymous mapping after the program for `[heap]`)
    /// rather than recorded by it.
    pub kind_inferred: bool,
    /// `perms.shared` is known: a core does not record shared against private. It is
    /// known for names that can only be shared memory (`/SYSV%08x (deleted)`, `/dev/zero
    /// (deleted)`) and, in a kernel core with an `NT_FILE` note, for mappings without a
    /// file (private: the kernel gives every shared mapping a file). Otherwise
    /// `perms.shared` is false and means "not recorded".
    pub shared_known: bool,
    /// `perms` read, write and execute come from a `PT_LOAD` header. False for a mapping
    /// only `NT_FILE` lists (gdb's `gcore` leaves out the program headers of mappings it
    /// does not dump): its `perms` are all false and mean "not recorded".
    pub perms_known: bool,
    /// `perms.read` is known. gdb's `gcore` (through BFD) marks every segment readable,
    /// `---p` guard pages too, so in its cores only write and execute are known.
    pub read_known: bool,
}

impl Region {
    /// An empty anonymous region at address 0, to parse into
    /// ([`crate::read::parse::RegionStream::next_into`] reuses its buffers).
    pub fn blank() -> Region {
        Region {
            start: 0,
            end: 0,
            perms: Perms::default(),
            offset: 0,
            dev_major: 0,
            dev_minor: 0,
            inode: 0,
            name: Vec::new(),
            kind: Kind::Anon,
            smaps: None,
            dumped: None,
            literal: NameLiteral::default(),
        }
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Size in KiB, as pmap prints it.
    pub fn size_kb(&self) -> u64 {
        self.size() >> 10
    }

    /// True when `addr` lies inside this region.
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// The file's name as bytes: the kernel's `\012` escape turned back into a newline
    /// byte, unless the `\012`s are known to be the file's own ([`NameLiteral`]).
    pub fn name_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        if self.literal.escapes {
            std::borrow::Cow::Borrowed(&self.name)
        } else {
            crate::text::unescape_kernel(&self.name)
        }
    }

    /// `part` of this region's name (the name, or its basename) escaped for a terminal
    /// as [`crate::text::escape_name`] does, honouring [`NameLiteral::escapes`].
    pub fn escape_name_part(&self, part: &[u8]) -> String {
        crate::text::escape_name_as(part, !self.literal.escapes)
    }

    /// The permission letters as shown: `?` where a core dump does not say (a kernel
    /// core records no private/shared bit; a gcore records no permissions at all for
    /// mappings it left out).
    pub fn perm_letters(&self) -> [u8; 4] {
        let mut l = self.perms.as_maps();
        if let Some(d) = self.dumped {
            if !d.perms_known {
                l = *b"????";
            } else {
                if !d.read_known {
                    l[0] = b'?';
                }
                if !d.shared_known {
                    l[3] = b'?';
                }
            }
        }
        l
    }

    /// [`Region::perm_letters`] as a string.
    pub fn perm_text(&self) -> String {
        String::from_utf8_lossy(&self.perm_letters()).into_owned()
    }

    /// True when the name is a path (starts with `/`), i.e. it came from a file.
    pub fn is_path(&self) -> bool {
        self.name.first() == Some(&b'/')
    }

    /// True when the kernel has marked the backing file as unlinked (a ` (deleted)` at
    /// the end of the name that is not known to be part of the file's name).
    pub fn is_deleted(&self) -> bool {
        self.name.ends_with(b" (deleted)") && !self.literal.deleted_suffix
    }

    /// The last path component of the name (the whole name when it is not a path).
    pub fn basename(&self) -> &[u8] {
        if !self.is_path() {
            return &self.name;
        }
        match memchr::memrchr(b'/', &self.name) {
            Some(i) => &self.name[i + 1..],
            None => &self.name,
        }
    }

    /// The device as the kernel prints it, `fe:01`.
    pub fn device(&self) -> String {
        format!("{:02x}:{:02x}", self.dev_major, self.dev_minor)
    }

    /// The smaps figure named `rss`, `pss`, `dirty`, `swap`, ...: 0 when smaps was not read.
    pub fn rss_kb(&self) -> u64 {
        self.smaps.as_ref().map_or(0, |s| s.rss)
    }
}
