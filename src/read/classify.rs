//! Deciding each region's [`Kind`] from its full name, its device and inode, and facts
//! about the process (its executable, its stack, its threads' stack pointers).
//!
//! A basename alone is never enough: a file can be called `[heap]` or `SYSV00000000`, so
//! pseudo names are only recognised where the kernel writes them (no leading `/`), and
//! shared-memory names only on the kernel's internal shmem device (major 0).

use crate::model::{Kind, ProcessInfo, Region};

/// The suffix the kernel appends to the name of an unlinked file.
const DELETED: &[u8] = b" (deleted)";

/// The last component of `path` (all of it when it has no `/`), and whether that looks like
/// a shared object ([`is_shared_object`]), in one pass from the end.
///
/// Why one pass: finding the last `/` and then testing each dot of what follows it cost
/// about 250 instructions a file mapping (callgrind, `vasmap --pmap` of 60,000 mappings,
/// 15,000 of them files); in one, about 200 (the run went from 60.8 to 59.9 million).
#[inline]
fn base_and_so(path: &[u8]) -> (&[u8], bool) {
    let mut so = false;
    let mut i = path.len();
    while let Some(&b) = i.checked_sub(1).and_then(|j| path.get(j)) {
        if b == b'/' {
            break;
        }
        // A dot at i - 1: what follows it is within the last component.
        if b == b'.' && matches!(path.get(i..), Some([b's', b'o'] | [b's', b'o', b'.', ..])) {
            so = true;
        }
        i -= 1;
    }
    (path.get(i..).unwrap_or_default(), so)
}

/// True for a file name that looks like a shared object: `x.so` or `x.so.N...`. (What
/// [`base_and_so`] finds; kept as the plain statement of it, for its test.)
#[cfg(test)]
fn is_shared_object(base: &[u8]) -> bool {
    // From each dot only: comparing every three-byte window was a third of classifying
    // the 15,000 file mappings of a 60,000-mapping process.
    base.iter().enumerate().any(|(i, &b)| {
        b == b'.'
            && matches!(
                base.get(i + 1..),
                Some([b's', b'o']) | Some([b's', b'o', b'.', ..])
            )
    })
}

/// True for the dynamic loader's file name (`ld-linux-x86-64.so.2`, `ld-linux.so.2`,
/// `ld-2.31.so`, `ld-musl-x86_64.so.1`), given whether it looks like a shared object.
fn is_loader(base: &[u8], so: bool) -> bool {
    so && base.starts_with(b"ld-")
}

/// `/SYSV` followed by eight hex digits: the name the kernel gives a SysV shm segment.
fn is_sysv_name(path: &[u8]) -> bool {
    path.len() == 13 && path.starts_with(b"/SYSV") && path[5..].iter().all(u8::is_ascii_hexdigit)
}

/// The kind of one region, given what is known of the process.
///
/// Inlined, with the anonymous case, into the reader that calls it for every region: three
/// mappings in four have no name, and the call and the match on pseudo names cost more
/// than their few tests (callgrind, `vasmap --pmap` of 60,000 mappings: 61.2 million for
/// the run before, 60.8 after).
#[inline(always)]
pub fn kind_of(r: &Region, p: &ProcessInfo) -> Kind {
    match r.name.first() {
        None => anon_kind(r, p),
        Some(b'/') => file_kind(r, p),
        Some(_) => pseudo_kind(r),
    }
}

/// The kind of a region whose name is not a path and not empty: the kernel's `[heap]`,
/// `[stack]`, ..., or a name a saved capture holds.
#[inline(never)]
fn pseudo_kind(r: &Region) -> Kind {
    let name = r.name.as_slice();
    match name {
        b"[heap]" => Kind::Heap,
        b"[stack]" => Kind::Stack,
        b"[vdso]" => Kind::Vdso,
        b"[vvar]" | b"[vvar_vclock]" => Kind::Vvar,
        b"[vsyscall]" => Kind::Vsyscall,
        _ if let Some(rest) = name.strip_prefix(b"[stack:") => {
            // Kernels before 4.5 named thread stacks `[stack:TID]`. A saved capture can
            // hold anything after the prefix (even nothing): the tid is then 0.
            let digits = rest.strip_suffix(b"]").unwrap_or(rest);
            let tid = std::str::from_utf8(digits)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            Kind::ThreadStack { tid }
        }
        _ if name.starts_with(b"[anon_shmem:") => Kind::SharedAnon,
        _ if name.starts_with(b"[anon:") => Kind::NamedAnon,
        _ => Kind::Special,
    }
}

#[inline(always)]
fn anon_kind(r: &Region, p: &ProcessInfo) -> Kind {
    if p.start_stack.is_some_and(|s| r.contains(s)) {
        return Kind::Stack;
    }
    if let Some(tid) = p.thread_in(r) {
        return Kind::ThreadStack { tid };
    }
    if !r.perms.read && !r.perms.write && !r.perms.exec {
        return Kind::no_access(r.size());
    }
    Kind::Anon
}

#[inline(never)]
fn file_kind(r: &Region, p: &ProcessInfo) -> Kind {
    let name = r.name.as_slice();
    let deleted = r.is_deleted();
    let path = if deleted {
        &name[..name.len() - DELETED.len()]
    } else {
        name
    };
    let is_exe = match p.exe_id {
        Some((maj, min, ino)) if r.inode != 0 => {
            maj == r.dev_major && min == r.dev_minor && ino == r.inode
        }
        _ => false,
    } || p.exe_path.as_deref() == Some(name);
    if is_exe {
        return Kind::Program;
    }
    // Internal shmem objects live on a device with major 0 (no real block device).
    let on_shmem = r.dev_major == 0;
    if deleted && on_shmem {
        if path.starts_with(b"/memfd:") {
            return Kind::Memfd;
        }
        if is_sysv_name(path) {
            return Kind::SysvShm { shmid: r.inode };
        }
        if path == b"/dev/zero" {
            return Kind::SharedAnon;
        }
    }
    if deleted {
        return Kind::DeletedFile;
    }
    let (base, so) = base_and_so(path);
    if is_loader(base, so) {
        Kind::Loader
    } else if so {
        Kind::Library
    } else if path.starts_with(b"/dev/") {
        Kind::Special
    } else {
        Kind::File
    }
}

/// Set the kind of every region of a snapshot.
pub fn classify(regions: &mut [Region], p: &ProcessInfo) {
    for r in regions.iter_mut() {
        r.kind = kind_of(r, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse::parse_maps_line;

    /// Check each `(maps line, expected kind)` pair against `p`.
    fn check(p: &ProcessInfo, cases: &[(&str, Kind)]) {
        for (line, want) in cases {
            let r = parse_maps_line(line.as_bytes()).unwrap();
            assert_eq!(kind_of(&r, p), *want, "{line}");
        }
    }

    proptest::proptest! {
        /// The one backward pass finds the component after the last `/` and tests it as
        /// the plain definition does.
        #[test]
        fn base_and_so_is_the_last_component_and_its_so_test(
            path in proptest::collection::vec(
                proptest::sample::select(b"/.so1lx-".to_vec()),
                0..24,
            ),
        ) {
            let base = match path.iter().rposition(|&b| b == b'/') {
                Some(i) => &path[i + 1..],
                None => &path[..],
            };
            proptest::prop_assert_eq!(base_and_so(&path), (base, is_shared_object(base)));
        }
    }

    #[test]
    fn names_that_look_special_but_are_files() {
        check(
            &ProcessInfo::default(),
            &[
                ("1000-2000 r--p 0 fe:00 7 /tmp/[heap]", Kind::File),
                (
                    "1000-2000 r--p 0 fe:00 7 /SYSV00000000 (deleted)",
                    Kind::DeletedFile,
                ),
                ("1000-2000 r--p 0 fe:00 7 /tmp/not.sox", Kind::File),
                ("1000-2000 r--p 0 00:00 0 [heap]", Kind::Heap),
            ],
        );
    }

    #[test]
    fn shared_memory_kinds() {
        check(
            &ProcessInfo::default(),
            &[
                (
                    "1000-2000 rw-s 0 00:01 32769 /SYSV0000abcd (deleted)",
                    Kind::SysvShm { shmid: 32769 },
                ),
                ("1000-2000 rw-s 0 00:01 5 /memfd:x (deleted)", Kind::Memfd),
                (
                    "1000-2000 rw-s 0 00:01 5 /dev/zero (deleted)",
                    Kind::SharedAnon,
                ),
                (
                    "1000-2000 rw-s 0 00:00 0 [anon_shmem:pool]",
                    Kind::SharedAnon,
                ),
                ("1000-2000 rw-p 0 00:00 0 [anon:arena]", Kind::NamedAnon),
            ],
        );
    }

    #[test]
    fn libraries_loader_and_program() {
        let p = ProcessInfo {
            exe_id: Some((0xfe, 0, 99)),
            ..Default::default()
        };
        check(
            &p,
            &[
                ("1000-2000 r-xp 0 fe:00 99 /usr/bin/cat", Kind::Program),
                (
                    "1000-2000 r-xp 0 fe:00 98 /usr/lib/libc.so.6",
                    Kind::Library,
                ),
                ("1000-2000 r-xp 0 fe:00 98 /usr/lib/libz.so", Kind::Library),
                (
                    "1000-2000 r-xp 0 fe:00 97 /usr/lib/ld-linux-x86-64.so.2",
                    Kind::Loader,
                ),
            ],
        );
    }

    #[test]
    fn anonymous_stacks_and_guards() {
        let p = ProcessInfo {
            start_stack: Some(0x1800),
            thread_sps: vec![(77, 0x3800)],
            ..Default::default()
        };
        check(
            &p,
            &[
                ("1000-2000 rw-p 0 00:00 0 ", Kind::Stack),
                ("3000-4000 rw-p 0 00:00 0 ", Kind::ThreadStack { tid: 77 }),
                ("5000-6000 ---p 0 00:00 0 ", Kind::Guard),
                ("6000-7000 rw-p 0 00:00 0 ", Kind::Anon),
            ],
        );
    }

    #[test]
    fn old_kernels_thread_stack_names_and_broken_ones() {
        check(
            &ProcessInfo::default(),
            &[
                (
                    "1000-2000 rw-p 0 00:00 0 [stack:4321]",
                    Kind::ThreadStack { tid: 4321 },
                ),
                // Only a saved capture can hold these; they once panicked.
                (
                    "1000-2000 rw-p 0 00:00 0 [stack:",
                    Kind::ThreadStack { tid: 0 },
                ),
                (
                    "1000-2000 rw-p 0 00:00 0 [stack:]",
                    Kind::ThreadStack { tid: 0 },
                ),
                (
                    "1000-2000 rw-p 0 00:00 0 [stack:12",
                    Kind::ThreadStack { tid: 12 },
                ),
            ],
        );
    }
}
