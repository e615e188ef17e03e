//! The headers of mapped ELF files, for `--explain`: which sections a mapping holds.
//!
//! A mapped file is anyone's: any user can map one page of a sparse file whose header
//! claims a section table of 50 million entries, or `e_phnum = PN_XNUM` with a huge count
//! in section 0. So nothing here is sized by what the file claims. The `object` crate
//! parses the headers through [`Bounded`], which refuses any one read over
//! [`MAX_READ`] and stops once [`BUDGET`] bytes have been read from a file; past that the
//! file is "too large to read" and the mapping is explained without its sections. At most
//! [`MAX_SECTIONS`] allocated sections are kept, each name at most [`MAX_NAME`] bytes.
//!
//! Files are opened only when they are regular files ([`open_mapped_file`]): the type is
//! checked before the open (opening a FIFO releases a writer blocked on it; opening a
//! device can do anything its driver does) and again on the opened file, with
//! `O_NONBLOCK | O_NOCTTY`, and its device and inode must be the mapping's.

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::os::unix::fs::MetadataExt;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::read::{ReadCache, ReadRef};

use crate::model::Region;
use crate::text::escape_name;

/// The largest single read of a file's headers (a section table of 65,536 entries).
pub const MAX_READ: u64 = 4 << 20;
/// The most read from one file in all.
pub const BUDGET: u64 = 16 << 20;
/// The most allocated sections kept of one file (real programs and libraries have tens).
pub const MAX_SECTIONS: usize = 4096;
/// The longest section name kept, in bytes.
pub const MAX_NAME: usize = 256;

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
    /// Allocated sections past [`MAX_SECTIONS`] that were not kept.
    pub sections_left_out: usize,
}

/// A page: the granularity of mappings. Segments and mappings align to it.
pub const PAGE: u64 = 4096;

/// `v` rounded down to a page.
pub fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
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
    pub fn data_end(&self) -> Option<u64> {
        self.loads
            .iter()
            .filter(|l| l.flags & elf::PF_W.0 != 0)
            .map(|l| l.vaddr + l.memsz)
            .max()
    }

    /// The end (file address) of the writable segment's file-backed part, page-rounded up:
    /// where the anonymous rest of `.bss` starts.
    pub fn data_file_end(&self) -> Option<u64> {
        self.loads
            .iter()
            .filter(|l| l.flags & elf::PF_W.0 != 0)
            .map(|l| (l.vaddr + l.filesz).div_ceil(PAGE) * PAGE)
            .max()
    }
}

/// A file read through `object`'s [`ReadCache`], with every read bounded: see the module
/// docs.
pub struct Bounded {
    cache: ReadCache<File>,
    left: Cell<u64>,
}

impl Bounded {
    pub fn new(file: File) -> Bounded {
        Bounded {
            cache: ReadCache::new(file),
            left: Cell::new(BUDGET),
        }
    }

    /// True once a read was refused for its size.
    fn spent(&self) -> bool {
        self.left.get() == 0
    }

    fn charge(&self, size: u64) -> Result<(), ()> {
        if size > MAX_READ || size > self.left.get() {
            self.left.set(0);
            return Err(());
        }
        self.left.set(self.left.get() - size);
        Ok(())
    }
}

impl<'a> ReadRef<'a> for &'a Bounded {
    fn len(self) -> Result<u64, ()> {
        (&self.cache).len()
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        self.charge(size)?;
        (&self.cache).read_bytes_at(offset, size)
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        // `ReadCache` looks at most 4096 bytes for the delimiter.
        self.charge(4096)?;
        (&self.cache).read_bytes_at_until(range, delimiter)
    }
}

fn parse_elf<Elf: FileHeader<Endian = object::Endianness>>(
    data: &Bounded,
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
        if out.sections.len() == MAX_SECTIONS {
            out.sections_left_out += 1;
            continue;
        }
        let name = table
            .section_name(endian, s)
            .map(|n| escape_name(&n[..n.len().min(MAX_NAME)]))
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

/// Parse the headers of an ELF file, reading only bounded parts of it. `Ok(None)` when
/// the file is not ELF at all; an error says why the sections cannot be named.
pub fn read_elf(mut file: File) -> Result<Option<ElfLayout>, String> {
    let mut magic = [0u8; 5];
    if file.read_exact(&mut magic).is_err() || magic[..4] != elf::ELFMAG {
        return Ok(None);
    }
    let data = Bounded::new(file);
    let parsed = if magic[4] == elf::ELFCLASS64.0 {
        parse_elf::<elf::FileHeader64<object::Endianness>>(&data)
    } else {
        parse_elf::<elf::FileHeader32<object::Endianness>>(&data)
    };
    match parsed {
        Ok(l) => Ok(Some(l)),
        Err(_) if data.spent() => Err(format!(
            "its ELF headers claim tables too large to read (vasmap reads at most {} MiB of a \
             file's headers)",
            BUDGET >> 20
        )),
        Err(e) => Err(format!("its ELF headers are damaged ({e})")),
    }
}

/// What identifies a file: its device and inode.
pub type FileId = (u64, u64);

fn short_io(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        _ => "unreadable",
    }
}

/// Open `path` only if it is a regular file (checked before and after the open, without
/// blocking) that is `inode` when that is known.
fn open_regular(path: &std::path::Path, inode: u64) -> Result<(File, FileId), &'static str> {
    use std::os::unix::fs::OpenOptionsExt;
    let before = std::fs::metadata(path).map_err(|e| short_io(&e))?;
    if !before.is_file() {
        return Err("not a regular file");
    }
    if inode != 0 && before.ino() != inode {
        return Err("another file (replaced since it was mapped)");
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| short_io(&e))?;
    let now = f.metadata().map_err(|e| short_io(&e))?;
    if !now.is_file() || now.dev() != before.dev() || now.ino() != before.ino() {
        return Err("not a regular file");
    }
    Ok((f, (now.dev(), now.ino())))
}

/// Open the file a region maps: first `/proc/PID/map_files/START-END` (the mapped file
/// itself, even when deleted or replaced; root only), then the path, as long as it is
/// still the mapped inode. Only regular files are opened.
pub fn open_mapped_file(r: &Region, pid: i32) -> Result<(File, FileId), String> {
    let mut why = Vec::new();
    if pid > 0 {
        let p = format!("/proc/{pid}/map_files/{:x}-{:x}", r.start, r.end);
        // A snapshot read back from a saved file carries the pid it was taken from,
        // which may now belong to another process: only trust the mapped inode.
        match open_regular(std::path::Path::new(&p), r.inode) {
            Ok(f) => return Ok(f),
            Err(e) => why.push(format!("{p}: {e}")),
        }
    }
    if !r.is_path() || r.is_deleted() {
        return Err(why.join("; "));
    }
    use std::os::unix::ffi::OsStrExt;
    let bytes = r.name_bytes();
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&bytes));
    // The path is read in vasmap's mount namespace, not the process's, and may have been
    // replaced since.
    match open_regular(path, r.inode) {
        Ok(f) => Ok(f),
        Err(e) => {
            why.push(format!("{}: {e}", escape_name(&r.name)));
            Err(why.join("; "))
        }
    }
}
