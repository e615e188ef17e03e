//! Which rows every view shows and in what order: `--perms`, `--kind`, `--name` and
//! `--sort`. Filters combine (a row must pass all of them); within `--kind` and `--name`
//! any of the listed values is enough.

use std::os::unix::ffi::OsStrExt;

use globset::{Glob, GlobMatcher};

use crate::model::{Kind, Region, Snapshot};

/// The permission letters a row must have, pwndbg style: `w` writable, `x` executable,
/// `wx` both, `r` readable, `s` shared, `p` private.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermsFilter {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    pub shared: bool,
    pub private: bool,
}

impl PermsFilter {
    /// Parse letters from `rwxsp` (any order, `-` ignored so `rw-p` works too).
    pub fn parse(s: &str) -> Result<PermsFilter, String> {
        let mut f = PermsFilter::default();
        if s.is_empty() {
            return Err("empty permission filter: give letters from r, w, x, s, p".into());
        }
        for c in s.chars() {
            match c {
                'r' => f.read = true,
                'w' => f.write = true,
                'x' => f.exec = true,
                's' => f.shared = true,
                'p' => f.private = true,
                '-' => {}
                other => {
                    return Err(format!(
                        "'{}' is not a permission letter: use r, w, x, s (shared) or p (private), e.g. --perms wx",
                        crate::text::escape_text(other.encode_utf8(&mut [0; 4]).as_bytes(), false)
                    ));
                }
            }
        }
        if f.shared && f.private {
            return Err("a mapping is either shared (s) or private (p), not both".into());
        }
        Ok(f)
    }

    /// True when `r` has every letter asked for.
    pub fn matches(&self, r: &Region) -> bool {
        let p = r.perms;
        (!self.read || p.read)
            && (!self.write || p.write)
            && (!self.exec || p.exec)
            && (!self.shared || p.shared)
            && (!self.private || !p.shared)
    }
}

/// A `--name` pattern. A name matches when it contains the pattern as it is written, or,
/// when the pattern has glob characters (`*`, `?`, `[`, `{`), when the glob matches the full
/// name or the file name alone. So `--name '[heap]'` finds the heap and `--name 'lib*.so*'`
/// every library.
#[derive(Debug, Clone)]
pub struct NamePattern {
    literal: Vec<u8>,
    glob: Option<GlobMatcher>,
}

impl NamePattern {
    /// Parse a pattern. A pattern that is not a valid glob (`[` alone) is still a substring.
    pub fn parse(s: &str) -> Result<NamePattern, String> {
        if s.is_empty() {
            return Err("an empty name pattern matches everything: leave --name out".into());
        }
        let glob = if s.contains(['*', '?', '[', '{']) {
            Glob::new(s).ok().map(|g| g.compile_matcher())
        } else {
            None
        };
        Ok(NamePattern {
            literal: s.as_bytes().to_vec(),
            glob,
        })
    }

    /// True when the region's name (with the kernel's `\012` undone) matches.
    pub fn matches(&self, r: &Region) -> bool {
        let name = r.name_bytes();
        let needle = &self.literal[..];
        if name.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
        let Some(m) = &self.glob else {
            return false;
        };
        let base = match name.iter().rposition(|&b| b == b'/') {
            Some(i) if name.first() == Some(&b'/') => &name[i + 1..],
            _ => &name[..],
        };
        m.is_match(std::ffi::OsStr::from_bytes(&name))
            || m.is_match(std::ffi::OsStr::from_bytes(base))
    }
}

/// `--sort` keys. Every key but `addr` puts the largest first (address breaks ties).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Addr,
    Size,
    Rss,
    Pss,
    /// Private clean plus private dirty: what the process alone holds.
    Uss,
    Dirty,
    Swap,
}

impl SortKey {
    /// True for the keys that need `/proc/PID/smaps`.
    pub fn needs_smaps(self) -> bool {
        !matches!(self, SortKey::Addr | SortKey::Size)
    }

    /// The figure a row is sorted by (largest first).
    pub fn value(self, r: &Region) -> u64 {
        let s = r.smaps.as_ref();
        match self {
            SortKey::Addr => r.start,
            SortKey::Size => r.size(),
            SortKey::Rss => s.map_or(0, |s| s.rss),
            SortKey::Pss => s.map_or(0, |s| s.pss),
            SortKey::Uss => s.map_or(0, |s| s.private_clean.saturating_add(s.private_dirty)),
            SortKey::Dirty => s.map_or(0, |s| s.dirty()),
            SortKey::Swap => s.map_or(0, |s| s.swap),
        }
    }
}

/// Parse one `--kind` value: a key of [`Kind::KEYS`].
pub fn parse_kind(s: &str) -> Result<&'static str, String> {
    Kind::KEYS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(s))
        .copied()
        .ok_or_else(|| {
            format!(
                "'{}' is not a kind: use one of {}",
                crate::text::escape_text(s.as_bytes(), false),
                Kind::KEYS.join(", ")
            )
        })
}

/// The filters and the order, as plain data.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub perms: Option<PermsFilter>,
    /// Kind keys ([`Kind::key`]); empty = every kind.
    pub kinds: Vec<&'static str>,
    /// Name patterns; empty = every name.
    pub names: Vec<NamePattern>,
    pub sort: SortKey,
}

impl Selection {
    /// True when a region passes every filter.
    pub fn matches(&self, r: &Region) -> bool {
        self.perms.is_none_or(|p| p.matches(r))
            && (self.kinds.is_empty() || self.kinds.contains(&r.kind.key()))
            && (self.names.is_empty() || self.names.iter().any(|n| n.matches(r)))
    }

    /// True when no filter is set (the order may still change).
    pub fn keeps_all(&self) -> bool {
        self.perms.is_none() && self.kinds.is_empty() && self.names.is_empty()
    }

    /// True when showing this selection needs smaps figures.
    pub fn needs_smaps(&self) -> bool {
        self.sort.needs_smaps()
    }

    /// Drop the regions that do not pass and put the rest in the chosen order, in place.
    pub fn apply(&self, snap: &mut Snapshot) {
        if !self.keeps_all() {
            snap.regions.retain(|r| self.matches(r));
        }
        let key = self.sort;
        if key != SortKey::Addr {
            snap.regions
                .sort_by(|a, b| key.value(b).cmp(&key.value(a)).then(a.start.cmp(&b.start)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps_line;

    fn region(line: &str, kind: Kind) -> Region {
        let mut r = parse_maps_line(line.as_bytes()).unwrap();
        r.kind = kind;
        r
    }

    #[test]
    fn perms_letters() {
        let wx = region("1000-2000 rwxp 0 00:00 0 ", Kind::Anon);
        let w = region("1000-2000 rw-p 0 00:00 0 ", Kind::Anon);
        let s = region(
            "1000-2000 rw-s 0 00:01 5 /dev/zero (deleted)",
            Kind::SharedAnon,
        );
        let f = PermsFilter::parse("wx").unwrap();
        assert!(f.matches(&wx) && !f.matches(&w));
        let f = PermsFilter::parse("w").unwrap();
        assert!(f.matches(&wx) && f.matches(&w));
        assert!(PermsFilter::parse("s").unwrap().matches(&s));
        assert!(!PermsFilter::parse("p").unwrap().matches(&s));
        assert!(PermsFilter::parse("rw-p").unwrap().matches(&w));
        assert!(PermsFilter::parse("q").is_err());
        assert!(PermsFilter::parse("").is_err());
        assert!(PermsFilter::parse("sp").is_err());
    }

    #[test]
    fn names_substring_and_glob() {
        let libc = region(
            "1000-2000 r-xp 0 fe:00 9 /usr/lib/x86_64-linux-gnu/libc.so.6",
            Kind::Library,
        );
        let nl = region("1000-2000 r--p 0 fe:00 9 /tmp/new\\012line", Kind::File);
        assert!(NamePattern::parse("libc").unwrap().matches(&libc));
        assert!(NamePattern::parse("libc.so*").unwrap().matches(&libc));
        assert!(NamePattern::parse("/usr/lib/*").unwrap().matches(&libc));
        assert!(!NamePattern::parse("libm*").unwrap().matches(&libc));
        assert!(NamePattern::parse("new\nline").unwrap().matches(&nl));
        assert!(NamePattern::parse("lib[cm].so*").unwrap().matches(&libc));
        let heap = region("1000-2000 rw-p 0 00:00 0 [heap]", Kind::Heap);
        assert!(NamePattern::parse("[heap]").unwrap().matches(&heap));
        assert!(!NamePattern::parse("[heap]").unwrap().matches(&libc));
        assert!(!NamePattern::parse("[").unwrap().matches(&libc));
        assert!(NamePattern::parse("").is_err());
    }

    #[test]
    fn kinds_and_sort() {
        let mut snap = Snapshot {
            regions: vec![
                region("1000-2000 r--p 0 00:00 0 [heap]", Kind::Heap),
                region("3000-9000 rw-p 0 00:00 0 ", Kind::Anon),
                region("a000-c000 rw-p 0 00:00 0 [stack]", Kind::Stack),
            ],
            ..Default::default()
        };
        let sel = Selection {
            kinds: vec![parse_kind("heap").unwrap(), parse_kind("STACK").unwrap()],
            sort: SortKey::Size,
            ..Default::default()
        };
        sel.apply(&mut snap);
        let starts: Vec<u64> = snap.regions.iter().map(|r| r.start).collect();
        assert_eq!(starts, [0xa000, 0x1000]);
        assert!(parse_kind("nope").is_err());
    }
}
