//! The build ids of the ELF files a core maps, from the core's own copy of their first
//! page: what `--explain` needs to tell whether a file on disk is still the one the
//! process ran.
//!
//! The kernel dumps the first page of every file mapping that starts with an ELF header
//! (`coredump_filter` bit 4, on by default: `vma_dump_size` in `fs/coredump.c`), and gdb
//! dumps those pages too. That page holds the ELF header and the program headers, and
//! in practice the `PT_NOTE` segment with the `NT_GNU_BUILD_ID` note, which linkers place
//! right after them. So the build id is read from at most [`HEAD`] bytes of the core
//! per mapped file, parsed with `object` in memory. A file whose notes lie beyond the
//! dumped bytes, or a page that is not a valid ELF header, simply has no build id: this
//! never makes the core unreadable.

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};

use super::source::Window;

/// The most of a mapping's first bytes read: 64 KiB, the largest page size of the
/// machines vasmap knows (aarch64 and ppc64 can use 64 KiB pages).
pub const HEAD: u64 = 64 * 1024;

/// The longest build id kept. GNU ld writes 20 bytes (SHA-1) or 16 (MD5 or UUID);
/// `--build-id=0x...` can be longer, but not sensibly past this.
const MAX_ID: usize = 64;

/// One file mapping whose first page the core may hold.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    /// The mapping's start address.
    pub start: u64,
    /// Where its bytes are in the core file.
    pub core_offset: u64,
    /// How many of its bytes the core holds.
    pub held: u64,
}

/// The build id of each candidate that has one, as (mapping start, id), in address
/// order. Candidates are read in file order (a pipe only goes forward); one that cannot
/// be read (behind a pipe's position, cut short) is skipped.
pub(super) fn build_ids(w: &mut Window<'_>, mut candidates: Vec<Candidate>) -> Vec<(u64, Vec<u8>)> {
    candidates.sort_by_key(|c| c.core_offset);
    let mut out = Vec::new();
    for c in candidates {
        let n = c.held.min(HEAD);
        let Some(end) = c.core_offset.checked_add(n) else {
            continue;
        };
        if let Ok(Some(head)) = w.get(c.core_offset, n as usize, end)
            && let Some(id) = module_build_id(head)
        {
            out.push((c.start, id));
        }
    }
    out.sort();
    out
}

/// The `NT_GNU_BUILD_ID` of the ELF file whose first bytes are `head`, if they hold it.
pub fn module_build_id(head: &[u8]) -> Option<Vec<u8>> {
    if head.len() < 16 || head[..4] != elf::ELFMAG {
        return None;
    }
    match elf::FileClass(head[4]) {
        elf::ELFCLASS64 => build_id::<elf::FileHeader64<Endianness>>(head),
        elf::ELFCLASS32 => build_id::<elf::FileHeader32<Endianness>>(head),
        _ => None,
    }
}

fn build_id<Elf: FileHeader<Endian = Endianness>>(head: &[u8]) -> Option<Vec<u8>> {
    let header = Elf::parse(head).ok()?;
    let endian = header.endian().ok()?;
    for ph in header.program_headers(endian, head).ok()? {
        // A note segment outside the dumped bytes is an error here: skip it.
        let Ok(Some(mut notes)) = ph.notes(endian, head) else {
            continue;
        };
        while let Ok(Some(note)) = notes.next() {
            let desc = note.desc();
            if note.name() == elf::ELF_NOTE_GNU
                && note.n_type(endian) == elf::NT_GNU_BUILD_ID
                && !desc.is_empty()
                && desc.len() <= MAX_ID
            {
                return Some(desc.to_vec());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_of_vasmap_itself() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let head = &exe[..exe.len().min(HEAD as usize)];
        // Rust test binaries are linked with a build id on Linux; where one is not, at
        // least nothing must be made up.
        if let Some(id) = module_build_id(head) {
            assert!(id.len() == 20 || id.len() == 16 || id.len() == 8, "{id:?}");
        }
        assert_eq!(module_build_id(&head[..40]), None);
        assert_eq!(module_build_id(b"not an ELF header at all"), None);
    }
}
