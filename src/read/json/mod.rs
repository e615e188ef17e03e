//! Reading vasmap's own `--json` back (`--from FILE`, `diff`'s sides): every document of
//! a file (one per process), each region read as it comes. The format is documented in
//! `docs/json.md`; the writer is `crate::view::json`.
//!
//! Here: the document and its `regions` array, read one region at a time. The `process`
//! and `core` objects are read in `process.rs`, a region object in `region.rs`.

mod process;
mod region;

use std::fmt;
use std::io;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::model::{JSON_SCHEMA_VERSION as SCHEMA_VERSION, Region, Snapshot};

fn parse_hex(s: &str) -> Option<u64> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(h, 16).ok()
}

fn hex_field<E: de::Error>(s: &str, what: &str) -> Result<u64, E> {
    parse_hex(s).ok_or_else(|| E::custom(format!("{what} '{s}' is not a 0x hex number")))
}

fn parse_device(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((
        u32::from_str_radix(a, 16).ok()?,
        u32::from_str_radix(b, 16).ok()?,
    ))
}

use process::{CoreIn, ProcessIn};
use region::RegionIn;

/// Reads the `regions` array one region at a time into the snapshot.
struct RegionsSeed<'a> {
    regions: &'a mut Vec<Region>,
    names: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for RegionsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RegionsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of regions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<RegionIn>()? {
            let region = r.into_region(self.names)?;
            self.regions.push(region);
        }
        Ok(())
    }
}

/// A whole document read back into a [`Snapshot`].
struct SnapshotIn(Snapshot);

impl<'de> Deserialize<'de> for SnapshotIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SnapshotIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a vasmap JSON document (vasmap --json)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<SnapshotIn, A::Error> {
                let mut snap = Snapshot::default();
                let mut version = None;
                let mut process = None;
                let mut saw_regions = false;
                let mut source: Option<String> = None;
                let mut core = None;
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "schema_version" => {
                            let v: u32 = m.next_value()?;
                            if v != SCHEMA_VERSION {
                                return Err(de::Error::custom(format!(
                                    "schema_version {v} is not supported (this vasmap reads {SCHEMA_VERSION})"
                                )));
                            }
                            version = Some(v);
                        }
                        "process" => {
                            let p: ProcessIn = m.next_value()?;
                            process = Some(p.into_info()?);
                        }
                        "core" => {
                            let c: CoreIn = m.next_value()?;
                            core = Some(Box::new(c.into_facts()?));
                        }
                        "has_smaps" => snap.has_smaps = m.next_value()?,
                        "source" => source = Some(m.next_value::<String>()?),
                        "smaps_fields" => {
                            // Regions may have added names already: keep their ids valid.
                            let names: Vec<String> = m.next_value()?;
                            for n in names {
                                if !snap.smaps_fields.contains(&n) {
                                    snap.smaps_fields.push(n);
                                }
                            }
                        }
                        "regions" => {
                            saw_regions = true;
                            m.next_value_seed(RegionsSeed {
                                regions: &mut snap.regions,
                                names: &mut snap.smaps_fields,
                            })?;
                        }
                        _ => {
                            m.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                if version.is_none() {
                    return Err(de::Error::missing_field("schema_version"));
                }
                if !saw_regions {
                    return Err(de::Error::missing_field("regions"));
                }
                snap.process = process.ok_or_else(|| de::Error::missing_field("process"))?;
                // What the document says it was read from stays what it says, so that
                // `vasmap --from a.json --json` writes a.json again.
                snap.process.saved = source.as_deref() != Some("process");
                snap.process.core = core;
                Ok(SnapshotIn(snap))
            }
        }
        d.deserialize_map(V)
    }
}

/// Read an array of `vasmap --json` documents (`jq -s` writes one).
pub fn read_array(input: impl io::Read) -> Result<Vec<Snapshot>, serde_json::Error> {
    let docs: Vec<SnapshotIn> = serde_json::from_reader(input)?;
    Ok(docs.into_iter().map(|d| d.0).collect())
}

/// Read every document of a `vasmap --json` output (one per process), region by region.
pub fn read(input: impl io::Read) -> Result<Vec<Snapshot>, serde_json::Error> {
    let mut out = Vec::new();
    for doc in serde_json::Deserializer::from_reader(input).into_iter::<SnapshotIn>() {
        out.push(doc?.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Perms, ProcessInfo, SmapsRecord};
    use crate::read::parse::parse_smaps;
    use crate::view::{OutputFormat, ViewOptions, render};

    fn json_options() -> ViewOptions {
        ViewOptions {
            format: OutputFormat::Json,
            ..ViewOptions::default()
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let text = b"00400000-00401000 r-xp 00000000 fe:00 1 /bin/x\n\
Size:                  4 kB\n\
Rss:                   4 kB\n\
Private_Dirty:         0 kB\n\
VmFlags: rd ex mr mw me \n\
00401000-00402000 rw-p 00000000 00:00 0 /tmp/bad\xffname \\012nl\n\
Size:                  4 kB\n\
Rss:                   0 kB\n\
Private_Dirty:         8 kB\n\
VmFlags: rd wr mr mw me ac \n";
        let mut names = Vec::new();
        let mut regions = parse_smaps(text, &mut names).unwrap();
        regions[1].kind = Kind::ThreadStack { tid: 42 };
        let snap = Snapshot {
            process: ProcessInfo {
                pid: 7,
                cmdline: b"x \xfe".to_vec(),
                raw_cmdline: b"x\0\xfe\0".to_vec(),
                comm: b"x".to_vec(),
                start_stack: Some(0x401800),
                thread_sps: vec![(42, 0x401100)],
                exe_id: Some((0xfe, 0, 1)),
                exe_path: Some(b"/bin/x".to_vec()),
                stack_limit: None,
                core: None,
                saved: true,
            },
            regions,
            has_smaps: true,
            smaps_fields: names,
        };
        let mut buf = Vec::new();
        render(&snap, &json_options(), &mut buf).unwrap();
        let back = read(&buf[..]).unwrap();
        assert_eq!(back, vec![snap]);
    }

    fn any_kind() -> impl proptest::strategy::Strategy<Value = Kind> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Kind::Program),
            Just(Kind::Library),
            Just(Kind::Heap),
            Just(Kind::Anon),
            Just(Kind::Guard),
            Just(Kind::Reserved),
            Just(Kind::Vsyscall),
            (1i32..4_000_000).prop_map(|tid| Kind::ThreadStack { tid }),
            any::<u64>().prop_map(|shmid| Kind::SysvShm { shmid }),
        ]
    }

    proptest::proptest! {
        /// Any region (any name bytes, any figures) comes back from JSON exactly.
        #[test]
        fn any_snapshot_round_trips(
            raw in proptest::collection::vec(
                (any_kind(), proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                 proptest::option::of(proptest::collection::vec(proptest::num::u64::ANY, 0..4)),
                 proptest::num::u64::ANY, proptest::num::u64::ANY),
                0..6),
            cmd in proptest::collection::vec(proptest::num::u8::ANY, 0..20),
        ) {
            let names = vec!["Rss".to_string(), "Pss".to_string(), "Swap".to_string(), "X".to_string()];
            let mut start = 0u64;
            let mut regions = Vec::new();
            for (kind, name, figures, len, offset) in raw {
                let end = start.saturating_add(len % (1 << 40));
                // Names as the kernel writes them: never a raw newline, never a NUL.
                let name: Vec<u8> = name.into_iter().filter(|&b| b != b'\n' && b != 0).collect();
                let smaps = figures.map(|v| {
                    let mut rec = SmapsRecord::default();
                    for (i, x) in v.into_iter().enumerate() {
                        rec.fields.push((i as u16, x));
                        match i { 0 => rec.rss = x, 1 => rec.pss = x, 2 => rec.swap = x, _ => {} }
                    }
                    rec
                });
                regions.push(Region {
                    start, end, perms: Perms { read: true, write: len % 2 == 0, exec: len % 3 == 0, shared: len % 5 == 0 },
                    offset, dev_major: (len % 256) as u32, dev_minor: 1, inode: offset / 3,
                    name, kind, smaps, dumped: None, literal: Default::default(),
                });
                start = end;
            }
            let has_smaps = regions.iter().any(|r| r.smaps.is_some());
            let snap = Snapshot {
                process: ProcessInfo { pid: 9, cmdline: cmd.clone(), raw_cmdline: cmd, saved: true, ..Default::default() },
                regions,
                has_smaps,
                smaps_fields: names,
            };
            let mut buf = Vec::new();
            render(&snap, &json_options(), &mut buf).unwrap();
            let mut back = read(&buf[..]).unwrap();
            proptest::prop_assert_eq!(back.len(), 1);
            let mut back = back.remove(0);
            // Field names only referenced by no region are not needed to read it back.
            back.smaps_fields.truncate(snap.smaps_fields.len());
            proptest::prop_assert_eq!(back.regions, snap.regions);
            proptest::prop_assert_eq!(back.process, snap.process);
        }
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(read(&b"{\"schema_version\":99,\"regions\":[]}"[..]).is_err());
        assert!(read(&b"{\"regions\":[]}"[..]).is_err());
        assert!(read(&b"[1,2]"[..]).is_err());
    }
}
