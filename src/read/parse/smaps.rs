//! One `/proc/PID/smaps` field line (`Rss:   4 kB`, `VmFlags: rd wr mr`) into a
//! [`SmapsRecord`]: the table of field names seen so far (each name's [`FieldId`], and the
//! named member of the record it fills), and the general field parser that
//! [`super::RegionStream`]'s fast path falls back to.

use std::collections::HashMap;

use super::scan::dec_at;
use crate::model::{FieldId, SmapsRecord};

/// Which named member of [`SmapsRecord`] a field fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Named {
    None,
    Rss,
    Pss,
    SharedClean,
    SharedDirty,
    PrivateClean,
    PrivateDirty,
    Referenced,
    Anonymous,
    Swap,
    SwapPss,
    Locked,
}

impl Named {
    pub(super) fn of(key: &[u8]) -> Named {
        match key {
            b"Rss" => Named::Rss,
            b"Pss" => Named::Pss,
            b"Shared_Clean" => Named::SharedClean,
            b"Shared_Dirty" => Named::SharedDirty,
            b"Private_Clean" => Named::PrivateClean,
            b"Private_Dirty" => Named::PrivateDirty,
            b"Referenced" => Named::Referenced,
            b"Anonymous" => Named::Anonymous,
            b"Swap" => Named::Swap,
            b"SwapPss" => Named::SwapPss,
            b"Locked" => Named::Locked,
            _ => Named::None,
        }
    }

    #[inline]
    pub(super) fn set(self, rec: &mut SmapsRecord, v: u64) {
        match self {
            Named::None => {}
            Named::Rss => rec.rss = v,
            Named::Pss => rec.pss = v,
            Named::SharedClean => rec.shared_clean = v,
            Named::SharedDirty => rec.shared_dirty = v,
            Named::PrivateClean => rec.private_clean = v,
            Named::PrivateDirty => rec.private_dirty = v,
            Named::Referenced => rec.referenced = v,
            Named::Anonymous => rec.anonymous = v,
            Named::Swap => rec.swap = v,
            Named::SwapPss => rec.swap_pss = v,
            Named::Locked => rec.locked = v,
        }
    }
}

/// The smaps field names seen so far (in first-seen order, the [`FieldId`]s) and, for each,
/// the named member it fills.
pub(super) struct FieldTable<'a> {
    pub(super) names: &'a mut Vec<String>,
    pub(super) named: &'a mut Vec<Named>,
    /// Each name's id, for names out of the usual order: a hash lookup rather than a scan
    /// of the list, so that a capture with many distinct names stays linear.
    pub(super) index: &'a mut HashMap<Vec<u8>, usize>,
}

impl FieldTable<'_> {
    /// The id of `key`, adding it when it is new. `pos` is the field's position in its
    /// record: the kernel's fixed order makes `names[pos]` the usual answer.
    #[inline]
    pub(super) fn id(&mut self, key: &[u8], pos: usize) -> Result<(FieldId, Named), &'static str> {
        // Field names given by the caller (a second parse_smaps with the same list) have
        // no `named` entry yet.
        while self.named.len() < self.names.len() {
            let i = self.named.len();
            let n = Named::of(self.names[i].as_bytes());
            self.named.push(n);
            self.index.insert(self.names[i].as_bytes().to_vec(), i);
        }
        let id = match self.names.get(pos) {
            Some(name) if name.as_bytes() == key => pos,
            _ => match self.index.get(key) {
                Some(&i) => i,
                None => {
                    let name = std::str::from_utf8(key)
                        .map_err(|_| "a smaps field name that is not a word")?;
                    self.names.push(name.to_string());
                    self.named.push(Named::of(key));
                    self.index.insert(key.to_vec(), self.names.len() - 1);
                    self.names.len() - 1
                }
            },
        };
        let fid = FieldId::try_from(id).map_err(|_| "too many smaps field names")?;
        Ok((fid, self.named[id]))
    }
}

/// Parse one smaps field line (`Rss:   4 kB`, `VmFlags: rd wr mr`) into `rec`.
pub(super) fn parse_field_into(
    line: &[u8],
    rec: &mut SmapsRecord,
    table: &mut FieldTable<'_>,
) -> Result<(), &'static str> {
    let colon =
        memchr::memchr(b':', line).ok_or("neither a mapping line nor a 'Name: value' field")?;
    let key = &line[..colon];
    let value = &line[colon + 1..];
    // The kernel's field names are words such as `Rss` or `Private_Dirty`; they are
    // shown as column headers, so only printable ASCII is accepted.
    if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
        return Err("a smaps field name that is not a word");
    }
    if key == b"VmFlags" {
        rec.has_vm_flags = true;
        for flag in value.split(|&b| b == b' ').filter(|f| !f.is_empty()) {
            // The kernel's flags are two lower-case letters; anything printable is
            // kept (a newer kernel may add more), nothing a terminal would act on.
            match flag {
                [a, b] if a.is_ascii_graphic() && b.is_ascii_graphic() => {
                    rec.vm_flags.push([*a, *b]);
                }
                _ => return Err("a VmFlags entry that is not two letters"),
            }
        }
        return Ok(());
    }
    let mut i = 0;
    while value.get(i) == Some(&b' ') {
        i += 1;
    }
    let number = dec_at(value, &mut i).ok_or("a smaps field without a number")?;
    match value.get(i) {
        None | Some(b' ') => {}
        Some(_) => return Err("a smaps field without a number"),
    }
    let (id, named) = table.id(key, rec.fields.len())?;
    rec.fields.push((id, number));
    named.set(rec, number);
    Ok(())
}

/// `a == b` for short field names without a call to `memcmp`: names of 8 to 16 bytes are
/// compared as two overlapping 8-byte words.
#[inline]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if (8..=16).contains(&n) {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else {
        a == b
    }
}

/// Reset a record for reuse, keeping its buffers.
pub(super) fn clear_record(rec: &mut SmapsRecord) {
    let mut fields = std::mem::take(&mut rec.fields);
    let mut flags = std::mem::take(&mut rec.vm_flags);
    fields.clear();
    flags.clear();
    *rec = SmapsRecord {
        fields,
        vm_flags: flags,
        ..SmapsRecord::default()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_compare_like_slices() {
        let names: [&[u8]; 9] = [
            b"",
            b"Rss",
            b"Pss_Dirty",
            b"Shared_Clean",
            b"Private_Hugetlb",
            b"ShmemPmdMappedX",
            b"KernelPageSize",
            b"ProtectionKeyAndMore",
            b"Private_Hugetlc",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
