//! `thread`: `pthread_create` with default attributes, as C does it, then a `malloc` in
//! the new thread, then `pthread_join`.
//!
//! The thread reports its own stack (`pthread_getattr_np`: where glibc put it, how big,
//! how big the guard) and waits on a pipe between steps, so that it sits in a system call
//! when vasmap is measured: that is when `/proc/PID/task/TID/syscall` gives its stack
//! pointer, and the stack is recognised as a thread's.

use std::os::fd::{AsRawFd, OwnedFd};

use super::report::{Figure, Step};
use super::{Tour, TourError, failed, failed_with, region_at};

/// What the thread tells vasmap about itself: its id, an address on its stack, and the
/// block it mallocs. (Not `pthread_getattr_np`: that mallocs, and would make the thread's
/// arena before the step that is about it.)
#[repr(C)]
struct Report {
    tid: i32,
    on_stack: u64,
    block: u64,
}

/// The thread's end of the two pipes, and where it writes its report.
struct Worker {
    /// It reads a byte from here before each thing it does.
    go: i32,
    /// It writes a byte here after each.
    done: i32,
    report: *mut Report,
}

fn read_byte(fd: i32) -> bool {
    super::sys::read_exact(fd, &mut [0u8])
}

fn write_byte(fd: i32) -> bool {
    super::sys::write_all(fd, &[1u8])
}

extern "C" fn worker(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: arg is the Worker that vasmap keeps alive until pthread_join returns.
    let w = unsafe { &*(arg as *const Worker) };
    let local = 0u8;
    // SAFETY: the report is the thread's to write until it writes `done`.
    unsafe {
        (*w.report).on_stack = std::hint::black_box(&local) as *const u8 as u64;
        (*w.report).tid = libc::gettid();
    }
    write_byte(w.done);
    if !read_byte(w.go) {
        return std::ptr::null_mut();
    }
    // SAFETY: malloc has no preconditions.
    let p = unsafe { libc::malloc(64) };
    // SAFETY: as above.
    unsafe { (*w.report).block = p as u64 };
    write_byte(w.done);
    read_byte(w.go);
    // SAFETY: p came from malloc in this thread.
    unsafe { libc::free(p) };
    std::ptr::null_mut()
}

/// Ends the thread on the way out, whatever happened: closing `go` makes its next read
/// return 0, and it returns; then it is joined.
struct Joiner {
    handle: Option<libc::pthread_t>,
    go: Option<OwnedFd>,
}

impl Drop for Joiner {
    fn drop(&mut self) {
        drop(self.go.take());
        if let Some(h) = self.handle.take() {
            // SAFETY: a thread created and not yet joined.
            unsafe { libc::pthread_join(h, std::ptr::null_mut()) };
        }
    }
}

fn pipe(name: &'static str) -> Result<(OwnedFd, OwnedFd), TourError> {
    super::sys::pipe().map_err(|source| TourError::Call {
        experiment: name,
        call: "pipe2".to_string(),
        source,
    })
}

/// `thread`: pthread_create, malloc in the thread, pthread_join.
pub fn thread(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let (go_r, go_w) = pipe(name)?;
    let (done_r, done_w) = pipe(name)?;
    let mut report = Box::new(Report {
        tid: 0,
        on_stack: 0,
        block: 0,
    });
    let w = Box::new(Worker {
        go: go_r.as_raw_fd(),
        done: done_w.as_raw_fd(),
        report: &raw mut *report,
    });
    let arg = (&*w as *const Worker).cast_mut().cast::<libc::c_void>();
    let mut handle: libc::pthread_t = 0;
    let m = t.probe.measure(|| {
        // SAFETY: default attributes; `worker` only uses `w`, which outlives the thread.
        let rc = unsafe { libc::pthread_create(&mut handle, std::ptr::null(), worker, arg) };
        (rc, rc == 0 && read_byte(done_r.as_raw_fd()))
    })?;
    let (rc, started) = m.value;
    if rc != 0 {
        // pthread_create returns its error rather than setting errno.
        return Err(failed_with(
            name,
            "pthread_create(&t, NULL, worker, NULL)",
            rc,
        ));
    }
    // From here on the thread uses `w` and `report`, declared before the joiner so that
    // they outlive it.
    let go = go_w.as_raw_fd();
    let mut joiner = Joiner {
        handle: Some(handle),
        go: Some(go_w),
    };
    if !started {
        return Err(failed(
            name,
            "pthread_create(&t, NULL, worker, NULL)",
            std::io::Error::other("the thread did not report that it started"),
        ));
    }
    let stack = region_at(&m.after, report.on_stack);
    let (lo, size) = stack.map_or((0, 0), |r| (r.start, r.size()));
    let guard = m
        .after
        .regions
        .iter()
        .find(|r| r.end == lo && !r.perms.read && !r.perms.write && !r.perms.exec);
    let guard_size = guard.map_or(0, |r| r.size());
    let limit = super::sys::stack_limit();
    let why = format!(
        "glibc's pthread_create mapped the new thread's stack: {} kB{}, and {}. Running off the end of the stack then faults at once instead of writing over whatever lies below. Only the pages the thread has touched are resident.",
        size / 1024,
        if limit == Some(size) {
            " (the default size is RLIMIT_STACK, `ulimit -s`)"
        } else {
            ""
        },
        if guard_size > 0 {
            format!(
                "right below it a guard of {} kB mapped with no access (---p)",
                guard_size / 1024
            )
        } else {
            "no guard row below it (this glibc guards the stack another way, or not at all)"
                .to_string()
        }
    );
    let step = Step::measured(
        "start a thread",
        &[
            "pthread_t t;",
            "pthread_create(&t, NULL, worker, NULL);   /* worker waits on a pipe */",
        ],
        &m,
    )
    .figure(Figure::count(
        "tid",
        "the thread's id",
        report.tid as u64,
        "",
    ))
    .figure(Figure::addr("stack_low", "lowest address of its stack", lo))
    .figure(Figure::count("stack_size", "stack size", size, "bytes"))
    .figure(Figure::addr("guard_low", "guard from", lo - guard_size))
    .figure(Figure::count(
        "guard_size",
        "guard size",
        guard_size,
        "bytes",
    ))
    .why(why);
    t.emit(step)?;

    let m = t
        .probe
        .measure(|| write_byte(go) && read_byte(done_r.as_raw_fd()))?;
    let block = report.block;
    let arena = region_at(&m.after, block);
    let new_arena = arena.is_some_and(|r| region_at(&m.before, r.start).is_none());
    let why = if new_arena {
        "The thread's first malloc made glibc give it an arena of its own, so that threads do not queue for one lock: glibc reserved 64 MiB aligned to 64 MiB with no access (HEAP_MAX_SIZE) and made its first part readable and writable. The ---p rest is room for that arena to grow into.".to_string()
    } else {
        "The block came from an arena that already existed (glibc keeps at most 8 per CPU and shares them out), so no row was added.".to_string()
    };
    let step = Step::measured(
        "malloc in the thread",
        &["/* in worker */ void *p = malloc(64);"],
        &m,
    )
    .figure(Figure::addr("block", "p (the thread's block)", block))
    .figure(Figure::addr(
        "arena",
        "start of the mapping holding p",
        arena.map_or(0, |r| r.start),
    ))
    .why(why);
    t.emit(step)?;

    let handle = joiner.handle.take();
    let m = t.probe.measure(|| {
        write_byte(go);
        // SAFETY: the thread was created above and is joined once (taken from the joiner).
        handle.map(|h| unsafe { libc::pthread_join(h, std::ptr::null_mut()) })
    })?;
    let stack_kept = region_at(&m.after, lo).is_some();
    let why = if stack_kept {
        "The thread has ended, but its stack is still mapped: glibc keeps the stacks of finished threads in a cache (up to 40 MiB) and hands them to the next pthread_create. Arenas are never unmapped either; the thread's freed block waits there for reuse."
    } else {
        "The thread has ended and glibc unmapped its stack (its stack cache was full); the arena stays, as arenas are never unmapped."
    };
    let step = Step::measured(
        "join it",
        &["/* worker frees p and returns */", "pthread_join(t, NULL);"],
        &m,
    )
    .why(why);
    t.emit(step)?;
    drop(joiner);
    drop(w);
    drop(report);
    Ok(())
}
