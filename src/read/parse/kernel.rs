//! The common case of a maps (or smaps header) line, read in one pass from a buffer that
//! goes on past it: the kernel's own layout for a 64-bit process, whole in the buffer.
//! Its fixed columns ([`kernel_columns`]) are read here too, for the line reader
//! ([`super::parse_maps_line_into`]) as well; any other layout is read there digit by digit.
//!
//! [`RegionStream`](super::RegionStream) used to find each line's end first (a `memchr`
//! over the whole line) and then parse it. A line the kernel wrote has 46 bytes of fixed
//! columns ([`kernel_columns`]) that are checked byte by byte and hold no newline, and an
//! anonymous mapping's line ends right after them with `0 \n`: so the end is known without
//! a search for three mappings in four, and only the name is searched for the others.
//! Anything else (another layout, a line cut by the end of the buffer, a malformed line)
//! gives `None`, and the general path reads it and reports what is wrong; the test below
//! checks that both read every line this accepts the same way.
//!
//! Callgrind, `vasmap --pmap` of 60,000 mappings: finding the line end cost 110
//! instructions a line (`line_end` and `memchr`), and the run 76.1 million instructions;
//! with this (and [`super::scan::hex8`] inlined) 67.0 million.

use super::maps::Columns;
use super::scan::{dec_at, hex_digit, hex8, word_at};
use crate::model::{Perms, Region};

/// [`perms_at`] for the four letters as one word (the first on top), four bytes at once:
/// each byte must be the letter of its place (`rwxs`) or the one for "not" (`---p`).
///
/// Why: the byte-by-byte match cost 38 instructions a line (callgrind, `vasmap --pmap` of
/// 60,000 mappings); with this the whole run went from 67.0 to 66.2 million. The test
/// below checks it against [`perms_at`].
#[inline(always)]
fn perms_word(v: u32) -> Option<Perms> {
    /// The top bit of each byte of `x` that is zero (carry-free: no byte's sum reaches the next).
    #[inline(always)]
    fn zero_bytes(x: u32) -> u32 {
        !(((x & 0x7f7f_7f7f) + 0x7f7f_7f7f) | x) & 0x8080_8080
    }
    let on = zero_bytes(v ^ u32::from_be_bytes(*b"rwxs"));
    let off = zero_bytes(v ^ u32::from_be_bytes(*b"---p"));
    if on | off != 0x8080_8080 {
        return None;
    }
    Some(Perms {
        read: on & 0x8000_0000 != 0,
        write: on & 0x0080_0000 != 0,
        exec: on & 0x0000_8000 != 0,
        shared: on & 0x0000_0080 != 0,
    })
}

/// How long the kernel's columns before the inode are for a 64-bit process's user space:
/// `SSSSSSSSSSSS-EEEEEEEEEEEE rwxp OOOOOOOO MM:mm ` (the inode follows).
pub(super) const KERNEL_COLUMNS: usize = 46;

/// The columns before the inode exactly as the kernel lays them out for a 64-bit process's
/// user space (`show_vma_header_prefix`, fs/proc/task_mmu.c: addresses of 12 hex digits,
/// the offset of 8, the device of 2:2 — the widths `seq_put_hex_ll` pads to, for values
/// below 2^48, 2^32 and 256), [`KERNEL_COLUMNS`] long; `None` for any other line, which
/// [`columns`] then reads (and judges) digit by digit. Everything this accepts, [`columns`]
/// reads to the same values: each field here is the digits up to the separator there.
///
/// Why: scanning the hex columns digit by digit was the biggest part of `vasmap --pmap`
/// of a process with 60,000 mappings (callgrind: about 300 instructions a line of 1,650
/// for the whole run); checked and converted eight bytes at a time ([`hex8`]) a line's
/// columns cost about a third of that.
///
/// Always inlined: as a call, returning the columns through memory cost about 10
/// instructions a line (callgrind, `vasmap --pmap` of 60,000 mappings: 62.4 million for
/// the run before, 61.8 after).
#[inline(always)]
pub(super) fn kernel_columns(line: &[u8]) -> Option<Columns> {
    let sep = line.get(..KERNEL_COLUMNS)?;
    if sep[12] != b'-' || sep[25] != b' ' || sep[39] != b' ' || sep[42] != b':' || sep[45] != b' ' {
        return None;
    }
    // The first eight digits of each address as a word, and the last four of both as one.
    let word = |at: usize| hex8(word_at(line, at)?);
    let tail = |at: usize| {
        Some(u64::from(u32::from_be_bytes(
            *sep.get(at..)?.first_chunk()?,
        )))
    };
    let tails = hex8((tail(8)? << 32) | tail(21)?)?;
    let start = (word(0)? << 16) | (tails >> 16);
    let end = (word(13)? << 16) | (tails & 0xffff);
    if end < start {
        return None;
    }
    if sep[30] != b' ' {
        return None;
    }
    let perms = perms_word(u32::from_be_bytes(*sep.get(26..)?.first_chunk()?))?;
    let offset = hex8(word_at(line, 31)?)?;
    let byte = |at: usize| hex_digit(sep[at]);
    let dev_major = (byte(40)? << 4) | byte(41)?;
    let dev_minor = (byte(43)? << 4) | byte(44)?;
    let c = Columns {
        start,
        end,
        perms,
        offset,
        // Two hex digits: below 256.
        dev_major: dev_major as u32,
        dev_minor: dev_minor as u32,
    };
    Some(c)
}

/// Parse the line at the start of `text` into `r` when it is in the kernel's layout and
/// its newline is in `text`; the index of that newline. `None` (with `r` unchanged) when
/// not: then [`super::parse_maps_line_into`] of the line reads it, or says what is wrong.
/// When this gives `Some(nl)`, that function reads `&text[..nl]` to the same region.
#[inline]
pub(super) fn kernel_line(text: &[u8], r: &mut Region) -> Option<usize> {
    let c = kernel_columns(text)?;
    let mut i = KERNEL_COLUMNS;
    let (inode, name) = if text.get(i..i + 3) == Some(b"0 \n") {
        // Anonymous: no name, and the line ends here.
        (0, i + 2..i + 2)
    } else {
        let inode = dec_at(text, &mut i)?;
        match text.get(i) {
            Some(b'\n') => (inode, i..i),
            Some(b' ') => {
                // A named line is padded to column 73: skip the spaces eight at a time.
                while text.get(i..i + 8) == Some(b"        ") {
                    i += 8;
                }
                while text.get(i) == Some(&b' ') {
                    i += 1;
                }
                let nl = i + memchr::memchr(b'\n', text.get(i..)?)?;
                (inode, i..nl)
            }
            _ => return None,
        }
    };
    let nl = name.end;
    c.fill(r, inode, &text[name]);
    Some(nl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::maps::{columns, perms_at};
    use crate::read::parse::{parse_maps_line_into, to_maps_line};
    use proptest::prelude::*;

    proptest! {
        /// Whatever the fixed-layout reader accepts, the digit-by-digit one reads the same,
        /// for the kernel's lines and for them with bytes changed anywhere in the columns.
        #[test]
        fn kernel_columns_read_as_the_general_reader_does(
            start in 0u64..1 << 48,
            len in 0u64..1 << 40,
            offset in 0u64..1 << 36,
            major in 0u32..300,
            minor in 0u32..300,
            perms in 0u8..16,
            inode in any::<u64>(),
            named in any::<bool>(),
            changes in proptest::collection::vec(
                (0usize..50, proptest::sample::select(b"0123456789abcdefABCDEFgG@` -:\x80\xe6".to_vec())),
                0..3,
            ),
        ) {
            let r = Region {
                start,
                end: start.saturating_add(len),
                perms: Perms {
                    read: perms & 1 != 0,
                    write: perms & 2 != 0,
                    exec: perms & 4 != 0,
                    shared: perms & 8 != 0,
                },
                offset,
                dev_major: major,
                dev_minor: minor,
                inode,
                name: if named { b"/lib/x.so".to_vec() } else { Vec::new() },
                ..Region::blank()
            };
            let mut line = Vec::new();
            to_maps_line(&r, &mut line);
            let kernels = changes.is_empty();
            for (at, b) in changes {
                if let Some(place) = line.get_mut(at) {
                    *place = b;
                }
            }
            let fast = kernel_columns(&line);
            if kernels && start >= 1 << 44 && r.end < 1 << 48 && offset < 1 << 32 && major < 256 && minor < 256 {
                prop_assert!(fast.is_some(), "{}", String::from_utf8_lossy(&line));
            }
            if let Some(fast) = fast {
                prop_assert_eq!(columns(&line), Ok((fast, KERNEL_COLUMNS)));
            }
        }
    }

    /// The word-at-a-time permissions read as the byte match does, for every mix of the
    /// bytes that matter (and some that are near them).
    #[test]
    fn perms_word_reads_as_perms_at() {
        let bytes = b"rwxsp-qRWXSP\0\x80\xf2 ";
        for &a in bytes {
            for &b in bytes {
                for &c in bytes {
                    for &d in bytes {
                        let line = [a, b, c, d, b' '];
                        let word = u32::from_be_bytes([a, b, c, d]);
                        assert_eq!(perms_word(word), perms_at(&line, 0), "{line:?}");
                    }
                }
            }
        }
    }

    proptest! {
        /// Whatever the one-pass reader accepts, the line reader reads the same, for the
        /// kernel's lines and for them with bytes changed anywhere (newlines among them).
        #[test]
        fn kernel_line_reads_as_the_line_reader_does(
            start in 0u64..1 << 48,
            len in 0u64..1 << 40,
            inode in prop_oneof![Just(0u64), any::<u64>()],
            name in prop_oneof![Just(Vec::new()), proptest::collection::vec(any::<u8>(), 0..40)],
            changes in proptest::collection::vec(
                (0usize..100, proptest::sample::select(b"0123456789abcdefA -:\n\x80".to_vec())),
                0..3,
            ),
            after in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let r = Region {
                start: start | 1 << 44,
                end: (start | 1 << 44).saturating_add(len).min((1 << 48) - 1),
                inode,
                name: name.iter().map(|&b| if b == b'\n' { b'x' } else { b }).collect(),
                ..Region::blank()
            };
            let mut text = Vec::new();
            to_maps_line(&r, &mut text);
            text.push(b'\n');
            let kernels = changes.is_empty();
            for (at, b) in changes {
                if let Some(place) = text.get_mut(at) {
                    *place = b;
                }
            }
            text.extend_from_slice(&after);
            let mut fast = Region::blank();
            let got = kernel_line(&text, &mut fast);
            if kernels && (r.name.is_empty() || r.name[0] != b' ') {
                prop_assert!(got.is_some(), "{}", String::from_utf8_lossy(&text));
            }
            if let Some(nl) = got {
                prop_assert_eq!(memchr::memchr(b'\n', &text), Some(nl));
                let mut slow = Region::blank();
                prop_assert_eq!(parse_maps_line_into(&text[..nl], &mut slow), Ok(()));
                prop_assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn lines_cut_by_the_buffer_are_left_to_the_general_path() {
        let mut r = Region::blank();
        let line = b"7f4620e66000-7f4620e69000 rw-p 00000000 00:00 0 \n";
        assert_eq!(kernel_line(line, &mut r), Some(line.len() - 1));
        for cut in 0..line.len() {
            assert_eq!(kernel_line(&line[..cut], &mut r), None, "{cut}");
        }
        let named = b"7f0000000000-7f0000001000 r--p 00000000 fe:00 42      /tmp/a b\n";
        assert_eq!(kernel_line(named, &mut r), Some(named.len() - 1));
        assert_eq!(r.name, b"/tmp/a b");
        assert_eq!(kernel_line(&named[..named.len() - 1], &mut r), None);
    }
}
