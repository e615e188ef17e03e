//! `vasmap self --map FILE`: the article's `ex_mmap.c`, without C and without its bugs.
//!
//! vasmap maps each file read-only and private with `memmap2` (`PROT_READ`,
//! `MAP_PRIVATE`, as the article does), shows where the kernel put it, reads the file's
//! bytes through the mapping (bounded by the file's length: the article's loop reads until
//! it meets a `'0'` and runs off the end of the mapping when the file has none), and shows
//! demand paging: how much of the mapping is resident before and after its pages are read.
//! Then it prints its own map with the new rows marked.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use memmap2::{Mmap, MmapOptions};

use crate::render::{Mark, ViewOptions, render};
use crate::source::{ProcDir, ReadOptions, SourceError};
use crate::text::{escape_path, escape_text, sanitize_message};

/// Which pages the demo reads through each mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// None: the mapping stays unread, so nothing is resident.
    None,
    /// Only the first byte of the first page.
    First,
    /// One byte of every page.
    #[default]
    All,
}

/// The demo's options, plain data.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    pub files: Vec<PathBuf>,
    pub wait: bool,
    pub touch: Touch,
    pub view: ViewOptions,
}

/// Why a file could not be mapped. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: no such file (give the path of an existing file to --map)", escape_path(&.0))]
    Missing(PathBuf),
    #[error("{}: is a directory; --map takes a regular file", escape_path(&.0))]
    Directory(PathBuf),
    #[error("{}: not a regular file (a FIFO, socket or device cannot be shown this way); --map takes a regular file", escape_path(&.0))]
    NotRegular(PathBuf),
    #[error("{}: the file is empty, and mmap cannot map zero bytes; put some text in it first", escape_path(&.0))]
    Empty(PathBuf),
    #[error("{}: permission denied: vasmap needs to read the file to map it", escape_path(&.0))]
    Unreadable(PathBuf),
    #[error("{}: cannot map the file: {}", escape_path(&.0), .1)]
    Io(PathBuf, io::Error),
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

/// One file mapped into vasmap.
struct Mapped {
    path: PathBuf,
    file: File,
    map: Mmap,
}

fn open_and_map(path: &Path) -> Result<Mapped, DemoError> {
    let io_err = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => DemoError::Missing(path.to_path_buf()),
        io::ErrorKind::PermissionDenied => DemoError::Unreadable(path.to_path_buf()),
        _ => DemoError::Io(path.to_path_buf(), e),
    };
    let file = open_regular(path).map_err(|e| match e {
        OpenError::Io(e) => io_err(e),
        OpenError::Demo(e) => e,
    })?;
    let len = file.metadata().map_err(io_err)?.len();
    if len == 0 {
        return Err(DemoError::Empty(path.to_path_buf()));
    }
    // SAFETY: the mapping is read-only and private. Another process may truncate the
    // file while it is mapped; reading past the new end would raise SIGBUS, so every
    // read below first re-checks the file's length (see `current_len`).
    let map = unsafe { MmapOptions::new().map_copy_read_only(&file) }.map_err(io_err)?;
    Ok(Mapped {
        path: path.to_path_buf(),
        file,
        map,
    })
}

enum OpenError {
    Io(io::Error),
    Demo(DemoError),
}

/// Open `path` read-only, only if it is a regular file.
///
/// The type is checked before opening (opening a FIFO would wait for a writer; opening a
/// device can have effects of its own), and again on the opened file, with `O_NONBLOCK`
/// so that a path swapped for a FIFO in between cannot block, and the same device and
/// inode required, so that what is mapped is what was checked.
fn open_regular(path: &Path) -> Result<File, OpenError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let meta = std::fs::metadata(path).map_err(OpenError::Io)?;
    if meta.is_dir() {
        return Err(OpenError::Demo(DemoError::Directory(path.to_path_buf())));
    }
    if !meta.is_file() {
        return Err(OpenError::Demo(DemoError::NotRegular(path.to_path_buf())));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(OpenError::Io)?;
    let now = file.metadata().map_err(OpenError::Io)?;
    if !now.is_file() || now.dev() != meta.dev() || now.ino() != meta.ino() {
        return Err(OpenError::Demo(DemoError::NotRegular(path.to_path_buf())));
    }
    Ok(file)
}

/// At most this many bytes of a mapping are read when every page is to be read: reading
/// every page of a file larger than memory (a sparse 64 GiB file, say) would fill memory
/// with its pages for nothing the demo needs to show.
pub const TOUCH_ALL_LIMIT: usize = 64 << 20;

/// The offsets of the pages `touch` asks to read in a mapping whose file is now `len`
/// bytes long, and whether [`TOUCH_ALL_LIMIT`] cut the list short.
fn touch_offsets(len: usize, touch: Touch, page: usize) -> (Vec<usize>, bool) {
    match touch {
        Touch::None => (Vec::new(), false),
        Touch::First => ((len > 0).then_some(0).into_iter().collect(), false),
        Touch::All => {
            let end = len.min(TOUCH_ALL_LIMIT);
            ((0..end).step_by(page.max(1)).collect(), end < len)
        }
    }
}

/// A hook for the tests of a file truncated after it was mapped: with
/// `VASMAP_TEST_PAUSE_AFTER_MAP` set, vasmap says `paused` on stderr and waits for a line
/// on stdin after mapping the files and before reading any of them.
fn test_pause_after_map(err: &mut dyn Write) -> io::Result<()> {
    if std::env::var_os("VASMAP_TEST_PAUSE_AFTER_MAP").is_some() {
        writeln!(err, "vasmap: paused after mapping")?;
        err.flush()?;
        let mut line = String::new();
        let _ = io::stdin().lock().read_line(&mut line);
    }
    Ok(())
}

impl Mapped {
    fn start(&self) -> u64 {
        self.map.as_ptr() as u64
    }

    /// The mapping's length rounded up to whole pages: what the kernel reserved.
    fn mapped_len(&self, page: u64) -> u64 {
        (self.map.len() as u64).div_ceil(page) * page
    }

    /// How many bytes may be read now: the file may have shrunk since it was mapped.
    fn current_len(&self) -> usize {
        let now = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        self.map
            .len()
            .min(usize::try_from(now).unwrap_or(usize::MAX))
    }
}

/// The page size, from the kernel.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 { v as u64 } else { 4096 }
}

/// Minor and major page faults of this process so far (`getrusage`).
pub fn page_faults() -> (u64, u64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a rusage into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return (0, 0);
    }
    // SAFETY: getrusage succeeded, so the struct is initialised.
    let usage = unsafe { usage.assume_init() };
    (usage.ru_minflt as u64, usage.ru_majflt as u64)
}

/// Resident kB of the mapping that starts at `start`, from vasmap's own smaps.
fn resident_kb(me: &ProcDir, start: u64) -> Result<u64, DemoError> {
    let snap = me.snapshot(ReadOptions { smaps: true })?;
    Ok(snap
        .region_at(start)
        .and_then(|i| snap.regions[i].smaps.as_ref())
        .map_or(0, |s| s.rss))
}

/// Read one byte of each page the options ask for; returns how many pages were read.
fn touch_pages(m: &Mapped, touch: Touch, page: usize) -> usize {
    let len = m.current_len();
    let (pages, _) = touch_offsets(len, touch, page);
    let mut sum = 0u8;
    let mut read = 0;
    for off in pages {
        if off < len {
            // A volatile read, so the compiler cannot skip the access that makes the fault.
            // SAFETY: off < current length of the file <= mapping length.
            sum ^= unsafe { std::ptr::read_volatile(m.map.as_ptr().add(off)) };
            read += 1;
        }
    }
    std::hint::black_box(sum);
    read
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// How much of the file's text the demo prints.
const SHOW_BYTES: usize = 4096;

/// Run the demo, printing to `out`. Files that cannot be mapped are reported on `err`
/// and the others still shown; the result says whether all of them were.
pub fn run(
    opts: &DemoOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, DemoError> {
    let me = ProcDir::myself()?;
    let page = page_size();
    let mut all_ok = true;
    let mut mapped = Vec::new();
    for path in &opts.files {
        match open_and_map(path) {
            Ok(m) => mapped.push(m),
            Err(e) => {
                all_ok = false;
                writeln!(err, "vasmap: {}", sanitize_message(&e.to_string()))
                    .map_err(DemoError::Output)?;
            }
        }
    }
    let w = |r: io::Result<()>| r.map_err(DemoError::Output);
    test_pause_after_map(err).map_err(DemoError::Output)?;
    let pid = std::process::id();
    for m in &mapped {
        let len = m.map.len() as u64;
        let reserved = m.mapped_len(page);
        w(writeln!(
            out,
            "vasmap (pid {pid}) mapped {} read-only and private (PROT_READ, MAP_PRIVATE):",
            escape_text(m.path.as_os_str().as_encoded_bytes(), false)
        ))?;
        w(writeln!(
            out,
            "  at {:#x}-{:#x}: {} of file in {} of {} bytes ({} kB reserved)",
            m.start(),
            m.start() + reserved,
            plural(len, "byte"),
            plural(reserved / page, "page"),
            page,
            reserved / 1024
        ))?;
        let before = resident_kb(&me, m.start())?;
        w(writeln!(
            out,
            "  resident before reading: {before} kB (mmap only reserved the addresses; no page has been read yet)"
        ))?;
        let faults_before = page_faults();
        let pages_read = touch_pages(m, opts.touch, page as usize);
        let faults_after = page_faults();
        let after = resident_kb(&me, m.start())?;
        w(writeln!(
            out,
            "  resident after reading {} page(s): {after} kB; page faults: {} minor, {} major",
            pages_read,
            faults_after.0.saturating_sub(faults_before.0),
            faults_after.1.saturating_sub(faults_before.1)
        ))?;
        if touch_offsets(m.current_len(), opts.touch, page as usize).1 {
            w(writeln!(
                out,
                "  (only the first {} MiB were read: reading every page of a file this large \
                 would fill memory with its pages)",
                TOUCH_ALL_LIMIT >> 20
            ))?;
        }
        if after > pages_read as u64 * page / 1024 {
            w(writeln!(
                out,
                "  (more than was read is resident: on a fault the kernel also maps the \
                 neighbouring pages already in the page cache, up to 64 kB: fault-around)"
            ))?;
        }
        let readable = m.current_len();
        let shown = readable.min(SHOW_BYTES);
        w(writeln!(
            out,
            "  the file's bytes, read through the mapping:"
        ))?;
        let text = escape_text(&m.map[..shown], true);
        for line in text.lines() {
            w(writeln!(out, "  | {line}"))?;
        }
        if readable > shown {
            w(writeln!(
                out,
                "  ... ({} more not shown)",
                plural((readable - shown) as u64, "byte")
            ))?;
        }
        if readable < m.map.len() {
            w(writeln!(
                out,
                "  (the file shrank to {readable} bytes after it was mapped: reading past its end would raise SIGBUS, so vasmap stopped there)"
            ))?;
        }
        w(writeln!(out))?;
    }
    let mut view = opts.view.clone();
    for m in &mapped {
        let name = m
            .path
            .file_name()
            .map(|n| escape_text(n.as_encoded_bytes(), false))
            .unwrap_or_default();
        view.marks.push(Mark {
            start: m.start(),
            end: m.start() + m.mapped_len(page),
            note: format!("{name} mapped by vasmap"),
        });
    }
    let snap = me.snapshot(ReadOptions::default())?;
    w(render(&snap, &view, out))?;
    if opts.wait {
        w(writeln!(
            out,
            "\nvasmap is pid {pid}. In another terminal, try:\n  pmap {pid}\n  vasmap {pid}\nPress q or Enter (or end the input) to unmap and exit."
        ))?;
        w(out.flush())?;
        let stdin = io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.lock().read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line.trim().is_empty() || line.contains('q') => break,
                Ok(_) => {}
            }
        }
    }
    drop(mapped);
    Ok(all_ok)
}
