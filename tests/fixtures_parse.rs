//! The parser and the classifier on real captures (tests/fixtures/kinds-awkward.*: the
//! maps and smaps of tests/support/awkward.c on Linux 6.18) and on hand-made lines for
//! names this kernel cannot produce (it has no CONFIG_ANON_VMA_NAME).

use vasmap::model::{Kind, ProcessInfo, Region};
use vasmap::read::classify::classify;
use vasmap::read::parse::{parse_any, parse_maps, parse_smaps};

const MAPS: &[u8] = include_bytes!("fixtures/kinds-awkward.maps");
const SMAPS: &[u8] = include_bytes!("fixtures/kinds-awkward.smaps");
const HANDMADE: &[u8] = include_bytes!("fixtures/handmade-kernel-names.maps");

/// The facts about the captured process, as /proc told them when it was captured.
fn awkward_info() -> ProcessInfo {
    ProcessInfo {
        pid: 8701,
        exe_id: Some((0xfe, 0, 5324921)),
        start_stack: Some(140735945579696),
        thread_sps: vec![(8703, 0x7efe3b67be90)],
        ..Default::default()
    }
}

fn by_suffix<'a>(regions: &'a [Region], suffix: &[u8]) -> &'a Region {
    regions
        .iter()
        .find(|r| r.name.ends_with(suffix))
        .unwrap_or_else(|| panic!("no region named *{}", String::from_utf8_lossy(suffix)))
}

#[test]
fn every_line_of_a_real_maps_file_parses() {
    let regions = parse_maps(MAPS).unwrap();
    assert_eq!(regions.len(), MAPS.iter().filter(|&&b| b == b'\n').count());
    assert!(regions.windows(2).all(|w| w[0].end <= w[1].start));
    assert_eq!(regions.iter().map(|r| r.size_kb()).sum::<u64>(), 10824);
}

#[test]
fn names_are_kept_byte_for_byte() {
    let regions = parse_maps(MAPS).unwrap();
    by_suffix(&regions, b"/two  spaces and trailing ");
    by_suffix(&regions, b"/new\\012line");
    by_suffix(&regions, b"/esc\x1b[31mred");
    by_suffix(&regions, b"/bad\xff\xfeutf8");
    by_suffix(&regions, "/rtl\u{202e}txt.exe".as_bytes());
    by_suffix(&regions, b"/back\\slash");
    let long = by_suffix(&regions, b"/long-name.txt");
    assert!(long.name.len() > 1900, "{}", long.name.len());
    let anon = regions.iter().find(|r| r.name.is_empty()).unwrap();
    assert_eq!(anon.inode, 0);
    assert_eq!(
        by_suffix(&regions, b"[vsyscall]").start,
        0xffff_ffff_ff60_0000
    );
    by_suffix(&regions, b"[vvar_vclock]");
}

#[test]
fn kinds_on_a_real_capture() {
    let mut regions = parse_maps(MAPS).unwrap();
    classify(&mut regions, &awkward_info());
    for (suffix, kind) in [
        (&b"/awkward-5302"[..], Kind::Program),
        (b"/libc.so.6", Kind::Library),
        (b"/libfake.so.1", Kind::Library),
        (b"/ld-linux-x86-64.so.2", Kind::Loader),
        (b"/tmp/aw/[heap]", Kind::File),
        (b"/deleted.txt (deleted)", Kind::DeletedFile),
        (b"/dev/zero (deleted)", Kind::SharedAnon),
        (b"/SYSV00000000 (deleted)", Kind::SysvShm { shmid: 11 }),
        (b"/memfd:vasmap-memfd (deleted)", Kind::Memfd),
        (b"[heap]", Kind::Heap),
        (b"[stack]", Kind::Stack),
        (b"[vdso]", Kind::Vdso),
        (b"[vvar]", Kind::Vvar),
        (b"[vvar_vclock]", Kind::Vvar),
        (b"[vsyscall]", Kind::Vsyscall),
    ] {
        assert_eq!(
            by_suffix(&regions, suffix).kind,
            kind,
            "{}",
            String::from_utf8_lossy(suffix)
        );
    }
    let at = |addr: u64| regions.iter().find(|r| r.start == addr).unwrap().kind;
    assert_eq!(at(0x7efe3ae7d000), Kind::ThreadStack { tid: 8703 });
    assert_eq!(at(0x7efe3ae7c000), Kind::Guard);
    assert_eq!(at(0x7efe3b685000), Kind::Anon);
    assert!(
        regions
            .iter()
            .find(|r| r.start == 0x7efe3b685000)
            .unwrap()
            .perms
            .is_wx()
    );
}

#[test]
fn smaps_capture_gives_the_same_regions_with_figures() {
    let maps = parse_maps(MAPS).unwrap();
    let mut names = Vec::new();
    let smaps = parse_smaps(SMAPS, &mut names).unwrap();
    assert_eq!(smaps.len(), maps.len());
    for (a, b) in maps.iter().zip(&smaps) {
        assert_eq!((a.start, a.end, &a.name), (b.start, b.end, &b.name));
        let s = b.smaps.as_ref().unwrap();
        assert!(s.has_vm_flags);
        assert_eq!(s.get(0), Some(b.size_kb()), "Size is the first field");
    }
    assert_eq!(names.first().map(String::as_str), Some("Size"));
    assert!(names.iter().any(|n| n == "THPeligible"));
    let heap = by_suffix(&smaps, b"[heap]").smaps.as_ref().unwrap();
    assert!(heap.rss > 0 && heap.private_dirty > 0);
    assert!(
        smaps
            .iter()
            .any(|r| r.smaps.as_ref().unwrap().vm_flags_string().contains("ex"))
    );
    // parse_any tells the two formats apart.
    assert!(parse_any(SMAPS, &mut Vec::new()).unwrap().1);
    assert!(!parse_any(MAPS, &mut Vec::new()).unwrap().1);
}

#[test]
fn kernel_names_this_kernel_cannot_make() {
    let mut regions = parse_maps(HANDMADE).unwrap();
    classify(&mut regions, &ProcessInfo::default());
    let kinds: Vec<Kind> = regions.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::NamedAnon,
            Kind::SharedAnon,
            Kind::Special,
            Kind::ThreadStack { tid: 4321 },
            Kind::Special
        ]
    );
    assert_eq!(regions[2].offset, 0x07ff_ffff_f000);
    assert_eq!(regions[0].name, b"[anon:vasmap test]");
}

#[test]
fn an_empty_file_has_no_regions() {
    assert!(parse_maps(b"").unwrap().is_empty());
    assert!(parse_smaps(b"", &mut Vec::new()).unwrap().is_empty());
}
