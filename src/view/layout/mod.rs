//! `vasmap layout`: a picture of a whole address space, high addresses at the top.
//!
//! Regions are collapsed as they come ([`Picture`]): neighbouring mappings of one file or
//! one kind become one block (`libc.so.6 ×5`); unmapped gaps are drawn collapsed with
//! their size, since they are most of a 47-bit space. When there are more rows than fit
//! (`max_rows`), neighbouring blocks of the same category merge (`42 libraries: ...`),
//! then any neighbouring blocks outside the landmarks (program, heap, stack, loader,
//! vdso, vvar, vsyscall) but the largest. A process with tens of thousands of mappings
//! keeps at most a few thousand blocks: past [`COMPACT_AT`] the finished part of the
//! picture is merged early the same way.
//!
//! Here: the blocks and how regions join them ([`Picture`]); in `merge.rs`, how blocks
//! merge when there are too many; in [`rows`], the rows top to bottom with the gaps,
//! the top of user space, the non-canonical hole and the kernel's half, and a core's
//! fault mark; drawn as text in `text.rs` and as SVG in [`svg`].

mod build;
mod merge;
mod rows;
pub mod svg;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use crate::model::{Kind, Region, Snapshot};
use crate::view::{Head, Rows, Stop, View, Wants};

use build::{Builder, Key, Shown, has_key, key_of, needs_next};
use merge::{merge_but_largest, merge_runs};
pub use rows::{mark_fault, rows};
pub use text::write_text;
pub(crate) use text::{fit, label_of, title};

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
    pub label: Cow<'static, str>,
    /// What is mapped: `libc.so.6 ×5`, `[stack]`, `42 libraries: libc.so.6, ...`.
    pub name: String,
    /// `r-xp` for one mapping or several with the same permissions, else `mixed`.
    pub perms: &'static str,
    pub class: PermClass,
    pub grows: Option<Growth>,
    landmark: bool,
    category: &'static str,
    /// The names of what a merged block holds (at most [`NAMES_KEPT`]), and how many
    /// blocks it merged.
    names: Vec<Arc<str>>,
    blocks: usize,
    /// For merged rows: how many mappings of each of [`CATEGORIES`], for the summary name.
    parts: [usize; CATEGORIES.len()],
    /// The name still to make, when the picture is finished ([`Block::finish_name`]):
    /// most rows are merged into others first, and compaction merges merged rows again
    /// and again.
    later: Later,
}

/// What a row's name is, when [`Block::finish_name`] makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Later {
    /// Made already.
    Done,
    /// Its file's name, with `×N` for more than one mapping (`libc.so.6 ×5`).
    Times,
    /// `(N mappings)`.
    Mappings,
    /// A merged row: its blocks' names (`42 libraries: libc.so.6, ...`) when they were of
    /// one category, else its parts (`593 mappings: 297 files, 296 anon`).
    Merged { same_category: bool },
}

/// The categories rows merge under at the second level.
const CATEGORIES: [&str; 6] = [
    "libraries",
    "files",
    "thread stacks",
    "anon",
    "shared memory",
    "other",
];

impl Block {
    /// Make the row's name, if it is still to make ([`Later`]).
    pub(super) fn finish_name(&mut self) {
        let count = self.count;
        let same_category = match std::mem::replace(&mut self.later, Later::Done) {
            Later::Done => return,
            Later::Mappings => {
                self.name = format!("({count} mappings)");
                return;
            }
            Later::Times => {
                let base = self.names.first().map_or("", |n| &**n);
                self.name = if count > 1 {
                    format!("{base} ×{count}")
                } else {
                    base.to_string()
                };
                return;
            }
            Later::Merged { same_category } => same_category,
        };
        self.name = if same_category {
            if self.names.is_empty() {
                format!("{} mappings", self.count)
            } else {
                format!(
                    "{} {}: {}",
                    self.blocks,
                    self.category,
                    self.names.join(", ")
                )
            }
        } else {
            // The largest part first.
            let mut parts: Vec<(&str, usize)> = CATEGORIES
                .iter()
                .copied()
                .zip(self.parts)
                .filter(|(_, n)| *n > 0)
                .collect();
            parts.sort_by_key(|p| std::cmp::Reverse(p.1));
            let list: Vec<String> = parts.iter().map(|(c, n)| format!("{n} {c}")).collect();
            format!("{} mappings: {}", self.count, list.join(", "))
        };
    }
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
    /// Where the kernel's half of the addresses starts (`ffff800000000000` with 47-bit
    /// user addresses): between it and [`Row::Top`] is the non-canonical hole.
    KernelStart {
        addr: u64,
    },
}

impl Row {
    /// For a line across the picture ([`Row::Top`], [`Row::KernelStart`]): its address,
    /// its words, and shorter words for a narrow picture.
    pub fn line(&self) -> Option<(u64, String, String)> {
        match *self {
            Row::Top { addr, bits } => Some((
                addr,
                format!(
                    "top of user space ({bits}-bit addresses, {})",
                    human_bytes(addr)
                ),
                format!("top of user space, {}", human_bytes(addr)),
            )),
            Row::KernelStart { addr } => Some((
                addr,
                "the kernel's half of the addresses starts here".to_string(),
                "the kernel's half starts".to_string(),
            )),
            Row::Block(_) | Row::Gap { .. } => None,
        }
    }
}

/// What a gap row says: `2.4G unmapped`, and what grows into it (`↑ the heap grows up
/// into this`) when there is a note; the text, SVG and report drawings alike.
pub fn gap_words(size: u64, note: &str) -> String {
    if note.is_empty() {
        format!("{} unmapped", human_bytes(size))
    } else {
        format!("{} unmapped  {note}", human_bytes(size))
    }
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

/// Gaps smaller than this are absorbed into a row of one file or kind.
const SMALL_GAP: u64 = 2 << 20;
/// Gaps at least this large always stay visible, even when rows are merged.
const BIG_GAP: u64 = 1 << 30;
/// Past this many blocks, the finished part of the picture is merged early.
pub const COMPACT_AT: usize = 4096;
/// Names a merged block keeps for its label (the line shows the first few anyway).
const NAMES_KEPT: usize = 8;

/// A picture being made from regions given one at a time, in address order.
#[derive(Default)]
pub struct Picture {
    blocks: Vec<Block>,
    building: Option<Builder>,
    /// The region before the one being added, when its key needs the next region
    /// ([`needs_next`]).
    held: Option<Box<Region>>,
    /// The box a region was last held in, for the next one.
    held_spare: Option<Box<Region>>,
    /// Its mark, if the demo marked it.
    held_mark: Option<String>,
    regions: u64,
    size_kb: u64,
    /// The highest end of a mapping but `[vsyscall]`.
    highest: u64,
    /// The main stack's size limit (`RLIMIT_STACK`), to say how far it can grow.
    stack_limit: Option<u64>,
    /// A finished builder's name buffer, to copy the next file block's name into.
    spare: Vec<u8>,
    /// The last name made for a block named after its first region.
    shown: Shown,
}

impl Picture {
    pub fn new() -> Picture {
        Picture::default()
    }

    /// A picture that says how far the main stack can grow (`RLIMIT_STACK`, when known).
    pub fn with_stack_limit(limit: Option<u64>) -> Picture {
        Picture {
            stack_limit: limit,
            ..Picture::default()
        }
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
            self.held_spare = Some(prev);
        }
        let mark = mark.map(str::to_string);
        // A marked region is a row of its own, whatever comes next.
        if mark.is_some() || !needs_next(r) {
            self.place(r, None, mark);
            return;
        }
        // Boxed, as a region is ~250 bytes: moving it in and out of its Option for every
        // mapping was 7M of layout's 206M instructions (callgrind, 60,000 mappings).
        let mut held = self
            .held_spare
            .take()
            .unwrap_or_else(|| Box::new(Region::blank()));
        (*held).clone_from(r);
        self.held = Some(held);
        self.held_mark = mark;
    }

    /// Put `r` (whose successor is `next`) into the block being built, or start one.
    fn place(&mut self, r: &Region, next: Option<&Region>, mark: Option<String>) {
        let joins = mark.is_none()
            && self.building.as_ref().is_some_and(|b| {
                r.start.saturating_sub(b.end) < SMALL_GAP && has_key(&b.key, &b.name, r, next)
            });
        if joins {
            if let Some(b) = &mut self.building {
                b.add(r);
            }
            return;
        }
        let key = match mark {
            Some(_) => Key::Marked(r.start),
            None => key_of(r, next),
        };
        // The finished builder's name buffer is reused for the next one.
        let mut name = std::mem::take(&mut self.spare);
        name.clear();
        if matches!(key, Key::File(..)) {
            name.extend_from_slice(&r.name);
        }
        let display = Builder::named_by_first(&key).then(|| self.shown.of(r));
        let mut fresh = Builder::new(r, key, name, display);
        fresh.mark = mark;
        if let Some(done) = self.building.replace(fresh) {
            self.blocks.push(done.block());
            self.spare = done.name;
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
        // Room for the blocks until the next compaction, at once.
        self.blocks
            .reserve(COMPACT_AT.saturating_sub(self.blocks.len()));
    }
}

/// Print the picture of a snapshot as text.
pub fn render_text(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut p = Picture::with_stack_limit(snap.process.stack_limit);
    for r in &snap.regions {
        p.add(r);
    }
    let (mut rows, n, kb) = p.rows(opts);
    mark_fault(&mut rows, &snap.process);
    let head = Head {
        process: &snap.process,
        has_smaps: snap.has_smaps,
        notes: &[],
        live: None,
    };
    write_text(&head, &rows, (n, kb), opts, out)
}

/// Print the picture of a snapshot as SVG.
pub fn render_svg(snap: &Snapshot, opts: &LayoutOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut p = Picture::with_stack_limit(snap.process.stack_limit);
    for r in &snap.regions {
        p.add(r);
    }
    let (mut rows, n, kb) = p.rows(opts);
    mark_fault(&mut rows, &snap.process);
    svg::write_svg(&snap.process, &rows, (n, kb), out)
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
        let mut p = Picture::with_stack_limit(head.process.stack_limit);
        while let Some(row) = rows.next_row()? {
            p.add_marked(row.region, row.mark);
        }
        let (mut rows, n, kb) = p.rows(&self.opts);
        mark_fault(&mut rows, head.process);
        if self.opts.svg {
            svg::write_svg(head.process, &rows, (n, kb), out)?;
        } else {
            write_text(head, &rows, (n, kb), &self.opts, out)?;
        }
        Ok(())
    }

    fn wants(&self) -> Wants {
        Wants::ADDRESS_ORDER
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

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
