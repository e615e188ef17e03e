//! A document's `process` and `core` objects read back into [`ProcessInfo`] and
//! [`CoreFacts`](crate::model::CoreFacts): names as the exact bytes when the writer kept
//! them, addresses from their `0x` strings.

use serde::Deserialize;
use serde::de;

use super::{hex_field, parse_device};
use crate::model::ProcessInfo;

#[derive(Deserialize)]
struct ThreadIn {
    tid: i32,
    sp: String,
}

#[derive(Deserialize)]
pub(super) struct ProcessIn {
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

impl ProcessIn {
    pub(super) fn into_info<E: de::Error>(self) -> Result<ProcessInfo, E> {
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
pub(super) struct CoreIn {
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
    pub(super) fn into_facts<E: de::Error>(self) -> Result<crate::model::CoreFacts, E> {
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
