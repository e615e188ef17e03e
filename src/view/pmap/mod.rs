//! Byte for byte what procps-ng pmap 4.0.2 prints (its `src/pmap.c` and the library's
//! `escape.c`/`readproc.c`), for every view: default, `-x`, `-X`, `-XX`, `-d`, the rc-file
//! view (`-c`, `-C FILE`), with `-q`, `-p` and `-A`. Quirks a script could depend on are
//! reproduced; where pmap prints garbage (names longer than its 1024-byte line buffer)
//! the row is printed correctly instead. Every difference is listed in
//! `docs/pmap-compat.md`.
//!
//! This file holds the session (what pmap keeps from one pid to the next) and the
//! region-by-region printer of the default, `-x` and `-d` views; `header.rs` the
//! `PID:   command` line, `rows.rs` the pieces of those views' rows, `extra.rs` the
//! `-X`-style view and `fields.rs` which columns it shows.

use std::io::{self, Write};

use crate::model::{ProcessInfo, Region, Snapshot};
use crate::view::ViewOptions;
use crate::view::numfmt::{push_dec, push_hex};

mod extra;
mod fields;
mod header;
mod rows;

use extra::{ExtraState, FieldColumn, extra_finish, extra_region};
pub use extra::{extra_fields, record_fields};
pub use fields::{FieldSelection, NAME_MAX};
use header::write_header;
pub use header::{header_command, locale_is_utf8};
use rows::{mapping_name, push_mode_and_name, push_row_start};

/// The pmap output for several pids in a row. pmap keeps the `-X`/`-XX` column list, its
/// widths and its totals from one pid to the next (its totals are never reset: the
/// second pid's footer includes the first's); a session does the same.
#[derive(Debug, Default)]
pub struct Session {
    columns: Option<Vec<FieldColumn>>,
}

pub use crate::view::Shortfall;

impl Session {
    /// Print one process as pmap does.
    pub fn render(
        &mut self,
        snap: &Snapshot,
        opts: &ViewOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.render_inner(snap, opts, false, out)
    }

    /// Print what pmap prints for a process that could not be read in full. `info` is
    /// what is known of it (nothing at all for a missing pid).
    pub fn render_shortfall(
        &mut self,
        info: Option<&ProcessInfo>,
        why: Shortfall,
        opts: &ViewOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let Some(info) = info else { return Ok(()) };
        match why {
            Shortfall::Missing => Ok(()),
            Shortfall::Unreadable => {
                let mut buf = Vec::new();
                write_header(info, opts, false, &mut buf);
                out.write_all(&buf)
            }
            Shortfall::Empty { zombie } => {
                let snap = Snapshot {
                    process: info.clone(),
                    ..Snapshot::default()
                };
                self.render_inner(&snap, opts, zombie, out)
            }
        }
    }

    fn render_inner(
        &mut self,
        snap: &Snapshot,
        opts: &ViewOptions,
        zombie: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut view = self.begin(&snap.process, opts, zombie);
        for r in &snap.regions {
            view.region(r, &snap.smaps_fields, out)?;
        }
        view.finish(out)
    }

    /// Start printing one process region by region, as they are read (see
    /// [`crate::read::proc::ProcDir::regions`]): give each to [`PmapView::region`],
    /// then call [`PmapView::finish`]. The output is the same as [`Session::render`] of a
    /// snapshot of those regions.
    pub fn begin<'a>(
        &'a mut self,
        process: &'a ProcessInfo,
        opts: &'a ViewOptions,
        zombie: bool,
    ) -> PmapView<'a> {
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        write_header(process, opts, zombie, &mut buf);
        // pmap: `if (X_option || c_option) print_extended_maps(...)`.
        let state = if opts.extra > 0 || opts.pmap_fields.is_some() {
            State::Extra(Box::default())
        } else if opts.extended {
            if !opts.quiet {
                buf.extend_from_slice(b"Address           Kbytes     RSS   Dirty Mode  Mapping\n");
            }
            State::Extended {
                size: 0,
                rss: 0,
                dirty: 0,
                past_range: false,
            }
        } else if opts.device {
            if !opts.quiet {
                buf.extend_from_slice(
                    b"Address           Kbytes Mode  Offset           Device    Mapping\n",
                );
            }
            State::Device {
                shared: 0,
                writeable: 0,
                readonly: 0,
            }
        } else {
            State::Default { total: 0 }
        };
        PmapView {
            session: self,
            process,
            opts,
            buf,
            state,
        }
    }
}

/// The output is handed to the writer in pieces of about this size.
pub(super) const FLUSH_AT: usize = 64 * 1024;

/// Per-view running state of a [`PmapView`].
enum State {
    Default {
        total: u64,
    },
    Extended {
        size: u64,
        rss: u64,
        dirty: u64,
        /// A mapping above the `-A` range was seen: pmap stops there.
        past_range: bool,
    },
    Device {
        shared: u64,
        writeable: u64,
        readonly: u64,
    },
    Extra(Box<ExtraState>),
}

/// One process being printed region by region; see [`Session::begin`].
pub struct PmapView<'a> {
    session: &'a mut Session,
    process: &'a ProcessInfo,
    opts: &'a ViewOptions,
    buf: Vec<u8>,
    state: State,
}

impl PmapView<'_> {
    /// Print (or, for `-X`, measure and keep) one region. `field_names` are the smaps
    /// field names its record's ids index.
    pub fn region(
        &mut self,
        r: &Region,
        field_names: &[String],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let opts = self.opts;
        let buf = &mut self.buf;
        match &mut self.state {
            State::Default { total } => {
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                *total = total.wrapping_add(r.size());
                // `%016lx %6luK %s %s`
                push_row_start(buf, r, 6);
                buf.extend_from_slice(b"K ");
                push_mode_and_name(buf, r, self.process, opts.show_path);
            }
            State::Extended {
                size,
                rss,
                dirty,
                past_range,
            } => {
                // As in pmap 4.0.2 with `-A`, the Kbytes total covers the range but the
                // RSS and Dirty totals cover every mapping up to the end of the range,
                // those below it included (pmap adds them up before it checks the range).
                let high = opts.range.map_or(u64::MAX, |a| a.high);
                if *past_range || r.start > high {
                    *past_range = true;
                    return Ok(());
                }
                let (r_rss, r_dirty) = r.smaps.as_ref().map_or((0, 0), |s| (s.rss, s.dirty()));
                *rss = rss.wrapping_add(r_rss);
                *dirty = dirty.wrapping_add(r_dirty);
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                *size = size.wrapping_add(r.size());
                // pmap prints a row when it reaches the mapping's `Swap:` line.
                let has_swap = match &r.smaps {
                    None => true,
                    Some(s) => s.fields.iter().any(|&(id, _)| {
                        field_names
                            .get(usize::from(id))
                            .is_some_and(|n| n == "Swap")
                    }),
                };
                if !has_swap {
                    return Ok(());
                }
                push_row_start(buf, r, 7);
                buf.push(b' ');
                push_dec(buf, r_rss, 7);
                buf.push(b' ');
                push_dec(buf, r_dirty, 7);
                buf.push(b' ');
                push_mode_and_name(buf, r, self.process, opts.show_path);
            }
            State::Device {
                shared,
                writeable,
                readonly,
            } => {
                if !opts.in_range(r.start, r.end) {
                    return Ok(());
                }
                let size = r.size();
                if r.perms.shared {
                    *shared = shared.wrapping_add(size);
                } else if r.perms.write {
                    *writeable = writeable.wrapping_add(size);
                } else {
                    *readonly = readonly.wrapping_add(size);
                }
                // `%016lx %7lu %s %016llx %03x:%05x `
                push_row_start(buf, r, 7);
                buf.push(b' ');
                buf.extend_from_slice(&r.perms.as_pmap());
                buf.push(b' ');
                push_hex(buf, r.offset, 16);
                buf.push(b' ');
                push_hex(buf, u64::from(r.dev_major), 3);
                buf.push(b':');
                push_hex(buf, u64::from(r.dev_minor), 5);
                buf.push(b' ');
                mapping_name(r, self.process, opts.show_path, buf);
                buf.push(b'\n');
            }
            State::Extra(x) => {
                let session = &mut *self.session;
                extra_region(session, x, r, field_names, opts);
            }
        }
        if self.buf.len() >= FLUSH_AT {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Print what is left: `-X`'s rows, and the footer.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        let opts = self.opts;
        let buf = &mut self.buf;
        match &mut self.state {
            State::Default { total } => {
                if !opts.quiet {
                    buf.extend_from_slice(b" total ");
                    push_dec(buf, *total >> 10, 16);
                    buf.extend_from_slice(b"K\n");
                }
            }
            State::Extended {
                size, rss, dirty, ..
            } => {
                if !opts.quiet {
                    buf.extend_from_slice(b"---------------- ------- ------- ------- \n");
                    buf.extend_from_slice(b"total kB         ");
                    push_dec(buf, *size >> 10, 7);
                    buf.push(b' ');
                    push_dec(buf, *rss, 7);
                    buf.push(b' ');
                    push_dec(buf, *dirty, 7);
                    buf.push(b'\n');
                }
            }
            State::Device {
                shared,
                writeable,
                readonly,
            } => {
                if !opts.quiet {
                    let mapped = shared.wrapping_add(*writeable).wrapping_add(*readonly);
                    buf.extend_from_slice(b"mapped: ");
                    push_dec(buf, mapped >> 10, 0);
                    buf.extend_from_slice(b"K    writeable/private: ");
                    push_dec(buf, *writeable >> 10, 0);
                    buf.extend_from_slice(b"K    shared: ");
                    push_dec(buf, *shared >> 10, 0);
                    buf.extend_from_slice(b"K\n");
                }
            }
            State::Extra(x) => {
                // The rows are printed here: flush the header line first.
                out.write_all(buf)?;
                buf.clear();
                extra_finish(self.session, x, opts, buf, out)?;
            }
        }
        out.write_all(&self.buf)
    }
}

/// Print what `pmap [options] PID` prints for one process.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    Session::default().render(snap, opts, out)
}

/// The options pmap refuses to combine, as its error says; `None` when they are fine.
pub fn conflict(opts: &ViewOptions) -> Option<&'static str> {
    let n = u8::from(opts.extended) + u8::from(opts.extra > 0) + u8::from(opts.device);
    (n > 1).then_some(
        "-x, -X and -d cannot be combined in the pmap output (pmap refuses them too); \
         drop --pmap to see them together in vasmap's table",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_views() {
        let mut o = ViewOptions::default();
        assert!(conflict(&o).is_none());
        o.extended = true;
        o.quiet = true;
        assert!(conflict(&o).is_none());
        o.device = true;
        assert!(conflict(&o).is_some());
    }
}
