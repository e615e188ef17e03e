//! `vasmap layout`: a picture of a whole address space, high addresses at the top.
//!
//! Neighbouring mappings of one file or one kind are drawn as one row (`libc.so.6 ×5`);
//! unmapped gaps are drawn collapsed with their size, since they are most of a 47-bit
//! space. When a process has more rows than fit (`max_rows`), neighbouring rows of the
//! same category merge (`42 libraries: ...`), then any neighbouring rows outside the
//! landmarks (program, heap, stack, loader, vdso, vvar, vsyscall). The same rows are drawn
//! as text ([`render_text`]) or as SVG ([`render_svg`]).

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::model::{Kind, Region, Snapshot};
use crate::text::escape_text;

/// How the picture is drawn.
#[derive(Debug, Clone)]
pub struct LayoutOptions {
    /// Total width of a text line, in columns (at least 60).
    pub width: usize,
    /// ANSI colours by permission (for a terminal).
    pub color: bool,
    /// Merge rows until at most this many remain (blocks and gaps), when possible.
    pub max_rows: usize,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            width: 80,
            color: false,
            max_rows: 48,
        }
    }
}

/// How a block is coloured: by its most powerful permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermClass {
    Exec,
    Write,
    Read,
    None,
}

/// Which way a region grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    Up,
    Down,
}

/// One or more neighbouring mappings drawn as one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub start: u64,
    pub end: u64,
    /// Bytes actually mapped (the span less any small gaps inside it).
    pub mapped: u64,
    /// How many mappings the row stands for.
    pub count: usize,
    /// The kind (or category) word: `library`, `thread stacks`, `heap`...
    pub label: String,
    /// What is mapped: `libc.so.6 ×5`, `[stack]`, `42 libraries: libc.so.6, ...`.
    pub name: String,
    /// `r-xp` for one mapping or several with the same permissions, else `mixed`.
    pub perms: String,
    pub class: PermClass,
    pub grows: Option<Growth>,
    landmark: bool,
    category: &'static str,
    /// For merged rows: how many mappings of each category, for the summary name.
    parts: Vec<(&'static str, usize)>,
}

/// One row of the picture, top (high addresses) to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Block(Block),
    /// Unmapped space between two rows; `note` says what grows into it, or what it is.
    Gap {
        size: u64,
        note: String,
    },
    /// The top of user space: `bits`-bit addresses.
    Top {
        addr: u64,
        bits: u32,
    },
}

/// A size in bytes as `4K`, `1.9M`, `128T`, `16E`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "K", "M", "G", "T", "P", "E"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    let one = format!("{v:.1}");
    if u == 0 || v >= 100.0 || one.ends_with(".0") {
        format!("{:.0}{}", v.round(), UNITS[u])
    } else {
        format!("{one}{}", UNITS[u])
    }
}

/// Which rows group together at the first level.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    File(u32, u32, u64, Vec<u8>),
    Threads,
    Anon,
    Kind(&'static str),
}

fn is_file_kind(k: Kind) -> bool {
    matches!(
        k,
        Kind::Program
            | Kind::Loader
            | Kind::Library
            | Kind::File
            | Kind::DeletedFile
            | Kind::Memfd
            | Kind::SysvShm { .. }
    )
}

fn key_of(regions: &[Region], i: usize) -> Key {
    let r = &regions[i];
    match r.kind {
        Kind::ThreadStack { .. } => Key::Threads,
        Kind::Guard
            if regions.get(i + 1).is_some_and(|n| {
                n.start == r.end && matches!(n.kind, Kind::ThreadStack { .. })
            }) =>
        {
            Key::Threads
        }
        Kind::Anon | Kind::Guard => Key::Anon,
        k if is_file_kind(k) && r.inode != 0 => {
            Key::File(r.dev_major, r.dev_minor, r.inode, r.name.clone())
        }
        k => Key::Kind(k.key()),
    }
}

/// The category a row merges under at the second level.
fn category(k: Kind) -> &'static str {
    match k {
        Kind::Library => "libraries",
        Kind::File | Kind::DeletedFile => "files",
        Kind::ThreadStack { .. } => "thread stacks",
        Kind::Anon | Kind::NamedAnon | Kind::Guard => "anon",
        Kind::Memfd | Kind::SysvShm { .. } | Kind::SharedAnon => "shared memory",
        _ => "other",
    }
}

fn is_landmark(k: Kind) -> bool {
    matches!(
        k,
        Kind::Program
            | Kind::Heap
            | Kind::Stack
            | Kind::Loader
            | Kind::Vdso
            | Kind::Vvar
            | Kind::Vsyscall
    )
}

fn class_of(read: bool, write: bool, exec: bool) -> PermClass {
    if exec {
        PermClass::Exec
    } else if write {
        PermClass::Write
    } else if read {
        PermClass::Read
    } else {
        PermClass::None
    }
}

/// Gaps smaller than this are absorbed into a row of one file or kind.
const SMALL_GAP: u64 = 2 << 20;
/// Gaps at least this large always stay visible, even when rows are merged.
const BIG_GAP: u64 = 1 << 30;

fn block_of(regions: &[Region], key: &Key) -> Block {
    let first = &regions[0];
    let last = &regions[regions.len() - 1];
    let count = regions.len();
    let mapped = regions.iter().map(Region::size).sum();
    let same_perms = regions.iter().all(|r| r.perms == first.perms);
    let perms = if same_perms {
        first.perms.to_maps_string()
    } else {
        "mixed".to_string()
    };
    let any = |f: fn(&Region) -> bool| regions.iter().any(f);
    let class = class_of(
        any(|r| r.perms.read),
        any(|r| r.perms.write),
        any(|r| r.perms.exec),
    );
    let times = if count > 1 {
        format!(" ×{count}")
    } else {
        String::new()
    };
    let (label, name) = match key {
        Key::Threads => {
            let stacks: Vec<i32> = regions
                .iter()
                .filter_map(|r| match r.kind {
                    Kind::ThreadStack { tid } => Some(tid),
                    _ => None,
                })
                .collect();
            let name = match stacks.as_slice() {
                [tid] if count == 1 => format!("thread {tid}"),
                [tid] => format!("thread {tid} + guard"),
                _ => format!("{} threads, with guards", stacks.len()),
            };
            ("thread stack".to_string(), name)
        }
        Key::Anon => {
            let label = if regions.iter().all(|r| r.kind == Kind::Guard) {
                "guard"
            } else {
                "anon"
            };
            let name = if count > 1 {
                format!("({count} mappings)")
            } else {
                String::new()
            };
            (label.to_string(), name)
        }
        _ => {
            let name = crate::view::table::display_name(first, false);
            (first.kind.label().to_string(), format!("{name}{times}"))
        }
    };
    let grows = match first.kind {
        Kind::Heap => Some(Growth::Up),
        Kind::Stack => Some(Growth::Down),
        _ => None,
    };
    let category = category(first.kind);
    Block {
        start: first.start,
        end: last.end,
        mapped,
        count,
        label,
        name,
        perms,
        class,
        grows,
        landmark: regions.iter().any(|r| is_landmark(r.kind)),
        category,
        parts: vec![(category, count)],
    }
}

/// Merge neighbouring blocks into one summary row.
fn merge(blocks: &[Block], same_category: bool) -> Block {
    let first = &blocks[0];
    let last = &blocks[blocks.len() - 1];
    let count = blocks.iter().map(|b| b.count).sum();
    let mapped = blocks.iter().map(|b| b.mapped).sum();
    let mut parts: Vec<(&'static str, usize)> = Vec::new();
    for b in blocks {
        for &(c, n) in &b.parts {
            match parts.iter_mut().find(|(pc, _)| *pc == c) {
                Some(p) => p.1 += n,
                None => parts.push((c, n)),
            }
        }
    }
    let perms = if blocks.iter().all(|b| b.perms == first.perms) {
        first.perms.clone()
    } else {
        "mixed".to_string()
    };
    let class = blocks
        .iter()
        .map(|b| b.class)
        .min_by_key(|c| *c as u8)
        .unwrap_or(PermClass::None);
    let (label, name) = if same_category {
        let names: Vec<&str> = blocks
            .iter()
            .map(|b| b.name.split(" ×").next().unwrap_or(""))
            .filter(|n| !n.is_empty())
            .collect();
        let label = match first.category {
            "libraries" => "libraries",
            "files" => "files",
            "thread stacks" => "thread stacks",
            "shared memory" => "shared mem",
            "anon" => "anon",
            _ => "other",
        };
        let name = if names.is_empty() {
            format!("{count} mappings")
        } else {
            format!("{} {}: {}", blocks.len(), first.category, names.join(", "))
        };
        (label.to_string(), name)
    } else {
        let list: Vec<String> = parts.iter().map(|(c, n)| format!("{n} {c}")).collect();
        (
            "mixed".to_string(),
            format!("{count} mappings: {}", list.join(", ")),
        )
    };
    Block {
        start: first.start,
        end: last.end,
        mapped,
        count,
        label,
        name,
        perms,
        class,
        grows: None,
        landmark: false,
        category: if same_category {
            first.category
        } else {
            "mixed"
        },
        parts,
    }
}

/// Merge runs of neighbouring blocks that are neither landmarks nor `keep`, when the
/// gaps between them are under [`BIG_GAP`] (and, with `same_category`, when they are of
/// one category).
fn merge_runs(
    blocks: Vec<Block>,
    same_category: bool,
    keep: &dyn Fn(&Block) -> bool,
) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut run: Vec<Block> = Vec::new();
    let flush = |run: &mut Vec<Block>, out: &mut Vec<Block>| match run.len() {
        0 => {}
        1 => out.append(run),
        _ => {
            out.push(merge(run, same_category));
            run.clear();
        }
    };
    for b in blocks {
        let fixed = b.landmark || keep(&b);
        let joins = !fixed
            && run.last().is_some_and(|p: &Block| {
                b.start.saturating_sub(p.end) < BIG_GAP
                    && (!same_category || p.category == b.category)
            });
        if !joins {
            flush(&mut run, &mut out);
        }
        if fixed {
            out.push(b);
        } else {
            run.push(b);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Merge until the picture fits `max_rows`: first neighbours of one category, then
/// everything but the largest blocks, keeping as many of those as fit.
fn fit_rows(blocks: Vec<Block>, max_rows: usize) -> Vec<Block> {
    if row_count(&blocks) <= max_rows {
        return blocks;
    }
    let blocks = merge_runs(blocks, true, &|_| false);
    if row_count(&blocks) <= max_rows {
        return blocks;
    }
    let mut sizes: Vec<u64> = blocks
        .iter()
        .filter(|b| !b.landmark)
        .map(|b| b.mapped)
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let mut keep = sizes.len();
    loop {
        // Keep the `keep` largest: those at least as large as the keep-th size.
        let threshold = if keep == 0 { u64::MAX } else { sizes[keep - 1] };
        let merged = merge_runs(blocks.clone(), false, &|b| b.mapped >= threshold);
        if keep == 0 || row_count(&merged) <= max_rows {
            return merged;
        }
        keep = keep * 2 / 3;
    }
}

/// Rows the blocks make: the blocks plus one gap row per gap (and the top marker).
fn row_count(blocks: &[Block]) -> usize {
    blocks.len() + blocks.windows(2).filter(|w| w[1].start > w[0].end).count()
}

/// The top of user space: the smallest of 47, 48, 56 or 64 bits that holds every
/// mapping but the vsyscall page.
fn user_top(snap: &Snapshot) -> (u64, u32) {
    let highest = snap
        .regions
        .iter()
        .filter(|r| r.kind != Kind::Vsyscall)
        .map(|r| r.end)
        .max()
        .unwrap_or(0);
    for bits in [47u32, 48, 56] {
        if highest <= 1u64 << bits {
            return (1u64 << bits, bits);
        }
    }
    (u64::MAX, 64)
}

/// The rows of the picture, top to bottom.
pub fn rows(snap: &Snapshot, opts: &LayoutOptions) -> Vec<Row> {
    let regions = &snap.regions;
    // Level 1: neighbouring mappings of one file or kind.
    let mut blocks: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < regions.len() {
        let key = key_of(regions, i);
        let mut j = i + 1;
        while j < regions.len()
            && regions[j].start.saturating_sub(regions[j - 1].end) < SMALL_GAP
            && key_of(regions, j) == key
        {
            j += 1;
        }
        blocks.push(block_of(&regions[i..j], &key));
        i = j;
    }
    // Levels 2 and 3, only while the picture is too tall.
    let blocks = fit_rows(blocks, opts.max_rows);
    // Top to bottom, with the gaps and the top of user space between.
    let (top, bits) = user_top(snap);
    let mut out = Vec::with_capacity(blocks.len() * 2 + 2);
    let mut above: Option<&Block> = None;
    for b in blocks.iter().rev() {
        if let Some(a) = above {
            let gap_lo = b.end;
            let gap_hi = a.start;
            if a.start >= top && b.end <= top {
                if gap_hi > top {
                    out.push(Row::Gap {
                        size: gap_hi - top,
                        note: "kernel space: never mapped for programs".to_string(),
                    });
                }
                out.push(Row::Top { addr: top, bits });
                if top > gap_lo {
                    out.push(gap_row(top - gap_lo, a, b));
                }
            } else if gap_hi > gap_lo {
                out.push(gap_row(gap_hi - gap_lo, a, b));
            }
        } else if b.end <= top && top < u64::MAX {
            out.push(Row::Top { addr: top, bits });
            if top > b.end {
                out.push(gap_row(top - b.end, b, b));
            }
        }
        out.push(Row::Block(b.clone()));
        above = Some(b);
    }
    out
}

/// A gap row, noting a stack above it or a heap below it growing into it.
fn gap_row(size: u64, above: &Block, below: &Block) -> Row {
    let mut notes = Vec::new();
    if above.grows == Some(Growth::Down) && above.start != below.start {
        notes.push("↓ the stack grows down into this");
    }
    if below.grows == Some(Growth::Up) {
        notes.push("↑ the heap grows up into this");
    }
    Row::Gap {
        size,
        note: notes.join("; "),
    }
}

/// Cut `s` to at most `width` columns, ending in `…` when cut; pad to `width`.
fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if s.width() <= width {
        out.push_str(s);
        used = s.width();
    } else {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Centre `s` in `width` columns.
fn centre(s: &str, width: usize) -> String {
    let w = s.width().min(width);
    let left = (width - w) / 2;
    let mut out = " ".repeat(left);
    out.push_str(&fit(s, width - left));
    out
}

fn ansi(class: PermClass) -> &'static str {
    match class {
        PermClass::Exec => "\x1b[31m",
        PermClass::Write => "\x1b[32m",
        PermClass::Read => "\x1b[36m",
        PermClass::None => "\x1b[2m",
    }
}

const RESET: &str = "\x1b[0m";
const ADDR: usize = 16;

/// The label with its growth arrow.
fn label_of(b: &Block) -> String {
    match b.grows {
        Some(Growth::Up) => format!("{} ↑", b.label),
        Some(Growth::Down) => format!("{} ↓", b.label),
        None => b.label.clone(),
    }
}

/// Print the picture as text.
pub fn render_text(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    let width = opts.width.max(60);
    // "ADDR  │ inner │"
    let inner = width - ADDR - 4;
    let rows = rows(snap, opts);
    let t = snap.totals();
    let p = &snap.process;
    let who = if p.pid > 0 {
        format!("{}: ", p.pid)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}",
        fit(&format!("{who}{}", escape_text(&p.cmdline, false)), width).trim_end()
    )?;
    writeln!(
        out,
        "{} mappings, {} mapped",
        t.regions,
        human_bytes(t.size_kb * 1024)
    )?;
    writeln!(
        out,
        "{}",
        fit(
            "high addresses at the top; each row starts at the address on its left",
            width
        )
        .trim_end()
    )?;
    let pad = " ".repeat(ADDR + 2);
    writeln!(out, "{pad}┌{}┐", "─".repeat(inner))?;
    for row in &rows {
        match row {
            Row::Block(b) => {
                // " label(13) name(*) size(6) perms(5) "
                let name_w = inner.saturating_sub(1 + 13 + 1 + 1 + 6 + 1 + 5 + 1);
                let text = format!(
                    " {} {} {:>6} {} ",
                    fit(&label_of(b), 13),
                    fit(&b.name, name_w),
                    human_bytes(b.mapped),
                    fit(&b.perms, 5)
                );
                if opts.color {
                    writeln!(out, "{:016x}  │{}{text}{RESET}│", b.start, ansi(b.class))?;
                } else {
                    writeln!(out, "{:016x}  │{text}│", b.start)?;
                }
            }
            Row::Gap { size, note } => {
                let text = if note.is_empty() {
                    format!("{} unmapped", human_bytes(*size))
                } else {
                    format!("{} unmapped  {note}", human_bytes(*size))
                };
                writeln!(out, "{pad}┆{}┆", centre(&text, inner))?;
            }
            Row::Top { addr, bits } => {
                let mut text = format!(
                    " top of user space ({bits}-bit addresses, {}) ",
                    human_bytes(*addr)
                );
                if text.width() + 3 > inner {
                    text = format!(" top of user space, {} ", human_bytes(*addr));
                }
                if text.width() + 3 > inner {
                    text = fit(&text, inner.saturating_sub(3));
                }
                let rest = inner.saturating_sub(text.width() + 3);
                writeln!(out, "{:016x}  ╞═══{text}{}╡", addr, "═".repeat(rest))?;
            }
        }
    }
    writeln!(out, "{pad}└{}┘", "─".repeat(inner))?;
    writeln!(
        out,
        "{}",
        fit(
            "0000000000000000  address 0: never mapped, so a NULL pointer faults",
            width
        )
        .trim_end()
    )?;
    if opts.color {
        writeln!(
            out,
            "colours: {}code (x){RESET}  {}writable{RESET}  {}read-only{RESET}  {}no access{RESET}",
            ansi(PermClass::Exec),
            ansi(PermClass::Write),
            ansi(PermClass::Read),
            ansi(PermClass::None)
        )?;
    }
    Ok(())
}

/// Escape text for XML.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
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

/// Write the same picture as an SVG document.
pub fn render_svg(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    const W: u32 = 820;
    const X: u32 = 150;
    const BOX: u32 = 640;
    const BLOCK_H: u32 = 24;
    const GAP_H: u32 = 20;
    const TOP: u32 = 50;
    let rows = rows(snap, opts);
    let height = TOP
        + rows
            .iter()
            .map(|r| match r {
                Row::Block(_) => BLOCK_H,
                Row::Gap { .. } => GAP_H,
                Row::Top { .. } => 6,
            })
            .sum::<u32>()
        + 40;
    let p = &snap.process;
    let t = snap.totals();
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="monospace" font-size="12">"#
    )?;
    writeln!(out, r#"<rect width="{W}" height="{height}" fill="white"/>"#)?;
    let who = if p.pid > 0 {
        format!("{}: ", p.pid)
    } else {
        String::new()
    };
    writeln!(
        out,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        xml(&format!("{who}{}", escape_text(&p.cmdline, false)))
    )?;
    writeln!(
        out,
        r#"<text x="10" y="38">{}</text>"#,
        xml(&format!(
            "{} mappings, {} mapped; high addresses at the top",
            t.regions,
            human_bytes(t.size_kb * 1024)
        ))
    )?;
    let mut y = TOP;
    for row in &rows {
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
                    xml(&b.perms)
                )?;
                y += BLOCK_H;
            }
            Row::Gap { size, note } => {
                writeln!(
                    out,
                    r##"<rect x="{X}" y="{y}" width="{BOX}" height="{GAP_H}" fill="none" stroke="#999" stroke-dasharray="4 3"/>"##
                )?;
                let text = if note.is_empty() {
                    format!("{} unmapped", human_bytes(*size))
                } else {
                    format!("{} unmapped  {note}", human_bytes(*size))
                };
                writeln!(
                    out,
                    r##"<text x="{}" y="{}" text-anchor="middle" fill="#666" font-style="italic">{}</text>"##,
                    X + BOX / 2,
                    y + 14,
                    xml(&text)
                )?;
                y += GAP_H;
            }
            Row::Top { addr, bits } => {
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
                    xml(&format!(
                        "top of user space ({bits}-bit, {})",
                        human_bytes(*addr)
                    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_ls_h() {
        assert_eq!(human_bytes(4096), "4K");
        assert_eq!(human_bytes(1 << 47), "128T");
        assert_eq!(human_bytes(0xffff_ffff_ff60_0000 - (1 << 47)), "16E");
        assert_eq!(human_bytes(1_992_294), "1.9M");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn fit_cuts_wide_text_to_its_columns() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("日本語テキスト", 6).width(), 6);
    }
}
