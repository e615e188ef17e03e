//! `--summary`: totals per kind and per file, like macOS `vmmap -summary`: every libc
//! mapping on one row, every thread stack on one row. A small table, laid out by the
//! table's grid ([`crate::view::grid`]).

use std::collections::HashMap;
use std::io::Write;

use crate::model::{Kind, Region, Snapshot, Totals};
use crate::view::grid::{Align, Column, Fit, Grid, line_end, width_of};
use crate::view::numfmt::dec_width;
use crate::view::table::display_name;
use crate::view::{Head, Rows, Stop, View, ViewOptions};

/// One row of a summary: a label and the sums over its regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub label: String,
    pub totals: Totals,
}

fn add_to(
    groups: &mut Vec<Group>,
    index: &mut HashMap<Vec<u8>, usize>,
    key: &[u8],
    label: impl FnOnce() -> String,
    r: &Region,
) {
    let i = match index.get(key) {
        Some(&i) => i,
        None => {
            groups.push(Group {
                label: label(),
                totals: Totals::default(),
            });
            index.insert(key.to_vec(), groups.len() - 1);
            groups.len() - 1
        }
    };
    groups[i].totals.add(r);
}

/// Largest first: by resident size when smaps was read, else by virtual size; then label.
fn order(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        (b.totals.rss_kb, b.totals.size_kb)
            .cmp(&(a.totals.rss_kb, a.totals.size_kb))
            .then_with(|| a.label.cmp(&b.label))
    });
}

/// Regions grouped as they come: by a key, in the order the keys were first seen.
#[derive(Default)]
struct Groups {
    groups: Vec<Group>,
    index: HashMap<Vec<u8>, usize>,
}

impl Groups {
    /// Add `r` to the kind it is (thread stacks of every thread together).
    fn add_by_kind(&mut self, r: &Region) {
        add_to(
            &mut self.groups,
            &mut self.index,
            r.kind.key().as_bytes(),
            || r.kind.label().to_string(),
            r,
        );
    }

    /// Add `r` to its file (every mapping of one path together) or pseudo name;
    /// anonymous memory goes by kind (`thread stacks`, `anon`, ...).
    fn add_by_name(&mut self, r: &Region, show_path: bool) {
        let (groups, index) = (&mut self.groups, &mut self.index);
        if r.is_path() {
            // Key on the full path: two different `libc.so.6` stay two rows.
            let mut key = b"/".to_vec();
            key.extend_from_slice(&r.name);
            add_to(groups, index, &key, || display_name(r, show_path), r);
        } else if r.name.is_empty() || matches!(r.kind, Kind::ThreadStack { .. } | Kind::Stack) {
            let label = match r.kind {
                Kind::ThreadStack { .. } => "[thread stacks]".to_string(),
                Kind::Stack => "[stack]".to_string(),
                k => format!("[{}]", k.label()),
            };
            let key = format!("k:{}", r.kind.key());
            add_to(groups, index, key.as_bytes(), || label, r);
        } else {
            let mut key = b"n:".to_vec();
            key.extend_from_slice(&r.name);
            add_to(groups, index, &key, || r.escape_name_part(&r.name), r);
        }
    }

    fn ordered(mut self) -> Vec<Group> {
        order(&mut self.groups);
        self.groups
    }
}

/// Totals per kind (thread stacks of every thread together).
pub fn by_kind(snap: &Snapshot) -> Vec<Group> {
    let mut g = Groups::default();
    for r in &snap.regions {
        g.add_by_kind(r);
    }
    g.ordered()
}

/// Totals per file (every mapping of one path together) and per pseudo name; anonymous
/// memory is grouped by kind (`thread stacks`, `anon`, ...).
pub fn by_name(snap: &Snapshot, show_path: bool) -> Vec<Group> {
    let mut g = Groups::default();
    for r in &snap.regions {
        g.add_by_name(r, show_path);
    }
    g.ordered()
}

/// The table's lines, as [`table_with`] makes them.
pub(crate) fn table(title: &str, groups: &[Group], total: &Totals, width: Option<u16>) -> Vec<u8> {
    table_with(title, groups, total, width, true)
}

/// The table (with or without the Regions column: `--totals` has no mapping count) as
/// text lines, laid out by the table's grid: labels as wide as they need into a pipe,
/// shortened in the middle to fit a width, and linear in their length (comfy-table,
/// which laid these out before, took 30 s to wrap one 50 MiB name into 20,000 lines).
pub(crate) fn table_with(
    title: &str,
    groups: &[Group],
    total: &Totals,
    width: Option<u16>,
    count: bool,
) -> Vec<u8> {
    let column = |header: &str, align, fit| Column {
        header: header.to_string(),
        align,
        fit,
        paint: true,
    };
    let mut columns = vec![column(title, Align::Left, Fit::Middle)];
    if count {
        columns.push(column("Regions", Align::Right, Fit::Keep));
    }
    for h in [
        "Virtual", "RSS", "PSS", "Private", "Shared", "Dirty", "Swap",
    ] {
        columns.push(column(h, Align::Right, Fit::Keep));
    }
    let figures = |x: &Totals| {
        [
            x.size_kb,
            x.rss_kb,
            x.pss_kb,
            x.private_kb,
            x.shared_kb,
            x.dirty_kb,
            x.swap_kb,
        ]
    };
    let rows: Vec<(&str, &Totals)> = groups
        .iter()
        .map(|g| (g.label.as_str(), &g.totals))
        .chain([("total", total)])
        .collect();
    let mut grid = Grid::new(columns, true);
    let first = usize::from(count) + 1;
    for (label, x) in &rows {
        grid.measure(0, width_of(label.as_bytes()));
        if count {
            grid.measure(1, dec_width(x.regions));
        }
        for (i, v) in figures(x).into_iter().enumerate() {
            grid.measure(first + i, dec_width(v) + 1);
        }
    }
    let plan = grid.plan(width.map(usize::from));
    let mut buf = Vec::new();
    grid.header(&plan, &mut buf);
    for (label, x) in &rows {
        let start = grid.line_start(&mut buf);
        grid.cell(
            &plan,
            0,
            label.as_bytes(),
            width_of(label.as_bytes()),
            "",
            &mut buf,
        );
        if count {
            grid.number(&plan, 1, x.regions, b"", &mut buf);
        }
        for (i, v) in figures(x).into_iter().enumerate() {
            grid.number(&plan, first + i, v, b"K", &mut buf);
        }
        line_end(&mut buf, start);
    }
    buf
}

/// `--summary`: both tables, made from rows as they come: memory grows with the number of
/// groups (kinds and distinct names), not of mappings.
pub struct SummaryView {
    opts: ViewOptions,
}

impl SummaryView {
    pub fn new(opts: ViewOptions) -> Self {
        SummaryView { opts }
    }
}

impl View for SummaryView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut kinds = Groups::default();
        let mut names = Groups::default();
        let mut total = Totals::default();
        while let Some(row) = rows.next_row()? {
            kinds.add_by_kind(row.region);
            names.add_by_name(row.region, self.opts.show_path);
            total.add(row.region);
        }
        head.write_title(self.opts.width.map(usize::from), out)?;
        for (n, (title, groups)) in [("Kind", kinds.ordered()), ("Mapping", names.ordered())]
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                writeln!(out)?;
            }
            out.write_all(&table(title, &groups, &total, self.opts.width))?;
        }
        if !head.has_smaps {
            writeln!(
                out,
                "(no smaps figures: RSS and the rest are 0; a saved maps file has none, save smaps instead)"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps;

    #[test]
    fn libc_is_one_row_and_thread_stacks_are_one_row() {
        let mut regions = parse_maps(
            b"1000-2000 r--p 0 fe:00 5 /usr/lib/libc.so.6\n\
2000-4000 r-xp 1000 fe:00 5 /usr/lib/libc.so.6\n\
5000-6000 rw-p 0 00:00 0 \n\
7000-9000 rw-p 0 00:00 0 \n\
a000-b000 rw-p 0 00:00 0 \n",
        )
        .unwrap();
        regions[0].kind = Kind::Library;
        regions[1].kind = Kind::Library;
        regions[2].kind = Kind::ThreadStack { tid: 1 };
        regions[3].kind = Kind::ThreadStack { tid: 2 };
        let snap = Snapshot {
            regions,
            ..Default::default()
        };
        let names = by_name(&snap, false);
        let libc = names.iter().find(|g| g.label == "libc.so.6").unwrap();
        assert_eq!((libc.totals.regions, libc.totals.size_kb), (2, 12));
        let ts = names.iter().find(|g| g.label == "[thread stacks]").unwrap();
        assert_eq!((ts.totals.regions, ts.totals.size_kb), (2, 12));
        let kinds = by_kind(&snap);
        assert_eq!(kinds.len(), 3);
        assert_eq!(kinds[0].label, "library");
    }
}
