//! [`SmapsRecord`]: the figures `/proc/PID/smaps` gives for one mapping, every field kept in
//! the kernel's order and the common ones also named.

/// The index of a field name in [`Snapshot::smaps_fields`](super::Snapshot::smaps_fields).
pub type FieldId = u16;

/// The figures `/proc/PID/smaps` gives for one mapping.
///
/// The set of fields varies with the kernel version, so every `Key: value` line is kept in
/// `fields`, in the kernel's order; the common ones are also copied into named members.
/// Values are in kB, except `THPeligible` and `ProtectionKey`, which are plain numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmapsRecord {
    pub rss: u64,
    pub pss: u64,
    pub shared_clean: u64,
    pub shared_dirty: u64,
    pub private_clean: u64,
    pub private_dirty: u64,
    pub referenced: u64,
    pub anonymous: u64,
    pub swap: u64,
    pub swap_pss: u64,
    pub locked: u64,
    /// Every `Key: value` line in kernel order, as (index into the snapshot's field names, value).
    pub fields: Vec<(FieldId, u64)>,
    /// The `VmFlags:` line's two-letter flags, as the kernel wrote them (unknown ones kept).
    pub vm_flags: Vec<[u8; 2]>,
    /// Whether the record had a `VmFlags:` line at all.
    pub has_vm_flags: bool,
}

impl SmapsRecord {
    /// Dirty pages: shared dirty plus private dirty, as pmap's `Dirty` column.
    pub fn dirty(&self) -> u64 {
        self.shared_dirty.saturating_add(self.private_dirty)
    }

    /// The value of field `id`, if this record has it.
    pub fn get(&self, id: FieldId) -> Option<u64> {
        self.fields.iter().find(|(f, _)| *f == id).map(|(_, v)| *v)
    }

    /// The VmFlags as one space-separated string, as in smaps.
    pub fn vm_flags_string(&self) -> String {
        let mut s = String::with_capacity(self.vm_flags.len() * 3);
        for (i, f) in self.vm_flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push(f[0] as char);
            s.push(f[1] as char);
        }
        s
    }
}
