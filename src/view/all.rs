//! `vasmap --all`: one row per process, like smem: pid, user, RSS, PSS, USS, swap, swap
//! PSS (and the number of mappings when counted), the command; sorted, with totals, and
//! one line for each reason processes were left out.
//!
//! The three figures answer three questions. RSS: how much of RAM this process touches
//! (a page of libc counts in every process that maps it). PSS: its share (each page
//! divided among the processes mapping it), so the PSS column adds up to the RAM these
//! processes hold together. USS: what it alone holds, what its exit would give back.
//! With `--name libc.so.6`, the same three for the matching mappings only: how one
//! library's pages are shared.
//!
//! Every row must be in before the first is printed (the order, the column widths), so
//! each is packed as it comes into a [`RowStore`] (numbers as varints, the command's
//! bytes), which moves to an unlinked file past a few MiB: memory stays bounded however
//! many processes there are (a sort key, a pid and an offset, 24 bytes, a process).

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::read::all::{ProcessMemory, Skipped};
use crate::text::escape_text;
use crate::view::grid::{Align, Column, Fit, Grid, width_of};
use crate::view::numfmt::dec_width;
use crate::view::packed::{PackedReader, put_bytes, put_u64};
use crate::view::spool::RowStore;

/// Text as the table shows it: printable ASCII as it is (most commands), anything else
/// escaped ([`escape_text`]).
pub(crate) fn shown(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(s) if raw.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'\\') => s.into(),
        _ => escape_text(raw, false).into(),
    }
}

/// `--sort` for `--all`: the largest first, or by pid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AllSort {
    Rss,
    #[default]
    Pss,
    Uss,
    Swap,
    Pid,
}

impl AllSort {
    /// The word for it (`--sort`, JSON's `sort`).
    pub fn word(self) -> &'static str {
        match self {
            AllSort::Rss => "rss",
            AllSort::Pss => "pss",
            AllSort::Uss => "uss",
            AllSort::Swap => "swap",
            AllSort::Pid => "pid",
        }
    }

    fn key(self, m: &ProcessMemory) -> u64 {
        match self {
            AllSort::Rss => m.rss_kb,
            AllSort::Pss => m.pss_kb,
            AllSort::Uss => m.uss_kb,
            AllSort::Swap => m.swap_kb,
            AllSort::Pid => u64::try_from(m.pid).unwrap_or(0),
        }
    }
}

/// Which output, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AllFormat {
    #[default]
    Table,
    Json,
    Csv,
}

/// What `--all` prints.
#[derive(Debug, Clone, Default)]
pub struct AllViewOptions {
    pub format: AllFormat,
    pub sort: AllSort,
    /// Fit the table to this width (`None`: as wide as the rows need).
    pub width: Option<u16>,
    /// A `Maps` column: the number of mappings (`--count`), or of those that matched.
    pub mappings: bool,
    /// The figures are of the mappings the filters kept, not of whole processes.
    pub filtered: bool,
    /// No header, no totals, no notes (`-q`).
    pub quiet: bool,
}

/// Sums over the rows shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AllTotals {
    pub processes: u64,
    pub rss_kb: u64,
    pub pss_kb: u64,
    pub uss_kb: u64,
    pub swap_kb: u64,
    pub swap_pss_kb: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mappings: Option<u64>,
}

/// How many processes were left out, and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeftOut {
    pub denied: u64,
    pub no_address_space: u64,
    pub other_user: u64,
    pub no_match: u64,
    pub failed: u64,
    /// The first unexpected error, said once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

// The grid's columns.
pub(crate) const PID: usize = 0;
pub(crate) const USER: usize = 1;
/// RSS, PSS, USS, Swap, SwapPSS.
pub(crate) const FIGURES: usize = 2;
pub(crate) const MAPS: usize = 7;
pub(crate) const COMMAND: usize = 8;

/// `--all`'s view; see the module docs.
pub struct AllView {
    pub(crate) opts: AllViewOptions,
    pub(crate) rows: RowStore,
    /// (sort key, pid, offset of the packed row).
    pub(crate) index: Vec<(u64, i32, u64)>,
    pub(crate) totals: AllTotals,
    pub(crate) left: LeftOut,
    pub(crate) grid: Grid,
    users: HashMap<u32, Option<Vec<u8>>>,
    packed: Vec<u8>,
}

impl AllView {
    pub fn new(opts: AllViewOptions) -> AllView {
        let col = |h: &str, align, fit| Column {
            header: h.to_string(),
            align,
            fit,
            paint: true,
        };
        let maps = if opts.mappings { "Maps" } else { "" };
        let grid = Grid::new(
            vec![
                col("PID", Align::Right, Fit::Keep),
                col("User", Align::Left, Fit::Drop(10)),
                col("RSS", Align::Right, Fit::Drop(40)),
                col("PSS", Align::Right, Fit::Keep),
                col("USS", Align::Right, Fit::Drop(30)),
                col("Swap", Align::Right, Fit::Drop(20)),
                col("SwapPSS", Align::Right, Fit::Drop(5)),
                col(maps, Align::Right, Fit::Drop(15)),
                col("Command", Align::Left, Fit::End),
            ],
            !opts.quiet,
        );
        AllView {
            totals: AllTotals {
                mappings: opts.mappings.then_some(0),
                ..AllTotals::default()
            },
            opts,
            rows: RowStore::new(),
            index: Vec::new(),
            left: LeftOut::default(),
            grid,
            users: HashMap::new(),
            packed: Vec::with_capacity(256),
        }
    }

    /// The user's name, looked up once per uid.
    pub(crate) fn user(&mut self, uid: u32) -> Option<&[u8]> {
        self.users
            .entry(uid)
            .or_insert_with(|| crate::read::all::user_name(uid))
            .as_deref()
    }

    /// Take one process's row.
    pub fn add(&mut self, m: &ProcessMemory) -> io::Result<()> {
        let t = &mut self.totals;
        t.processes += 1;
        t.rss_kb = t.rss_kb.saturating_add(m.rss_kb);
        t.pss_kb = t.pss_kb.saturating_add(m.pss_kb);
        t.uss_kb = t.uss_kb.saturating_add(m.uss_kb);
        t.swap_kb = t.swap_kb.saturating_add(m.swap_kb);
        t.swap_pss_kb = t.swap_pss_kb.saturating_add(m.swap_pss_kb);
        if let (Some(sum), Some(n)) = (t.mappings.as_mut(), m.mappings) {
            *sum = sum.saturating_add(n);
        }
        let user_width = match self.user(m.uid) {
            Some(name) => width_of(shown(name).as_bytes()),
            None => dec_width(u64::from(m.uid)),
        };
        let figures = [m.rss_kb, m.pss_kb, m.uss_kb, m.swap_kb, m.swap_pss_kb];
        let g = &mut self.grid;
        g.measure(PID, dec_width(u64::try_from(m.pid).unwrap_or(0)));
        g.measure(USER, user_width);
        for (i, v) in figures.iter().enumerate() {
            g.measure(FIGURES + i, dec_width(*v) + 1);
        }
        if let Some(n) = m.mappings.filter(|_| self.opts.mappings) {
            g.measure(MAPS, dec_width(n));
        }
        g.measure(COMMAND, width_of(shown(&m.command).as_bytes()));
        let p = &mut self.packed;
        p.clear();
        put_u64(p, u64::try_from(m.pid).unwrap_or(0));
        put_u64(p, u64::from(m.uid));
        for v in figures {
            put_u64(p, v);
        }
        put_u64(p, m.mappings.map_or(0, |n| n.saturating_add(1)));
        put_bytes(p, &m.command);
        let at = self.rows.push(&self.packed)?;
        self.index.push((self.opts.sort.key(m), m.pid, at));
        Ok(())
    }

    /// Count one process left out.
    pub fn skip(&mut self, why: Skipped) {
        let l = &mut self.left;
        match why {
            Skipped::Denied => l.denied += 1,
            Skipped::NoAddressSpace => l.no_address_space += 1,
            Skipped::OtherUser => l.other_user += 1,
            Skipped::NoMatch => l.no_match += 1,
            Skipped::Failed(e) => {
                l.failed += 1;
                if l.first_error.is_none() {
                    l.first_error = Some(crate::text::sanitize_message(&e.to_string()));
                }
            }
        }
    }

    /// The totals so far.
    pub fn totals(&self) -> &AllTotals {
        &self.totals
    }

    /// Print every row, in order, then the totals and what was left out.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.opts.sort == AllSort::Pid {
            self.index.sort_unstable_by_key(|&(_, pid, _)| pid);
        } else {
            self.index
                .sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        match self.opts.format {
            AllFormat::Table => crate::view::all_table::table(&mut self, out),
            AllFormat::Json => crate::view::all_out::json(&mut self, out),
            AllFormat::Csv => crate::view::all_out::csv(&mut self, out),
        }
    }

    /// Each row in order, unpacked.
    pub(crate) fn each(
        &mut self,
        mut each: impl FnMut(&ProcessMemory, Option<&[u8]>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut buf = Vec::new();
        let mut m = ProcessMemory::default();
        let index = std::mem::take(&mut self.index);
        for &(_, _, at) in &index {
            self.rows.get(at, &mut buf)?;
            let mut rd = PackedReader::new(&buf);
            m.pid = i32::try_from(rd.u64()).unwrap_or(0);
            m.uid = u32::try_from(rd.u64()).unwrap_or(0);
            m.rss_kb = rd.u64();
            m.pss_kb = rd.u64();
            m.uss_kb = rd.u64();
            m.swap_kb = rd.u64();
            m.swap_pss_kb = rd.u64();
            m.mappings = rd.u64().checked_sub(1);
            m.command.clear();
            m.command.extend_from_slice(rd.bytes());
            let user = self.user(m.uid).map(<[u8]>::to_vec);
            each(&m, user.as_deref())?;
        }
        self.index = index;
        Ok(())
    }

    pub(crate) fn options(&self) -> &AllViewOptions {
        &self.opts
    }

    pub(crate) fn left_out(&self) -> &LeftOut {
        &self.left
    }
}
