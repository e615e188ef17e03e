//! Reading a live process region by region ([`LiveRegions`]) gives the same classified
//! regions as a whole snapshot, and the pipeline stops at the first error of its output.

mod common;

use common::Awkward;
use vasmap::model::Region;
use vasmap::read::RegionSource;
use vasmap::read::proc::{ProcDir, ReadOptions, SourceError};

fn read_all(dir: &ProcDir, smaps: bool) -> (Vec<Region>, Vec<String>) {
    let opts = ReadOptions {
        smaps,
        thread_stacks: true,
        ..ReadOptions::default()
    };
    let (info, task) = dir.prepare(opts).unwrap();
    let mut src = dir.regions(&info, task, smaps).unwrap();
    let mut out = Vec::new();
    while src.advance().unwrap() {
        out.push(src.region().clone());
    }
    (out, src.field_names().to_vec())
}

#[test]
fn streaming_equals_the_snapshot_on_an_awkward_process() {
    let Some(p) = Awkward::start() else { return };
    let dir = ProcDir::open(p.pid).unwrap();
    for smaps in [false, true] {
        let snap = dir
            .snapshot(ReadOptions {
                smaps,
                ..ReadOptions::default()
            })
            .unwrap();
        let (got, names) = read_all(&dir, smaps);
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

/// A writer that fails every write.
struct Closed;
impl std::io::Write for Closed {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_output_error_stops_the_pipeline() {
    use vasmap::view::pipeline::{Plan, ShowError, show};
    use vasmap::view::{Head, OutputFormat, ViewOptions, make};
    let dir = ProcDir::myself().unwrap();
    let (info, task) = dir.prepare(ReadOptions::default()).unwrap();
    for format in [OutputFormat::Table, OutputFormat::Pmap, OutputFormat::Json] {
        let mut src = dir.regions(&info, task, false).unwrap();
        let head = Head {
            process: &info,
            has_smaps: false,
            notes: &[],
            live: None,
        };
        let opts = ViewOptions {
            format,
            ..ViewOptions::default()
        };
        let r = show(
            &mut src,
            &head,
            make(&opts).as_mut(),
            &Plan::default(),
            None,
            &mut Closed,
        );
        assert!(
            matches!(&r, Err(ShowError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe),
            "{format:?}: {r:?}"
        );
    }
}

#[test]
fn a_kernel_thread_is_reported_as_one() {
    // kthreadd is pid 2 on Linux; where it is hidden (a container), skip.
    let Ok(dir) = ProcDir::open(2) else { return };
    let Ok(stat) = dir.stat(None) else { return };
    if stat.flags & 0x0020_0000 == 0 {
        return;
    }
    let r = dir.prepare(ReadOptions::default());
    assert!(
        matches!(r, Err(SourceError::KernelThread { pid: 2, .. })),
        "{:?}",
        r.err()
    );
}
