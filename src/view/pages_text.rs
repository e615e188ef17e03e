//! The words around [`crate::view::pages`]'s strip: a header per mapping (range,
//! permissions, kind, size, escaped name), its counts, and the legend and the notes on
//! what could not be seen, all wrapped to the width the strip was drawn in.
//!
//! Names are escaped with [`crate::text::escape_name`] before anything else; a name wider
//! than the line is broken across lines rather than let out past the width.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::model::Region;
use crate::read::pagemap::{Method, PagesRead, Pfns};
use crate::read::pagestate::PageCounts;
use crate::text::human_kb;
use crate::view::pages::Symbol;

/// `text` cut to `width` columns (with `…` where it was cut).
pub fn clip(text: &str, width: usize) -> String {
    crate::view::grid::shorten_end(text, width)
}

/// `text` in lines of at most `width` columns, broken at spaces where it can be and
/// inside a word where a word alone is too wide. The text's leading spaces are kept;
/// lines after the first start with `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 8);
    let lead = text.len() - text.trim_start_matches(' ').len();
    let mut lines = Vec::new();
    let mut line = text[..lead].to_string();
    let mut w = lead;
    let mut fresh = true;
    for word in text[lead..].split(' ').filter(|w| !w.is_empty()) {
        let ww = word.width();
        if !fresh && w + 1 + ww > width {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            w = indent;
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            w += 1;
        }
        fresh = false;
        if w + ww <= width {
            line.push_str(word);
            w += ww;
            continue;
        }
        // A word wider than a line: break it by characters.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if w + cw > width {
                lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
                w = indent;
            }
            line.push(c);
            w += cw;
        }
    }
    lines.push(line);
    lines
}

/// `text` cut into lines of at most `width` columns by characters (spaces kept as they
/// are: for names), each line after the first starting with `indent` spaces.
pub fn wrap_chars(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 8);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            w = indent;
        }
        line.push(c);
        w += cw;
    }
    lines.push(line);
    lines
}

fn write_wrapped(out: &mut dyn Write, text: &str, width: usize, indent: usize) -> io::Result<()> {
    for l in wrap(text, width, indent) {
        writeln!(out, "{}", l.trim_end())?;
    }
    Ok(())
}

/// `17 pages (68K)`.
fn pages_and_size(pages: u64, page_size: u64) -> String {
    let kb = pages.saturating_mul(page_size) >> 10;
    let unit = if pages == 1 { "page" } else { "pages" };
    format!("{pages} {unit} ({})", human_kb(kb))
}

/// The lines above a mapping's strip: range, permissions, kind, size and name, then how
/// many pages a cell stands for.
pub fn write_header(
    out: &mut dyn Write,
    r: &Region,
    page_size: u64,
    cell_pages: u64,
    width: usize,
) -> io::Result<()> {
    let pages = r.size() / page_size.max(1);
    let name = r.escape_name_part(&r.name);
    let head = format!(
        "{:x}-{:x} {} {} {}",
        r.start,
        r.end,
        r.perms.to_maps_string(),
        r.kind.describe(),
        pages_and_size(pages, page_size)
    );
    if name.is_empty() {
        write_wrapped(out, &head, width, 2)?;
    } else if head.width() + 1 + name.width() <= width {
        writeln!(out, "{head} {name}")?;
    } else {
        write_wrapped(out, &head, width, 2)?;
        for l in wrap_chars(&format!("  {name}"), width, 2) {
            writeln!(out, "{l}")?;
        }
    }
    if cell_pages > 1 {
        writeln!(
            out,
            "  one cell = {}",
            pages_and_size(cell_pages, page_size)
        )?;
    }
    Ok(())
}

/// The counts under a strip, and smaps' figures beside them when smaps was read.
pub fn write_counts(
    out: &mut dyn Write,
    r: &Region,
    read: &PagesRead,
    page_size: u64,
    width: usize,
) -> io::Result<()> {
    let c = &read.counts;
    write_wrapped(out, &format!("  {}", count_line(c, page_size)), width, 4)?;
    if let Some(k) = &c.kpageflags {
        let text = format!(
            "  kpageflags: {} thp, {} hugetlb, {} compound, {} dirty, {} referenced, {} ksm, \
             {} anon, {} swapbacked",
            k.thp, k.hugetlb, k.compound, k.dirty, k.referenced, k.ksm, k.anon, k.swapbacked
        );
        write_wrapped(out, &text, width, 4)?;
    }
    if let Some(s) = &r.smaps {
        let rss_pages = (s.rss << 10) / page_size.max(1);
        let unit = if rss_pages == 1 { "page" } else { "pages" };
        let mut text = format!(
            "  smaps: Rss {} = {rss_pages} {unit}, Swap {}",
            human_kb(s.rss),
            human_kb(s.swap)
        );
        if c.zero_page.is_some_and(|z| z > 0) {
            // smaps_pte_entry counts only vm_normal_page()s, which the zero page is not.
            text.push_str(" (Rss leaves the zero page out)");
        }
        write_wrapped(out, &text, width, 4)?;
    }
    if read.method == Method::Smaps {
        write_wrapped(
            out,
            "  (not read page by page: this kernel has no PAGEMAP_SCAN, and smaps says \
             nothing of this mapping is resident or swapped)",
            width,
            3,
        )?;
    }
    Ok(())
}

/// `64 pages: 17 present (16 file, 1 anonymous, 0 zero page), 17 exclusive, ...`.
pub fn count_line(c: &PageCounts, page_size: u64) -> String {
    let mut kinds = vec![
        format!("{} file", c.file),
        format!("{} anonymous", c.anonymous),
    ];
    if let Some(z) = c.zero_page {
        kinds.push(format!("{z} zero page"));
    }
    let mut text = format!(
        "{}: {} present ({}), {} exclusive, {} swapped, {} soft-dirty",
        pages_and_size(c.pages, page_size),
        c.present,
        kinds.join(", "),
        c.exclusive,
        c.swapped,
        c.soft_dirty
    );
    if let Some(h) = c.huge.filter(|&h| h > 0) {
        text.push_str(&format!(", {h} in huge pages"));
    }
    if c.uffd_wp > 0 {
        text.push_str(&format!(", {} uffd write-protected", c.uffd_wp));
    }
    if c.no_entry > 0 {
        text.push_str(&format!(", {} without a pagemap entry", c.no_entry));
    }
    text
}

/// The legend: one line for each symbol drawn, most notable first, and what a cell of
/// several pages shows.
pub fn write_legend(
    out: &mut dyn Write,
    used: &[Symbol],
    grouped: bool,
    width: usize,
    color: bool,
) -> io::Result<()> {
    writeln!(out, "Legend:")?;
    for &s in used {
        let sym = crate::view::color::paint_code(&s.char().to_string(), s.sgr(), color);
        // The symbol is one column wide; wrap the words as if it were a plain letter.
        let lines = wrap(&format!("  {} {}", s.char(), s.meaning()), width, 4);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                writeln!(out, "  {sym}{}", l.get(3..).unwrap_or(""))?;
            } else {
                writeln!(out, "{}", l.trim_end())?;
            }
        }
    }
    if grouped {
        let order: String = Symbol::ALL.iter().map(|s| s.char()).collect();
        write_wrapped(
            out,
            &format!(
                "  A cell of several pages shows the most notable of them, in the order {order}."
            ),
            width,
            4,
        )?;
    }
    Ok(())
}

/// What vasmap could not see, said plainly: hidden PFNs, unread kpageflags.
pub fn access_notes(read: &PagesRead) -> Vec<String> {
    let mut notes = Vec::new();
    if !read.pfns.visible() {
        let seen = if matches!(read.pfns, Pfns::Hidden) {
            "present pages read as PFN 0"
        } else {
            "no page was present to show one"
        };
        notes.push(format!(
            "page frame numbers (PFNs) hidden: the kernel shows them only to CAP_SYS_ADMIN, \
             which vasmap lacks ({seen}); run as root to see them"
        ));
    }
    if let Some(why) = read.kpageflags.why_not() {
        notes.push(why);
    }
    notes
}

/// Print the notes of [`access_notes`], one paragraph each.
pub fn write_notes(out: &mut dyn Write, notes: &[String], width: usize) -> io::Result<()> {
    for n in notes {
        write_wrapped(out, &format!("Note: {n}"), width, 2)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_to_the_width() {
        let text = "  a few words and averyveryveryveryveryveryverylongwordthatmustbreak here";
        for width in [20, 30, 60] {
            for l in wrap(text, width, 4) {
                assert!(l.width() <= width, "{l:?} at {width}");
            }
        }
        assert_eq!(wrap("  short", 60, 4), ["  short"]);
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
