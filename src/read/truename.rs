//! A live process's file names, where the kernel's text is ambiguous.
//!
//! `/proc/PID/maps` writes a newline in a path as `\012` and appends ` (deleted)` to the
//! path of an unlinked file, so a file really named `lit\012nl` (a backslash and three
//! digits) reads exactly like one named `lit`-newline-`nl`, and a real file named
//! `notdel (deleted)` exactly like a deleted `notdel`. The kernel's text cannot tell them
//! apart; the process's files can:
//!
//! - **as root** (`CAP_SYS_ADMIN`), `/proc/PID/map_files/START-END` is a link to the
//!   mapped file itself: `readlink` gives its path with the newline as it is (so a
//!   `\012` still there is the file's own), and `stat` through it gives its device,
//!   inode and link count (0 once it is unlinked);
//! - **otherwise**, the file found at the path (the name as written, or with the
//!   newline put back) is the mapped one when its device and inode are the region's.
//!
//! Only names that hold `\012` or end in ` (deleted)` cost anything (a `readlink` and a
//! `stat` or two), and only regions of files (a path, a non-zero inode). What cannot be
//! told (another user's directories, a mount namespace where the path leads elsewhere,
//! a name holding both a newline and a literal `\012`) is left as the kernel wrote it.
//! Nothing is opened: `stat` cannot block on a FIFO or wake a device.

use std::os::fd::BorrowedFd;

use rustix::fs::{AtFlags, Stat};

use crate::model::{NameLiteral, Region};

/// What the kernel appends to an unlinked file's path.
const DELETED: &[u8] = b" (deleted)";

/// True when `s` is the same file as the mapping: `mapped` (through `map_files`) when it
/// could be looked at, else the region's own device and inode.
fn same_file(s: &Stat, mapped: Option<&Stat>, r: &Region) -> bool {
    match mapped {
        Some(m) => s.st_dev == m.st_dev && s.st_ino == m.st_ino,
        None => {
            s.st_ino == r.inode
                && rustix::fs::major(s.st_dev) == r.dev_major
                && rustix::fs::minor(s.st_dev) == r.dev_minor
        }
    }
}

/// True when `path` names the mapped file.
fn is_at(path: &[u8], mapped: Option<&Stat>, r: &Region) -> bool {
    rustix::fs::stat(path).is_ok_and(|s| same_file(&s, mapped, r))
}

/// Work out [`Region::literal`] for a region of process `dir` (an open `/proc/PID`), as
/// the module's docs say. Regions whose names are not ambiguous are left untouched
/// (their `literal` reset to the default).
pub fn settle(r: &mut Region, dir: BorrowedFd<'_>) {
    r.literal = NameLiteral::default();
    // Only a file's regions can be ambiguous: the cheap tests first (three mappings in
    // four are anonymous). Callgrind, `vasmap --pmap` of 60,000 mappings: 61.8 million for
    // the run before, 61.6 with the tests reordered, 61.2 with `memchr` for the backslash.
    if r.inode == 0 || !r.is_path() {
        return;
    }
    let escaped = crate::text::has_kernel_newline(&r.name);
    let marked = r.name.ends_with(DELETED);
    if !(escaped || marked) {
        return;
    }
    let link = format!("map_files/{:x}-{:x}", r.start, r.end);
    let mapped = rustix::fs::statat(dir, link.as_str(), AtFlags::empty()).ok();
    if escaped {
        r.literal.escapes = match rustix::fs::readlinkat(dir, link.as_str(), Vec::new()) {
            // The link's text is the path before the kernel escaped it for maps.
            Ok(target) => target.as_bytes() == r.name.as_slice(),
            Err(_) => {
                let unmarked = r.name.strip_suffix(DELETED).unwrap_or(&r.name);
                let candidates: &[&[u8]] = if marked {
                    &[&r.name, unmarked]
                } else {
                    &[&r.name]
                };
                candidates.iter().any(|&path| {
                    is_at(path, mapped.as_ref(), r)
                        && !is_at(&crate::text::unescape_kernel(path), mapped.as_ref(), r)
                })
            }
        };
    }
    if marked {
        let unlinked = mapped.as_ref().is_some_and(|m| m.st_nlink == 0);
        r.literal.deleted_suffix = !unlinked && is_at(&r.name_bytes(), mapped.as_ref(), r);
    }
}
