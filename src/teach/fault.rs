//! What a crash was, in one line a person reads: the signal that ended a process whose
//! core vasmap shows ([`describe_signal`]), and where its fault address lies
//! ([`describe_fault`]): in no mapping just above address 0 (a NULL pointer plus an
//! offset), in a library's code, in the guard page under a thread's stack or the gap
//! under the main stack (a stack overflow), just past the end of a mapping (an overrun).
//!
//! It reads only the snapshot: the place comes from [`crate::view::lookup::locate`],
//! the names from [`crate::view::table::display_name`] (escaped), the signal from
//! [`CoreFacts`]. Signal numbers and `si_code` values are Linux's on x86, arm, aarch64,
//! riscv and powerpc (`include/uapi/asm-generic/signal.h`, `siginfo.h`); MIPS and SPARC
//! number some signals differently, so there the number is shown bare.

use crate::model::{CoreFacts, Kind, Region, Snapshot};
use crate::read::core::{SI_KERNEL, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};
use crate::view::lookup::{Place, locate};
use crate::view::table::display_name;

/// The lowest address a process may map by default (`vm.mmap_min_addr`, 64 KiB): a
/// fault below it is a NULL pointer, or one plus an offset.
const NULL_PAGE_END: u64 = 64 * 1024;

/// How far below the main stack a fault still reads as a stack overflow: the kernel's
/// `stack_guard_gap` (256 pages, 1 MiB with 4 KiB pages) plus one page.
const STACK_GAP: u64 = (256 + 1) * 4096;

/// The name of a Linux signal, `SIGSEGV` for 11.
pub fn signal_name(signo: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(signo)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| NAMES.get(i).copied())
}

/// What the kernel's `si_code` says about a fault signal.
fn code_meaning(signo: i32, code: i32) -> Option<&'static str> {
    Some(match (signo, code) {
        (SIGSEGV, 1) => "address not mapped, SEGV_MAPERR",
        (SIGSEGV, 2) => "the mapping does not allow the access, SEGV_ACCERR",
        (SIGSEGV, 3) => "outside the pointer's bounds, SEGV_BNDERR",
        (SIGSEGV, 4) => "protection key forbids it, SEGV_PKUERR",
        (SIGSEGV, 8 | 9) => "memory tag mismatch, SEGV_MTEAERR/SEGV_MTESERR",
        (SIGBUS, 1) => "misaligned address, BUS_ADRALN",
        (SIGBUS, 2) => "no such memory: past the end of a mapped file?, BUS_ADRERR",
        (SIGBUS, 3) => "hardware error, BUS_OBJERR",
        (SIGBUS, 4 | 5) => "memory failure, BUS_MCEERR",
        (SIGFPE, 1) => "integer divide by zero, FPE_INTDIV",
        (SIGFPE, 2) => "integer overflow, FPE_INTOVF",
        (SIGFPE, 3..=8) => "floating-point exception",
        (SIGILL, 1) => "illegal opcode, ILL_ILLOPC",
        (SIGILL, 5) => "privileged opcode, ILL_PRVOPC",
        (SIGILL, 2..=8) => "illegal instruction",
        (SIGTRAP, 1) => "breakpoint, TRAP_BRKPT",
        (SIGTRAP, 2) => "trace trap, TRAP_TRACE",
        _ => return None,
    })
}

/// True when the core's signal numbers are the generic Linux ones.
fn generic_signals(core: &CoreFacts) -> bool {
    !matches!(core.arch.as_str(), "mips" | "sparc64")
}

/// One line saying which signal ended the process and how: `SIGSEGV (address not
/// mapped, SEGV_MAPERR) at 0x1234`, `SIGABRT sent by pid 12 (uid 0) with kill()`, or for
/// a running process saved by gdb, that it did not crash. `None` when the core records
/// no signal.
pub fn describe_signal(core: &CoreFacts) -> Option<String> {
    let signo = core.signal?;
    let name = match signal_name(signo) {
        Some(n) if generic_signals(core) => n.to_string(),
        _ => format!("signal {signo}"),
    };
    let code = core.si_code.unwrap_or(0);
    if core.writer == "gdb" && signo == 19 {
        return Some(format!(
            "{name}: gdb stopped the process to save it (gcore); it did not crash"
        ));
    }
    if let Some(pid) = core.sender_pid {
        let how = match code {
            -6 => "tgkill() or tkill()",
            -1 => "sigqueue()",
            _ => "kill() or raise()",
        };
        let uid = core
            .sender_uid
            .map(|u| format!(" (uid {u})"))
            .unwrap_or_default();
        return Some(format!("{name} sent by pid {pid}{uid} with {how}"));
    }
    if code == SI_KERNEL && matches!(signo, SIGSEGV | SIGBUS) {
        let why = if core.arch == "x86-64" || core.arch == "i386" {
            ": on x86 a general protection fault, such as a non-canonical pointer"
        } else {
            ""
        };
        return Some(format!(
            "{name} from the kernel with no fault address (SI_KERNEL){why}"
        ));
    }
    let meaning = generic_signals(core)
        .then(|| code_meaning(signo, code))
        .flatten()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let at = core
        .fault_addr
        .map(|a| format!(" at {a:#x}"))
        .unwrap_or_default();
    Some(format!("{name}{meaning}{at}"))
}

/// `4.6 KiB`: a distance in bytes, for people.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return if n == 1 {
            "1 byte".to_string()
        } else {
            format!("{n} bytes")
        };
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `r-xp`, with what the core does not record left out (`r-x` when shared or private is
/// unknown) or marked `?` (gdb's read bit).
fn perms(r: &Region) -> String {
    let Some(d) = r.dumped else {
        return r.perms.to_maps_string();
    };
    if !d.perms_known {
        return "permissions not recorded".to_string();
    }
    let m = r.perms.as_maps();
    let read = if d.read_known { m[0] as char } else { '?' };
    let mut s = format!("{read}{}{}", m[1] as char, m[2] as char);
    if d.shared_known {
        s.push(m[3] as char);
    }
    s
}

/// `libc.so.6 (r-xp)`, or `the thread stack (tid 12) (rw-p)` for a mapping with no name.
fn mapping(r: &Region) -> String {
    let name = display_name(r, false);
    let inferred = if r.dumped.is_some_and(|d| d.kind_inferred) {
        ", inferred"
    } else {
        ""
    };
    if name.is_empty() {
        format!("the {} mapping ({}{inferred})", r.kind.describe(), perms(r))
    } else {
        format!("{name} ({}{inferred})", perms(r))
    }
}

fn is_stack(r: &Region) -> bool {
    matches!(r.kind, Kind::Stack | Kind::ThreadStack { .. })
}

/// A mapping that can be a guard page: no name, not writable, not executable, and not
/// readable as far as the core says.
fn guard_like(r: &Region) -> bool {
    r.name.is_empty()
        && r.dumped.is_none_or(|d| d.perms_known)
        && !r.perms.write
        && !r.perms.exec
        && (!r.perms.read || r.dumped.is_some_and(|d| !d.read_known))
}

/// One line saying where the fault address of a core lies, or `None` when the core
/// records none (a signal sent with `kill`, `abort()`, a fault the kernel gives no
/// address for).
pub fn describe_fault(snap: &Snapshot) -> Option<String> {
    let core = snap.process.core.as_deref()?;
    let addr = core.fault_addr?;
    let regions = &snap.regions;
    let page = core.page_size.filter(|&p| p > 0).unwrap_or(4096);
    let head = format!("the fault address {addr:#x}");
    Some(match locate(snap, addr) {
        Place::Inside { index, offset } => {
            let r = &regions[index];
            if let Some(next) = regions.get(index + 1)
                && guard_like(r)
                && next.start == r.end
                && is_stack(next)
            {
                return Some(format!(
                    "{head} is in the guard page below {}: a stack overflow",
                    mapping(next)
                ));
            }
            let mut s = format!("{head} is in {}, {offset:#x} into the mapping", mapping(r));
            if r.is_path() {
                s.push_str(&format!(
                    ", file offset {:#x}",
                    r.offset.saturating_add(offset)
                ));
            }
            if core.signal == Some(SIGSEGV) && core.si_code == Some(2) {
                s.push_str(": the mapping does not allow that access");
            }
            s
        }
        Place::Gap { below, above } => {
            let below = below.map(|i| &regions[i]);
            let above = above.map(|i| &regions[i]);
            if addr < NULL_PAGE_END {
                if addr == 0 {
                    return Some(format!("{head} is 0: a NULL pointer"));
                }
                return Some(format!(
                    "{head} is in no mapping: {} above address 0 — a NULL pointer plus an offset",
                    human_bytes(addr)
                ));
            }
            if let Some(a) = above
                && a.kind == Kind::Stack
                && a.start - addr <= STACK_GAP
            {
                return Some(format!(
                    "{head} is in no mapping: {} below the start of {}: a stack overflow (the \
                     stack could not grow any further)",
                    human_bytes(a.start - addr),
                    mapping(a)
                ));
            }
            if let Some(b) = below
                && addr - b.end < page
            {
                return Some(format!(
                    "{head} is in no mapping: {} beyond the last byte of {}: an access just \
                     past the end of a mapping (an overrun?)",
                    human_bytes(addr - b.end + 1),
                    mapping(b)
                ));
            }
            if let Some(a) = above
                && a.start - addr <= page
            {
                return Some(format!(
                    "{head} is in no mapping: {} before the start of {}",
                    human_bytes(a.start - addr),
                    mapping(a)
                ));
            }
            if addr >= 1 << 63 {
                return Some(format!(
                    "{head} is in the top half of the address space, which belongs to the \
                     kernel: a corrupted pointer?"
                ));
            }
            match (below, above) {
                (Some(b), Some(a)) => format!(
                    "{head} is in no mapping: in the {} gap between {} and {}",
                    human_bytes(a.start - b.end),
                    mapping(b),
                    mapping(a)
                ),
                (Some(b), None) => format!(
                    "{head} is in no mapping: {} above the end of the last one, {}",
                    human_bytes(addr - b.end + 1),
                    mapping(b)
                ),
                (None, Some(a)) => format!(
                    "{head} is in no mapping: {} below the first one, {}",
                    human_bytes(a.start - addr),
                    mapping(a)
                ),
                (None, None) => format!("{head} is in no mapping: the core records none"),
            }
        }
    })
}
