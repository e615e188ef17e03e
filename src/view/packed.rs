//! A compact, append-only store of rows, for views that must see every row before they
//! print the first (`-X` measures its column widths from all the data, the table fixes
//! its widths from one pass) without keeping a [`crate::model::Region`] per mapping.
//!
//! A `Region` with its smaps record is about 230 bytes plus ~400 bytes of field list on
//! the heap; for 60,000 mappings that is over 35 MiB. Here a row is its numbers as LEB128
//! varints (most smaps figures are 0 or 4 and take one byte) and its strings with a varint
//! length, one after another in one `Vec<u8>`: about 60 bytes a row for `-X`.
//! [`encode_region`] packs a whole region the same way, for `--sort`.

use crate::model::{Explanation, Kind, Region, SmapsRecord};

/// Rows of numbers and byte strings, packed one after another.
#[derive(Debug, Default, Clone)]
pub struct Packed {
    buf: Vec<u8>,
    rows: usize,
}

impl Packed {
    /// An empty store.
    pub fn new() -> Packed {
        Packed::default()
    }

    /// Append a number.
    #[inline]
    pub fn push_u64(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// Append a byte string.
    #[inline]
    pub fn push_bytes(&mut self, b: &[u8]) {
        self.push_u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// Mark the end of a row (rows are only counted: a reader reads them back in the
    /// order and with the layout they were written).
    #[inline]
    pub fn end_row(&mut self) {
        self.rows += 1;
    }

    /// The number of rows ended.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes used.
    pub fn len_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Read the store from the start.
    pub fn reader(&self) -> PackedReader<'_> {
        PackedReader {
            buf: &self.buf,
            pos: 0,
        }
    }
}

/// Append a number to `buf` as a LEB128 varint (what [`Packed::push_u64`] writes).
#[inline]
pub fn put_u64(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Append a byte string to `buf`, its length first.
#[inline]
pub fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_u64(buf, b.len() as u64);
    buf.extend_from_slice(b);
}

/// Take a number [`put_u64`] wrote from the front of `buf`.
#[inline]
pub fn take_u64(buf: &mut &[u8]) -> u64 {
    let mut rd = PackedReader { buf, pos: 0 };
    let v = rd.u64();
    *buf = &buf[rd.pos..];
    v
}

/// Take a byte string [`put_bytes`] wrote from the front of `buf`.
pub fn take_bytes<'a>(buf: &mut &'a [u8]) -> &'a [u8] {
    let mut rd = PackedReader { buf, pos: 0 };
    let b = rd.bytes();
    *buf = &buf[rd.pos..];
    b
}

/// The number of each kind in a packed row, and back (a match on the variant: looking
/// the key up by string cost more than the rest of the row).
pub fn kind_code(k: Kind) -> (u64, u64) {
    match k {
        Kind::Program => (0, 0),
        Kind::Loader => (1, 0),
        Kind::Library => (2, 0),
        Kind::File => (3, 0),
        Kind::DeletedFile => (4, 0),
        Kind::Heap => (5, 0),
        Kind::Stack => (6, 0),
        Kind::ThreadStack { tid } => (7, u64::from(tid as u32)),
        Kind::Guard => (8, 0),
        Kind::Anon => (9, 0),
        Kind::NamedAnon => (10, 0),
        Kind::SharedAnon => (11, 0),
        Kind::Memfd => (12, 0),
        Kind::SysvShm { shmid } => (13, shmid),
        Kind::Vdso => (14, 0),
        Kind::Vvar => (15, 0),
        Kind::Vsyscall => (16, 0),
        Kind::Special => (17, 0),
        Kind::Reserved => (18, 0),
    }
}

fn kind_of_code(code: u64, payload: u64) -> Kind {
    match code {
        0 => Kind::Program,
        1 => Kind::Loader,
        2 => Kind::Library,
        3 => Kind::File,
        4 => Kind::DeletedFile,
        5 => Kind::Heap,
        6 => Kind::Stack,
        7 => Kind::ThreadStack {
            tid: payload as u32 as i32,
        },
        8 => Kind::Guard,
        10 => Kind::NamedAnon,
        11 => Kind::SharedAnon,
        12 => Kind::Memfd,
        13 => Kind::SysvShm { shmid: payload },
        14 => Kind::Vdso,
        15 => Kind::Vvar,
        16 => Kind::Vsyscall,
        17 => Kind::Special,
        18 => Kind::Reserved,
        _ => Kind::Anon,
    }
}

/// Pack a whole region (and its explanation, when there is one) into `buf`, for views
/// and `--sort`, which keep rows until they have seen the last: what [`decode_region`]
/// reads back.
pub fn encode_region(buf: &mut Vec<u8>, r: &Region, explain: Option<&Explanation>) {
    for v in [r.start, r.end, r.offset, r.inode] {
        put_u64(buf, v);
    }
    let p = r.perms;
    put_u64(
        buf,
        u64::from(p.read)
            | u64::from(p.write) << 1
            | u64::from(p.exec) << 2
            | u64::from(p.shared) << 3,
    );
    put_u64(buf, u64::from(r.dev_major));
    put_u64(buf, u64::from(r.dev_minor));
    let (code, payload) = kind_code(r.kind);
    put_u64(buf, code);
    put_u64(buf, payload);
    put_bytes(buf, &r.name);
    match r.dumped {
        Some(d) => {
            put_u64(
                buf,
                1 | u64::from(d.kind_inferred) << 1
                    | u64::from(d.shared_known) << 2
                    | u64::from(d.perms_known) << 3
                    | u64::from(d.read_known) << 4,
            );
            put_u64(buf, d.bytes);
        }
        None => put_u64(buf, 0),
    }
    match &r.smaps {
        Some(s) => {
            put_u64(buf, 1 | u64::from(s.has_vm_flags) << 1);
            for v in [
                s.rss,
                s.pss,
                s.shared_clean,
                s.shared_dirty,
                s.private_clean,
                s.private_dirty,
                s.referenced,
                s.anonymous,
                s.swap,
                s.swap_pss,
                s.locked,
            ] {
                put_u64(buf, v);
            }
            put_u64(buf, s.fields.len() as u64);
            for &(id, v) in &s.fields {
                put_u64(buf, u64::from(id));
                put_u64(buf, v);
            }
            put_u64(buf, s.vm_flags.len() as u64);
            for f in &s.vm_flags {
                put_u64(buf, u64::from(u16::from_le_bytes(*f)));
            }
        }
        None => put_u64(buf, 0),
    }
    match explain {
        Some(e) => {
            put_u64(buf, 1);
            put_bytes(buf, e.text.as_bytes());
            put_u64(buf, e.sections.len() as u64);
            for s in &e.sections {
                put_bytes(buf, s.as_bytes());
            }
        }
        None => put_u64(buf, 0),
    }
}

/// Read back what [`encode_region`] packed, into `r` and `e` (their buffers reused).
/// Returns whether there was an explanation.
pub fn decode_region(buf: &[u8], r: &mut Region, e: &mut Explanation) -> bool {
    let mut rd = PackedReader { buf, pos: 0 };
    r.start = rd.u64();
    r.end = rd.u64();
    r.offset = rd.u64();
    r.inode = rd.u64();
    let p = rd.u64();
    r.perms = crate::model::Perms {
        read: p & 1 != 0,
        write: p & 2 != 0,
        exec: p & 4 != 0,
        shared: p & 8 != 0,
    };
    r.dev_major = rd.u64() as u32;
    r.dev_minor = rd.u64() as u32;
    let code = rd.u64();
    r.kind = kind_of_code(code, rd.u64());
    r.name.clear();
    r.name.extend_from_slice(rd.bytes());
    let d = rd.u64();
    r.dumped = (d & 1 != 0).then(|| crate::model::Dumped {
        kind_inferred: d & 2 != 0,
        shared_known: d & 4 != 0,
        perms_known: d & 8 != 0,
        read_known: d & 16 != 0,
        bytes: rd.u64(),
    });
    let sm = rd.u64();
    if sm & 1 != 0 {
        let s = r.smaps.get_or_insert_with(SmapsRecord::default);
        s.has_vm_flags = sm & 2 != 0;
        for slot in [
            &mut s.rss,
            &mut s.pss,
            &mut s.shared_clean,
            &mut s.shared_dirty,
            &mut s.private_clean,
            &mut s.private_dirty,
            &mut s.referenced,
            &mut s.anonymous,
            &mut s.swap,
            &mut s.swap_pss,
            &mut s.locked,
        ] {
            *slot = rd.u64();
        }
        s.fields.clear();
        for _ in 0..rd.u64().min(buf.len() as u64) {
            let id = rd.u64() as u16;
            s.fields.push((id, rd.u64()));
        }
        s.vm_flags.clear();
        for _ in 0..rd.u64().min(buf.len() as u64) {
            s.vm_flags.push((rd.u64() as u16).to_le_bytes());
        }
    } else {
        r.smaps = None;
    }
    if rd.u64() == 0 {
        return false;
    }
    e.text = String::from_utf8_lossy(rd.bytes()).into_owned();
    e.sections.clear();
    for _ in 0..rd.u64().min(buf.len() as u64) {
        e.sections
            .push(String::from_utf8_lossy(rd.bytes()).into_owned());
    }
    true
}

/// Reads a [`Packed`] store back, value by value, in the order it was written.
#[derive(Debug, Clone)]
pub struct PackedReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> PackedReader<'a> {
    /// A reader of `buf` from its start.
    pub fn new(buf: &'a [u8]) -> Self {
        PackedReader { buf, pos: 0 }
    }

    /// Where the next value starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// True when everything has been read.
    pub fn is_done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next number (0 past the end: the writer and reader agree on the layout, so
    /// that only happens on a bug, and then gives wrong figures rather than a crash).
    #[inline]
    pub fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some(&b) = self.buf.get(self.pos) {
            self.pos += 1;
            if shift < 64 {
                v |= u64::from(b & 0x7f) << shift;
            }
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        v
    }

    /// The next byte string (empty past the end).
    #[inline]
    pub fn bytes(&mut self) -> &'a [u8] {
        let n = usize::try_from(self.u64()).unwrap_or(usize::MAX);
        let start = self.pos.min(self.buf.len());
        let end = start.saturating_add(n).min(self.buf.len());
        self.pos = end;
        &self.buf[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reads_back_what_was_written(rows in prop::collection::vec(
            (any::<u64>(), prop::collection::vec(any::<u8>(), 0..300), 0u64..200), 0..50)) {
            let mut p = Packed::new();
            for (a, s, b) in &rows {
                p.push_u64(*a);
                p.push_bytes(s);
                p.push_u64(*b);
                p.end_row();
            }
            prop_assert_eq!(p.rows(), rows.len());
            let mut r = p.reader();
            for (a, s, b) in &rows {
                prop_assert_eq!(r.u64(), *a);
                prop_assert_eq!(r.bytes(), &s[..]);
                prop_assert_eq!(r.u64(), *b);
            }
            prop_assert!(r.is_done());
        }
    }

    #[test]
    fn a_region_comes_back_whole() {
        let mut r =
            crate::read::parse::parse_maps_line(b"7f00-7f10 rwxs 00001000 fe:01 42 /tmp/a \xff b")
                .unwrap();
        r.kind = Kind::ThreadStack { tid: -3 };
        r.dumped = Some(crate::model::Dumped {
            bytes: 9,
            kind_inferred: true,
            shared_known: false,
            perms_known: true,
            read_known: false,
        });
        r.smaps = Some(SmapsRecord {
            rss: 4,
            swap: 8,
            fields: vec![(0, 4), (3, 8)],
            vm_flags: vec![*b"rd", *b"wr"],
            has_vm_flags: true,
            ..SmapsRecord::default()
        });
        let e = Explanation {
            text: "code".into(),
            sections: vec![".text".into()],
        };
        let mut buf = Vec::new();
        encode_region(&mut buf, &r, Some(&e));
        let (mut back, mut be) = (Region::blank(), Explanation::default());
        assert!(decode_region(&buf, &mut back, &mut be));
        assert_eq!((back, be), (r.clone(), e));
        buf.clear();
        r.smaps = None;
        encode_region(&mut buf, &r, None);
        let mut back = Region::blank();
        assert!(!decode_region(&buf, &mut back, &mut Explanation::default()));
        assert_eq!(back, r);
    }

    #[test]
    fn small_numbers_take_one_byte() {
        let mut p = Packed::new();
        for v in [0, 4, 127] {
            p.push_u64(v);
        }
        assert_eq!(p.len_bytes(), 3);
        p.push_u64(u64::MAX);
        assert_eq!(p.len_bytes(), 3 + 10);
        let mut r = p.reader();
        r.u64();
        r.u64();
        r.u64();
        assert_eq!(r.u64(), u64::MAX);
        assert_eq!(r.u64(), 0);
        assert_eq!(r.bytes(), b"");
    }
}
