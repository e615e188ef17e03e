//! The number scanners of a maps line: hexadecimal (addresses, offset, device) digit by
//! digit for any line, eight hex digits at once for the kernel's own layout
//! (`maps::kernel_columns`), and decimal (the inode, smaps values) eight at a time.
//!
//! Why hand-written and not `u64::from_str_radix`: the address columns are most of a
//! maps line's bytes, and scanning them digit by digit was the biggest part of `vasmap
//! --pmap` of a process with 60,000 mappings (callgrind: about 300 instructions a line,
//! of 1,650 for the whole run); `from_str_radix` would need each field's end found first
//! (a second pass) and is no faster per digit. [`hex8`] loads eight bytes as one `u64`
//! (the first byte on top), tests all eight for "is a hex digit" at once with carry-free
//! byte arithmetic (every byte kept below 0x80, so an addition cannot carry into the next
//! byte), and packs their values into a number by folding nibbles pairwise (three shifts
//! and masks instead of eight). A scanner that also counted a field's digits this way
//! (any width) cost more than the byte loop: most words it loads hold the field's last
//! few digits and its separator. [`dec_at`] counts its leading digits that way, which
//! pays for inodes of eight digits. The tests below check both against the byte loops.

/// The value of each byte as a hex digit, or 0xff.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The value of a hex digit, or `None`.
#[inline]
pub(super) fn hex_digit(b: u8) -> Option<u64> {
    match HEX[usize::from(b)] {
        0xff => None,
        d => Some(u64::from(d)),
    }
}

/// One in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
const HIGH: u64 = ONES * 0x80;

/// The top bit of each byte of `w` that lies in `lo..=hi`; `x` is `w` without its top
/// bits and `ascii` the top bits of the bytes below 0x80. Adding `0x80 - lo` to a byte
/// below 0x80 sets its top bit exactly when it is at least `lo`, and carries out of no byte.
#[inline(always)]
fn in_range(x: u64, ascii: u64, lo: u8, hi: u8) -> u64 {
    let ge_lo = x + ONES * (0x80 - u64::from(lo));
    let gt_hi = x + ONES * (0x80 - u64::from(hi) - 1);
    ge_lo & !gt_hi & ascii
}

/// How many bytes, from the first (on top), have their top bit set in `digits` (the top
/// bit of each byte that is a digit): the number of leading digits, 0 to 8.
#[inline(always)]
fn leading(digits: u64) -> usize {
    ((!digits & HIGH).leading_zeros() / 8) as usize
}

/// The value of the eight bytes of `w` (the first on top) when all eight are hex digits.
/// Always inlined: `kernel_columns` calls it for each of a line's four words, and a call
/// (it was not inlined) cost about as much as a fifth of its work.
#[inline(always)]
pub(super) fn hex8(w: u64) -> Option<u64> {
    let x = w & !HIGH;
    let ascii = !w & HIGH;
    let digit = in_range(x, ascii, b'0', b'9');
    // `| 0x20` makes `A`..`F` `a`..`f` (and moves no other byte into that range).
    let letter = in_range(x | (ONES * 0x20), ascii, b'a', b'f');
    if digit | letter != HIGH {
        return None;
    }
    // A digit's value is its low nibble, plus 9 for a letter (bit 6 set); then the
    // nibbles folded pairwise into one number, the last digit lowest.
    let mut t = (w & (ONES * 0x0f)) + ((w >> 6) & ONES) * 9;
    t = (t | (t >> 4)) & 0x00ff_00ff_00ff_00ff;
    t = (t | (t >> 8)) & 0x0000_ffff_0000_ffff;
    t = (t | (t >> 16)) & 0xffff_ffff;
    Some(t)
}

/// The number of decimal digits the eight bytes of `w` (the first on top) begin with, and
/// their value.
#[inline]
fn dec8(w: u64) -> (usize, u64) {
    let n = leading(in_range(w & !HIGH, !w & HIGH, b'0', b'9'));
    if n == 0 {
        return (0, 0);
    }
    let mut t = (w & (ONES * 0x0f)) >> (8 * (8 - n));
    t = (t & 0x00ff_00ff_00ff_00ff) + ((t >> 8) & 0x00ff_00ff_00ff_00ff) * 10;
    t = (t & 0x0000_ffff_0000_ffff) + ((t >> 16) & 0x0000_ffff_0000_ffff) * 100;
    t = (t & 0xffff_ffff) + (t >> 32) * 10_000;
    (n, t)
}

/// The eight bytes at `s[i..]` as a `u64`, the first on top, when there are eight.
#[inline(always)]
pub(super) fn word_at(s: &[u8], i: usize) -> Option<u64> {
    s.get(i..)
        .and_then(|t| t.first_chunk::<8>())
        .map(|c| u64::from_be_bytes(*c))
}

/// Scan a hexadecimal number at `s[*i..]` that ends at `end` (which is consumed) or, when
/// `end` is `None`, at the end of `s`. One to sixteen digits.
#[inline]
pub(super) fn hex_to(s: &[u8], i: &mut usize, end: Option<u8>) -> Option<u64> {
    let begin = *i;
    let mut v: u64 = 0;
    while let Some(d) = s.get(*i).and_then(|&b| hex_digit(b)) {
        v = (v << 4) | d;
        *i += 1;
    }
    let n = *i - begin;
    if n == 0 || n > 16 {
        return None;
    }
    match end {
        Some(e) if s.get(*i) == Some(&e) => {
            *i += 1;
            Some(v)
        }
        Some(_) => None,
        None => Some(v),
    }
}

/// Scan a decimal number at `s[*i..]` (one to twenty digits, no overflow), stopping at the
/// first byte that is not a digit.
#[inline]
pub(super) fn dec_at(s: &[u8], i: &mut usize) -> Option<u64> {
    let begin = *i;
    let mut v: u64 = 0;
    let mut n = 0;
    // Up to 19 digits cannot overflow: eight at a time while eight bytes are there.
    while let Some(w) = word_at(s, *i) {
        let (k, d) = dec8(w);
        if n + k > 19 {
            return dec_checked(s, i, begin);
        }
        v = v * POW10[k] + d;
        n += k;
        *i += k;
        if k < 8 {
            return (n > 0).then_some(v);
        }
        // Eight digits and then none (an inode of eight digits, common on ext4): done,
        // without a second word that holds no digit (35 instructions; callgrind,
        // `vasmap --pmap` of 60,000 mappings: the run from 59.9 to 59.5 million).
        if !s.get(*i).is_some_and(u8::is_ascii_digit) {
            return Some(v);
        }
    }
    while let Some(&b) = s.get(*i) {
        if !b.is_ascii_digit() {
            break;
        }
        if n == 19 {
            return dec_checked(s, i, begin);
        }
        v = v * 10 + u64::from(b - b'0');
        n += 1;
        *i += 1;
    }
    (n > 0).then_some(v)
}

/// Powers of ten up to 10^8, to shift a number by the digits that follow it.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// [`dec_at`] for a number of twenty digits or more, from `begin`: checked, digit by digit.
#[cold]
fn dec_checked(s: &[u8], i: &mut usize, begin: usize) -> Option<u64> {
    *i = begin;
    let mut v: u64 = 0;
    while let Some(&b) = s.get(*i) {
        if !b.is_ascii_digit() {
            break;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        *i += 1;
    }
    (*i > begin).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Check the word scanners agree with the byte loops at every start of `s`.
    fn agree(s: &[u8]) {
        for at in 0..=s.len() {
            if let Some(w) = word_at(s, at) {
                let bytes = &s[at..at + 8];
                let want = bytes
                    .iter()
                    .all(u8::is_ascii_hexdigit)
                    .then(|| hex_to(bytes, &mut 0, None))
                    .flatten();
                assert_eq!(hex8(w), want, "hex {s:?} at {at}");
            }
            let (mut a, mut b) = (at, at);
            let want = dec_checked(s, &mut a, at);
            assert_eq!(dec_at(s, &mut b), want, "dec {s:?} at {at}");
            if want.is_some() {
                assert_eq!(a, b, "dec index {s:?} at {at}");
            }
        }
    }

    #[test]
    fn edges_of_the_eight_byte_words() {
        for s in [
            &b"7f4620e66000-7f4620e69000 rw-p 00000000 00:00 0 "[..],
            b"ffffffffff600000-ffffffffff601000 --xp",
            b"ABCDEFabcdef0123456789/:@`GgFf",
            b"18446744073709551615 18446744073709551616 99999999999999999999",
            b"1844674407370955161 0000000000000000000000000007",
            b"\x80\xb0\xc1\xe6\xff0\xb9\xc6\xe1",
            b"",
        ] {
            agree(s);
        }
    }

    proptest! {
        #[test]
        fn same_as_the_byte_loops(s in proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(b"0123456789abcdefABCDEF".to_vec()),
                1 => proptest::sample::select(b" -:/gG@`\x80\xb0\xc6\xe1\xff".to_vec()),
                1 => any::<u8>(),
            ],
            0..40,
        )) {
            agree(&s);
        }
    }
}
