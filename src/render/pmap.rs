//! Byte for byte what procps-ng pmap 4.0.2 prints (its `pmap.c`), bugs included where a
//! script could depend on them. See `docs/pmap-compat.md`.

use std::io::{self, Write};

use crate::model::{Kind, Region, Snapshot};
use crate::render::ViewOptions;

/// pmap prints bytes that are not printable ASCII as `?`.
fn push_printable(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(
        bytes
            .iter()
            .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' }),
    );
}

/// The name column as pmap computes it.
fn mapping_name(r: &Region, snap: &Snapshot, show_path: bool, out: &mut Vec<u8>) {
    if let Kind::SysvShm { shmid } = r.kind {
        out.extend_from_slice(format!("  [ shmid=0x{shmid:x} ]").as_bytes());
        return;
    }
    if r.is_path() {
        let name = if show_path { &r.name[..] } else { r.basename() };
        push_printable(out, name);
        return;
    }
    let holds_stack = snap
        .process
        .start_stack
        .is_some_and(|s| r.start <= s && s <= r.end);
    if holds_stack {
        out.extend_from_slice(b"  [ stack ]");
    } else {
        out.extend_from_slice(b"  [ anon ]");
    }
}

/// Print what `pmap PID` prints.
pub fn render(snap: &Snapshot, opts: &ViewOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(snap.regions.len() * 64 + 128);
    buf.extend_from_slice(format!("{}:   ", snap.process.pid).as_bytes());
    push_printable(&mut buf, &snap.process.cmdline);
    buf.push(b'\n');
    let mut total = 0u64;
    for r in &snap.regions {
        total += r.size_kb();
        buf.extend_from_slice(format!("{:016x} {:6}K ", r.start, r.size_kb()).as_bytes());
        buf.extend_from_slice(&r.perms.as_pmap());
        buf.push(b' ');
        mapping_name(r, snap, opts.show_path, &mut buf);
        buf.push(b'\n');
    }
    buf.extend_from_slice(format!(" total {total:16}K\n").as_bytes());
    out.write_all(&buf)
}
