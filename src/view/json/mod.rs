//! `--json`: one JSON document per address space, written region by region (never built
//! whole in memory); read back by `--from` (`crate::read::json`). The format is documented
//! in `docs/json.md` and checked against `docs/vasmap.schema.json` by the tests.
//!
//! Addresses, offsets and stack pointers are hex strings (`"0x7f4620e66000"`): the
//! `[vsyscall]` page at `0xffffffffff600000` is above 2^53, which JavaScript and jq 1.6
//! cannot hold exactly as a number. Sizes are plain numbers.
//!
//! Here: the document, [`JsonView`] and the [`JsonOutput`] view. The objects as serde
//! writes them are in `objects.rs`; a region written by hand, as fast as the kernel
//! produces smaps, in `region.rs`.

mod objects;
mod region;

pub(crate) use objects::{CoreOut, ProcessOut, RegionOut};
use region::write_region;

use std::io::{self, Write};

use serde::{Serialize, Serializer};

pub use crate::model::JSON_SCHEMA_VERSION as SCHEMA_VERSION;
use crate::model::{Explanation, ProcessInfo, Region, Totals};
use crate::view::{Head, Origin, Rows, Stop, View};

/// A number written as `"0x..."`.
pub(crate) struct Hex(pub(crate) u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:#x}", self.0))
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
        self.region_written(r, out)
    }

    /// Count a region written into the buffer, and pass the buffer on past 64 KiB:
    /// memory must not grow with the number of regions.
    fn region_written(&mut self, r: &Region, out: &mut dyn Write) -> io::Result<()> {
        if self.buf.len() >= 64 * 1024 {
            out.write_all(&self.buf)?;
            self.buf.clear();
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
        self.region_written(r, out)
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
