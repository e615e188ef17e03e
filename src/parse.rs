//! `/proc/PID/maps` and `/proc/PID/smaps` text -> [`Region`]s. Works on bytes, does no I/O.
//!
//! Hand-written rather than `procfs`'s parser because that one reads each line as a UTF-8
//! `String` (one non-UTF-8 file name fails the whole process), trims the name (losing
//! trailing spaces that are part of a file's name) and allocates a hash map per smaps
//! record. Here a line is split on bytes, the name is kept exactly as the kernel wrote it,
//! and smaps is kept as an open-ended, ordered list of fields, because the set varies by
//! kernel version (see `Documentation/filesystems/proc.rst`).

use std::collections::HashMap;
use std::io::Write;

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

/// Parse a hexadecimal number made of the whole of `s`.
fn hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u64::from(d);
    }
    Some(v)
}

/// Parse a decimal number made of the whole of `s`.
fn dec(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

/// Split off the next space-delimited field (one space separates the fixed columns).
fn field<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let s = *rest;
    if s.is_empty() {
        return None;
    }
    match s.iter().position(|&b| b == b' ') {
        Some(i) => {
            *rest = &s[i + 1..];
            Some(&s[..i])
        }
        None => {
            *rest = &[];
            Some(s)
        }
    }
}

/// Parse one maps line (without its newline) into a [`Region`] of kind [`Kind::Anon`];
/// the real kind is set later by [`crate::classify`].
///
/// The layout is `start-end perms offset major:minor inode`, then, for a named mapping,
/// padding spaces and the name. The name is the rest of the line: it may hold spaces,
/// trailing spaces and any byte but a newline (which the kernel writes as `\012`).
/// Names never begin with a space (paths begin with `/`, pseudo names with `[` or a
/// letter), so the padding is every space before the name.
pub fn parse_maps_line(line: &[u8]) -> Result<Region, String> {
    let mut rest = line;
    let range = field(&mut rest).ok_or("empty line")?;
    let dash = range
        .iter()
        .position(|&b| b == b'-')
        .ok_or("no '-' in the address range")?;
    let start = hex(&range[..dash]).ok_or("bad start address")?;
    let end = hex(&range[dash + 1..]).ok_or("bad end address")?;
    if end < start {
        return Err("end address below start address".into());
    }
    let perms = field(&mut rest).ok_or("no permissions")?;
    if perms.len() != 4 {
        return Err("permissions are not 4 characters".into());
    }
    let perms = Perms {
        read: perms[0] == b'r',
        write: perms[1] == b'w',
        exec: perms[2] == b'x',
        shared: perms[3] == b's',
    };
    let offset = hex(field(&mut rest).ok_or("no offset")?).ok_or("bad offset")?;
    let dev = field(&mut rest).ok_or("no device")?;
    let colon = dev
        .iter()
        .position(|&b| b == b':')
        .ok_or("no ':' in the device")?;
    let dev_major = hex(&dev[..colon])
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device major")?;
    let dev_minor = hex(&dev[colon + 1..])
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device minor")?;
    let inode = dec(field(&mut rest).ok_or("no inode")?).ok_or("bad inode")?;
    let name_start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    Ok(Region {
        start,
        end,
        perms,
        offset,
        dev_major,
        dev_minor,
        inode,
        name: rest[name_start..].to_vec(),
        kind: Kind::Anon,
        smaps: None,
    })
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
        out.push(parse_maps_line(line).map_err(|e| err(n, e))?);
    }
    Ok(out)
}

/// True when a line of smaps opens a new record: it starts with a hex address and `-`.
/// Field lines start with a name and `:`.
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
    let mut index: HashMap<Vec<u8>, usize> = field_names
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_bytes().to_vec(), i))
        .collect();
    // The kernel prints the fields of every record in the same order, so the field at
    // position i of this record is usually field_names[i]: check that first.
    for (n, line) in lines(text) {
        if is_header(line) {
            let mut r = parse_maps_line(line).map_err(|e| err(n, e))?;
            r.smaps = Some(SmapsRecord::default());
            out.push(r);
            continue;
        }
        let Some(record) = out.last_mut().and_then(|r| r.smaps.as_mut()) else {
            return Err(err(n, "a smaps field before the first mapping line"));
        };
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| err(n, "neither a mapping line nor a 'Name: value' field"))?;
        let key = &line[..colon];
        let value = &line[colon + 1..];
        // The kernel's field names are words such as `Rss` or `Private_Dirty`; they are
        // shown as column headers, so only printable ASCII is accepted.
        if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
            return Err(err(n, "a smaps field name that is not a word"));
        }
        if key == b"VmFlags" {
            record.has_vm_flags = true;
            for flag in value.split(|&b| b == b' ').filter(|f| !f.is_empty()) {
                // The kernel's flags are two lower-case letters; anything printable is
                // kept (a newer kernel may add more), nothing a terminal would act on.
                match flag {
                    [a, b] if a.is_ascii_graphic() && b.is_ascii_graphic() => {
                        record.vm_flags.push([*a, *b]);
                    }
                    _ => return Err(err(n, "a VmFlags entry that is not two letters")),
                }
            }
            continue;
        }
        let mut words = value.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let number = words
            .next()
            .and_then(dec)
            .ok_or_else(|| err(n, "a smaps field without a number"))?;
        let pos = record.fields.len();
        let id = match field_names.get(pos) {
            Some(name) if name.as_bytes() == key => pos,
            // Out of the usual order: look the name up in a hash index rather than scan the
            // list, so that a capture with many distinct names stays linear.
            _ => match index.get(key) {
                Some(&i) => i,
                None => {
                    let name = std::str::from_utf8(key)
                        .map_err(|_| err(n, "a smaps field name that is not a word"))?;
                    field_names.push(name.to_string());
                    index.insert(key.to_vec(), field_names.len() - 1);
                    field_names.len() - 1
                }
            },
        };
        let id = FieldId::try_from(id).map_err(|_| err(n, "too many smaps field names"))?;
        record.fields.push((id, number));
        match key {
            b"Rss" => record.rss = number,
            b"Pss" => record.pss = number,
            b"Shared_Clean" => record.shared_clean = number,
            b"Shared_Dirty" => record.shared_dirty = number,
            b"Private_Clean" => record.private_clean = number,
            b"Private_Dirty" => record.private_dirty = number,
            b"Referenced" => record.referenced = number,
            b"Anonymous" => record.anonymous = number,
            b"Swap" => record.swap = number,
            b"SwapPss" => record.swap_pss = number,
            b"Locked" => record.locked = number,
            _ => {}
        }
    }
    Ok(out)
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
