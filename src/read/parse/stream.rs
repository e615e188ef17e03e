//! [`RegionStream`]: maps or smaps text read from any [`Read`] a chunk at a time and parsed
//! one region at a time, reusing the caller's [`Region`] and one buffer per thread, so that
//! memory stays at one chunk however many mappings the process has.

use std::collections::HashMap;
use std::io::{self, Read};

use super::kernel::kernel_line;
use super::maps::parse_maps_line_into;
use super::smaps::{FieldTable, Named, clear_record, parse_field_into, same_bytes};
use super::{ParseError, err, is_header};
use crate::model::{FieldId, Region, SmapsRecord};

/// Why [`RegionStream::next_into`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The read failed (for `/proc`: the process exited, or access was refused).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The text is not maps or smaps.
    #[error("{0}")]
    Parse(#[from] ParseError),
}

/// How much a [`RegionStream`] reads at a time at most (what `cat` asks for, too). A line
/// longer than this (a name of several KiB) makes the buffer grow to hold it.
pub const CHUNK: usize = 128 * 1024;

/// The buffer a [`RegionStream`] starts with. The kernel's seq_file hands out `maps` and
/// `smaps` at most a page (its own buffer) per `read()`, however much is asked for
/// (measured: 4,050 bytes a read for `cat`'s 128 KiB), so a bigger buffer buys nothing
/// there, and a zeroed 128 KiB cost 32 page faults and 130,000 instructions of `memset`
/// at every start (a tenth of `vasmap --pmap` of a small process). A source that fills
/// whatever it is given (a saved file) makes the buffer double up to [`CHUNK`].
const FIRST_CHUNK: usize = 16 * 1024;

thread_local! {
    /// The buffer of the last [`RegionStream`] dropped, for the next one.
    static SPARE_BUFFER: std::cell::Cell<Option<Vec<u8>>> = const { std::cell::Cell::new(None) };
}

impl<R> Drop for RegionStream<R> {
    fn drop(&mut self) {
        // A buffer that grew past CHUNK for a very long line is let go.
        if self.buf.len() <= CHUNK {
            let buf = std::mem::take(&mut self.buf);
            SPARE_BUFFER.with(|b| b.set(Some(buf)));
        }
    }
}

/// Reads maps or smaps text in chunks of [`CHUNK`] bytes and parses one region at a time,
/// so memory stays at one chunk however many mappings the process has (the smaps of
/// 60,000 mappings is about 45 MB of text).
///
/// Reading in chunks costs no consistency: the kernel's seq_file interface produces
/// `/proc/PID/maps` and `smaps` a buffer at a time, taking the process's mmap lock for
/// each `read()` and dropping it between reads, so one `read_to_end` (which is many
/// `read()`s) sees the mappings change under it exactly as much as this does. No way of
/// reading these files gives an atomic snapshot of a process that is running.
pub struct RegionStream<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the text not yet parsed.
    pos: usize,
    /// End of the text read.
    len: usize,
    eof: bool,
    /// Lines consumed so far (the number of the last one, for messages).
    pub(super) line: usize,
    smaps: bool,
    pub(super) names: Vec<String>,
    named: Vec<Named>,
    index: HashMap<Vec<u8>, usize>,
}

impl<R: Read> RegionStream<R> {
    /// A stream over `/proc/PID/maps` text: one line per region, no field lines.
    pub fn maps(reader: R) -> Self {
        Self::new(reader, false)
    }

    /// A stream over `/proc/PID/smaps` text: every region gets a [`SmapsRecord`]. Plain
    /// maps text is also accepted (the records then have no fields).
    pub fn smaps(reader: R) -> Self {
        Self::new(reader, true)
    }

    fn new(reader: R, smaps: bool) -> Self {
        // One buffer serves every stream of a run in turn (250 pids read one after the
        // other): allocating and zeroing 128 KiB for each cost a fault per page and a
        // brk/munmap pair each time, more than reading a small process's maps.
        let buf = SPARE_BUFFER
            .with(|b| b.take())
            .unwrap_or_else(|| vec![0; FIRST_CHUNK]);
        RegionStream {
            reader,
            buf,
            pos: 0,
            len: 0,
            eof: false,
            line: 0,
            smaps,
            names: Vec::new(),
            named: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The smaps field names seen so far; a record's [`FieldId`]s index this.
    pub fn field_names(&self) -> &[String] {
        &self.names
    }

    /// Take the field names (for a [`crate::model::Snapshot`]).
    pub fn into_field_names(mut self) -> Vec<String> {
        std::mem::take(&mut self.names)
    }

    /// Make sure a whole line starts at `pos` and return the index of its end (its `\n`,
    /// or `len` for a last line without one); `None` at the end of the input.
    fn line_end(&mut self) -> io::Result<Option<usize>> {
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf[self.pos..self.len]) {
                return Ok(Some(self.pos + nl));
            }
            if self.eof {
                return Ok((self.pos < self.len).then_some(self.len));
            }
            // Move the partial line to the front, make room, read more.
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
            if self.len == self.buf.len() {
                let grown = self.buf.len() * 2;
                self.buf.resize(grown, 0);
            }
            loop {
                let room = self.buf.len() - self.len;
                match self.reader.read(&mut self.buf[self.len..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => {
                        self.len += n;
                        // A source that fills what it is given reads in bigger pieces.
                        if n == room && self.buf.len() < CHUNK {
                            let grown = self.buf.len() * 2;
                            self.buf.resize(grown, 0);
                        }
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Consume the line that ends at `end`.
    #[inline]
    fn consume(&mut self, end: usize) {
        self.pos = (end + 1).min(self.len);
        self.line += 1;
    }

    /// Parse the next region into `r`, reusing its buffers (its name, and its smaps
    /// record's field list when it has one). Returns `Ok(false)` at the end of the input.
    /// The kind is left as [`Kind::Anon`](crate::model::Kind::Anon): classify it with
    /// [`crate::read::classify::kind_of`].
    pub fn next_into(&mut self, r: &mut Region) -> Result<bool, StreamError> {
        // The kernel's own line, whole in the buffer, in one pass (see `kernel_line`); a
        // line it accepts is a header, so the smaps test below is not needed for it.
        if let Some(nl) = kernel_line(&self.buf[self.pos..self.len], r) {
            let end = self.pos + nl;
            self.consume(end);
            if !self.smaps {
                r.smaps = None;
                return Ok(true);
            }
            return self.fields(r);
        }
        // The header line (skipping empty lines).
        let end = loop {
            match self.line_end()? {
                None => return Ok(false),
                Some(end) if end == self.pos => self.consume(end),
                Some(end) => break end,
            }
        };
        let n = self.line + 1;
        let line = &self.buf[self.pos..end];
        // In smaps, only the first line can come here without being a mapping line.
        if self.smaps && !is_header(line) {
            return Err(err(n, "a smaps field before the first mapping line").into());
        }
        parse_maps_line_into(line, r).map_err(|e| err(n, e))?;
        self.consume(end);
        self.fields(r)
    }

    /// After a header line: the smaps record's field lines, up to the next header or the
    /// end, into `r.smaps` (or no record, for maps). Always `Ok(true)` when it succeeds.
    fn fields(&mut self, r: &mut Region) -> Result<bool, StreamError> {
        if !self.smaps {
            r.smaps = None;
            return Ok(true);
        }
        let rec = r.smaps.get_or_insert_with(SmapsRecord::default);
        clear_record(rec);
        // Field lines, up to the next header or the end.
        loop {
            if self.fast_field(rec) {
                continue;
            }
            let Some(end) = self.line_end()? else { break };
            let line = &self.buf[self.pos..end];
            if line.is_empty() {
                self.consume(end);
                continue;
            }
            if is_header(line) {
                break;
            }
            let mut table = FieldTable {
                names: &mut self.names,
                named: &mut self.named,
                index: &mut self.index,
            };
            let n = self.line + 1;
            parse_field_into(line, rec, &mut table).map_err(|e| err(n, e))?;
            self.consume(end);
        }
        Ok(true)
    }

    /// The common case of a field line, in one pass over bytes already in the buffer: the
    /// field the previous record had at this position (`Name:   123 kB`), or `VmFlags:`.
    /// Returns false, consuming nothing, for anything else (a new field name, a header, a
    /// line cut by the end of the buffer, a malformed line): the general path then takes
    /// it and reports errors. Profiling showed finding the line end, testing for a header
    /// and looking up the name as separate passes cost three times as much as this.
    #[inline]
    fn fast_field(&mut self, rec: &mut SmapsRecord) -> bool {
        let buf = &self.buf[self.pos..self.len];
        let k = rec.fields.len();
        let Some(name) = self.names.get(k) else {
            return self.fast_vm_flags(rec);
        };
        let name = name.as_bytes();
        let n = name.len();
        if buf.len() <= n || buf[n] != b':' || !same_bytes(&buf[..n], name) {
            return self.fast_vm_flags(rec);
        }
        let mut i = n + 1;
        // The kernel pads the value to a column: skip the spaces eight at a time.
        while buf.get(i..i + 8) == Some(b"        ") {
            i += 8;
        }
        while buf.get(i) == Some(&b' ') {
            i += 1;
        }
        let digits = i;
        let mut v: u64 = 0;
        while let Some(&b) = buf.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            v = v.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            i += 1;
        }
        // At most 19 digits cannot overflow a u64; longer numbers take the checked path.
        if i == digits || i - digits > 19 {
            return false;
        }
        let rest = &buf[i..];
        let len = if rest.starts_with(b" kB\n") {
            i + 4
        } else if rest.first() == Some(&b'\n') {
            i + 1
        } else {
            return false;
        };
        // k < names.len() here, and FieldTable::id keeps `named` as long as `names`.
        let Some(&named) = self.named.get(k) else {
            return false;
        };
        rec.fields.push((k as FieldId, v));
        named.set(rec, v);
        self.pos += len;
        self.line += 1;
        true
    }

    /// `VmFlags: rd wr mr \n` when the whole line is in the buffer; see [`Self::fast_field`].
    #[inline]
    fn fast_vm_flags(&mut self, rec: &mut SmapsRecord) -> bool {
        let buf = &self.buf[self.pos..self.len];
        let Some(rest) = buf.strip_prefix(b"VmFlags:") else {
            return false;
        };
        let mut i = 0;
        let start = rec.vm_flags.len();
        loop {
            while rest.get(i) == Some(&b' ') {
                i += 1;
            }
            match rest.get(i..i + 3) {
                _ if rest.get(i) == Some(&b'\n') => break,
                Some([a, b, b' ' | b'\n']) if a.is_ascii_graphic() && b.is_ascii_graphic() => {
                    rec.vm_flags.push([*a, *b]);
                    i += 2;
                }
                _ => {
                    rec.vm_flags.truncate(start);
                    return false;
                }
            }
        }
        rec.has_vm_flags = true;
        self.pos += 8 + i + 1;
        self.line += 1;
        true
    }
}
