//! `vasmap layout --svg`: the layout picture's rows ([`crate::view::layout`]) as one SVG
//! document, for a slide or a web page. Every piece of text is escaped for XML, and
//! characters XML 1.0 cannot hold at all (most C0 controls, U+FFFE, U+FFFF, lone
//! surrogates) are written as `\u{…}` escapes instead.

use std::io::{self, Write};

use super::{PermClass, Row, fit, human_bytes, label_of, title};
use crate::model::ProcessInfo;

/// Escape text for XML 1.0.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed anywhere in an XML 1.0 document, not even as `&#x..;`.
            c if !allowed_in_xml(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn fill(class: PermClass) -> &'static str {
    match class {
        PermClass::Exec => "#f4b6b6",
        PermClass::Write => "#b9e4b3",
        PermClass::Read => "#b5dbe8",
        PermClass::None => "#e2e2e2",
    }
}

/// Write the picture's rows as an SVG document.
pub fn write_svg(
    p: &ProcessInfo,
    rows: &[Row],
    (regions, size_kb): (u64, u64),
    out: &mut dyn Write,
) -> io::Result<()> {
    const W: u32 = 820;
    const X: u32 = 150;
    const BOX: u32 = 640;
    const BLOCK_H: u32 = 24;
    const GAP_H: u32 = 20;
    const TOP: u32 = 50;
    let height = TOP
        + rows
            .iter()
            .map(|r| match r {
                Row::Block(_) => BLOCK_H,
                Row::Gap { .. } => GAP_H,
                Row::Top { .. } | Row::KernelStart { .. } => 6,
            })
            .sum::<u32>()
        + 40;
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="monospace" font-size="12">"#
    )?;
    writeln!(out, r#"<rect width="{W}" height="{height}" fill="white"/>"#)?;
    writeln!(
        out,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        xml(&title(p))
    )?;
    writeln!(
        out,
        r#"<text x="10" y="38">{}</text>"#,
        xml(&format!(
            "{regions} mappings, {} mapped; high addresses at the top",
            human_bytes(size_kb.saturating_mul(1024))
        ))
    )?;
    let mut y = TOP;
    for row in rows {
        match row {
            Row::Block(b) => {
                writeln!(
                    out,
                    r##"<rect x="{X}" y="{y}" width="{BOX}" height="{BLOCK_H}" fill="{}" stroke="#555"/>"##,
                    fill(b.class)
                )?;
                let ty = y + 16;
                writeln!(out, r#"<text x="10" y="{ty}">{:016x}</text>"#, b.start)?;
                writeln!(
                    out,
                    r#"<text x="{}" y="{ty}">{}</text>"#,
                    X + 8,
                    xml(&label_of(b))
                )?;
                writeln!(
                    out,
                    r#"<text x="{}" y="{ty}">{}</text>"#,
                    X + 130,
                    xml(fit(&b.name, 46).trim_end())
                )?;
                writeln!(
                    out,
                    r#"<text x="{}" y="{ty}" text-anchor="end">{}  {}</text>"#,
                    X + BOX - 8,
                    xml(&human_bytes(b.mapped)),
                    xml(b.perms)
                )?;
                y += BLOCK_H;
            }
            Row::Gap { size, note } => {
                writeln!(
                    out,
                    r##"<rect x="{X}" y="{y}" width="{BOX}" height="{GAP_H}" fill="none" stroke="#999" stroke-dasharray="4 3"/>"##
                )?;
                let text = crate::view::layout::gap_words(*size, note);
                writeln!(
                    out,
                    r##"<text x="{}" y="{}" text-anchor="middle" fill="#666" font-style="italic">{}</text>"##,
                    X + BOX / 2,
                    y + 14,
                    xml(&text)
                )?;
                y += GAP_H;
            }
            Row::Top { .. } | Row::KernelStart { .. } => {
                let Some((addr, words, _)) = row.line() else {
                    continue;
                };
                writeln!(
                    out,
                    r##"<line x1="{X}" y1="{y}" x2="{}" y2="{y}" stroke="#000" stroke-width="3"/>"##,
                    X + BOX
                )?;
                writeln!(out, r#"<text x="10" y="{}">{:016x}</text>"#, y + 4, addr)?;
                writeln!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="end" font-size="10">{}</text>"#,
                    X + BOX - 4,
                    y - 3,
                    xml(&words)
                )?;
                y += 6;
            }
        }
    }
    writeln!(
        out,
        r#"<text x="10" y="{}">{}</text>"#,
        y + 24,
        xml("colours: red = code (x), green = writable, blue = read-only, grey = no access")
    )?;
    writeln!(out, "</svg>")
}

/// True for the characters XML 1.0 allows (its `Char` production): tab, newline, carriage
/// return, U+0020..U+D7FF, U+E000..U+FFFD, U+10000 and up.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped_and_holds_only_what_xml_allows() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(
            xml("x\u{fffe}y\u{ffff}\u{1}"),
            "x\\u{fffe}y\\u{ffff}\\u{0001}"
        );
        assert_eq!(xml("日本"), "日本");
    }
}
