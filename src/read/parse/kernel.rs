//! The common case of a maps (or smaps header) line, read in one pass from a buffer that
//! goes on past it: the kernel's own layout for a 64-bit process, whole in the buffer.
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

use super::maps::{KERNEL_COLUMNS, kernel_columns};
use super::scan::dec_at;
use crate::model::{Kind, Region};

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
    r.start = c.start;
    r.end = c.end;
    r.perms = c.perms;
    r.offset = c.offset;
    r.dev_major = c.dev_major;
    r.dev_minor = c.dev_minor;
    r.inode = inode;
    r.name.clear();
    let nl = name.end;
    r.name.extend_from_slice(&text[name]);
    r.kind = Kind::Anon;
    Some(nl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::{parse_maps_line_into, to_maps_line};
    use proptest::prelude::*;

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
