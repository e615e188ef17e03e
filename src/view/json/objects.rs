//! The objects of a vasmap JSON document as serde writes them: the process, a region, a
//! core dump's facts. The region object is the reference the hand-written writer
//! (`region.rs`) is checked against; lookup, pages and the report use these too.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::Hex;
use crate::model::{Explanation, Kind, ProcessInfo, Region, SmapsRecord};

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
