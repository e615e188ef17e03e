//! `fork-cow`: copy-on-write, seen from both processes.
//!
//! vasmap fills 64 anonymous pages, forks, and has the child write half of them. The
//! child is a plain `fork()` of vasmap (no exec), so it shares every page with vasmap
//! until one of them writes. After the fork it runs only system calls on memory it
//! already has (a pipe, `getrusage`, the writes), as a forked child must; it measures its
//! own faults around the writes and sends them back on a pipe. vasmap reads the child's
//! smaps and pagemap from outside, which changes nothing in the child.
//!
//! The child dies with vasmap (`PR_SET_PDEATHSIG`), ends when its pipe ends, and is
//! reaped before the experiment ends.

use std::os::fd::{AsRawFd, OwnedFd};

use super::probe::Faults;
use super::report::{Figure, Step};
use super::sys::{
    isolated_hint, map_isolated_filled, page_faults, page_strip, pipe, read_exact, write_all,
};
use super::{Tour, TourError, errno, failed, failed_with, smaps_at};
use crate::read::proc::{ProcDir, ReadOptions};

const PAGES: u64 = 64;

/// The pipes' ends, as the child sees them: it reads `cmd`, writes `reply`, and closes
/// the two ends that are vasmap's (else its own copy of `cmd`'s write end would keep the
/// pipe from ever ending).
struct Ends {
    cmd: i32,
    reply: i32,
    not_mine: [i32; 2],
}

/// The child: wait for `w` (write one byte to each of the first `half` pages, then send
/// the faults that took) or anything else / the end of the pipe (exit).
fn child_main(parent: i32, ends: Ends, p: u64, half: u64, page: u64) -> ! {
    super::scratch::reset_signals();
    let Ends {
        cmd,
        reply,
        not_mine,
    } = ends;
    // SAFETY: only system calls on memory this process already has, then _exit.
    unsafe {
        libc::close(not_mine[0]);
        libc::close(not_mine[1]);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != parent {
            libc::_exit(0);
        }
        let mut b = 0u8;
        while libc::read(cmd, (&raw mut b).cast(), 1) == 1 && b == b'w' {
            let f0 = page_faults();
            for i in 0..half {
                std::ptr::write_volatile((p + i * page) as *mut u8, 2);
            }
            let f1 = page_faults();
            let mut out = [0u8; 16];
            out[..8].copy_from_slice(&f1.0.saturating_sub(f0.0).to_le_bytes());
            out[8..].copy_from_slice(&f1.1.saturating_sub(f0.1).to_le_bytes());
            write_all(reply, &out);
        }
        libc::_exit(0)
    }
}

/// Reaps the child on the way out, whatever happened: closing its pipe ends it.
struct Child {
    pid: i32,
    cmd: Option<OwnedFd>,
}

impl Child {
    fn wait(&mut self) -> bool {
        drop(self.cmd.take());
        if self.pid <= 0 {
            return false;
        }
        let mut status = 0;
        // SAFETY: waitpid on our own child.
        let r = unsafe { libc::waitpid(self.pid, &mut status, 0) };
        self.pid = 0;
        r > 0
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.wait();
    }
}

/// `fork-cow`: fill, fork, the child writes half, the child exits, vasmap writes all.
pub fn fork_cow(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let page = t.page;
    let len = (PAGES * page) as usize;
    let me = std::process::id() as i32;
    let hint = isolated_hint(&t.probe.snapshot()?);
    let m = t.probe.measure(|| map_isolated_filled(hint, len))?;
    let step = Step::measured(
        "map 64 pages and fill them",
        &[
            &format!("char *p = mmap((void *){hint:#x}, {len}, PROT_READ|PROT_WRITE,"),
            "    MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0);",
            "/* the address: far from any other mapping, so that none merges with it */",
            &format!("memset(p, 1, {len});"),
        ],
        &m,
    );
    let map = m.value.map_err(|source| TourError::Call {
        experiment: name,
        call: format!("mmap({hint:#x}, {len}, ...)"),
        source,
    })?;
    let p = map.addr;
    let rec = smaps_at(&m.after, p);
    let step = step
        .figure(Figure::addr("address", "p", p))
        .figure(Figure::count("private_dirty_kb", "vasmap's Private_Dirty", rec.private_dirty, "kB"))
        .why(format!(
            "{PAGES} pages, each written once: {} minor faults, {} kB resident, all of it Private_Dirty, vasmap's alone.",
            m.faults.minor, rec.rss
        ));
    t.emit(step)?;

    let pipes = pipe().and_then(|a| Ok((a, pipe()?)));
    let ((cmd_r, cmd_w), (reply_r, reply_w)) = pipes.map_err(|source| TourError::Call {
        experiment: name,
        call: "pipe2".to_string(),
        source,
    })?;
    let ends = Ends {
        cmd: cmd_r.as_raw_fd(),
        reply: reply_w.as_raw_fd(),
        not_mine: [cmd_w.as_raw_fd(), reply_r.as_raw_fd()],
    };
    let half = PAGES / 2;
    let m = t.probe.measure(|| {
        // SAFETY: vasmap has one thread here; the child runs child_main and never returns.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            child_main(me, ends, p, half, page);
        }
        (pid, errno())
    })?;
    if m.value.0 < 0 {
        return Err(failed_with(name, "fork()", m.value.1));
    }
    let mut child = Child {
        pid: m.value.0,
        cmd: Some(cmd_w),
    };
    drop((cmd_r, reply_w));
    t.child(child.pid);
    let dir = ProcDir::open(child.pid)?;
    let snap = |d: &ProcDir| {
        d.snapshot(ReadOptions {
            smaps: true,
            ..ReadOptions::default()
        })
    };
    let kid = snap(&dir)?;
    let structure = |s: &crate::model::Snapshot| crate::model::Snapshot {
        has_smaps: false,
        ..s.clone()
    };
    let (pa, ka) = (smaps_at(&m.after, p), smaps_at(&kid, p));
    let step = Step::between(
        "fork",
        &["pid_t pid = fork();"],
        (&structure(&m.after), &structure(&kid)),
        ("child", child.pid),
        ("vasmap", m.faults),
    )
    .figure(Figure::count("rows_parent", "rows in vasmap", m.after.regions.len() as u64, ""))
    .figure(Figure::count("rows_child", "rows in the child", kid.regions.len() as u64, ""))
    .figure(Figure::count("parent_shared_dirty_kb", "vasmap's Shared_Dirty in p", pa.shared_dirty, "kB"))
    .figure(Figure::count("child_shared_dirty_kb", "the child's Shared_Dirty in p", ka.shared_dirty, "kB"))
    .pages(page_strip(child.pid, "p in the child", p, len as u64, page))
    .why(format!(
        "fork gave the child (pid {}) a copy of vasmap's address space: {} rows, the same as vasmap's, at the same addresses (the address space above compares the child with vasmap). No page was copied: both page tables point to the same {PAGES} pages, now write-protected, and smaps counts them as Shared_Dirty in both ({} kB).",
        child.pid,
        kid.regions.len(),
        pa.shared_dirty
    ));
    t.emit(step)?;

    let before = snap(&dir)?;
    let wrote = child
        .cmd
        .as_ref()
        .is_some_and(|c| write_all(c.as_raw_fd(), b"w"));
    let mut answer = [0u8; 16];
    if !wrote || !read_exact(reply_r.as_raw_fd(), &mut answer) {
        return Err(failed(
            name,
            "the child's pipe",
            std::io::Error::other("the child ended before it answered"),
        ));
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&answer[i * 8..i * 8 + 8]);
        u64::from_le_bytes(w)
    };
    let after = snap(&dir)?;
    let parent = t.probe.snapshot()?;
    let faults = Faults {
        minor: word(0),
        major: word(1),
    };
    let (ka, pa) = (smaps_at(&after, p), smaps_at(&parent, p));
    let step = Step::between(
        "the child writes half the pages",
        &[&format!("/* in the child */ for (i = 0; i < {half}; i++) p[i * {page}] = 2;")],
        (&before, &after),
        ("child", child.pid),
        ("child", faults),
    )
    .figure(Figure::count("pages_written", "pages written by the child", half, "pages"))
    .figure(Figure::count("child_private_dirty_kb", "the child's Private_Dirty in p", ka.private_dirty, "kB"))
    .figure(Figure::count("child_shared_dirty_kb", "the child's Shared_Dirty in p", ka.shared_dirty, "kB"))
    .figure(Figure::count("parent_private_dirty_kb", "vasmap's Private_Dirty in p", pa.private_dirty, "kB"))
    .figure(Figure::count("parent_shared_dirty_kb", "vasmap's Shared_Dirty in p", pa.shared_dirty, "kB"))
    .pages(page_strip(child.pid, "p in the child", p, len as u64, page))
    .why(format!(
        "Each first write to a shared page faulted, and the kernel copied the page for the writer: copy-on-write, at least one fault a page written ({} minor faults for {half} pages; anonymous write faults are never done around). The child's written pages are its own now ({} kB Private_Dirty); the others are still shared with vasmap ({} kB Shared_Dirty). p's row and RSS did not change: only who owns which page.{}",
        faults.minor,
        ka.private_dirty,
        ka.shared_dirty,
        if faults.minor > half {
            format!(
                " The {} other faults are the child running code for the first time: fork copies no page table entries of file mappings without private copies (the program's and libc's code), which fault in again from the page cache when used: the RSS changes above.",
                faults.minor - half
            )
        } else {
            String::new()
        }
    ));
    t.emit(step)?;

    let m = t.probe.measure(|| child.wait())?;
    let pa = smaps_at(&m.after, p);
    let step = Step::measured("the child exits", &["/* in the child */ _exit(0);", "waitpid(pid, &status, 0);"], &m)
        .figure(Figure::count("parent_private_dirty_kb", "vasmap's Private_Dirty in p", pa.private_dirty, "kB"))
        .figure(Figure::count("parent_shared_dirty_kb", "vasmap's Shared_Dirty in p", pa.shared_dirty, "kB"))
        .why(format!(
            "The child's pages were freed with it, and vasmap's {PAGES} pages are mapped by vasmap alone again: {} kB Private_Dirty, {} kB shared.",
            pa.private_dirty, pa.shared_dirty
        ));
    t.emit(step)?;

    let m = t.probe.measure(|| {
        for i in 0..PAGES {
            // SAFETY: inside our own writable mapping.
            unsafe { std::ptr::write_volatile((p + i * page) as *mut u8, 3) };
        }
    })?;
    let pa = smaps_at(&m.after, p);
    let step = Step::measured(
        "vasmap writes every page",
        &[&format!("for (i = 0; i < {PAGES}; i++) p[i * {page}] = 3;")],
        &m,
    )
    .figure(Figure::count("pages_written", "pages written by vasmap", PAGES, "pages"))
    .figure(Figure::count("rss_kb", "vasmap's RSS in p", pa.rss, "kB"))
    .why(format!(
        "fork write-protected vasmap's own page table entries too, so each first write since took a fault ({} minor for {PAGES} pages). Each found the page mapped by vasmap alone and only made it writable again: no copy, RSS still {} kB.",
        m.faults.minor, pa.rss
    ));
    t.emit(step)?;
    drop(map);
    Ok(())
}
