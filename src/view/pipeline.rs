//! The one pipeline between a source of regions and a view, and the one place that
//! chooses between streaming and buffering.
//!
//! A source ([`RegionSource`]: a live process, a saved file, a core dump) yields regions
//! in address order. On the way to the view each region is
//! 1. explained, when `--explain` asks: the explainer sees a window of [`NEAR`] regions
//!    either side of it (an ELF file's other mappings, the thread stack above a guard
//!    page), held in a ring of reused regions, so memory does not grow with the process;
//! 2. filtered (`--perms`, `--kind`, `--name`) and cut to `-A`'s range, unless the view
//!    asks for every region ([`Wants`](crate::view::Wants));
//! 3. marked (the demo's own mappings);
//! 4. handed to the view at once, or, for `--sort`, packed into a [`RowStore`] (spilling
//!    to a temporary file past a few MiB) and handed over in order once the last is in.
//!
//! What the view writes is held ([`HoldBack`]) until the source says its rows were whole,
//! so a process that exits while it is read leaves nothing on stdout.

use std::io::{self, Write};

use crate::filter::{Selection, SortKey};
use crate::model::{Explanation, Region};
use crate::range::AddrRange;
use crate::read::RegionSource;
use crate::read::proc::SourceError;
use crate::view::spool::{Completion, HoldBack, RowStore};
use crate::view::{Head, Row, Rows, Stop, View};

/// How far either side of a region the explainer may look.
pub const NEAR: usize = 64;

/// A row the demo wants marked, with the note to show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub start: u64,
    pub end: u64,
    pub note: String,
}

/// What the pipeline does between the source and the view.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Filters and order.
    pub select: Selection,
    /// `-A`.
    pub range: Option<AddrRange>,
    /// Rows to mark.
    pub marks: Vec<Mark>,
}

/// The regions around the one being explained.
pub trait Neighbours {
    /// The region `offset` places from the one explained (0 is that one; negative below),
    /// if it is within [`NEAR`] and exists.
    fn at(&self, offset: isize) -> Option<&Region>;

    /// The place of the region explained in its address space (0 for the lowest): the
    /// explainer keeps notes by it as the window moves on.
    fn index(&self) -> usize;
}

/// What works out `--explain`'s words (`crate::teach::explain`): it may read the mapped
/// files; the views never do.
pub trait Explain {
    /// The words for `near.at(0)` of process `pid` (0 for a saved file).
    fn explain(&mut self, near: &dyn Neighbours, pid: i32) -> Explanation;
}

/// Why [`show`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Output(#[from] io::Error),
}

/// The last regions read, in a ring of `2 * near + 1` reused slots.
struct Ring {
    slots: Vec<Region>,
    /// Regions read so far (the absolute index of the next one).
    filled: usize,
    /// The absolute index of the next region to hand on.
    center: usize,
    near: usize,
    ended: bool,
}

impl Ring {
    fn new(near: usize) -> Ring {
        Ring {
            slots: (0..2 * near + 1).map(|_| Region::blank()).collect(),
            filled: 0,
            center: 0,
            near,
            ended: false,
        }
    }

    fn slot(&self, abs: usize) -> &Region {
        &self.slots[abs % self.slots.len()]
    }
}

impl Neighbours for Ring {
    fn at(&self, offset: isize) -> Option<&Region> {
        if offset.unsigned_abs() > self.near {
            return None;
        }
        let abs = self.center.checked_add_signed(offset)?;
        (abs < self.filled && abs + self.slots.len() >= self.filled).then(|| self.slot(abs))
    }

    fn index(&self) -> usize {
        self.center
    }
}

/// Rows sorted by `--sort`, packed until handed over.
struct Sorted {
    store: RowStore,
    /// (key, start, where the row is), in the order to hand over.
    order: Vec<(u64, u64, u64)>,
    next: usize,
    buf: Vec<u8>,
}

/// The rows the view pulls; see the module docs.
struct PipeRows<'s, 'e> {
    src: &'s mut dyn RegionSource,
    plan: &'s Plan,
    explainer: Option<&'e mut dyn Explain>,
    pid: i32,
    filter: bool,
    range: Option<AddrRange>,
    sort: SortKey,
    ring: Ring,
    explanation: Explanation,
    sorted: Option<Sorted>,
    /// The row handed over from `sorted`.
    current: Region,
    error: Option<SourceError>,
    done: Completion,
}

impl PipeRows<'_, '_> {
    /// Read from the source until the ring's next region can be handed on; false when
    /// there is none left.
    ///
    /// Only for rows that need the ring: `--explain`'s window, or `--sort`'s packing
    /// (every other row comes straight from the source, [`PipeRows::next_direct`]).
    fn fill(&mut self) -> Result<bool, Stop> {
        while !self.ring.ended && self.ring.filled <= self.ring.center + self.ring.near {
            if self.advance()? {
                let n = self.ring.slots.len();
                self.ring.slots[self.ring.filled % n].clone_from(self.src.region());
                self.ring.filled += 1;
            } else if self.sort == SortKey::Addr {
                // The source checked that what it read was whole.
                self.done.complete();
            }
        }
        Ok(self.ring.center < self.ring.filled)
    }

    /// Move the source on: false at its end (`ring.ended` then set); its error is kept
    /// for the caller ([`Stop::Input`]).
    fn advance(&mut self) -> Result<bool, Stop> {
        match self.src.advance() {
            Ok(more) => {
                self.ring.ended |= !more;
                Ok(more)
            }
            Err(e) => {
                self.error = Some(e);
                Err(Stop::Input)
            }
        }
    }

    fn keeps(&self, r: &Region) -> bool {
        (!self.filter || self.plan.select.matches(r))
            && self.range.is_none_or(|a| a.overlaps(r.start, r.end))
    }

    fn mark(&self, r: &Region) -> Option<&str> {
        self.plan
            .marks
            .iter()
            .find(|m| m.start < r.end && r.start < m.end)
            .map(|m| m.note.as_str())
    }

    /// Pack every row the filters keep, then sort them.
    fn sort_all(&mut self) -> Result<(), Stop> {
        let mut store = RowStore::new();
        let mut order = Vec::new();
        let mut buf = Vec::new();
        while self.fill()? {
            let keep = self.keeps(self.ring.slot(self.ring.center));
            if keep {
                let explained = self.explain_center();
                let r = self.ring.slot(self.ring.center);
                buf.clear();
                crate::view::packed::encode_region(
                    &mut buf,
                    r,
                    explained.then_some(&self.explanation),
                );
                let at = store.push(&buf)?;
                order.push((self.sort.value(r), r.start, at));
            }
            self.ring.center += 1;
        }
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.done.complete();
        self.sorted = Some(Sorted {
            store,
            order,
            next: 0,
            buf,
        });
        Ok(())
    }

    /// The next row the filters keep, straight from the source: what [`Rows::next_row`]
    /// does in address order without an explainer (no window, so no ring to keep).
    ///
    /// Why a path of its own: going through [`PipeRows::fill`] and the ring cost
    /// about 64 instructions a row in calls and tests, for a ring of one slot that is never
    /// used (callgrind, `vasmap --pmap` of 60,000 mappings: 66.2 million for the run before,
    /// 62.4 after).
    fn next_direct(&mut self) -> Result<Option<Row<'_>>, Stop> {
        loop {
            if self.ring.ended {
                return Ok(None);
            }
            if !self.advance()? {
                // The source checked that what it read was whole.
                self.done.complete();
                return Ok(None);
            }
            if self.keeps(self.src.region()) {
                break;
            }
        }
        let r = self.src.region();
        Ok(Some(Row {
            region: r,
            fields: self.src.field_names(),
            explain: None,
            mark: self.mark(r),
        }))
    }

    /// Explain the region at the ring's center into `self.explanation`; false when there
    /// is no explainer.
    fn explain_center(&mut self) -> bool {
        match self.explainer.as_deref_mut() {
            Some(ex) => {
                self.explanation = ex.explain(&self.ring, self.pid);
                true
            }
            None => false,
        }
    }
}

impl Rows for PipeRows<'_, '_> {
    fn next_row(&mut self) -> Result<Option<Row<'_>>, Stop> {
        if self.sort != SortKey::Addr {
            if self.sorted.is_none() {
                self.sort_all()?;
            }
            let Some(s) = self.sorted.as_mut() else {
                return Ok(None);
            };
            let Some(&(_, _, at)) = s.order.get(s.next) else {
                return Ok(None);
            };
            s.next += 1;
            s.store.get(at, &mut s.buf)?;
            let explained = crate::view::packed::decode_region(
                &s.buf,
                &mut self.current,
                &mut self.explanation,
            );
            let r = &self.current;
            return Ok(Some(Row {
                region: r,
                fields: self.src.field_names(),
                explain: explained.then_some(&self.explanation),
                mark: self.mark(r),
            }));
        }
        if self.explainer.is_none() {
            return self.next_direct();
        }
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let at = self.ring.center;
            if !self.keeps(self.ring.slot(at)) {
                self.ring.center += 1;
                continue;
            }
            let explained = self.explain_center();
            self.ring.center += 1;
            let r = self.ring.slot(at);
            return Ok(Some(Row {
                region: r,
                fields: self.src.field_names(),
                explain: explained.then_some(&self.explanation),
                mark: self.mark(r),
            }));
        }
    }
}

/// Show one address space: the regions of `src` through `plan` into `view`, whose output
/// reaches `out` only once the source has said its regions were whole.
pub fn show(
    src: &mut dyn RegionSource,
    head: &Head,
    view: &mut dyn View,
    plan: &Plan,
    explainer: Option<&mut dyn Explain>,
    out: &mut dyn Write,
) -> Result<(), ShowError> {
    let wants = view.wants();
    let near = if explainer.is_some() { NEAR } else { 0 };
    let done = Completion::default();
    let mut rows = PipeRows {
        src,
        plan,
        explainer,
        pid: head.process.pid,
        filter: !wants.unfiltered && !plan.select.keeps_all(),
        range: if wants.whole_range { None } else { plan.range },
        sort: if wants.address_order {
            SortKey::Addr
        } else {
            plan.select.sort
        },
        ring: Ring::new(near),
        explanation: Explanation::default(),
        sorted: None,
        current: Region::blank(),
        error: None,
        done: done.clone(),
    };
    let mut held = HoldBack::new(out, done);
    match view.show(head, &mut rows, &mut held) {
        // No flush: with 250 pids in one call, one `write` a pid cost more than the
        // output; the caller flushes (before any error message, to keep the order).
        Ok(()) => {
            held.release()?;
            Ok(())
        }
        Err(Stop::Output(e)) => Err(ShowError::Output(e)),
        Err(Stop::Input) => Err(match rows.error.take() {
            Some(e) => ShowError::Source(e),
            None => ShowError::Output(io::Error::other("the rows stopped without a reason")),
        }),
    }
}
