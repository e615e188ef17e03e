//! Issue 11.9: one huge name costs time in proportion to its length, in every view.
//!
//! A capture whose one file name is 4 MiB must take at most twice 8 × what one of
//! 512 KiB takes: linear is 8× (less, with vasmap's fixed start-up), quadratic 64×. The
//! cost is counted in instructions (`perf stat -e instructions:u`) where the machine has
//! hardware counters, else in the CPU time the kernel charged the child (`wait4`'s
//! rusage, user + system; the best of two runs), which other work on the machine does not
//! inflate as it does wall time. Both sizes are measured in the same run, so the ratio
//! does not depend on how fast the machine is. (The table took 0.12, 0.39, 1.35 and
//! 5.06 s for 1, 2, 4 and 8 MiB names, `--summary` 0.03 to 0.98 s for 1 to 8 MiB.)

use std::path::Path;
use std::process::{Command, Stdio};

/// A smaps capture with one mapping of a file whose name is `/tmp/` and `len` `a`s, and
/// one anonymous mapping.
fn capture(dir: &Path, len: usize) -> std::path::PathBuf {
    let name = format!("/tmp/{}", "a".repeat(len));
    let fields = "Size:                  4 kB\nRss:                   4 kB\nPss:                   4 kB\n\
                  Private_Clean:         4 kB\nSwap:                  0 kB\nVmFlags: rd mr mw me\n";
    let text = format!(
        "7f0000000000-7f0000001000 r--p 00000000 fe:00 12 {name}\n{fields}\
         7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n{fields}"
    );
    let path = dir.join(format!("n{len}.smaps"));
    std::fs::write(&path, text).unwrap();
    path
}

/// How a run's cost is counted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Meter {
    Instructions,
    CpuTime,
}

/// Instructions when `perf stat` can count them here, else CPU time.
fn meter() -> Meter {
    let counted = Command::new("perf")
        .args(["stat", "-x,", "-e", "instructions:u", "--", "true"])
        .stdout(Stdio::null())
        .output()
        .is_ok_and(|o| {
            let err = String::from_utf8_lossy(&o.stderr);
            o.status.success() && !err.contains("not supported") && !err.contains("not counted")
        });
    if counted {
        Meter::Instructions
    } else {
        eprintln!("note: no hardware counters for perf here: measuring CPU time instead");
        Meter::CpuTime
    }
}

/// The cost of one run of `vasmap ARGS`, by `meter`.
fn cost(meter: Meter, args: &[&std::ffi::OsStr]) -> f64 {
    let bin = env!("CARGO_BIN_EXE_vasmap");
    match meter {
        Meter::Instructions => {
            let out = Command::new("perf")
                .args(["stat", "-x,", "-e", "instructions:u", "--", bin])
                .args(args)
                .stdout(Stdio::null())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            let line = err.lines().find(|l| l.contains("instructions")).unwrap();
            line.split(',').next().unwrap().parse().unwrap()
        }
        Meter::CpuTime => {
            // Reaped by wait4 below, which gives its rusage (std's wait does not).
            #[allow(clippy::zombie_processes)]
            let child = Command::new(bin)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let id = child.id() as i32;
            // A quadratic view takes minutes on the large name: stop it after LIMIT (its
            // cost then counts as LIMIT, which fails the ratio).
            let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let watch = {
                let done = std::sync::Arc::clone(&done);
                std::thread::spawn(move || {
                    let start = std::time::Instant::now();
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        if start.elapsed() > LIMIT {
                            // SAFETY: our own child, not yet waited for.
                            unsafe { libc::kill(id, libc::SIGKILL) };
                            return true;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    false
                })
            };
            let mut status = 0;
            // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: waits for our own child, once; std's Child is not waited on again.
            let pid = unsafe { libc::wait4(id, &mut status, 0, &mut usage) };
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            let killed = watch.join().unwrap();
            assert_eq!(pid, id);
            if killed {
                return LIMIT.as_secs_f64();
            }
            assert_eq!(status, 0, "vasmap {args:?} failed");
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            secs(usage.ru_utime) + secs(usage.ru_stime)
        }
    }
}

/// The longest a run may take before it is stopped (a debug build runs a 4 MiB name
/// through any view in under a second here).
const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The cheaper of two runs.
fn best(meter: Meter, args: &[&std::ffi::OsStr]) -> f64 {
    let first = cost(meter, args);
    if first >= LIMIT.as_secs_f64() {
        return first;
    }
    first.min(cost(meter, args))
}

#[test]
fn one_huge_name_costs_linear_time_in_every_view() {
    let dir = tempfile::tempdir().unwrap();
    let small = capture(dir.path(), 512 << 10);
    let large = capture(dir.path(), 4 << 20);
    let meter = meter();
    let views: &[&[&str]] = &[
        &[],
        &["-p"],
        &["-x"],
        &["-XX"],
        &["-d"],
        &["--width", "100"],
        &["--color", "always"],
        &["--explain"],
        &["--sort", "size"],
        &["--name", "aaa"],
        &["--addr", "7f0000000010"],
        &["--json"],
        &["-o", "csv"],
        &["--summary"],
        &["--summary", "--width", "100"],
        &["--totals"],
        &["--pmap"],
        &["--pmap", "-x"],
        &["--pmap", "-XX"],
        &["--pmap", "-d", "-p"],
        &["layout"],
        &["layout", "--svg", "-"],
        &["diff"],
    ];
    let mut slow = Vec::new();
    for flags in views {
        let args = |file: &Path| -> Vec<std::ffi::OsString> {
            let mut a: Vec<std::ffi::OsString> = flags.iter().map(Into::into).collect();
            match flags.first() {
                Some(&"layout") => a.insert(1, file.into()),
                Some(&"diff") => a.extend([file.into(), file.into()]),
                _ => a.extend(["--from".into(), file.into()]),
            }
            a
        };
        let run = |file: &Path| {
            let a = args(file);
            let refs: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
            best(meter, &refs)
        };
        let (s, l) = (run(&small), run(&large));
        let ratio = l / s.max(1e-9);
        eprintln!("{flags:?}: {s:.3} -> {l:.3} ({ratio:.1}x, {meter:?})");
        // Linear is at most 8x; quadratic would be 64x. CPU times of a few
        // milliseconds are noisy: only a run that is also long counts. A run stopped
        // at LIMIT is slow whatever the ratio.
        let stopped = l >= LIMIT.as_secs_f64();
        if stopped || (ratio > 16.0 && (meter == Meter::Instructions || l > 0.05)) {
            slow.push(format!("{flags:?}: {ratio:.1}x"));
        }
    }
    assert!(slow.is_empty(), "not linear in the name's length: {slow:?}");
}
