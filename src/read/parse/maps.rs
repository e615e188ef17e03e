//! One `/proc/PID/maps` line <-> one [`Region`]: the parser of a line (the address columns
//! scanned as hex while they are read, the name kept exactly as the kernel wrote it) and its
//! inverse, which writes a region back as the kernel writes it.

use std::io::Write;

use super::kernel::{KERNEL_COLUMNS, kernel_columns};
use super::scan::{dec_at, hex_to};
use crate::model::{Kind, Perms, Region};

/// The columns before the inode: addresses, permissions, offset, device.
#[derive(Debug, PartialEq)]
pub(super) struct Columns {
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) perms: Perms,
    pub(super) offset: u64,
    pub(super) dev_major: u32,
    pub(super) dev_minor: u32,
}

impl Columns {
    /// Set `r` to these columns, `inode` and `name`, of kind [`Kind::Anon`] (the kind is
    /// set later by [`crate::read::classify`]).
    #[inline(always)]
    pub(super) fn fill(self, r: &mut Region, inode: u64, name: &[u8]) {
        r.start = self.start;
        r.end = self.end;
        r.perms = self.perms;
        r.offset = self.offset;
        r.dev_major = self.dev_major;
        r.dev_minor = self.dev_minor;
        r.inode = inode;
        r.name.clear();
        r.name.extend_from_slice(name);
        r.kind = Kind::Anon;
    }
}

/// The permissions at `line[i..i + 5]` (four letters and a space). Each letter or a `-` in
/// its place, and `s` or `p` last: nothing else is read as a permission (a capture saying
/// `zzzz` is not `---p`).
#[inline]
pub(super) fn perms_at(line: &[u8], i: usize) -> Option<Perms> {
    match line.get(i..i + 5) {
        Some(
            [
                r @ (b'r' | b'-'),
                w @ (b'w' | b'-'),
                x @ (b'x' | b'-'),
                s @ (b's' | b'p'),
                b' ',
            ],
        ) => Some(Perms {
            read: *r == b'r',
            write: *w == b'w',
            exec: *x == b'x',
            shared: *s == b's',
        }),
        _ => None,
    }
}

/// The columns before the inode of any line, and the index of the inode, or what is wrong.
pub(super) fn columns(line: &[u8]) -> Result<(Columns, usize), &'static str> {
    if line.is_empty() {
        return Err("empty line");
    }
    let mut i = 0;
    let start = hex_to(line, &mut i, Some(b'-')).ok_or("bad start address")?;
    let end = hex_to(line, &mut i, Some(b' ')).ok_or("bad end address")?;
    if end < start {
        return Err("end address below start address");
    }
    let perms = perms_at(line, i).ok_or("permissions are not r/w/x/- and s or p")?;
    i += 5;
    let offset = hex_to(line, &mut i, Some(b' ')).ok_or("bad offset")?;
    let dev_major = hex_to(line, &mut i, Some(b':'))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device major")?;
    let dev_minor = hex_to(line, &mut i, Some(b' '))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or("bad device minor")?;
    let c = Columns {
        start,
        end,
        perms,
        offset,
        dev_major,
        dev_minor,
    };
    Ok((c, i))
}

/// Parse one maps line (without its newline) into `r`, reusing `r.name`'s buffer. The kind
/// is set to [`Kind::Anon`] (the real one is set later by [`crate::read::classify`]); `r.smaps`
/// is left as it was.
///
/// The layout is `start-end perms offset major:minor inode`, then, for a named mapping,
/// padding spaces and the name. The name is the rest of the line: it may hold spaces,
/// trailing spaces and any byte but a newline (which the kernel writes as `\012`).
/// Names never begin with a space (paths begin with `/`, pseudo names with `[` or a
/// letter), so the padding is every space before the name.
pub fn parse_maps_line_into(line: &[u8], r: &mut Region) -> Result<(), &'static str> {
    let (c, mut i) = match kernel_columns(line) {
        Some(fast) => (fast, KERNEL_COLUMNS),
        None => columns(line)?,
    };
    // An anonymous line ends in the inode 0 and a space (and has no name).
    let inode = if line.get(i..) == Some(b"0 ") {
        i += 1;
        0
    } else {
        dec_at(line, &mut i).ok_or("bad inode")?
    };
    match line.get(i) {
        None | Some(b' ') => {}
        Some(_) => return Err("bad inode"),
    }
    // A named line is padded to column 73 (up to ~30 spaces): skip them eight at a time.
    while line.get(i..i + 8) == Some(b"        ") {
        i += 8;
    }
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    c.fill(r, inode, &line[i..]);
    Ok(())
}

/// Parse one maps line (without its newline) into a [`Region`] of kind [`Kind::Anon`];
/// the real kind is set later by [`crate::read::classify`]. See [`parse_maps_line_into`].
pub fn parse_maps_line(line: &[u8]) -> Result<Region, String> {
    let mut r = Region::blank();
    parse_maps_line_into(line, &mut r)?;
    Ok(r)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps;

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
            b"10-20 zzzz 0 0:0 0",
            b"10-20 rwxq 0 0:0 0",
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
}
