//! A small ELF core writer for tests: cores of any class, byte order and machine, with
//! the notes vasmap reads laid out as the kernel lays them out (`fs/binfmt_elf.c`), so
//! that a test can build a core from another machine, or a damaged one, byte by byte.
//! Included by path from tests/core.rs.
#![allow(dead_code)]

/// `p_flags`.
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

pub const EM_386: u16 = 3;
pub const EM_ARM: u16 = 40;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

pub const NT_PRSTATUS: u32 = 1;
pub const NT_PRPSINFO: u32 = 3;
pub const NT_AUXV: u32 = 6;
pub const NT_SIGINFO: u32 = 0x5349_4749;
pub const NT_FILE: u32 = 0x4649_4c45;

pub const AT_PHDR: u64 = 3;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_ENTRY: u64 = 9;
pub const AT_EXECFN: u64 = 31;
pub const AT_SYSINFO_EHDR: u64 = 33;

/// One `PT_LOAD`.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub vaddr: u64,
    pub memsz: u64,
    pub filesz: u64,
    pub flags: u32,
}

/// A core being built.
#[derive(Debug, Clone)]
pub struct CoreBuilder {
    pub class64: bool,
    pub big_endian: bool,
    pub machine: u16,
    pub loads: Vec<Load>,
    /// (owner, type, description).
    pub notes: Vec<(Vec<u8>, u32, Vec<u8>)>,
    /// `p_align` of the loads: the page size for the kernel, 1 for gdb.
    pub load_align: u64,
}

impl CoreBuilder {
    pub fn new(machine: u16, class64: bool, big_endian: bool) -> Self {
        CoreBuilder {
            class64,
            big_endian,
            machine,
            loads: Vec::new(),
            notes: Vec::new(),
            load_align: 4096,
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn u64(&self, v: u64) -> [u8; 8] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    /// A `long` of the core's class.
    pub fn word(&self, v: u64) -> Vec<u8> {
        if self.class64 {
            self.u64(v).to_vec()
        } else {
            self.u32(v as u32).to_vec()
        }
    }

    pub fn load(&mut self, vaddr: u64, memsz: u64, flags: u32, filesz: u64) -> &mut Self {
        self.loads.push(Load {
            vaddr,
            memsz,
            filesz,
            flags,
        });
        self
    }

    pub fn note(&mut self, owner: &[u8], n_type: u32, desc: Vec<u8>) -> &mut Self {
        self.notes.push((owner.to_vec(), n_type, desc));
        self
    }

    /// `NT_PRSTATUS` with the thread id, `pr_cursig`, and SP and PC where this machine
    /// keeps them (x86-64, aarch64, i386, arm); other machines get zeros.
    pub fn prstatus(&mut self, tid: i32, cursig: i16, sp: u64, pc: u64) -> &mut Self {
        let (size, base, word, sp_i, pc_i) = match (self.machine, self.class64) {
            (EM_X86_64, true) => (336, 112, 8, 19, 16),
            (EM_AARCH64, true) => (392, 112, 8, 31, 32),
            (EM_386, false) => (144, 72, 4, 15, 12),
            (EM_ARM, false) => (148, 72, 4, 13, 15),
            (_, true) => (336, 112, 8, 0, 0),
            (_, false) => (144, 72, 4, 0, 0),
        };
        let mut d = vec![0u8; size];
        d[12..14].copy_from_slice(&self.u16(cursig as u16));
        let pid_at = if self.class64 { 32 } else { 24 };
        d[pid_at..pid_at + 4].copy_from_slice(&self.u32(tid as u32));
        if sp_i != pc_i {
            let sp_at = base + sp_i * word;
            let pc_at = base + pc_i * word;
            d[sp_at..sp_at + word].copy_from_slice(&self.word(sp));
            d[pc_at..pc_at + word].copy_from_slice(&self.word(pc));
        }
        self.note(b"CORE\0", NT_PRSTATUS, d)
    }

    /// `NT_PRPSINFO` (136 bytes on 64-bit machines, 124 on 32-bit ones).
    pub fn prpsinfo(&mut self, pid: i32, fname: &[u8], psargs: &[u8]) -> &mut Self {
        let size = if self.class64 { 136 } else { 124 };
        let mut d = vec![0u8; size];
        let pid_at = size - 112;
        d[pid_at..pid_at + 4].copy_from_slice(&self.u32(pid as u32));
        d[size - 96..size - 96 + fname.len().min(15)]
            .copy_from_slice(&fname[..fname.len().min(15)]);
        d[size - 80..size - 80 + psargs.len().min(79)]
            .copy_from_slice(&psargs[..psargs.len().min(79)]);
        self.note(b"CORE\0", NT_PRPSINFO, d)
    }

    /// `NT_SIGINFO`: signo, errno 0, code, and the union's first word.
    pub fn siginfo(&mut self, signo: i32, code: i32, addr: u64) -> &mut Self {
        let mut d = vec![0u8; 128];
        d[0..4].copy_from_slice(&self.u32(signo as u32));
        d[8..12].copy_from_slice(&self.u32(code as u32));
        let at = if self.class64 { 16 } else { 12 };
        let w = self.word(addr);
        d[at..at + w.len()].copy_from_slice(&w);
        self.note(b"CORE\0", NT_SIGINFO, d)
    }

    /// `NT_AUXV` from (type, value) pairs; `AT_NULL` is added.
    pub fn auxv(&mut self, entries: &[(u64, u64)]) -> &mut Self {
        let mut d = Vec::new();
        for &(k, v) in entries.iter().chain(&[(0, 0)]) {
            d.extend(self.word(k));
            d.extend(self.word(v));
        }
        self.note(b"CORE\0", NT_AUXV, d)
    }

    /// `NT_FILE` from (start, end, page offset, path).
    pub fn files(&mut self, page_size: u64, entries: &[(u64, u64, u64, &[u8])]) -> &mut Self {
        let mut d = self.word(entries.len() as u64);
        d.extend(self.word(page_size));
        for &(s, e, o, _) in entries {
            d.extend(self.word(s));
            d.extend(self.word(e));
            d.extend(self.word(o));
        }
        for &(_, _, _, name) in entries {
            d.extend_from_slice(name);
            d.push(0);
        }
        self.note(b"CORE\0", NT_FILE, d)
    }

    /// The note segment's bytes: each note padded to 4 bytes, as Linux writes them.
    pub fn note_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (owner, n_type, desc) in &self.notes {
            out.extend(self.u32(owner.len() as u32));
            out.extend(self.u32(desc.len() as u32));
            out.extend(self.u32(*n_type));
            out.extend_from_slice(owner);
            out.resize(out.len().next_multiple_of(4), 0);
            out.extend_from_slice(desc);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        out
    }

    /// Where the note segment starts in the file.
    pub fn notes_offset(&self) -> usize {
        let (eh, ph) = if self.class64 { (64, 56) } else { (52, 32) };
        eh + ph * (1 + self.loads.len())
    }

    /// The whole file: ELF header, program headers (the note segment first), notes,
    /// then each load's `filesz` bytes.
    pub fn build(&self) -> Vec<u8> {
        let (eh, ph) = if self.class64 {
            (64usize, 56usize)
        } else {
            (52, 32)
        };
        let notes = self.note_bytes();
        let notes_at = self.notes_offset();
        let mut data_at = (notes_at + notes.len()) as u64;
        let mut out = Vec::new();
        out.extend_from_slice(b"\x7fELF");
        out.push(if self.class64 { 2 } else { 1 });
        out.push(if self.big_endian { 2 } else { 1 });
        out.push(1);
        out.resize(16, 0);
        out.extend(self.u16(4)); // ET_CORE
        out.extend(self.u16(self.machine));
        out.extend(self.u32(1));
        out.extend(self.word(0)); // e_entry
        out.extend(self.word(eh as u64)); // e_phoff
        out.extend(self.word(0)); // e_shoff
        out.extend(self.u32(0));
        out.extend(self.u16(eh as u16));
        out.extend(self.u16(ph as u16));
        out.extend(self.u16(1 + self.loads.len() as u16));
        out.extend(self.u16(if self.class64 { 64 } else { 40 }));
        out.extend(self.u16(0));
        out.extend(self.u16(0));
        assert_eq!(out.len(), eh);
        let mut phdr = |p_type: u32,
                        flags: u32,
                        offset: u64,
                        vaddr: u64,
                        filesz: u64,
                        memsz: u64,
                        align: u64| {
            out.extend(self.u32(p_type));
            if self.class64 {
                out.extend(self.u32(flags));
                out.extend(self.u64(offset));
                out.extend(self.u64(vaddr));
                out.extend(self.u64(0));
                out.extend(self.u64(filesz));
                out.extend(self.u64(memsz));
                out.extend(self.u64(align));
            } else {
                out.extend(self.u32(offset as u32));
                out.extend(self.u32(vaddr as u32));
                out.extend(self.u32(0));
                out.extend(self.u32(filesz as u32));
                out.extend(self.u32(memsz as u32));
                out.extend(self.u32(flags));
                out.extend(self.u32(align as u32));
            }
        };
        phdr(4, PF_R, notes_at as u64, 0, notes.len() as u64, 0, 4);
        for l in &self.loads {
            phdr(
                1,
                l.flags,
                data_at,
                l.vaddr,
                l.filesz,
                l.memsz,
                self.load_align,
            );
            data_at += l.filesz;
        }
        out.extend_from_slice(&notes);
        let total: u64 = self.loads.iter().map(|l| l.filesz).sum();
        out.resize(out.len() + total as usize, 0xaa);
        out
    }
}
