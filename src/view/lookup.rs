//! `--addr ADDR`: which mapping holds an address, how far into it (and into its file) the
//! address is, and, for an address in no mapping, which gap it falls in.

use std::io::{self, Write};

use crate::model::{Region, Snapshot};
use crate::text::human_kb;
use crate::view::grid::{fit_lines, shorten_middle};
use crate::view::json::{Hex, ProcessOut, RegionOut, json_err};
use crate::view::table::display_name;
use crate::view::{Head, Rows, Stop, View, ViewOptions, Wants};

/// An address `--addr` asks about: given, or a core dump's fault address (`fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addr {
    At(u64),
    Fault,
}

impl Addr {
    /// The address, when it was given.
    pub fn at(self) -> Option<u64> {
        match self {
            Addr::At(a) => Some(a),
            Addr::Fault => None,
        }
    }

    /// Parse `--addr`'s value: `fault`, or an address as [`parse_addr`] reads it.
    pub fn parse(s: &str) -> Result<Addr, String> {
        if s == "fault" {
            return Ok(Addr::Fault);
        }
        parse_addr(s).map(Addr::At)
    }
}

/// Parse an address: hexadecimal, with or without `0x`; `_` may group digits.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t)
        .replace('_', "");
    // The argument as typed, escaped: it may hold anything (`\e[2J`).
    let shown = || crate::text::escape_text(s.as_bytes(), false);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "'{}' is not an address: give it in hex, with or without 0x (e.g. 0x7fa13a3f6123)",
            shown()
        ));
    }
    u64::from_str_radix(&digits, 16).map_err(|_| {
        format!(
            "'{}' is not an address: it does not fit in 64 bits",
            shown()
        )
    })
}

/// Where an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside region `index`, `offset` bytes from its start.
    Inside { index: usize, offset: u64 },
    /// In no mapping: between region `below` (ending under the address) and region `above`
    /// (starting over it); either is `None` below the first or above the last mapping.
    Gap {
        below: Option<usize>,
        above: Option<usize>,
    },
}

/// Find `addr` in a snapshot whose regions are in address order.
pub fn locate(snap: &Snapshot, addr: u64) -> Place {
    let i = snap.regions.partition_point(|r| r.end <= addr);
    match snap.regions.get(i) {
        Some(r) if r.contains(addr) => Place::Inside {
            index: i,
            offset: addr - r.start,
        },
        _ => Place::Gap {
            below: i.checked_sub(1),
            above: (i < snap.regions.len()).then_some(i),
        },
    }
}

/// `0x1f40 (8K)`: a distance in bytes, in hex and human units.
fn distance(bytes: u64) -> String {
    if bytes < 64 * 1024 {
        format!("{bytes:#x} ({bytes} bytes)")
    } else {
        format!("{bytes:#x} ({})", human_kb(bytes >> 10))
    }
}

/// `NAME (kind, perms)` for a sentence; with a width, a name wider than half of it keeps
/// its start and end (the row under the sentence shows it whole, or as much as fits).
fn describe(r: &Region, show_path: bool, width: Option<usize>) -> String {
    let name = display_name(r, show_path);
    let name = match width {
        Some(w) => shorten_middle(&name, (w / 2).max(12)),
        None => name,
    };
    if name.is_empty() {
        format!("the {} mapping ({})", r.kind.describe(), r.perm_text())
    } else {
        format!("{name} ({}, {})", r.kind.describe(), r.perm_text())
    }
}

/// What the rows before the name take: mark, range, size, permissions, kind.
const ROW_BEFORE_NAME: usize = 3 + 1 + 33 + 1 + 8 + 1 + 4 + 1 + 12 + 1;

/// One mapping's row; coloured like the table when `color` (the name is escaped first),
/// its name shortened in the middle to fit `width` when there is one. A width with no room
/// for both ends of the range and 12 columns of name gets the start only, as the table
/// shows.
fn row(
    out: &mut dyn Write,
    mark: &str,
    r: &Region,
    show_path: bool,
    color: bool,
    width: Option<usize>,
) -> io::Result<()> {
    let name = display_name(r, show_path);
    let both_ends = width.is_none_or(|w| w >= ROW_BEFORE_NAME + 12);
    let before_name = ROW_BEFORE_NAME - if both_ends { 0 } else { 17 };
    let name = match width {
        Some(w) => shorten_middle(&name, w.saturating_sub(before_name).max(12)),
        None => name,
    };
    let range = if both_ends {
        format!("{:016x}-{:016x}", r.start, r.end)
    } else {
        format!("{:016x}", r.start)
    };
    let line = format!(
        "{mark:>3} {range} {:>8} {} {:<12} {name}",
        format!("{}K", r.size_kb()),
        r.perm_text(),
        r.kind.describe(),
    );
    let line = line.trim_end();
    writeln!(
        out,
        "{}",
        crate::view::color::paint(line, crate::view::color::paint_of(r), color)
    )
}

/// The first line of a view: `PID:   cmdline`, the file name for a saved capture, or,
/// for a core dump, what it is: `core FILE: pid 1234 (crash) ./crash null, x86-64,
/// written by the kernel`.
pub fn header(p: &crate::model::ProcessInfo) -> String {
    let cmd = crate::text::escape_text(&p.cmdline, false);
    if let Some(core) = &p.core {
        return format!(
            "core {}: pid {} ({}) {cmd}, {}, written by {}",
            crate::text::escape_text(&core.path, false),
            p.pid,
            crate::text::escape_text(&p.comm, false),
            core.arch,
            match core.writer.as_str() {
                "kernel" => "the kernel",
                "gdb" => "gdb (gcore)",
                _ => "an unknown writer",
            }
        );
    }
    if p.pid > 0 {
        format!("{}:   {cmd}", p.pid)
    } else {
        cmd
    }
}

/// Print where each address is, with the mapping before and after it.
pub fn render(
    snap: &Snapshot,
    addrs: &[u64],
    opts: &ViewOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = opts.width.map(usize::from);
    let regions = &snap.regions;
    let sp = opts.show_path;
    let color = opts.color;
    let row = |out: &mut dyn Write, mark: &str, r: &Region| row(out, mark, r, sp, color, width);
    for (n, &addr) in addrs.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        match locate(snap, addr) {
            Place::Inside { index, offset } => {
                let r = &regions[index];
                let mut said = format!(
                    "{addr:#x} is in {}, {} into the mapping",
                    describe(r, sp, width),
                    distance(offset)
                );
                if r.is_path() && (r.inode != 0 || r.dumped.is_some()) {
                    said.push_str(&format!(
                        "; file offset {:#x}",
                        r.offset.saturating_add(offset)
                    ));
                }
                writeln!(out, "{}", fit_lines(&said, width, 2))?;
                if let Some(prev) = index.checked_sub(1) {
                    row(out, "", &regions[prev])?;
                }
                row(out, "▶", r)?;
                if let Some(next) = regions.get(index + 1) {
                    row(out, "", next)?;
                }
            }
            Place::Gap { below, above } => {
                let said = match (below.map(|i| &regions[i]), above.map(|i| &regions[i])) {
                    (None, None) => format!("{addr:#x} is in no mapping: there are none"),
                    (None, Some(a)) => format!(
                        "{addr:#x} is in no mapping: below the first one, {} under the start of {}",
                        distance(a.start.saturating_sub(addr)),
                        describe(a, sp, width)
                    ),
                    (Some(b), None) => format!(
                        "{addr:#x} is in no mapping: above the last one, {} above the last byte of {}",
                        distance(addr.saturating_sub(b.end) + 1),
                        describe(b, sp, width)
                    ),
                    (Some(b), Some(a)) => format!(
                        "{addr:#x} is in no mapping: in the {} gap {:#x}-{:#x}, {} above the last byte of {} and {} under the start of {}",
                        human_kb(a.start.saturating_sub(b.end) >> 10),
                        b.end,
                        a.start,
                        distance(addr.saturating_sub(b.end) + 1),
                        describe(b, sp, width),
                        distance(a.start.saturating_sub(addr)),
                        describe(a, sp, width)
                    ),
                };
                writeln!(out, "{}", fit_lines(&said, width, 2))?;
                if let Some(b) = below {
                    row(out, "", &regions[b])?;
                }
                writeln!(out, "{:>3} {addr:016x}  (no mapping)", "▶")?;
                if let Some(a) = above {
                    row(out, "", &regions[a])?;
                }
            }
        }
    }
    Ok(())
}

/// One `--addr` answer in JSON.
#[derive(serde::Serialize)]
struct LookupOut<'a> {
    addr: Hex,
    /// True when a mapping holds the address.
    inside: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<RegionOut<'a>>,
    /// Bytes from the start of the mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    /// The offset in the mapped file, for a file mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    file_offset: Option<Hex>,
    /// The mapping before (below) the address or its mapping.
    below: Option<RegionOut<'a>>,
    /// The mapping after (above) it.
    above: Option<RegionOut<'a>>,
    /// In a gap: bytes from the last byte of `below` up to the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_below: Option<u64>,
    /// In a gap: bytes from the address up to the start of `above`.
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_above: Option<u64>,
}

/// `--addr ... --json`: one document with the process and an answer per address.
pub fn render_json(
    snap: &Snapshot,
    addrs: &[u64],
    notes: &[crate::view::Note],
    out: &mut dyn Write,
) -> io::Result<()> {
    let regions = &snap.regions;
    let names = &snap.smaps_fields[..];
    let out_of = |i: usize| RegionOut::new(&regions[i], names);
    let mut answers = Vec::with_capacity(addrs.len());
    for &addr in addrs {
        answers.push(match locate(snap, addr) {
            Place::Inside { index, offset } => {
                let r = &regions[index];
                LookupOut {
                    addr: Hex(addr),
                    inside: true,
                    region: Some(out_of(index)),
                    offset: Some(offset),
                    file_offset: (r.is_path() && (r.inode != 0 || r.dumped.is_some()))
                        .then(|| Hex(r.offset.saturating_add(offset))),
                    below: index.checked_sub(1).map(out_of),
                    above: (index + 1 < regions.len()).then(|| out_of(index + 1)),
                    distance_below: None,
                    distance_above: None,
                }
            }
            Place::Gap { below, above } => LookupOut {
                addr: Hex(addr),
                inside: false,
                region: None,
                offset: None,
                file_offset: None,
                below: below.map(out_of),
                above: above.map(out_of),
                distance_below: below.map(|i| addr.saturating_sub(regions[i].end) + 1),
                distance_above: above.map(|i| regions[i].start.saturating_sub(addr)),
            },
        });
    }
    let mut w = io::BufWriter::new(out);
    write!(
        w,
        "{{\"schema_version\":{},\"process\":",
        crate::view::json::SCHEMA_VERSION
    )?;
    crate::text::json_to_writer(&mut w, &ProcessOut::new(&snap.process)).map_err(json_err)?;
    if let Some(core) = &snap.process.core {
        w.write_all(b",\"core\":")?;
        crate::text::json_to_writer(&mut w, &crate::view::json::CoreOut::new(core, notes))
            .map_err(json_err)?;
    }
    w.write_all(b",\"lookups\":")?;
    crate::text::json_to_writer(&mut w, &answers).map_err(json_err)?;
    w.write_all(b"}\n")?;
    w.flush()
}

/// `--addr`: the answers for every address asked, as text or JSON. Rows come in address
/// order, unfiltered; only the few regions an answer names are kept (each address's
/// mapping or the two around its gap, and their neighbours), so memory does not grow with
/// the process. In that small sorted set every kept region has the same neighbours as in
/// the whole list, so [`locate`] gives the same answers on it.
pub struct LookupView {
    addrs: Vec<u64>,
    opts: ViewOptions,
    json: bool,
}

impl LookupView {
    pub fn new(addrs: Vec<u64>, opts: ViewOptions, json: bool) -> Self {
        LookupView { addrs, opts, json }
    }
}

/// Keep `r` in `kept` unless it is there already (by start address).
fn keep(kept: &mut Vec<Region>, r: &Region) {
    if !kept.iter().any(|k| k.start == r.start && k.end == r.end) {
        kept.push(r.clone());
    }
}

impl View for LookupView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut kept: Vec<Region> = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        let mut prev: Option<Region> = None;
        // Addresses whose mapping was the previous row: the next row is its neighbour.
        let mut want_next = vec![false; self.addrs.len()];
        while let Some(row) = rows.next_row()? {
            let r = row.region;
            if fields.len() != row.fields.len() {
                fields = row.fields.to_vec();
            }
            for (i, &a) in self.addrs.iter().enumerate() {
                if want_next[i] {
                    keep(&mut kept, r);
                    want_next[i] = false;
                }
                let below_gap = prev.as_ref().is_none_or(|p| p.end <= a);
                if r.contains(a) || (below_gap && a < r.start) {
                    if let Some(p) = &prev {
                        keep(&mut kept, p);
                    }
                    keep(&mut kept, r);
                    want_next[i] = r.contains(a);
                }
            }
            match &mut prev {
                Some(p) => p.clone_from(r),
                None => prev = Some(r.clone()),
            }
        }
        // Addresses above the last mapping.
        if let Some(p) = &prev
            && self.addrs.iter().any(|&a| a >= p.end)
        {
            keep(&mut kept, p);
        }
        kept.sort_by_key(|r| r.start);
        let snap = Snapshot {
            process: head.process.clone(),
            regions: kept,
            has_smaps: head.has_smaps,
            smaps_fields: fields,
        };
        if self.json {
            render_json(&snap, &self.addrs, head.notes, out)?;
        } else {
            head.write_title(self.opts.width.map(usize::from), out)?;
            render(&snap, &self.addrs, &self.opts, out)?;
        }
        Ok(())
    }

    fn wants(&self) -> Wants {
        Wants {
            unfiltered: true,
            whole_range: true,
            address_order: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps;

    fn snap() -> Snapshot {
        Snapshot {
            regions: parse_maps(
                b"1000-3000 r--p 00001000 fe:00 5 /bin/x\n5000-6000 rw-p 00000000 00:00 0 \n",
            )
            .unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn addresses_parse_as_hex() {
        assert_eq!(parse_addr("0x7fA1"), Ok(0x7fa1));
        assert_eq!(parse_addr("7fa1"), Ok(0x7fa1));
        assert_eq!(parse_addr("0x7fff_ffff"), Ok(0x7fff_ffff));
        assert!(parse_addr("main").is_err());
        assert!(parse_addr("0x").is_err());
        assert!(parse_addr("0x10000000000000000").is_err());
    }

    #[test]
    fn places() {
        let s = snap();
        assert_eq!(
            locate(&s, 0x1000),
            Place::Inside {
                index: 0,
                offset: 0
            }
        );
        assert_eq!(
            locate(&s, 0x2fff),
            Place::Inside {
                index: 0,
                offset: 0x1fff
            }
        );
        assert_eq!(
            locate(&s, 0x3000),
            Place::Gap {
                below: Some(0),
                above: Some(1)
            }
        );
        assert_eq!(
            locate(&s, 0x10),
            Place::Gap {
                below: None,
                above: Some(0)
            }
        );
        assert_eq!(
            locate(&s, 0x6000),
            Place::Gap {
                below: Some(1),
                above: None
            }
        );
    }
}
