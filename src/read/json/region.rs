//! One region object read back into a [`Region`]: its kind from its key, its name from
//! the exact bytes (back in the kernel's form, a newline as `\012`), its smaps fields
//! added to the document's field names, and a core dump's `dumped` object.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{hex_field, parse_device};
use crate::model::{Kind, NameLiteral, Perms, Region, SmapsRecord};

/// A smaps object read in order, as (name, value) pairs.
struct FieldsIn(Vec<(String, u64)>);

impl<'de> Deserialize<'de> for FieldsIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldsIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of smaps field names and numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<FieldsIn, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(24));
                while let Some(e) = m.next_entry::<String, u64>()? {
                    v.push(e);
                }
                Ok(FieldsIn(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
pub(super) struct RegionIn {
    start: String,
    end: String,
    perms: String,
    offset: String,
    device: String,
    inode: u64,
    kind: String,
    tid: Option<i32>,
    shmid: Option<u64>,
    name: String,
    name_bytes: Option<Vec<u8>>,
    smaps: Option<FieldsIn>,
    vm_flags: Option<Vec<String>>,
    dumped: Option<DumpedIn>,
}

/// A region's `dumped` object (a core dump's).
#[derive(Deserialize)]
struct DumpedIn {
    bytes: u64,
    #[serde(default)]
    kind_inferred: bool,
    #[serde(default)]
    perms_known: bool,
    #[serde(default)]
    read_known: bool,
    #[serde(default)]
    shared_known: bool,
}

fn kind_from_key<E: de::Error>(key: &str, tid: Option<i32>, shmid: Option<u64>) -> Result<Kind, E> {
    Ok(match key {
        "program" => Kind::Program,
        "loader" => Kind::Loader,
        "library" => Kind::Library,
        "file" => Kind::File,
        "deleted_file" => Kind::DeletedFile,
        "heap" => Kind::Heap,
        "stack" => Kind::Stack,
        "thread_stack" => Kind::ThreadStack {
            tid: tid.unwrap_or(0),
        },
        "guard" => Kind::Guard,
        "reserved" => Kind::Reserved,
        "anon" => Kind::Anon,
        "named_anon" => Kind::NamedAnon,
        "shared_anon" => Kind::SharedAnon,
        "memfd" => Kind::Memfd,
        "sysv_shm" => Kind::SysvShm {
            shmid: shmid.unwrap_or(0),
        },
        "vdso" => Kind::Vdso,
        "vvar" => Kind::Vvar,
        "vsyscall" => Kind::Vsyscall,
        "special" => Kind::Special,
        other => return Err(E::custom(format!("unknown kind '{other}'"))),
    })
}

/// Back to the kernel's form: a newline in a name is written `\012` in maps.
fn kernel_escape(b: Vec<u8>) -> Vec<u8> {
    if !b.contains(&b'\n') {
        return b;
    }
    let mut out = Vec::with_capacity(b.len() + 8);
    for c in b {
        if c == b'\n' {
            out.extend_from_slice(b"\\012");
        } else {
            out.push(c);
        }
    }
    out
}

impl RegionIn {
    pub(super) fn into_region<E: de::Error>(self, names: &mut Vec<String>) -> Result<Region, E> {
        let p = self.perms.as_bytes();
        let valid = matches!(p, [b'r' | b'-', b'w' | b'-', b'x' | b'-', b's' | b'p']);
        if !valid {
            return Err(E::custom(format!(
                "perms '{}' is not rwxp-style letters (each letter or -, then s or p)",
                crate::text::escape_text(p, false)
            )));
        }
        let perms = Perms {
            read: p[0] == b'r',
            write: p[1] == b'w',
            exec: p[2] == b'x',
            shared: p[3] == b's',
        };
        let (dev_major, dev_minor) = parse_device(&self.device)
            .ok_or_else(|| E::custom(format!("device '{}' is not MAJOR:MINOR", self.device)))?;
        let start = hex_field(&self.start, "start")?;
        let end = hex_field(&self.end, "end")?;
        if end < start {
            return Err(E::custom(format!(
                "region {} ends before it starts",
                self.start
            )));
        }
        let smaps = match self.smaps {
            None => None,
            Some(FieldsIn(fields)) => {
                let mut rec = SmapsRecord::default();
                for (name, v) in fields {
                    let id = match names.iter().position(|n| *n == name) {
                        Some(i) => i,
                        None => {
                            names.push(name.clone());
                            names.len() - 1
                        }
                    };
                    let id = u16::try_from(id).map_err(|_| E::custom("too many smaps fields"))?;
                    rec.fields.push((id, v));
                    match name.as_str() {
                        "Rss" => rec.rss = v,
                        "Pss" => rec.pss = v,
                        "Shared_Clean" => rec.shared_clean = v,
                        "Shared_Dirty" => rec.shared_dirty = v,
                        "Private_Clean" => rec.private_clean = v,
                        "Private_Dirty" => rec.private_dirty = v,
                        "Referenced" => rec.referenced = v,
                        "Anonymous" => rec.anonymous = v,
                        "Swap" => rec.swap = v,
                        "SwapPss" => rec.swap_pss = v,
                        "Locked" => rec.locked = v,
                        _ => {}
                    }
                }
                if let Some(flags) = self.vm_flags {
                    rec.has_vm_flags = true;
                    for f in flags {
                        match f.as_bytes() {
                            [a, b] => rec.vm_flags.push([*a, *b]),
                            _ => {
                                return Err(E::custom(format!(
                                    "VmFlags entry '{f}' is not two letters"
                                )));
                            }
                        }
                    }
                }
                Some(rec)
            }
        };
        let bytes = self.name_bytes.unwrap_or_else(|| self.name.into_bytes());
        let kind = kind_from_key(&self.kind, self.tid, self.shmid)?;
        // JSON holds the true bytes: a `\012` in them is the file's own (when the name
        // has no newline too, which one flag cannot tell apart), and a ` (deleted)` of a
        // region not of a deleted kind is part of the file's name.
        let literal = NameLiteral {
            escapes: !bytes.contains(&b'\n') && crate::text::has_kernel_newline(&bytes),
            deleted_suffix: bytes.ends_with(b" (deleted)")
                && matches!(
                    kind,
                    Kind::Program | Kind::Loader | Kind::Library | Kind::File | Kind::Special
                ),
        };
        Ok(Region {
            start,
            end,
            perms,
            offset: hex_field(&self.offset, "offset")?,
            dev_major,
            dev_minor,
            inode: self.inode,
            name: kernel_escape(bytes),
            kind,
            smaps,
            dumped: self.dumped.map(|d| crate::model::Dumped {
                bytes: d.bytes,
                kind_inferred: d.kind_inferred,
                shared_known: d.shared_known,
                perms_known: d.perms_known,
                read_known: d.read_known,
            }),
            literal,
        })
    }
}
