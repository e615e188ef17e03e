//! How the tour measures a step without becoming part of it.
//!
//! Reading `/proc/self/smaps` allocates: the parser's 128 KiB buffer, a region per
//! mapping, the names. glibc serves those from `[heap]` or, above its mmap threshold, from
//! new mappings, and a 128 KiB block freed after being mmapped even raises that threshold
//! (glibc `malloc/malloc.c`, `free`: the "dynamic mmap threshold"). A snapshot vasmap took
//! of itself would show its own reading as the step's doing.
//!
//! So the tour starts a helper first: vasmap itself again, `vasmap tour --measure-for
//! PID`, spawned with `posix_spawn` (which borrows vasmap's memory until the exec instead
//! of copying it, so no page of vasmap becomes copy-on-write). On a `c` on its stdin the
//! helper reads `/proc/PID/smaps` whole and keeps the text; on an `s` it sends everything
//! it kept. A measured step is then: `c` (wait for the helper's answer), the step, `c`
//! again, and only then `s` and the parsing. Between the two captures vasmap does nothing
//! but the step: a write and a read of one byte on a pipe touch no mapping. The page
//! faults are `getrusage(RUSAGE_SELF)` (every thread of vasmap) read right before and
//! right after the step.
//!
//! When the helper cannot start, vasmap measures itself and says that `[heap]` changes may
//! then include its own reading.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::model::Snapshot;
use crate::read::classify::classify;
use crate::read::parse::parse_smaps;
use crate::read::proc::{ProcDir, ReadOptions};

use super::TourError;

/// Minor and major page faults taken in a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    /// Faults served from memory (a page already cached, a zeroed page, a copy).
    pub minor: u64,
    /// Faults that waited for the disk.
    pub major: u64,
}

impl Faults {
    /// The faults from `a` to `b` (each a `(minor, major)` count so far).
    pub fn between(a: (u64, u64), b: (u64, u64)) -> Faults {
        Faults {
            minor: b.0.saturating_sub(a.0),
            major: b.1.saturating_sub(a.1),
        }
    }

    /// Minor plus major.
    pub fn total(&self) -> u64 {
        self.minor + self.major
    }
}

/// What one measured step gives: the address space before and after, the faults and the
/// time it took, and the step's own result.
pub struct Measured<T> {
    /// vasmap right before the step.
    pub before: Snapshot,
    /// vasmap right after it.
    pub after: Snapshot,
    /// The page faults the step took (every thread of vasmap).
    pub faults: Faults,
    /// How long the step took.
    pub elapsed: Duration,
    /// What the step returned.
    pub value: T,
    /// The "after" of the previous measured step, to tell what vasmap itself changed
    /// between the two.
    pub previous: Option<Snapshot>,
}

/// The helper process and its pipes.
struct Helper {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

/// Takes snapshots of vasmap around a step.
pub struct Probe {
    me: ProcDir,
    helper: Option<Helper>,
    /// Why there is no helper.
    no_helper: Option<String>,
    /// Captures taken in-process, when there is no helper.
    pending: Vec<Snapshot>,
    /// The last measured step's "after".
    last: Option<Snapshot>,
}

/// The most captures the helper keeps before they are fetched.
const MAX_KEPT: usize = 8;

/// The helper's side: answer `c` (capture) and `s` (send) for vasmap `pid`, its parent.
/// Ends when its stdin ends, or at once when `pid` is not its parent (it only serves the
/// vasmap that started it). Killed with its parent (`PR_SET_PDEATHSIG`).
pub fn serve(pid: i32) -> io::Result<()> {
    // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid have no memory arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    // SAFETY: as above.
    if unsafe { libc::getppid() } != pid {
        return Ok(());
    }
    let path = format!("/proc/{pid}/smaps");
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut kept: Vec<Result<Vec<u8>, String>> = Vec::new();
    stdout.write_all(b"r")?;
    stdout.flush()?;
    let mut byte = [0u8; 1];
    loop {
        match stdin.read(&mut byte) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        match byte[0] {
            b'c' if kept.len() < MAX_KEPT => {
                kept.push(std::fs::read(&path).map_err(|e| e.to_string()));
                stdout.write_all(b"k")?;
            }
            b'c' => stdout.write_all(b"e")?,
            b's' => {
                stdout.write_all(&(kept.len() as u32).to_le_bytes())?;
                for k in kept.drain(..) {
                    let (status, bytes) = match k {
                        Ok(b) => (0u8, b),
                        Err(e) => (1u8, e.into_bytes()),
                    };
                    stdout.write_all(&[status])?;
                    stdout.write_all(&(bytes.len() as u64).to_le_bytes())?;
                    stdout.write_all(&bytes)?;
                }
            }
            _ => stdout.write_all(b"?")?,
        }
        stdout.flush()?;
    }
}

/// The largest smaps text the helper's answer may claim (vasmap's own is ~100 kB; this is
/// the most any capture may be).
const MAX_TEXT: u64 = crate::read::saved::CAPTURE_LIMIT;

impl Probe {
    /// Open vasmap's `/proc` directory and start the helper (or say why not).
    pub fn start() -> Result<Probe, TourError> {
        let me = ProcDir::myself()?;
        // A hook for the tests of the in-process fallback.
        let spawned = if std::env::var_os("VASMAP_TOUR_NO_HELPER").is_some() {
            Err(io::Error::other("VASMAP_TOUR_NO_HELPER is set"))
        } else {
            Self::spawn_helper()
        };
        let (helper, no_helper) = match spawned {
            Ok(h) => (Some(h), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(Probe {
            me,
            helper,
            no_helper,
            pending: Vec::new(),
            last: None,
        })
    }

    fn spawn_helper() -> io::Result<Helper> {
        // `/proc/self/exe` is resolved by the new process before it runs anything: vasmap's
        // own program, even when its file was replaced since vasmap started.
        let mut child = Command::new("/proc/self/exe")
            .args(["tour", "--measure-for", &std::process::id().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("no pipes to the helper"));
        };
        let mut ready = [0u8; 1];
        if stdout.read_exact(&mut ready).is_err() || ready[0] != b'r' {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("the helper did not start"));
        }
        Ok(Helper {
            child,
            stdin,
            stdout,
        })
    }

    /// The helper's pid, if there is one.
    pub fn helper_pid(&self) -> Option<u32> {
        self.helper.as_ref().map(|h| h.child.id())
    }

    /// One sentence on how the steps are measured.
    pub fn describe(&self) -> String {
        let me = std::process::id();
        match (self.helper_pid(), &self.no_helper) {
            (Some(h), _) => format!(
                "vasmap is pid {me}. A helper (pid {h}) reads /proc/{me}/smaps right before and right after each step, so that vasmap itself does nothing in between but the step."
            ),
            (None, why) => format!(
                "vasmap is pid {me}. The measuring helper could not start ({}), so vasmap reads its own smaps: changes to [heap] and to anonymous mappings may include that reading.",
                why.as_deref().unwrap_or("unknown reason")
            ),
        }
    }

    fn helper_error(&self, why: String) -> TourError {
        TourError::Helper {
            pid: self.helper_pid().unwrap_or(0),
            parent: std::process::id(),
            why,
        }
    }

    /// Capture the address space now. With the helper, nothing is allocated here.
    fn capture(&mut self) -> Result<(), TourError> {
        let Some(h) = self.helper.as_mut() else {
            let snap = self.me.snapshot(ReadOptions {
                smaps: true,
                ..ReadOptions::default()
            })?;
            self.pending.push(snap);
            return Ok(());
        };
        let mut answer = [0u8; 1];
        let r = h
            .stdin
            .write_all(b"c")
            .and_then(|()| h.stdout.read_exact(&mut answer));
        match (r, answer[0]) {
            (Ok(()), b'k') => Ok(()),
            (Ok(()), other) => Err(self.helper_error(format!("it answered {other:#x}"))),
            (Err(e), _) => Err(self.helper_error(e.to_string())),
        }
    }

    /// Every capture since the last fetch, parsed and classified.
    fn fetch(&mut self) -> Result<Vec<Snapshot>, TourError> {
        if self.helper.is_none() {
            return Ok(std::mem::take(&mut self.pending));
        }
        let texts = self.fetch_texts()?;
        // The facts classification needs (the program, the stacks) are read now, after
        // the captures, where what vasmap allocates no longer matters.
        let (info, _) = self.me.prepare(ReadOptions {
            thread_stacks: true,
            ..ReadOptions::default()
        })?;
        let mut out = Vec::with_capacity(texts.len());
        for text in texts {
            let mut fields = Vec::new();
            let mut regions =
                parse_smaps(&text, &mut fields).map_err(|e| TourError::Parse(e.to_string()))?;
            classify(&mut regions, &info);
            out.push(Snapshot {
                process: info.clone(),
                regions,
                has_smaps: true,
                smaps_fields: fields,
            });
        }
        Ok(out)
    }

    fn fetch_texts(&mut self) -> Result<Vec<Vec<u8>>, TourError> {
        let Some(h) = self.helper.as_mut() else {
            return Ok(Vec::new());
        };
        let read = |h: &mut Helper| -> io::Result<Vec<Result<Vec<u8>, String>>> {
            h.stdin.write_all(b"s")?;
            let mut n = [0u8; 4];
            h.stdout.read_exact(&mut n)?;
            let n = u32::from_le_bytes(n) as usize;
            let mut texts = Vec::new();
            for _ in 0..n.min(MAX_KEPT) {
                let mut head = [0u8; 9];
                h.stdout.read_exact(&mut head)?;
                let mut len = [0u8; 8];
                len.copy_from_slice(&head[1..]);
                let len = u64::from_le_bytes(len);
                if len > MAX_TEXT {
                    return Err(io::Error::other(format!("it claims {len} bytes of smaps")));
                }
                let mut text = Vec::new();
                (&mut h.stdout).take(len).read_to_end(&mut text)?;
                if text.len() as u64 != len {
                    return Err(io::Error::other("its answer was cut short"));
                }
                texts.push(if head[0] == 0 {
                    Ok(text)
                } else {
                    Err(String::from_utf8_lossy(&text).into_owned())
                });
            }
            Ok(texts)
        };
        let texts = read(h).map_err(|e| self.helper_error(e.to_string()))?;
        texts
            .into_iter()
            .map(|t| t.map_err(|e| self.helper_error(format!("reading smaps: {e}"))))
            .collect()
    }

    /// A snapshot of vasmap now (no step).
    pub fn snapshot(&mut self) -> Result<Snapshot, TourError> {
        self.capture()?;
        self.fetch()?
            .pop()
            .ok_or_else(|| self.helper_error("it sent no capture".to_string()))
    }

    /// Run `step` between two captures; its faults are counted around it alone.
    pub fn measure<T>(&mut self, step: impl FnOnce() -> T) -> Result<Measured<T>, TourError> {
        self.capture()?;
        let f0 = super::sys::page_faults();
        let t0 = Instant::now();
        let value = step();
        let elapsed = t0.elapsed();
        let f1 = super::sys::page_faults();
        self.capture()?;
        let mut snaps = self.fetch()?;
        let (Some(after), Some(before)) = (snaps.pop(), snaps.pop()) else {
            return Err(self.helper_error("it sent fewer than two captures".to_string()));
        };
        let previous = self.last.replace(after.clone());
        Ok(Measured {
            before,
            after,
            faults: Faults::between(f0, f1),
            elapsed,
            value,
            previous,
        })
    }

    /// Stop the helper and reap it.
    pub fn finish(&mut self) -> Result<(), TourError> {
        if let Some(h) = self.helper.take() {
            let Helper {
                mut child,
                stdin,
                stdout,
            } = h;
            drop(stdin);
            drop(stdout);
            let _ = child.wait();
        }
        Ok(())
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some(h) = self.helper.as_mut() {
            let _ = h.child.kill();
            let _ = h.child.wait();
        }
    }
}
