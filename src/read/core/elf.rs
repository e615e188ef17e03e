//! The ELF header and program headers of a core dump, read with the `object` crate's
//! types from bounded pieces of the file.
//!
//! A core is an ELF file of type `ET_CORE` whose program headers are one `PT_LOAD` per
//! mapping (`p_vaddr`, `p_memsz`, `p_flags`, and `p_filesz`: how much of its memory the
//! file holds) and one or more `PT_NOTE` segments (threads, files, auxiliary vector).
//! Any class, byte order and machine is read: a core from another machine is a normal
//! input. A core with 65535 or more segments keeps the real count in section header 0
//! (`PN_XNUM`, as `fs/binfmt_elf.c` writes it); that header is at the end of the file,
//! so such a core must come from a file, not a pipe.

use std::mem::size_of;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, pod};

use super::error::{At, CoreError, MAX_SEGMENTS};
use super::source::Window;

/// What the reader needs from the ELF header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub class64: bool,
    pub endian: Endianness,
    /// `e_machine`.
    pub machine: u16,
}

impl Layout {
    /// Bytes in a word (`long` in the kernel's structures): 8 or 4.
    pub fn word(&self) -> usize {
        if self.class64 { 8 } else { 4 }
    }
}

/// One `PT_LOAD` or `PT_NOTE` program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub note: bool,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

/// True for the first bytes of an ELF file of type `ET_CORE`, of any class, byte order
/// and machine. Needs the first 18 bytes (`e_ident` and `e_type`).
pub fn is_core(head: &[u8]) -> bool {
    if head.len() < 18 || head[..4] != elf::ELFMAG {
        return false;
    }
    let class_ok = head[4] == elf::ELFCLASS32.0 || head[4] == elf::ELFCLASS64.0;
    let e_type = match head[5] {
        d if d == elf::ELFDATA2LSB.0 => u16::from_le_bytes([head[16], head[17]]),
        d if d == elf::ELFDATA2MSB.0 => u16::from_be_bytes([head[16], head[17]]),
        _ => return false,
    };
    class_ok && e_type == elf::ET_CORE.0
}

/// What an ELF file that is not a core is, for the error message.
fn file_kind(e_type: u16) -> String {
    match elf::FileType(e_type) {
        elf::ET_EXEC => "an ELF executable".to_string(),
        elf::ET_DYN => "an ELF shared object or position-independent executable".to_string(),
        elf::ET_REL => "an ELF object file".to_string(),
        _ => format!("an ELF file of type {e_type}"),
    }
}

/// Read the ELF header and the `PT_LOAD` and `PT_NOTE` program headers.
pub(super) fn read_headers(
    w: &mut Window<'_>,
    at: At<'_>,
) -> Result<(Layout, Vec<Segment>), CoreError> {
    let len = w.file_len();
    let Some(ident) = w.get(0, 16, 64).map_err(|e| at.io(e))? else {
        return Err(at.not_core("shorter than an ELF header"));
    };
    if ident[..4] != elf::ELFMAG {
        return Err(at.not_core("not an ELF file"));
    }
    match elf::FileClass(ident[4]) {
        elf::ELFCLASS64 => headers::<elf::FileHeader64<Endianness>>(w, at, len),
        elf::ELFCLASS32 => headers::<elf::FileHeader32<Endianness>>(w, at, len),
        class => Err(at.malformed(format!("unknown ELF class {class}"))),
    }
}

fn headers<Elf: FileHeader<Endian = Endianness>>(
    w: &mut Window<'_>,
    at: At<'_>,
    len: Option<u64>,
) -> Result<(Layout, Vec<Segment>), CoreError> {
    let size = size_of::<Elf>();
    let Some(bytes) = w.get(0, size, size as u64).map_err(|e| at.io(e))? else {
        return Err(at.truncated("the ELF header", size as u64, len));
    };
    let header = Elf::parse(bytes).map_err(|e| at.malformed(format!("ELF header: {e}")))?;
    let endian = header
        .endian()
        .map_err(|e| at.malformed(format!("ELF header: {e}")))?;
    let e_type = header.e_type(endian).0;
    if elf::FileType(e_type) != elf::ET_CORE {
        return Err(at.not_core(file_kind(e_type)));
    }
    let layout = Layout {
        class64: size_of::<Elf>() == size_of::<elf::FileHeader64<Endianness>>(),
        endian,
        machine: header.e_machine(endian).0,
    };
    let phoff: u64 = header.e_phoff(endian).into();
    let entsize = usize::from(header.e_phentsize(endian));
    let e_phnum = header.e_phnum(endian);
    let shoff: u64 = header.e_shoff(endian).into();
    let shentsize = usize::from(header.e_shentsize(endian));
    let phnum: u64 = if e_phnum < elf::PN_XNUM {
        u64::from(e_phnum)
    } else {
        extended_phnum::<Elf>(w, at, len, shoff, shentsize, endian)?
    };
    if phnum == 0 || phoff == 0 {
        return Ok((layout, Vec::new()));
    }
    if phnum > MAX_SEGMENTS {
        return Err(at.too_many(
            "program headers (mappings)",
            phnum,
            MAX_SEGMENTS,
            "16 times the kernel's default vm.max_map_count",
        ));
    }
    if entsize != size_of::<Elf::ProgramHeader>() {
        return Err(at.malformed(format!(
            "program headers of {entsize} bytes, where this ELF class has {}",
            size_of::<Elf::ProgramHeader>()
        )));
    }
    let table_end = phnum
        .checked_mul(entsize as u64)
        .and_then(|n| n.checked_add(phoff))
        .ok_or_else(|| at.malformed("the program header table runs past 2^64"))?;
    if let Some(len) = len
        && table_end > len
    {
        return Err(at.truncated("the program header table", table_end, Some(len)));
    }
    let mut segments = Vec::with_capacity(phnum.min(4096) as usize);
    for i in 0..phnum {
        let off = phoff + i * entsize as u64;
        let Some(bytes) = w.get(off, entsize, table_end).map_err(|e| at.io(e))? else {
            return Err(at.truncated("the program header table", table_end, len));
        };
        let (ph, _) = pod::from_bytes::<Elf::ProgramHeader>(bytes)
            .map_err(|()| at.malformed(format!("program header {i} cannot be read")))?;
        let p_type = ph.p_type(endian);
        if p_type != elf::PT_LOAD && p_type != elf::PT_NOTE {
            continue;
        }
        segments.push(Segment {
            note: p_type == elf::PT_NOTE,
            flags: ph.p_flags(endian).0,
            offset: ph.p_offset(endian).into(),
            vaddr: ph.p_vaddr(endian).into(),
            filesz: ph.p_filesz(endian).into(),
            memsz: ph.p_memsz(endian).into(),
            align: ph.p_align(endian).into(),
        });
    }
    Ok((layout, segments))
}

/// The program header count of a core with `PN_XNUM` in `e_phnum`: `sh_info` of section
/// header 0.
fn extended_phnum<Elf: FileHeader<Endian = Endianness>>(
    w: &mut Window<'_>,
    at: At<'_>,
    len: Option<u64>,
    shoff: u64,
    shentsize: usize,
    endian: Endianness,
) -> Result<u64, CoreError> {
    if shoff == 0 || shentsize != size_of::<Elf::SectionHeader>() {
        return Err(at.malformed(
            "e_phnum says the count is in section header 0 (PN_XNUM), and there is none",
        ));
    }
    let end = shoff.saturating_add(shentsize as u64);
    let Some(bytes) = w.get(shoff, shentsize, end).map_err(|e| at.io(e))? else {
        return Err(at.truncated("section header 0 (which holds the mapping count)", end, len));
    };
    let (sh, _) = pod::from_bytes::<Elf::SectionHeader>(bytes)
        .map_err(|()| at.malformed("section header 0 cannot be read"))?;
    Ok(u64::from(sh.sh_info(endian)))
}

/// The name of an `e_machine` value, for [`crate::model::CoreFacts::arch`].
pub(super) fn arch_name(machine: u16, class64: bool) -> String {
    match elf::Machine(machine) {
        elf::EM_X86_64 if class64 => "x86-64".to_string(),
        elf::EM_X86_64 => "x32".to_string(),
        elf::EM_386 => "i386".to_string(),
        elf::EM_AARCH64 => "aarch64".to_string(),
        elf::EM_ARM => "arm".to_string(),
        elf::EM_RISCV if class64 => "riscv64".to_string(),
        elf::EM_RISCV => "riscv32".to_string(),
        elf::EM_PPC64 => "ppc64".to_string(),
        elf::EM_PPC => "ppc".to_string(),
        elf::EM_S390 if class64 => "s390x".to_string(),
        elf::EM_S390 => "s390".to_string(),
        elf::EM_MIPS => "mips".to_string(),
        elf::EM_LOONGARCH => "loongarch".to_string(),
        elf::EM_SPARCV9 => "sparc64".to_string(),
        _ => format!("machine {machine}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_headers_of_any_class_and_order() {
        let mut le64 = [0u8; 18];
        le64[..4].copy_from_slice(&elf::ELFMAG);
        le64[4] = elf::ELFCLASS64.0;
        le64[5] = elf::ELFDATA2LSB.0;
        le64[16] = 4;
        assert!(is_core(&le64));
        let mut be32 = le64;
        be32[4] = elf::ELFCLASS32.0;
        be32[5] = elf::ELFDATA2MSB.0;
        be32[16] = 0;
        be32[17] = 4;
        assert!(is_core(&be32));
        let mut exec = le64;
        exec[16] = 2;
        assert!(!is_core(&exec));
        assert!(!is_core(&le64[..17]));
        assert!(!is_core(b"55d0a1b2c000-55d0a1b2d000 r--p"));
    }
}
