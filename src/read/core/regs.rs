//! Where the thread id, the signal, the stack pointer and the program counter sit in an
//! `NT_PRSTATUS` note, per machine, and the signal numbers vasmap names.
//!
//! `struct elf_prstatus` (`include/linux/elfcore.h`) starts the same on every Linux
//! machine: `struct elf_siginfo` (three ints), `short pr_cursig`, `pr_sigpend` and
//! `pr_sighold` (longs), four `pid_t` (`pr_pid` first: the thread's id), four `struct
//! timeval` (two longs each), then `pr_reg`, the machine's general registers
//! (`elf_gregset_t`). So `pr_reg` is at byte 112 on 64-bit machines and 72 on 32-bit
//! ones; what differs is the order of the registers inside it. Machines not listed here
//! still give their threads' ids and signals; their registers are reported as unknown
//! rather than guessed.

use object::elf;

use super::elf::Layout;

/// The byte offset of `pr_pid` in `struct elf_prstatus`.
pub(super) fn pid_offset(layout: &Layout) -> usize {
    if layout.class64 { 32 } else { 24 }
}

/// The byte offset of `pr_cursig` (a `short`), after the three ints of `elf_siginfo`.
pub(super) const CURSIG_OFFSET: usize = 12;

/// Where the stack pointer and program counter are in a machine's `NT_PRSTATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RegLayout {
    /// Byte offset of the stack pointer in the note.
    pub sp: usize,
    /// Byte offset of the program counter in the note.
    pub pc: usize,
}

/// The register layout for this core's machine, if vasmap knows it.
pub(super) fn reg_layout(layout: &Layout) -> Option<RegLayout> {
    let (base, word) = if layout.class64 { (112, 8) } else { (72, 4) };
    // (index of the stack pointer, index of the program counter) in pr_reg.
    let (sp, pc) = match (elf::Machine(layout.machine), layout.class64) {
        // struct user_regs_struct (arch/x86/include/asm/user_64.h): r15 r14 r13 r12 bp bx
        // r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss fs_base gs_base ds es fs gs
        (elf::EM_X86_64, true) => (19, 16),
        // struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): regs[31] sp pc pstate
        (elf::EM_AARCH64, true) => (31, 32),
        // struct user_regs_struct (arch/riscv/include/uapi/asm/ptrace.h): pc ra sp gp ...
        (elf::EM_RISCV, true) => (2, 0),
        // struct user_regs_struct (arch/x86/include/asm/user_32.h): bx cx dx si di bp ax
        // ds es fs gs orig_ax ip cs flags sp ss
        (elf::EM_386, false) => (15, 12),
        // struct pt_regs uregs[18] (arch/arm/include/uapi/asm/ptrace.h): r13 is sp, r15 pc
        (elf::EM_ARM, false) => (13, 15),
        _ => return None,
    };
    Some(RegLayout {
        sp: base + sp * word,
        pc: base + pc * word,
    })
}

/// The signals that carry a fault address in `si_addr` (`include/uapi/asm-generic/
/// siginfo.h`), by their numbers on x86, arm, aarch64, riscv and powerpc. (Alpha, MIPS,
/// PA-RISC and SPARC number some signals differently; vasmap does not name them there.)
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGSEGV: i32 = 11;

/// `si_code` from the kernel with no signal-specific meaning (`SI_KERNEL`): on x86-64 a
/// general protection fault, such as a non-canonical pointer, and its `si_addr` is 0,
/// not the address at fault.
pub const SI_KERNEL: i32 = 0x80;

/// True when `si_addr` of a signal with this number and code is the faulting address:
/// one of the fault signals, with a code the kernel sets for a fault (positive and not
/// `SI_KERNEL`). A signal sent with `kill` (`si_code` 0 or below) carries the sender's
/// pid in the same place instead.
pub fn has_fault_addr(signo: i32, code: i32) -> bool {
    matches!(signo, SIGILL | SIGTRAP | SIGBUS | SIGFPE | SIGSEGV) && code > 0 && code < SI_KERNEL
}

/// True when the signal was sent by a process (`kill`, `tgkill`, `sigqueue`...), so
/// that `si_pid` and `si_uid` name the sender: `SI_USER` (0), `SI_QUEUE` (-1) and
/// `SI_TKILL` (-6).
pub fn has_sender(code: i32) -> bool {
    matches!(code, 0 | -1 | -6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(machine: object::elf::Machine, class64: bool) -> Layout {
        Layout {
            class64,
            endian: object::Endianness::Little,
            machine: machine.0,
        }
    }

    #[test]
    fn known_register_layouts() {
        assert_eq!(
            reg_layout(&layout(elf::EM_X86_64, true)),
            Some(RegLayout { sp: 264, pc: 240 })
        );
        assert_eq!(
            reg_layout(&layout(elf::EM_AARCH64, true)),
            Some(RegLayout { sp: 360, pc: 368 })
        );
        assert_eq!(
            reg_layout(&layout(elf::EM_386, false)),
            Some(RegLayout { sp: 132, pc: 120 })
        );
        // x32 has the x86-64 machine number in a 32-bit file, and another layout.
        assert_eq!(reg_layout(&layout(elf::EM_X86_64, false)), None);
        assert_eq!(reg_layout(&layout(elf::EM_PPC64, true)), None);
    }

    #[test]
    fn fault_addresses_only_from_faults() {
        assert!(has_fault_addr(SIGSEGV, 1));
        assert!(has_fault_addr(SIGBUS, 2));
        assert!(
            !has_fault_addr(SIGSEGV, 0),
            "kill -SEGV: si_addr is the sender"
        );
        assert!(
            !has_fault_addr(SIGSEGV, SI_KERNEL),
            "a GP fault has no address"
        );
        assert!(!has_fault_addr(6, 1), "SIGABRT carries no address");
        assert!(has_sender(0) && has_sender(-6) && !has_sender(1));
    }
}
