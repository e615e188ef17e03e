//! The data the page's script draws from, embedded in two `<script type="application/json">`
//! elements: `vasmap-data`, a `--json` document (the schema of docs/vasmap.schema.json,
//! written by [`JsonView`], so it is exactly what `vasmap --json` gives), and
//! `vasmap-page`, what the page adds ([`PageFacts`]: when it was made, the marks, a core's
//! fault address, and how the data was cut).
//!
//! **Inside a `<script>` element** the HTML parser looks only for `</script` (and, after a
//! `<!--`, changes how it looks), so a name holding `</script>` would end the element and
//! the rest of the name would be read as HTML. In JSON a `<` can only stand inside a
//! string, where `\u003c` means the same character: [`ScriptSafe`] writes every `<` that
//! way, and neither sequence can appear.
//!
//! **Size.** The full document carries every smaps figure of every mapping: about 700
//! bytes a mapping, 40 MB for 60,000. It is embedded whole while it stays under
//! [`FULL_BUDGET`] (most processes: a few hundred mappings); past that, each region keeps
//! only the figures the page shows ([`KEPT_FIELDS`]), no `vm_flags`, and an `explain`
//! object only where it lists ELF sections (the words are in the table's column). The
//! document still follows the schema (`smaps` holds what was kept; the totals are over
//! every figure), and the page says so in its header.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::{Explanation, Region};
use crate::view::Head;
use crate::view::json::JsonView;

/// The largest `--json` document embedded with every smaps figure.
pub const FULL_BUDGET: usize = 3 << 20;

/// The smaps fields a cut document keeps: the table's RSS, PSS, Dirty and Swap columns.
pub const KEPT_FIELDS: [&str; 5] = ["Rss", "Pss", "Shared_Dirty", "Private_Dirty", "Swap"];

/// A writer that turns every `<` into `\u003c` (see the module docs).
pub struct ScriptSafe<'a>(pub &'a mut dyn Write);

impl Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while let Some(i) = memchr::memchr(b'<', buf) {
            self.0.write_all(&buf[..i])?;
            self.0.write_all(b"\\u003c")?;
            buf = &buf[i + 1..];
        }
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A `Vec` that refuses to grow past a budget: the full document is tried in it first.
struct Capped {
    buf: Vec<u8>,
    cap: usize,
    /// A write was refused for the budget.
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.buf.len() + buf.len() > self.cap {
            self.over = true;
            return Err(io::Error::other("over the page's budget"));
        }
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the page adds to the `--json` document (the `vasmap-page` element).
#[derive(Debug, Serialize)]
pub struct PageFacts<'a> {
    /// The vasmap that made the page.
    pub version: &'static str,
    /// When the address space was read (RFC 3339, UTC).
    pub read_at: &'a str,
    /// Where it was read from, in words.
    pub source: &'a str,
    /// `full`, or `cut` (see the module docs).
    pub smaps: &'static str,
    /// The smaps fields each region keeps when `cut`.
    pub kept_fields: &'a [&'a str],
    /// The regions carry `--explain`'s words (`explain` objects, or the table's column).
    pub explained: bool,
    /// A core dump's fault address (hex), and the index of the region holding it.
    pub fault: Option<String>,
    pub fault_region: Option<usize>,
    /// (region index, note): the demo's own mappings.
    pub marks: &'a [(usize, String)],
    /// In a cut page, the distinct `--explain` texts: a row's cell has class `eN` for
    /// text N (drawn by a style rule, and filled in by the script).
    pub explain_texts: &'a [String],
}

/// The regions to embed, one at a time (re-read from where the view keeps them).
pub trait Regions {
    /// Call `each` with every region and its explanation, in order.
    fn each(
        &mut self,
        each: &mut dyn FnMut(&Region, Option<&Explanation>) -> io::Result<()>,
    ) -> io::Result<()>;
}

/// How the regions went into the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedded {
    Full,
    Cut,
}

/// The ids of the kept fields in `names`.
fn kept_ids(names: &[String]) -> Vec<u16> {
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| KEPT_FIELDS.contains(&n.as_str()))
        .map(|(i, _)| i as u16)
        .collect()
}

/// One `--json` document of `regions`, whole or cut.
fn document(
    head: &Head,
    names: &[String],
    how: Embedded,
    regions: &mut dyn Regions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut view = JsonView::of(head);
    view.header(names, out)?;
    let kept = kept_ids(names);
    let mut cut = Region::blank();
    regions.each(&mut |r, e| {
        let (r, e) = match how {
            Embedded::Full => (r, e),
            Embedded::Cut => {
                cut.clone_from(r);
                if let Some(s) = &mut cut.smaps {
                    s.fields.retain(|(id, _)| kept.contains(id));
                    s.vm_flags.clear();
                    s.has_vm_flags = false;
                }
                (&cut, e.filter(|e| !e.sections.is_empty()))
            }
        };
        match e {
            Some(e) => view.region_explained(r, names, e, out),
            None => view.region(r, names, out),
        }
    })?;
    view.finish(out)
}

/// The `vasmap-data` element's document, decided before the page is written (its header
/// says when the data was cut).
pub enum Prepared {
    /// The whole document, under the budget.
    Full(Vec<u8>),
    /// No budget (`--full`): the whole document is written from the rows as it goes.
    Whole,
    /// Over the budget: the cut document is written from the rows again.
    Cut,
}

/// Try the whole document within `budget` bytes.
pub fn prepare(
    head: &Head,
    names: &[String],
    budget: usize,
    regions: &mut dyn Regions,
) -> io::Result<Prepared> {
    if budget == usize::MAX {
        return Ok(Prepared::Whole);
    }
    let mut full = Capped {
        buf: Vec::new(),
        cap: budget,
        over: false,
    };
    match document(head, names, Embedded::Full, regions, &mut full) {
        Ok(()) => Ok(Prepared::Full(full.buf)),
        Err(_) if full.over => Ok(Prepared::Cut),
        // Not the budget: the rows could not be read back (a full disk).
        Err(e) => Err(e),
    }
}

impl Prepared {
    /// Whole or cut.
    pub fn how(&self) -> Embedded {
        match self {
            Prepared::Full(_) | Prepared::Whole => Embedded::Full,
            Prepared::Cut => Embedded::Cut,
        }
    }

    /// Write the `vasmap-data` element.
    pub fn write(
        &self,
        head: &Head,
        names: &[String],
        regions: &mut dyn Regions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        out.write_all(b"<script type=\"application/json\" id=\"vasmap-data\">\n")?;
        match self {
            Prepared::Full(doc) => ScriptSafe(out).write_all(doc)?,
            Prepared::Whole => {
                document(head, names, Embedded::Full, regions, &mut ScriptSafe(out))?
            }
            Prepared::Cut => document(head, names, Embedded::Cut, regions, &mut ScriptSafe(out))?,
        }
        out.write_all(b"</script>\n")
    }
}

/// Write the `vasmap-page` element.
pub fn write_facts(facts: &PageFacts, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"<script type=\"application/json\" id=\"vasmap-page\">\n")?;
    crate::text::json_to_writer(&mut ScriptSafe(out), facts)
        .map_err(crate::view::json::json_err)?;
    out.write_all(b"\n</script>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_leaves_no_lt_and_means_the_same_json() {
        let mut out = Vec::new();
        let name = "</script><!-- <b>";
        crate::text::json_to_writer(&mut ScriptSafe(&mut out), &name).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('<'), "{text}");
        let back: String = serde_json::from_str(&text).unwrap();
        assert_eq!(back, name);
    }
}
