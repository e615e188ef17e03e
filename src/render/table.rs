//! vasmap's own view: a comfy-table with one row per mapping, real names (escaped for the
//! terminal), the kind of every region, and a total.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle,
};

/// No borders; one rule under the header.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use crate::model::{FieldId, Region, Snapshot, Totals};
use crate::render::ViewOptions;
use crate::text::escape_name;

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

/// Print the table.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    // A saved capture has no pid: its header is the file name.
    writeln!(out, "{}", crate::lookup::header(&snap.process))?;
    let marking = !opts.marks.is_empty();
    // -X/-XX show the smaps fields themselves (Rss, Pss, Swap... included), so -x's four
    // columns are only added without them. `Size` is already the Size column.
    let fields: Vec<(String, FieldId)> = if opts.extra > 0 {
        crate::render::pmap::extra_fields(snap, opts.extra)
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
    let mut header: Vec<String> = vec!["Address".into(), "Size".into()];
    if x_columns {
        header.extend(["RSS", "PSS", "Dirty", "Swap"].map(String::from));
    }
    header.extend(fields.iter().map(|(n, _)| n.clone()));
    header.push("Perm".into());
    if opts.device {
        header.extend(["Offset", "Device"].map(String::from));
    }
    header.push("Kind".into());
    if vm_flags {
        header.push("VmFlags".into());
    }
    header.push("Name".into());
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
        let paint = crate::color::paint_of(r);
        // Colour goes on cells whose text is already escaped. Empty cells stay unstyled so
        // the line's trailing spaces can be trimmed.
        let cell = |c: Cell| {
            if opts.color && !c.content().is_empty() {
                crate::color::style_cell(c, paint)
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
    write!(
        out,
        " total {}K in {} mappings ({})",
        t.size_kb,
        t.regions,
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
        let (mut shared, mut writeable) = (0u64, 0u64);
        for r in &regions {
            if r.perms.shared {
                shared = shared.saturating_add(r.size_kb());
            } else if r.perms.write {
                writeable = writeable.saturating_add(r.size_kb());
            }
        }
        writeln!(
            out,
            " mapped: {}K    writeable/private: {}K    shared: {}K",
            t.size_kb, writeable, shared
        )?;
    }
    Ok(())
}
