//! [`Kind`]: what a region is (the main program, a library, the heap, a stack, ...), its
//! words for the views and the order the summary lists kinds in.

use serde::Serialize;

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

    /// [`Kind::label`] then spaces, 16 bytes: for a row printed by fixed-size copies
    /// (`view::table::basic`). Every label is shorter (checked as this compiles), so a
    /// `*` fits after it too.
    pub fn label16(&self) -> &'static [u8; 16] {
        const fn pad(label: &str) -> [u8; 16] {
            let b = label.as_bytes();
            assert!(b.len() < 16, "a kind's label is shorter than 16 bytes");
            let mut out = [b' '; 16];
            let mut i = 0;
            while i < b.len() {
                out[i] = b[i];
                i += 1;
            }
            out
        }
        use Kind::*;
        match self {
            Program => const { &pad(Program.label()) },
            Loader => const { &pad(Loader.label()) },
            Library => const { &pad(Library.label()) },
            File => const { &pad(File.label()) },
            DeletedFile => const { &pad(DeletedFile.label()) },
            Heap => const { &pad(Heap.label()) },
            Stack => const { &pad(Stack.label()) },
            ThreadStack { .. } => const { &pad(ThreadStack { tid: 0 }.label()) },
            Guard => const { &pad(Guard.label()) },
            Reserved => const { &pad(Reserved.label()) },
            Anon => const { &pad(Anon.label()) },
            NamedAnon => const { &pad(NamedAnon.label()) },
            SharedAnon => const { &pad(SharedAnon.label()) },
            Memfd => const { &pad(Memfd.label()) },
            SysvShm { .. } => const { &pad(SysvShm { shmid: 0 }.label()) },
            Vdso => const { &pad(Vdso.label()) },
            Vvar => const { &pad(Vvar.label()) },
            Vsyscall => const { &pad(Vsyscall.label()) },
            Special => const { &pad(Special.label()) },
        }
    }

    /// A short lower-case label for tables: `program`, `thread stack`, ...
    pub const fn label(&self) -> &'static str {
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
