//! Merging neighbouring blocks of the picture when there are more than fit: first runs of
//! one category, then anything but the largest and the landmarks.

use std::borrow::Cow;

use super::{BIG_GAP, Block, CATEGORIES, NAMES_KEPT, PermClass};

/// Merge neighbouring blocks into one summary row. The blocks are spent: their names move
/// into the merged row (cloning them was most of a merge's allocations).
fn merge(blocks: &mut [Block], same_category: bool) -> Block {
    let count = blocks.iter().map(|b| b.count).sum();
    let mapped = blocks.iter().fold(0u64, |a, b| a.saturating_add(b.mapped));
    let merged: usize = blocks.iter().map(|b| b.blocks).sum();
    let mut parts = [0; CATEGORIES.len()];
    // The first block's list (at most NAMES_KEPT already) is the start of the merged one.
    let mut names = std::mem::take(&mut blocks[0].names);
    for b in blocks.iter_mut() {
        for (p, n) in parts.iter_mut().zip(b.parts) {
            *p += n;
        }
    }
    for b in blocks[1..].iter_mut() {
        for n in b.names.drain(..) {
            if names.len() >= NAMES_KEPT {
                break;
            }
            names.push(n);
        }
    }
    let first = &blocks[0];
    let last = &blocks[blocks.len() - 1];
    let perms = if blocks.iter().all(|b| b.perms == first.perms) {
        first.perms
    } else {
        "mixed"
    };
    let class = blocks
        .iter()
        .map(|b| b.class)
        .min()
        .unwrap_or(PermClass::None);
    let label = if same_category {
        match first.category {
            "libraries" => "libraries",
            "files" => "files",
            "thread stacks" => "thread stacks",
            "shared memory" => "shared mem",
            "anon" => "anon",
            _ => "other",
        }
    } else {
        "mixed"
    };
    Block {
        start: first.start,
        end: last.end,
        mapped,
        count,
        label: Cow::Borrowed(label),
        // Made when the picture is finished (`Block::finish_name`).
        name: String::new(),
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
        later: super::Later::Merged { same_category },
    }
}

/// Merge runs of neighbouring blocks that are neither landmarks nor `keep`, when the
/// gaps between them are under [`BIG_GAP`] (and, with `same_category`, when they are of
/// one category). Merged blocks merge again as their parts (the picture's compaction
/// merges early what the end merges anyway).
///
/// The open run is the end of the rows out (`out[run..]`): a second vector for it grew
/// from nothing at every call and moved every block twice, and merging in place swapped
/// every block (callgrind, 60,000 mappings: 3M and then 6M instructions of memcpy).
pub(super) fn merge_runs(
    blocks: Vec<Block>,
    same_category: bool,
    keep: &dyn Fn(&Block) -> bool,
) -> Vec<Block> {
    // As much room as came in: compaction fills it again up to COMPACT_AT.
    let mut out: Vec<Block> = Vec::with_capacity(blocks.capacity());
    let mut run = 0;
    for b in blocks {
        let fixed = b.landmark || keep(&b);
        let joins = !fixed
            && out.len() > run
            && out.last().is_some_and(|p| {
                b.start.saturating_sub(p.end) < BIG_GAP
                    && (!same_category || p.category == b.category)
            });
        if !joins {
            flush(&mut out, run, same_category);
            run = out.len();
        }
        out.push(b);
        if fixed {
            run = out.len();
        }
    }
    flush(&mut out, run, same_category);
    out
}

/// Close the run `out[run..]`: two or more become one merged block.
fn flush(out: &mut Vec<Block>, run: usize, same_category: bool) {
    if out.len() - run >= 2 {
        let merged = merge(&mut out[run..], same_category);
        out.truncate(run);
        out.push(merged);
    }
}

/// The mapped sizes of the blocks that may merge (not the landmarks), largest first.
struct Largest(Vec<u64>);

impl Largest {
    fn of(blocks: &[Block]) -> Largest {
        let mut sizes: Vec<u64> = blocks
            .iter()
            .filter(|b| !b.landmark)
            .map(|b| b.mapped)
            .collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        Largest(sizes)
    }

    /// The size of the `keep`-th largest (keeping none: above every size).
    fn threshold(&self, keep: usize) -> u64 {
        match keep {
            0 => u64::MAX,
            k => self.0.get(k - 1).copied().unwrap_or(0),
        }
    }
}

/// Merge every block but the largest (and the landmarks) into its neighbours: those at
/// least as large as the `keep`-th largest stay, or, with `strict`, only those larger
/// (so that a run of equal blocks still merges).
pub(super) fn merge_but_largest(blocks: Vec<Block>, keep: usize, strict: bool) -> Vec<Block> {
    let threshold = Largest::of(&blocks).threshold(keep);
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
pub(super) fn fit_rows(blocks: Vec<Block>, max_rows: usize) -> Vec<Block> {
    if row_count(&blocks) <= max_rows {
        return blocks;
    }
    let blocks = merge_runs(blocks, true, &|_| false);
    if row_count(&blocks) <= max_rows {
        return blocks;
    }
    // Find how many of the largest to keep by counting the rows each choice would make,
    // then merge once (merging a copy for each try cloned every block's names ~10 times).
    let largest = Largest::of(&blocks);
    let mut keep = largest.0.len();
    while keep > 0 && rows_after_merge(&blocks, largest.threshold(keep)) > max_rows {
        keep = keep * 2 / 3;
    }
    let at_least = largest.threshold(keep);
    merge_runs(blocks, false, &|b| b.mapped >= at_least)
}

/// The rows [`merge_runs`] would leave (not of one category) keeping the blocks of at
/// least `at_least` bytes mapped, counted without merging.
fn rows_after_merge(blocks: &[Block], at_least: u64) -> usize {
    let mut rows = 0;
    // The end of the last block or run out, and whether a run is open.
    let mut last_end: Option<u64> = None;
    let mut in_run = false;
    for b in blocks {
        let fixed = b.landmark || b.mapped >= at_least;
        let joins =
            !fixed && in_run && last_end.is_some_and(|e| b.start.saturating_sub(e) < BIG_GAP);
        if !joins {
            if let Some(e) = last_end
                && b.start > e
            {
                rows += 1;
            }
            rows += 1;
        }
        in_run = !fixed;
        last_end = Some(b.end);
    }
    rows
}

/// Rows the blocks make: the blocks plus one gap row per gap (and the top marker).
fn row_count(blocks: &[Block]) -> usize {
    blocks.len() + blocks.windows(2).filter(|w| w[1].start > w[0].end).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Region};
    use crate::view::layout::Picture;

    /// Blocks of a picture of `n` regions of varied sizes, gaps and kinds.
    fn blocks(n: u64, seed: u64) -> Vec<Block> {
        let mut p = Picture::new();
        let mut r = Region::blank();
        let mut x = seed;
        let mut at = 0x1000_0000u64;
        for i in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pages = 1 + (x >> 60);
            let gap = [0u64, 1, 1, 3, 600][((x >> 40) % 5) as usize] * 0x1000;
            r.start = at + gap;
            r.end = r.start + pages * 0x1000;
            at = r.end;
            r.kind = [Kind::Anon, Kind::File, Kind::Library, Kind::Anon][(i % 4) as usize];
            r.inode = i % 4;
            r.name = if i % 4 == 0 {
                Vec::new()
            } else {
                format!("/f{}", i % 7).into_bytes()
            };
            p.add(&r);
        }
        p.finish_blocks()
    }

    #[test]
    fn counting_the_rows_of_a_merge_is_merging_and_counting() {
        for (n, seed) in [(10, 1), (200, 2), (3000, 3), (9000, 4)] {
            let blocks = blocks(n, seed);
            let mut sizes: Vec<u64> = blocks.iter().map(|b| b.mapped).collect();
            sizes.sort_unstable();
            for at_least in sizes.iter().step_by(sizes.len() / 7 + 1).chain([&u64::MAX]) {
                let merged = merge_runs(blocks.clone(), false, &|b| b.mapped >= *at_least);
                assert_eq!(
                    rows_after_merge(&blocks, *at_least),
                    row_count(&merged),
                    "{n} regions, blocks of at least {at_least} kept"
                );
            }
            for max_rows in [8, 48, 200] {
                let fitted = fit_rows(blocks.clone(), max_rows);
                assert!(
                    row_count(&fitted) <= max_rows,
                    "{n} regions in {max_rows} rows"
                );
            }
        }
    }
}
