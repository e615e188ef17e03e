//! The demo's mappings: a file opened only if it is a regular file, mapped with
//! `memmap2` as [`MapMode`] says (by default read-only and private, `PROT_READ` and
//! `MAP_PRIVATE`, as the article's C program does).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::teach::demo::DemoError;

/// At most this many bytes of a mapping are read (and written) when every page is to be:
/// reading every page of a file larger than memory (a sparse 64 GiB file, say) would fill
/// memory with its pages for nothing the demo needs to show.
pub const TOUCH_ALL_LIMIT: usize = 64 << 20;

/// How each file is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MapMode {
    /// `MAP_SHARED` instead of `MAP_PRIVATE`.
    pub shared: bool,
    /// `PROT_WRITE` too, and one byte written to every page.
    pub write: bool,
    /// `MAP_POPULATE`: fault every page in when the mapping is made.
    pub populate: bool,
    /// Ask the kernel to drop the file's clean pages from the page cache before mapping
    /// (`posix_fadvise(POSIX_FADV_DONTNEED)`), so that reads go to the disk.
    pub uncached: bool,
}

impl MapMode {
    /// The mapping in the words of mmap(2): `read-only and private (PROT_READ, MAP_PRIVATE)`.
    pub fn describe(&self) -> String {
        let (how, prot) = if self.write {
            ("writable", "PROT_READ|PROT_WRITE")
        } else {
            ("read-only", "PROT_READ")
        };
        let (share, flag) = if self.shared {
            ("shared", "MAP_SHARED")
        } else {
            ("private", "MAP_PRIVATE")
        };
        let populate = if self.populate { "|MAP_POPULATE" } else { "" };
        format!("{how} and {share} ({prot}, {flag}{populate})")
    }
}

/// A read-only or a writable mapping.
pub enum Map {
    ReadOnly(Mmap),
    Writable(MmapMut),
}

impl Map {
    pub fn as_ptr(&self) -> *const u8 {
        match self {
            Map::ReadOnly(m) => m.as_ptr(),
            Map::Writable(m) => m.as_ptr(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Map::ReadOnly(m) => m.len(),
            Map::Writable(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One file mapped into vasmap.
pub struct Mapped {
    pub path: PathBuf,
    pub file: File,
    pub map: Map,
    /// The file's length when it was mapped.
    pub file_len: u64,
    /// Page faults (minor, major) taken inside mmap itself (MAP_POPULATE's).
    pub map_faults: (u64, u64),
}

impl Mapped {
    /// The address the kernel chose.
    pub fn start(&self) -> u64 {
        self.map.as_ptr() as u64
    }

    /// The mapping's length rounded up to whole pages: what the kernel reserved.
    pub fn reserved(&self, page: u64) -> u64 {
        (self.map.len() as u64).div_ceil(page) * page
    }

    /// How many bytes may be read now: the file may have shrunk since it was mapped.
    pub fn current_len(&self) -> usize {
        let now = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        self.map
            .len()
            .min(usize::try_from(now).unwrap_or(usize::MAX))
    }
}

/// Map the file as `mode` says, `len` bytes of it. `MAP_PRIVATE` needs only read access,
/// even writable; `MAP_SHARED` with `PROT_WRITE` needs the file open for writing.
fn map_with(file: &File, mode: MapMode, len: usize) -> io::Result<Map> {
    let mut o = MmapOptions::new();
    o.len(len);
    if mode.populate {
        o.populate();
    }
    // SAFETY: every access through the mapping is bounded by the file's current length,
    // and a page truncated away under an access is caught (`touch::SigbusGuard`).
    unsafe {
        Ok(match (mode.shared, mode.write) {
            (false, false) => Map::ReadOnly(o.map_copy_read_only(file)?),
            (false, true) => Map::Writable(o.map_copy(file)?),
            (true, false) => Map::ReadOnly(o.map(file)?),
            (true, true) => Map::Writable(o.map_mut(file)?),
        })
    }
}

/// Ask the kernel to drop the file's clean, unmapped pages from the page cache. Only
/// advice: pages another process maps, or dirty ones, stay.
fn drop_from_page_cache(file: &File) {
    use std::os::fd::AsRawFd;
    // Write back anything dirty first, or those pages could not be dropped.
    let _ = file.sync_data();
    // SAFETY: the fd is open for the call's duration; posix_fadvise only gives advice.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}

/// Open `path` (read-only unless `write`), only if it is a regular file.
///
/// The type is checked before opening (opening a FIFO would wait for a writer; opening a
/// device can have effects of its own), and again on the opened file, with `O_NONBLOCK`
/// so that a path swapped for a FIFO in between cannot block, and the same device and
/// inode required, so that what is mapped is what was checked.
fn open_regular(path: &Path, write: bool) -> Result<File, DemoError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let io_err = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => DemoError::Missing(path.to_path_buf()),
        io::ErrorKind::PermissionDenied if write => DemoError::Unwritable(path.to_path_buf()),
        io::ErrorKind::PermissionDenied => DemoError::Unreadable(path.to_path_buf()),
        _ => DemoError::Io(path.to_path_buf(), e),
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(DemoError::Directory(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(DemoError::NotRegular(path.to_path_buf()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(write)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io_err)?;
    let now = file.metadata().map_err(io_err)?;
    if !now.is_file() || now.dev() != meta.dev() || now.ino() != meta.ino() {
        return Err(DemoError::NotRegular(path.to_path_buf()));
    }
    Ok(file)
}

/// Open and map `path` as `mode` says. A writable mapping covers at most
/// [`TOUCH_ALL_LIMIT`] bytes, all that is written to: a private writable mapping of a
/// 100 GiB file would ask the kernel to promise 100 GiB of memory (ENOMEM).
pub fn open_and_map(path: &Path, mode: MapMode) -> Result<Mapped, DemoError> {
    let file = open_regular(path, mode.shared && mode.write)?;
    let file_len = file
        .metadata()
        .map_err(|e| DemoError::Io(path.to_path_buf(), e))?
        .len();
    if file_len == 0 {
        return Err(DemoError::Empty(path.to_path_buf()));
    }
    if mode.populate && file_len > TOUCH_ALL_LIMIT as u64 {
        return Err(DemoError::TooLargeToPopulate(path.to_path_buf(), file_len));
    }
    let mut len = usize::try_from(file_len).unwrap_or(usize::MAX);
    if mode.write {
        len = len.min(TOUCH_ALL_LIMIT);
    }
    if mode.uncached {
        drop_from_page_cache(&file);
    }
    let before = crate::teach::demo::touch::page_faults();
    let map = map_with(&file, mode, len).map_err(|e| DemoError::Io(path.to_path_buf(), e))?;
    let after = crate::teach::demo::touch::page_faults();
    Ok(Mapped {
        path: path.to_path_buf(),
        file,
        map,
        file_len,
        map_faults: (
            after.0.saturating_sub(before.0),
            after.1.saturating_sub(before.1),
        ),
    })
}
