//! `--summary`: totals per kind and per file, like macOS `vmmap -summary`: every libc
//! mapping on one row, every thread stack on one row. A small table, laid out by
//! comfy-table.

use std::collections::HashMap;
use std::io::Write;

use comfy_table::{Cell, CellAlignment, LineStyle, Row, Table, TableStyle};

use crate::model::{Kind, Region, Snapshot, Totals};
use crate::view::table::display_name;
use crate::view::{Head, Rows, Stop, View, ViewOptions};

const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

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

fn kb(v: u64) -> Cell {
    Cell::new(format!("{v}K")).set_alignment(CellAlignment::Right)
}

pub(crate) fn table(title: &str, groups: &[Group], total: &Totals, width: Option<u16>) -> Table {
    table_with(title, groups, total, width, true)
}

/// The table, with or without the Regions column (`--totals` has no mapping count).
pub(crate) fn table_with(
    title: &str,
    groups: &[Group],
    total: &Totals,
    width: Option<u16>,
    count: bool,
) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if let Some(w) = width {
        t.set_width(w);
    }
    let mut header = vec![title];
    if count {
        header.push("Regions");
    }
    header.extend([
        "Virtual", "RSS", "PSS", "Private", "Shared", "Dirty", "Swap",
    ]);
    t.set_header(header);
    let row = |label: &str, x: &Totals| {
        let mut row = Row::new();
        row.add_cell(Cell::new(label));
        if count {
            row.add_cell(Cell::new(x.regions).set_alignment(CellAlignment::Right));
        }
        for v in [
            x.size_kb,
            x.rss_kb,
            x.pss_kb,
            x.private_kb,
            x.shared_kb,
            x.dirty_kb,
            x.swap_kb,
        ] {
            row.add_cell(kb(v));
        }
        row
    };
    for g in groups {
        t.add_row(row(&g.label, &g.totals));
    }
    t.add_row(row("total", total));
    t
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
        writeln!(out, "{}", crate::view::lookup::header(head.process))?;
        for (n, (title, groups)) in [("Kind", kinds.ordered()), ("Mapping", names.ordered())]
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                writeln!(out)?;
            }
            for line in table(title, &groups, &total, self.opts.width).lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
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
