//! The words for regions that are not an ELF image's segments: files mapped as data,
//! anonymous memory, guard pages and reservations. Each is told from the region and its
//! neighbours, by the shapes that glibc, the kernel and language runtimes leave; where
//! the shape is all there is to go on, the words say "most likely".
//!
//! - A **glibc malloc arena** of a thread (not the main arena, which is `[heap]`):
//!   `new_heap` reserves `HEAP_MAX_SIZE` (64 MiB on 64-bit systems) aligned to its own
//!   size, with no access, and makes its start read-write as the arena grows. So: an
//!   `rw-p` mapping starting on a 64 MiB boundary, and right above it a `---p` one ending
//!   64 MiB after that start.
//! - An **alternate signal stack** (`sigaltstack`): a few pages of `rw-p` with one `---p`
//!   page right below, made with `MAP_STACK`. Rust's standard library makes one for every
//!   thread it starts, and for the main thread, so that a stack overflow is reported
//!   rather than a bare SIGSEGV. In vasmap's own process the kernel is asked
//!   (`sigaltstack`), so there the words are certain.

use crate::model::{Kind, Region};
use crate::view::pipeline::Neighbours;

pub const DELETED_WORDS: &str =
    "a file deleted after it was mapped: its pages stay until it is unmapped";

/// glibc's `HEAP_MAX_SIZE` on 64-bit systems (`2 * DEFAULT_MMAP_THRESHOLD_MAX`): what one
/// heap of a thread's malloc arena reserves.
pub const ARENA_HEAP_MAX: u64 = 64 << 20;

/// The largest stack the words call an alternate signal stack (`SIGSTKSZ` is 8 KiB; some
/// programs ask for 64 KiB, as `MINSIGSTKSZ` grows with the CPU's vector registers).
const SIGNAL_STACK_MAX: u64 = 256 * 1024;

/// Words for a mapping of a file that is not ELF code.
pub fn file_words(r: &Region) -> String {
    if let Some(words) = locale_words(r) {
        return words.to_string();
    }
    match (r.perms.shared, r.perms.write) {
        (true, true) => {
            "a file mapped shared (MAP_SHARED): writes reach the file and other processes"
        }
        (true, false) => {
            "a file mapped shared, read-only (MAP_SHARED, PROT_READ): the page cache's own \
             pages, so changes to the file show here at once"
        }
        (false, true) => "a file mapped private: writes stay in this process (copy-on-write)",
        (false, false) => "a file mapped private (MAP_PRIVATE): pages come from the page cache",
    }
    .to_string()
}

/// The files `setlocale` and `iconv` map: the locale's data, read-only and shared through
/// the page cache by every process that uses the same locale.
fn locale_words(r: &Region) -> Option<&'static str> {
    let name = r.name_bytes();
    let base = name.rsplit(|&b| b == b'/').next().unwrap_or(&name);
    let under = |dir: &[u8]| name.windows(dir.len()).any(|w| w == dir);
    Some(match base {
        b"locale-archive" => {
            "locale data (setlocale): every compiled locale in one file; the parts for the \
             chosen language are read from it"
        }
        b"gconv-modules.cache" => {
            "iconv's table of character-set converters (gconv-modules.cache), mapped when the \
             locale or a program converts text"
        }
        b"LC_CTYPE" => {
            "locale data (setlocale, LC_CTYPE): which bytes are letters, digits, \
                        upper or lower case, in this language's character set"
        }
        b"LC_COLLATE" => "locale data (setlocale, LC_COLLATE): how this language sorts text",
        b"LC_NUMERIC" => {
            "locale data (setlocale, LC_NUMERIC): how this language writes numbers: the \
             decimal point, the thousands separator"
        }
        b"LC_MONETARY" => {
            "locale data (setlocale, LC_MONETARY): how this language writes amounts of money"
        }
        b"SYS_LC_MESSAGES" => {
            "locale data (setlocale, LC_MESSAGES): how this language says yes and no"
        }
        b"LC_TIME" => "locale data (setlocale, LC_TIME): names of days and months, date formats",
        _ if base.starts_with(b"LC_") && under(b"/locale/") => {
            "locale data (setlocale): this language's conventions, one category per file"
        }
        _ if base.ends_with(b".mo") && under(b"/LC_MESSAGES/") => {
            "translated messages (a gettext catalog), read-only"
        }
        _ => return None,
    })
}

fn anon_no_access(r: &Region) -> bool {
    matches!(r.kind, Kind::Guard | Kind::Reserved)
}

/// True when `head` can begin a heap of a glibc malloc arena: read-write anonymous memory
/// at a multiple of [`ARENA_HEAP_MAX`]. Whether it does depends on the region above it
/// ([`arena_heap`]).
pub(crate) fn arena_head(head: &Region) -> bool {
    head.kind == Kind::Anon
        && head.perms.read
        && head.perms.write
        && head.start.is_multiple_of(ARENA_HEAP_MAX)
}

/// True when `head` (read-write) and `tail` (no access, right above) are one heap of a
/// glibc malloc arena.
pub(crate) fn arena_heap(head: &Region, tail: &Region) -> bool {
    arena_head(head)
        && anon_no_access(tail)
        && head.end == tail.start
        && tail.end.wrapping_sub(head.start) == ARENA_HEAP_MAX
}

/// True when `guard` (one page, no access) sits right below `stack` (a few read-write
/// pages): the shape of an alternate signal stack.
fn signal_stack(guard: &Region, stack: &Region) -> bool {
    guard.kind == Kind::Guard
        && guard.size() <= 16 * 1024
        && stack.kind == Kind::Anon
        && stack.perms.read
        && stack.perms.write
        && guard.end == stack.start
        && stack.size() <= SIGNAL_STACK_MAX
}

/// The start and size of the calling thread's alternate signal stack, if it has one.
fn own_signal_stack() -> Option<(u64, u64)> {
    let mut old = std::mem::MaybeUninit::<libc::stack_t>::zeroed();
    // SAFETY: with a null new stack, sigaltstack only writes the current one into `old`.
    let rc = unsafe { libc::sigaltstack(std::ptr::null(), old.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: sigaltstack returned 0, so it filled `old` in (and it was zeroed before).
    let old = unsafe { old.assume_init() };
    (old.ss_flags & libc::SS_DISABLE == 0).then_some((old.ss_sp as u64, old.ss_size as u64))
}

/// True when `stack` is vasmap's own alternate signal stack (only for `pid`, vasmap).
fn is_own_signal_stack(stack: &Region, pid: i32) -> bool {
    pid > 0
        && pid as u32 == std::process::id()
        && own_signal_stack().is_some_and(|(sp, _)| stack.contains(sp))
}

const RUST_SIGNAL_STACK: &str = "Rust's standard library sets one up for each thread so \
                                 that a stack overflow is reported, not a bare SIGSEGV";

/// Words for an anonymous read-write region whose shape says what it is; `None` for
/// anonymous memory with no telling shape.
pub fn anon_words(near: &dyn Neighbours, pid: i32) -> Option<String> {
    let r = near.at(0)?;
    if let Some(tail) = near.at(1)
        && arena_heap(r, tail)
    {
        return Some(format!(
            "a glibc malloc arena: malloc's blocks for threads other than the main one; {} \
             in use of the 64 MiB it reserved (HEAP_MAX_SIZE), the ---p mapping that \
             follows is the rest",
            human(r.size())
        ));
    }
    if let Some(guard) = near.at(-1)
        && signal_stack(guard, r)
    {
        return Some(if is_own_signal_stack(r, pid) {
            format!(
                "vasmap's alternate signal stack (sigaltstack), with its guard page below: \
                 {RUST_SIGNAL_STACK}"
            )
        } else {
            format!(
                "a small stack with a guard page below: most likely an alternate signal \
                 stack (sigaltstack); {RUST_SIGNAL_STACK}"
            )
        });
    }
    None
}

/// Words for an anonymous region with no access: a guard page (of which stack), the rest
/// of a malloc arena, or address space reserved for later.
pub fn no_access_words(near: &dyn Neighbours, pid: i32) -> String {
    let Some(r) = near.at(0) else {
        return String::new();
    };
    if let Some(next) = near.at(1)
        && next.start == r.end
    {
        if let Kind::ThreadStack { tid } = next.kind {
            return format!("guard page of thread {tid}'s stack: an overflow faults here");
        }
        if signal_stack(r, next) {
            return if is_own_signal_stack(next, pid) {
                "guard page of vasmap's alternate signal stack (the rw-p mapping that \
                 follows): an overflow of it faults here"
                    .to_string()
            } else {
                "guard page of a small stack (the rw-p mapping that follows): most likely \
                 an alternate signal stack (sigaltstack)"
                    .to_string()
            };
        }
    }
    if let Some(head) = near.at(-1)
        && arena_heap(head, r)
    {
        return format!(
            "the unused rest of a glibc malloc arena (the rw-p mapping before it): {} \
             kept with it, 64 MiB in all (HEAP_MAX_SIZE), opened up as the arena grows",
            human(r.size())
        );
    }
    if r.kind == Kind::Guard {
        "no access: a guard page (touching it crashes the program)".to_string()
    } else {
        format!(
            "no access: {} of address space reserved for later (a runtime's or allocator's \
             reservation; touching it crashes the program)",
            human(r.size())
        )
    }
}

fn human(bytes: u64) -> String {
    crate::view::layout::human_bytes(bytes)
}
