//! Reading vasmap's own `--json` back (`--from FILE`, `diff`'s sides): every document of
//! a file (one per process), each region read as it comes. The format is documented in
//! `docs/json.md`; the writer is `crate::view::json`.

use std::fmt;
use std::io;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::model::{
    JSON_SCHEMA_VERSION as SCHEMA_VERSION, Kind, NameLiteral, Perms, ProcessInfo, Region,
    SmapsRecord, Snapshot,
};

fn parse_hex(s: &str) -> Option<u64> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(h, 16).ok()
}

fn hex_field<E: de::Error>(s: &str, what: &str) -> Result<u64, E> {
    parse_hex(s).ok_or_else(|| E::custom(format!("{what} '{s}' is not a 0x hex number")))
}

#[derive(Deserialize)]
struct ThreadIn {
    tid: i32,
    sp: String,
}

#[derive(Deserialize)]
struct ProcessIn {
    pid: Option<i32>,
    cmdline: String,
    cmdline_bytes: Option<Vec<u8>>,
    #[serde(default)]
    cmdline_raw: String,
    cmdline_raw_bytes: Option<Vec<u8>>,
    #[serde(default)]
    comm: String,
    comm_bytes: Option<Vec<u8>>,
    exe: Option<String>,
    exe_bytes: Option<Vec<u8>>,
    exe_device: Option<String>,
    exe_inode: Option<u64>,
    start_stack: Option<String>,
    #[serde(default)]
    threads: Vec<ThreadIn>,
}

fn parse_device(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((
        u32::from_str_radix(a, 16).ok()?,
        u32::from_str_radix(b, 16).ok()?,
    ))
}

impl ProcessIn {
    fn into_info<E: de::Error>(self) -> Result<ProcessInfo, E> {
        let exe_id = match (self.exe_device, self.exe_inode) {
            (Some(d), Some(i)) => {
                let (a, b) = parse_device(&d)
                    .ok_or_else(|| E::custom(format!("exe_device '{d}' is not MAJOR:MINOR")))?;
                Some((a, b, i))
            }
            _ => None,
        };
        let mut thread_sps = Vec::with_capacity(self.threads.len());
        for t in self.threads {
            thread_sps.push((t.tid, hex_field(&t.sp, "sp")?));
        }
        // Looked up by halving (`ProcessInfo::thread_in`).
        thread_sps.sort_unstable_by_key(|&(tid, sp)| (sp, tid));
        Ok(ProcessInfo {
            pid: self.pid.unwrap_or(0),
            cmdline: self
                .cmdline_bytes
                .unwrap_or_else(|| self.cmdline.into_bytes()),
            raw_cmdline: self
                .cmdline_raw_bytes
                .unwrap_or_else(|| self.cmdline_raw.into_bytes()),
            comm: self.comm_bytes.unwrap_or_else(|| self.comm.into_bytes()),
            exe_id,
            exe_path: self.exe_bytes.or(self.exe.map(String::into_bytes)),
            start_stack: match self.start_stack {
                Some(s) => Some(hex_field(&s, "start_stack")?),
                None => None,
            },
            thread_sps,
            stack_limit: None,
            core: None,
            saved: true,
        })
    }
}

/// A smaps object read in order, as (name, value) pairs.
struct FieldsIn(Vec<(String, u64)>);

impl<'de> Deserialize<'de> for FieldsIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldsIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of smaps field names and numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<FieldsIn, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(24));
                while let Some(e) = m.next_entry::<String, u64>()? {
                    v.push(e);
                }
                Ok(FieldsIn(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct RegionIn {
    start: String,
    end: String,
    perms: String,
    offset: String,
    device: String,
    inode: u64,
    kind: String,
    tid: Option<i32>,
    shmid: Option<u64>,
    name: String,
    name_bytes: Option<Vec<u8>>,
    smaps: Option<FieldsIn>,
    vm_flags: Option<Vec<String>>,
    dumped: Option<DumpedIn>,
}

/// A region's `dumped` object (a core dump's).
#[derive(Deserialize)]
struct DumpedIn {
    bytes: u64,
    #[serde(default)]
    kind_inferred: bool,
    #[serde(default)]
    perms_known: bool,
    #[serde(default)]
    read_known: bool,
    #[serde(default)]
    shared_known: bool,
}

#[derive(Deserialize)]
struct CoreThreadIn {
    tid: i32,
    sp: String,
    pc: String,
}

#[derive(Deserialize)]
struct BuildIdIn {
    start: String,
    id: String,
}

/// The document's `core` object, read back.
#[derive(Deserialize)]
struct CoreIn {
    path: String,
    path_bytes: Option<Vec<u8>>,
    arch: String,
    writer: String,
    signal: Option<i32>,
    si_code: Option<i32>,
    fault_addr: Option<String>,
    #[serde(default)]
    threads: Vec<CoreThreadIn>,
    entry: Option<String>,
    phdr: Option<String>,
    interp_base: Option<String>,
    vdso: Option<String>,
    page_size: Option<u64>,
    #[serde(default)]
    registers_known: bool,
    #[serde(default)]
    has_file_note: bool,
    cut_short: Option<u64>,
    sender_pid: Option<i32>,
    sender_uid: Option<u32>,
    #[serde(default)]
    build_ids: Vec<BuildIdIn>,
}

impl CoreIn {
    fn into_facts<E: de::Error>(self) -> Result<crate::model::CoreFacts, E> {
        let hex = |v: Option<String>, what: &str| -> Result<Option<u64>, E> {
            v.map(|s| hex_field(&s, what)).transpose()
        };
        let mut threads = Vec::new();
        for t in self.threads {
            threads.push(crate::model::CoreThread {
                tid: t.tid,
                sp: hex_field(&t.sp, "sp")?,
                pc: hex_field(&t.pc, "pc")?,
            });
        }
        let mut build_ids = Vec::new();
        for b in self.build_ids {
            let id = (0..b.id.len() / 2)
                .map(|i| u8::from_str_radix(b.id.get(2 * i..2 * i + 2).unwrap_or(""), 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| E::custom(format!("build id '{}' is not hex", b.id)))?;
            build_ids.push((hex_field(&b.start, "start")?, id));
        }
        Ok(crate::model::CoreFacts {
            path: self.path_bytes.unwrap_or_else(|| self.path.into_bytes()),
            arch: self.arch,
            signal: self.signal,
            si_code: self.si_code,
            fault_addr: hex(self.fault_addr, "fault_addr")?,
            threads,
            entry: hex(self.entry, "entry")?,
            phdr: hex(self.phdr, "phdr")?,
            interp_base: hex(self.interp_base, "interp_base")?,
            vdso: hex(self.vdso, "vdso")?,
            writer: self.writer,
            page_size: self.page_size,
            registers_known: self.registers_known,
            has_file_note: self.has_file_note,
            cut_short: self.cut_short,
            sender_pid: self.sender_pid,
            sender_uid: self.sender_uid,
            build_ids,
        })
    }
}

fn kind_from_key<E: de::Error>(key: &str, tid: Option<i32>, shmid: Option<u64>) -> Result<Kind, E> {
    Ok(match key {
        "program" => Kind::Program,
        "loader" => Kind::Loader,
        "library" => Kind::Library,
        "file" => Kind::File,
        "deleted_file" => Kind::DeletedFile,
        "heap" => Kind::Heap,
        "stack" => Kind::Stack,
        "thread_stack" => Kind::ThreadStack {
            tid: tid.unwrap_or(0),
        },
        "guard" => Kind::Guard,
        "reserved" => Kind::Reserved,
        "anon" => Kind::Anon,
        "named_anon" => Kind::NamedAnon,
        "shared_anon" => Kind::SharedAnon,
        "memfd" => Kind::Memfd,
        "sysv_shm" => Kind::SysvShm {
            shmid: shmid.unwrap_or(0),
        },
        "vdso" => Kind::Vdso,
        "vvar" => Kind::Vvar,
        "vsyscall" => Kind::Vsyscall,
        "special" => Kind::Special,
        other => return Err(E::custom(format!("unknown kind '{other}'"))),
    })
}

/// Back to the kernel's form: a newline in a name is written `\012` in maps.
fn kernel_escape(b: Vec<u8>) -> Vec<u8> {
    if !b.contains(&b'\n') {
        return b;
    }
    let mut out = Vec::with_capacity(b.len() + 8);
    for c in b {
        if c == b'\n' {
            out.extend_from_slice(b"\\012");
        } else {
            out.push(c);
        }
    }
    out
}

impl RegionIn {
    fn into_region<E: de::Error>(self, names: &mut Vec<String>) -> Result<Region, E> {
        let p = self.perms.as_bytes();
        let valid = matches!(p, [b'r' | b'-', b'w' | b'-', b'x' | b'-', b's' | b'p']);
        if !valid {
            return Err(E::custom(format!(
                "perms '{}' is not rwxp-style letters (each letter or -, then s or p)",
                crate::text::escape_text(p, false)
            )));
        }
        let perms = Perms {
            read: p[0] == b'r',
            write: p[1] == b'w',
            exec: p[2] == b'x',
            shared: p[3] == b's',
        };
        let (dev_major, dev_minor) = parse_device(&self.device)
            .ok_or_else(|| E::custom(format!("device '{}' is not MAJOR:MINOR", self.device)))?;
        let start = hex_field(&self.start, "start")?;
        let end = hex_field(&self.end, "end")?;
        if end < start {
            return Err(E::custom(format!(
                "region {} ends before it starts",
                self.start
            )));
        }
        let smaps = match self.smaps {
            None => None,
            Some(FieldsIn(fields)) => {
                let mut rec = SmapsRecord::default();
                for (name, v) in fields {
                    let id = match names.iter().position(|n| *n == name) {
                        Some(i) => i,
                        None => {
                            names.push(name.clone());
                            names.len() - 1
                        }
                    };
                    let id = u16::try_from(id).map_err(|_| E::custom("too many smaps fields"))?;
                    rec.fields.push((id, v));
                    match name.as_str() {
                        "Rss" => rec.rss = v,
                        "Pss" => rec.pss = v,
                        "Shared_Clean" => rec.shared_clean = v,
                        "Shared_Dirty" => rec.shared_dirty = v,
                        "Private_Clean" => rec.private_clean = v,
                        "Private_Dirty" => rec.private_dirty = v,
                        "Referenced" => rec.referenced = v,
                        "Anonymous" => rec.anonymous = v,
                        "Swap" => rec.swap = v,
                        "SwapPss" => rec.swap_pss = v,
                        "Locked" => rec.locked = v,
                        _ => {}
                    }
                }
                if let Some(flags) = self.vm_flags {
                    rec.has_vm_flags = true;
                    for f in flags {
                        match f.as_bytes() {
                            [a, b] => rec.vm_flags.push([*a, *b]),
                            _ => {
                                return Err(E::custom(format!(
                                    "VmFlags entry '{f}' is not two letters"
                                )));
                            }
                        }
                    }
                }
                Some(rec)
            }
        };
        let bytes = self.name_bytes.unwrap_or_else(|| self.name.into_bytes());
        let kind = kind_from_key(&self.kind, self.tid, self.shmid)?;
        // JSON holds the true bytes: a `\012` in them is the file's own (when the name
        // has no newline too, which one flag cannot tell apart), and a ` (deleted)` of a
        // region not of a deleted kind is part of the file's name.
        let literal = NameLiteral {
            escapes: !bytes.contains(&b'\n') && bytes.windows(4).any(|w| w == b"\\012"),
            deleted_suffix: bytes.ends_with(b" (deleted)")
                && matches!(
                    kind,
                    Kind::Program | Kind::Loader | Kind::Library | Kind::File | Kind::Special
                ),
        };
        Ok(Region {
            start,
            end,
            perms,
            offset: hex_field(&self.offset, "offset")?,
            dev_major,
            dev_minor,
            inode: self.inode,
            name: kernel_escape(bytes),
            kind,
            smaps,
            dumped: self.dumped.map(|d| crate::model::Dumped {
                bytes: d.bytes,
                kind_inferred: d.kind_inferred,
                shared_known: d.shared_known,
                perms_known: d.perms_known,
                read_known: d.read_known,
            }),
            literal,
        })
    }
}

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
