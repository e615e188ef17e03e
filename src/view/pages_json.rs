//! `vasmap pages --json`: one document per process, `mappings[]` with each mapping's
//! runs and counts, written run by run as the reader produces them (a 1 TiB mapping is a
//! few runs; a mapping of a million alternating pages is a million runs, streamed, never
//! held). The format is in docs/json.md ("Pages") and `$defs/pages_document` of
//! docs/vasmap.schema.json.
//!
//! Addresses are hex strings as in the main JSON view; a name that is not UTF-8 comes
//! with its exact bytes in `name_bytes`. What could not be read is never faked: the
//! kpageflags counts are absent and `kpageflags` is false, `pfns` says whether the PFNs
//! were visible, and `unavailable` says why in words.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::model::{ProcessInfo, Region};
use crate::read::pagemap::PagesRead;
use crate::read::pagestate::{PageCounts, PageRun};
use crate::text::json_to_writer;
use crate::view::json::{Hex, ProcessOut, SCHEMA_VERSION, json_err};

/// The counts object: the kpageflags lines only when they were read.
#[derive(Serialize)]
struct CountsOut {
    pages: u64,
    present: u64,
    swapped: u64,
    file: u64,
    anonymous: u64,
    exclusive: u64,
    soft_dirty: u64,
    uffd_wp: u64,
    no_entry: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    zero_page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    huge: Option<u64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    kpageflags: Option<KpageOut>,
}

#[derive(Serialize)]
struct KpageOut {
    thp: u64,
    hugetlb: u64,
    compound: u64,
    dirty: u64,
    referenced: u64,
    ksm: u64,
    anon: u64,
    swapbacked: u64,
}

impl CountsOut {
    fn new(c: &PageCounts) -> CountsOut {
        CountsOut {
            pages: c.pages,
            present: c.present,
            swapped: c.swapped,
            file: c.file,
            anonymous: c.anonymous,
            exclusive: c.exclusive,
            soft_dirty: c.soft_dirty,
            uffd_wp: c.uffd_wp,
            no_entry: c.no_entry,
            zero_page: c.zero_page,
            huge: c.huge,
            kpageflags: c.kpageflags.map(|k| KpageOut {
                thp: k.thp,
                hugetlb: k.hugetlb,
                compound: k.compound,
                dirty: k.dirty,
                referenced: k.referenced,
                ksm: k.ksm,
                anon: k.anon,
                swapbacked: k.swapbacked,
            }),
        }
    }
}

/// One run: `{"start":"0x...","pages":16,"state":["present","file"]}`.
#[derive(Serialize)]
struct RunOut {
    start: Hex,
    pages: u64,
    state: Vec<&'static str>,
}

/// The mapping's fields before its runs.
#[derive(Serialize)]
struct MappingHead<'a> {
    start: Hex,
    end: Hex,
    size: u64,
    pages: u64,
    perms: String,
    kind: &'static str,
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_bytes: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rss_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    swap_kb: Option<u64>,
}

/// The mapping's fields after its runs.
#[derive(Serialize)]
struct MappingTail<'a> {
    counts: CountsOut,
    method: &'static str,
    pfns: bool,
    kpageflags: bool,
    unavailable: &'a [String],
    pagemap_bytes: u64,
    scan_calls: u64,
}

/// A JSON object without its closing brace, so that more fields can follow.
fn open_object<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256);
    json_to_writer(&mut buf, value).map_err(json_err)?;
    buf.pop(); // the closing '}'
    out.write_all(&buf)
}

/// A pages document being written.
pub struct PagesJson<'w> {
    out: &'w mut dyn Write,
    mappings: usize,
    runs: usize,
    page_size: u64,
}

impl<'w> PagesJson<'w> {
    /// Start the document: `schema_version`, `process`, `page_size`, then `mappings`.
    pub fn begin(
        out: &'w mut dyn Write,
        process: &ProcessInfo,
        page_size: u64,
    ) -> io::Result<PagesJson<'w>> {
        write!(out, "{{\"schema_version\":{SCHEMA_VERSION},\"process\":")?;
        json_to_writer(&mut *out, &ProcessOut::new(process)).map_err(json_err)?;
        write!(out, ",\"page_size\":{page_size},\"mappings\":[")?;
        Ok(PagesJson {
            out,
            mappings: 0,
            runs: 0,
            page_size,
        })
    }

    /// Start a mapping's object, up to its `runs` array.
    pub fn mapping(&mut self, r: &Region) -> io::Result<()> {
        if self.mappings > 0 {
            self.out.write_all(b",")?;
        }
        self.mappings += 1;
        self.runs = 0;
        let bytes = r.name_bytes();
        let (name, name_bytes) = match std::str::from_utf8(&bytes) {
            Ok(s) => (Cow::Owned(s.to_string()), None),
            Err(_) => (
                Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
                Some(bytes.to_vec()),
            ),
        };
        let head = MappingHead {
            start: Hex(r.start),
            end: Hex(r.end),
            size: r.size(),
            pages: r.size() / self.page_size.max(1),
            perms: r.perms.to_maps_string(),
            kind: r.kind.key(),
            name,
            name_bytes,
            rss_kb: r.smaps.as_ref().map(|s| s.rss),
            swap_kb: r.smaps.as_ref().map(|s| s.swap),
        };
        open_object(self.out, &head)?;
        self.out.write_all(b",\"runs\":[")
    }

    /// One run of the current mapping.
    pub fn run(&mut self, run: &PageRun) -> io::Result<()> {
        if self.runs > 0 {
            self.out.write_all(b",")?;
        }
        self.runs += 1;
        let out = RunOut {
            start: Hex(run.start),
            pages: run.pages,
            state: run.state.names().collect(),
        };
        json_to_writer(&mut *self.out, &out).map_err(json_err)
    }

    /// End the current mapping with its counts and what could not be seen.
    pub fn end_mapping(&mut self, read: &PagesRead, unavailable: &[String]) -> io::Result<()> {
        let tail = MappingTail {
            counts: CountsOut::new(&read.counts),
            method: read.method.word(),
            pfns: read.pfns.visible(),
            kpageflags: read.counts.kpageflags.is_some(),
            unavailable,
            pagemap_bytes: read.pagemap_bytes,
            scan_calls: read.scan_calls,
        };
        let mut buf = Vec::with_capacity(512);
        json_to_writer(&mut buf, &tail).map_err(json_err)?;
        // `],` closes the runs; the tail's fields follow without its opening brace.
        self.out.write_all(b"],")?;
        self.out.write_all(&buf[1..])
    }

    /// End the document.
    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(b"]}\n")
    }
}
