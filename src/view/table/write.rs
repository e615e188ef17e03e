//! Writing the table: every packed row cell by cell through the grid's plan, in address
//! order or, with `--sort`, in the order the rows were sorted, then the totals row.

use std::io::{self, Write};

use super::{KINDS, Show, Table, is_not_additive};
use crate::view::grid::{line_end, width_of};
use crate::view::numfmt::push_hex;
use crate::view::packed::PackedReader;

impl Table<'_> {
    /// The cells of the totals row under the smaps columns (`None`: an empty cell).
    fn totals_cells(&self) -> Vec<Option<String>> {
        let t = self.totals;
        let any = self.any_smaps;
        let kb = |v: u64| Some(format!("{v}K"));
        let fig = |v: u64| {
            Some(if any {
                format!("{v}K")
            } else {
                "-".to_string()
            })
        };
        self.shows
            .iter()
            .map(|s| match *s {
                Show::Address => Some("total".to_string()),
                Show::Size => kb(t.size_kb),
                Show::Rss => fig(t.rss_kb),
                Show::Pss => fig(t.pss_kb),
                Show::Dirty => fig(t.dirty_kb),
                Show::Swap => fig(t.swap_kb),
                Show::Field(id, _) => self
                    .fields
                    .iter()
                    .position(|(_, f)| *f == id)
                    .filter(|&i| !is_not_additive(&self.fields[i].0))
                    .and_then(|i| kb(self.sums[i])),
                _ => None,
            })
            .collect()
    }

    /// Print the header, every row and the totals row.
    pub(super) fn write(
        &mut self,
        width: Option<usize>,
        out: &mut dyn Write,
    ) -> io::Result<crate::view::grid::Plan> {
        let totals = (!self.opts.quiet && (self.x_columns() || !self.fields.is_empty()))
            .then(|| self.totals_cells());
        if let Some(cells) = &totals {
            for (i, c) in cells.iter().enumerate() {
                if let Some(c) = c {
                    self.grid.measure(i, c.len());
                }
            }
        }
        let plan = self.grid.plan(width);
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        if !self.opts.quiet {
            self.grid.header(&plan, &mut buf);
        }
        let color = self.opts.color;
        let mut rows = std::mem::take(&mut self.rows);
        let (grid, shows) = (&self.grid, &self.shows);
        let mut c: Vec<u8> = Vec::with_capacity(256);
        let mut emit = |row: &[u8]| -> io::Result<()> {
            let Some((&paint, rest)) = row.split_first() else {
                return Ok(());
            };
            let sgr = if color && paint > 0 {
                crate::view::color::sgr(crate::view::color::Paint::from_code(paint - 1))
            } else {
                ""
            };
            let mut rd = PackedReader::new(rest);
            let mut under = "";
            let start = grid.line_start(&mut buf);
            for (i, &show) in shows.iter().enumerate() {
                let shown = plan.widths[i].is_some();
                match show {
                    Show::Address => {
                        let v = rd.u64();
                        if shown {
                            c.clear();
                            push_hex(&mut c, v, 16);
                            grid.cell(&plan, i, &c, 16, sgr, &mut buf);
                        }
                    }
                    Show::Size | Show::Rss | Show::Pss | Show::Dirty | Show::Swap => {
                        let v = rd.u64();
                        if shown {
                            match v.checked_sub(1) {
                                Some(v) => grid.number(&plan, i, v, b"K", sgr, &mut buf),
                                None => grid.cell(&plan, i, b"-", 1, sgr, &mut buf),
                            }
                        }
                    }
                    Show::Field(_, plain) => {
                        let v = rd.u64();
                        if shown {
                            match v.checked_sub(1) {
                                Some(v) => {
                                    let k: &[u8] = if plain { b"" } else { b"K" };
                                    grid.number(&plan, i, v, k, sgr, &mut buf);
                                }
                                None => grid.cell(&plan, i, b"", 0, sgr, &mut buf),
                            }
                        }
                    }
                    Show::Perm => {
                        let at = rd.position();
                        let letters = rest.get(at..at + 4).unwrap_or(b"????");
                        rd.skip(4);
                        if shown {
                            let mut p = [0u8; 8];
                            p[..4].copy_from_slice(letters);
                            // W+X is flagged in the text too, so it shows without colour.
                            let n = if letters[1] == b'w' && letters[2] == b'x' {
                                p[4..].copy_from_slice(b" W+X");
                                8
                            } else {
                                4
                            };
                            grid.cell(&plan, i, &p[..n], n, sgr, &mut buf);
                        }
                    }
                    Show::InCore => {
                        let s = rd.bytes();
                        if shown {
                            grid.cell(&plan, i, s, s.len(), sgr, &mut buf);
                        }
                    }
                    Show::Offset => {
                        let v = rd.u64();
                        if shown {
                            c.clear();
                            push_hex(&mut c, v, 8);
                            grid.cell(&plan, i, &c, c.len(), sgr, &mut buf);
                        }
                    }
                    Show::Device => {
                        let (maj, min) = (rd.u64(), rd.u64());
                        if shown {
                            c.clear();
                            push_hex(&mut c, maj, 2);
                            c.push(b':');
                            push_hex(&mut c, min, 2);
                            grid.cell(&plan, i, &c, c.len(), sgr, &mut buf);
                        }
                    }
                    Show::Kind => {
                        let k = rest.get(rd.position()).copied().unwrap_or(0);
                        rd.skip(1);
                        if shown {
                            let label = KINDS.get(usize::from(k & 0x7f)).copied().unwrap_or("");
                            c.clear();
                            c.extend_from_slice(label.as_bytes());
                            if k & 0x80 != 0 {
                                c.push(b'*');
                            }
                            grid.cell(&plan, i, &c, c.len(), sgr, &mut buf);
                        }
                    }
                    Show::VmFlags => {
                        let n = rd.u64() as usize;
                        let at = rd.position();
                        let flags = rest.get(at..at + 2 * n).unwrap_or(&[]);
                        rd.skip(2 * n);
                        if shown {
                            c.clear();
                            for (j, f) in flags.chunks(2).enumerate() {
                                if j > 0 {
                                    c.push(b' ');
                                }
                                c.extend_from_slice(f);
                            }
                            grid.cell(&plan, i, &c, c.len(), sgr, &mut buf);
                        }
                    }
                    Show::Name => {
                        let name = rd.bytes();
                        if shown {
                            grid.cell(&plan, i, name, width_of(name), sgr, &mut buf);
                        }
                    }
                    Show::Mark => {
                        let m = rd.bytes();
                        if shown && !m.is_empty() {
                            c.clear();
                            c.extend_from_slice("◀ ".as_bytes());
                            c.extend_from_slice(m);
                            grid.cell(&plan, i, &c, width_of(&c), "", &mut buf);
                        }
                    }
                    Show::Explain => {
                        let e = std::str::from_utf8(rd.bytes()).unwrap_or("");
                        if shown {
                            grid.cell(
                                &plan,
                                i,
                                e.as_bytes(),
                                width_of(e.as_bytes()),
                                sgr,
                                &mut buf,
                            );
                        } else {
                            under = e;
                        }
                    }
                }
            }
            line_end(&mut buf, start);
            grid.under(&plan, under, &mut buf);
            if buf.len() >= 60 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
            Ok(())
        };
        match self.order.take() {
            // Largest first; equal keys in address order (as the pipeline sorts).
            Some(mut order) => {
                order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let mut row = Vec::with_capacity(256);
                for &(_, _, at) in &order {
                    rows.get(at, &mut row)?;
                    emit(&row)?;
                }
            }
            None => rows.each(&mut emit)?,
        }
        if let Some(cells) = totals {
            let start = self.grid.line_start(&mut buf);
            for (i, c) in cells.iter().enumerate() {
                let c = c.as_deref().unwrap_or("");
                self.grid
                    .cell(&plan, i, c.as_bytes(), c.len(), "", &mut buf);
            }
            line_end(&mut buf, start);
        }
        out.write_all(&buf)?;
        Ok(plan)
    }
}
