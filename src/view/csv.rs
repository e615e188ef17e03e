//! `--output csv`: one header row and one row per region, for spreadsheets and scripts,
//! written as rows come.
//!
//! Columns: `start,end,size,perms,offset,device,inode,kind,tid,shmid,name,wx`, then, when
//! smaps was read, one column per smaps field (in kB, in kernel order: the fields of the
//! first record, which the kernel prints for every mapping) and `VmFlags`, and with
//! `--explain` a last column `explain`: what the region is, in plain words. Read from a
//! core dump, two columns follow `wx`: `in_core_bytes` (how much of the mapping's memory
//! the core holds) and `kind_inferred` (`true` where the kind was worked out, not
//! recorded), and `perms` has `?` for letters the core does not record. Addresses
//! and offsets are hex with `0x`; the name is the escaped text the table shows (control
//! bytes and invalid UTF-8 as `\xNN`), so the file is safe to `cat`.

use std::io::{self, Write};

use crate::model::{FieldId, Kind, Region};
use crate::view::{Head, Row, Rows, Stop, View};

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The CSV view.
#[derive(Default)]
pub struct CsvView {
    /// Extra columns filled on the rows starting at these addresses (the demo's account
    /// of its own mappings), empty on the others.
    extra: Vec<(u64, Vec<(String, String)>)>,
}

impl CsvView {
    pub fn new() -> Self {
        CsvView::default()
    }

    /// A CSV with extra columns on some rows: (row start, [(column, value)]).
    pub fn with_extra(extra: Vec<(u64, Vec<(String, String)>)>) -> Self {
        CsvView { extra }
    }

    /// The extra columns' names.
    fn extra_names(&self) -> Vec<String> {
        self.extra
            .first()
            .map(|(_, cols)| cols.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default()
    }

    /// The extra cells of the row starting at `start`.
    fn extra_cells(&self, start: u64) -> Vec<String> {
        let names = self.extra_names();
        match self.extra.iter().find(|(s, _)| *s == start) {
            Some((_, cols)) => cols.iter().map(|(_, v)| v.clone()).collect(),
            None => vec![String::new(); names.len()],
        }
    }
}

/// The smaps columns: the field names of the first record, in its order.
fn columns_of(row: Option<&Row>) -> Vec<(String, FieldId)> {
    let Some(row) = row else { return Vec::new() };
    let Some(s) = &row.region.smaps else {
        return Vec::new();
    };
    s.fields
        .iter()
        .filter_map(|&(id, _)| Some((row.fields.get(usize::from(id))?.clone(), id)))
        .collect()
}

fn header(has_smaps: bool, fields: &[(String, FieldId)], explain: bool, core: bool) -> Vec<String> {
    let mut h: Vec<String> = [
        "start", "end", "size", "perms", "offset", "device", "inode", "kind", "tid", "shmid",
        "name", "wx",
    ]
    .map(String::from)
    .to_vec();
    if core {
        h.push("in_core_bytes".into());
        h.push("kind_inferred".into());
    }
    if has_smaps {
        h.extend(fields.iter().map(|(n, _)| n.clone()));
        h.push("VmFlags".into());
    }
    if explain {
        h.push("explain".into());
    }
    h
}

fn record(
    r: &Region,
    has_smaps: bool,
    fields: &[(String, FieldId)],
    explain: Option<&str>,
    core: bool,
) -> Vec<String> {
    let mut row: Vec<String> = vec![
        format!("{:#x}", r.start),
        format!("{:#x}", r.end),
        r.size().to_string(),
        r.perm_text(),
        format!("{:#x}", r.offset),
        r.device(),
        r.inode.to_string(),
        r.kind.key().to_string(),
        match r.kind {
            Kind::ThreadStack { tid } => tid.to_string(),
            _ => String::new(),
        },
        match r.kind {
            Kind::SysvShm { shmid } => shmid.to_string(),
            _ => String::new(),
        },
        r.escape_name_part(&r.name),
        r.perms.is_wx().to_string(),
    ];
    if core {
        let d = r.dumped.unwrap_or_default();
        row.push(d.bytes.to_string());
        row.push(d.kind_inferred.to_string());
    }
    if has_smaps {
        for (_, id) in fields {
            let v = r.smaps.as_ref().and_then(|s| s.get(*id));
            row.push(v.map(|v| v.to_string()).unwrap_or_default());
        }
        row.push(
            r.smaps
                .as_ref()
                .map(|s| s.vm_flags_string())
                .unwrap_or_default(),
        );
    }
    if let Some(e) = explain {
        row.push(e.to_string());
    }
    row
}

impl View for CsvView {
    fn show(&mut self, head: &Head, rows: &mut dyn Rows, out: &mut dyn Write) -> Result<(), Stop> {
        let mut w = csv::Writer::from_writer(out);
        let mut fields: Option<Vec<(String, FieldId)>> = None;
        let mut explain = false;
        let core = head.process.core.is_some();
        while let Some(row) = rows.next_row()? {
            let cols = match &fields {
                Some(f) => f,
                None => {
                    explain = row.explain.is_some();
                    let f = columns_of(Some(&row));
                    let mut h = header(head.has_smaps, &f, explain, core);
                    h.extend(self.extra_names());
                    w.write_record(h).map_err(csv_err)?;
                    fields.insert(f)
                }
            };
            let text = explain.then(|| row.explain.map_or("", |e| e.text.as_str()));
            let mut rec = record(row.region, head.has_smaps, cols, text, core);
            if !self.extra.is_empty() {
                rec.extend(self.extra_cells(row.region.start));
            }
            w.write_record(rec).map_err(csv_err)?;
        }
        if fields.is_none() {
            let mut h = header(head.has_smaps, &[], false, core);
            h.extend(self.extra_names());
            w.write_record(h).map_err(csv_err)?;
        }
        w.flush()?;
        Ok(())
    }
}
