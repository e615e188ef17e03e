//! Where a core's bytes come from, read a bounded piece at a time.
//!
//! A core dump can be many GiB, almost all of it the memory of the `PT_LOAD` segments,
//! which vasmap never needs: the map is in the ELF header, the program headers and the
//! notes, a few KiB to a few MiB at the front of the file. So the reader never maps or
//! reads the whole file. It asks a [`Source`] for the pieces it needs, in the order they
//! lie in the file, through a [`Window`] that buffers a little ahead (one `pread` per
//! 64 KiB instead of one per note) and holds no more than the largest piece asked for.
//!
//! Three sources: a regular file (read with `pread`, its length known, so a claim past
//! the end is refused before anything is allocated), a byte slice (tests and the fuzz
//! target), and a stream such as a pipe (`--from <(zcat core.gz)`), which can only go
//! forward: skipping is reading and throwing away, and a piece behind the current
//! position cannot be had. The kernel and gdb both write the headers, then the notes,
//! then the memory, so a stream suffices for every core they write.

use std::io::{self, Read};

/// How much a [`Window`] reads at once beyond what is asked.
const READ_AHEAD: usize = 64 * 1024;

/// The most a [`Window`] reads in one call, however much is asked.
const CHUNK: usize = 1 << 20;

/// Random or forward-only access to a core's bytes.
pub(super) trait Source {
    /// Fill `buf` from the bytes at `offset`. Fails with `UnexpectedEof` where the
    /// file ends first, and for a stream with `Unsupported` when `offset` is behind what
    /// was already read.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// The file's length, when it is known (not for a stream).
    fn len(&self) -> Option<u64>;
}

/// A regular file, read with `pread` (no seek position to keep in step).
pub(super) struct FileSource<'a> {
    pub file: &'a std::fs::File,
    pub len: u64,
}

impl Source for FileSource<'_> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match self.file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    fn len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// Bytes already in memory.
pub(super) struct SliceSource<'a>(pub &'a [u8]);

impl Source for SliceSource<'_> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }

    fn len(&self) -> Option<u64> {
        Some(self.0.len() as u64)
    }
}

/// A stream that can only be read forward (a pipe).
pub(super) struct StreamSource<R> {
    pub inner: R,
    /// How many bytes have been consumed.
    pub pos: u64,
}

impl<R: Read> Source for StreamSource<R> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset < self.pos {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the core's parts are out of order, and a pipe cannot be read backwards",
            ));
        }
        let skip = offset - self.pos;
        let skipped = io::copy(&mut (&mut self.inner).take(skip), &mut io::sink())?;
        self.pos += skipped;
        if skipped < skip {
            return Ok(0);
        }
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += done as u64;
        Ok(done)
    }

    fn len(&self) -> Option<u64> {
        None
    }
}

/// A buffered view of a [`Source`], for pieces asked in increasing offset order.
pub(super) struct Window<'s> {
    src: &'s mut dyn Source,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    start: u64,
}

impl<'s> Window<'s> {
    pub fn new(src: &'s mut dyn Source) -> Self {
        Window {
            src,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// The file's length, when known.
    pub fn file_len(&self) -> Option<u64> {
        self.src.len()
    }

    /// `len` bytes at `offset`, reading ahead no further than `limit` (the end of the
    /// structure being read). `Ok(None)` where the file ends first. The caller bounds
    /// `len`; the buffer grows only as bytes arrive, so a stream that claims more than
    /// it holds costs what it holds.
    pub fn get(&mut self, offset: u64, len: usize, limit: u64) -> io::Result<Option<&[u8]>> {
        let end = offset
            .checked_add(len as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "offset overflows"))?;
        let buffered_end = self.start + self.buf.len() as u64;
        if offset < self.start || offset > buffered_end {
            // Behind the buffer (fine for a file, an error for a stream) or past it.
            self.buf.clear();
            self.start = offset;
        } else {
            // Keep what is still ahead, drop what is behind.
            self.buf.drain(..(offset - self.start) as usize);
            self.start = offset;
        }
        while (self.buf.len() as u64) < len as u64 {
            let have = self.start + self.buf.len() as u64;
            let need = end - have;
            let ahead = limit.saturating_sub(have).min(READ_AHEAD as u64);
            // At most a MiB a read: a claim larger than what arrives costs what arrives.
            let want = need.max(ahead).min(CHUNK as u64) as usize;
            let old = self.buf.len();
            self.buf.resize(old + want, 0);
            let got = self.src.read_at(have, &mut self.buf[old..])?;
            self.buf.truncate(old + got);
            if got == 0 {
                return Ok(None);
            }
        }
        Ok(Some(&self.buf[..len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_reads_forward_from_a_stream_and_reports_the_end() {
        let data: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
        let mut src = StreamSource {
            inner: &data[..],
            pos: 0,
        };
        let mut w = Window::new(&mut src);
        assert_eq!(w.get(10, 3, 200_000).unwrap(), Some(&data[10..13]));
        assert_eq!(w.get(12, 2, 200_000).unwrap(), Some(&data[12..14]));
        assert_eq!(
            w.get(100_000, 70_000, 200_000).unwrap(),
            Some(&data[100_000..170_000])
        );
        assert_eq!(w.get(199_990, 20, 200_010).unwrap(), None);
        // Behind what a stream has given: refused, not a wrong answer.
        assert!(w.get(5, 1, 10).is_err());
    }

    #[test]
    fn window_goes_back_in_a_file() {
        let data: Vec<u8> = (0..100u8).collect();
        let mut src = SliceSource(&data);
        let mut w = Window::new(&mut src);
        assert_eq!(w.get(50, 10, 100).unwrap(), Some(&data[50..60]));
        assert_eq!(w.get(5, 5, 100).unwrap(), Some(&data[5..10]));
        assert_eq!(w.get(95, 10, 100).unwrap(), None);
        assert_eq!(w.get(u64::MAX - 1, 1, u64::MAX).unwrap(), None);
    }
}
