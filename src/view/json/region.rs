//! One region's JSON written by hand, byte for byte what serde writes for
//! [`RegionOut`](super::objects::RegionOut), without serde's per-field machinery: the
//! fast path of `--json` on a process of many mappings.

use crate::model::{Kind, Region};

/// `"0x..."`, as [`Hex`](super::Hex) serializes.
fn write_hex(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(b"\"0x");
    crate::view::numfmt::push_hex(buf, v, 0);
    buf.push(b'"');
}

/// A JSON string, escaped as [`crate::text::json_to_writer`] escapes it (every character
/// that could drive a terminal too).
fn write_str(buf: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail, and a str always serializes.
    let _ = crate::text::json_to_writer(&mut *buf, s);
}

/// One region exactly as `json_to_writer(RegionOut::new(r, names))` writes it
/// (the tests check this on every region of the captures and on hostile names), without
/// serde's per-field machinery: a process with 60,000 mappings has 1.5 million smaps
/// figures, and escaping each field name and writing each piece through `dyn Write` made
/// JSON cost 1.3x the kernel's time to produce smaps. Field names are escaped once
/// (`keys`), numbers are written with `itoa`.
pub(super) fn write_region(
    buf: &mut Vec<u8>,
    r: &Region,
    names: &[String],
    keys: &mut Vec<Vec<u8>>,
) {
    buf.extend_from_slice(b"{\"start\":");
    write_hex(buf, r.start);
    buf.extend_from_slice(b",\"end\":");
    write_hex(buf, r.end);
    buf.extend_from_slice(b",\"size\":");
    crate::view::numfmt::push_dec(buf, r.size(), 0);
    buf.extend_from_slice(b",\"perms\":\"");
    buf.extend_from_slice(&r.perms.as_maps());
    buf.extend_from_slice(b"\",\"offset\":");
    write_hex(buf, r.offset);
    buf.extend_from_slice(b",\"device\":\"");
    crate::view::numfmt::push_hex(buf, u64::from(r.dev_major), 2);
    buf.push(b':');
    crate::view::numfmt::push_hex(buf, u64::from(r.dev_minor), 2);
    buf.extend_from_slice(b"\",\"inode\":");
    crate::view::numfmt::push_dec(buf, r.inode, 0);
    // Kind keys are lower-case words and `_`: nothing to escape.
    buf.extend_from_slice(b",\"kind\":\"");
    buf.extend_from_slice(r.kind.key().as_bytes());
    buf.push(b'"');
    match r.kind {
        Kind::ThreadStack { tid } => {
            buf.extend_from_slice(b",\"tid\":");
            crate::view::numfmt::push_idec(buf, i64::from(tid), 0);
        }
        Kind::SysvShm { shmid } => {
            buf.extend_from_slice(b",\"shmid\":");
            crate::view::numfmt::push_dec(buf, shmid, 0);
        }
        _ => {}
    }
    buf.extend_from_slice(b",\"name\":");
    let bytes = r.name_bytes();
    match std::str::from_utf8(&bytes) {
        Ok(text) => write_str(buf, text),
        Err(_) => {
            write_str(buf, &String::from_utf8_lossy(&bytes));
            buf.extend_from_slice(b",\"name_bytes\":[");
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                crate::view::numfmt::push_dec(buf, u64::from(*b), 0);
            }
            buf.push(b']');
        }
    }
    if r.perms.is_wx() {
        buf.extend_from_slice(b",\"wx\":true");
    }
    if let Some(s) = &r.smaps {
        buf.extend_from_slice(b",\"smaps\":{");
        for (i, &(id, v)) in s.fields.iter().enumerate() {
            while keys.len() < names.len() {
                let mut key = Vec::with_capacity(names[keys.len()].len() + 3);
                write_str(&mut key, &names[keys.len()]);
                key.push(b':');
                keys.push(key);
            }
            if i > 0 {
                buf.push(b',');
            }
            match keys.get(usize::from(id)) {
                Some(key) => buf.extend_from_slice(key),
                None => buf.extend_from_slice(b"\"?\":"),
            }
            crate::view::numfmt::push_dec(buf, v, 0);
        }
        buf.push(b'}');
        if s.has_vm_flags {
            buf.extend_from_slice(b",\"vm_flags\":[");
            for (i, f) in s.vm_flags.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                if f.iter().all(u8::is_ascii_alphanumeric) {
                    buf.push(b'"');
                    buf.extend_from_slice(f);
                    buf.push(b'"');
                } else {
                    write_str(buf, &String::from_utf8_lossy(f));
                }
            }
            buf.push(b']');
        }
    }
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProcessInfo;
    use crate::view::json::objects::RegionOut;

    /// The hand-written region JSON is byte for byte serde's `RegionOut`, on real captures
    /// and on hostile names (invalid UTF-8, quotes, control bytes, the kernel's `\012`).
    #[test]
    fn hand_written_regions_equal_serde() {
        let mut hostile = Vec::new();
        hostile.extend_from_slice(
            b"1000-2000 rwxp 00000000 00:00 0 /tmp/q\"uo\\te\x01\x1b[31m \xff\xfe \\012 \xc3\xa9\n",
        );
        hostile
            .extend_from_slice(b"Size: 4 kB\nRss: 18446744073709551615 kB\nVmFlags: rd wr ex \n");
        hostile.extend_from_slice(b"3000-4000 rw-s 00000000 00:01 32769 /SYSV0000abcd (deleted)\n");
        hostile.extend_from_slice(b"Size: 4 kB\nRss: 0 kB\n");
        let captures: [&[u8]; 3] = [
            include_bytes!("../../../tests/fixtures/kinds-awkward.smaps"),
            include_bytes!("../../../tests/fixtures/kinds-awkward.maps"),
            &hostile,
        ];
        let info = ProcessInfo {
            thread_sps: vec![(77, 0x1800)],
            ..ProcessInfo::default()
        };
        let mut checked = 0;
        for text in captures {
            let mut names = Vec::new();
            let (mut regions, _) = crate::read::parse::parse_any(text, &mut names).unwrap();
            crate::read::classify::classify(&mut regions, &info);
            let mut keys = Vec::new();
            for r in &regions {
                let mut want = Vec::new();
                crate::text::json_to_writer(&mut want, &RegionOut::new(r, &names)).unwrap();
                let mut got = Vec::new();
                write_region(&mut got, r, &names, &mut keys);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want)
                );
                assert_eq!(got, want);
                checked += 1;
            }
        }
        assert!(checked > 40);
    }
}
