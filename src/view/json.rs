//! `--json`: one JSON document per address space, written region by region (never built
//! whole in memory); read back by `--from` (`crate::read::json`). The format is documented
//! in `docs/json.md` and checked against `docs/vasmap.schema.json` by the tests.
//!
//! Addresses, offsets and stack pointers are hex strings (`"0x7f4620e66000"`): the
//! `[vsyscall]` page at `0xffffffffff600000` is above 2^53, which JavaScript and jq 1.6
//! cannot hold exactly as a number. Sizes are plain numbers.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

pub use crate::model::JSON_SCHEMA_VERSION as SCHEMA_VERSION;
use crate::model::{Explanation, Kind, ProcessInfo, Region, SmapsRecord, Totals};
use crate::view::{Head, Origin, Rows, Stop, View};

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
    pub(crate) explain: Option<&'a Explanation>,
    /// From a core dump: what it holds of the mapping, and what it does not record.
    #[serde(skip_serializing_if = "Option::is_none")]
    dumped: Option<DumpedOut>,
}

/// A region's `dumped` object.
#[derive(Serialize)]
struct DumpedOut {
    bytes: u64,
    in_core: &'static str,
    kind_inferred: bool,
    perms_known: bool,
    read_known: bool,
    shared_known: bool,
}

impl DumpedOut {
    fn new(r: &Region) -> Option<DumpedOut> {
        let d = r.dumped?;
        Some(DumpedOut {
            bytes: d.bytes,
            in_core: if d.bytes == 0 {
                "none"
            } else if d.bytes >= r.size() {
                "all"
            } else {
                "part"
            },
            kind_inferred: d.kind_inferred,
            perms_known: d.perms_known,
            read_known: d.read_known,
            shared_known: d.shared_known,
        })
    }
}

/// A thread of a core dump.
#[derive(Serialize)]
struct CoreThreadOut {
    tid: i32,
    sp: Hex,
    pc: Hex,
}

/// One build id of a core dump.
#[derive(Serialize)]
struct BuildIdOut {
    start: Hex,
    id: String,
}

/// The document's `core` object: what a core dump records beside its mappings, and the
/// words for its signal and fault.
#[derive(Serialize)]
pub(crate) struct CoreOut<'a> {
    path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    arch: &'a str,
    writer: &'a str,
    signal: Option<i32>,
    signal_name: Option<&'static str>,
    si_code: Option<i32>,
    fault_addr: Option<Hex>,
    threads: Vec<CoreThreadOut>,
    entry: Option<Hex>,
    phdr: Option<Hex>,
    interp_base: Option<Hex>,
    vdso: Option<Hex>,
    page_size: Option<u64>,
    registers_known: bool,
    has_file_note: bool,
    cut_short: Option<u64>,
    sender_pid: Option<i32>,
    sender_uid: Option<u32>,
    build_ids: Vec<BuildIdOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault_text: Option<&'a str>,
}

impl<'a> CoreOut<'a> {
    pub(crate) fn new(c: &'a crate::model::CoreFacts, notes: &'a [crate::view::Note]) -> Self {
        let (path, path_bytes) = text_and_bytes(&c.path);
        let note = |k: &str| notes.iter().find(|n| n.key == k).map(|n| n.text.as_str());
        CoreOut {
            path,
            path_bytes,
            arch: &c.arch,
            writer: &c.writer,
            signal: c.signal,
            signal_name: c.signal.and_then(crate::teach::fault::signal_name),
            si_code: c.si_code,
            fault_addr: c.fault_addr.map(Hex),
            threads: c
                .threads
                .iter()
                .map(|t| CoreThreadOut {
                    tid: t.tid,
                    sp: Hex(t.sp),
                    pc: Hex(t.pc),
                })
                .collect(),
            entry: c.entry.map(Hex),
            phdr: c.phdr.map(Hex),
            interp_base: c.interp_base.map(Hex),
            vdso: c.vdso.map(Hex),
            page_size: c.page_size,
            registers_known: c.registers_known,
            has_file_note: c.has_file_note,
            cut_short: c.cut_short,
            sender_pid: c.sender_pid,
            sender_uid: c.sender_uid,
            build_ids: c
                .build_ids
                .iter()
                .map(|(s, id)| BuildIdOut {
                    start: Hex(*s),
                    id: id.iter().map(|b| format!("{b:02x}")).collect(),
                })
                .collect(),
            signal_text: note("signal_text"),
            fault_text: note("fault_text"),
        }
    }
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
            dumped: DumpedOut::new(r),
        }
    }
}

/// serde_json's error as an `io::Error`. A write error comes back as the `io::Error` it
/// wraps, kind included, so that a closed pipe is still seen as one (`BrokenPipe`: a quiet
/// exit 0) and a full disk as itself.
pub(crate) fn json_err(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}

/// `--json`: one document per address space, streamed: a view that prints as rows come.
#[derive(Default)]
pub struct JsonOutput {
    /// Members added at the end of each document (the demo's account: `demo`).
    extra: Vec<(String, serde_json::Value)>,
}

impl JsonOutput {
    pub fn new() -> Self {
        JsonOutput::default()
    }

    /// A document with these members after `totals`.
    pub fn with_extra(extra: Vec<(String, serde_json::Value)>) -> Self {
        JsonOutput { extra }
    }
}

impl View for JsonOutput {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut view = JsonView::of(head);
        while let Some(row) = rows.next_row()? {
            match row.explain {
                // `--explain`: the region with what it is, through serde.
                Some(e) => view.region_explained(row.region, row.fields, e, out)?,
                None => view.region(row.region, row.fields, out)?,
            }
        }
        view.finish_with(out, &self.extra)?;
        Ok(())
    }
}

/// One JSON document written region by region as they come, in memory that does not
/// grow with their number.
pub struct JsonView<'a> {
    process: &'a ProcessInfo,
    has_smaps: bool,
    source: &'static str,
    /// The notes under the first line (a core's signal and fault), for `core`.
    notes: &'a [crate::view::Note],
    header_done: bool,
    regions: usize,
    totals: Totals,
    /// Regions written but not yet handed to the writer.
    buf: Vec<u8>,
    /// Each smaps field name as a JSON object key (`"Rss":`), by field id.
    keys: Vec<Vec<u8>>,
}

impl<'a> JsonView<'a> {
    /// Start a document about `process`; `has_smaps` says whether regions carry smaps,
    /// `source` where they were read from (`process`, `file`, `core`).
    pub fn begin(process: &'a ProcessInfo, has_smaps: bool, source: &'static str) -> Self {
        JsonView {
            process,
            has_smaps,
            source,
            notes: &[],
            header_done: false,
            regions: 0,
            totals: Totals::default(),
            buf: Vec::with_capacity(68 * 1024),
            keys: Vec::new(),
        }
    }

    /// Start a document about what `head` says: the process, where it was read from, and
    /// for a core its notes (`core.signal_text`, `core.fault_text`).
    pub fn of(head: &crate::view::Head<'a>) -> Self {
        let source = match head.origin() {
            Origin::Process => "process",
            Origin::File => "file",
            Origin::Core => "core",
        };
        let mut view = JsonView::begin(head.process, head.has_smaps, source);
        view.notes = head.notes;
        view
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
        crate::text::json_to_writer(&mut *out, self.source).map_err(json_err)?;
        out.write_all(b",\"process\":")?;
        crate::text::json_to_writer(&mut *out, &ProcessOut::new(self.process)).map_err(json_err)?;
        if let Some(core) = &self.process.core {
            out.write_all(b",\"core\":")?;
            crate::text::json_to_writer(&mut *out, &CoreOut::new(core, self.notes))
                .map_err(json_err)?;
        }
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
        if r.dumped.is_some() {
            // A core dump's region: through serde (a core's mappings are few).
            crate::text::json_to_writer(&mut *buf, &RegionOut::new(r, smaps_fields))
                .map_err(json_err)?;
        } else {
            write_region(buf, r, smaps_fields, &mut self.keys);
        }
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
        explain: &Explanation,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.header(smaps_fields, out)?;
        let buf = &mut self.buf;
        buf.extend_from_slice(if self.regions == 0 { b"\n" } else { b",\n" });
        let mut region = RegionOut::new(r, smaps_fields);
        region.explain = Some(explain);
        crate::text::json_to_writer(&mut *buf, &region).map_err(json_err)?;
        // As in `region`: memory must not grow with the number of regions.
        if buf.len() >= 64 * 1024 {
            out.write_all(buf)?;
            buf.clear();
        }
        self.regions += 1;
        self.totals.add(r);
        Ok(())
    }

    /// Write the totals and close the document.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        self.finish_with(out, &[])
    }

    /// Write the totals, then `extra` members, and close the document.
    pub fn finish_with(
        mut self,
        out: &mut dyn Write,
        extra: &[(String, serde_json::Value)],
    ) -> io::Result<()> {
        self.header(&[], out)?;
        out.write_all(&self.buf)?;
        out.write_all(b"\n],\"totals\":")?;
        crate::text::json_to_writer(&mut *out, &self.totals).map_err(json_err)?;
        for (k, v) in extra {
            out.write_all(b",")?;
            crate::text::json_to_writer(&mut *out, k).map_err(json_err)?;
            out.write_all(b":")?;
            crate::text::json_to_writer(&mut *out, v).map_err(json_err)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
