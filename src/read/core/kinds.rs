//! The kind of each mapping of a core dump, from what the core records and, where the
//! evidence is sound, from what it implies.
//!
//! A core names only file-backed mappings (`NT_FILE`); `[heap]`, `[stack]`, `[vdso]`
//! and the rest are bare addresses. What vasmap can still tell, and how sure it is:
//!
//! - **Files** are classified by [`crate::read::classify::kind_of`], as for a saved
//!   capture: device and inode are unknown (0) in a core, so a deleted `/memfd:`, SysV or
//!   `/dev/zero` name counts as shared memory on its name alone.
//! - **The program** is the file holding `AT_PHDR` (else `AT_ENTRY`), **the loader** the
//!   file holding `AT_BASE`, **the vdso** the mapping at `AT_SYSINFO_EHDR`, and
//!   `[vsyscall]` the fixed page at `0xffffffffff600000` of x86-64: recorded facts, not
//!   inferences.
//! - **The main stack** (inferred) is the anonymous mapping holding `AT_EXECFN` (else
//!   `AT_RANDOM`): the kernel writes the program's file name and 16 random bytes at the
//!   top of the initial stack (`create_elf_tables` in `fs/binfmt_elf.c`), which is the
//!   mapping the kernel calls `[stack]`. Only when the auxiliary vector lacks both does
//!   the main thread's stack pointer decide: a thread can run on another stack (a
//!   signal stack, a coroutine's), the initial stack cannot move.
//! - **Thread stacks** (inferred) are the anonymous mappings holding another thread's
//!   stack pointer, as for a live process, or lying right above the guard page that
//!   holds it (the thread overflowed its stack, which is how it crashed).
//! - **The heap** (inferred): the kernel puts the program break at the end of the
//!   program's last segment and, with `randomize_va_space=2`, moves it up by a random
//!   number of pages below 1 GiB (32 MiB for 32-bit processes; `arch_randomize_brk`).
//!   A core does not record where it put it. Between the program and the heap there is
//!   either nothing or the anonymous rest of the program's `.bss`, which starts exactly
//!   at the program's end. So the heap is the first anonymous writable mapping above the
//!   program, past such a `.bss` tail, when it starts less than the randomisation range
//!   above the program. Without randomisation the heap grows straight out of the `.bss`
//!   tail and the kernel shows the two as one `[heap]`; a core cannot tell that mapping
//!   from a `.bss` alone, and it stays anonymous.
//! - **vvar** (inferred): on x86 and aarch64 the kernel maps the vdso's data pages
//!   (`[vvar]`, `[vvar_vclock]`) right below the vdso: up to two read-only anonymous
//!   mappings ending where the vdso starts.
//!
//! Every inference sets `Dumped::kind_inferred`; `[stack]` and `[heap]` also get the
//! names the kernel gives them in `/proc/PID/maps`. What cannot be told stays anonymous.

use object::elf;

use super::notes::{Auxv, Thread};
use crate::model::{Kind, ProcessInfo, Region};

/// What the kinds are worked out from.
pub(super) struct Evidence<'a> {
    pub auxv: Auxv,
    /// The process id (`NT_PRPSINFO`), 0 when the core does not say.
    pub pid: i32,
    pub threads: &'a [Thread],
    pub machine: u16,
    pub class64: bool,
}

/// What classification found about the process.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub exe_path: Option<Vec<u8>>,
    /// An address in the main stack: pmap names the mapping holding it `[ stack ]`.
    pub start_stack: Option<u64>,
    /// (tid, stack pointer) of every thread but the main one.
    pub thread_sps: Vec<(i32, u64)>,
}

/// The start of x86-64's legacy vsyscall page (`VSYSCALL_ADDR`).
const VSYSCALL: u64 = 0xffff_ffff_ff60_0000;

/// The index of the region holding `addr` (regions sorted and disjoint).
fn index_at(regions: &[Region], addr: u64) -> Option<usize> {
    let i = regions.partition_point(|r| r.end <= addr);
    (i < regions.len() && regions[i].contains(addr)).then_some(i)
}

fn perms_known(r: &Region) -> bool {
    r.dumped.is_some_and(|d| d.perms_known)
}

fn set(r: &mut Region, kind: Kind, name: Option<&[u8]>, inferred: bool) {
    r.kind = kind;
    if let Some(name) = name {
        r.name = name.to_vec();
    }
    if let Some(d) = r.dumped.as_mut() {
        d.kind_inferred = inferred;
    }
}

/// The run of consecutive regions with the same name as region `i`.
fn same_file_run(regions: &[Region], i: usize) -> std::ops::Range<usize> {
    let name = &regions[i].name;
    let mut lo = i;
    while lo > 0 && regions[lo - 1].name == *name {
        lo -= 1;
    }
    let mut hi = i + 1;
    while hi < regions.len() && regions[hi].name == *name {
        hi += 1;
    }
    lo..hi
}

/// The file mapping holding `addr`, if there is one.
fn file_at(regions: &[Region], addr: Option<u64>) -> Option<usize> {
    addr.filter(|&a| a != 0)
        .and_then(|a| index_at(regions, a))
        .filter(|&i| !regions[i].name.is_empty())
}

/// Set the kind of every region of a core; regions are sorted and disjoint.
pub(super) fn classify_core(regions: &mut [Region], ev: &Evidence<'_>) -> Found {
    let mut found = Found::default();
    for r in regions.iter_mut() {
        r.kind = if !r.name.is_empty() {
            crate::read::classify::kind_of(r, &ProcessInfo::default())
        } else if r.dumped.is_some_and(|d| d.perms_known && d.read_known)
            && !r.perms.read
            && !r.perms.write
            && !r.perms.exec
        {
            Kind::no_access(r.size())
        } else {
            Kind::Anon
        };
    }
    let mut program_end = None;
    if let Some(i) = file_at(regions, ev.auxv.phdr).or_else(|| file_at(regions, ev.auxv.entry)) {
        let run = same_file_run(regions, i);
        found.exe_path = Some(regions[i].name.clone());
        program_end = Some(regions[run.end - 1].end);
        for r in &mut regions[run] {
            set(r, Kind::Program, None, false);
        }
    }
    if let Some(i) = file_at(regions, ev.auxv.base)
        && found.exe_path.as_ref() != Some(&regions[i].name)
    {
        let run = same_file_run(regions, i);
        for r in &mut regions[run] {
            set(r, Kind::Loader, None, false);
        }
    }
    name_kernel_pages(regions, ev);
    let main_sp = ev
        .threads
        .iter()
        .find(|t| ev.pid > 0 && t.tid == ev.pid)
        .and_then(|t| t.regs.map(|(sp, _)| sp));
    let stack = [ev.auxv.execfn, ev.auxv.random, main_sp]
        .into_iter()
        .flatten()
        .find_map(|a| {
            let i = index_at(regions, a)?;
            let r = &regions[i];
            (r.kind == Kind::Anon && r.perms.write && perms_known(r)).then_some((i, a))
        });
    if let Some((i, a)) = stack {
        set(&mut regions[i], Kind::Stack, Some(b"[stack]"), true);
        found.start_stack = Some(a);
    }
    for t in ev.threads.iter().filter(|t| ev.pid <= 0 || t.tid != ev.pid) {
        let Some((sp, _)) = t.regs else { continue };
        found.thread_sps.push((t.tid, sp));
        let Some(mut i) = index_at(regions, sp) else {
            continue;
        };
        // A stack pointer in a guard page: the thread overflowed the stack right above.
        if regions[i].kind == Kind::Guard
            && regions
                .get(i + 1)
                .is_some_and(|a| a.start == regions[i].end && a.perms.write)
        {
            i += 1;
        }
        if regions[i].kind == Kind::Anon && regions[i].name.is_empty() {
            set(
                &mut regions[i],
                Kind::ThreadStack { tid: t.tid },
                None,
                true,
            );
        }
    }
    if let Some(end) = program_end {
        find_heap(regions, end, ev.class64);
    }
    found
}

/// `[vdso]` at `AT_SYSINFO_EHDR`, the vvar pages below it, and x86-64's `[vsyscall]`.
fn name_kernel_pages(regions: &mut [Region], ev: &Evidence<'_>) {
    let machine = elf::Machine(ev.machine);
    if let Some(vdso) = ev.auxv.sysinfo_ehdr.filter(|&a| a != 0)
        && let Some(i) = index_at(regions, vdso)
        && regions[i].start == vdso
        && regions[i].name.is_empty()
    {
        set(&mut regions[i], Kind::Vdso, Some(b"[vdso]"), false);
        if matches!(machine, elf::EM_X86_64 | elf::EM_386 | elf::EM_AARCH64) {
            let mut below = i;
            for _ in 0..2 {
                let Some(j) = below.checked_sub(1) else { break };
                let r = &regions[j];
                let fits = r.end == regions[below].start
                    && r.name.is_empty()
                    && perms_known(r)
                    && !r.perms.write
                    && !r.perms.exec;
                if !fits {
                    break;
                }
                set(&mut regions[j], Kind::Vvar, None, true);
                below = j;
            }
        }
    }
    if machine == elf::EM_X86_64
        && ev.class64
        && let Some(i) = index_at(regions, VSYSCALL)
        && regions[i].start == VSYSCALL
        && regions[i].end == VSYSCALL + 0x1000
        && regions[i].name.is_empty()
    {
        set(&mut regions[i], Kind::Vsyscall, Some(b"[vsyscall]"), false);
    }
}

/// The heap, found as the module essay says: the first anonymous writable mapping above
/// the program (past an adjacent `.bss` tail), within the brk randomisation range.
fn find_heap(regions: &mut [Region], program_end: u64, class64: bool) {
    // arch_randomize_brk: randomize_page(mm->brk, SZ_1G) for 64-bit tasks, SZ_32M for
    // 32-bit ones (mm/util.c; arch/x86/kernel/process.c since Linux 6.9, 32 MiB before).
    let range: u64 = if class64 { 1 << 30 } else { 32 << 20 };
    let anon = |r: &Region| r.kind == Kind::Anon && r.name.is_empty();
    let mut i = regions.partition_point(|r| r.start < program_end);
    if regions
        .get(i)
        .is_some_and(|r| r.start == program_end && anon(r))
    {
        i += 1;
    }
    let Some(r) = regions.get(i) else { return };
    if anon(r) && perms_known(r) && r.perms.write && !r.perms.exec && r.start - program_end <= range
    {
        set(&mut regions[i], Kind::Heap, Some(b"[heap]"), true);
    }
}
