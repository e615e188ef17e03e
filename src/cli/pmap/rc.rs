//! pmap's rc files (`config_read` and `config_create` in procps-ng 4.0.2's `src/pmap.c`):
//! reading one for `-c`/`-C FILE`, and writing the default one for `-n`/`-N FILE`.
//!
//! The format is pmap's, warts included, because a file that works with pmap must work
//! the same here: lines are read 1024 bytes at a time (`fgets`), so a longer line is cut
//! with a warning and a NUL ends a line early; leading spaces and tabs go, `#` starts a
//! comment only at the start of a line (or as the second word); `[Fields Display]` lists
//! the columns to show, one word a line, case sensitive, kept to 31 bytes; `[Mapping]`
//! holds `ShowPath`, which *toggles* showing full paths (twice is off again, and with
//! `-p` it turns them off); a word after a section header still counts, after a warning.
//! Every warning is pmap's, with the line number.
//!
//! Where pmap is wrong this is not: pmap reads an endless file (`-C /dev/zero`) for
//! ever, and would keep every line of a huge one; here an rc file is read up to
//! [`MAX_RC_BYTES`] and no further, and each field name is kept once.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use crate::view::pmap::FieldSelection;

/// The longest rc file read: pmap's default file is 640 bytes.
pub(super) const MAX_RC_BYTES: u64 = 1 << 20;

/// pmap's `MAX_CNF_LINE_LEN`: `fgets` reads at most this many bytes at a time.
const LINE_MAX: usize = 1024;

/// What an rc file asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RcFile {
    /// The `[Fields Display]` entries.
    pub fields: FieldSelection,
    /// An odd number of `ShowPath` lines: flip `-p`.
    pub flip_show_path: bool,
    /// pmap's warnings, each a whole line with its newline, `NAME: ` first.
    pub warnings: Vec<u8>,
}

/// Why an rc file could not be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// It could not be opened. pmap's message (`couldn't read ...`) says no more, and
    /// the pmap mode prints pmap's message.
    Open,
    /// It is longer than [`MAX_RC_BYTES`].
    TooLong,
}

/// The sections pmap knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Unsupported,
    Fields,
    Mapping,
}

/// `fgets(buf, LINE_MAX + 1, f)`: up to [`LINE_MAX`] bytes, through the next newline.
/// `false` at the end of the file, or on a read error (fgets returns NULL for both).
fn fgets(r: &mut impl BufRead, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        if avail.is_empty() {
            return !buf.is_empty();
        }
        let room = LINE_MAX - buf.len();
        let take = &avail[..avail.len().min(room)];
        if let Some(nl) = memchr::memchr(b'\n', take) {
            buf.extend_from_slice(&take[..=nl]);
            r.consume(nl + 1);
            return true;
        }
        let n = take.len();
        buf.extend_from_slice(take);
        r.consume(n);
        if buf.len() == LINE_MAX {
            return true;
        }
    }
}

/// The C string in `buf`: up to the first NUL.
fn c_str(buf: &[u8]) -> &[u8] {
    &buf[..memchr::memchr(0, buf).unwrap_or(buf.len())]
}

/// `strtok(s, " \t")` twice: the first word and the start of the second, if any.
fn two_words(s: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let is_delim = |b: &u8| *b == b' ' || *b == b'\t';
    let mut words = s.split(is_delim).filter(|w| !w.is_empty());
    (words.next(), words.next())
}

/// Read an rc file as pmap's `config_read` does. `name` starts each warning.
pub(super) fn read(path: &Path, name: &str) -> Result<RcFile, ReadError> {
    // A directory opens (fopen "r" does too) and then reads as an empty file.
    let file = std::fs::File::open(path).map_err(|_| ReadError::Open)?;
    let mut limited = io::BufReader::new(file.take(MAX_RC_BYTES + 1));
    let rc = parse(&mut limited, name);
    if limited.get_ref().limit() == 0 {
        return Err(ReadError::TooLong);
    }
    Ok(rc)
}

/// The parser of [`read`], on any reader.
pub(super) fn parse(r: &mut impl BufRead, name: &str) -> RcFile {
    let mut rc = RcFile::default();
    let warn = |rc: &mut RcFile, what: &str, line: usize| {
        let _ = writeln!(rc.warnings, "{name}: {what} - line {line}");
    };
    let mut buf = Vec::with_capacity(LINE_MAX);
    let mut tail = Vec::with_capacity(LINE_MAX);
    let mut line_no = 0;
    let mut section = Section::None;
    while fgets(r, &mut buf) {
        line_no += 1;
        let mut line = c_str(&buf);
        if let Some(stripped) = line.strip_suffix(b"\n") {
            line = stripped;
        } else if line.len() == LINE_MAX {
            warn(&mut rc, "config line too long", line_no);
            // The rest of the line is skipped (and its first 1024 bytes kept).
            while fgets(r, &mut tail) {
                let t = c_str(&tail);
                if t.is_empty() || t.ends_with(b"\n") {
                    break;
                }
            }
        }
        let trim =
            |s: &[u8]| -> usize { s.iter().take_while(|&&b| b == b' ' || b == b'\t').count() };
        let mut rest = &line[trim(line)..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            if let Some(after) = rest.strip_prefix(b"[Fields Display]".as_slice()) {
                rest = after;
                section = Section::Fields;
            } else if let Some(after) = rest.strip_prefix(b"[Mapping]".as_slice()) {
                rest = after;
                section = Section::Mapping;
            } else if let Some(close) = memchr::memchr(b']', rest) {
                section = Section::Unsupported;
                warn(&mut rc, "unsupported section found in the config", line_no);
                rest = &rest[close + 1..];
            } else {
                warn(&mut rc, "syntax error found in the config", line_no);
                rest = &[];
            }
            rest = &rest[trim(rest)..];
            if rest.is_empty() || rest[0] == b'#' {
                continue;
            }
            // pmap warns, then reads the rest of the line as an entry of the section.
            warn(&mut rc, "syntax error found in the config", line_no);
        }
        match section {
            Section::Fields | Section::Mapping => {
                let (word, second) = two_words(rest);
                if second.is_some_and(|s| s[0] != b'#') {
                    warn(&mut rc, "syntax error found in the config", line_no);
                }
                match (section, word) {
                    (Section::Fields, Some(w)) => rc.fields.enable(w),
                    (Section::Mapping, Some(b"ShowPath")) => {
                        rc.flip_show_path = !rc.flip_show_path;
                    }
                    _ => {}
                }
            }
            Section::Unsupported => {}
            Section::None => warn(&mut rc, "syntax error found in the config", line_no),
        }
    }
    rc
}

/// The default rc file, byte for byte what `pmap -n` writes (its `config_create`).
pub(super) const DEFAULT_RC: &str = "\
# pmap's Config File

# All the entries are case sensitive.
# Unsupported entries are ignored!

[Fields Display]

# To enable a field uncomment its entry

#Perm
#Offset
#Device
#Inode
#Size
#Rss
#Pss
#Shared_Clean
#Shared_Dirty
#Private_Clean
#Private_Dirty
#Referenced
#Anonymous
#AnonHugePages
#Swap
#KernelPageSize
#MMUPageSize
#Locked
#VmFlags
#Mapping


[Mapping]

# to show paths in the mapping column uncomment the following line
#ShowPath

";

/// Why the default rc file was not written.
#[derive(Debug)]
pub(super) enum CreateError {
    /// Something is there already (pmap checks by opening it for reading).
    Exists,
    /// It could not be created or written (pmap says no more either).
    Write,
}

/// Write [`DEFAULT_RC`] to `path` unless something can be opened there already, as
/// pmap's `config_create` does (a directory counts). A failed write is an error here
/// (pmap does not check its `fprintf`s).
pub(super) fn create(path: &Path) -> Result<(), CreateError> {
    if std::fs::File::open(path).is_ok() {
        return Err(CreateError::Exists);
    }
    let mut f = std::fs::File::create(path).map_err(|_| CreateError::Write)?;
    f.write_all(DEFAULT_RC.as_bytes())
        .and_then(|()| f.flush())
        .map_err(|_| CreateError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(text: &[u8]) -> RcFile {
        parse(&mut io::Cursor::new(text), "pmap")
    }

    fn fields(rc: &RcFile) -> Vec<String> {
        rc.fields
            .names()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }

    #[test]
    fn the_default_file_enables_nothing() {
        let r = rc(DEFAULT_RC.as_bytes());
        assert_eq!(r, RcFile::default());
    }

    #[test]
    fn sections_entries_and_toggles() {
        let r = rc(b"[Fields Display]\n  Rss\n\tPss # why\nSwap\r\n[Mapping]\nShowPath\nShowPath\nShowPath\n");
        assert_eq!(fields(&r), ["Pss", "Rss", "Swap\r"]);
        assert!(r.flip_show_path);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn warnings_are_pmaps() {
        let r = rc(b"Rss\n[Other]\nPss\n[Fields Display] Size\n[Broken\nRss x\nLocked\0Pss\n");
        assert_eq!(
            String::from_utf8(r.warnings.clone()).unwrap(),
            "pmap: syntax error found in the config - line 1\n\
             pmap: unsupported section found in the config - line 2\n\
             pmap: syntax error found in the config - line 4\n\
             pmap: syntax error found in the config - line 5\n\
             pmap: syntax error found in the config - line 6\n"
        );
        // `Size` after the header counts; `[Broken` keeps the section; a NUL ends a line.
        assert_eq!(fields(&r), ["Locked", "Rss", "Size"]);
    }

    #[test]
    fn long_lines_are_cut_at_1024_bytes() {
        let mut text = b"[Fields Display]\n".to_vec();
        text.extend(std::iter::repeat_n(b'R', 1500));
        text.extend_from_slice(b"\nPss\n");
        let r = rc(&text);
        assert_eq!(
            String::from_utf8(r.warnings.clone()).unwrap(),
            "pmap: config line too long - line 2\n"
        );
        assert_eq!(fields(&r), ["Pss", &"R".repeat(31)]);
    }
}
