//! Streaming a live process region by region ([`ProcDir::visit_regions`]) gives the same
//! classified regions as a whole snapshot.

mod common;

use common::Awkward;
use vasmap::model::Region;
use vasmap::read::proc::{ProcDir, ReadOptions, SourceError, VisitError};

fn visit_all(dir: &ProcDir, smaps: bool) -> (Vec<Region>, Vec<String>) {
    let (info, task) = dir.prepare().unwrap();
    let mut out = Vec::new();
    let mut names = Vec::new();
    let n = dir
        .visit_regions(&info, task, smaps, |r, f| {
            out.push(r.clone());
            names = f.to_vec();
            Ok(())
        })
        .unwrap();
    assert_eq!(n, out.len());
    (out, names)
}

#[test]
fn visiting_equals_the_snapshot_on_an_awkward_process() {
    let Some(p) = Awkward::start() else { return };
    let dir = ProcDir::open(p.pid).unwrap();
    for smaps in [false, true] {
        let snap = dir.snapshot(ReadOptions { smaps }).unwrap();
        let (got, names) = visit_all(&dir, smaps);
        assert!(got.len() > 20);
        // Resident figures can move between two reads of a running process; the mappings
        // and their kinds cannot (awkward is idle).
        let strip = |v: &[Region]| -> Vec<(u64, u64, Vec<u8>, String)> {
            v.iter()
                .map(|r| (r.start, r.end, r.name.clone(), r.kind.describe()))
                .collect()
        };
        assert_eq!(strip(&got), strip(&snap.regions));
        assert_eq!(got.iter().all(|r| r.smaps.is_some()), smaps);
        if smaps {
            assert_eq!(names, snap.smaps_fields);
            assert!(got.iter().any(|r| r.kind.label() == "thread stack"));
        }
    }
}

#[test]
fn a_visitor_error_stops_the_visit() {
    let dir = ProcDir::myself().unwrap();
    let (info, task) = dir.prepare().unwrap();
    let mut seen = 0;
    let r = dir.visit_regions(&info, task, false, |_, _| {
        seen += 1;
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    });
    assert!(matches!(r, Err(VisitError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe));
    assert_eq!(seen, 1);
}

#[test]
fn a_kernel_thread_is_reported_as_one() {
    // kthreadd is pid 2 on Linux; where it is hidden (a container), skip.
    let Ok(dir) = ProcDir::open(2) else { return };
    let Ok((_, stat)) = dir.info() else { return };
    if stat.flags & 0x0020_0000 == 0 {
        return;
    }
    let r = dir.prepare();
    assert!(
        matches!(r, Err(SourceError::KernelThread { pid: 2, .. })),
        "{:?}",
        r.err()
    );
}
