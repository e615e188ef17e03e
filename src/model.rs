//! The plain data vasmap works on: a [`Snapshot`] of one address space, made of [`Region`]s.
//!
//! Nothing here does I/O. Names are kept as the raw bytes the kernel wrote, so that a
//! renderer can reproduce them exactly (pmap mode, JSON) or escape them for a terminal.

use serde::Serialize;

/// The version of vasmap's JSON documents (`--json`, docs/json.md): bumped when a field
/// changes meaning or goes away (adding a field does not bump it).
pub const JSON_SCHEMA_VERSION: u32 = 1;

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
    /// The four characters the kernel prints, e.g. `r-xp`.
    pub fn as_maps(&self) -> [u8; 4] {
        [
            if self.read { b'r' } else { b'-' },
            if self.write { b'w' } else { b'-' },
            if self.exec { b'x' } else { b'-' },
            if self.shared { b's' } else { b'p' },
        ]
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

/// What a region is. Decided by [`crate::read::classify`] from the full name, the device and
/// inode, and the process itself (its executable, its stacks), never from a basename alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// The program's own executable (same device and inode as `/proc/PID/exe`).
    Program,
    /// The dynamic loader, `ld-linux*.so*` / `ld-*.so*`.
    Loader,
    /// A shared library (`*.so`, `*.so.N`).
    Library,
    /// Any other mapped file.
    File,
    /// A file that has been unlinked since it was mapped (`... (deleted)`).
    DeletedFile,
    /// `[heap]`: the program break area, grown by `brk`.
    Heap,
    /// The main thread's stack (`[stack]`, or the region holding `startstack`).
    Stack,
    /// Another thread's stack: the region holding that thread's stack pointer.
    ThreadStack { tid: i32 },
    /// A small mapping with no access at all (`---p`, at most [`Kind::GUARD_MAX`]): a
    /// guard page, below a thread's stack or a signal stack, or between a file's segments.
    Guard,
    /// A larger anonymous mapping with no access: address space kept for later (the
    /// unused part of a glibc malloc arena, a runtime's or JIT's reservation).
    Reserved,
    /// Private anonymous memory (`malloc` arenas, `mmap(MAP_ANONYMOUS)`).
    Anon,
    /// Anonymous memory named with `prctl(PR_SET_VMA_ANON_NAME)`: `[anon:NAME]`.
    NamedAnon,
    /// Shared anonymous memory: `/dev/zero (deleted)` or `[anon_shmem:NAME]`.
    SharedAnon,
    /// A `memfd_create` file: `/memfd:NAME (deleted)`.
    Memfd,
    /// A System V shared memory segment: `/SYSV<key> (deleted)`; the inode is the shmid.
    SysvShm { shmid: u64 },
    /// `[vdso]`: code the kernel maps so some system calls need no switch to the kernel.
    Vdso,
    /// `[vvar]`, `[vvar_vclock]`: the data the vdso reads.
    Vvar,
    /// `[vsyscall]`: the legacy fixed page at `ffffffffff600000`.
    Vsyscall,
    /// A device file (`/dev/...`) or kernel object (`anon_inode:...`) or another pseudo name.
    Special,
}

impl Kind {
    /// The largest no-access anonymous mapping called a guard; a larger one is
    /// [`Kind::Reserved`]. Guard pages are one page by default (glibc's thread guard, the
    /// kernel's), a few with `pthread_attr_setguardsize`; reservations are megabytes.
    pub const GUARD_MAX: u64 = 64 * 1024;

    /// The kind of an anonymous mapping with no access, by its size.
    pub fn no_access(size: u64) -> Kind {
        if size <= Kind::GUARD_MAX {
            Kind::Guard
        } else {
            Kind::Reserved
        }
    }

    /// A short lower-case label for tables: `program`, `thread stack`, ...
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Program => "program",
            Kind::Loader => "loader",
            Kind::Library => "library",
            Kind::File => "file",
            Kind::DeletedFile => "deleted file",
            Kind::Heap => "heap",
            Kind::Stack => "stack",
            Kind::ThreadStack { .. } => "thread stack",
            Kind::Guard => "guard",
            Kind::Reserved => "reserved",
            Kind::Anon => "anon",
            Kind::NamedAnon => "named anon",
            Kind::SharedAnon => "shared anon",
            Kind::Memfd => "memfd",
            Kind::SysvShm { .. } => "sysv shm",
            Kind::Vdso => "vdso",
            Kind::Vvar => "vvar",
            Kind::Vsyscall => "vsyscall",
            Kind::Special => "special",
        }
    }

    /// The label with its detail, e.g. `thread stack (tid 1234)`.
    pub fn describe(&self) -> String {
        match self {
            Kind::ThreadStack { tid } => format!("thread stack (tid {tid})"),
            Kind::SysvShm { shmid } => format!("sysv shm (shmid {shmid})"),
            other => other.label().to_string(),
        }
    }

    /// The name used on the command line (`--kind`): the label with `_` for spaces.
    pub fn key(&self) -> &'static str {
        match self {
            Kind::DeletedFile => "deleted_file",
            Kind::ThreadStack { .. } => "thread_stack",
            Kind::NamedAnon => "named_anon",
            Kind::SharedAnon => "shared_anon",
            Kind::SysvShm { .. } => "sysv_shm",
            other => other.label(),
        }
    }

    /// Every kind key, in the order they are documented.
    pub const KEYS: &'static [&'static str] = &[
        "program",
        "loader",
        "library",
        "file",
        "deleted_file",
        "heap",
        "stack",
        "thread_stack",
        "guard",
        "reserved",
        "anon",
        "named_anon",
        "shared_anon",
        "memfd",
        "sysv_shm",
        "vdso",
        "vvar",
        "vsyscall",
        "special",
    ];
}

/// The index of a field name in [`Snapshot::smaps_fields`].
pub type FieldId = u16;

/// The figures `/proc/PID/smaps` gives for one mapping.
///
/// The set of fields varies with the kernel version, so every `Key: value` line is kept in
/// `fields`, in the kernel's order; the common ones are also copied into named members.
/// Values are in kB, except `THPeligible` and `ProtectionKey`, which are plain numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmapsRecord {
    pub rss: u64,
    pub pss: u64,
    pub shared_clean: u64,
    pub shared_dirty: u64,
    pub private_clean: u64,
    pub private_dirty: u64,
    pub referenced: u64,
    pub anonymous: u64,
    pub swap: u64,
    pub swap_pss: u64,
    pub locked: u64,
    /// Every `Key: value` line in kernel order, as (index into the snapshot's field names, value).
    pub fields: Vec<(FieldId, u64)>,
    /// The `VmFlags:` line's two-letter flags, as the kernel wrote them (unknown ones kept).
    pub vm_flags: Vec<[u8; 2]>,
    /// Whether the record had a `VmFlags:` line at all.
    pub has_vm_flags: bool,
}

impl SmapsRecord {
    /// Dirty pages: shared dirty plus private dirty, as pmap's `Dirty` column.
    pub fn dirty(&self) -> u64 {
        self.shared_dirty.saturating_add(self.private_dirty)
    }

    /// The value of field `id`, if this record has it.
    pub fn get(&self, id: FieldId) -> Option<u64> {
        self.fields.iter().find(|(f, _)| *f == id).map(|(_, v)| *v)
    }

    /// The VmFlags as one space-separated string, as in smaps.
    pub fn vm_flags_string(&self) -> String {
        let mut s = String::with_capacity(self.vm_flags.len() * 3);
        for (i, f) in self.vm_flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push(f[0] as char);
            s.push(f[1] as char);
        }
        s
    }
}

/// One mapping: one line of `/proc/PID/maps`, with its smaps record when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        match self.name.iter().rposition(|&b| b == b'/') {
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

/// Facts about the process (not its mappings) that classification and headers need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    /// `/proc/PID/cmdline` with NULs turned into spaces, or `[comm]` when empty.
    pub cmdline: Vec<u8>,
    /// `/proc/PID/cmdline` exactly as read (NUL-separated, possibly empty): the pmap
    /// output mode builds its header from it the way procps does.
    pub raw_cmdline: Vec<u8>,
    /// `/proc/PID/comm` without its newline (the command name, at most 15 bytes).
    pub comm: Vec<u8>,
    /// Device (major, minor) and inode of `/proc/PID/exe`.
    pub exe_id: Option<(u32, u32, u64)>,
    /// The target of `/proc/PID/exe`, as bytes.
    pub exe_path: Option<Vec<u8>>,
    /// Field 28 of `/proc/PID/stat`: the address of the bottom (start) of the main stack.
    pub start_stack: Option<u64>,
    /// (tid, stack pointer) of every thread but the main one, where it could be read,
    /// sorted by stack pointer (classification looks regions up in it by halving).
    pub thread_sps: Vec<(i32, u64)>,
    /// The main stack's size limit in bytes (`RLIMIT_STACK`, from `/proc/PID/limits`),
    /// when it was read and is not unlimited.
    pub stack_limit: Option<u64>,
    /// Set when the address space was read from an ELF core dump (`--from CORE`): what
    /// the core says beside the mappings.
    pub core: Option<Box<CoreFacts>>,
    /// Read from a saved file (`--from`: a capture or vasmap's JSON), not a live process:
    /// the pid, if any, is the one the file was taken from.
    pub saved: bool,
}

/// What an ELF core dump records beside its mappings: who crashed, how, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreFacts {
    /// The core file's path, as given.
    pub path: Vec<u8>,
    /// The machine the core came from (`x86-64`, `aarch64`, ...), from the ELF header.
    pub arch: String,
    /// The signal that ended the process (`NT_SIGINFO`, else `NT_PRSTATUS`), if recorded.
    pub signal: Option<i32>,
    /// `si_code` of that signal.
    pub si_code: Option<i32>,
    /// The faulting address, for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP.
    pub fault_addr: Option<u64>,
    /// Every thread in the core (`NT_PRSTATUS`), the one that took the signal first.
    pub threads: Vec<CoreThread>,
    /// From `NT_AUXV`: `AT_ENTRY`, `AT_PHDR`, `AT_BASE` (the loader), `AT_SYSINFO_EHDR`
    /// (the vdso).
    pub entry: Option<u64>,
    pub phdr: Option<u64>,
    pub interp_base: Option<u64>,
    pub vdso: Option<u64>,
    /// Who wrote the core: `kernel`, `gdb` (a `GDB` note, or segments aligned to 1 as
    /// BFD writes them), or `unknown`.
    pub writer: String,
    /// The page size (`AT_PAGESZ`), if the auxiliary vector gives it.
    pub page_size: Option<u64>,
    /// False when vasmap does not know this machine's register layout: the threads'
    /// `sp` and `pc` are then 0 and mean "not read".
    pub registers_known: bool,
    /// The core has an `NT_FILE` note. Without one (the kernel leaves it out when it
    /// would pass `kernel.core_file_note_size_limit`), no mapping has a file name.
    pub has_file_note: bool,
    /// Bytes of memory the program headers say the file holds and it does not: the core
    /// was cut short while it was written (`ulimit -c`, a full disk). Each region's
    /// `dumped.bytes` counts only what is there. `None` when nothing is missing, or when
    /// the core came through a pipe (its length is unknown).
    pub cut_short: Option<u64>,
    /// The process that sent the signal, for a signal sent with `kill`, `tgkill` or
    /// `sigqueue` (`si_code` `SI_USER`, `SI_TKILL`, `SI_QUEUE`): its pid and uid.
    pub sender_pid: Option<i32>,
    pub sender_uid: Option<u32>,
    /// (mapping start, build id) of each mapped ELF file whose first page the core holds
    /// with its `NT_GNU_BUILD_ID` note, in address order: which build of the program and
    /// of each library the process ran.
    pub build_ids: Vec<(u64, Vec<u8>)>,
}

/// One thread of a core dump.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreThread {
    pub tid: i32,
    /// Stack pointer and program counter when the core was written.
    pub sp: u64,
    pub pc: u64,
}

impl ProcessInfo {
    /// `/proc/PID/cmdline` (each argument ended by a NUL) as one line, as `ps` shows it:
    /// the NULs at the end dropped and the others turned into spaces.
    pub fn cmdline_line(raw_cmdline: &[u8]) -> Vec<u8> {
        let end = raw_cmdline
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        raw_cmdline[..end]
            .iter()
            .map(|&b| if b == 0 { b' ' } else { b })
            .collect()
    }

    /// True for a live process (not a saved file or a core dump).
    pub fn is_live(&self) -> bool {
        self.core.is_none() && !self.saved && self.pid > 0
    }

    /// True when `r` holds the start of the main thread's stack (pmap's `[ stack ]`):
    /// `start <= start_stack <= end`, the end included as pmap counts it. A live process
    /// read without `stat` has no `start_stack`; the kernel then has already named that
    /// mapping `[stack]` by the same rule (`vma_is_initial_stack`, include/linux/mm.h:
    /// `vm_start <= start_stack && vm_end >= start_stack`), and its name is used. (The
    /// kernel would call it `[heap]` instead if the heap held the start of the stack.)
    pub fn holds_start_stack(&self, r: &Region) -> bool {
        match self.start_stack {
            Some(s) => r.start <= s && s <= r.end,
            None => self.is_live() && r.name == b"[stack]",
        }
    }

    /// The thread whose stack pointer `r` holds, from [`ProcessInfo::thread_sps`].
    pub fn thread_in(&self, r: &Region) -> Option<i32> {
        let sps = &self.thread_sps;
        let i = sps.partition_point(|&(_, sp)| sp < r.start);
        sps.get(i)
            .filter(|&&(_, sp)| r.contains(sp))
            .map(|&(tid, _)| tid)
    }

    /// `/proc/PID/comm` without the newline the kernel ends it with.
    pub fn comm_line(mut comm: Vec<u8>) -> Vec<u8> {
        if comm.last() == Some(&b'\n') {
            comm.pop();
        }
        comm
    }
}

/// What a region is, in plain words (`--explain`): worked out by `teach::explain`, which
/// reads the mapped files, and handed to the views as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// One short line, as the table's `--explain` column shows it.
    pub text: String,
    /// For a mapping of an ELF file: every section it holds (in address order), with
    /// `ELF header` first when the mapping starts at the beginning of the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
}

/// One address space at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Where it came from: a live process (pid set) or a saved file.
    pub process: ProcessInfo,
    /// Mappings in address order, as the kernel lists them.
    pub regions: Vec<Region>,
    /// True when the regions carry smaps records.
    pub has_smaps: bool,
    /// The smaps field names seen, in first-seen order; [`FieldId`] indexes this.
    pub smaps_fields: Vec<String>,
}

impl Snapshot {
    /// The id of a smaps field name, if any record had it.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.smaps_fields
            .iter()
            .position(|f| f == name)
            .map(|i| i as FieldId)
    }

    /// The region that holds `addr`, by binary search (regions are sorted and disjoint).
    pub fn region_at(&self, addr: u64) -> Option<usize> {
        let i = self.regions.partition_point(|r| r.end <= addr);
        (i < self.regions.len() && self.regions[i].contains(addr)).then_some(i)
    }

    /// Totals over every region.
    pub fn totals(&self) -> Totals {
        Totals::over(self.regions.iter())
    }
}

/// Sums over a set of regions, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub regions: u64,
    pub size_kb: u64,
    pub rss_kb: u64,
    pub pss_kb: u64,
    pub dirty_kb: u64,
    pub swap_kb: u64,
    pub private_kb: u64,
    pub shared_kb: u64,
}

impl Totals {
    /// Add up the given regions.
    pub fn over<'a>(regions: impl Iterator<Item = &'a Region>) -> Totals {
        let mut t = Totals::default();
        for r in regions {
            t.add(r);
        }
        t
    }

    /// Add one region. Sums saturate: a saved file (`--from`) can hold any numbers, and a
    /// crafted one must not make vasmap panic.
    pub fn add(&mut self, r: &Region) {
        self.regions += 1;
        self.size_kb = self.size_kb.saturating_add(r.size_kb());
        if let Some(s) = &r.smaps {
            self.rss_kb = self.rss_kb.saturating_add(s.rss);
            self.pss_kb = self.pss_kb.saturating_add(s.pss);
            self.dirty_kb = self.dirty_kb.saturating_add(s.dirty());
            self.swap_kb = self.swap_kb.saturating_add(s.swap);
            self.private_kb = self
                .private_kb
                .saturating_add(s.private_clean.saturating_add(s.private_dirty));
            self.shared_kb = self
                .shared_kb
                .saturating_add(s.shared_clean.saturating_add(s.shared_dirty));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_and_comm_as_one_line() {
        assert_eq!(ProcessInfo::cmdline_line(b"sleep\x00100\x00"), b"sleep 100");
        assert_eq!(ProcessInfo::cmdline_line(b"a\x00\x00b\x00\x00"), b"a  b");
        assert_eq!(ProcessInfo::cmdline_line(b"\x00\x00"), b"");
        assert_eq!(ProcessInfo::cmdline_line(b"no-nul"), b"no-nul");
        assert_eq!(ProcessInfo::comm_line(b"bash\n".to_vec()), b"bash");
        assert_eq!(ProcessInfo::comm_line(b"a\nb".to_vec()), b"a\nb");
    }
}
