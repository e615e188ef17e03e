//! The address range of `-A/--range low[,high]`, parsed by pmap's rules.
//!
//! procps-ng pmap 4.0.2 (`range_arguments` in `src/pmap.c`) splits the argument at the
//! first comma and reads each side with `strtoul(.., 16)`: a `0x` prefix is accepted, an
//! empty side keeps its default (0 for `low`, the top of the address space for `high`),
//! and one address without a comma is both `low` and `high`, which selects the mapping
//! holding it. A mapping is in the range when it overlaps `[low, high]` (both inclusive).

use std::fmt;

/// An inclusive address range `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrRange {
    pub low: u64,
    pub high: u64,
}

impl Default for AddrRange {
    fn default() -> Self {
        AddrRange {
            low: 0,
            high: u64::MAX,
        }
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x},{:x}", self.low, self.high)
    }
}

/// What `strtoul(s, &end, 16)` reads: (value, bytes consumed). Leading white space, an
/// optional sign and an optional `0x` are accepted; overflow saturates at `u64::MAX`;
/// a `-` negates (modulo 2^64), as C does. No digits at all consumes nothing.
fn strtoul16(s: &[u8]) -> (u64, usize) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    // `0x` counts as a prefix only when a hex digit follows; otherwise the `0` is the number.
    if s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
    }
    let digits_start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(16)) {
        match value
            .checked_mul(16)
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        return (0, 0);
    }
    if overflow {
        return (u64::MAX, i);
    }
    (
        if negative {
            value.wrapping_neg()
        } else {
            value
        },
        i,
    )
}

impl AddrRange {
    /// Parse `low[,high]` as pmap does. The error names the argument.
    pub fn parse(arg: &str) -> Result<AddrRange, String> {
        let bytes = arg.as_bytes();
        let (first, second) = match bytes.iter().position(|&b| b == b',') {
            Some(i) => (&bytes[..i], &bytes[i + 1..]),
            None => (bytes, bytes),
        };
        let mut range = AddrRange::default();
        let side = |s: &[u8], slot: &mut u64| -> bool {
            if s.is_empty() {
                return true;
            }
            let (v, used) = strtoul16(s);
            *slot = v;
            used == s.len()
        };
        let ok_low = side(first, &mut range.low);
        let ok_high = side(second, &mut range.high);
        if ok_low && ok_high {
            Ok(range)
        } else {
            Err(format!(
                "'{}' is not an address range: give LOW[,HIGH] in hexadecimal, \
                 e.g. 7f0000000000,7fffffffffff, or one address for the mapping holding it",
                crate::text::escape_text(arg.as_bytes(), false)
            ))
        }
    }

    /// True when the mapping `[start, end)` overlaps the range.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        !(end.wrapping_sub(1) < self.low || self.high < start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_pmap_accepts() {
        let r = |s| AddrRange::parse(s).unwrap();
        assert_eq!(
            r("7f00"),
            AddrRange {
                low: 0x7f00,
                high: 0x7f00
            }
        );
        assert_eq!(
            r("0x10,0X20"),
            AddrRange {
                low: 0x10,
                high: 0x20
            }
        );
        assert_eq!(
            r("10,"),
            AddrRange {
                low: 0x10,
                high: u64::MAX
            }
        );
        assert_eq!(r(",20"), AddrRange { low: 0, high: 0x20 });
        assert_eq!(r(","), AddrRange::default());
        assert_eq!(r(""), AddrRange::default());
        assert_eq!(
            r("ffffffffffffffffff"),
            AddrRange {
                low: u64::MAX,
                high: u64::MAX
            }
        );
        assert_eq!(
            r("20,10"),
            AddrRange {
                low: 0x20,
                high: 0x10
            }
        );
    }

    #[test]
    fn forms_pmap_refuses() {
        for bad in ["zz", "0x", "10,zz", "10 ", "1,2,3", "g"] {
            assert!(AddrRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overlap_is_inclusive() {
        let r = AddrRange {
            low: 0x1000,
            high: 0x1000,
        };
        assert!(r.overlaps(0x1000, 0x2000));
        assert!(!r.overlaps(0x0, 0x1000));
        assert!(!r.overlaps(0x1001, 0x2000));
        let r = AddrRange {
            low: 0x1fff,
            high: 0x3000,
        };
        assert!(r.overlaps(0x1000, 0x2000));
        assert!(r.overlaps(0x3000, 0x4000));
        assert!(!r.overlaps(0x3001, 0x4000));
    }
}
