//! The report's HTML, written on the server: the document's head (with a Content Security
//! Policy that forbids every network request), the header about the process, the legend,
//! the filter controls and the table of mappings.
//!
//! Every piece of text from the kernel or a file is first escaped as the terminal views
//! escape it ([`crate::text::escape_name`], [`crate::text::escape_text`]: control bytes,
//! bidirectional controls and invalid UTF-8 become visible escapes) and then for HTML
//! ([`push_html`]), so a file called `<script>` is the text `<script>`, and one called
//! `\x1b[31m` reads as `\e[31m`, as in the table view. Table rows leave out the optional
//! `</td>` and `</tr>` end tags (HTML allows it): 60,000 rows are smaller by 3 MB.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::model::{Explanation, Kind, ProcessInfo, Region, Totals};
use crate::text::{escape_name, escape_text};
use crate::view::color::LEGEND;
use crate::view::color::paint_of;
use crate::view::layout::human_bytes;
use crate::view::report::drawing::paint_class;

/// Append `s` escaped for HTML text and attribute values.
pub fn push_html(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for HTML.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_html(&mut out, s);
    out
}

/// Arbitrary bytes (a command line, a path) as safe HTML text.
pub fn text_html(b: &[u8]) -> String {
    html(&escape_text(b, false))
}

/// The page's stylesheet.
pub(crate) const CSS: &str = include_str!("page.css");

/// What the top of the page says about the address space.
pub struct Header<'a> {
    pub process: &'a ProcessInfo,
    /// What the views print under their first line: a core's signal and fault, in words.
    pub notes: &'a [crate::view::Note],
    /// Where it was read from, in words (`/proc/4972, a live process`).
    pub source: &'a str,
    /// When it was read (RFC 3339, UTC).
    pub read_at: &'a str,
    pub totals: &'a Totals,
    pub has_smaps: bool,
    /// Set when the embedded data keeps only the smaps figures the table shows: the
    /// names of those kept.
    pub cut_to: Option<&'a [&'a str]>,
}

/// The page's title: `vasmap report: PID command`.
pub fn title(p: &ProcessInfo) -> String {
    let cmd = escape_text(&p.cmdline, false);
    let cmd: String = cmd.chars().take(80).collect();
    if p.pid > 0 {
        format!("vasmap report: {} {cmd}", p.pid)
    } else {
        format!("vasmap report: {cmd}")
    }
}

/// The document up to `<body>`: the policy, the title, the stylesheet.
pub fn write_head(p: &ProcessInfo, out: &mut dyn Write) -> io::Result<()> {
    // `default-src 'none'`: no image, font, frame, fetch or connection can be made, from
    // anything on the page, ever; only the inline style and script run.
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\" class=\"nojs\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"vasmap {}\">\n<title>{}</title>\n<style>\n{CSS}</style>\n\
         </head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        html(&title(p))
    )
}

/// One `<dt>`/`<dd>` pair, the value already HTML.
fn item(s: &mut String, term: &str, value: &str) {
    let _ = writeln!(s, "<dt>{term}</dt><dd>{value}</dd>");
}

/// The header: who, what, when and how, the totals, the legend.
pub fn write_header(h: &Header, out: &mut dyn Write) -> io::Result<()> {
    let p = h.process;
    let mut s = String::new();
    let _ = write!(
        s,
        "<header>\n<h1>{}</h1>\n<dl class=\"facts\">\n",
        html(&title(p))
    );
    if p.pid > 0 {
        item(&mut s, "Process", &p.pid.to_string());
    }
    item(&mut s, "Command line", &text_html(&p.cmdline));
    if !p.comm.is_empty() {
        item(&mut s, "Command", &text_html(&p.comm));
    }
    if let Some(exe) = &p.exe_path {
        item(&mut s, "Program", &text_html(exe));
    }
    item(&mut s, "Read from", &html(h.source));
    item(&mut s, "Read at", &html(h.read_at));
    item(
        &mut s,
        "Made by",
        &format!("vasmap {}", env!("CARGO_PKG_VERSION")),
    );
    if let Some(core) = &p.core {
        let writer = match core.writer.as_str() {
            "kernel" => "the kernel",
            "gdb" => "gdb (gcore)",
            _ => "an unknown writer",
        };
        let mut v = format!(
            "<code>{}</code>, {}, written by {writer}",
            text_html(&core.path),
            html(&core.arch)
        );
        if let Some(addr) = core.fault_addr {
            let _ = write!(v, "; fault address <code>{addr:#x}</code>");
        }
        item(&mut s, "Core dump", &v);
        for n in h.notes {
            let what = if n.key == "signal_text" {
                "Signal"
            } else {
                "Fault"
            };
            item(&mut s, what, &html(&n.text));
        }
    }
    s.push_str("</dl>\n");
    write_totals(&mut s, h);
    if let Some(kept) = h.cut_to {
        let _ = writeln!(
            s,
            "<p class=\"note\" id=\"cut\">To keep this page small, its embedded data holds only the smaps \
             figures the table shows ({}) and no VmFlags, and the “What it is” words only in the \
             table (sections are kept). Every figure: <code>vasmap --json</code>.</p>",
            html(&kept.join(", "))
        );
    }
    s.push_str("<ul class=\"legend\">");
    for (paint, words) in LEGEND {
        let _ = write!(
            s,
            "<li><span class=\"sw {}\"></span>{words}</li>",
            paint_class(paint)
        );
    }
    s.push_str("</ul>\n</header>\n");
    out.write_all(s.as_bytes())
}

/// The totals line.
fn write_totals(s: &mut String, h: &Header) {
    let t = h.totals;
    let kb = |v: u64| html(&human_bytes(v.saturating_mul(1024)));
    let _ = write!(
        s,
        "<p class=\"totals\"><b>{}</b> {}, <b>{}</b> mapped",
        t.regions,
        if t.regions == 1 {
            "mapping"
        } else {
            "mappings"
        },
        kb(t.size_kb)
    );
    if h.has_smaps {
        let _ = write!(
            s,
            "; <b>{}</b> resident (RSS), <b>{}</b> PSS, <b>{}</b> dirty, <b>{}</b> swapped, \
             <b>{}</b> private, <b>{}</b> shared",
            kb(t.rss_kb),
            kb(t.pss_kb),
            kb(t.dirty_kb),
            kb(t.swap_kb),
            kb(t.private_kb),
            kb(t.shared_kb)
        );
    } else {
        s.push_str(if h.process.core.is_some() {
            "; no smaps figures (a core dump records none)"
        } else {
            "; no smaps figures (a maps capture holds none)"
        });
    }
    s.push_str("</p>\n");
}

/// Which columns the table has.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    /// RSS, PSS, Dirty and Swap (`-x`).
    pub smaps: bool,
    /// `--explain`'s words.
    pub explain: bool,
    /// A note on some row (the demo's mark, a core's fault address).
    pub notes: bool,
}

/// Rows past which the table is laid out fixed (see [`write_table_start`]).
pub const FIXED_FROM: u64 = 2000;

/// The filter controls (shown only once the script runs) and the table's head.
pub fn write_table_start(c: Columns, total: u64, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::from(
        "<section id=\"controls\" class=\"needs-js\" aria-label=\"filters\">\n\
         <label>Name <input id=\"f-name\" type=\"search\" placeholder=\"part of a name\"></label>\n\
         <label>Permissions <input id=\"f-perms\" size=\"4\" placeholder=\"e.g. wx\"></label>\n\
         <label>Kind <select id=\"f-kind\"><option value=\"\">every kind</option></select></label>\n\
         <button id=\"f-clear\" type=\"button\">Show all</button>\n\
         <span id=\"f-range\"></span> <output id=\"shown\"></output>\n</section>\n",
    );
    let _ = write!(
        s,
        "<div id=\"main\">\n<div id=\"tablebox\">\n<table id=\"maps\" class=\"{}{}\" data-rows=\"{total}\">\n<thead><tr>",
        if c.smaps { "smaps" } else { "maps" },
        if total > FIXED_FROM { " fixed" } else { "" }
    );
    // Past FIXED_FROM rows each header has a share of the width (page.css, `.fixed
    // th.k-KEY`): with `table-layout: fixed` the browser lays 60,000 rows out without
    // measuring every cell first. Fewer rows are laid out by their content, which fits
    // the columns to what they hold (a fixed layout with widths in `ch` left no room for
    // the name and the words beside the details panel of a 1,400-pixel window).
    let mut th = |key: &str, words: &str, num: bool| {
        let num = if num { " num" } else { "" };
        let _ = write!(
            s,
            "<th data-key=\"{key}\" class=\"k-{key}{num}\">{words}</th>"
        );
    };
    th("start", "Address", false);
    th("size", "Size", true);
    if c.smaps {
        th("rss", "RSS", true);
        th("pss", "PSS", true);
        th("dirty", "Dirty", true);
        th("swap", "Swap", true);
    }
    th("perms", "Perm", false);
    th("kind", "Kind", false);
    th("name", "Name", false);
    if c.explain {
        th("explain", "What it is", false);
    }
    if c.notes {
        th("note", "Note", false);
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    out.write_all(s.as_bytes())
}

/// One row's extras.
pub struct RowExtras<'a> {
    pub explain: Option<&'a Explanation>,
    /// Instead of the text: the number of the row's explanation among the page's
    /// distinct ones ([`write_word_styles`]).
    pub word: Option<usize>,
    pub note: Option<&'a str>,
    /// The row is the core's fault address's.
    pub fault: bool,
    /// The row starts a block of the drawing: it gets the id the block links to.
    pub anchor: bool,
}

/// Append `v` kB as `123K`.
fn kb_cell(s: &mut Vec<u8>, v: u64) {
    s.extend_from_slice(b"<td>");
    crate::view::numfmt::push_dec(s, v, 0);
    s.push(b'K');
}

/// Append one table row to `s`.
pub fn push_row(s: &mut Vec<u8>, r: &Region, c: Columns, x: &RowExtras) {
    s.extend_from_slice(b"<tr class=\"");
    s.extend_from_slice(paint_class(paint_of(r)).as_bytes());
    if x.fault {
        s.extend_from_slice(b" fault");
    } else if x.note.is_some() {
        s.extend_from_slice(b" mark");
    }
    s.push(b'"');
    if x.anchor {
        s.extend_from_slice(b" id=\"m");
        crate::view::numfmt::push_hex(s, r.start, 0);
        s.push(b'"');
    }
    s.extend_from_slice(b"><td>");
    crate::view::numfmt::push_hex(s, r.start, 16);
    kb_cell(s, r.size_kb());
    if c.smaps {
        let (rss, pss, dirty, swap) = r
            .smaps
            .as_ref()
            .map_or((0, 0, 0, 0), |m| (m.rss, m.pss, m.dirty(), m.swap));
        for v in [rss, pss, dirty, swap] {
            kb_cell(s, v);
        }
    }
    s.extend_from_slice(b"<td>");
    s.extend_from_slice(&r.perms.as_maps());
    s.extend_from_slice(b"<td>");
    s.extend_from_slice(r.kind.label().as_bytes());
    s.extend_from_slice(b"<td>");
    push_name(s, r);
    if c.explain {
        match x.word {
            Some(i) => s.extend_from_slice(format!("<td class=\"e{i}\">").as_bytes()),
            None => s.extend_from_slice(b"<td>"),
        }
        if let Some(e) = x.explain {
            s.extend_from_slice(text_html(e.text.as_bytes()).as_bytes());
        }
    }
    if c.notes {
        s.extend_from_slice(b"<td>");
        if let Some(n) = x.note {
            s.extend_from_slice(html(n).as_bytes());
        }
    }
    s.push(b'\n');
}

/// The name cell: the base name escaped as the table view shows it (plain ASCII as it
/// is, without a copy), then for HTML; an unnamed thread stack shows its thread.
fn push_name(s: &mut Vec<u8>, r: &Region) {
    let raw = r.basename();
    if raw.is_empty() {
        if let Kind::ThreadStack { tid } = r.kind {
            s.extend_from_slice(format!("(tid {tid})").as_bytes());
        }
        return;
    }
    let plain = raw.first() != Some(&b' ')
        && raw.last() != Some(&b' ')
        && raw
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) && !b"\\&<>\"'".contains(&b));
    if plain {
        s.extend_from_slice(raw);
    } else {
        s.extend_from_slice(html(&escape_name(raw)).as_bytes());
    }
}

/// The words of a cut page's explanations, once each, as style rules that show them in
/// every cell of their class: 60,000 rows share a few dozen texts, and written in each
/// row they were a fifth of the page. A reader without JavaScript sees them (the rules are
/// in `<noscript>`: generated text doubles the time Chromium takes to lay out 60,000 rows,
/// which a reader with the script need not pay); the script puts them in the cells as
/// text (so that find-in-page and copying see them too).
pub fn write_word_styles(texts: &[String], out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::from("<noscript><style id=\"explain-words\">\n");
    for (i, t) in texts.iter().enumerate() {
        let _ = write!(s, "td.e{i}::before{{content:\"");
        // A CSS string: every character but plain ASCII letters, digits, space and
        // punctuation that cannot end it or the element is written as a `\HEX ` escape.
        for c in escape_text(t.as_bytes(), false).chars() {
            if c.is_ascii_alphanumeric() || " .,:;()+-_'/[]".contains(c) {
                s.push(c);
            } else {
                let _ = write!(s, "\\{:x} ", c as u32);
            }
        }
        s.push_str("\"}\n");
    }
    s.push_str("</style></noscript>\n");
    out.write_all(s.as_bytes())
}

/// The end of the table, the details panel (filled by the script) and the drawing's box.
pub fn write_table_end(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(
        b"</tbody>\n</table>\n</div>\n\
          <aside id=\"details\" class=\"needs-js\" aria-live=\"polite\">\
          <p class=\"hint\">Click a mapping (or a block of the drawing) to see what it is, \
          its ELF sections, its smaps figures and its neighbours.</p></aside>\n</div>\n",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(html("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(text_html(b"a\x1b[31m</script>"), "a\\e[31m&lt;/script&gt;");
    }

    #[test]
    fn a_row_escapes_its_name_for_the_terminal_then_for_html() {
        let mut r = crate::read::parse::parse_maps_line(
            b"7f0000000000-7f0000001000 rw-p 00000000 fe:01 12 /tmp/<script><b>\x1b[2J",
        )
        .unwrap();
        r.kind = Kind::File;
        let c = Columns {
            smaps: true,
            explain: false,
            notes: false,
        };
        let x = RowExtras {
            explain: None,
            word: None,
            note: None,
            fault: false,
            anchor: true,
        };
        let mut s = Vec::new();
        push_row(&mut s, &r, c, &x);
        let row = String::from_utf8(s).unwrap();
        assert_eq!(
            row,
            "<tr class=\"data\" id=\"m7f0000000000\"><td>00007f0000000000<td>4K<td>0K<td>0K<td>0K<td>0K\
             <td>rw-p<td>file<td>&lt;script&gt;&lt;b&gt;\\e[2J\n"
        );
    }
}
