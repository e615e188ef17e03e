//! vasmap's own view: a comfy-table with one row per mapping, real names (escaped for the
//! terminal), the kind of every region, and a total.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle,
};

/// No borders; one rule under the header.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use crate::model::{Region, Snapshot};
use crate::render::ViewOptions;
use crate::text::escape_name;

/// The name as the table shows it: escaped, basename unless `--show-path`, and for a
/// thread stack the tid it belongs to.
pub fn display_name(r: &Region, show_path: bool) -> String {
    let raw = if show_path { &r.name[..] } else { r.basename() };
    escape_name(raw)
}

/// Print the table.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    // A saved capture has no pid: its header is the file name.
    writeln!(out, "{}", crate::lookup::header(&snap.process))?;
    let marking = !opts.marks.is_empty();
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
    let mut header = vec!["Address", "Size", "Perm", "Kind", "Name"];
    if marking {
        header.push("");
    }
    table.set_header(header);
    for r in &snap.regions {
        let mut row = Row::new();
        let paint = crate::color::paint_of(r);
        // Colour goes on cells whose text is already escaped.
        let cell = |text: String| {
            let c = Cell::new(text);
            // Empty cells stay unstyled so the line's trailing spaces can be trimmed.
            if opts.color && !c.content().is_empty() {
                crate::color::style_cell(c, paint)
            } else {
                c
            }
        };
        row.add_cell(cell(format!("{:016x}", r.start)));
        row.add_cell(cell(format!("{}K", r.size_kb())).set_alignment(CellAlignment::Right));
        // W+X is flagged in the text too, so it shows without colour.
        let perm = if r.perms.is_wx() {
            format!("{} W+X", r.perms.to_maps_string())
        } else {
            r.perms.to_maps_string()
        };
        row.add_cell(cell(perm));
        row.add_cell(cell(r.kind.describe()));
        row.add_cell(cell(display_name(r, opts.show_path)));
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
    // Addresses, sizes, permissions and kinds never wrap; the name takes what is left.
    let fixed = [
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
    ];
    for (i, c) in fixed.into_iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(c);
        }
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    let t = snap.totals();
    writeln!(
        out,
        " total {}K in {} mappings ({})",
        t.size_kb,
        t.regions,
        crate::text::human_kb(t.size_kb)
    )
}
