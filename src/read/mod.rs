//! Where regions come from: a live process ([`proc`]), a saved capture or vasmap's own
//! JSON ([`saved`], [`json`]). Text is parsed from bytes ([`parse`], no I/O) and each
//! region gets its kind ([`classify`]). The pages of a mapping come from `pagemap`
//! ([`pagemap`]). Nothing here formats output.
//!
//! Every source is a [`RegionSource`]: regions one at a time, in address order, ending
//! with a check that what was read is the whole of it.

use crate::model::{Region, Snapshot};

pub mod all;
pub mod byname;
pub mod classify;
pub mod core;
pub mod denial;
pub mod elf;
pub mod error;
pub mod json;
pub mod kpageflags;
pub mod live;
pub mod pagemap;
pub mod pageread;
pub mod pagescan;
pub mod pagestate;
pub mod parse;
pub mod proc;
pub mod procfile;
pub mod procstat;
pub mod saved;
pub mod threads;
pub mod truename;

/// Regions one at a time, in address order.
pub trait RegionSource {
    /// Move to the next region. `Ok(false)` after the last, once the source has made sure
    /// that what it read was whole (a live process that exited while it was read is an
    /// error, never a short list).
    fn advance(&mut self) -> Result<bool, proc::SourceError>;

    /// The region [`RegionSource::advance`] moved to.
    fn region(&self) -> &Region;

    /// The smaps field names a record's [`crate::model::FieldId`]s index.
    fn field_names(&self) -> &[String];
}

/// The regions of a snapshot, in address order (a hand-edited capture may not be).
pub struct SnapshotSource<'a> {
    snap: &'a Snapshot,
    order: Vec<usize>,
    next: usize,
    blank: Region,
}

impl<'a> SnapshotSource<'a> {
    pub fn new(snap: &'a Snapshot) -> Self {
        let mut order: Vec<usize> = (0..snap.regions.len()).collect();
        order.sort_by_key(|&i| snap.regions[i].start);
        SnapshotSource {
            snap,
            order,
            next: 0,
            blank: Region::blank(),
        }
    }
}

impl RegionSource for SnapshotSource<'_> {
    fn advance(&mut self) -> Result<bool, proc::SourceError> {
        if self.next >= self.order.len() {
            return Ok(false);
        }
        self.next += 1;
        Ok(true)
    }

    fn region(&self) -> &Region {
        self.next
            .checked_sub(1)
            .and_then(|i| self.order.get(i))
            .map_or(&self.blank, |&i| &self.snap.regions[i])
    }

    fn field_names(&self) -> &[String] {
        &self.snap.smaps_fields
    }
}
