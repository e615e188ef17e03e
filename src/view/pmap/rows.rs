//! The pieces of a row of pmap's default, `-x` and `-d` views (`src/pmap.c`'s
//! `one_proc`): the address and size it starts with, the five-letter mode, and the name
//! as pmap's `mapping_name` makes it (`[ anon ]`, `[ stack ]`, `[ shmid=0x.. ]`, or what
//! follows the last `/`, with every byte that is not printable ASCII as `?`). The
//! `-X`-style views print names another way (see `extra.rs`).

use crate::model::{Kind, ProcessInfo, Region};
use crate::view::numfmt::{push_dec, push_hex};

/// `%016lx %Nlu`: how a row of the default, `-x` and `-d` views begins, the address and
/// the size in kB right-aligned in `size_width` columns.
#[inline]
pub(super) fn push_row_start(buf: &mut Vec<u8>, r: &Region, size_width: usize) {
    push_hex(buf, r.start, 16);
    buf.push(b' ');
    push_dec(buf, r.size() >> 10, size_width);
}

/// `%s %s\n`: how a row of the default and `-x` views ends, the mode and the name.
#[inline]
pub(super) fn push_mode_and_name(
    buf: &mut Vec<u8>,
    r: &Region,
    process: &ProcessInfo,
    show_path: bool,
) {
    buf.extend_from_slice(&r.perms.as_pmap());
    buf.push(b' ');
    mapping_name(r, process, show_path, buf);
    buf.push(b'\n');
}

/// The name column of the default, `-x` and `-d` views, as pmap's `mapping_name` computes
/// it from the maps line after turning every byte that is not printable ASCII into `?`.
pub(super) fn mapping_name(r: &Region, process: &ProcessInfo, show_path: bool, out: &mut Vec<u8>) {
    // A core dump does not record a segment's shmid (the inode): say so rather than 0.
    if let (Kind::SysvShm { .. }, Some(_)) = (r.kind, r.dumped) {
        out.extend_from_slice(b"  [ shmid=? ]");
        return;
    }
    if let Kind::SysvShm { .. } = r.kind {
        out.extend_from_slice(b"  [ shmid=0x");
        push_hex(out, r.inode, 0);
        out.extend_from_slice(b" ]");
        return;
    }
    // Printable ASCII stays, every other byte is `?` (never a '/', so the slashes found
    // in the raw name are the ones pmap finds).
    let push_printable = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(
            bytes
                .iter()
                .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' }),
        );
    };
    let name = &r.name[..];
    // pmap looks for '/' in the whole line; the fixed columns never hold one, so any '/'
    // is in the name, including in a non-path name such as `[anon:a/b]`.
    if let Some(last) = memchr::memrchr(b'/', name) {
        if show_path {
            let first = memchr::memchr(b'/', name).unwrap_or(last);
            push_printable(out, &name[first..]);
        } else if last + 1 < name.len() {
            push_printable(out, &name[last + 1..]);
        } else {
            out.push(b'/');
        }
        return;
    }
    // "[ stack ]" for the mapping holding startstack, end inclusive as in pmap.
    if process.holds_start_stack(r) {
        out.extend_from_slice(b"  [ stack ]");
    } else {
        out.extend_from_slice(b"  [ anon ]");
    }
}
