//! A compact, append-only store of rows, for views that must see every row before they
//! print the first (`-X` measures its column widths from all the data, the table fixes
//! its widths from one pass) without keeping a [`crate::model::Region`] per mapping.
//!
//! A `Region` with its smaps record is about 230 bytes plus ~400 bytes of field list on
//! the heap; for 60,000 mappings that is over 35 MiB. Here a row is its numbers as LEB128
//! varints (most smaps figures are 0 or 4 and take one byte) and its strings with a varint
//! length, one after another in one `Vec<u8>`: about 60 bytes a row for `-X`.

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

/// Reads a [`Packed`] store back, value by value, in the order it was written.
#[derive(Debug, Clone)]
pub struct PackedReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> PackedReader<'a> {
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
