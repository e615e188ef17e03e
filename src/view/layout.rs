//! `vasmap layout`: a picture of a whole address space, high addresses at the top.
//!
//! Regions are collapsed as they come ([`Picture`]): neighbouring mappings of one file or
//! one kind become one block (`libc.so.6 ×5`); unmapped gaps are drawn collapsed with
//! their size, since they are most of a 47-bit space. When there are more rows than fit
//! (`max_rows`), neighbouring blocks of the same category merge (`42 libraries: ...`),
//! then any neighbouring blocks outside the landmarks (program, heap, stack, loader,
//! vdso, vvar, vsyscall) but the largest. A process with tens of thousands of mappings
//! keeps at most a few thousand blocks: past [`COMPACT_AT`] the finished part of the
//! picture is merged early the same way. The rows are drawn as text here and as SVG in
//! [`crate::view::layout_svg`].

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::model::{Kind, Region, Snapshot};
use crate::text::escape_text;
use crate::view::{Head, Rows, Stop, View, Wants};

/// How the picture is drawn.
#[derive(Debug, Clone)]
pub struct LayoutOptions {
    /// Total width of a text line, in columns (at least 60).
    pub width: usize,
    /// ANSI colours by permission (for a terminal).
    pub color: bool,
    /// Merge rows until at most this many remain (blocks and gaps), when possible.
    pub max_rows: usize,
    /// Draw SVG instead of text.
    pub svg: bool,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            width: 80,
            color: false,
            max_rows: 48,
            svg: false,
        }
    }
}

/// How a block is coloured: by its most powerful permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
    /// The names of what a merged block holds (at most [`NAMES_KEPT`]), and how many
    /// blocks it merged.
    names: Vec<String>,
    blocks: usize,
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
    /// A mapping the demo marked: a row of its own.
    Marked(u64),
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

/// The key of `r`, given the region after it (a guard right under a thread stack is the
/// stack's).
fn key_of(r: &Region, next: Option<&Region>) -> Key {
    match r.kind {
        Kind::ThreadStack { .. } => Key::Threads,
        Kind::Guard
            if next.is_some_and(|n| {
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
/// Past this many blocks, the finished part of the picture is merged early.
pub const COMPACT_AT: usize = 4096;
/// Names a merged block keeps for its label (the line shows the first few anyway).
const NAMES_KEPT: usize = 8;

/// A block being built from the regions of one key, one at a time.
struct Builder {
    key: Key,
    first: Region,
    end: u64,
    mapped: u64,
    count: usize,
    same_perms: bool,
    read: bool,
    write: bool,
    exec: bool,
    stacks: usize,
    first_tid: i32,
    all_guard: bool,
    landmark: bool,
    mark: Option<String>,
}

impl Builder {
    fn new(r: &Region, key: Key) -> Builder {
        let mut b = Builder {
            key,
            first: r.clone(),
            end: r.end,
            mapped: 0,
            count: 0,
            same_perms: true,
            read: false,
            write: false,
            exec: false,
            stacks: 0,
            first_tid: 0,
            all_guard: true,
            landmark: false,
            mark: None,
        };
        b.add(r);
        b
    }

    fn add(&mut self, r: &Region) {
        self.end = r.end;
        self.mapped = self.mapped.saturating_add(r.size());
        self.count += 1;
        self.same_perms &= r.perms == self.first.perms;
        self.read |= r.perms.read;
        self.write |= r.perms.write;
        self.exec |= r.perms.exec;
        if let Kind::ThreadStack { tid } = r.kind {
            if self.stacks == 0 {
                self.first_tid = tid;
            }
            self.stacks += 1;
        }
        self.all_guard &= r.kind == Kind::Guard;
        self.landmark |= is_landmark(r.kind);
    }

    fn block(self) -> Block {
        let first = &self.first;
        let count = self.count;
        let perms = if self.same_perms {
            first.perms.to_maps_string()
        } else {
            "mixed".to_string()
        };
        let times = if count > 1 {
            format!(" ×{count}")
        } else {
            String::new()
        };
        let (label, base, name) = match self.key {
            Key::Threads => {
                let name = match self.stacks {
                    1 if count == 1 => format!("thread {}", self.first_tid),
                    1 => format!("thread {} + guard", self.first_tid),
                    n => format!("{n} threads, with guards"),
                };
                ("thread stack".to_string(), String::new(), name)
            }
            Key::Anon => {
                let label = if self.all_guard { "guard" } else { "anon" };
                let name = if count > 1 {
                    format!("({count} mappings)")
                } else {
                    String::new()
                };
                (label.to_string(), String::new(), name)
            }
            _ => {
                let base = crate::view::table::display_name(first, false);
                // A nameless mapping (a core's `[vvar]`) counts like anonymous memory.
                let name = if base.is_empty() && count > 1 {
                    format!("({count} mappings)")
                } else {
                    format!("{base}{times}")
                };
                (first.kind.label().to_string(), base, name)
            }
        };
        let grows = match first.kind {
            Kind::Heap => Some(Growth::Up),
            Kind::Stack => Some(Growth::Down),
            _ => None,
        };
        let category = category(first.kind);
        let name = match &self.mark {
            Some(m) => format!("{name}  ◀ {m}"),
            None => name,
        };
        Block {
            start: first.start,
            end: self.end,
            mapped: self.mapped,
            count,
            label,
            names: if base.is_empty() {
                Vec::new()
            } else {
                vec![base]
            },
            name,
            perms,
            class: class_of(self.read, self.write, self.exec),
            grows,
            landmark: self.landmark || self.mark.is_some(),
            category,
            blocks: 1,
            parts: vec![(category, count)],
        }
    }
}

/// Merge neighbouring blocks into one summary row.
fn merge(blocks: &[Block], same_category: bool) -> Block {
    let first = &blocks[0];
    let last = &blocks[blocks.len() - 1];
    let count = blocks.iter().map(|b| b.count).sum();
    let mapped = blocks.iter().fold(0u64, |a, b| a.saturating_add(b.mapped));
    let merged: usize = blocks.iter().map(|b| b.blocks).sum();
    let mut parts: Vec<(&'static str, usize)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for b in blocks {
        for &(c, n) in &b.parts {
            match parts.iter_mut().find(|(pc, _)| *pc == c) {
                Some(p) => p.1 += n,
                None => parts.push((c, n)),
            }
        }
        for n in &b.names {
            if names.len() < NAMES_KEPT {
                names.push(n.clone());
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
        .min()
        .unwrap_or(PermClass::None);
    let (label, name) = if same_category {
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
            format!("{merged} {}: {}", first.category, names.join(", "))
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
        names,
        blocks: merged,
        parts,
    }
}

/// Merge runs of neighbouring blocks that are neither landmarks nor `keep`, when the
/// gaps between them are under [`BIG_GAP`] (and, with `same_category`, when they are of
/// one category). Merged blocks merge again as their parts (the picture's compaction
/// merges early what the end merges anyway).
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

/// Merge every block but the largest (and the landmarks) into its neighbours: those at
/// least as large as the `keep`-th largest stay, or, with `strict`, only those larger
/// (so that a run of equal blocks still merges).
fn merge_but_largest(blocks: Vec<Block>, keep: usize, strict: bool) -> Vec<Block> {
    let mut sizes: Vec<u64> = blocks
        .iter()
        .filter(|b| !b.landmark)
        .map(|b| b.mapped)
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let threshold = match keep {
        0 => u64::MAX,
        k => sizes.get(k - 1).copied().unwrap_or(0),
    };
    merge_runs(blocks, false, &|b| {
        if strict {
            b.mapped > threshold
        } else {
            b.mapped >= threshold
        }
    })
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
    let mut keep = blocks.iter().filter(|b| !b.landmark).count();
    loop {
        let merged = merge_but_largest(blocks.clone(), keep, false);
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

/// A picture being made from regions given one at a time, in address order.
#[derive(Default)]
pub struct Picture {
    blocks: Vec<Block>,
    building: Option<Builder>,
    /// The region before the one being added: its key needs the next region.
    held: Option<Region>,
    /// Its mark, if the demo marked it.
    held_mark: Option<String>,
    regions: u64,
    size_kb: u64,
    /// The highest end of a mapping but `[vsyscall]`.
    highest: u64,
}

impl Picture {
    pub fn new() -> Picture {
        Picture::default()
    }

    /// Add the next region (in address order).
    pub fn add(&mut self, r: &Region) {
        self.add_marked(r, None);
    }

    /// Add the next region, with the demo's mark for it: a marked mapping is a row of its
    /// own that never merges.
    pub fn add_marked(&mut self, r: &Region, mark: Option<&str>) {
        self.regions += 1;
        self.size_kb = self.size_kb.saturating_add(r.size_kb());
        if r.kind != Kind::Vsyscall {
            self.highest = self.highest.max(r.end);
        }
        if let Some(prev) = self.held.take() {
            let prev_mark = self.held_mark.take();
            self.place(&prev, Some(r), prev_mark);
            self.held = Some(prev);
        }
        match &mut self.held {
            Some(h) => h.clone_from(r),
            None => self.held = Some(r.clone()),
        }
        self.held_mark = mark.map(str::to_string);
    }

    /// Put `r` (whose successor is `next`) into the block being built, or start one.
    fn place(&mut self, r: &Region, next: Option<&Region>, mark: Option<String>) {
        let key = match mark {
            Some(_) => Key::Marked(r.start),
            None => key_of(r, next),
        };
        let joins = self
            .building
            .as_ref()
            .is_some_and(|b| b.key == key && r.start.saturating_sub(b.end) < SMALL_GAP);
        if joins {
            if let Some(b) = &mut self.building {
                b.add(r);
            }
            return;
        }
        let mut fresh = Builder::new(r, key);
        fresh.mark = mark;
        if let Some(done) = self.building.replace(fresh) {
            self.blocks.push(done.block());
            if self.blocks.len() >= COMPACT_AT {
                self.compact();
            }
        }
    }

    /// Merge the finished part early, as [`fit_rows`] would, to keep memory bounded.
    fn compact(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        let blocks = merge_runs(blocks, true, &|_| false);
        self.blocks = if blocks.len() >= COMPACT_AT / 2 {
            merge_but_largest(blocks, COMPACT_AT / 8, true)
        } else {
            blocks
        };
    }

    /// The rows of the picture, top to bottom.
    pub fn rows(mut self, opts: &LayoutOptions) -> (Vec<Row>, u64, u64) {
        if let Some(last) = self.held.take() {
            let mark = self.held_mark.take();
            self.place(&last, None, mark);
        }
        if let Some(b) = self.building.take() {
            self.blocks.push(b.block());
        }
        let blocks = fit_rows(std::mem::take(&mut self.blocks), opts.max_rows);
        let (top, bits) = user_top(self.highest);
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
        (out, self.regions, self.size_kb)
    }
}

/// The top of user space: the smallest of 47, 48, 56 or 64 bits that holds `highest`.
fn user_top(highest: u64) -> (u64, u32) {
    for bits in [47u32, 48, 56] {
        if highest <= 1u64 << bits {
            return (1u64 << bits, bits);
        }
    }
    (u64::MAX, 64)
}

/// The rows of the picture of a snapshot, top to bottom.
pub fn rows(snap: &Snapshot, opts: &LayoutOptions) -> Vec<Row> {
    let mut p = Picture::new();
    for r in &snap.regions {
        p.add(r);
    }
    p.rows(opts).0
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
pub(crate) fn fit(s: &str, width: usize) -> String {
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
pub(crate) fn label_of(b: &Block) -> String {
    match b.grows {
        Some(Growth::Up) => format!("{} ↑", b.label),
        Some(Growth::Down) => format!("{} ↓", b.label),
        None => b.label.clone(),
    }
}

/// The first line: `PID: command`, or the file it was read from; for a core, the line
/// every view starts with (the file, the process, the writer).
pub(crate) fn title(p: &crate::model::ProcessInfo) -> String {
    if p.core.is_some() {
        return crate::view::lookup::header(p);
    }
    let who = if p.pid > 0 {
        format!("{}: ", p.pid)
    } else {
        String::new()
    };
    format!("{who}{}", escape_text(&p.cmdline, false))
}

/// Print the picture as text.
pub fn write_text(
    head: &Head,
    rows: &[Row],
    (regions, size_kb): (u64, u64),
    opts: &LayoutOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = opts.width.max(60);
    // "ADDR  │ inner │"
    let inner = width - ADDR - 4;
    if head.process.core.is_some() {
        head.write_title(Some(width), out)?;
    } else {
        writeln!(out, "{}", fit(&title(head.process), width).trim_end())?;
    }
    writeln!(
        out,
        "{regions} mappings, {} mapped",
        human_bytes(size_kb.saturating_mul(1024))
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
    for row in rows {
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

/// Print the picture of a snapshot as text.
pub fn render_text(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut p = Picture::new();
    for r in &snap.regions {
        p.add(r);
    }
    let (mut rows, n, kb) = p.rows(opts);
    mark_fault(&mut rows, &snap.process);
    let head = Head {
        process: &snap.process,
        has_smaps: snap.has_smaps,
        notes: &[],
    };
    write_text(&head, &rows, (n, kb), opts, out)
}

/// Mark where a core's fault address lies: in the row that holds it, or in the unmapped
/// space it falls into (a row of its own below the lowest mapping for a NULL pointer).
pub fn mark_fault(rows: &mut Vec<Row>, p: &crate::model::ProcessInfo) {
    let Some(addr) = p.core.as_ref().and_then(|c| c.fault_addr) else {
        return;
    };
    let mark = format!("✗ the fault, {addr:#x}, is here");
    // The address bounds of each row: blocks have their own; a gap lies between the
    // nearest block or top-of-user-space line above and below it.
    let bound_above = |rows: &[Row], i: usize| {
        rows[..i].iter().rev().find_map(|r| match r {
            Row::Block(b) => Some(b.start),
            Row::Top { addr, .. } => Some(*addr),
            Row::Gap { .. } => None,
        })
    };
    let bound_below = |rows: &[Row], i: usize| {
        rows[i + 1..].iter().find_map(|r| match r {
            Row::Block(b) => Some(b.end),
            Row::Top { addr, .. } => Some(*addr),
            Row::Gap { .. } => None,
        })
    };
    for i in 0..rows.len() {
        let hit = match &rows[i] {
            Row::Block(b) => b.start <= addr && addr < b.end,
            Row::Gap { .. } => {
                let hi = bound_above(rows, i).unwrap_or(u64::MAX);
                let lo = bound_below(rows, i).unwrap_or(0);
                lo <= addr && addr < hi
            }
            Row::Top { .. } => false,
        };
        if !hit {
            continue;
        }
        match &mut rows[i] {
            Row::Block(b) => b.name = format!("✗ fault here · {}", b.name),
            Row::Gap { note, .. } if note.is_empty() => *note = mark,
            Row::Gap { note, .. } => *note = format!("{mark}; {note}"),
            Row::Top { .. } => {}
        }
        return;
    }
    // Below the lowest mapping (a NULL pointer plus an offset), or with no mappings.
    let lowest = rows.iter().rev().find_map(|r| match r {
        Row::Block(b) => Some(b.start),
        _ => None,
    });
    if let Some(lowest) = lowest
        && addr < lowest
    {
        rows.push(Row::Gap {
            size: lowest,
            note: mark,
        });
    }
}

/// Print the picture of a snapshot as SVG.
pub fn render_svg(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut p = Picture::new();
    for r in &snap.regions {
        p.add(r);
    }
    let (mut rows, n, kb) = p.rows(opts);
    mark_fault(&mut rows, &snap.process);
    crate::view::layout_svg::write_svg(&snap.process, &rows, (n, kb), out)
}

/// `vasmap layout` as a view: every region, in address order, collapsed as it comes.
pub struct LayoutView {
    opts: LayoutOptions,
}

impl LayoutView {
    pub fn new(opts: LayoutOptions) -> Self {
        LayoutView { opts }
    }
}

impl View for LayoutView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut p = Picture::new();
        while let Some(row) = rows.next_row()? {
            p.add_marked(row.region, row.mark);
        }
        let (mut rows, n, kb) = p.rows(&self.opts);
        mark_fault(&mut rows, head.process);
        if self.opts.svg {
            crate::view::layout_svg::write_svg(head.process, &rows, (n, kb), out)?;
        } else {
            write_text(head, &rows, (n, kb), &self.opts, out)?;
        }
        Ok(())
    }

    fn wants(&self) -> Wants {
        Wants {
            unfiltered: false,
            whole_range: false,
            address_order: true,
        }
    }
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
    fn fit_cuts_wide_text_to_its_columns() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("日本語テキスト", 6).width(), 6);
    }

    #[test]
    fn many_alternating_mappings_stay_a_few_thousand_blocks() {
        let mut p = Picture::new();
        let mut r = Region::blank();
        for i in 0..50_000u64 {
            r.start = 0x1000_0000 + i * 0x2000;
            r.end = r.start + 0x1000;
            r.kind = if i % 4 == 3 { Kind::File } else { Kind::Anon };
            r.inode = if i % 4 == 3 { 7 } else { 0 };
            r.name = if i % 4 == 3 {
                b"/f".to_vec()
            } else {
                Vec::new()
            };
            p.add(&r);
            assert!(p.blocks.len() <= COMPACT_AT);
        }
        let (rows, n, _) = p.rows(&LayoutOptions::default());
        assert_eq!(n, 50_000);
        assert!(rows.len() <= 48, "{}", rows.len());
    }
}
