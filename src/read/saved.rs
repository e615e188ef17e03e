//! Saved snapshots: `--from FILE` and the sides of `vasmap diff`. A file is either a
//! `maps`/`smaps` capture (`cat /proc/PID/smaps > FILE`) or vasmap's own `--json` output,
//! told apart by its first byte (`{` is JSON).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::model::Snapshot;
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
}

/// Read every snapshot a saved file holds (a capture holds one; JSON one per process).
pub fn read_saved(path: &Path) -> Result<Vec<Snapshot>, SavedError> {
    let io_err = |source| SourceError::FileIo {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::read::proc::open_capture(path)?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let first = reader
        .fill_buf()
        .map_err(io_err)?
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    if first != Some(b'{') {
        // Go on from the same reader: a pipe (`--from <(cat /proc/PID/maps)`) cannot be
        // opened and read a second time.
        return Ok(vec![crate::read::proc::read_file_from(path, reader)?]);
    }
    let snaps = crate::view::json::read(reader).map_err(|source| {
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
