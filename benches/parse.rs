//! The parser alone, on generated text shaped like the /proc files of bench/mapper.c with
//! 60,000 mappings (run: `cargo bench --bench parse`). The whole-text parsers build an owned
//! `Vec<Region>`; the stream parses into one reused `Region`, as the streaming views do.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vasmap::model::Region;
use vasmap::read::parse::{RegionStream, parse_maps, parse_smaps};

const MAPPINGS: u64 = 60_000;

/// The fields of a record, in the order Linux 6.18 prints them.
const FIELDS: &[&str] = &[
    "Size",
    "KernelPageSize",
    "MMUPageSize",
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Referenced",
    "Anonymous",
    "KSM",
    "LazyFree",
    "AnonHugePages",
    "ShmemPmdMapped",
    "FilePmdMapped",
    "Shared_Hugetlb",
    "Private_Hugetlb",
    "Swap",
    "SwapPss",
    "Locked",
];

/// One maps line per mapping (with `smaps`, followed by its record): one page each, a
/// page apart, permissions cycling, every fourth backed by a file, every third touched.
fn generate(smaps: bool) -> Vec<u8> {
    use std::fmt::Write;
    let mut s = String::new();
    for i in 0..MAPPINGS {
        let start = 0x2000_0000_0000u64 + i * 0x2000;
        let perms = ["r--p", "rw-p", "r-xp", "rw-p"][(i % 4) as usize];
        if i % 4 == 0 {
            let _ = writeln!(
                s,
                "{start:x}-{:x} {perms} {:08x} fe:00 5324921                    /tmp/vasmap-bench-x1y2z3/mapped-file.bin",
                start + 0x1000,
                (i / 4 % 64) * 0x1000
            );
        } else {
            let _ = writeln!(
                s,
                "{start:x}-{:x} {perms} 00000000 00:00 0 ",
                start + 0x1000
            );
        }
        if smaps {
            let touched = i % 3 == 0;
            for f in FIELDS {
                let v = match *f {
                    "Size" | "KernelPageSize" | "MMUPageSize" => 4,
                    "Rss" | "Pss" | "Referenced" if touched => 4,
                    "Private_Dirty" | "Anonymous" | "Pss_Dirty" if touched && i % 2 == 1 => 4,
                    _ => 0,
                };
                let _ = writeln!(s, "{:<16}{v:>8} kB", format!("{f}:"));
            }
            let _ = writeln!(s, "THPeligible:           0");
            let flags = [
                "rd mr mw me",
                "rd wr mr mw me ac",
                "rd ex mr mw me",
                "rd wr mr mw me ac",
            ];
            let _ = writeln!(s, "VmFlags: {} ", flags[(i % 4) as usize]);
        }
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let maps = generate(false);
    let smaps = generate(true);

    let mut g = c.benchmark_group("maps 60000");
    g.throughput(Throughput::Bytes(maps.len() as u64));
    g.sample_size(20);
    g.bench_function("parse_maps (owned Vec<Region>)", |b| {
        b.iter(|| parse_maps(black_box(&maps)).map(|v| v.len()))
    });
    g.bench_function("RegionStream::maps (one reused Region)", |b| {
        b.iter(|| {
            let mut s = RegionStream::maps(black_box(&maps[..]));
            let mut r = Region::blank();
            let mut n = 0u64;
            while let Ok(true) = s.next_into(&mut r) {
                n += r.size_kb();
            }
            n
        })
    });
    g.finish();

    let mut g = c.benchmark_group("smaps 60000");
    g.throughput(Throughput::Bytes(smaps.len() as u64));
    g.sample_size(10);
    g.bench_function("parse_smaps (owned Vec<Region>)", |b| {
        b.iter(|| {
            let mut names = Vec::new();
            parse_smaps(black_box(&smaps), &mut names).map(|v| v.len())
        })
    });
    g.bench_function("RegionStream::smaps (one reused Region)", |b| {
        b.iter(|| {
            let mut s = RegionStream::smaps(black_box(&smaps[..]));
            let mut r = Region::blank();
            let mut n = 0u64;
            while let Ok(true) = s.next_into(&mut r) {
                n += r.rss_kb();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
