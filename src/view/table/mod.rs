//! vasmap's own table: one row per mapping with its real name (escaped for the terminal)
//! and what kind of region it is, laid out by [`crate::view::grid`] to fit the terminal
//! (or `--width`), and a total.
//!
//! Columns, in pmap's order: Address, Size; `-x`'s RSS, PSS, Dirty and Swap; `-X`/`-XX`'s
//! smaps fields; Perm; `-d`'s Offset and Device; Kind; `-XX`'s VmFlags; Name; the demo's
//! mark; `--explain`'s words. When the width runs short, the optional columns go first
//! (VmFlags, then the `-X` fields from the right, then Swap, Device, PSS, Offset, Dirty,
//! RSS), and one line under the table says which and how to see them.
//!
//! The table must see every row before it prints the first (its columns are as wide as
//! their widest cell), so each region is measured as it comes and kept as the text of
//! exactly the cells it shows, in column order, each formatted once as the row is read
//! (`4K`, the escaped name), in a [`RowStore`] that spills to a file past a few MiB; once
//! the widths are known [`Grid::packed_row`] copies each text into place. Measured with
//! callgrind on 60,000 mappings: `String` cells kept and laid out later had cost 130
//! million instructions more than the pmap view, whole regions packed and unpacked 150
//! million more, numbers packed as varints and formatted when printed ~120 million more;
//! formatted once and copied, see docs/performance.md.
//!
//! Here: the columns and the view; a row's cells made in `row.rs`; the rows printed in
//! `write.rs`. The basic table (`vasmap PID`: no option adds a column) keeps its rows as
//! records instead, printed straight into their lines (`basic.rs`).

mod basic;
mod row;
mod write;

use row::is_plain;

use std::io::Write;

use crate::model::{FieldId, Region, Totals};
use crate::view::grid::{Align, Column, Fit, Grid};
use crate::view::spool::RowStore;
use crate::view::{Head, Rows, Stop, View, ViewOptions, Wants};

/// The name as vasmap's views show it: escaped, basename unless `--show-path`.
pub fn display_name(r: &Region, show_path: bool) -> String {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    match std::str::from_utf8(raw) {
        Ok(plain) if is_plain(raw) => plain.to_string(),
        _ => r.escape_name_part(raw),
    }
}

/// smaps fields whose values are plain numbers, not kB.
pub fn is_plain_number(field: &str) -> bool {
    matches!(field, "THPeligible" | "ProtectionKey")
}

/// smaps fields that describe a mapping rather than count memory: a sum means nothing.
pub fn is_not_additive(field: &str) -> bool {
    matches!(
        field,
        "KernelPageSize" | "MMUPageSize" | "THPeligible" | "ProtectionKey"
    )
}

/// What a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    Address,
    Size,
    Rss,
    Pss,
    Dirty,
    Swap,
    /// A smaps field: its id, whether it is a plain number (no `K`).
    Field(FieldId, bool),
    Perm,
    /// How much of the mapping a core dump holds: all, part, none.
    InCore,
    Offset,
    Device,
    Kind,
    VmFlags,
    Name,
    Mark,
    Explain,
}

/// The table view.
pub struct TableView {
    opts: ViewOptions,
}

impl TableView {
    pub fn new(opts: ViewOptions) -> Self {
        TableView { opts }
    }
}

/// One table being made.
struct Table<'o> {
    opts: &'o ViewOptions,
    shows: Vec<Show>,
    /// `-X`/`-XX` columns: (field name, id), from the first record.
    fields: Vec<(String, FieldId)>,
    sums: Vec<u64>,
    grid: Grid,
    rows: RowStore,
    /// With `--sort`: (key, start, where the packed row is) of every row, to print them
    /// in that order. The table keeps every row anyway (for the widths), so it sorts its
    /// own packed rows rather than have the pipeline pack whole regions first.
    order: Option<Vec<(u64, u64, u64)>>,
    totals: Totals,
    shared_kb: u64,
    writeable_kb: u64,
    /// Some kind was inferred from a core dump, not recorded: say so under the table.
    inferred: bool,
    /// Which permission letters were `?` (a core does not record them), to say why
    /// under the table: 1 private/shared, 2 readable, 4 all of them.
    unknown_perms: u8,
    /// Some row had smaps figures: without any (a maps capture, a core), the totals row
    /// shows `-` under the figure columns, as the rows do, rather than sums of nothing.
    any_smaps: bool,
    /// Which of the optional columns are there, from `shows`: [`Table::add`] makes the
    /// cells in column order without a `match` per cell.
    has: Has,
    /// No option added a column: rows are kept and printed as `basic.rs` does.
    basic: bool,
    /// The basic table's widest cells.
    basic_widths: basic::Widths,
}

/// The optional columns a table has (see [`Table::add`]).
#[derive(Debug, Clone, Default)]
struct Has {
    x: bool,
    fields: Vec<(FieldId, bool)>,
    in_core: bool,
    device: bool,
    vm_flags: bool,
    explain: bool,
}

impl Has {
    fn of(shows: &[Show]) -> Has {
        Has {
            x: shows.contains(&Show::Rss),
            fields: shows
                .iter()
                .filter_map(|s| match *s {
                    Show::Field(id, plain) => Some((id, plain)),
                    _ => None,
                })
                .collect(),
            in_core: shows.contains(&Show::InCore),
            device: shows.contains(&Show::Offset),
            vm_flags: shows.contains(&Show::VmFlags),
            explain: shows.contains(&Show::Explain),
        }
    }
}

impl<'o> Table<'o> {
    fn new(opts: &'o ViewOptions, first: Option<(&Region, &[String])>) -> Self {
        // -X/-XX show the smaps fields themselves (Rss, Pss, Swap... included), so -x's
        // four columns are only added without them. `Size` is already the Size column.
        let fields: Vec<(String, FieldId)> = match first {
            Some((r, names)) if opts.extra > 0 => r
                .smaps
                .as_ref()
                .map(|s| crate::view::pmap::record_fields(s, names, opts.extra))
                .unwrap_or_default()
                .into_iter()
                .filter(|(name, _)| name != "Size")
                .collect(),
            _ => Vec::new(),
        };
        let mut shows = Vec::new();
        let mut columns = Vec::new();
        let mut add = |show: Show, h: &str, align, fit| {
            shows.push(show);
            columns.push(Column {
                header: h.to_string(),
                align,
                fit,
                // The demo's mark is the terminal's own colour.
                paint: show != Show::Mark,
            });
        };
        add(Show::Address, "Address", Align::Left, Fit::Keep);
        add(Show::Size, "Size", Align::Right, Fit::Keep);
        if opts.extended && opts.extra == 0 {
            add(Show::Rss, "RSS", Align::Right, Fit::Drop(60));
            add(Show::Pss, "PSS", Align::Right, Fit::Drop(40));
            add(Show::Dirty, "Dirty", Align::Right, Fit::Drop(50));
            add(Show::Swap, "Swap", Align::Right, Fit::Drop(20));
        }
        let n = fields.len();
        for (i, (name, id)) in fields.iter().enumerate() {
            // The rightmost go first.
            let priority = 2 + u8::try_from(n - i).unwrap_or(u8::MAX).min(16);
            let show = Show::Field(*id, is_plain_number(name));
            add(show, name, Align::Right, Fit::Drop(priority));
        }
        add(Show::Perm, "Perm", Align::Left, Fit::Keep);
        if first.is_some_and(|(r, _)| r.dumped.is_some()) {
            add(Show::InCore, "In core", Align::Left, Fit::Drop(55));
        }
        if opts.device {
            add(Show::Offset, "Offset", Align::Left, Fit::Drop(45));
            add(Show::Device, "Device", Align::Left, Fit::Drop(30));
        }
        add(Show::Kind, "Kind", Align::Left, Fit::Keep);
        if opts.extra >= 2 {
            add(Show::VmFlags, "VmFlags", Align::Left, Fit::Drop(1));
        }
        add(Show::Name, "Name", Align::Left, Fit::Middle);
        add(Show::Mark, "", Align::Left, Fit::Words);
        if opts.explain {
            add(Show::Explain, "What it is", Align::Left, Fit::Wrap);
        }
        use Show::{Address, Kind, Mark, Name, Perm, Size};
        Table {
            opts,
            has: Has::of(&shows),
            basic: shows == [Address, Size, Perm, Kind, Name, Mark],
            basic_widths: basic::Widths::default(),
            shows,
            sums: vec![0; n],
            fields,
            grid: Grid::new(columns, !opts.quiet),
            rows: RowStore::new(),
            order: (opts.select.sort != crate::filter::SortKey::Addr).then(Vec::new),
            totals: Totals::default(),
            shared_kb: 0,
            writeable_kb: 0,
            inferred: false,
            unknown_perms: 0,
            any_smaps: false,
        }
    }
}

impl View for TableView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let opts = &self.opts;
        let mut table: Option<Table> = None;
        while let Some(row) = rows.next_row()? {
            let t = table.get_or_insert_with(|| Table::new(opts, Some((row.region, row.fields))));
            t.add(row.region, row.mark, row.explain)?;
        }
        let mut t = table.unwrap_or_else(|| Table::new(opts, None));
        let width = opts.width.map(usize::from);
        head.write_title(width, out)?;
        let plan = t.write(width, out)?;
        let mut lines = Vec::new();
        if !opts.quiet {
            lines.push(footer(&t.totals, opts, head.has_smaps));
            if opts.device {
                lines.push(format!(
                    "mapped: {}K    writeable/private: {}K    shared: {}K",
                    t.totals.size_kb, t.writeable_kb, t.shared_kb
                ));
            }
        }
        if t.unknown_perms != 0 {
            let mut why = Vec::new();
            if t.unknown_perms & 1 != 0 {
                why.push("a core does not record whether a mapping is private or shared");
            }
            if t.unknown_perms & 2 != 0 {
                why.push("gdb marks every segment readable, so its r means nothing");
            }
            if t.unknown_perms & 4 != 0 {
                why.push("gdb wrote no permissions for the mappings it left out");
            }
            lines.push(format!("? not recorded: {}", why.join("; ")));
        }
        if t.inferred {
            lines.push(
                "* inferred: a core dump does not record which mapping is the heap or a stack; \
                 vasmap found them from the stack pointers and the program's end"
                    .to_string(),
            );
        }
        lines.extend(plan.dropped_line());
        crate::view::grid::write_notes(&lines, width, out)?;
        if opts.legend && !opts.quiet {
            // What the table shows: a column left out to fit the width has no line.
            let has = |s: Show| {
                t.shows
                    .iter()
                    .position(|x| *x == s)
                    .is_some_and(|i| plan.widths.get(i).is_some_and(Option::is_some))
            };
            let shown = crate::view::legend::Shown {
                size: has(Show::Size),
                rss: has(Show::Rss),
                pss: has(Show::Pss),
                dirty: has(Show::Dirty),
                swap: has(Show::Swap),
                perm: has(Show::Perm),
            };
            crate::view::legend::write(shown, opts.color, width, out)?;
        }
        Ok(())
    }

    /// Rows in address order: the table sorts its own packed rows for `--sort`.
    fn wants(&self) -> Wants {
        Wants::ADDRESS_ORDER
    }
}

/// The line under the table: the total, with the smaps sums when they were read.
fn footer(t: &Totals, opts: &ViewOptions, has_smaps: bool) -> String {
    let mut s = format!(
        "total {}K in {} mapping{} ({})",
        t.size_kb,
        t.regions,
        if t.regions == 1 { "" } else { "s" },
        crate::text::human_kb(t.size_kb)
    );
    if opts.needs_smaps() && !has_smaps {
        s.push_str(": no smaps figures were read");
    } else if opts.needs_smaps() {
        s.push_str(&format!(
            ": RSS {}K, PSS {}K, dirty {}K, swap {}K",
            t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb
        ));
    }
    s
}
