//! The pmap output as a [`View`]: the pipeline's rows handed to [`Session`], which
//! prints procps-ng pmap 4.0.2's bytes and carries pmap's state from one pid to the next
//! (the `-X` column list, its widths and its totals are never reset between pids).
//! pmap applies `-A` itself, with quirks in its totals, so it asks for every region.

use std::io::{self, Write};

use crate::model::ProcessInfo;
use crate::view::pmap::Session;
use crate::view::{Head, Rows, Shortfall, Stop, View, ViewOptions, Wants};

/// The pmap output of a whole run.
pub struct PmapOutput {
    opts: ViewOptions,
    session: Session,
}

impl PmapOutput {
    pub fn new(opts: ViewOptions) -> Self {
        PmapOutput {
            opts,
            session: Session::default(),
        }
    }
}

impl View for PmapOutput {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut view = self.session.begin(head.process, &self.opts, false);
        while let Some(row) = rows.next_row()? {
            view.region(row.region, row.fields, out)?;
        }
        view.finish(out)?;
        Ok(())
    }

    fn shortfall(
        &mut self,
        info: Option<&ProcessInfo>,
        why: Shortfall,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.session.render_shortfall(info, why, &self.opts, out)
    }

    fn wants(&self) -> Wants {
        Wants {
            whole_range: true,
            address_order: false,
            unfiltered: false,
        }
    }
}
