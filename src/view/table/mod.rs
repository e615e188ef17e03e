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

mod write;

use std::io::{self, Write};

use crate::model::{Explanation, FieldId, Kind, Region, Totals};
use crate::view::grid::{Align, Column, Fit, Grid, begin_cell, end_cell, short_cell, width_of};
use crate::view::numfmt::{hex16, push_dec, push_hex};
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

/// Append the name cell: printable ASCII as it is (most names), anything else escaped; an
/// unnamed thread stack shows its thread. Returns its width when that is not its length.
fn push_name(buf: &mut Vec<u8>, r: &Region, show_path: bool) -> Option<usize> {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    if raw.is_empty() {
        if let Kind::ThreadStack { tid } = r.kind {
            buf.extend_from_slice(b"(tid ");
            crate::view::numfmt::push_idec(buf, i64::from(tid), 0);
            buf.push(b')');
        }
        None
    } else if is_plain(raw) {
        buf.extend_from_slice(raw);
        None
    } else {
        let e = r.escape_name_part(raw);
        buf.extend_from_slice(e.as_bytes());
        Some(width_of(e.as_bytes()))
    }
}

/// True for a name shown as it is: printable ASCII, no backslash, no space at either end.
#[inline]
fn is_plain(raw: &[u8]) -> bool {
    raw.first() != Some(&b' ') && raw.last() != Some(&b' ') && crate::text::is_plain_ascii(raw)
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

/// A figure in kB (`123K`; `None`: no figure was read, a `-`).
#[inline]
fn kb_cell(p: &mut Vec<u8>, v: Option<u64>) {
    match v {
        Some(v) => {
            push_dec(p, v, 0);
            p.push(b'K');
        }
        None => p.push(b'-'),
    }
}

/// How much of a mapping a core dump holds.
fn in_core(r: &Region) -> &'static str {
    match r.dumped {
        Some(d) if d.bytes == 0 => "none",
        Some(d) if d.bytes >= r.size() => "all",
        Some(_) => "part",
        None => "",
    }
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
        Table {
            opts,
            has: Has::of(&shows),
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

    fn add(
        &mut self,
        r: &Region,
        mark: Option<&str>,
        explain: Option<&Explanation>,
    ) -> io::Result<()> {
        self.totals.add(r);
        if r.perms.shared {
            self.shared_kb = self.shared_kb.saturating_add(r.size_kb());
        } else if r.perms.write {
            self.writeable_kb = self.writeable_kb.saturating_add(r.size_kb());
        }
        if let Some(s) = &r.smaps {
            self.any_smaps = true;
            for (i, (_, id)) in self.fields.iter().enumerate() {
                if let Some(v) = s.get(*id) {
                    self.sums[i] = self.sums[i].saturating_add(v);
                }
            }
        }
        let text = explain.map(|e| e.text.as_str());
        let (p, start) = self.rows.begin_row();
        p.reserve(64 + r.name.len() * 4 + text.map_or(0, str::len) + mark.map_or(0, str::len));
        p.push(crate::view::color::paint_of(r) as u8 + 1);
        let sm = r.smaps.as_ref();
        let (grid, has) = (&mut self.grid, &self.has);
        let mut i = 0;
        // One cell, in column order (the order `Table::new` adds the columns in):
        // `$fill` appends its text and says its width when that is not its length.
        macro_rules! cell {
            ($fill:block) => {{
                let at = begin_cell(p);
                let wide: Option<usize> = $fill;
                let w = wide.unwrap_or(p.len() - at - 1);
                end_cell(p, at, wide);
                grid.measure(i, w);
                i += 1;
            }};
        }
        // The address: always sixteen digits, header and text in one fixed-size append.
        let mut addr = [0; 17];
        addr[1..].copy_from_slice(&hex16(r.start));
        p.extend_from_slice(&short_cell(addr));
        grid.measure(i, 16);
        i += 1;
        cell!({
            kb_cell(p, Some(r.size_kb()));
            None
        });
        if has.x {
            cell!({
                kb_cell(p, sm.map(|s| s.rss));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.pss));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.dirty()));
                None
            });
            cell!({
                kb_cell(p, sm.map(|s| s.swap));
                None
            });
        }
        for &(id, plain) in &has.fields {
            cell!({
                if let Some(v) = sm.and_then(|s| s.get(id)) {
                    push_dec(p, v, 0);
                    if !plain {
                        p.push(b'K');
                    }
                }
                None
            });
        }
        let letters = r.perm_letters();
        self.unknown_perms |= if letters == *b"????" {
            4
        } else {
            u8::from(letters[0] == b'?') << 1 | u8::from(letters[3] == b'?')
        };
        // The permissions, header and text in one append; W+X is flagged in the text
        // too, so it shows without colour.
        let [a, b, c, d] = letters;
        if r.perms.is_wx() {
            p.extend_from_slice(&short_cell([0, a, b, c, d, b' ', b'W', b'+', b'X']));
            grid.measure(i, 8);
        } else {
            p.extend_from_slice(&short_cell([0, a, b, c, d]));
            grid.measure(i, 4);
        }
        i += 1;
        if has.in_core {
            cell!({
                p.extend_from_slice(in_core(r).as_bytes());
                None
            });
        }
        if has.device {
            cell!({
                push_hex(p, r.offset, 8);
                None
            });
            cell!({
                push_hex(p, u64::from(r.dev_major), 2);
                p.push(b':');
                push_hex(p, u64::from(r.dev_minor), 2);
                None
            });
        }
        cell!({
            p.extend_from_slice(r.kind.label().as_bytes());
            // A kind a core dump did not record but vasmap inferred gets a `*`.
            if r.dumped.is_some_and(|d| d.kind_inferred) {
                p.push(b'*');
                self.inferred = true;
            }
            None
        });
        if has.vm_flags {
            cell!({
                let flags = sm.map_or(&[][..], |s| &s.vm_flags);
                for (j, f) in flags.iter().enumerate() {
                    if j > 0 {
                        p.push(b' ');
                    }
                    p.extend_from_slice(f);
                }
                None
            });
        }
        cell!({ push_name(p, r, self.opts.show_path) });
        cell!({
            match mark.filter(|m| !m.is_empty()) {
                Some(m) => {
                    p.extend_from_slice("◀ ".as_bytes());
                    p.extend_from_slice(m.as_bytes());
                    Some(2 + width_of(m.as_bytes()))
                }
                None => None,
            }
        });
        if has.explain {
            cell!({
                let e = text.unwrap_or("");
                p.extend_from_slice(e.as_bytes());
                Some(width_of(e.as_bytes()))
            });
        }
        debug_assert_eq!(i, self.shows.len(), "a cell for every column");
        let at = self.rows.end_row(start)?;
        if let Some(order) = &mut self.order {
            order.push((self.opts.select.sort.value(r), r.start, at));
        }
        Ok(())
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
