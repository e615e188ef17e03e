//! `/proc/PID/maps` and `/proc/PID/smaps` text -> [`Region`]s. Works on bytes, does no I/O
//! of its own: [`RegionStream`] reads from any [`Read`](std::io::Read) it is given.
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

mod kernel;
mod maps;
mod scan;
mod smaps;
mod stream;

pub use maps::{parse_maps_line, parse_maps_line_into, print_maps, to_maps_line};
pub use stream::{CHUNK, RegionStream, StreamError};

use crate::model::Region;

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

#[cfg(test)]
mod tests {
    use super::*;

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
