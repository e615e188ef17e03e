//! `--json`: one JSON document per snapshot, written region by region (never built whole in
//! memory), and read back by `--from` (also region by region). The format is documented
//! in `docs/json.md` and checked against `docs/vasmap.schema.json` by the tests.
//!
//! Addresses, offsets and stack pointers are hex strings (`"0x7f4620e66000"`): the
//! `[vsyscall]` page at `0xffffffffff600000` is above 2^53, which JavaScript and jq 1.6
//! cannot hold exactly as a number. Sizes are plain numbers.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Kind, Perms, ProcessInfo, Region, SmapsRecord, Snapshot, Totals};
use crate::view::ViewOptions;

/// Bumped when a field changes meaning or goes away (adding a field does not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// A number written as `"0x..."`.
pub(crate) struct Hex(pub(crate) u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:#x}", self.0))
    }
}

/// Text for JSON: the bytes as UTF-8 (lossy), and the exact bytes when that was lossy.
fn text_and_bytes(b: &[u8]) -> (Cow<'_, str>, Option<&[u8]>) {
    match std::str::from_utf8(b) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(_) => (String::from_utf8_lossy(b), Some(b)),
    }
}

#[derive(Serialize)]
struct ThreadOut {
    tid: i32,
    sp: Hex,
}

#[derive(Serialize)]
pub(crate) struct ProcessOut<'a> {
    pid: Option<i32>,
    cmdline: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmdline_bytes: Option<&'a [u8]>,
    /// `/proc/PID/cmdline` as read: arguments ending in NUL (`\u0000` in JSON).
    cmdline_raw: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmdline_raw_bytes: Option<&'a [u8]>,
    comm: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comm_bytes: Option<&'a [u8]>,
    exe: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exe_bytes: Option<&'a [u8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exe_device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exe_inode: Option<u64>,
    start_stack: Option<Hex>,
    threads: Vec<ThreadOut>,
}

impl<'a> ProcessOut<'a> {
    pub(crate) fn new(p: &'a ProcessInfo) -> Self {
        let (cmdline, cmdline_bytes) = text_and_bytes(&p.cmdline);
        let (cmdline_raw, cmdline_raw_bytes) = text_and_bytes(&p.raw_cmdline);
        let (comm, comm_bytes) = text_and_bytes(&p.comm);
        let (exe, exe_bytes) = match &p.exe_path {
            Some(e) => {
                let (t, b) = text_and_bytes(e);
                (Some(t), b)
            }
            None => (None, None),
        };
        ProcessOut {
            pid: (p.pid > 0).then_some(p.pid),
            cmdline,
            cmdline_bytes,
            cmdline_raw,
            cmdline_raw_bytes,
            comm,
            comm_bytes,
            exe,
            exe_bytes,
            exe_device: p.exe_id.map(|(a, b, _)| format!("{a:02x}:{b:02x}")),
            exe_inode: p.exe_id.map(|(_, _, i)| i),
            start_stack: p.start_stack.map(Hex),
            threads: p
                .thread_sps
                .iter()
                .map(|&(tid, sp)| ThreadOut { tid, sp: Hex(sp) })
                .collect(),
        }
    }
}

/// A smaps record as an object in kernel order: `{"Size": 4, "Rss": 4, ...}`.
struct SmapsOut<'a> {
    record: &'a SmapsRecord,
    names: &'a [String],
}

impl Serialize for SmapsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.record.fields.len()))?;
        for &(id, v) in &self.record.fields {
            let name = self.names.get(usize::from(id)).map_or("?", String::as_str);
            m.serialize_entry(name, &v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
pub(crate) struct RegionOut<'a> {
    start: Hex,
    end: Hex,
    size: u64,
    perms: String,
    offset: Hex,
    device: String,
    inode: u64,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shmid: Option<u64>,
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_bytes: Option<Cow<'a, [u8]>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    wx: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    smaps: Option<SmapsOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vm_flags: Option<Vec<String>>,
    /// `--explain`: what the region is (`text`) and, for an ELF file, its `sections`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) explain: Option<&'a crate::teach::explain::Explanation>,
}

impl<'a> RegionOut<'a> {
    pub(crate) fn new(r: &'a Region, names: &'a [String]) -> Self {
        let bytes = r.name_bytes();
        let (name, name_bytes) = match bytes {
            Cow::Borrowed(b) => {
                let (t, raw) = text_and_bytes(b);
                (t, raw.map(Cow::Borrowed))
            }
            Cow::Owned(b) => match String::from_utf8(b) {
                Ok(s) => (Cow::Owned(s), None),
                Err(e) => {
                    let b = e.into_bytes();
                    (
                        Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
                        Some(Cow::Owned(b)),
                    )
                }
            },
        };
        RegionOut {
            start: Hex(r.start),
            end: Hex(r.end),
            size: r.size(),
            perms: r.perms.to_maps_string(),
            offset: Hex(r.offset),
            device: r.device(),
            inode: r.inode,
            kind: r.kind.key(),
            tid: match r.kind {
                Kind::ThreadStack { tid } => Some(tid),
                _ => None,
            },
            shmid: match r.kind {
                Kind::SysvShm { shmid } => Some(shmid),
                _ => None,
            },
            name,
            name_bytes,
            wx: r.perms.is_wx(),
            smaps: r.smaps.as_ref().map(|record| SmapsOut { record, names }),
            vm_flags: r.smaps.as_ref().filter(|s| s.has_vm_flags).map(|s| {
                s.vm_flags
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            }),
            explain: None,
        }
    }
}

/// serde_json's error as an `io::Error`. A write error comes back as the `io::Error` it
/// wraps, kind included, so that a closed pipe is still seen as one (`BrokenPipe`: a quiet
/// exit 0) and a full disk as itself.
pub(crate) fn json_err(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}

/// Write one document: header, then each region on its own line, then the totals.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    let explained = crate::teach::explain::for_view(opts);
    let mut out = io::BufWriter::new(out);
    let mut view = JsonView::begin(&snap.process, snap.has_smaps);
    view.header(&snap.smaps_fields, &mut out)?;
    for r in &snap.regions {
        match explained.as_ref().and_then(|e| e.get(&r.start)) {
            // `--explain`: the region with what it is, through serde.
            Some(explain) => view.region_explained(r, &snap.smaps_fields, explain, &mut out)?,
            None => view.region(r, &snap.smaps_fields, &mut out)?,
        }
    }
    view.finish(&mut out)?;
    out.flush()
}

/// One JSON document written region by region as they are read (see
/// [`crate::read::proc::ProcDir::visit_regions`]): the same bytes as [`render`] of a snapshot
/// of those regions, in memory that does not grow with their number.
pub struct JsonView<'a> {
    process: &'a ProcessInfo,
    has_smaps: bool,
    header_done: bool,
    regions: usize,
    totals: Totals,
    /// Regions written but not yet handed to the writer.
    buf: Vec<u8>,
    /// Each smaps field name as a JSON object key (`"Rss":`), by field id.
    keys: Vec<Vec<u8>>,
}

impl<'a> JsonView<'a> {
    /// Start a document about `process`; `has_smaps` says whether regions carry smaps.
    pub fn begin(process: &'a ProcessInfo, has_smaps: bool) -> Self {
        JsonView {
            process,
            has_smaps,
            header_done: false,
            regions: 0,
            totals: Totals::default(),
            buf: Vec::with_capacity(68 * 1024),
            keys: Vec::new(),
        }
    }

    /// Write the header, with the smaps field names (once; later calls do nothing). The
    /// streaming path calls it with the names of the first record: the kernel prints the
    /// same fields for every mapping.
    pub fn header(&mut self, smaps_fields: &[String], out: &mut dyn Write) -> io::Result<()> {
        if self.header_done {
            return Ok(());
        }
        self.header_done = true;
        write!(out, "{{\"schema_version\":{SCHEMA_VERSION},\"source\":")?;
        let source = if self.process.pid > 0 {
            "process"
        } else {
            "file"
        };
        crate::text::json_to_writer(&mut *out, source).map_err(json_err)?;
        out.write_all(b",\"process\":")?;
        crate::text::json_to_writer(&mut *out, &ProcessOut::new(self.process)).map_err(json_err)?;
        write!(out, ",\"has_smaps\":{},\"smaps_fields\":", self.has_smaps)?;
        crate::text::json_to_writer(&mut *out, smaps_fields).map_err(json_err)?;
        out.write_all(b",\"regions\":[")
    }

    /// Write one region (the header first, if it is not written yet).
    pub fn region(
        &mut self,
        r: &Region,
        smaps_fields: &[String],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.header(smaps_fields, out)?;
        let buf = &mut self.buf;
        buf.extend_from_slice(if self.regions == 0 { b"\n" } else { b",\n" });
        write_region(buf, r, smaps_fields, &mut self.keys);
        if buf.len() >= 64 * 1024 {
            out.write_all(buf)?;
            buf.clear();
        }
        self.regions += 1;
        self.totals.add(r);
        Ok(())
    }

    /// Write one region with its `--explain` text and sections (through serde: the
    /// explanation is not on the fast path, it reads the mapped files).
    pub fn region_explained(
        &mut self,
        r: &Region,
        smaps_fields: &[String],
        explain: &crate::teach::explain::Explanation,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.header(smaps_fields, out)?;
        let buf = &mut self.buf;
        buf.extend_from_slice(if self.regions == 0 { b"\n" } else { b",\n" });
        let mut region = RegionOut::new(r, smaps_fields);
        region.explain = Some(explain);
        crate::text::json_to_writer(&mut *buf, &region).map_err(json_err)?;
        self.regions += 1;
        self.totals.add(r);
        Ok(())
    }

    /// Write the totals and close the document.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        self.header(&[], out)?;
        out.write_all(&self.buf)?;
        out.write_all(b"\n],\"totals\":")?;
        crate::text::json_to_writer(&mut *out, &self.totals).map_err(json_err)?;
        out.write_all(b"}\n")
    }
}

/// `"0x..."`, as [`Hex`] serializes.
fn write_hex(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(b"\"0x");
    crate::view::numfmt::push_hex(buf, v, 0);
    buf.push(b'"');
}

/// A JSON string, escaped as [`crate::text::json_to_writer`] escapes it (every character
/// that could drive a terminal too).
fn write_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail, and a str always serializes.
    let _ = crate::text::json_to_writer(&mut *buf, s);
}

/// One region exactly as `json_to_writer(RegionOut::new(r, names))` writes it
/// (the tests check this on every region of the captures and on hostile names), without
/// serde's per-field machinery: a process with 60,000 mappings has 1.5 million smaps
/// figures, and escaping each field name and writing each piece through `dyn Write` made
/// JSON cost 1.3x the kernel's time to produce smaps. Field names are escaped once
/// (`keys`), numbers are written with `itoa`.
fn write_region(buf: &mut Vec<u8>, r: &Region, names: &[String], keys: &mut Vec<Vec<u8>>) {
    buf.extend_from_slice(b"{\"start\":");
    write_hex(buf, r.start);
    buf.extend_from_slice(b",\"end\":");
    write_hex(buf, r.end);
    buf.extend_from_slice(b",\"size\":");
    crate::view::numfmt::push_dec(buf, r.size(), 0);
    buf.extend_from_slice(b",\"perms\":\"");
    buf.extend_from_slice(&r.perms.as_maps());
    buf.extend_from_slice(b"\",\"offset\":");
    write_hex(buf, r.offset);
    buf.extend_from_slice(b",\"device\":\"");
    crate::view::numfmt::push_hex(buf, u64::from(r.dev_major), 2);
    buf.push(b':');
    crate::view::numfmt::push_hex(buf, u64::from(r.dev_minor), 2);
    buf.extend_from_slice(b"\",\"inode\":");
    crate::view::numfmt::push_dec(buf, r.inode, 0);
    // Kind keys are lower-case words and `_`: nothing to escape.
    buf.extend_from_slice(b",\"kind\":\"");
    buf.extend_from_slice(r.kind.key().as_bytes());
    buf.push(b'"');
    match r.kind {
        Kind::ThreadStack { tid } => {
            buf.extend_from_slice(b",\"tid\":");
            crate::view::numfmt::push_idec(buf, i64::from(tid), 0);
        }
        Kind::SysvShm { shmid } => {
            buf.extend_from_slice(b",\"shmid\":");
            crate::view::numfmt::push_dec(buf, shmid, 0);
        }
        _ => {}
    }
    buf.extend_from_slice(b",\"name\":");
    let bytes = r.name_bytes();
    match std::str::from_utf8(&bytes) {
        Ok(text) => write_str(buf, text),
        Err(_) => {
            write_str(buf, &String::from_utf8_lossy(&bytes));
            buf.extend_from_slice(b",\"name_bytes\":[");
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                crate::view::numfmt::push_dec(buf, u64::from(*b), 0);
            }
            buf.push(b']');
        }
    }
    if r.perms.is_wx() {
        buf.extend_from_slice(b",\"wx\":true");
    }
    if let Some(s) = &r.smaps {
        buf.extend_from_slice(b",\"smaps\":{");
        for (i, &(id, v)) in s.fields.iter().enumerate() {
            while keys.len() < names.len() {
                let mut key = Vec::with_capacity(names[keys.len()].len() + 3);
                write_str(&mut key, &names[keys.len()]);
                key.push(b':');
                keys.push(key);
            }
            if i > 0 {
                buf.push(b',');
            }
            match keys.get(usize::from(id)) {
                Some(key) => buf.extend_from_slice(key),
                None => buf.extend_from_slice(b"\"?\":"),
            }
            crate::view::numfmt::push_dec(buf, v, 0);
        }
        buf.push(b'}');
        if s.has_vm_flags {
            buf.extend_from_slice(b",\"vm_flags\":[");
            for (i, f) in s.vm_flags.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                if f.iter().all(u8::is_ascii_alphanumeric) {
                    buf.push(b'"');
                    buf.extend_from_slice(f);
                    buf.push(b'"');
                } else {
                    write_str(buf, &String::from_utf8_lossy(f));
                }
            }
            buf.push(b']');
        }
    }
    buf.push(b'}');
}

// ---------------------------------------------------------------------------------------
// Reading it back.

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
            core: None,
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
        if p.len() != 4 {
            return Err(E::custom(format!(
                "perms '{}' is not 4 letters",
                self.perms
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
        Ok(Region {
            start,
            end,
            perms,
            offset: hex_field(&self.offset, "offset")?,
            dev_major,
            dev_minor,
            inode: self.inode,
            name: kernel_escape(self.name_bytes.unwrap_or_else(|| self.name.into_bytes())),
            kind: kind_from_key(&self.kind, self.tid, self.shmid)?,
            smaps,
            dumped: None,
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
                        "has_smaps" => snap.has_smaps = m.next_value()?,
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
                Ok(SnapshotIn(snap))
            }
        }
        d.deserialize_map(V)
    }
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

    /// The hand-written region JSON is byte for byte serde's `RegionOut`, on real captures
    /// and on hostile names (invalid UTF-8, quotes, control bytes, the kernel's `\012`).
    #[test]
    fn hand_written_regions_equal_serde() {
        let mut hostile = Vec::new();
        hostile.extend_from_slice(
            b"1000-2000 rwxp 00000000 00:00 0 /tmp/q\"uo\\te\x01\x1b[31m \xff\xfe \\012 \xc3\xa9\n",
        );
        hostile
            .extend_from_slice(b"Size: 4 kB\nRss: 18446744073709551615 kB\nVmFlags: rd wr ex \n");
        hostile.extend_from_slice(b"3000-4000 rw-s 00000000 00:01 32769 /SYSV0000abcd (deleted)\n");
        hostile.extend_from_slice(b"Size: 4 kB\nRss: 0 kB\n");
        let captures: [&[u8]; 3] = [
            include_bytes!("../../tests/fixtures/kinds-awkward.smaps"),
            include_bytes!("../../tests/fixtures/kinds-awkward.maps"),
            &hostile,
        ];
        let info = ProcessInfo {
            thread_sps: vec![(77, 0x1800)],
            ..ProcessInfo::default()
        };
        let mut checked = 0;
        for text in captures {
            let mut names = Vec::new();
            let (mut regions, _) = crate::read::parse::parse_any(text, &mut names).unwrap();
            crate::read::classify::classify(&mut regions, &info);
            let mut keys = Vec::new();
            for r in &regions {
                let mut want = Vec::new();
                crate::text::json_to_writer(&mut want, &RegionOut::new(r, &names)).unwrap();
                let mut got = Vec::new();
                write_region(&mut got, r, &names, &mut keys);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want)
                );
                assert_eq!(got, want);
                checked += 1;
            }
        }
        assert!(checked > 40);
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
                core: None,
            },
            regions,
            has_smaps: true,
            smaps_fields: names,
        };
        let mut buf = Vec::new();
        render(&snap, &ViewOptions::default(), &mut buf).unwrap();
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
                    name, kind, smaps, dumped: None,
                });
                start = end;
            }
            let has_smaps = regions.iter().any(|r| r.smaps.is_some());
            let snap = Snapshot {
                process: ProcessInfo { pid: 9, cmdline: cmd.clone(), raw_cmdline: cmd, ..Default::default() },
                regions,
                has_smaps,
                smaps_fields: names,
            };
            let mut buf = Vec::new();
            render(&snap, &ViewOptions::default(), &mut buf).unwrap();
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
