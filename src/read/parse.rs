//! `/proc/PID/maps` and `/proc/PID/smaps` text -> [`Region`]s. Works on bytes, does no I/O
//! of its own: [`RegionStream`] reads from any [`Read`] it is given.
//!
//! Hand-written rather than `procfs`'s parser because that one reads each line as a UTF-8
//! `String` (one non-UTF-8 file name fails the whole process), trims the name (losing
//! trailing spaces that are part of a file's name) and allocates a hash map per smaps
//! record. Here a line is split on bytes, the name is kept exactly as the kernel wrote it,
//! and smaps is kept as an open-ended, ordered list of fields, because the set varies by
//! kernel version (see `Documentation/filesystems/proc.rst`).
//!
//! Speed (see docs/performance.md): each line is scanned once, left to right, numbers are
//! converted while they are scanned, and a smaps field name is matched by comparing it with
//! the name the previous record had at the same position (the kernel prints the fields of
//! every record in one order), so a field line costs one short `memcmp`. Parsing into an
//! existing [`Region`] ([`parse_maps_line_into`], [`RegionStream::next_into`]) reuses its
//! name and field buffers, so streaming a process of 60,000 mappings allocates nothing per
//! mapping.

use std::collections::HashMap;
use std::io::{self, Read, Write};

use crate::model::{FieldId, Kind, Perms, Region, SmapsRecord};

/// What was wrong with a line, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct ParseError {
    /// 1-based line number in the input.
    pub line: usize,
    pub what: String,
}

fn err(line: usize, what: impl Into<String>) -> ParseError {
    ParseError {
        line,
        what: what.into(),
    }
}

/// The value of each byte as a hex digit, or 0xff: one load per digit instead of three
/// range tests (the address columns are most of a maps line's digits).
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The value of a hex digit, or `None`.
#[inline]
fn hex_digit(b: u8) -> Option<u64> {
    match HEX[usize::from(b)] {
        0xff => None,
        d => Some(u64::from(d)),
    }
}

/// Scan a hexadecimal number at `s[*i..]` that ends at `end` (which is consumed) or, when
/// `end` is `None`, at the end of `s`. One to sixteen digits.
#[inline]
fn hex_to(s: &[u8], i: &mut usize, end: Option<u8>) -> Option<u64> {
    let begin = *i;
    let mut v: u64 = 0;
    while let Some(&b) = s.get(*i) {
        match hex_digit(b) {
            Some(d) => v = (v << 4) | d,
            None => break,
        }
        *i += 1;
    }
    let n = *i - begin;
    if n == 0 || n > 16 {
        return None;
    }
    match end {
        Some(e) if s.get(*i) == Some(&e) => {
            *i += 1;
            Some(v)
        }
        Some(_) => None,
        None => Some(v),
    }
}

/// Scan a decimal number at `s[*i..]` (one to twenty digits, no overflow), stopping at the
/// first byte that is not a digit.
#[inline]
fn dec_at(s: &[u8], i: &mut usize) -> Option<u64> {
    let begin = *i;
    let mut v: u64 = 0;
    while let Some(&b) = s.get(*i) {
        if !b.is_ascii_digit() {
            break;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        *i += 1;
    }
    (*i > begin).then_some(v)
}

/// Parse one maps line (without its newline) into `r`, reusing `r.name`'s buffer. The kind
/// is set to [`Kind::Anon`] (the real one is set later by [`crate::read::classify`]); `r.smaps`
/// is left as it was.
///
/// The layout is `start-end perms offset major:minor inode`, then, for a named mapping,
/// padding spaces and the name. The name is the rest of the line: it may hold spaces,
/// trailing spaces and any byte but a newline (which the kernel writes as `\012`).
/// Names never begin with a space (paths begin with `/`, pseudo names with `[` or a
/// letter), so the padding is every space before the name.
pub fn parse_maps_line_into(line: &[u8], r: &mut Region) -> Result<(), &'static str> {
    if line.is_empty() {
        return Err("empty line");
    }
    let mut i = 0;
    let start = hex_to(line, &mut i, Some(b'-')).ok_or("bad start address")?;
    let end = hex_to(line, &mut i, Some(b' ')).ok_or("bad end address")?;
    if end < start {
        return Err("end address below start address");
    }
    // Each letter or a `-` in its place, and `s` or `p` last: nothing else is read as a
    // permission (a capture saying `zzzz` is not `---p`).
    let perms = match line.get(i..i + 5) {
        Some(
            [
                r @ (b'r' | b'-'),
                w @ (b'w' | b'-'),
                x @ (b'x' | b'-'),
                s @ (b's' | b'p'),
                b' ',
            ],
        ) => Perms {
            read: *r == b'r',
            write: *w == b'w',
            exec: *x == b'x',
            shared: *s == b's',
        },
        _ => return Err("permissions are not r/w/x/- and s or p"),
    };
    i += 5;
    let offset = hex_to(line, &mut i, Some(b' ')).ok_or("bad offset")?;
    let dev_major = hex_to(line, &mut i, Some(b':'))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device major")?;
    let dev_minor = hex_to(line, &mut i, Some(b' '))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device minor")?;
    let inode = dec_at(line, &mut i).ok_or("bad inode")?;
    match line.get(i) {
        None | Some(b' ') => {}
        Some(_) => return Err("bad inode"),
    }
    // A named line is padded to column 73 (up to ~30 spaces): skip them eight at a time.
    while line.get(i..i + 8) == Some(b"        ") {
        i += 8;
    }
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    r.start = start;
    r.end = end;
    r.perms = perms;
    r.offset = offset;
    r.dev_major = dev_major;
    r.dev_minor = dev_minor;
    r.inode = inode;
    r.name.clear();
    r.name.extend_from_slice(&line[i..]);
    r.kind = Kind::Anon;
    Ok(())
}

/// Parse one maps line (without its newline) into a [`Region`] of kind [`Kind::Anon`];
/// the real kind is set later by [`crate::read::classify`]. See [`parse_maps_line_into`].
pub fn parse_maps_line(line: &[u8]) -> Result<Region, String> {
    let mut r = Region::blank();
    parse_maps_line_into(line, &mut r)?;
    Ok(r)
}

/// Where the kernel pads a named maps line to before the name: `seq_setwidth(m, 25 +
/// sizeof(void *) * 6 - 1)` then `seq_pad(m, ' ')` in `fs/proc/task_mmu.c`, so the name
/// starts at column 73 (one more space) when the fixed columns are shorter than that.
const NAME_COLUMN: usize = 25 + 8 * 6 - 1;

/// Write `r` as the kernel writes it in `/proc/PID/maps`, without the newline: the inverse
/// of [`parse_maps_line`]. Hex fields are lower case and at least 8 (addresses, offset) or
/// 2 (device) digits wide, the inode is decimal, an anonymous line ends in `0 ` (with its
/// trailing space), and a name is put after padding to column 73, exactly as stored (a
/// parsed name keeps the kernel's `\012` escape, so it holds no newline).
pub fn to_maps_line(r: &Region, out: &mut Vec<u8>) {
    let line_start = out.len();
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ",
        r.start,
        r.end,
        r.perms.to_maps_string(),
        r.offset,
        r.dev_major,
        r.dev_minor,
        r.inode
    );
    if !r.name.is_empty() {
        let width = out.len() - line_start;
        out.resize(out.len() + NAME_COLUMN.saturating_sub(width), b' ');
        out.push(b' ');
        out.extend_from_slice(&r.name);
    }
}

/// Write regions as a whole `/proc/PID/maps` file, one line each with its newline.
pub fn print_maps(regions: &[Region]) -> Vec<u8> {
    let mut out = Vec::with_capacity(regions.len() * 100);
    for r in regions {
        to_maps_line(r, &mut out);
        out.push(b'\n');
    }
    out
}

/// Iterate over the lines of `text`, without their `\n`. A final line without a newline
/// is still a line; an empty input has no lines.
fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.is_empty())
}

/// Parse a whole `/proc/PID/maps` file. An empty input (a kernel thread, a zombie) gives
/// no regions.
pub fn parse_maps(text: &[u8]) -> Result<Vec<Region>, ParseError> {
    let mut out = Vec::with_capacity(text.len() / 80 + 1);
    for (n, line) in lines(text) {
        let mut r = Region::blank();
        parse_maps_line_into(line, &mut r).map_err(|e| err(n, e))?;
        out.push(r);
    }
    Ok(out)
}

/// True when a line of smaps opens a new record: it starts with a hex address and `-`.
/// Field lines start with a name and `:`.
#[inline]
fn is_header(line: &[u8]) -> bool {
    let hex_len = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    hex_len > 0 && line.get(hex_len) == Some(&b'-')
}

/// Which named member of [`SmapsRecord`] a field fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    None,
    Rss,
    Pss,
    SharedClean,
    SharedDirty,
    PrivateClean,
    PrivateDirty,
    Referenced,
    Anonymous,
    Swap,
    SwapPss,
    Locked,
}

impl Named {
    fn of(key: &[u8]) -> Named {
        match key {
            b"Rss" => Named::Rss,
            b"Pss" => Named::Pss,
            b"Shared_Clean" => Named::SharedClean,
            b"Shared_Dirty" => Named::SharedDirty,
            b"Private_Clean" => Named::PrivateClean,
            b"Private_Dirty" => Named::PrivateDirty,
            b"Referenced" => Named::Referenced,
            b"Anonymous" => Named::Anonymous,
            b"Swap" => Named::Swap,
            b"SwapPss" => Named::SwapPss,
            b"Locked" => Named::Locked,
            _ => Named::None,
        }
    }

    #[inline]
    fn set(self, rec: &mut SmapsRecord, v: u64) {
        match self {
            Named::None => {}
            Named::Rss => rec.rss = v,
            Named::Pss => rec.pss = v,
            Named::SharedClean => rec.shared_clean = v,
            Named::SharedDirty => rec.shared_dirty = v,
            Named::PrivateClean => rec.private_clean = v,
            Named::PrivateDirty => rec.private_dirty = v,
            Named::Referenced => rec.referenced = v,
            Named::Anonymous => rec.anonymous = v,
            Named::Swap => rec.swap = v,
            Named::SwapPss => rec.swap_pss = v,
            Named::Locked => rec.locked = v,
        }
    }
}

/// The smaps field names seen so far (in first-seen order, the [`FieldId`]s) and, for each,
/// the named member it fills.
struct FieldTable<'a> {
    names: &'a mut Vec<String>,
    named: &'a mut Vec<Named>,
    /// Each name's id, for names out of the usual order: a hash lookup rather than a scan
    /// of the list, so that a capture with many distinct names stays linear.
    index: &'a mut HashMap<Vec<u8>, usize>,
}

impl FieldTable<'_> {
    /// The id of `key`, adding it when it is new. `pos` is the field's position in its
    /// record: the kernel's fixed order makes `names[pos]` the usual answer.
    #[inline]
    fn id(&mut self, key: &[u8], pos: usize) -> Result<(FieldId, Named), &'static str> {
        // Field names given by the caller (a second parse_smaps with the same list) have
        // no `named` entry yet.
        while self.named.len() < self.names.len() {
            let i = self.named.len();
            let n = Named::of(self.names[i].as_bytes());
            self.named.push(n);
            self.index.insert(self.names[i].as_bytes().to_vec(), i);
        }
        let id = match self.names.get(pos) {
            Some(name) if name.as_bytes() == key => pos,
            _ => match self.index.get(key) {
                Some(&i) => i,
                None => {
                    let name = std::str::from_utf8(key)
                        .map_err(|_| "a smaps field name that is not a word")?;
                    self.names.push(name.to_string());
                    self.named.push(Named::of(key));
                    self.index.insert(key.to_vec(), self.names.len() - 1);
                    self.names.len() - 1
                }
            },
        };
        let fid = FieldId::try_from(id).map_err(|_| "too many smaps field names")?;
        Ok((fid, self.named[id]))
    }
}

/// Parse one smaps field line (`Rss:   4 kB`, `VmFlags: rd wr mr`) into `rec`.
fn parse_field_into(
    line: &[u8],
    rec: &mut SmapsRecord,
    table: &mut FieldTable<'_>,
) -> Result<(), &'static str> {
    let colon =
        memchr::memchr(b':', line).ok_or("neither a mapping line nor a 'Name: value' field")?;
    let key = &line[..colon];
    let value = &line[colon + 1..];
    // The kernel's field names are words such as `Rss` or `Private_Dirty`; they are
    // shown as column headers, so only printable ASCII is accepted.
    if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
        return Err("a smaps field name that is not a word");
    }
    if key == b"VmFlags" {
        rec.has_vm_flags = true;
        for flag in value.split(|&b| b == b' ').filter(|f| !f.is_empty()) {
            // The kernel's flags are two lower-case letters; anything printable is
            // kept (a newer kernel may add more), nothing a terminal would act on.
            match flag {
                [a, b] if a.is_ascii_graphic() && b.is_ascii_graphic() => {
                    rec.vm_flags.push([*a, *b]);
                }
                _ => return Err("a VmFlags entry that is not two letters"),
            }
        }
        return Ok(());
    }
    let mut i = 0;
    while value.get(i) == Some(&b' ') {
        i += 1;
    }
    let number = dec_at(value, &mut i).ok_or("a smaps field without a number")?;
    match value.get(i) {
        None | Some(b' ') => {}
        Some(_) => return Err("a smaps field without a number"),
    }
    let (id, named) = table.id(key, rec.fields.len())?;
    rec.fields.push((id, number));
    named.set(rec, number);
    Ok(())
}

/// `a == b` for short field names without a call to `memcmp`: names of 8 to 16 bytes are
/// compared as two overlapping 8-byte words.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if (8..=16).contains(&n) {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else {
        a == b
    }
}

/// Reset a record for reuse, keeping its buffers.
fn clear_record(rec: &mut SmapsRecord) {
    let mut fields = std::mem::take(&mut rec.fields);
    let mut flags = std::mem::take(&mut rec.vm_flags);
    fields.clear();
    flags.clear();
    *rec = SmapsRecord {
        fields,
        vm_flags: flags,
        ..SmapsRecord::default()
    };
}

/// Parse a whole `/proc/PID/smaps` file. Field names are added to `field_names` in the
/// order first seen; each record refers to them by index.
///
/// A saved plain `maps` file is also accepted (records then have no fields), so one
/// reader serves both kinds of capture.
pub fn parse_smaps(text: &[u8], field_names: &mut Vec<String>) -> Result<Vec<Region>, ParseError> {
    let mut out: Vec<Region> = Vec::with_capacity(text.len() / 700 + 1);
    let mut stream = RegionStream::smaps(text);
    stream.names = std::mem::take(field_names);
    let mut r = Region::blank();
    let result = loop {
        match stream.next_into(&mut r) {
            // A clone's buffers are exactly as long as they need to be.
            Ok(true) => out.push(r.clone()),
            Ok(false) => break Ok(out),
            Err(StreamError::Parse(e)) => break Err(e),
            // Reading a byte slice cannot fail.
            Err(StreamError::Io(e)) => break Err(err(stream.line + 1, e.to_string())),
        }
    };
    *field_names = std::mem::take(&mut stream.names);
    result
}

/// Parse either a maps or an smaps capture, deciding from its second line: smaps has a
/// `Name: value` field there. Returns the regions and whether smaps records were found.
pub fn parse_any(
    text: &[u8],
    field_names: &mut Vec<String>,
) -> Result<(Vec<Region>, bool), ParseError> {
    let second = lines(text).nth(1).map(|(_, l)| l);
    match second {
        Some(l) if !is_header(l) => Ok((parse_smaps(text, field_names)?, true)),
        _ => Ok((parse_maps(text)?, false)),
    }
}

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
    line: usize,
    smaps: bool,
    names: Vec<String>,
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
    /// The kind is left as [`Kind::Anon`]: classify it with [`crate::read::classify::kind_of`].
    pub fn next_into(&mut self, r: &mut Region) -> Result<bool, StreamError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_compare_like_slices() {
        let names: [&[u8]; 9] = [
            b"",
            b"Rss",
            b"Pss_Dirty",
            b"Shared_Clean",
            b"Private_Hugetlb",
            b"ShmemPmdMappedX",
            b"KernelPageSize",
            b"ProtectionKeyAndMore",
            b"Private_Hugetlc",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn anonymous_line_has_empty_name() {
        let r = parse_maps_line(b"7f4620e66000-7f4620e69000 rw-p 00000000 00:00 0 ").unwrap();
        assert_eq!(r.start, 0x7f4620e66000);
        assert_eq!(r.end, 0x7f4620e69000);
        assert_eq!(r.size_kb(), 12);
        assert!(r.perms.read && r.perms.write && !r.perms.exec && !r.perms.shared);
        assert_eq!(r.name, b"");
    }

    #[test]
    fn name_keeps_inner_and_trailing_spaces() {
        let r = parse_maps_line(
            b"7f0000000000-7f0000001000 r--p 00000000 fe:00 42                         /tmp/a  b ",
        )
        .unwrap();
        assert_eq!(r.name, b"/tmp/a  b ");
        assert_eq!(r.basename(), b"a  b ");
        assert_eq!(r.inode, 42);
        assert_eq!((r.dev_major, r.dev_minor), (0xfe, 0));
    }

    #[test]
    fn long_offset_and_wide_device() {
        let r = parse_maps_line(
            b"7f0000000000-7f0000001000 r--s 1234567890ab 103:1f 99                /dev/dri/card0",
        )
        .unwrap();
        assert_eq!(r.offset, 0x1234567890ab);
        assert_eq!((r.dev_major, r.dev_minor), (0x103, 0x1f));
        assert!(r.perms.shared);
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        for bad in [
            &b"zz-10 r--p 0 0:0 0"[..],
            b"10 r--p 0 0:0 0",
            b"10-20 r-p 0 0:0 0",
            b"10-20 zzzz 0 0:0 0",
            b"10-20 rwxq 0 0:0 0",
            b"20-10 r--p 0 0:0 0",
            b"10-20 r--p 0 00 0",
            b"10-20 r--p 0 0:0 x",
            b"10-20",
        ] {
            assert!(
                parse_maps_line(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(parse_maps(b"").unwrap(), vec![]);
    }

    #[test]
    fn printing_a_parsed_capture_gives_back_its_bytes() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/simple.maps"
        ))
        .unwrap();
        let regions = parse_maps(&text).unwrap();
        assert!(regions.len() > 10);
        assert_eq!(
            String::from_utf8_lossy(&print_maps(&regions)),
            String::from_utf8_lossy(&text)
        );
    }

    #[test]
    fn printing_live_maps_gives_back_the_kernels_bytes() {
        let text = std::fs::read("/proc/self/maps").unwrap();
        let regions = parse_maps(&text).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&print_maps(&regions)),
            String::from_utf8_lossy(&text)
        );
    }

    #[test]
    fn long_fixed_columns_still_get_the_pad_space_before_the_name() {
        let line = b"ffffffffff600000-ffffffffff601000 --xp 123456789abcdef0 fffff:fffff 18446744073709551615  /x";
        let r = parse_maps_line(line).unwrap();
        let mut out = Vec::new();
        to_maps_line(&r, &mut out);
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(line));
    }

    #[test]
    fn smaps_field_names_out_of_order_are_found() {
        let text = b"1000-2000 r--p 00000000 00:00 0 \nA: 1 kB\nB: 2 kB\n\
2000-3000 r--p 00000000 00:00 0 \nB: 3 kB\nC: 4 kB\nA: 5 kB\n";
        let mut names = Vec::new();
        let regions = parse_smaps(text, &mut names).unwrap();
        assert_eq!(names, ["A", "B", "C"]);
        let s = regions[1].smaps.as_ref().unwrap();
        assert_eq!((s.get(0), s.get(1), s.get(2)), (Some(5), Some(3), Some(4)));
    }

    #[test]
    fn smaps_field_names_and_flags_must_be_printable() {
        // Found by the fuzzer: a saved capture whose "field name" held control bytes,
        // which the -X table printed as a column header.
        let found = b"7f00-7f10 r-Xp 0000 0000fe:00 12  \x01/\\\n\0r-\x1e000 fe:00 ";
        assert!(parse_smaps(found, &mut Vec::new()).is_err());
        assert!(parse_any(found, &mut Vec::new()).is_err());
        let flags = b"10-20 r--p 0 0:0 0 \nVmFlags: rd \x1b[\n";
        assert!(parse_smaps(flags, &mut Vec::new()).is_err());
        let ok = b"10-20 r--p 0 0:0 0 \nPss_Dirty: 1 kB\nVmFlags: rd mr\n";
        assert!(parse_smaps(ok, &mut Vec::new()).is_ok());
    }

    #[test]
    fn smaps_fields_in_order() {
        let text = b"00400000-00401000 r-xp 00000000 fe:00 1 /bin/x\n\
Size:                  4 kB\n\
Rss:                   4 kB\n\
Pss:                   2 kB\n\
Private_Dirty:         0 kB\n\
THPeligible:    0\n\
VmFlags: rd ex mr mw me \n\
00401000-00402000 rw-p 00000000 00:00 0 \n\
Size:                  4 kB\n\
Rss:                   0 kB\n\
Pss:                   0 kB\n\
Private_Dirty:         8 kB\n\
THPeligible:    1\n\
VmFlags: rd wr mr mw me ac \n";
        let mut names = Vec::new();
        let regions = parse_smaps(text, &mut names).unwrap();
        assert_eq!(
            names,
            ["Size", "Rss", "Pss", "Private_Dirty", "THPeligible"]
        );
        assert_eq!(regions.len(), 2);
        let s = regions[0].smaps.as_ref().unwrap();
        assert_eq!((s.rss, s.pss), (4, 2));
        assert_eq!(s.vm_flags_string(), "rd ex mr mw me");
        let s = regions[1].smaps.as_ref().unwrap();
        assert_eq!(s.private_dirty, 8);
        assert_eq!(s.get(4), Some(1));
        assert_eq!(regions[1].name, b"");
    }
}
