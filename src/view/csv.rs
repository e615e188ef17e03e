//! `--output csv`: one header row and one row per region, for spreadsheets and scripts.
//!
//! Columns: `start,end,size,perms,offset,device,inode,kind,tid,shmid,name,wx`, then, when
//! smaps was read, one column per smaps field (in kB, in kernel order) and `VmFlags`, and
//! with `--explain` a last column `explain`: what the region is, in plain words.
//! Addresses and offsets are hex with `0x`; the name is the escaped text the table shows
//! (control bytes and invalid UTF-8 as `\xNN`), so the file is safe to `cat`.

use std::io::{self, Write};

use crate::model::Kind;
use crate::model::Snapshot;
use crate::text::escape_name;
use crate::view::ViewOptions;

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Print the rows.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = vec![
        "start", "end", "size", "perms", "offset", "device", "inode", "kind", "tid", "shmid",
        "name", "wx",
    ];
    if snap.has_smaps {
        header.extend(snap.smaps_fields.iter().map(String::as_str));
        header.push("VmFlags");
    }
    let explained = crate::teach::explain::for_view(opts);
    if explained.is_some() {
        header.push("explain");
    }
    w.write_record(&header).map_err(csv_err)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for r in &snap.regions {
        row.clear();
        row.push(format!("{:#x}", r.start));
        row.push(format!("{:#x}", r.end));
        row.push(r.size().to_string());
        row.push(r.perms.to_maps_string());
        row.push(format!("{:#x}", r.offset));
        row.push(r.device());
        row.push(r.inode.to_string());
        row.push(r.kind.key().to_string());
        row.push(match r.kind {
            Kind::ThreadStack { tid } => tid.to_string(),
            _ => String::new(),
        });
        row.push(match r.kind {
            Kind::SysvShm { shmid } => shmid.to_string(),
            _ => String::new(),
        });
        row.push(escape_name(&r.name));
        row.push(r.perms.is_wx().to_string());
        if snap.has_smaps {
            for id in 0..snap.smaps_fields.len() {
                let v = r
                    .smaps
                    .as_ref()
                    .and_then(|s| s.get(id as u16))
                    .map(|v| v.to_string());
                row.push(v.unwrap_or_default());
            }
            row.push(
                r.smaps
                    .as_ref()
                    .map(|s| s.vm_flags_string())
                    .unwrap_or_default(),
            );
        }
        if let Some(e) = &explained {
            row.push(e.get(&r.start).map(|e| e.text.clone()).unwrap_or_default());
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.flush()
}
