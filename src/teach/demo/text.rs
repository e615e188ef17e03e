//! The demo's account of a mapping ([`Account`]) as the prose a person reads, wrapped to
//! the terminal: what was mapped where, what was resident before and after, the page
//! faults and why the kernel made resident what it did — fault-around, readahead, holes
//! — as this kernel really does it (see `shared/DESIGN.md`'s demand-paging facts).

use std::io::{self, Write};

use crate::teach::demo::account::{Account, Preview, hex_lines};
use crate::view::grid::wrap;

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Lines of prose, each wrapped at `width` (when there is one: a terminal, or `--width`)
/// with continuation lines indented; piped, one sentence a line, for grep.
struct Prose<'a> {
    out: &'a mut dyn Write,
    width: Option<usize>,
}

impl Prose<'_> {
    /// A line indented by `indent` spaces, wrapped; continuation lines by two more.
    fn say(&mut self, indent: usize, text: &str) -> io::Result<()> {
        let Some(width) = self.width else {
            return writeln!(self.out, "{}{text}", " ".repeat(indent));
        };
        let room = width.saturating_sub(indent + 2).max(20);
        for (i, l) in wrap(text, room).iter().enumerate() {
            let lead = if i == 0 { indent } else { indent + 2 };
            writeln!(self.out, "{}{l}", " ".repeat(lead))?;
        }
        Ok(())
    }
}

/// Why the kernel made resident what it did, in a few sentences.
fn paging_notes(a: &Account) -> Vec<String> {
    let mut notes = Vec::new();
    let page_kb = (a.page_size / 1024).max(1);
    let resident_pages = a.resident_after_kb / page_kb;
    let (read, minor, major) = (a.pages_read, a.faults.minor, a.faults.major);
    if a.resident_before_kb > 0
        && a.resident_after_kb == a.resident_before_kb
        && read > 0
        && minor + major == 0
    {
        notes.push("no fault at all: every page was already resident".to_string());
        return notes;
    }
    if major > 0 {
        let cached = a.cached_before.map_or(String::new(), |c| {
            format!(" ({c} of {} pages were cached before)", a.pages)
        });
        if a.holes_read >= read && read > 0 {
            notes.push(format!(
                "{}: the pages were not in the page cache{cached}, but they are holes in a sparse file: no data is on the disk there, so the kernel made pages of zeros without reading anything",
                plural(major, "major fault")
            ));
        } else if a.holes_read > 0 {
            notes.push(format!(
                "{}: the pages were not in the page cache{cached}; the kernel read the ones with data from the disk (readahead bringing the pages after them in the same trip) and made zeros for the {} in holes of the sparse file",
                plural(major, "major fault"),
                plural(a.holes_read, "page")
            ));
        } else {
            notes.push(format!(
                "{}: the data was not in the page cache{cached}, so the kernel read it from the disk, and readahead read the pages after it in the same trip",
                plural(major, "major fault")
            ));
        }
    }
    if resident_pages > read && a.resident_before_kb == 0 && read > 0 {
        notes.push(format!(
            "fault-around: {} read, {resident_pages} resident. On a fault the kernel also maps the neighbouring pages already in the page cache: up to 16 (64 kB, fault_around_bytes), more when the file's pages are held in larger folios, fewer at the mapping's ends or at a page table's (2 MiB) edge",
            plural(read, "page")
        ));
    } else if read > 0 && minor + major > 0 && minor + major < read {
        notes.push(format!(
            "{} read with only {}: on each fault the kernel also mapped the neighbouring pages already in the page cache (fault-around)",
            plural(read, "page"),
            plural(minor + major, "page fault")
        ));
    }
    notes
}

/// Print the account of one mapping.
pub fn write_account(
    a: &Account,
    pid: u32,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut p = Prose { out, width };
    let reserved_kb = a.pages * a.page_size / 1024;
    p.say(
        0,
        &format!("vasmap (pid {pid}) mapped {} {}:", a.path, a.mapping),
    )?;
    p.say(
        2,
        &format!(
            "at {}-{}: {} of file in {} of {} bytes ({reserved_kb} kB reserved)",
            a.start,
            a.end,
            plural(a.file_bytes, "byte"),
            plural(a.pages, "page"),
            a.page_size
        ),
    )?;
    if a.mapped_bytes < a.file_bytes {
        p.say(
            2,
            &format!(
                "(only the first {} MiB are mapped: that is all --write writes to)",
                a.mapped_bytes >> 20
            ),
        )?;
    }
    match a.populate_faults {
        Some(f) => p.say(
            2,
            &format!(
                "resident before reading: {} kB of {reserved_kb} kB (MAP_POPULATE faulted the pages in inside mmap: {} minor, {} major faults)",
                a.resident_before_kb, f.minor, f.major
            ),
        )?,
        None => p.say(
            2,
            &format!(
                "resident before reading: {} kB of {reserved_kb} kB (mmap only reserved the addresses; no page has been read yet)",
                a.resident_before_kb
            ),
        )?,
    }
    write_look(&mut p, a, "before reading")?;
    let what = match a.touch {
        "none" => "nothing read (--touch none)".to_string(),
        "first" => "reading 1 byte of the first page".to_string(),
        _ => format!(
            "reading 1 byte of each page ({})",
            plural(a.pages_read, "page")
        ),
    };
    p.say(2, &what)?;
    p.say(
        2,
        &format!(
            "resident after reading {}: {} kB of {reserved_kb} kB; page faults: {} minor, {} major",
            plural(a.pages_read, "page"),
            a.resident_after_kb,
            a.faults.minor,
            a.faults.major
        ),
    )?;
    if a.read_limited {
        p.say(2, "(only the first 64 MiB were read: reading every page of a file this large would fill memory with its pages)")?;
    }
    for note in paging_notes(a) {
        p.say(2, &note)?;
    }
    write_look(&mut p, a, "after reading")?;
    if let Some(w) = &a.written {
        if a.mapping.contains("MAP_SHARED") {
            p.say(2, &format!("writing '#' at the start of each page: the mapping is MAP_SHARED, so this changes {} itself", a.path))?;
        } else {
            p.say(2, "writing '#' at the start of each page: the mapping is MAP_PRIVATE, so each written page is copied first (copy-on-write) and the file is not changed")?;
        }
        p.say(
            2,
            &format!(
                "after writing {}: {} kB dirty ({} kB private dirty, {} kB anonymous); page faults: {} minor, {} major",
                plural(w.pages, "page"),
                w.dirty_kb,
                w.private_dirty_kb,
                w.anonymous_kb,
                w.faults.minor,
                w.faults.major
            ),
        )?;
        if a.mapping.contains("MAP_SHARED") {
            if w.private_dirty_kb > 0 {
                p.say(2, "(smaps says \"private\" dirty when no other process maps the page: not MAP_PRIVATE)")?;
            }
            p.say(2, &format!("the file now has '#' at the start of {} (read back with pread); the kernel writes the dirty pages to disk later", plural(w.file_pages_changed, "page")))?;
        } else if w.file_pages_changed == 0 {
            p.say(2, "the file is unchanged (read back with pread): the written pages are this process's own anonymous copies")?;
        } else {
            p.say(
                2,
                &format!(
                    "the file changed at {} while vasmap ran: another process wrote to it",
                    plural(w.file_pages_changed, "page")
                ),
            )?;
        }
        write_look(&mut p, a, "after writing")?;
    }
    if let Some((len, at, caught)) = &a.truncated {
        let how = if *caught {
            "touching it raised SIGBUS (the kernel has no file data to map there); vasmap caught the signal, put a page of zeros there and stopped"
        } else {
            "touching it would raise SIGBUS (the kernel has no file data to map there), so vasmap stopped there"
        };
        p.say(2, &format!("the file was cut to {} after it was mapped: the page at {at} is past its new end, and {how}", plural(*len, "byte")))?;
    }
    let how = if a.read_with == "pread" {
        "the file's first bytes, read with pread (not through the mapping, which would fault its pages in):"
    } else {
        "the file's bytes, read through the mapping:"
    };
    p.say(2, how)?;
    match &a.preview {
        Preview::Text { lines, more_bytes } => {
            for l in lines {
                match width {
                    Some(w) => {
                        let l = crate::view::grid::shorten_middle(l, w.saturating_sub(4).max(20));
                        writeln!(p.out, "  | {l}")?;
                    }
                    None => writeln!(p.out, "  | {l}")?,
                }
            }
            if *more_bytes > 0 {
                p.say(
                    2,
                    &format!("... ({} more not shown)", plural(*more_bytes, "byte")),
                )?;
            }
        }
        Preview::Hex { bytes, more_bytes } => {
            p.say(2, "(not text: the first bytes in hex)")?;
            for l in hex_lines(bytes) {
                writeln!(p.out, "  | {l}")?;
            }
            if *more_bytes > 0 {
                p.say(
                    2,
                    &format!("... ({} more not shown)", plural(*more_bytes, "byte")),
                )?;
            }
        }
    }
    if let Some((from, to, zero)) = a.tail {
        if zero {
            p.say(2, &format!("bytes {from} to {to} of the last page read as zeros: mmap maps whole pages, and the kernel fills the part past the end of the file with zeros (the article's loop, which stops at a '0' byte, runs on into them)"))?;
        } else {
            p.say(2, &format!("bytes {from} to {to} of the last page are not all zeros: the file grew, or another process wrote to it, while vasmap read it"))?;
        }
    }
    writeln!(p.out)
}

fn write_look(p: &mut Prose, a: &Account, when: &str) -> io::Result<()> {
    if let Some(l) = a.looks.iter().find(|l| l.when == when)
        && !l.strip.is_empty()
    {
        p.out.write_all(l.strip.as_bytes())?;
    }
    Ok(())
}
