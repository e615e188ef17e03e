//! `vasmap report`: one self-contained HTML page of an address space, for a class on a
//! projector, a bug report, or a first look at a process too big to read as text.
//!
//! The page is whole in itself: its stylesheet (`page.css`) and script (`page.js`,
//! both beside this file, included with `include_str!`) are inline, its drawing is inline SVG, its data is inline JSON, and a
//! Content Security Policy (`default-src 'none'`) forbids it every request: no font, no
//! image, no fetch. Everything that matters is drawn here, on the server, so a reader
//! without JavaScript sees the header, the drawing (the same rows as `vasmap layout`,
//! each block a link to its first mapping) and the table of mappings (the `-x` columns
//! and `--explain`'s words). The script then enhances what is there: sorting by any
//! column, filters by kind, permission, name and drawing block, and a panel with a
//! region's details (what it is, its ELF sections, its smaps figures, its neighbours,
//! and, for a live process, its page strip: [`pages`]).
//!
//! The view keeps every row packed ([`RowStore`], spilled to a file past a few MiB), as
//! the table does, since the drawing (which needs every region) comes first on the page
//! and the table and the data are written from the same rows after it. Files: [`html`]
//! (head, header, table), [`drawing`] (the SVG), [`data`] (the embedded JSON), [`pages`]
//! (the page strips).

use std::io::{self, Write};
use std::time::SystemTime;

use crate::model::{Explanation, Region, Totals};
use crate::view::layout::{LayoutOptions, Picture, Row as LayoutRow};
use crate::view::packed::{decode_region, encode_region};
use crate::view::spool::RowStore;
use crate::view::{Head, Rows, Stop, View, Wants};

pub mod data;
pub mod drawing;
pub mod html;
pub mod pages;

use data::{Embedded, KEPT_FIELDS, PageFacts};
use drawing::Pin;
use html::{Columns, RowExtras};

/// The page's script.
const JS: &str = include_str!("page.js");

/// How the page is made.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Where the address space was read from, in words (`/proc/4972, a live process`).
    pub source: String,
    /// The drawing merges neighbouring rows until at most this many remain.
    pub max_rows: usize,
    /// When it was read; `None`: now (tests fix it).
    pub read_at: Option<SystemTime>,
    /// Embed every smaps figure while the JSON stays under this many bytes (see
    /// [`data`]); `usize::MAX` always.
    pub full_budget: usize,
    /// Embed the page strips of a live process ([`pages`]); false with `--no-pages`. A
    /// saved capture or a core has no page states: no strips whatever this says.
    pub pages: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            source: String::new(),
            max_rows: 48,
            read_at: None,
            full_budget: data::FULL_BUDGET,
            pages: false,
        }
    }
}

/// The report as a view: one HTML document per address space shown.
pub struct ReportView {
    opts: ReportOptions,
}

impl ReportView {
    /// A view that makes pages as `opts` says.
    pub fn new(opts: ReportOptions) -> Self {
        ReportView { opts }
    }
}

/// At most this many rows carry a note (the demo marks a few; a hostile overlap could
/// mark many).
const MAX_MARKS: usize = 256;

/// The rows, packed as they came, with the smaps field names they index.
struct Kept {
    store: RowStore,
    names: Vec<String>,
    region: Region,
    explanation: Explanation,
}

impl data::Regions for Kept {
    fn each(
        &mut self,
        each: &mut dyn FnMut(&Region, Option<&Explanation>) -> io::Result<()>,
    ) -> io::Result<()> {
        let Kept {
            store,
            region,
            explanation,
            ..
        } = self;
        store.each(|row| {
            let explained = decode_region(row, region, explanation);
            each(region, explained.then_some(&*explanation))
        })
    }
}

/// What was seen while the rows came.
struct Seen {
    totals: Totals,
    /// (region index, start, note).
    marks: Vec<(usize, u64, String)>,
    fault_region: Option<usize>,
    explained: bool,
}

impl View for ReportView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let read_at =
            humantime::format_rfc3339_seconds(self.opts.read_at.unwrap_or_else(SystemTime::now))
                .to_string();
        let fault = head.process.core.as_ref().and_then(|c| c.fault_addr);
        let mut kept = Kept {
            store: RowStore::new(),
            names: Vec::new(),
            region: Region::blank(),
            explanation: Explanation::default(),
        };
        let mut seen = Seen {
            totals: Totals::default(),
            marks: Vec::new(),
            fault_region: None,
            explained: false,
        };
        let mut picture = Picture::with_stack_limit(head.process.stack_limit);
        let mut buf = Vec::new();
        while let Some(row) = rows.next_row()? {
            let r = row.region;
            if row.fields.len() > kept.names.len() {
                kept.names = row.fields.to_vec();
            }
            buf.clear();
            encode_region(&mut buf, r, row.explain);
            kept.store.push(&buf)?;
            picture.add(r);
            let at = seen.totals.regions as usize;
            seen.totals.add(r);
            if let Some(note) = row.mark.filter(|_| seen.marks.len() < MAX_MARKS) {
                seen.marks.push((at, r.start, note.to_string()));
            }
            if fault.is_some_and(|a| r.contains(a)) {
                seen.fault_region = Some(at);
            }
            seen.explained |= row.explain.is_some();
        }
        let layout = LayoutOptions {
            max_rows: self.opts.max_rows,
            ..LayoutOptions::default()
        };
        let (layout_rows, _, _) = picture.rows(&layout);
        self.write_page(head, &read_at, fault, &seen, &layout_rows, &mut kept, out)?;
        Ok(())
    }

    /// The script sorts; the drawing and the neighbours need address order.
    fn wants(&self) -> Wants {
        Wants::ADDRESS_ORDER
    }
}

impl ReportView {
    #[allow(clippy::too_many_arguments)]
    fn write_page(
        &self,
        head: &Head,
        read_at: &str,
        fault: Option<u64>,
        seen: &Seen,
        layout_rows: &[LayoutRow],
        kept: &mut Kept,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let p = head.process;
        let names = kept.names.clone();
        // The data is made first: the header says whether it had to be cut.
        let prepared = data::prepare(head, &names, self.opts.full_budget, kept)?;
        let cut = prepared.how() == Embedded::Cut;
        html::write_head(p, out)?;
        html::write_header(
            &html::Header {
                process: p,
                notes: head.notes,
                source: &self.opts.source,
                read_at,
                totals: &seen.totals,
                has_smaps: head.has_smaps,
                cut_to: cut.then_some(&KEPT_FIELDS[..]),
            },
            out,
        )?;
        let mut pins: Vec<Pin> = Vec::new();
        if let Some(a) = fault {
            let where_ = if seen.fault_region.is_some() {
                ""
            } else {
                " (in no mapping)"
            };
            pins.push(Pin {
                addr: a,
                note: format!("fault address {a:#x}{where_}"),
                fault: true,
            });
        }
        for (_, start, note) in &seen.marks {
            if !pins.iter().any(|q| q.note == *note) {
                pins.push(Pin {
                    addr: *start,
                    note: note.clone(),
                    fault: false,
                });
            }
        }
        out.write_all(b"<section id=\"layout\"><h2>Layout</h2>\n<p class=\"hint\">High addresses at the top; each row starts at the address on its left. Click a block for its mappings.</p>\n")?;
        drawing::write_drawing(layout_rows, &pins, out)?;
        out.write_all(b"</section>\n<h2 id=\"mappings\">Mappings</h2>\n")?;
        let cols = Columns {
            smaps: head.has_smaps,
            explain: seen.explained,
            notes: !seen.marks.is_empty() || seen.fault_region.is_some(),
        };
        if let (Some(a), None) = (fault, seen.fault_region) {
            writeln!(
                out,
                "<p class=\"note fault\">The fault address {a:#x} is in no mapping.</p>"
            )?;
        }
        html::write_table_start(cols, seen.totals.regions, out)?;
        let mut anchors: Vec<u64> = layout_rows
            .iter()
            .filter_map(|r| match r {
                LayoutRow::Block(b) => Some(b.start),
                _ => None,
            })
            .collect();
        anchors.sort_unstable();
        let mut words = cut.then(Words::default);
        write_rows(kept, cols, seen, &anchors, fault, words.as_mut(), out)?;
        html::write_table_end(out)?;
        if let Some(w) = &words {
            html::write_word_styles(&w.texts, out)?;
        }
        prepared.write(head, &names, kept, out)?;
        let fault_text = fault.map(|a| format!("{a:#x}"));
        let marks: Vec<(usize, String)> =
            seen.marks.iter().map(|(i, _, n)| (*i, n.clone())).collect();
        data::write_facts(
            &PageFacts {
                version: env!("CARGO_PKG_VERSION"),
                read_at,
                source: &self.opts.source,
                smaps: if cut { "cut" } else { "full" },
                kept_fields: if cut { &KEPT_FIELDS[..] } else { &[] },
                explained: seen.explained,
                fault: fault_text,
                fault_region: seen.fault_region,
                marks: &marks,
                explain_texts: words.as_ref().map_or(&[][..], |w| &w.texts[..]),
            },
            out,
        )?;
        // The strips are read through the opening the rows came from (`Head::live`).
        if let (true, Some(dir)) = (self.opts.pages, head.live) {
            pages::write_pages(dir, kept, out)?;
        }
        write!(out, "<script>\n{JS}</script>\n</body>\n</html>\n")
    }
}

/// The distinct `--explain` texts of a cut page, each written once (see
/// [`html::write_word_styles`]) however many rows share it.
#[derive(Default)]
struct Words {
    texts: Vec<String>,
    ids: std::collections::HashMap<String, usize>,
}

impl Words {
    fn id(&mut self, text: &str) -> usize {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let i = self.texts.len();
        self.texts.push(text.to_string());
        self.ids.insert(text.to_string(), i);
        i
    }
}

/// The table's rows, from the kept rows, in address order; with `words`, each
/// explanation as a reference to its text.
fn write_rows(
    kept: &mut Kept,
    cols: Columns,
    seen: &Seen,
    anchors: &[u64],
    fault: Option<u64>,
    mut words: Option<&mut Words>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut s = Vec::with_capacity(128 * 1024);
    let mut at = 0usize;
    let mut marks = seen.marks.iter().peekable();
    let fault_note = fault.map(|a| format!("fault address {a:#x}"));
    data::Regions::each(kept, &mut |r, e| {
        while marks.next_if(|m| m.0 < at).is_some() {}
        let mark = marks.peek().filter(|m| m.0 == at).map(|m| m.2.as_str());
        let is_fault = seen.fault_region == Some(at);
        let word = match (&mut words, e) {
            (Some(w), Some(e)) => Some(w.id(&e.text)),
            _ => None,
        };
        let x = RowExtras {
            explain: if word.is_some() { None } else { e },
            word,
            note: if is_fault {
                fault_note.as_deref()
            } else {
                mark
            },
            fault: is_fault,
            anchor: anchors.binary_search(&r.start).is_ok(),
        };
        html::push_row(&mut s, r, cols, &x);
        at += 1;
        if s.len() >= 64 * 1024 {
            out.write_all(&s)?;
            s.clear();
        }
        Ok(())
    })?;
    out.write_all(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stylesheet and the script sit inside `<style>` and `<script>` elements: none of
    /// the sequences that end those elements, or change how HTML reads them, may appear.
    #[test]
    fn the_assets_cannot_end_their_elements() {
        for (name, text) in [("page.js", JS), ("page.css", html::CSS)] {
            let lower = text.to_ascii_lowercase();
            for bad in ["</script", "<script", "<!--", "</style"] {
                assert!(!lower.contains(bad), "{name} holds {bad}");
            }
        }
    }
}
