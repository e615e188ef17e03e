//! Bytes kept for later in bounded memory: up to [`MEMORY_LIMIT`] in memory, the rest in
//! an unlinked temporary file (O_TMPFILE through the `tempfile` crate, else a memfd).
//!
//! Three things need it. The output of one address space is held until its source says
//! the rows were complete ([`HoldBack`]): a process that exits while it is read cuts its
//! maps short without an error, and a document cut in the middle is worse than none. The
//! table keeps its rows until it knows its column widths, and `--sort` keeps every row
//! until it has seen the last ([`RowStore`]). A process at the kernel's limit of 65,530
//! mappings, each with a name of 4 KiB, is 256 MiB of rows: in memory that would be the
//! kind of growth vasmap promises never to have.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::rc::Rc;

use crate::view::memory::Memory;

/// What a spool keeps in memory before it moves to a file.
pub const MEMORY_LIMIT: usize = 4 << 20;

/// An append-only store of bytes; see the module docs.
#[derive(Debug)]
pub struct Spool {
    mem: Memory,
    file: Option<File>,
    len: u64,
    limit: usize,
    /// Once in a file: the bytes not written to it yet (the last of the `len`), written
    /// [`PENDING`] at a time. One `write` an append cost 31,682 calls for the table of
    /// 60,000 mappings with `--explain` (its rows spill), 85% of its system time.
    pending: Vec<u8>,
}

/// How much a spilled [`Spool`] gathers before it writes to its file.
const PENDING: usize = 64 * 1024;

impl Default for Spool {
    fn default() -> Self {
        Spool::new()
    }
}

/// An unlinked temporary file: `$TMPDIR` (or /tmp), else a memfd.
fn temporary_file() -> io::Result<File> {
    match tempfile::tempfile() {
        Ok(f) => Ok(f),
        Err(disk) => rustix::fs::memfd_create("vasmap-spool", rustix::fs::MemfdFlags::CLOEXEC)
            .map(File::from)
            .map_err(|_| {
                io::Error::new(
                    disk.kind(),
                    format!(
                        "cannot make a temporary file to hold the output ({disk}): set TMPDIR \
                         to a writable directory"
                    ),
                )
            }),
    }
}

impl Spool {
    /// An empty spool that keeps up to [`MEMORY_LIMIT`] bytes in memory.
    pub fn new() -> Spool {
        Spool::with_limit(MEMORY_LIMIT)
    }

    /// An empty spool that keeps up to `limit` bytes in memory (tests use small ones).
    pub fn with_limit(limit: usize) -> Spool {
        Spool {
            mem: Memory::new(limit),
            file: None,
            len: 0,
            limit,
            pending: Vec::new(),
        }
    }

    /// Bytes stored.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True once the bytes went to a file.
    pub fn is_spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Append bytes.
    pub fn append(&mut self, b: &[u8]) -> io::Result<()> {
        if self.file.is_none() && self.mem.len() + b.len() > self.limit {
            let mut f = temporary_file()?;
            f.write_all(self.mem.as_slice())?;
            self.mem.clear();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => {
                self.pending.extend_from_slice(b);
                if self.pending.len() >= PENDING {
                    f.write_all(&self.pending)?;
                    self.pending.clear();
                }
            }
            None => self.mem.extend_from_slice(b),
        }
        self.len += b.len() as u64;
        Ok(())
    }

    /// Write what is pending to the file.
    fn flush_pending(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.file
            && !self.pending.is_empty()
        {
            f.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    /// The bytes in memory, when none went to a file.
    pub fn in_memory(&self) -> Option<&[u8]> {
        self.file.is_none().then_some(self.mem.as_slice())
    }

    /// Write every byte to `out`, in order.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.flush_pending()?;
        match &mut self.file {
            None => out.write_all(self.mem.as_slice()),
            Some(f) => {
                f.seek(SeekFrom::Start(0))?;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
    }

    /// Forget everything (and the file).
    pub fn clear(&mut self) {
        self.mem.clear();
        self.file = None;
        self.len = 0;
        self.pending.clear();
    }

    /// Read `buf.len()` bytes at `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        match &self.file {
            Some(f) => {
                // The bytes before `in_file` are in the file, the rest still pending.
                let in_file = self.len - self.pending.len() as u64;
                let end = offset + buf.len() as u64;
                let split =
                    usize::try_from(in_file.clamp(offset, end) - offset).map_err(|_| short())?;
                if split > 0 {
                    f.read_exact_at(&mut buf[..split], offset)?;
                }
                if split < buf.len() {
                    let start =
                        usize::try_from(offset + split as u64 - in_file).map_err(|_| short())?;
                    let bytes = self
                        .pending
                        .get(start..start + (buf.len() - split))
                        .ok_or_else(short)?;
                    buf[split..].copy_from_slice(bytes);
                }
                Ok(())
            }
            None => {
                let start = usize::try_from(offset).map_err(|_| short())?;
                let bytes = self
                    .mem
                    .as_slice()
                    .get(start..start + buf.len())
                    .ok_or_else(short)?;
                buf.copy_from_slice(bytes);
                Ok(())
            }
        }
    }
}

fn short() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "a spooled row is cut short")
}

/// Output held until [`Completion::complete`] says the input was whole, then written
/// through. Dropped before that, it writes nothing.
pub struct HoldBack<'a> {
    out: &'a mut dyn Write,
    held: Spool,
    done: Completion,
    released: bool,
}

/// The flag a source sets once its rows are known to be whole; shared with the
/// [`HoldBack`] holding that source's output.
#[derive(Debug, Clone, Default)]
pub struct Completion(Rc<Cell<bool>>);

impl Completion {
    /// Say the input was read whole: held output may go out.
    pub fn complete(&self) {
        self.0.set(true);
    }

    /// True once [`Completion::complete`] was called.
    pub fn is_complete(&self) -> bool {
        self.0.get()
    }
}

impl<'a> HoldBack<'a> {
    /// Hold what is written for `out` until `done` is complete.
    pub fn new(out: &'a mut dyn Write, done: Completion) -> Self {
        HoldBack {
            out,
            held: Spool::new(),
            done,
            released: false,
        }
    }

    /// Write what was held and pass the rest through: call once the input is complete.
    pub fn release(&mut self) -> io::Result<()> {
        if !self.released {
            self.released = true;
            self.held.copy_to(self.out)?;
            self.held.clear();
        }
        Ok(())
    }
}

impl Write for HoldBack<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.released && self.done.is_complete() {
            self.release()?;
        }
        if self.released {
            self.out.write(buf)
        } else {
            self.held.append(buf)?;
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.released {
            self.out.flush()
        } else {
            Ok(())
        }
    }
}

/// Rows of bytes kept in a [`Spool`], each prefixed with its length, read back in order
/// ([`RowStore::each`]) or by the offset [`RowStore::push`] returned ([`RowStore::get`]).
///
/// A row is made in place at the end of `tail` ([`RowStore::begin_row`]), and `tail` goes
/// to the spool [`TAIL`] bytes at a time: one copy of 64 KiB rather than a copy and an
/// append (a call to `memcpy`) for every row. Callgrind on the table of 60,000 mappings:
/// 104.27 million instructions with rows made in a buffer of their own and appended,
/// 104.01 million made in place (callgrind counts a bulk copy's `rep movsb` a byte at a
/// time, so the 64 KiB copies weigh more there than they cost).
#[derive(Debug, Default)]
pub struct RowStore {
    spool: Spool,
    rows: usize,
    /// Whole rows, framed, not in the spool yet: they follow its bytes.
    tail: Vec<u8>,
}

/// How much [`RowStore`] gathers before it appends to its spool.
const TAIL: usize = 64 * 1024;

impl RowStore {
    /// An empty store.
    pub fn new() -> RowStore {
        RowStore::default()
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Append a row; returns where it starts, for [`RowStore::get`].
    pub fn push(&mut self, row: &[u8]) -> io::Result<u64> {
        let (buf, start) = self.begin_row();
        buf.extend_from_slice(row);
        self.end_row(start)
    }

    /// Begin a row: the buffer to append its bytes to, and where it starts in that buffer
    /// for [`RowStore::end_row`]. Nothing but the row's bytes may be appended before then,
    /// and nothing before `start` changed.
    #[inline]
    pub fn begin_row(&mut self) -> (&mut Vec<u8>, usize) {
        let start = self.tail.len();
        self.tail.extend_from_slice(&[0; 4]);
        (&mut self.tail, start)
    }

    /// End the row [`RowStore::begin_row`] began at `start`; returns where it starts, for
    /// [`RowStore::get`].
    #[inline]
    pub fn end_row(&mut self, start: usize) -> io::Result<u64> {
        let row = self.tail.get_mut(start..).ok_or_else(short)?;
        let Some((len, bytes)) = row.split_first_chunk_mut::<4>() else {
            return Err(short());
        };
        *len = u32::try_from(bytes.len())
            .map_err(|_| short())?
            .to_le_bytes();
        let at = self.spool.len() + start as u64;
        self.rows += 1;
        if self.tail.len() >= TAIL {
            self.settle()?;
        }
        Ok(at)
    }

    /// Move the rows gathered in `tail` to the spool.
    fn settle(&mut self) -> io::Result<()> {
        if !self.tail.is_empty() {
            self.spool.append(&self.tail)?;
            self.tail.clear();
        }
        Ok(())
    }

    /// The row that starts at `at`, into `buf` (the rows gathered go to the spool first).
    pub fn get(&mut self, at: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        self.settle()?;
        let mut n = [0u8; 4];
        self.spool.read_at(at, &mut n)?;
        buf.resize(u32::from_le_bytes(n) as usize, 0);
        self.spool.read_at(at + 4, buf)
    }

    /// Call `each` with every row, in the order pushed.
    pub fn each(&mut self, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        self.each_padded(|padded, n| each(&padded[..n]))
    }

    /// Call `each` with every row, in the order pushed, as `(padded, n)`: the row is
    /// `padded[..n]`, and `padded` goes on past it (to the end of the rows kept in memory,
    /// or by [`RowStore::PAD`] bytes read from the file), so that a short text near the
    /// row's end can be copied 16 bytes at a time (`Grid::packed_row`, which looks at
    /// what there is) rather than by a call to `memcpy`.
    pub fn each_padded(
        &mut self,
        mut each: impl FnMut(&[u8], usize) -> io::Result<()>,
    ) -> io::Result<()> {
        self.settle()?;
        if let Some(mem) = self.spool.in_memory() {
            let mut rest = mem;
            while rest.len() >= 4 {
                let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let padded = &rest[4..];
                if padded.len() < n {
                    return Err(short());
                }
                each(padded, n)?;
                rest = &padded[n..];
            }
            return Ok(());
        }
        self.spool.flush_pending()?;
        let Some(f) = self.spool.file.as_mut() else {
            return Ok(());
        };
        f.seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(256 * 1024, &*f);
        let mut buf = Vec::new();
        for _ in 0..self.rows {
            let mut n = [0u8; 4];
            r.read_exact(&mut n)?;
            let n = u32::from_le_bytes(n) as usize;
            buf.resize(n + RowStore::PAD, 0);
            r.read_exact(&mut buf[..n])?;
            each(&buf, n)?;
        }
        Ok(())
    }

    /// The bytes [`RowStore::each_padded`] puts after a row read back from the file.
    pub const PAD: usize = 16;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spool_moves_to_a_file_past_its_limit_and_keeps_every_byte() {
        let mut s = Spool::with_limit(10);
        s.append(b"0123456").unwrap();
        assert!(!s.is_spilled());
        s.append(b"789abc").unwrap();
        assert!(s.is_spilled());
        let mut out = Vec::new();
        s.copy_to(&mut out).unwrap();
        assert_eq!(out, b"0123456789abc");
    }

    #[test]
    fn held_output_goes_out_only_once_complete() {
        let mut out = Vec::new();
        let done = Completion::default();
        let mut h = HoldBack::new(&mut out, done.clone());
        h.write_all(b"head ").unwrap();
        drop(h);
        assert!(out.is_empty(), "dropped before completion: nothing");
        let mut h = HoldBack::new(&mut out, done.clone());
        h.write_all(b"head ").unwrap();
        done.complete();
        h.write_all(b"tail").unwrap();
        drop(h);
        assert_eq!(out, b"head tail");
    }

    #[test]
    fn spilled_rows_read_by_offset_across_the_file_and_the_pending_bytes() {
        let mut store = RowStore {
            spool: Spool::with_limit(0),
            rows: 0,
            tail: Vec::new(),
        };
        // 300 rows of up to 1,500 bytes: several writes of PENDING, then rows gathered.
        let rows: Vec<Vec<u8>> = (0..300u32)
            .map(|i| vec![(i % 251) as u8; (i as usize * 37) % 1500])
            .collect();
        let at: Vec<u64> = rows.iter().map(|r| store.push(r).unwrap()).collect();
        assert!(!store.tail.is_empty() && store.spool.len() > 2 * PENDING as u64);
        let mut buf = Vec::new();
        let every = |store: &mut RowStore, buf: &mut Vec<u8>| {
            for (i, &a) in at.iter().enumerate().rev() {
                store.get(a, buf).unwrap();
                assert_eq!(*buf, rows[i], "row {i}");
            }
        };
        // Read by offset with rows still gathered (`get` settles them).
        every(&mut store, &mut buf);
        assert!(store.tail.is_empty());
        let mut n = 0;
        store
            .each(|r| {
                assert_eq!(r, &rows[n][..]);
                n += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(n, rows.len());
        // All in the file.
        assert!(store.tail.is_empty() && store.spool.pending.is_empty());
        every(&mut store, &mut buf);
    }

    #[test]
    fn a_spilled_spool_reads_across_its_file_and_its_pending_bytes() {
        let mut s = Spool::with_limit(0);
        let bytes: Vec<u8> = (0..PENDING as u32 + 5000)
            .map(|i| (i % 253) as u8)
            .collect();
        for chunk in bytes.chunks(3000) {
            s.append(chunk).unwrap();
        }
        assert!(!s.pending.is_empty() && s.len() > PENDING as u64);
        let mut buf = vec![0; 9000];
        for at in [0, PENDING - 4000, bytes.len() - 9000] {
            s.read_at(at as u64, &mut buf).unwrap();
            assert_eq!(buf, bytes[at..at + 9000]);
        }
        assert!(s.read_at(bytes.len() as u64 - 10, &mut buf).is_err());
    }

    #[test]
    fn rows_come_back_in_order_and_by_offset_in_memory_and_spilled() {
        for limit in [1 << 20, 16, 0] {
            let mut store = RowStore {
                spool: Spool::with_limit(limit),
                rows: 0,
                tail: Vec::new(),
            };
            let rows: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; usize::from(i % 7)]).collect();
            // Every other row made in place, as the table makes them.
            let at: Vec<u64> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    if i % 2 == 0 {
                        store.push(r).unwrap()
                    } else {
                        let (buf, start) = store.begin_row();
                        buf.extend_from_slice(r);
                        store.end_row(start).unwrap()
                    }
                })
                .collect();
            assert!(store.end_row(usize::MAX).is_err(), "no row begun there");
            // Read back by offset while still gathered.
            let mut buf = Vec::new();
            for (i, &a) in at.iter().enumerate() {
                store.get(a, &mut buf).unwrap();
                assert_eq!(buf, rows[i]);
            }
            let mut back = Vec::new();
            store
                .each(|r| {
                    back.push(r.to_vec());
                    Ok(())
                })
                .unwrap();
            assert_eq!(back, rows);
            store.get(at[33], &mut buf).unwrap();
            assert_eq!(buf, rows[33]);
            assert_eq!(store.spool.is_spilled(), limit < (1 << 20));
            // Every row by its offset, some in the file, some still pending.
            for (i, &a) in at.iter().enumerate() {
                store.get(a, &mut buf).unwrap();
                assert_eq!(buf, rows[i]);
            }
        }
    }
}
