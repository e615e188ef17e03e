//! The report's drawing: the layout picture's rows ([`crate::view::layout::Picture`], the
//! same rows `vasmap layout` prints) as inline SVG, drawn on the server so that the page
//! shows it without JavaScript.
//!
//! Each block is an SVG link to the first table row of its mappings (`#m<start>`), so a
//! click scrolls there even without a script; `data-start`/`data-end` give the script the
//! block's range, which it uses to filter the table to the mappings inside it. A block is
//! coloured by the same classes as the table's rows ([`paint_class`]), so one legend
//! serves both. The fault address of a core dump and the demo's own mappings are marked
//! beside the block (or the gap) they fall in.

use std::io::{self, Write};

use crate::view::color::Paint;
use crate::view::layout::svg::xml;
use crate::view::layout::{PermClass, Row, fit, human_bytes, label_of};

/// The CSS class of a colour class, shared by the drawing, the table and the legend.
pub fn paint_class(p: Paint) -> &'static str {
    match p {
        Paint::Stack => "stack",
        Paint::Heap => "heap",
        Paint::Code => "code",
        Paint::Data => "data",
        Paint::ReadOnly => "ro",
        Paint::Guard => "guard",
        Paint::WriteExec => "wx",
    }
}

/// The colour class of a block of the picture, as [`crate::view::color::paint_of`] gives
/// for one region: W+X first, then stacks and the heap, then the strongest permission.
fn block_paint(label: &str, perms: &str, class: PermClass) -> Paint {
    let p = perms.as_bytes();
    if p.len() == 4 && p[1] == b'w' && p[2] == b'x' {
        Paint::WriteExec
    } else if label.starts_with("stack") || label.starts_with("thread stack") {
        Paint::Stack
    } else if label == "heap" {
        Paint::Heap
    } else {
        match class {
            PermClass::Exec => Paint::Code,
            PermClass::Write => Paint::Data,
            PermClass::Read => Paint::ReadOnly,
            PermClass::None => Paint::Guard,
        }
    }
}

/// Something to point at on the drawing: an address and what to say beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub addr: u64,
    pub note: String,
    /// Drawn in the fault colour (a core dump's fault address) rather than the mark's.
    pub fault: bool,
}

const W: u32 = 1080;
const X: u32 = 140;
const BOX: u32 = 620;
const BLOCK_H: u32 = 24;
const GAP_H: u32 = 18;
const TOP_H: u32 = 8;
const NOTE_X: u32 = X + BOX + 10;

/// The address range each row covers, top to bottom: a block its own; a gap the space
/// between the blocks around it; the top marker none.
fn row_ranges(rows: &[Row]) -> Vec<Option<(u64, u64)>> {
    let mut out = vec![None; rows.len()];
    let mut above: Option<u64> = None;
    for (i, row) in rows.iter().enumerate() {
        match row {
            Row::Block(b) => {
                out[i] = Some((b.start, b.end));
                above = Some(b.start);
            }
            Row::Top { addr, .. } | Row::KernelStart { addr } => above = Some(*addr),
            Row::Gap { .. } => {
                let below = rows[i + 1..].iter().find_map(|r| match r {
                    Row::Block(b) => Some(b.end),
                    Row::Top { addr, .. } | Row::KernelStart { addr } => Some(*addr),
                    Row::Gap { .. } => None,
                });
                let lo = below.unwrap_or(0);
                out[i] = Some((lo, above.unwrap_or(u64::MAX)));
            }
        }
    }
    out
}

/// Write the drawing as one `<svg>` element (no XML declaration: it sits in the HTML).
pub fn write_drawing(rows: &[Row], pins: &[Pin], out: &mut dyn Write) -> io::Result<()> {
    let ranges = row_ranges(rows);
    // A pin goes on the row that holds its address, or under the lowest row.
    let mut row_pins: Vec<Vec<&Pin>> = vec![Vec::new(); rows.len()];
    let mut below: Vec<&Pin> = Vec::new();
    for pin in pins {
        let holds =
            |r: &Option<(u64, u64)>| r.is_some_and(|(lo, hi)| lo <= pin.addr && pin.addr < hi);
        // A block beats the gap around it (a merged block holds small gaps inside).
        let block = rows
            .iter()
            .zip(&ranges)
            .position(|(row, r)| matches!(row, Row::Block(_)) && holds(r));
        match block.or_else(|| ranges.iter().position(holds)) {
            Some(i) => row_pins[i].push(pin),
            None => below.push(pin),
        }
    }
    let height: u32 = 12
        + rows
            .iter()
            .map(|r| match r {
                Row::Block(_) => BLOCK_H,
                Row::Gap { .. } => GAP_H,
                Row::Top { .. } | Row::KernelStart { .. } => TOP_H,
            })
            .sum::<u32>()
        + 28
        + 16 * below.len() as u32;
    writeln!(
        out,
        r#"<svg id="drawing" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="the address space, high addresses at the top">"#
    )?;
    let mut y = 12;
    for (i, row) in rows.iter().enumerate() {
        let h = match row {
            Row::Block(b) => {
                let paint = block_paint(&b.label, b.perms, b.class);
                let mut tip = format!(
                    "{:#x}-{:#x}: {} ({} mapped",
                    b.start,
                    b.end,
                    b.name,
                    human_bytes(b.mapped)
                );
                if b.count > 1 {
                    tip.push_str(&format!(", {} mappings", b.count));
                }
                tip.push(')');
                writeln!(
                    out,
                    r##"<a class="blk" href="#m{:x}" data-start="{:#x}" data-end="{:#x}"><title>{}</title><rect class="{}" x="{X}" y="{y}" width="{BOX}" height="{BLOCK_H}"/>"##,
                    b.start,
                    b.start,
                    b.end,
                    xml(&tip),
                    paint_class(paint)
                )?;
                let ty = y + 16;
                writeln!(
                    out,
                    r#"<text x="8" y="{ty}" class="addr">{:016x}</text><text x="{}" y="{ty}">{}</text><text x="{}" y="{ty}">{}</text><text x="{}" y="{ty}" text-anchor="end">{} {}</text></a>"#,
                    b.start,
                    X + 8,
                    xml(&label_of(b)),
                    X + 128,
                    xml(fit(&b.name, 44).trim_end()),
                    X + BOX - 8,
                    xml(&human_bytes(b.mapped)),
                    xml(b.perms)
                )?;
                BLOCK_H
            }
            Row::Gap { size, note } => {
                let text = crate::view::layout::gap_words(*size, note);
                writeln!(
                    out,
                    r#"<rect class="gap" x="{X}" y="{y}" width="{BOX}" height="{GAP_H}"/><text class="gaptext" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                    X + BOX / 2,
                    y + 13,
                    xml(&text)
                )?;
                GAP_H
            }
            Row::Top { .. } | Row::KernelStart { .. } => {
                let Some((addr, words, _)) = row.line() else {
                    continue;
                };
                writeln!(
                    out,
                    r#"<line class="top" x1="{X}" y1="{y}" x2="{}" y2="{y}"/><text x="8" y="{}" class="addr">{addr:016x}</text><text x="{}" y="{}" class="small">{}</text>"#,
                    X + BOX,
                    y + 4,
                    NOTE_X,
                    y + 4,
                    xml(&words)
                )?;
                TOP_H
            }
        };
        for (k, pin) in row_pins[i].iter().enumerate() {
            write_pin(pin, y + 16 + 14 * k as u32, out)?;
        }
        y += h;
    }
    writeln!(
        out,
        r#"<text x="8" y="{}" class="small">0000000000000000  address 0: never mapped, so a NULL pointer faults</text>"#,
        y + 18
    )?;
    y += 18;
    for pin in below {
        y += 16;
        write_pin(pin, y, out)?;
    }
    writeln!(out, "</svg>")
}

/// One pin: an arrow at the box's right edge and its note.
fn write_pin(pin: &Pin, y: u32, out: &mut dyn Write) -> io::Result<()> {
    let class = if pin.fault { "pin fault" } else { "pin mark" };
    writeln!(
        out,
        r#"<g class="{class}"><path d="M{} {} l10 -6 v12 z"/><text x="{}" y="{}">{}</text></g>"#,
        X + BOX,
        y - 4,
        NOTE_X + 6,
        y,
        xml(&pin.note)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Region};
    use crate::view::layout::{LayoutOptions, Picture};

    fn region(start: u64, end: u64, perms: &[u8; 4], name: &[u8], kind: Kind) -> Region {
        let mut r = Region::blank();
        r.start = start;
        r.end = end;
        r.perms.read = perms[0] == b'r';
        r.perms.write = perms[1] == b'w';
        r.perms.exec = perms[2] == b'x';
        r.perms.shared = perms[3] == b's';
        r.name = name.to_vec();
        r.kind = kind;
        r.inode = u64::from(!name.is_empty() && name[0] == b'/');
        r
    }

    #[test]
    fn blocks_link_to_their_rows_names_are_escaped_and_pins_land_on_their_block() {
        let mut p = Picture::new();
        p.add(&region(
            0x1000,
            0x3000,
            b"r-xp",
            b"/bin/<svg><script>",
            Kind::Program,
        ));
        p.add(&region(0x7000_0000, 0x7000_1000, b"rwxp", b"", Kind::Anon));
        p.add(&region(
            0x7fff_0000,
            0x7fff_8000,
            b"rw-p",
            b"[stack]",
            Kind::Stack,
        ));
        let (rows, _, _) = p.rows(&LayoutOptions::default());
        let pins = [
            Pin {
                addr: 0x2010,
                note: "fault <here>".into(),
                fault: true,
            },
            Pin {
                addr: 0,
                note: "NULL".into(),
                fault: true,
            },
        ];
        let mut out = Vec::new();
        write_drawing(&rows, &pins, &mut out).unwrap();
        let svg = String::from_utf8(out).unwrap();
        assert!(svg.contains(r##"href="#m1000" data-start="0x1000" data-end="0x3000""##));
        assert!(svg.contains("&lt;svg&gt;&lt;script&gt;"), "{svg}");
        assert!(!svg.contains("<script"));
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert!(svg.contains(r#"<rect class="wx""#));
        assert!(svg.contains(r#"<rect class="stack""#));
        assert!(svg.contains(r#"<rect class="code""#));
        // The fault pin is drawn with the program's block, above the lowest row.
        let fault = svg.find("fault &lt;here&gt;").unwrap();
        let null_line = svg.find("address 0: never mapped").unwrap();
        assert!(fault < null_line);
        assert!(svg[null_line..].contains(">NULL<"));
    }
}
