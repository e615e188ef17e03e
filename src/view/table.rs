//! vasmap's own table: one row per mapping with its real name (escaped for the terminal)
//! and what kind of region it is, laid out by [`crate::view::grid`] to fit the terminal
//! (or `--width`), and a total.
//!
//! Columns, in pmap's order: Address, Size; `-x`'s RSS, PSS, Dirty and Swap; `-X`/`-XX`'s
//! smaps fields; Perm; `-d`'s Offset and Device; Kind; `-XX`'s VmFlags; Name; the demo's
//! mark; `--explain`'s words. When the width runs short, the optional columns go first
//! (VmFlags, then the `-X` fields from the right, then Swap, Device, PSS, Offset, Dirty,
//! RSS), and one line under the table says which and how to see them.

use std::io::{self, Write};

use crate::model::{FieldId, Kind, Region, Totals};
use crate::text::escape_name;
use crate::view::grid::{Align, Column, Fit, Grid, shorten_middle, wrap};
use crate::view::numfmt::{push_dec, push_hex};
use crate::view::{Head, Rows, Stop, View, ViewOptions};

/// The name as vasmap's views show it: escaped, basename unless `--show-path`.
pub fn display_name(r: &Region, show_path: bool) -> String {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    escape_name(raw)
}

/// Append the name cell: printable ASCII as it is (most names), anything else escaped; an
/// unnamed thread stack shows its thread.
fn push_name(buf: &mut Vec<u8>, r: &Region, show_path: bool) {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    if raw.is_empty() {
        if let Kind::ThreadStack { tid } = r.kind {
            buf.extend_from_slice(format!("(tid {tid})").as_bytes());
        }
        return;
    }
    let plain = raw.iter().all(|&b| (0x21..0x7f).contains(&b) && b != b'\\')
        || (raw.first() != Some(&b' ')
            && raw.last() != Some(&b' ')
            && raw.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'\\'));
    if plain {
        buf.extend_from_slice(raw);
    } else {
        buf.extend_from_slice(escape_name(raw).as_bytes());
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

/// The table view.
pub struct TableView {
    opts: ViewOptions,
}

impl TableView {
    pub fn new(opts: ViewOptions) -> Self {
        TableView { opts }
    }
}

/// The columns of one table and the sums the footer needs.
struct Table<'o> {
    opts: &'o ViewOptions,
    /// `-X`/`-XX` columns: (field name, id), from the first record.
    fields: Vec<(String, FieldId)>,
    sums: Vec<u64>,
    grid: Grid,
    totals: Totals,
    shared_kb: u64,
    writeable_kb: u64,
    cell: Vec<u8>,
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
        let col = |h: &str, align, fit| Column {
            header: h.to_string(),
            align,
            fit,
        };
        let mut columns = vec![
            col("Address", Align::Left, Fit::Keep),
            col("Size", Align::Right, Fit::Keep),
        ];
        if opts.extended && opts.extra == 0 {
            columns.push(col("RSS", Align::Right, Fit::Drop(60)));
            columns.push(col("PSS", Align::Right, Fit::Drop(40)));
            columns.push(col("Dirty", Align::Right, Fit::Drop(50)));
            columns.push(col("Swap", Align::Right, Fit::Drop(20)));
        }
        let n = fields.len();
        for (i, (name, _)) in fields.iter().enumerate() {
            // The rightmost go first.
            let priority = 2 + u8::try_from(n - i).unwrap_or(u8::MAX).min(16);
            columns.push(col(name, Align::Right, Fit::Drop(priority)));
        }
        columns.push(col("Perm", Align::Left, Fit::Keep));
        if opts.device {
            columns.push(col("Offset", Align::Left, Fit::Drop(45)));
            columns.push(col("Device", Align::Left, Fit::Drop(30)));
        }
        columns.push(col("Kind", Align::Left, Fit::Keep));
        if opts.extra >= 2 {
            columns.push(col("VmFlags", Align::Left, Fit::Drop(1)));
        }
        columns.push(col("Name", Align::Left, Fit::Middle));
        columns.push(col("", Align::Left, Fit::Words));
        if opts.explain {
            columns.push(col("What it is", Align::Left, Fit::Wrap));
        }
        Table {
            opts,
            sums: vec![0; n],
            fields,
            grid: Grid::new(columns, !opts.quiet),
            totals: Totals::default(),
            shared_kb: 0,
            writeable_kb: 0,
            cell: Vec::with_capacity(128),
        }
    }

    fn x_columns(&self) -> bool {
        self.opts.extended && self.opts.extra == 0
    }

    /// End the cell being built in `self.cell`.
    fn put(&mut self) {
        self.grid.cell(&self.cell);
        self.cell.clear();
    }

    fn kb(&mut self, v: u64) {
        push_dec(&mut self.cell, v, 0);
        self.cell.push(b'K');
        self.put();
    }

    fn add(&mut self, r: &Region, mark: Option<&str>, explain: Option<&str>) -> io::Result<()> {
        let opts = self.opts;
        self.totals.add(r);
        if r.perms.shared {
            self.shared_kb = self.shared_kb.saturating_add(r.size_kb());
        } else if r.perms.write {
            self.writeable_kb = self.writeable_kb.saturating_add(r.size_kb());
        }
        self.grid
            .begin_row(crate::view::color::paint_of(r) as u8 + 1);
        push_hex(&mut self.cell, r.start, 16);
        self.put();
        self.kb(r.size_kb());
        let sm = r.smaps.as_ref();
        if self.x_columns() {
            let (rss, pss, dirty, swap) =
                sm.map_or((0, 0, 0, 0), |s| (s.rss, s.pss, s.dirty(), s.swap));
            for v in [rss, pss, dirty, swap] {
                self.kb(v);
            }
        }
        for i in 0..self.fields.len() {
            let (plain, id) = (is_plain_number(&self.fields[i].0), self.fields[i].1);
            if let Some(v) = sm.and_then(|s| s.get(id)) {
                self.sums[i] = self.sums[i].saturating_add(v);
                push_dec(&mut self.cell, v, 0);
                if !plain {
                    self.cell.push(b'K');
                }
            }
            self.put();
        }
        self.cell.extend_from_slice(&r.perms.as_maps());
        // W+X is flagged in the text too, so it shows without colour.
        if r.perms.is_wx() {
            self.cell.extend_from_slice(b" W+X");
        }
        self.put();
        if opts.device {
            push_hex(&mut self.cell, r.offset, 8);
            self.put();
            push_hex(&mut self.cell, u64::from(r.dev_major), 2);
            self.cell.push(b':');
            push_hex(&mut self.cell, u64::from(r.dev_minor), 2);
            self.put();
        }
        self.cell.extend_from_slice(r.kind.label().as_bytes());
        self.put();
        if opts.extra >= 2 {
            if let Some(s) = sm {
                for (i, f) in s.vm_flags.iter().enumerate() {
                    if i > 0 {
                        self.cell.push(b' ');
                    }
                    self.cell.extend_from_slice(f);
                }
            }
            self.put();
        }
        push_name(&mut self.cell, r, opts.show_path);
        self.put();
        if let Some(m) = mark {
            self.cell.extend_from_slice("◀ ".as_bytes());
            self.cell.extend_from_slice(m.as_bytes());
        }
        self.put();
        if opts.explain {
            self.cell
                .extend_from_slice(explain.unwrap_or("").as_bytes());
            self.put();
        }
        self.grid.end_row()
    }

    /// The totals row under the smaps columns.
    fn totals_row(&mut self) -> io::Result<()> {
        self.grid.begin_row(0);
        self.cell.extend_from_slice(b"total");
        self.put();
        let t = self.totals;
        self.kb(t.size_kb);
        if self.x_columns() {
            for v in [t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb] {
                self.kb(v);
            }
        }
        for i in 0..self.fields.len() {
            if is_not_additive(&self.fields[i].0) {
                self.put();
            } else {
                self.kb(self.sums[i]);
            }
        }
        self.grid.end_row()
    }
}

impl View for TableView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let opts = &self.opts;
        let mut table: Option<Table> = None;
        while let Some(row) = rows.next_row()? {
            let t = table.get_or_insert_with(|| Table::new(opts, Some((row.region, row.fields))));
            let explain = row.explain.map(|e| e.text.as_str());
            t.add(row.region, row.mark, explain)?;
        }
        let mut t = table.unwrap_or_else(|| Table::new(opts, None));
        if !opts.quiet && (t.x_columns() || !t.fields.is_empty()) {
            t.totals_row()?;
        }
        let width = opts.width.map(usize::from);
        let title = crate::view::lookup::header(head.process);
        let title = match width {
            Some(w) => shorten_middle(&title, w),
            None => title,
        };
        writeln!(out, "{title}")?;
        let plan = t.grid.plan(width);
        let color = opts.color;
        let paint = move |p: u8| -> &'static str {
            if !color || p == 0 {
                return "";
            }
            crate::view::color::sgr(crate::view::color::Paint::from_code(p - 1))
        };
        t.grid.write(&plan, !opts.quiet, &paint, out)?;
        let mut lines = Vec::new();
        if !opts.quiet {
            lines.push(footer(&t.totals, opts));
            if opts.device {
                lines.push(format!(
                    "mapped: {}K    writeable/private: {}K    shared: {}K",
                    t.totals.size_kb, t.writeable_kb, t.shared_kb
                ));
            }
        }
        if !plan.dropped.is_empty() {
            lines.push(format!(
                "{} left out to fit {} columns: --width={} (or a pipe) shows every column",
                plan.dropped.join(", "),
                width.unwrap_or(0),
                plan.needed
            ));
        }
        for line in lines {
            match width {
                Some(w) if crate::view::grid::width_of(line.as_bytes()) + 1 > w => {
                    for (i, l) in wrap(&line, w.saturating_sub(3)).iter().enumerate() {
                        let lead = if i == 0 { " " } else { "   " };
                        writeln!(out, "{lead}{l}")?;
                    }
                }
                _ => writeln!(out, " {line}")?,
            }
        }
        Ok(())
    }
}

/// The line under the table: the total, with the smaps sums when they were read.
fn footer(t: &Totals, opts: &ViewOptions) -> String {
    let mut s = format!(
        "total {}K in {} mapping{} ({})",
        t.size_kb,
        t.regions,
        if t.regions == 1 { "" } else { "s" },
        crate::text::human_kb(t.size_kb)
    );
    if opts.needs_smaps() {
        s.push_str(&format!(
            ": RSS {}K, PSS {}K, dirty {}K, swap {}K",
            t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb
        ));
    }
    s
}
