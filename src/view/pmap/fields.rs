//! Which columns pmap's `-X`-style view shows: pmap's `is_enabled` (`src/pmap.c`).
//!
//! One printer serves `-X`, `-XX` and the rc-file mode (`-c`, `-C FILE`); only the
//! column choice differs. `-X` leaves out the fields pmap calls unimportant (the
//! clean/dirty split, page sizes, `AnonHugePages`, `VmFlags`); `-XX` shows everything; an
//! rc file shows exactly the names its `[Fields Display]` section lists — smaps field
//! names and the fixed columns `Perm`, `Offset`, `Device`, `Inode`, `VmFlags` and
//! `Mapping` alike (`Address` is always shown). The columns keep the kernel's order
//! whatever order the rc file lists them in, because pmap walks smaps and asks, field by
//! field, whether each is enabled.
//!
//! The rc file itself (reading, warnings, the default file `-n` writes) belongs to the
//! command line (`crate::cli::pmap`); this module holds only the choice it makes.

use std::collections::BTreeSet;

/// The longest name pmap compares: it keeps rc entries and smaps field names in 32-byte
/// buffers (`DETAIL_LENGTH`), so only their first 31 bytes count.
pub const NAME_MAX: usize = 31;

/// The columns an rc file enables (its `[Fields Display]` entries), for
/// [`crate::view::ViewOptions::pmap_fields`]. With a selection, the pmap output is the
/// `-X`-style view with only these columns, as `pmap -c`/`pmap -C FILE` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelection {
    names: BTreeSet<Vec<u8>>,
}

impl FieldSelection {
    /// An empty selection: only the `Address` column.
    pub fn new() -> FieldSelection {
        FieldSelection::default()
    }

    /// Enable the column called `name` (its first [`NAME_MAX`] bytes, as pmap keeps it).
    /// Names are case sensitive; a name no column has is kept and matches nothing.
    pub fn enable(&mut self, name: &[u8]) {
        self.names.insert(name[..name.len().min(NAME_MAX)].to_vec());
    }

    /// True when the column `name` is enabled.
    pub fn enables(&self, name: &str) -> bool {
        let name = name.as_bytes();
        self.names.contains(&name[..name.len().min(NAME_MAX)])
    }

    /// The enabled names, in byte order (for messages and tests).
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.names.iter().map(Vec::as_slice)
    }
}

/// The smaps fields `-X` leaves out (pmap's `is_unimportant`).
pub(super) fn is_unimportant(name: &str) -> bool {
    matches!(
        name,
        "AnonHugePages"
            | "KernelPageSize"
            | "MMUPageSize"
            | "Shared_Dirty"
            | "Private_Dirty"
            | "Shared_Clean"
            | "Private_Clean"
            | "VmFlags"
    )
}

/// pmap's `is_enabled` for one run: `-X` first (its `X_option == 1` test comes first),
/// then the rc file's list, and otherwise (`-XX`) every column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns<'a> {
    pub extra: u8,
    pub rc: Option<&'a FieldSelection>,
}

impl Columns<'_> {
    /// True when the column (an smaps field or a fixed column) is shown.
    pub fn shows(&self, name: &str) -> bool {
        if self.extra == 1 {
            !is_unimportant(name)
        } else if let Some(rc) = self.rc {
            rc.enables(name)
        } else {
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_then_rc_then_everything() {
        let mut rc = FieldSelection::new();
        rc.enable(b"Rss");
        rc.enable(b"Mapping");
        let x = Columns { extra: 1, rc: None };
        assert!(x.shows("Rss") && x.shows("Perm") && !x.shows("VmFlags"));
        let xx = Columns { extra: 2, rc: None };
        assert!(xx.shows("VmFlags") && xx.shows("Private_Dirty"));
        let c = Columns {
            extra: 0,
            rc: Some(&rc),
        };
        assert!(c.shows("Rss") && c.shows("Mapping"));
        assert!(!c.shows("Pss") && !c.shows("Perm") && !c.shows("rss"));
    }

    #[test]
    fn names_count_to_31_bytes_as_in_pmap() {
        let long = "A234567890123456789012345678901_tail";
        let mut rc = FieldSelection::new();
        rc.enable(long.as_bytes());
        assert!(rc.enables(&long[..31]));
        assert!(rc.enables("A234567890123456789012345678901_other"));
        assert!(!rc.enables(&long[..30]));
    }
}
