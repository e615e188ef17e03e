//! `vasmap --all` for scripts: one JSON document (docs/json.md, `docs/all.schema.json`)
//! or CSV rows, in the table's order.
//!
//! The JSON is written a process at a time (the rows come back from [`AllView`]'s
//! store), with the conventions of every vasmap document: text exact where it is UTF-8,
//! the bytes beside it where it is not, every character that could drive a terminal
//! escaped. The CSV's command is the escaped text the table shows, so the file is safe
//! to `cat`.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::read::all::ProcessMemory;
use crate::text::{escape_text, json_to_writer};
use crate::view::all::{AllTotals, AllView, LeftOut};

/// Text for JSON: the bytes as UTF-8 (lossy), and the exact bytes when that was lossy.
fn text_and_bytes(b: &[u8]) -> (Cow<'_, str>, Option<&[u8]>) {
    match std::str::from_utf8(b) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(_) => (String::from_utf8_lossy(b), Some(b)),
    }
}

#[derive(Serialize)]
struct ProcessOut<'a> {
    pid: i32,
    uid: u32,
    user: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_bytes: Option<&'a [u8]>,
    command: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command_bytes: Option<&'a [u8]>,
    rss_kb: u64,
    pss_kb: u64,
    uss_kb: u64,
    swap_kb: u64,
    swap_pss_kb: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    mappings: Option<u64>,
}

#[derive(Serialize)]
struct Tail<'a> {
    totals: &'a AllTotals,
    left_out: &'a LeftOut,
}

fn json_err(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

/// The JSON document.
pub(crate) fn json(view: &mut AllView, out: &mut dyn Write) -> io::Result<()> {
    let o = view.options().clone();
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    write!(
        buf,
        "{{\"schema_version\":{},\"source\":\"all\",\"sort\":\"{}\",\"filtered\":{},\"processes\":[",
        crate::model::JSON_SCHEMA_VERSION,
        o.sort.word(),
        o.filtered
    )?;
    let mut first = true;
    view.each(|m: &ProcessMemory, user: Option<&[u8]>| {
        buf.extend_from_slice(if first { b"\n" } else { b",\n" });
        first = false;
        let (user, user_bytes) = match user.map(text_and_bytes) {
            Some((u, b)) => (Some(u), b),
            None => (None, None),
        };
        let (command, command_bytes) = text_and_bytes(&m.command);
        let row = ProcessOut {
            pid: m.pid,
            uid: m.uid,
            user,
            user_bytes,
            command,
            command_bytes,
            rss_kb: m.rss_kb,
            pss_kb: m.pss_kb,
            uss_kb: m.uss_kb,
            swap_kb: m.swap_kb,
            swap_pss_kb: m.swap_pss_kb,
            mappings: m.mappings,
        };
        json_to_writer(&mut buf, &row).map_err(json_err)?;
        if buf.len() >= crate::stdio::OUT_BUFFER {
            out.write_all(&buf)?;
            buf.clear();
        }
        Ok(())
    })?;
    buf.extend_from_slice(b"\n],");
    let totals = *view.totals();
    let tail = serde_json::to_value(Tail {
        totals: &totals,
        left_out: view.left_out(),
    })
    .map_err(json_err)?;
    // The tail's two members, without its braces: `"totals":{..},"left_out":{..}`.
    let mut text = Vec::new();
    json_to_writer(&mut text, &tail).map_err(json_err)?;
    let inner = text
        .get(1..text.len().saturating_sub(1))
        .unwrap_or_default();
    buf.extend_from_slice(inner);
    buf.extend_from_slice(b"}\n");
    out.write_all(&buf)
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The CSV rows, with a header row.
pub(crate) fn csv(view: &mut AllView, out: &mut dyn Write) -> io::Result<()> {
    let maps = view.options().mappings;
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "pid",
        "uid",
        "user",
        "rss_kb",
        "pss_kb",
        "uss_kb",
        "swap_kb",
        "swap_pss_kb",
    ];
    if maps {
        header.push("mappings");
    }
    header.push("command");
    w.write_record(&header).map_err(csv_err)?;
    view.each(|m, user| {
        let mut rec = vec![
            m.pid.to_string(),
            m.uid.to_string(),
            user.map(|u| escape_text(u, false)).unwrap_or_default(),
            m.rss_kb.to_string(),
            m.pss_kb.to_string(),
            m.uss_kb.to_string(),
            m.swap_kb.to_string(),
            m.swap_pss_kb.to_string(),
        ];
        if maps {
            rec.push(m.mappings.map(|n| n.to_string()).unwrap_or_default());
        }
        rec.push(escape_text(&m.command, false));
        w.write_record(&rec).map_err(csv_err)
    })?;
    w.flush()
}
