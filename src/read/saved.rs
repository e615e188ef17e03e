//! Saved snapshots: `--from FILE` and the sides of `vasmap diff`. A file is either a
//! `maps`/`smaps` capture (`cat /proc/PID/smaps > FILE`) or vasmap's own `--json` output
//! (one document per process, or an array of them as `jq -s` writes), told apart by its
//! first byte after any white space and byte-order mark (`{` or `[` is JSON).
//!
//! What is read: regular files, and pipes (`--from <(cat /proc/PID/smaps)`, `--from -`
//! for standard input). A named FIFO is read only when its writer is already waiting:
//! it is opened without blocking, so with no writer it reads as empty at once instead of
//! hanging, and a FIFO or pipe that gives nothing is an error that says so (not an empty
//! map). Devices and sockets are refused before anything is read.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::model::{ProcessInfo, Snapshot};
use crate::read::classify::classify;
use crate::read::parse::parse_any;
use crate::read::proc::{ReadOptions, SourceError, read_pid};

/// Why a saved snapshot (or a diff side) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "{}: not a vasmap JSON document ({source}); write one with `vasmap --json PID > FILE`",
        crate::text::escape_path(path)
    )]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{}: the JSON file holds no snapshot; write one with `vasmap --json PID > FILE`",
        crate::text::escape_path(path)
    )]
    Empty { path: PathBuf },
    #[error(
        "{}: the JSON file holds {count} snapshots (one per pid); diff and layout take one: save \
         each pid to its own file (`vasmap --json PID > FILE`)",
        crate::text::escape_path(path)
    )]
    Several { path: PathBuf, count: usize },
    #[error(transparent)]
    Core(#[from] crate::read::core::CoreError),
    #[error(
        "{}: --addr fault needs a core dump whose signal has a fault address (SIGSEGV, \
         SIGBUS, SIGILL, SIGFPE, SIGTRAP); this one has none: give an address instead",
        crate::text::escape_path(path)
    )]
    NoFault { path: PathBuf },
}

/// Read every snapshot a saved file holds (a capture holds one; JSON one per process).
pub fn read_saved(path: &Path) -> Result<Vec<Snapshot>, SavedError> {
    use std::io::Read;
    let io_err = |source| SourceError::FileIo {
        path: path.to_path_buf(),
        source,
    };
    let file = open_capture(path)?;
    let fifo = {
        use std::os::unix::fs::FileTypeExt;
        file.metadata().map_err(io_err)?.file_type().is_fifo()
    };
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    if fifo && reader.fill_buf().map_err(io_err)?.is_empty() {
        // A named FIFO opened with no writer reads as empty at once (it is opened
        // without waiting, see the module docs): say so rather than show no mappings.
        return Err(SavedError::Source(SourceError::EmptyPipe {
            path: path.to_path_buf(),
        }));
    }
    // An ELF file: a core dump, which its header says (a pipe may give fewer than the 18
    // bytes that takes in one read), or nothing vasmap reads.
    if reader.fill_buf().map_err(io_err)?.starts_with(b"\x7fELF") {
        let regular = reader.get_ref().metadata().map_err(io_err)?.is_file();
        let buffered = reader.buffer().to_vec();
        let mut rest = reader.into_inner();
        let mut head = buffered.clone();
        while head.len() < 18 {
            let mut buf = [0u8; 18];
            let n = rest.read(&mut buf[..18 - head.len()]).map_err(io_err)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        if !crate::read::core::is_core(&head) {
            return Err(SavedError::Core(crate::read::core::CoreError::NotCore {
                path: path.to_path_buf(),
                what: "an ELF file of another type: a program or a library".to_string(),
            }));
        }
        let snap = if regular {
            crate::read::core::read_core_open(path, rest)?
        } else {
            let stream = std::io::Cursor::new(head).chain(rest);
            crate::read::core::read_core_from(path, stream)?
        };
        return Ok(vec![snap]);
    }
    // A UTF-8 byte-order mark, as some editors write.
    if reader
        .fill_buf()
        .map_err(io_err)?
        .starts_with(b"\xef\xbb\xbf")
    {
        reader.consume(3);
    }
    let first = reader
        .fill_buf()
        .map_err(io_err)?
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    if first != Some(b'{') && first != Some(b'[') {
        // Go on from the same reader: a pipe (`--from <(cat /proc/PID/maps)`) cannot be
        // opened and read a second time.
        return Ok(vec![read_file_from(path, reader)?]);
    }
    let read = if first == Some(b'[') {
        crate::read::json::read_array(reader)
    } else {
        crate::read::json::read(reader)
    };
    let snaps = read.map_err(|source| {
        if source.is_io() {
            SavedError::Source(io_err(std::io::Error::other(source)))
        } else {
            SavedError::Json {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    if snaps.is_empty() {
        return Err(SavedError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(snaps)
}

/// The largest capture vasmap reads: the smaps of a process at the kernel's default limit
/// of 65530 mappings is about 100 MiB.
pub const CAPTURE_LIMIT: u64 = 256 << 20;

/// True for what a capture cannot be: a device (`/dev/zero` never ends; opening some has
/// effects of their own) or a socket.
fn is_device(kind: std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_block_device() || kind.is_socket()
}

/// Open a capture (`-` is standard input), refusing devices and sockets before opening
/// them. A pipe (`<(cat /proc/PID/smaps)`) is read as it comes; a named FIFO is opened
/// without waiting for a writer (see the module docs).
pub fn open_capture(path: &Path) -> Result<std::fs::File, SourceError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| SourceError::FileIo {
        path: path.to_path_buf(),
        source,
    };
    let refused = || SourceError::NotACapture {
        path: path.to_path_buf(),
    };
    let file = if path == Path::new("-") {
        let fd = rustix::io::dup(std::io::stdin()).map_err(|e| io(e.into()))?;
        std::fs::File::from(fd)
    } else {
        let before = std::fs::metadata(path).map_err(io)?.file_type();
        if is_device(before) {
            return Err(refused());
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(io)?;
        // Reads may wait for a writer that is there; only the open must not.
        let flags = rustix::fs::fcntl_getfl(&file).map_err(|e| io(e.into()))?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)
            .map_err(|e| io(e.into()))?;
        file
    };
    // The path may have been swapped since it was looked at.
    if is_device(file.metadata().map_err(io)?.file_type()) {
        return Err(refused());
    }
    Ok(file)
}

/// Read the rest of a capture whole, refusing more than [`CAPTURE_LIMIT`] bytes.
fn read_capture(path: &Path, reader: impl Read) -> Result<Vec<u8>, SourceError> {
    let mut text = Vec::new();
    reader
        .take(CAPTURE_LIMIT + 1)
        .read_to_end(&mut text)
        .map_err(|source| SourceError::FileIo {
            path: path.to_path_buf(),
            source,
        })?;
    if text.len() as u64 > CAPTURE_LIMIT {
        return Err(SourceError::NotACapture {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}

/// Read a saved file that must hold exactly one snapshot.
pub fn read_one(path: &Path) -> Result<Snapshot, SavedError> {
    let mut v = read_saved(path)?;
    match v.len() {
        1 => Ok(v.remove(0)),
        count => Err(SavedError::Several {
            path: path.to_path_buf(),
            count,
        }),
    }
}

/// One side of `vasmap diff`: a live pid or a saved file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    Pid(i32),
    File(PathBuf),
}

impl Side {
    /// All digits is a pid; anything else a file (write `./1234` for a file named 1234).
    pub fn parse(s: &str) -> Side {
        match s.parse::<i32>() {
            Ok(p) if p > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Side::Pid(p),
            _ => Side::File(PathBuf::from(s)),
        }
    }

    /// Take or read the snapshot.
    pub fn read(&self, opts: ReadOptions) -> Result<Snapshot, SavedError> {
        match self {
            Side::Pid(p) => Ok(read_pid(*p, opts)?),
            Side::File(f) => read_one(f),
        }
    }
}

/// Read a saved `maps` or `smaps` file. The process facts are unknown, so kinds come
/// from the names alone (the program's own binary cannot be told from other files).
pub fn read_file(path: &Path) -> Result<Snapshot, SourceError> {
    read_file_from(path, open_capture(path)?)
}

/// [`read_file`] from a reader already open on `path` (and maybe partly read into a
/// buffer, as `BufReader` does): a pipe can be read only once.
pub fn read_file_from(path: &Path, reader: impl Read) -> Result<Snapshot, SourceError> {
    let text = read_capture(path, reader)?;
    let mut fields = Vec::new();
    let (mut regions, has_smaps) =
        parse_any(&text, &mut fields).map_err(|source| SourceError::BadFile {
            path: path.to_path_buf(),
            source,
        })?;
    let info = ProcessInfo {
        cmdline: path.as_os_str().as_encoded_bytes().to_vec(),
        saved: true,
        ..Default::default()
    };
    classify(&mut regions, &info);
    Ok(Snapshot {
        process: info,
        regions,
        has_smaps,
        smaps_fields: fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides() {
        assert_eq!(Side::parse("123"), Side::Pid(123));
        assert_eq!(Side::parse("./123"), Side::File("./123".into()));
        assert_eq!(Side::parse("a.json"), Side::File("a.json".into()));
        assert_eq!(Side::parse("+5"), Side::File("+5".into()));
        assert_eq!(Side::parse("0"), Side::File("0".into()));
    }
}
