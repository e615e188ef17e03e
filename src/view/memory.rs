//! The bytes a [`crate::view::spool::Spool`] keeps in memory: a `Vec` while they are few,
//! then one anonymous mapping of the spool's whole limit, with transparent huge pages
//! asked for (`MADV_HUGEPAGE`).
//!
//! Why: the spools hold the most memory vasmap touches (the table's rows, the output held
//! until a process's maps were read whole: ~3 MB for 60,000 mappings), and every new page
//! of a growing `Vec` is a page fault (plus a copy each time it doubles). Measured with
//! `perf stat -e page-faults` on the table of 60,000 mappings: 781 faults against `cat`'s
//! 76, about 2 ms of system time in this VM (see docs/performance.md). A huge page is one
//! fault for 2 MiB. Where the kernel gives no huge page (THP off, none free), the mapping
//! still works as ordinary pages, faulted as they are touched, without the copies.
//!
//! Below [`SMALL`] bytes (most processes) nothing changes: a 2 MiB page for a table of a
//! hundred rows would cost more than it saves.

use memmap2::{Advice, MmapMut};

/// Bytes kept in a `Vec` before moving to a mapping.
pub const SMALL: usize = 256 << 10;

/// Append-only bytes, up to a limit fixed when made.
#[derive(Debug, Default)]
pub struct Memory {
    vec: Vec<u8>,
    map: Option<MmapMut>,
    /// Bytes used in `map`.
    len: usize,
    limit: usize,
}

impl Memory {
    /// Empty, for up to `limit` bytes.
    pub fn new(limit: usize) -> Memory {
        Memory {
            limit,
            ..Memory::default()
        }
    }

    /// Bytes stored.
    #[inline]
    pub fn len(&self) -> usize {
        match self.map {
            Some(_) => self.len,
            None => self.vec.len(),
        }
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes stored.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.map {
            Some(m) => &m[..self.len],
            None => &self.vec,
        }
    }

    /// Append `b`; the caller keeps within the limit (past it, the bytes go to a `Vec`,
    /// correct but without the mapping's gain).
    #[inline]
    pub fn extend_from_slice(&mut self, b: &[u8]) {
        if let Some(m) = &mut self.map {
            if let Some(dst) = m.get_mut(self.len..self.len + b.len()) {
                dst.copy_from_slice(b);
                self.len += b.len();
                return;
            }
            // Over the limit: back to a Vec (a caller's bug, not worth a panic).
            let mut v = m[..self.len].to_vec();
            v.extend_from_slice(b);
            self.map = None;
            self.vec = v;
            return;
        }
        let after = self.vec.len() + b.len();
        if after > SMALL && after <= self.limit && self.map_now() {
            self.extend_from_slice(b);
            return;
        }
        self.vec.extend_from_slice(b);
    }

    /// Move to a mapping of the whole limit; false when none can be made (then the `Vec`
    /// goes on).
    #[cold]
    fn map_now(&mut self) -> bool {
        let Ok(mut m) = MmapMut::map_anon(self.limit) else {
            return false;
        };
        // Advice only: without THP the pages are ordinary ones.
        let _ = m.advise(Advice::HugePage);
        let n = self.vec.len();
        m[..n].copy_from_slice(&self.vec);
        self.vec = Vec::new();
        self.len = n;
        self.map = Some(m);
        true
    }

    /// Forget the bytes and give the memory back.
    pub fn clear(&mut self) {
        self.vec = Vec::new();
        self.map = None;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_back_across_the_move_to_a_mapping_and_past_the_limit() {
        let limit = 3 * SMALL;
        let mut m = Memory::new(limit);
        let mut want = Vec::new();
        let mut i = 0u32;
        while want.len() < limit + 1000 {
            let b = i.to_le_bytes();
            m.extend_from_slice(&b);
            want.extend_from_slice(&b);
            i += 1;
            if want.len() == SMALL + 4 {
                assert!(m.map.is_some(), "moved to a mapping past SMALL");
            }
        }
        assert!(m.map.is_none(), "back to a Vec past the limit");
        assert_eq!(m.as_slice(), &want[..]);
        m.clear();
        assert!(m.is_empty());
        // A small limit never maps.
        let mut s = Memory::new(100);
        s.extend_from_slice(&[1; 90]);
        assert!(s.map.is_none() && s.len() == 90);
    }
}
