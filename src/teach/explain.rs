//! Plain words for every region: what it is and why it is there, and for a mapping of an
//! ELF file (the program, libc, the loader, any `.so`), which sections of the file it holds.
//!
//! Sections are found from the file's own program and section headers (the `object`
//! crate): the mapping's file offset tells which `PT_LOAD` segment it came from, that gives
//! the load bias, and the mapping's address range, less the bias, is intersected with the
//! sections' address ranges. Working on addresses rather than file offsets also places
//! `.bss`, which has no bytes in the file. The file is read through
//! `/proc/PID/map_files/START-END` (the very file that is mapped, even if deleted or
//! replaced) or else through its path; each file is parsed once per (device, inode).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::rc::Rc;

use object::elf;
use object::read::ReadCache;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use serde::Serialize;

use crate::model::{Kind, Region, Snapshot};
use crate::text::escape_name;

/// What a region is, in plain words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// One short line, as the table's `--explain` column shows it.
    pub text: String,
    /// For a mapping of an ELF file: every section it holds (in address order), with
    /// `ELF header` first when the mapping starts at the beginning of the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
}

impl Explanation {
    fn plain(text: impl Into<String>) -> Explanation {
        Explanation {
            text: text.into(),
            sections: Vec::new(),
        }
    }
}

/// One allocated section of an ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub addr: u64,
    pub size: u64,
}

/// One `PT_LOAD` program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub flags: u32,
}

/// The parts of an ELF file's headers that say where its sections land in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElfLayout {
    /// Sections that take memory (`SHF_ALLOC`, non-empty, not `.tbss`), in address order.
    pub sections: Vec<Section>,
    pub loads: Vec<Load>,
    /// The `PT_GNU_RELRO` range (address, size): made read-only once relocations are done.
    pub relro: Option<(u64, u64)>,
}

/// A page: the granularity of mappings. Segments and mappings align to it.
const PAGE: u64 = 4096;

fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
}

fn parse_elf<Elf: FileHeader<Endian = object::Endianness>>(
    data: &ReadCache<File>,
) -> Result<ElfLayout, object::read::Error> {
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let mut out = ElfLayout::default();
    for p in header.program_headers(endian, data)? {
        let vaddr: u64 = p.p_vaddr(endian).into();
        let memsz: u64 = p.p_memsz(endian).into();
        match p.p_type(endian) {
            elf::PT_LOAD => out.loads.push(Load {
                offset: p.p_offset(endian).into(),
                vaddr,
                filesz: p.p_filesz(endian).into(),
                memsz,
                flags: p.p_flags(endian).0,
            }),
            elf::PT_GNU_RELRO => out.relro = Some((vaddr, memsz)),
            _ => {}
        }
    }
    let table = header.sections(endian, data)?;
    for s in table.iter() {
        let flags: u64 = s.sh_flags(endian).0;
        let size: u64 = s.sh_size(endian).into();
        let nobits = s.sh_type(endian) == elf::SHT_NOBITS;
        if flags & elf::SHF_ALLOC.0 == 0 || size == 0 {
            continue;
        }
        // `.tbss` is only a template for each thread's TLS block: it takes no room in the
        // image, and its address overlaps the sections after it.
        if nobits && flags & elf::SHF_TLS.0 != 0 {
            continue;
        }
        let name = table
            .section_name(endian, s)
            .map(escape_name)
            .unwrap_or_else(|_| "?".to_string());
        out.sections.push(Section {
            name,
            addr: s.sh_addr(endian).into(),
            size,
        });
    }
    out.sections.sort_by_key(|s| s.addr);
    Ok(out)
}

/// Parse the headers of an ELF file, reading only the parts needed. `Ok(None)` when the
/// file is not ELF at all.
pub fn read_elf(mut file: File) -> Result<Option<ElfLayout>, String> {
    let mut magic = [0u8; 5];
    if file.read_exact(&mut magic).is_err() || magic[..4] != elf::ELFMAG {
        return Ok(None);
    }
    let cache = ReadCache::new(file);
    let parsed = if magic[4] == elf::ELFCLASS64.0 {
        parse_elf::<elf::FileHeader64<object::Endianness>>(&cache)
    } else {
        parse_elf::<elf::FileHeader32<object::Endianness>>(&cache)
    };
    parsed
        .map(Some)
        .map_err(|e| format!("its ELF headers are damaged ({e})"))
}

impl ElfLayout {
    /// The load segment a mapping at file offset `offset` came from, preferring one whose
    /// execute permission matches (two segments can share a file page).
    fn load_for(&self, r: &Region) -> Option<&Load> {
        let holds = |l: &&Load| {
            l.filesz > 0 && page_down(l.offset) <= r.offset && r.offset < l.offset + l.filesz
        };
        let exec = |l: &Load| (l.flags & elf::PF_X.0 != 0) == r.perms.exec;
        let write = |l: &Load| (l.flags & elf::PF_W.0 != 0) == r.perms.write;
        let found: Vec<&Load> = self.loads.iter().filter(holds).collect();
        found
            .iter()
            .find(|l| exec(l) && write(l))
            .or_else(|| found.iter().find(|l| exec(l)))
            .or_else(|| found.first())
            .copied()
    }

    /// The load bias of a mapping: what is added to the file's addresses to get the
    /// process's. `base` is the start of the same file's mapping at offset 0 below it
    /// (where the loader put the first segment), which fixes the bias for every segment;
    /// without it the bias is guessed from the segment the mapping's offset falls in.
    /// `None` when the mapping is not one of the file's segments.
    pub fn bias_for(&self, r: &Region, base: Option<u64>) -> Option<u64> {
        let first = self.loads.iter().map(|l| page_down(l.vaddr)).min();
        if let (Some(base), Some(first)) = (base, first) {
            let bias = base.wrapping_sub(first);
            let addr = r.start.wrapping_sub(bias);
            // The mapping must be where that bias puts the segment holding its offset.
            let fits = self.loads.iter().any(|l| {
                let lo = page_down(l.vaddr);
                lo <= addr
                    && addr < l.vaddr + l.memsz
                    && addr - lo == r.offset.wrapping_sub(page_down(l.offset))
            });
            if fits {
                return Some(bias);
            }
        }
        let l = self.load_for(r)?;
        let file_addr = l.vaddr.wrapping_sub(l.offset).wrapping_add(r.offset);
        Some(r.start.wrapping_sub(file_addr))
    }

    /// The address (in the file's terms) where the ELF header lands: the start of the
    /// load segment that begins at file offset 0.
    pub fn header_addr(&self) -> Option<u64> {
        self.loads
            .iter()
            .find(|l| page_down(l.offset) == 0)
            .map(|l| page_down(l.vaddr))
    }

    /// The sections whose memory overlaps `[start, end)` (file addresses).
    pub fn sections_in(&self, start: u64, end: u64) -> Vec<&Section> {
        self.sections
            .iter()
            .filter(|s| s.addr < end && start < s.addr.saturating_add(s.size))
            .collect()
    }

    /// The end (file address) of the writable segment's memory, `.bss` included.
    fn data_end(&self) -> Option<u64> {
        self.loads
            .iter()
            .filter(|l| l.flags & elf::PF_W.0 != 0)
            .map(|l| l.vaddr + l.memsz)
            .max()
    }

    /// The end (file address) of the writable segment's file-backed part, page-rounded up:
    /// where the anonymous rest of `.bss` starts.
    fn data_file_end(&self) -> Option<u64> {
        self.loads
            .iter()
            .filter(|l| l.flags & elf::PF_W.0 != 0)
            .map(|l| (l.vaddr + l.filesz).div_ceil(PAGE) * PAGE)
            .max()
    }
}

/// The start of the mapping of the same file at offset 0 nearest below region `index`:
/// where the loader put the file's first segment.
pub fn base_of(snap: &Snapshot, index: usize) -> Option<u64> {
    let r = snap.regions.get(index)?;
    let same =
        |b: &Region| b.inode == r.inode && b.dev_major == r.dev_major && b.dev_minor == r.dev_minor;
    // Walk down through this load of the file (its mappings, and anonymous ones between
    // them) and keep the lowest mapping at offset 0: a small file can map its first page
    // twice (code, then the read-only-after-relocation data), and the first is the base.
    // Bounded, so a process with very many mappings stays linear.
    let mut base = None;
    for b in snap.regions[index.saturating_sub(NEAR)..=index]
        .iter()
        .rev()
    {
        if same(b) {
            if b.offset == 0 {
                base = Some(b.start);
            }
        } else if b.inode != 0 {
            break;
        }
    }
    base
}

/// How far (in regions) to look for the other mappings of the same file.
const NEAR: usize = 64;

/// True when some mapping of the same file near region `index` is executable: the mark
/// of an ELF image loaded to run. Plain data files are then never opened to look for ELF
/// headers (they may be device or sysfs files where even a read has effects).
fn runs_code(snap: &Snapshot, index: usize) -> bool {
    let r = &snap.regions[index];
    let lo = index.saturating_sub(NEAR);
    let hi = (index + NEAR + 1).min(snap.regions.len());
    snap.regions[lo..hi].iter().any(|o| {
        o.perms.exec
            && o.inode == r.inode
            && o.dev_major == r.dev_major
            && o.dev_minor == r.dev_minor
    })
}

/// A file, by device and inode.
type FileKey = (u32, u32, u64);

/// Explains regions, parsing each ELF file once.
#[derive(Default)]
pub struct Explainer {
    cache: HashMap<FileKey, Result<Option<Rc<ElfLayout>>, String>>,
}

/// Sections worth naming first when a mapping holds many, most telling first.
const NOTABLE: &[&str] = &[
    ".text",
    ".data",
    ".bss",
    ".rodata",
    ".data.rel.ro",
    ".got",
    ".eh_frame",
    ".dynsym",
    ".dynstr",
    ".rela.dyn",
    ".plt",
    ".got.plt",
    ".dynamic",
    ".init_array",
    ".tdata",
];

/// At most this many section names in the one-line text.
const SHOWN: usize = 3;

/// The one-line list: `ELF header` when present, then up to [`SHOWN`] sections, the
/// notable ones first, printed in address order, and how many more.
fn short_list(names: &[String]) -> String {
    let header = names.first().is_some_and(|n| n == "ELF header");
    let body = if header { &names[1..] } else { names };
    let mut picked: Vec<usize> = Vec::new();
    for want in NOTABLE {
        if picked.len() == SHOWN {
            break;
        }
        if let Some(i) = body.iter().position(|n| n == want) {
            picked.push(i);
        }
    }
    for i in 0..body.len() {
        if picked.len() == SHOWN {
            break;
        }
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
    let mut parts: Vec<&str> = Vec::new();
    if header {
        parts.push("ELF header");
    }
    parts.extend(picked.iter().map(|&i| body[i].as_str()));
    let mut s = parts.join(", ");
    if body.len() > picked.len() {
        s.push_str(&format!(" +{} more", body.len() - picked.len()));
    }
    s
}

/// True for a region with no access at all.
fn no_access(r: &Region) -> bool {
    !r.perms.read && !r.perms.write && !r.perms.exec
}

impl Explainer {
    /// An explainer that has read no file yet.
    pub fn new() -> Explainer {
        Explainer::default()
    }

    /// How many files have been opened so far (each at most once).
    pub fn files_read(&self) -> usize {
        self.cache.len()
    }

    /// Parse (or recall) the ELF headers of the file behind region `r`.
    fn elf_of(&mut self, r: &Region, pid: i32) -> Result<Option<Rc<ElfLayout>>, String> {
        let key = (r.dev_major, r.dev_minor, r.inode);
        if let Some(v) = self.cache.get(&key) {
            return v.clone();
        }
        let v = open_mapped_file(r, pid).and_then(|f| read_elf(f).map(|o| o.map(Rc::new)));
        self.cache.insert(key, v.clone());
        v
    }

    /// Explain region `index` of `snap`.
    pub fn explain(&mut self, snap: &Snapshot, index: usize) -> Explanation {
        let Some(r) = snap.regions.get(index) else {
            return Explanation::default();
        };
        let pid = snap.process.pid;
        match r.kind {
            Kind::Program | Kind::Loader | Kind::Library => self.explain_elf(snap, index, None),
            Kind::File if runs_code(snap, index) => match self.elf_of(r, pid) {
                Ok(Some(_)) => self.explain_elf(snap, index, None),
                _ => Explanation::plain(file_words(r)),
            },
            Kind::File => Explanation::plain(file_words(r)),
            Kind::DeletedFile if runs_code(snap, index) => match self.elf_of(r, pid) {
                Ok(Some(_)) => self.explain_elf(snap, index, Some("the file was deleted since")),
                _ => Explanation::plain(DELETED_WORDS),
            },
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
            Kind::Guard => Explanation::plain(guard_words(snap, index)),
            Kind::Anon => self
                .bss_words(snap, index)
                .map(Explanation::plain)
                .unwrap_or_else(|| {
                    Explanation::plain(
                        "anonymous memory, zero-filled: malloc's big blocks and arenas, runtime data",
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

    /// The words for a mapping of an ELF file.
    fn explain_elf(&mut self, snap: &Snapshot, index: usize, note: Option<&str>) -> Explanation {
        let r = &snap.regions[index];
        let pid = snap.process.pid;
        if no_access(r) {
            return Explanation::plain(
                "no access: a hole between the file's segments, kept reserved",
            );
        }
        let elf = match self.elf_of(r, pid) {
            Ok(Some(e)) => e,
            Ok(None) => return Explanation::plain(file_words(r)),
            Err(why) => return Explanation::plain(format!("cannot name its sections: {why}")),
        };
        let Some(bias) = elf.bias_for(r, base_of(snap, index)) else {
            return Explanation::plain(format!(
                "{} (not one of the file's loadable segments)",
                file_words(r)
            ));
        };
        let start = r.start.wrapping_sub(bias);
        let end = r.end.wrapping_sub(bias);
        let mut names: Vec<String> = Vec::new();
        let header = elf.header_addr().is_some_and(|h| start <= h && h < end);
        if header {
            names.push("ELF header".to_string());
        }
        names.extend(elf.sections_in(start, end).iter().map(|s| s.name.clone()));
        let relro = elf
            .relro
            .is_some_and(|(a, n)| !r.perms.write && start >= page_down(a) && end <= a + n + PAGE);
        let role = if r.perms.exec {
            if r.kind == Kind::Loader {
                "code of the dynamic loader: it mapped the libraries and links calls to them"
            } else {
                "code"
            }
        } else if relro {
            "read-only after relocation"
        } else if r.perms.write {
            let bss = names.iter().any(|n| n == ".bss");
            let data = names.iter().any(|n| n != ".bss" && n != "ELF header");
            match (data, bss) {
                (true, true) => "writable data; .bss starts zeroed",
                (false, true) => "zeroed data",
                _ => "writable data",
            }
        } else if header {
            if names.iter().any(|n| n == ".rodata" || n == ".text") {
                "headers and tables for the loader, and read-only data"
            } else {
                "headers and tables for the loader"
            }
        } else {
            "read-only data"
        };
        let list = if names.is_empty() {
            "no sections".to_string()
        } else {
            short_list(&names)
        };
        let text = match note {
            Some(n) => format!("{list} ({role}; {n})"),
            None => format!("{list} ({role})"),
        };
        Explanation {
            text,
            sections: names,
        }
    }

    /// For an anonymous region right after an ELF file's writable mapping: the rest of
    /// that file's `.bss` (the part past the file's last page), when its headers say so.
    fn bss_words(&mut self, snap: &Snapshot, index: usize) -> Option<String> {
        let r = &snap.regions[index];
        let prev = snap.regions.get(index.checked_sub(1)?)?;
        if prev.end != r.start || !prev.perms.write || prev.inode == 0 || !r.perms.write {
            return None;
        }
        if !runs_code(snap, index - 1) {
            return None;
        }
        let elf = self.elf_of(prev, snap.process.pid).ok()??;
        let bias = elf.bias_for(prev, base_of(snap, index - 1))?;
        let file_end = elf.data_file_end()?.wrapping_add(bias);
        let mem_end = elf.data_end()?.wrapping_add(bias);
        if file_end != r.start || mem_end <= r.start {
            return None;
        }
        let owner = escape_name(prev.basename());
        let bss_end = mem_end.div_ceil(PAGE) * PAGE;
        Some(if bss_end >= r.end {
            format!("the rest of {owner}'s .bss: zero-filled, no file behind it")
        } else {
            format!(
                "the rest of {owner}'s .bss ({} kB), then other anonymous memory",
                (bss_end - r.start) / 1024
            )
        })
    }
}

const DELETED_WORDS: &str =
    "a file deleted after it was mapped: its pages stay until it is unmapped";

/// Words for a mapping of a file that is not ELF.
fn file_words(r: &Region) -> &'static str {
    if r.perms.shared {
        "a file mapped shared (MAP_SHARED): writes reach the file and other processes"
    } else if r.perms.write {
        "a file mapped private: writes stay in this process (copy-on-write)"
    } else {
        "a file mapped private (MAP_PRIVATE): pages come from the page cache"
    }
}

/// Words for a no-access anonymous region: a thread's guard page when a thread stack
/// sits right above it.
fn guard_words(snap: &Snapshot, index: usize) -> String {
    let r = &snap.regions[index];
    if let Some(next) = snap.regions.get(index + 1)
        && next.start == r.end
        && let Kind::ThreadStack { tid } = next.kind
    {
        return format!("guard page of thread {tid}'s stack: an overflow faults here");
    }
    if r.size() <= 64 * 1024 {
        "no access: a guard page (touching it crashes the program)".to_string()
    } else {
        "no access: address space reserved for later (or a guard)".to_string()
    }
}

/// Open the file a region maps: first `/proc/PID/map_files/START-END` (the mapped file
/// itself, even when deleted or replaced), then the path, checking it is still the same
/// inode.
fn open_mapped_file(r: &Region, pid: i32) -> Result<File, String> {
    use std::os::unix::fs::MetadataExt;
    let mut why = Vec::new();
    if pid > 0 {
        let p = format!("/proc/{pid}/map_files/{:x}-{:x}", r.start, r.end);
        match File::open(&p) {
            // A snapshot read back from a saved file carries the pid it was taken from,
            // which may now belong to another process: only trust the mapped inode.
            Ok(f) if r.inode == 0 || f.metadata().is_ok_and(|m| m.ino() == r.inode) => {
                return Ok(f);
            }
            Ok(_) => why.push(format!("{p}: another file (the pid was reused)")),
            Err(e) => why.push(format!("{p}: {}", short_io(&e))),
        }
    }
    if !r.is_path() || r.is_deleted() {
        return Err(why.join("; "));
    }
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    let bytes = r.name_bytes();
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&bytes));
    // The path is read in vasmap's mount namespace, not the process's, and may have been
    // replaced since: O_NONBLOCK so that a FIFO put there cannot make vasmap wait, and
    // only a regular file with the mapped inode is read.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    match opened {
        Ok(f) => {
            let same = f
                .metadata()
                .map(|m| m.is_file() && m.ino() == r.inode)
                .unwrap_or(false);
            if same || r.inode == 0 {
                Ok(f)
            } else {
                why.push(format!(
                    "{}: replaced since it was mapped",
                    escape_name(&r.name)
                ));
                Err(why.join("; "))
            }
        }
        Err(e) => {
            why.push(format!("{}: {}", escape_name(&r.name), short_io(&e)));
            Err(why.join("; "))
        }
    }
}

fn short_io(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        _ => "unreadable",
    }
}

/// Explain every region of a snapshot, in order.
pub fn explain_all(snap: &Snapshot) -> Vec<Explanation> {
    let mut ex = Explainer::new();
    (0..snap.regions.len())
        .map(|i| ex.explain(snap, i))
        .collect()
}

/// Explain every region of a snapshot, keyed by start address: looked up by the views
/// after filters and `--sort` have taken rows away or reordered them.
pub fn all_by_start(snap: &Snapshot) -> HashMap<u64, Explanation> {
    snap.regions
        .iter()
        .map(|r| r.start)
        .zip(explain_all(snap))
        .collect()
}

/// The explanations a view shows (`--explain`), by start address: those the caller worked
/// out on the whole address space before the filters ([`ViewOptions::explained`]; see
/// `inspect::show`). `None` without `--explain`. A renderer reads no file itself.
///
/// [`ViewOptions::explained`]: crate::view::ViewOptions::explained
pub fn for_view(opts: &crate::view::ViewOptions) -> Option<ExplainedByStart> {
    if !opts.explain {
        return None;
    }
    opts.explained.clone()
}

/// Explanations by start address, shared between a view and its copies.
pub type ExplainedByStart = std::sync::Arc<HashMap<u64, Explanation>>;

/// Explain one region of a snapshot (it must be one of `snap.regions`). For many regions
/// use [`explain_all`] or an [`Explainer`], which parse each file once.
pub fn explain(region: &Region, snap: &Snapshot) -> Explanation {
    match snap.region_at(region.start) {
        Some(i) => Explainer::new().explain(snap, i),
        None => Explanation::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_list_prefers_notable_sections_in_address_order() {
        let names: Vec<String> = [
            "ELF header",
            ".interp",
            ".dynsym",
            ".dynstr",
            ".gnu.version",
            ".rela.dyn",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            short_list(&names),
            "ELF header, .dynsym, .dynstr, .rela.dyn +2 more"
        );
        let two: Vec<String> = vec![".data".into(), ".bss".into()];
        assert_eq!(short_list(&two), ".data, .bss");
    }
}
