//! `stack-growth`: recurse on vasmap's main thread until the frames take about 1 MiB, and
//! watch `[stack]` grow down; then do it again and watch nothing happen.
//!
//! Each frame holds a 4 KiB array that it writes at both ends, so that every page of the
//! descent is touched in order (Rust's stack probes touch each page of a large frame
//! too). The depth is kept well within `RLIMIT_STACK`: a quarter of the room left under
//! the limit at most.

use std::hint::black_box;

use super::report::{Figure, Step};
use super::{Tour, TourError};
use crate::model::Kind;

/// How far down the tour goes at most.
const TARGET: u64 = 1 << 20;

/// One frame of about 4 KiB; returns the lowest address reached below it.
#[inline(never)]
fn descend(depth: u32) -> u64 {
    let mut frame = [0u8; 4096];
    // Volatile writes at both ends: the compiler can neither drop the array nor the touch.
    // SAFETY: both indexes are inside the array.
    unsafe {
        std::ptr::write_volatile(frame.as_mut_ptr(), depth as u8);
        std::ptr::write_volatile(frame.as_mut_ptr().add(4095), 1);
    }
    let here = frame.as_ptr() as u64;
    let lowest = if depth > 1 {
        descend(black_box(depth - 1))
    } else {
        here
    };
    black_box(&frame);
    lowest.min(here)
}

/// The address of a local of the caller's frame: about where the stack pointer is.
#[inline(never)]
fn stack_here() -> u64 {
    let x = 0u8;
    black_box(&x) as *const u8 as u64
}

/// `stack-growth`: descend about 1 MiB, twice.
pub fn stack_growth(t: &mut Tour) -> Result<(), TourError> {
    let now = t.probe.snapshot()?;
    let stack = now.regions.iter().find(|r| r.kind == Kind::Stack);
    let size0 = stack.map_or(0, |r| r.size());
    let limit = super::sys::stack_limit();
    let room = limit.map_or(TARGET * 4, |l| l.saturating_sub(size0));
    let bytes = TARGET.min(room / 4);
    let depth = (bytes / 4096).max(1) as u32;

    for round in 0..2 {
        let m = t.probe.measure(|| {
            let top = stack_here();
            let low = descend(depth);
            (top, low)
        })?;
        let (top, low) = m.value;
        let reached = top.saturating_sub(low);
        let find = |s: &crate::model::Snapshot| {
            s.regions
                .iter()
                .find(|r| r.kind == Kind::Stack)
                .map_or((0, 0), |r| {
                    (r.size(), r.smaps.as_ref().map_or(0, |x| x.rss))
                })
        };
        let (s0, _) = find(&m.before);
        let (s1, rss1) = find(&m.after);
        let grown_pages = s1.saturating_sub(s0) / t.page;
        let limit_text = limit.map_or("unlimited".to_string(), |l| format!("{} kB", l / 1024));
        let why = if round == 0 && s1 > s0 {
            format!(
                "Each touch below the lowest page of [stack] faulted, and the kernel grew the mapping down to cover it (expand_stack): {} kB -> {} kB, {grown_pages} pages with {} minor faults, anonymous pages coming in one fault each. It grows only within RLIMIT_STACK ({limit_text}) and keeps a gap of stack_guard_gap (256 pages by default) above the mapping below.",
                s0 / 1024,
                s1 / 1024,
                m.faults.minor
            )
        } else if round == 0 {
            format!(
                "[stack] was already big enough for this descent ({} kB), so nothing grew; the pages touched for the first time still faulted in ({} minor faults).",
                s1 / 1024,
                m.faults.minor
            )
        } else {
            format!(
                "The same descent again: no row changed, {} minor faults. A stack never shrinks when functions return: its pages stay mapped and resident ({rss1} kB), ready for the next call that deep.",
                m.faults.minor
            )
        };
        let title = if round == 0 {
            "recurse 1 MiB deep"
        } else {
            "recurse as deep again"
        };
        let step = Step::measured(
            title,
            &[
                "void descend(int n) { char frame[4096]; frame[0] = frame[4095] = n; if (n > 1) descend(n - 1); }",
                &format!("descend({depth});"),
            ],
            &m,
        )
        .figure(Figure::count("depth_bytes", "how far down the frames went", reached, "bytes"))
        .figure(Figure::count("stack_before", "[stack] before", s0, "bytes"))
        .figure(Figure::count("stack_after", "[stack] after", s1, "bytes"))
        .figure(match limit {
            Some(l) => Figure::count("rlimit_stack", "RLIMIT_STACK (ulimit -s)", l, "bytes"),
            None => Figure::text("rlimit_stack", "RLIMIT_STACK (ulimit -s)", "unlimited".to_string()),
        })
        .why(why);
        t.emit(step)?;
    }
    Ok(())
}
