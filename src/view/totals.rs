//! `--totals`: one row for the whole process (or for the rows the filters and `-A`
//! leave). Without filters the inspector reads the kernel's own sums from
//! `/proc/PID/smaps_rollup` (one small read however many mappings there are) and prints
//! them with [`render_totals`]; with filters this view adds up the rows it is given.
//!
//! No mapping count: only `maps` has it, and reading it costs more than the rollup
//! itself (docs/performance.md); `--summary` counts them.

use std::io::{self, Write};

use crate::model::{Kind, SmapsRecord, Totals};
use crate::view::summary::table_with;
use crate::view::{Head, Rows, Stop, View};

/// Whole-process totals from a `smaps_rollup` record and the virtual size in kB (the
/// kernel's `VmSize` from `/proc/PID/status`).
pub fn rollup_totals(size_kb: u64, r: &SmapsRecord) -> Totals {
    Totals {
        regions: 0,
        size_kb,
        rss_kb: r.rss,
        pss_kb: r.pss,
        dirty_kb: r.dirty(),
        swap_kb: r.swap,
        private_kb: r.private_clean.saturating_add(r.private_dirty),
        shared_kb: r.shared_clean.saturating_add(r.shared_dirty),
    }
}

/// Print the one row of `--totals`.
pub fn render_totals(
    head: &crate::view::Head,
    totals: &Totals,
    width: Option<u16>,
    out: &mut dyn Write,
) -> io::Result<()> {
    head.write_title(width.map(usize::from), out)?;
    out.write_all(&table_with("Process", &[], totals, width, false))
}

/// `--totals` over the rows given.
pub struct TotalsView {
    width: Option<u16>,
}

impl TotalsView {
    pub fn new(width: Option<u16>) -> Self {
        TotalsView { width }
    }
}

impl View for TotalsView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut t = Totals::default();
        let mut size = 0u64;
        while let Some(row) = rows.next_row()? {
            t.add(row.region);
            // The process's own virtual size, as the kernel's `VmSize` counts it: every
            // mapping but `[vsyscall]`, the kernel's gate page at a fixed address, listed in
            // maps but not one of the process's mappings (`smaps_rollup` leaves it out too).
            if row.region.kind != Kind::Vsyscall {
                size = size.saturating_add(row.region.size_kb());
            }
        }
        t.size_kb = size;
        render_totals(head, &t, self.width, out)?;
        Ok(())
    }
}
