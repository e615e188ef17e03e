//! vasmap's own view: a comfy-table with one row per mapping, real names (escaped for the
//! terminal), the kind of every region, and a total.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle,
};

/// No borders; one rule under the header.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use crate::model::{FieldId, Kind, ProcessInfo, Region, Snapshot, Totals};
use crate::text::escape_name;
use crate::view::ViewOptions;
use crate::view::chunked::{ChunkedTable, Layout};

/// The name as the table shows it: escaped, basename unless `--show-path`, and for a
/// thread stack the tid it belongs to.
pub fn display_name(r: &Region, show_path: bool) -> String {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    escape_name(raw)
}

/// smaps fields whose values are plain numbers, not kB.
fn is_plain_number(field: &str) -> bool {
    matches!(field, "THPeligible" | "ProtectionKey")
}

/// smaps fields that describe a mapping rather than count memory: a sum means nothing
/// (pmap -XX adds up page sizes anyway; the table leaves these totals empty).
fn is_not_additive(field: &str) -> bool {
    matches!(
        field,
        "KernelPageSize" | "MMUPageSize" | "THPeligible" | "ProtectionKey"
    )
}

/// A right-aligned cell.
fn right(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

/// True when [`TableView`] can print the table: no colour (styled cells), no `--explain`
/// (it looks at neighbours) and no marks (the demo's few rows). The other tables are laid
/// out by one comfy-table in [`render`].
pub fn streamable(opts: &ViewOptions) -> bool {
    !opts.color && !opts.explain && opts.marks.is_empty()
}

/// Print the table.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    if streamable(opts) {
        let mut view = TableView::begin(&snap.process, opts);
        for r in &snap.regions {
            view.region(r, &snap.smaps_fields);
        }
        return view.finish(out);
    }
    // A saved capture has no pid: its header is the file name.
    writeln!(out, "{}", crate::view::lookup::header(&snap.process))?;
    let marking = !opts.marks.is_empty();
    // -X/-XX show the smaps fields themselves (Rss, Pss, Swap... included), so -x's four
    // columns are only added without them. `Size` is already the Size column.
    let fields: Vec<(String, FieldId)> = if opts.extra > 0 {
        crate::view::pmap::extra_fields(snap, opts.extra)
            .into_iter()
            .filter(|(name, _)| name != "Size")
            .collect()
    } else {
        Vec::new()
    };
    let x_columns = opts.extended && opts.extra == 0;
    let vm_flags = opts.extra >= 2;
    let regions: Vec<&Region> = snap
        .regions
        .iter()
        .filter(|r| opts.in_range(r.start, r.end))
        .collect();

    let mut table = Table::new();
    table.load_style(STYLE);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if opts.color {
        table.enforce_styling();
        table.style_text_only();
    }
    if let Some(w) = opts.width {
        table.set_width(w);
    }
    let mut header = header_through_name(opts, fields.iter().map(|(n, _)| n.as_str()));
    let name_column = header.len() - 1;
    if opts.explain {
        header.push("What it is".into());
    }
    if marking {
        header.push(String::new());
    }
    if !opts.quiet {
        table.set_header(header);
    }
    for r in &regions {
        let mut row = Row::new();
        let paint = crate::view::color::paint_of(r);
        // Colour goes on cells whose text is already escaped. Empty cells stay unstyled so
        // the line's trailing spaces can be trimmed.
        let cell = |c: Cell| {
            if opts.color && !c.content().is_empty() {
                crate::view::color::style_cell(c, paint)
            } else {
                c
            }
        };
        row.add_cell(cell(Cell::new(format!("{:016x}", r.start))));
        row.add_cell(cell(right(format!("{}K", r.size_kb()))));
        let sm = r.smaps.as_ref();
        if x_columns {
            let (rss, pss, dirty, swap) =
                sm.map_or((0, 0, 0, 0), |s| (s.rss, s.pss, s.dirty(), s.swap));
            for v in [rss, pss, dirty, swap] {
                row.add_cell(cell(right(format!("{v}K"))));
            }
        }
        for (name, id) in &fields {
            let text = match sm.and_then(|s| s.get(*id)) {
                Some(v) if is_plain_number(name) => v.to_string(),
                Some(v) => format!("{v}K"),
                None => String::new(),
            };
            row.add_cell(cell(right(text)));
        }
        // W+X is flagged in the text too, so it shows without colour.
        let perm = if r.perms.is_wx() {
            format!("{} W+X", r.perms.to_maps_string())
        } else {
            r.perms.to_maps_string()
        };
        row.add_cell(cell(Cell::new(perm)));
        if opts.device {
            row.add_cell(cell(Cell::new(format!("{:08x}", r.offset))));
            row.add_cell(cell(Cell::new(r.device())));
        }
        row.add_cell(cell(Cell::new(r.kind.describe())));
        if vm_flags {
            row.add_cell(cell(Cell::new(
                sm.map(|s| s.vm_flags_string()).unwrap_or_default(),
            )));
        }
        row.add_cell(cell(Cell::new(display_name(r, opts.show_path))));
        if opts.explain {
            // Worked out by the caller (`inspect::show`), which reads the files.
            let text = opts
                .explained
                .as_ref()
                .and_then(|by_start| by_start.get(&r.start))
                .map_or("", |e| e.text.as_str());
            row.add_cell(cell(Cell::new(text)));
        }
        if marking {
            let note = opts
                .marks
                .iter()
                .find(|m| m.start < r.end && r.start < m.end)
                .map(|m| format!("◀ {}", m.note))
                .unwrap_or_default();
            row.add_cell(Cell::new(note));
        }
        table.add_row(row);
    }
    let t = Totals::over(regions.iter().copied());
    // A totals row under the smaps columns.
    if !opts.quiet && (x_columns || !fields.is_empty()) {
        let mut row = Row::new();
        row.add_cell(Cell::new("total"));
        row.add_cell(right(format!("{}K", t.size_kb)));
        if x_columns {
            for v in [t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb] {
                row.add_cell(right(format!("{v}K")));
            }
        }
        for (name, id) in &fields {
            let text = if is_not_additive(name) {
                String::new()
            } else {
                let sum: u64 = regions
                    .iter()
                    .filter_map(|r| r.smaps.as_ref()?.get(*id))
                    .fold(0, u64::saturating_add);
                format!("{sum}K")
            };
            row.add_cell(right(text));
        }
        table.add_row(row);
    }
    // Every column but the name keeps its content width; the name takes what is left.
    for i in 0..name_column {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    if opts.quiet {
        return Ok(());
    }
    let (mut shared, mut writeable) = (0u64, 0u64);
    for r in &regions {
        if r.perms.shared {
            shared = shared.saturating_add(r.size_kb());
        } else if r.perms.write {
            writeable = writeable.saturating_add(r.size_kb());
        }
    }
    write_footer(out, &t, opts, writeable, shared)
}

/// The header from Address to Name: the `-x` columns, the smaps `fields` of `-X`/`-XX`,
/// `-d`'s Offset and Device, and `-XX`'s VmFlags, in pmap's order. Both table paths use it.
fn header_through_name<'f>(
    opts: &ViewOptions,
    fields: impl Iterator<Item = &'f str>,
) -> Vec<String> {
    let mut header: Vec<String> = vec!["Address".into(), "Size".into()];
    if opts.extended && opts.extra == 0 {
        header.extend(["RSS", "PSS", "Dirty", "Swap"].map(String::from));
    }
    header.extend(fields.map(String::from));
    header.push("Perm".into());
    if opts.device {
        header.extend(["Offset", "Device"].map(String::from));
    }
    header.push("Kind".into());
    if opts.extra >= 2 {
        header.push("VmFlags".into());
    }
    header.push("Name".into());
    header
}

/// The lines under the table: the total (with the smaps sums when they were read) and,
/// with `-d`, pmap's `mapped / writeable/private / shared` summary.
fn write_footer(
    out: &mut dyn Write,
    t: &crate::model::Totals,
    opts: &ViewOptions,
    writeable_kb: u64,
    shared_kb: u64,
) -> io::Result<()> {
    write!(
        out,
        " total {}K in {} mapping{} ({})",
        t.size_kb,
        t.regions,
        if t.regions == 1 { "" } else { "s" },
        crate::text::human_kb(t.size_kb)
    )?;
    if opts.needs_smaps() {
        write!(
            out,
            ": RSS {}K, PSS {}K, dirty {}K, swap {}K",
            t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb
        )?;
    }
    writeln!(out)?;
    if opts.device {
        writeln!(
            out,
            " mapped: {}K    writeable/private: {}K    shared: {}K",
            t.size_kb, writeable_kb, shared_kb
        )?;
    }
    Ok(())
}

/// The table printed from regions given one by one as they are read (see
/// [`crate::read::proc::ProcDir::visit_regions`]), in memory that stays small: each row's
/// cells are kept packed in a [`ChunkedTable`], which prints them with the widths and
/// look one comfy-table of every row would have (comfy-table itself takes about 1.6 KB
/// and 5 µs a row for that: 100 MB and 0.3 s for 60,000 mappings). The same text as the
/// comfy-table path of [`render`] for tables without colour, `--explain` or marks.
pub struct TableView<'a> {
    process: &'a ProcessInfo,
    opts: &'a ViewOptions,
    /// The smaps columns (`-X`/`-XX`): (name, id), decided by the first region.
    fields: Option<Vec<(String, FieldId)>>,
    /// Per smaps column, the sum so far.
    sums: Vec<u64>,
    table: Option<ChunkedTable>,
    totals: Totals,
    shared_kb: u64,
    writeable_kb: u64,
    /// One row's cell texts, one after another, and where each ends (reused).
    text: String,
    cells: Vec<(usize, bool)>,
}

impl<'a> TableView<'a> {
    /// Start a table of `process`.
    pub fn begin(process: &'a ProcessInfo, opts: &'a ViewOptions) -> Self {
        TableView {
            process,
            opts,
            fields: None,
            sums: Vec::new(),
            table: None,
            totals: Totals::default(),
            shared_kb: 0,
            writeable_kb: 0,
            text: String::with_capacity(256),
            cells: Vec::with_capacity(32),
        }
    }

    fn x_columns(&self) -> bool {
        self.opts.extended && self.opts.extra == 0
    }

    /// The table, made when the first region (or the end) shows which smaps fields it has.
    fn table(&mut self) -> &mut ChunkedTable {
        let opts = self.opts;
        let fields = self.fields.get_or_insert_with(Vec::new);
        self.table.get_or_insert_with(|| {
            let header = header_through_name(opts, fields.iter().map(|(n, _)| n.as_str()));
            // Every column but the name keeps its content width; the name takes what is
            // left.
            let mut constraints = vec![Some(ColumnConstraint::ContentWidth); header.len() - 1];
            constraints.push(None);
            ChunkedTable::new(Layout {
                style: STYLE,
                width: opts.width,
                constraints,
                header: (!opts.quiet).then_some(header),
            })
        })
    }

    /// End the current cell of the row being built.
    fn cell(&mut self, right: bool) {
        self.cells.push((self.text.len(), right));
    }

    fn add_row(&mut self) {
        let text = std::mem::take(&mut self.text);
        let cells = std::mem::take(&mut self.cells);
        let mut begin = 0;
        let row = cells.iter().map(|&(end, right)| {
            let t = &text[begin..end];
            begin = end;
            (t, right)
        });
        self.table().add_row(row);
        self.text = text;
        self.text.clear();
        self.cells = cells;
        self.cells.clear();
    }

    /// Add one region (those outside `-A`'s range are left out).
    pub fn region(&mut self, r: &Region, field_names: &[String]) {
        use std::fmt::Write as _;
        let opts = self.opts;
        // The smaps columns come from the first region, in the range or not.
        if self.fields.is_none() && opts.extra > 0 {
            let f: Vec<(String, FieldId)> = r
                .smaps
                .as_ref()
                .map(|s| crate::view::pmap::record_fields(s, field_names, opts.extra))
                .unwrap_or_default()
                .into_iter()
                .filter(|(name, _)| name != "Size")
                .collect();
            self.sums = vec![0; f.len()];
            self.fields = Some(f);
        }
        if !opts.in_range(r.start, r.end) {
            return;
        }
        self.totals.add(r);
        if r.perms.shared {
            self.shared_kb = self.shared_kb.saturating_add(r.size_kb());
        } else if r.perms.write {
            self.writeable_kb = self.writeable_kb.saturating_add(r.size_kb());
        }
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{:016x}", r.start);
        self.cell(false);
        let _ = write!(self.text, "{}K", r.size_kb());
        self.cell(true);
        let sm = r.smaps.as_ref();
        if self.x_columns() {
            let (rss, pss, dirty, swap) =
                sm.map_or((0, 0, 0, 0), |s| (s.rss, s.pss, s.dirty(), s.swap));
            for v in [rss, pss, dirty, swap] {
                let _ = write!(self.text, "{v}K");
                self.cell(true);
            }
        }
        let fields = self.fields.take().unwrap_or_default();
        for (i, (name, id)) in fields.iter().enumerate() {
            if let Some(v) = sm.and_then(|s| s.get(*id)) {
                if let Some(sum) = self.sums.get_mut(i) {
                    *sum = sum.saturating_add(v);
                }
                if is_plain_number(name) {
                    let _ = write!(self.text, "{v}");
                } else {
                    let _ = write!(self.text, "{v}K");
                }
            }
            self.cell(true);
        }
        self.fields = Some(fields);
        // W+X is flagged in the text too, so it shows without colour.
        for b in r.perms.as_maps() {
            self.text.push(char::from(b));
        }
        if r.perms.is_wx() {
            self.text.push_str(" W+X");
        }
        self.cell(false);
        if opts.device {
            let _ = write!(self.text, "{:08x}", r.offset);
            self.cell(false);
            let _ = write!(self.text, "{:02x}:{:02x}", r.dev_major, r.dev_minor);
            self.cell(false);
        }
        match r.kind {
            Kind::ThreadStack { .. } | Kind::SysvShm { .. } => {
                self.text.push_str(&r.kind.describe())
            }
            k => self.text.push_str(k.label()),
        }
        self.cell(false);
        if opts.extra >= 2 {
            if let Some(s) = sm {
                self.text.push_str(&s.vm_flags_string());
            }
            self.cell(false);
        }
        self.text.push_str(&display_name(r, opts.show_path));
        self.cell(false);
        self.add_row();
    }

    /// Print the table, its totals row and the footer.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        use std::fmt::Write as _;
        let opts = self.opts;
        let t = self.totals;
        let fields = self.fields.take().unwrap_or_default();
        // A totals row under the smaps columns.
        if !opts.quiet && (self.x_columns() || !fields.is_empty()) {
            self.fields = Some(Vec::new());
            self.table();
            self.text.push_str("total");
            self.cell(false);
            let _ = write!(self.text, "{}K", t.size_kb);
            self.cell(true);
            if self.x_columns() {
                for v in [t.rss_kb, t.pss_kb, t.dirty_kb, t.swap_kb] {
                    let _ = write!(self.text, "{v}K");
                    self.cell(true);
                }
            }
            for (i, (name, _)) in fields.iter().enumerate() {
                if !is_not_additive(name) {
                    let _ = write!(self.text, "{}K", self.sums.get(i).copied().unwrap_or(0));
                }
                self.cell(true);
            }
            self.add_row();
        }
        self.fields = Some(fields);
        writeln!(out, "{}", crate::view::lookup::header(self.process))?;
        self.table().write(out)?;
        if opts.quiet {
            return Ok(());
        }
        write_footer(out, &t, opts, self.writeable_kb, self.shared_kb)
    }
}
