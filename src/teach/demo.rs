//! `vasmap self --map FILE`: the article's `ex_mmap.c`, without C and without its bugs.
//!
//! vasmap maps each file with `memmap2`, by default read-only and private (`PROT_READ`,
//! `MAP_PRIVATE`, as the article does; `--shared`, `--write` and `--populate` change
//! that), shows where the kernel put it, reads the file's
//! bytes through the mapping (bounded by the file's length: the article's loop reads until
//! it meets a `'0'` and runs off the end of the mapping when the file has none), and shows
//! demand paging: how much of the mapping is resident before and after its pages are read.
//! Then it prints its own map with the new rows marked.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::inspect::{InspectError, Inspector, Task};
use crate::model::SmapsRecord;
use crate::read::proc::{ProcDir, ReadOptions, SourceError};
use crate::read::saved::SavedError;
use crate::text::{escape_path, escape_text, sanitize_message};
use crate::view::ViewOptions;
use crate::view::pipeline::Mark;

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

/// The demo's options, plain data.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    pub files: Vec<PathBuf>,
    pub wait: bool,
    pub touch: Touch,
    pub mode: MapMode,
    /// Skip printing vasmap's own map after the demo (`--no-map`).
    pub no_map: bool,
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
    #[error("{}: permission denied: --shared --write needs to open the file for writing (or drop --shared to write to a private copy)", escape_path(&.0))]
    Unwritable(PathBuf),
    #[error("{}: --populate would read all {} MiB of the file into memory at once; it is refused for files over {} MiB (drop --populate: the demo then reads at most the first {} MiB)", escape_path(&.0), .1 >> 20, TOUCH_ALL_LIMIT >> 20, TOUCH_ALL_LIMIT >> 20)]
    TooLargeToPopulate(PathBuf, u64),
    #[error("{}: cannot map the file: {}", escape_path(&.0), .1)]
    Io(PathBuf, io::Error),
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

/// A read-only or a writable mapping.
enum Map {
    ReadOnly(Mmap),
    Writable(MmapMut),
}

impl Map {
    fn as_ptr(&self) -> *const u8 {
        match self {
            Map::ReadOnly(m) => m.as_ptr(),
            Map::Writable(m) => m.as_ptr(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Map::ReadOnly(m) => m.len(),
            Map::Writable(m) => m.len(),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Map::ReadOnly(m) => m,
            Map::Writable(m) => m,
        }
    }
}

/// One file mapped into vasmap.
struct Mapped {
    path: PathBuf,
    file: File,
    map: Map,
    /// Page faults (minor, major) taken inside mmap itself (MAP_POPULATE's).
    map_faults: (u64, u64),
}

/// Map the file as `mode` says. `MAP_PRIVATE` needs only read access, even writable;
/// `MAP_SHARED` with `PROT_WRITE` needs the file open for writing.
fn map_with(file: &File, mode: MapMode) -> io::Result<Map> {
    let mut o = MmapOptions::new();
    if mode.populate {
        o.populate();
    }
    // SAFETY: see open_and_map: every access is bounded by the file's current length.
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

fn open_and_map(path: &Path, mode: MapMode) -> Result<Mapped, DemoError> {
    let io_err = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => DemoError::Missing(path.to_path_buf()),
        io::ErrorKind::PermissionDenied if mode.shared && mode.write => {
            DemoError::Unwritable(path.to_path_buf())
        }
        io::ErrorKind::PermissionDenied => DemoError::Unreadable(path.to_path_buf()),
        _ => DemoError::Io(path.to_path_buf(), e),
    };
    let file = open_regular(path, mode.shared && mode.write).map_err(|e| match e {
        OpenError::Io(e) => io_err(e),
        OpenError::Demo(e) => e,
    })?;
    let len = file.metadata().map_err(io_err)?.len();
    if len == 0 {
        return Err(DemoError::Empty(path.to_path_buf()));
    }
    if mode.populate && len > TOUCH_ALL_LIMIT as u64 {
        return Err(DemoError::TooLargeToPopulate(path.to_path_buf(), len));
    }
    // Another process may truncate the file while it is mapped; touching a page past
    // the new end would raise SIGBUS, so every access below first re-checks the file's
    // length (see `current_len`).
    if mode.uncached {
        drop_from_page_cache(&file);
    }
    let before = page_faults();
    let map = map_with(&file, mode).map_err(io_err)?;
    let after = page_faults();
    Ok(Mapped {
        path: path.to_path_buf(),
        file,
        map,
        map_faults: (
            after.0 - before.0.min(after.0),
            after.1 - before.1.min(after.1),
        ),
    })
}

enum OpenError {
    Io(io::Error),
    Demo(DemoError),
}

/// Open `path` (read-only unless `write`), only if it is a regular file.
///
/// The type is checked before opening (opening a FIFO would wait for a writer; opening a
/// device can have effects of its own), and again on the opened file, with `O_NONBLOCK`
/// so that a path swapped for a FIFO in between cannot block, and the same device and
/// inode required, so that what is mapped is what was checked.
fn open_regular(path: &Path, write: bool) -> Result<File, OpenError> {
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
        .write(write)
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

/// The smaps record of the mapping that starts at `start`, from vasmap's own smaps.
fn smaps_of(me: &ProcDir, start: u64) -> Result<SmapsRecord, DemoError> {
    use crate::read::RegionSource;
    let (info, task) = me.prepare(ReadOptions::default())?;
    let mut src = me.regions(&info, task, true)?;
    let mut found = None;
    while src.advance()? {
        if src.region().start == start {
            found = src.region().smaps.clone();
        }
    }
    Ok(found.unwrap_or_default())
}

/// Resident kB of the mapping that starts at `start`, from vasmap's own smaps.
fn resident_kb(me: &ProcDir, start: u64) -> Result<u64, DemoError> {
    Ok(smaps_of(me, start)?.rss)
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

/// Print what happens to one mapping: where it is, what is resident before and after its
/// pages are read (and written), the page faults that took, and why; then its text.
fn show_mapping(
    me: &ProcDir,
    m: &mut Mapped,
    opts: &DemoOptions,
    page: u64,
    pid: u32,
    out: &mut dyn Write,
) -> Result<(), DemoError> {
    let w = |r: io::Result<()>| r.map_err(DemoError::Output);
    let len = m.map.len() as u64;
    let reserved = m.mapped_len(page);
    let reserved_kb = reserved / 1024;
    let pages = reserved / page;
    w(writeln!(
        out,
        "vasmap (pid {pid}) mapped {} {}:",
        escape_text(m.path.as_os_str().as_encoded_bytes(), false),
        opts.mode.describe()
    ))?;
    w(writeln!(
        out,
        "  at {:#x}-{:#x}: {} of file in {} of {} bytes ({} kB reserved)",
        m.start(),
        m.start() + reserved,
        plural(len, "byte"),
        plural(pages, "page"),
        page,
        reserved_kb
    ))?;
    let before = resident_kb(me, m.start())?;
    if opts.mode.populate {
        w(writeln!(
            out,
            "  resident before reading: {before} kB of {reserved_kb} kB (MAP_POPULATE faulted the pages in inside mmap: {} minor, {} major faults)",
            m.map_faults.0, m.map_faults.1
        ))?;
    } else {
        w(writeln!(
            out,
            "  resident before reading: {before} kB of {reserved_kb} kB (mmap only reserved the addresses; no page has been read yet)"
        ))?;
    }
    let faults_before = page_faults();
    let pages_read = touch_pages(m, opts.touch, page as usize);
    let faults_after = page_faults();
    let minor = faults_after.0.saturating_sub(faults_before.0);
    let major = faults_after.1.saturating_sub(faults_before.1);
    let after = resident_kb(me, m.start())?;
    let what = match opts.touch {
        Touch::None => "nothing read (--touch none)".to_string(),
        Touch::First => "reading 1 byte of the first page".to_string(),
        Touch::All => format!(
            "reading 1 byte of each page ({})",
            plural(pages_read as u64, "page")
        ),
    };
    w(writeln!(out, "  {what}"))?;
    w(writeln!(
        out,
        "  resident after reading {}: {after} kB of {reserved_kb} kB; page faults: {minor} minor, {major} major",
        plural(pages_read as u64, "page"),
    ))?;
    if touch_offsets(m.current_len(), opts.touch, page as usize).1 {
        w(writeln!(
            out,
            "  (only the first {} MiB were read: reading every page of a file this large \
             would fill memory with its pages)",
            TOUCH_ALL_LIMIT >> 20
        ))?;
    }
    for note in paging_notes(pages_read as u64, after, before, minor, major, page) {
        w(writeln!(out, "  {note}"))?;
    }
    if opts.mode.write {
        write_pages_and_report(me, m, opts.mode, page, out)?;
    }
    let readable = m.current_len();
    let shown = readable.min(SHOW_BYTES);
    w(writeln!(
        out,
        "  the file's bytes, read through the mapping:"
    ))?;
    // At most SHOW_LINES lines: a big file's text is not the point of the demo.
    let mut end = 0;
    for (n, line) in m.map.bytes()[..shown]
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
    {
        if n == SHOW_LINES {
            break;
        }
        end += line.len();
    }
    let shown = end;
    let text = escape_text(&m.map.bytes()[..shown], true);
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
    w(writeln!(out))
}

/// Why the kernel made resident what it did, in a few plain lines.
fn paging_notes(
    read: u64,
    after_kb: u64,
    before_kb: u64,
    minor: u64,
    major: u64,
    page: u64,
) -> Vec<String> {
    let mut notes = Vec::new();
    let page_kb = (page / 1024).max(1);
    let resident_pages = after_kb / page_kb;
    if before_kb > 0 && after_kb == before_kb && read > 0 && minor + major == 0 {
        notes.push("no fault at all: every page was already resident".to_string());
        return notes;
    }
    if major > 0 {
        notes.push(format!(
            "{}: the data was not in the page cache, so the kernel read it from the",
            plural(major, "major fault")
        ));
        notes.push("  disk, and readahead read the pages after it in the same trip".to_string());
    }
    if resident_pages > read && before_kb == 0 {
        notes.push(format!(
            "fault-around: {} read, {} resident. On a fault the kernel also maps the neighbouring",
            plural(read, "page"),
            resident_pages
        ));
        notes.push(
            "  pages already in the page cache: up to 16 (64 kB, fault_around_bytes), fewer"
                .to_string(),
        );
        notes.push("  at the mapping's ends or at a page table's (2 MiB) edge".to_string());
    } else if read > 0 && minor + major > 0 && minor + major < read {
        notes.push(format!(
            "{} read with only {}: on each fault the kernel also mapped the neighbouring",
            plural(read, "page"),
            plural(minor + major, "page fault")
        ));
        notes.push("  pages already in the page cache, up to 64 kB (fault-around)".to_string());
    }
    notes
}

/// The byte `--write` puts at the start of each page.
const WRITTEN: u8 = b'#';

/// Write one byte to each page and show what that did: with `MAP_PRIVATE`, private dirty
/// (copy-on-write) pages and an unchanged file; with `MAP_SHARED`, a changed file.
fn write_pages_and_report(
    me: &ProcDir,
    m: &mut Mapped,
    mode: MapMode,
    page: u64,
    out: &mut dyn Write,
) -> Result<(), DemoError> {
    use std::os::unix::fs::FileExt;
    let w = |r: io::Result<()>| r.map_err(DemoError::Output);
    let len = m.current_len();
    // Bounded like reading: writing every page of a huge file would fill memory with
    // copies (private) or dirty the whole file (shared).
    let (offsets, limited) = touch_offsets(len, Touch::All, page as usize);
    let offsets: Vec<u64> = offsets.into_iter().map(|o| o as u64).collect();
    let on_disk = |file: &File| -> Vec<u8> {
        offsets
            .iter()
            .map(|&o| {
                let mut b = [0u8; 1];
                file.read_at(&mut b, o).map_or(0, |_| b[0])
            })
            .collect()
    };
    let before = on_disk(&m.file);
    if mode.shared {
        w(writeln!(
            out,
            "  writing '#' at the start of each page: the mapping is MAP_SHARED, so this changes {} itself",
            escape_text(m.path.as_os_str().as_encoded_bytes(), false)
        ))?;
    } else {
        w(writeln!(
            out,
            "  writing '#' at the start of each page: the mapping is MAP_PRIVATE, so each written page is copied first (copy-on-write) and the file is not changed"
        ))?;
    }
    if limited {
        w(writeln!(
            out,
            "  (only the pages of the first {} MiB are written)",
            TOUCH_ALL_LIMIT >> 20
        ))?;
    }
    w(out.flush())?;
    let Map::Writable(map) = &mut m.map else {
        return Ok(());
    };
    let mut written = 0u64;
    for &off in &offsets {
        let off = off as usize;
        if off < len {
            // SAFETY: off < the file's current length <= the mapping's length.
            unsafe { std::ptr::write_volatile(map.as_mut_ptr().add(off), WRITTEN) };
            written += 1;
        }
    }
    let rec = smaps_of(me, m.start())?;
    let dirty = rec.private_dirty + rec.shared_dirty;
    let after = on_disk(&m.file);
    w(writeln!(
        out,
        "  after writing {}: {dirty} kB dirty ({} kB private dirty, {} kB anonymous)",
        plural(written, "page"),
        rec.private_dirty,
        rec.anonymous
    ))?;
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    if mode.shared && rec.private_dirty > 0 {
        w(writeln!(
            out,
            "  (smaps says \"private\" dirty when no other process maps the page: not MAP_PRIVATE)"
        ))?;
    }
    if mode.shared {
        w(writeln!(
            out,
            "  the file now has '#' at the start of {} (read back with pread); the kernel writes the dirty pages to disk later",
            plural(
                after.iter().filter(|&&b| b == WRITTEN).count() as u64,
                "page"
            )
        ))?;
    } else if changed == 0 {
        w(writeln!(
            out,
            "  the file is unchanged (read back with pread): the written pages are this process's own anonymous copies"
        ))?;
    } else {
        w(writeln!(
            out,
            "  the file changed at {} while vasmap ran: another process wrote to it",
            plural(changed as u64, "page")
        ))?;
    }
    Ok(())
}

/// How much of the file's text the demo prints.
const SHOW_BYTES: usize = 4096;
/// And at most this many lines of it.
const SHOW_LINES: usize = 8;

/// Run the demo, printing to `out`. Files that cannot be mapped are reported on `err`
/// and the others still shown; the result says whether all of them were.
pub fn run(
    opts: &DemoOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, DemoError> {
    run_task(opts, Task::View, out, None, err)
}

/// [`run`], with vasmap's own map shown as `task` says (`vasmap report self --map` makes
/// it a page), into `map_out` when given (the page's file) instead of `out`.
pub fn run_task(
    opts: &DemoOptions,
    task: Task,
    out: &mut dyn Write,
    map_out: Option<&mut dyn Write>,
    err: &mut dyn Write,
) -> Result<bool, DemoError> {
    let me = ProcDir::myself()?;
    let page = page_size();
    let mut all_ok = true;
    let mut mapped = Vec::new();
    for path in &opts.files {
        match open_and_map(path, opts.mode) {
            Ok(m) => mapped.push(m),
            Err(e) => {
                all_ok = false;
                // A stderr that cannot be written loses the message, not the demo (as
                // `stdio::report` does): the exit status still says 1.
                let _ = writeln!(err, "vasmap: {}", sanitize_message(&e.to_string()));
            }
        }
    }
    let w = |r: io::Result<()>| r.map_err(DemoError::Output);
    test_pause_after_map(err).map_err(DemoError::Output)?;
    let pid = std::process::id();
    for m in &mut mapped {
        show_mapping(&me, m, opts, page, pid, out)?;
    }
    let mut marks = Vec::new();
    for m in &mapped {
        let name = m
            .path
            .file_name()
            .map(|n| escape_text(n.as_encoded_bytes(), false))
            .unwrap_or_default();
        marks.push(Mark {
            start: m.start(),
            end: m.start() + m.mapped_len(page),
            note: format!("{name} mapped by vasmap"),
        });
    }
    if !opts.no_map {
        // The inspector's own path: filters, --sort, --json and --summary work here too.
        let mut inspector = Inspector::new(opts.view.clone(), task, marks);
        let shown = match map_out {
            Some(m) => inspector.show_pid(me.pid(), m),
            None => inspector.show_pid(me.pid(), out),
        };
        match shown {
            Ok(()) => {}
            Err(InspectError::Output(e)) => return Err(DemoError::Output(e)),
            Err(InspectError::Saved(SavedError::Source(e))) => return Err(e.into()),
            Err(InspectError::Saved(e)) => {
                return Err(DemoError::Output(io::Error::other(e.to_string())));
            }
        }
    }
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
