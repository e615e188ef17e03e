//! What happened to one mapping of the demo, measured step by step: where the kernel put
//! it, how much was resident before and after its pages were read (and written), the
//! page faults that took, which pages were in the page cache or holes in the file, and
//! the file's first bytes. Plain data ([`Account`]): the text of [`super::text`] and the
//! `demo` member of `--json` are both made from it.

use std::io;
use std::os::unix::fs::FileExt;

use serde::Serialize;

use crate::model::SmapsRecord;
use crate::read::RegionSource;
use crate::read::proc::{ProcDir, ReadOptions};
use crate::teach::demo::map::{MapMode, Mapped};
use crate::teach::demo::touch::{Touch, touch_pages, write_pages};
use crate::teach::demo::{DemoError, DemoOptions};

/// How many bytes of the file the demo shows.
pub const SHOW_BYTES: usize = 4096;
/// At most this many lines of text, or of a hex dump.
pub const SHOW_LINES: usize = 8;
/// The byte `--write` puts at the start of each page.
pub const WRITTEN: u8 = b'#';

/// Faults taken by one step.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Faults {
    pub minor: u64,
    pub major: u64,
}

/// One look at the mapping's pages (the strip the `pages` view draws).
#[derive(Debug, Clone, Serialize)]
pub struct Look {
    /// When: `before reading`, `after reading`, `after writing`.
    pub when: &'static str,
    /// The strip as text, for the terminal (empty when the pages could not be read).
    #[serde(skip)]
    pub strip: String,
    /// Pages present in RAM, and of those, anonymous ones (copies, after a private write).
    pub present: u64,
    pub anonymous: u64,
}

/// What `--write` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Written {
    pub pages: u64,
    pub dirty_kb: u64,
    pub private_dirty_kb: u64,
    pub anonymous_kb: u64,
    /// Pages whose first byte on disk (read back with `pread`) changed.
    pub file_pages_changed: u64,
    pub faults: Faults,
}

/// The file's first bytes, as the demo shows them.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Preview {
    /// Text: lines, escaped for a terminal.
    Text { lines: Vec<String>, more_bytes: u64 },
    /// Not text: the first bytes as hex.
    Hex { bytes: Vec<u8>, more_bytes: u64 },
}

/// What happened to one mapping.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// The path as given (escaped for a terminal).
    pub path: String,
    /// How it was mapped, in mmap(2)'s words.
    pub mapping: String,
    pub start: String,
    pub end: String,
    #[serde(skip)]
    pub start_addr: u64,
    pub file_bytes: u64,
    pub mapped_bytes: u64,
    pub pages: u64,
    pub page_size: u64,
    pub populate_faults: Option<Faults>,
    /// Pages of the file in the page cache before anything was read (`mincore`).
    pub cached_before: Option<u64>,
    pub resident_before_kb: u64,
    pub touch: &'static str,
    pub pages_read: u64,
    /// Reading stopped at the [`super::map::TOUCH_ALL_LIMIT`].
    pub read_limited: bool,
    pub faults: Faults,
    /// Pages read that are holes in the file (no data on the disk).
    pub holes_read: u64,
    pub resident_after_kb: u64,
    pub looks: Vec<Look>,
    pub written: Option<Written>,
    /// How the bytes shown were read: `mapping` or `pread` (`--touch none`).
    pub read_with: &'static str,
    pub preview: Preview,
    /// The bytes from the file's end to the end of its last page (all zero: the kernel
    /// fills them), when that page was read.
    pub tail: Option<(u64, u64, bool)>,
    /// The file was cut short after it was mapped: its length then, the address whose
    /// page was gone, and whether touching it raised SIGBUS (caught) or the length was
    /// found short before touching it.
    pub truncated: Option<(u64, String, bool)>,
}

/// The smaps record of the mapping that starts at `start`, from vasmap's own smaps.
pub fn smaps_of(me: &ProcDir, start: u64) -> Result<SmapsRecord, DemoError> {
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

/// Pages of the mapping in the page cache (`mincore`: for a file mapping, whether each
/// page of the file is in memory, mapped here yet or not).
fn cached_pages(m: &Mapped, page: u64) -> Option<u64> {
    let pages = m.reserved(page) / page;
    let mut v = vec![0u8; usize::try_from(pages).ok()?];
    // SAFETY: the range is the mapping vasmap made; `v` has a byte per page.
    let rc = unsafe {
        libc::mincore(
            m.map.as_ptr() as *mut libc::c_void,
            m.reserved(page) as usize,
            v.as_mut_ptr(),
        )
    };
    (rc == 0).then(|| v.iter().filter(|&&b| b & 1 == 1).count() as u64)
}

/// How many of the pages at `offsets` (in the first `len` bytes) lie in holes of the
/// file: `SEEK_DATA`/`SEEK_HOLE`, at most 4096 extents looked at.
fn holes_in(m: &Mapped, pages_read: u64, page: u64) -> u64 {
    use std::os::fd::AsRawFd;
    let fd = m.file.as_raw_fd();
    let end = (pages_read * page).min(m.file_len);
    let mut pos: i64 = 0;
    let mut holes = 0u64;
    for _ in 0..4096 {
        if pos as u64 >= end {
            break;
        }
        // SAFETY: lseek on an open descriptor only moves its offset.
        let data = unsafe { libc::lseek(fd, pos, libc::SEEK_DATA) };
        let data = if data < 0 {
            end as i64
        } else {
            data.min(end as i64)
        };
        holes += (data - pos).max(0) as u64 / page;
        if data as u64 >= end {
            break;
        }
        // SAFETY: as above.
        let hole = unsafe { libc::lseek(fd, data, libc::SEEK_HOLE) };
        if hole < 0 {
            break;
        }
        pos = hole;
    }
    holes
}

/// The first bytes of the file: through the mapping when pages were read, else with
/// `pread` (reading through the mapping would fault them in).
fn preview(m: &Mapped, through_mapping: bool) -> Preview {
    let len = m.current_len().min(SHOW_BYTES);
    let mut bytes = vec![0u8; len];
    if through_mapping {
        let _guard = crate::teach::demo::touch::SigbusGuard::new();
        // SAFETY: len <= the file's current length <= the mapping's length; a page gone
        // under the copy reads as the guard's zeros.
        unsafe { std::ptr::copy_nonoverlapping(m.map.as_ptr(), bytes.as_mut_ptr(), len) };
    } else {
        let n = m.file.read_at(&mut bytes, 0).unwrap_or(0);
        bytes.truncate(n);
    }
    let more = (m.current_len() as u64).saturating_sub(bytes.len() as u64);
    // Text followed by zeros (a sparse file's hole, say) is text: judge what comes
    // before the zeros. Binary: a NUL inside, or many bytes a terminal would not show.
    let body = bytes.len() - bytes.iter().rev().take_while(|&&b| b == 0).count();
    let odd = bytes[..body]
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\t' | b'\r'))
        .count()
        + bytes[..body]
            .utf8_chunks()
            .map(|c| c.invalid().len())
            .sum::<usize>();
    if bytes[..body].contains(&0) || odd * 10 > body * 3 {
        let shown = bytes.len().min(16 * SHOW_LINES);
        let more = more + (bytes.len() - shown) as u64;
        bytes.truncate(shown);
        return Preview::Hex {
            bytes,
            more_bytes: more,
        };
    }
    bytes.truncate(body);
    let mut lines = Vec::new();
    let mut used = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n').take(SHOW_LINES) {
        used += line.len();
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        lines.push(crate::text::escape_text(text, false));
    }
    Preview::Text {
        lines,
        more_bytes: more + (bytes.len() - used) as u64,
    }
}

/// The bytes past the file's end in its last page, when that page was read: (from, to,
/// all zero).
fn tail(m: &Mapped, page: u64) -> Option<(u64, u64, bool)> {
    let len = m.current_len() as u64;
    let end = len.div_ceil(page) * page;
    if len == 0 || end == len || end > m.reserved(page) {
        return None;
    }
    let _guard = crate::teach::demo::touch::SigbusGuard::new();
    // SAFETY: [len, end) is the rest of the mapping's last page, mapped (the kernel maps
    // whole pages); a page gone under us reads as the guard's zeros.
    let zero =
        (len..end).all(|i| unsafe { std::ptr::read_volatile(m.map.as_ptr().add(i as usize)) } == 0);
    Some((len, end - 1, zero))
}

/// Look at the mapping's pages and keep the strip.
fn look(when: &'static str, m: &Mapped, opts: &DemoOptions, page: u64) -> Look {
    let mut strip = Vec::new();
    let title = format!("the mapping's pages {when}:");
    // Drawn two columns narrower and indented under the prose.
    let pages = crate::teach::pages::PagesOptions {
        width: opts.pages.width.saturating_sub(2),
        ..opts.pages
    };
    let read = crate::teach::pages::draw_own_strip(
        &title,
        m.start(),
        m.reserved(page),
        &pages,
        &mut strip,
    );
    let (present, anonymous) = read.map_or((0, 0), |r| (r.counts.present, r.counts.anonymous));
    let mut text = String::new();
    for line in String::from_utf8_lossy(&strip).lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    Look {
        when,
        strip: text,
        present,
        anonymous,
    }
}

/// Measure what happens to mapping `m`: see the module docs.
pub fn account(me: &ProcDir, m: &mut Mapped, opts: &DemoOptions) -> Result<Account, DemoError> {
    let page = crate::teach::demo::touch::page_size();
    let reserved = m.reserved(page);
    let cached_before = cached_pages(m, page);
    let resident_before_kb = smaps_of(me, m.start())?.rss;
    let mut looks = vec![look("before reading", m, opts, page)];
    let (pages_read, (minor, major), mut cut) = touch_pages(m, opts.touch, page as usize);
    let faults = Faults { minor, major };
    let resident_after_kb = smaps_of(me, m.start())?.rss;
    if opts.touch != Touch::None {
        looks.push(look("after reading", m, opts, page));
    }
    let written = if opts.mode.write {
        let (w, c) = write_step(me, m, opts.mode, page)?;
        cut = cut.or(c);
        looks.push(look("after writing", m, opts, page));
        Some(w)
    } else {
        None
    };
    let through = opts.touch != Touch::None || opts.mode.write;
    Ok(Account {
        path: crate::text::escape_path(&m.path),
        mapping: opts.mode.describe(),
        start: format!("{:#x}", m.start()),
        end: format!("{:#x}", m.start() + reserved),
        start_addr: m.start(),
        file_bytes: m.file_len,
        mapped_bytes: m.map.len() as u64,
        pages: reserved / page,
        page_size: page,
        populate_faults: opts.mode.populate.then_some(Faults {
            minor: m.map_faults.0,
            major: m.map_faults.1,
        }),
        cached_before,
        resident_before_kb,
        touch: match opts.touch {
            Touch::None => "none",
            Touch::First => "first",
            Touch::All => "all",
        },
        pages_read: pages_read as u64,
        read_limited: crate::teach::demo::touch::touch_offsets(
            m.map.len(),
            opts.touch,
            page as usize,
        )
        .1,
        faults,
        holes_read: if faults.major > 0 {
            holes_in(m, pages_read as u64, page)
        } else {
            0
        },
        resident_after_kb,
        looks,
        written,
        read_with: if through { "mapping" } else { "pread" },
        preview: preview(m, through),
        tail: if through { tail(m, page) } else { None },
        truncated: cut.map(|(a, caught)| (m.current_len() as u64, format!("{a:#x}"), caught)),
    })
}

/// Write one byte to each page and measure what that did: with `MAP_PRIVATE`, private
/// dirty (copy-on-write) pages and an unchanged file; with `MAP_SHARED`, a changed file.
fn write_step(
    me: &ProcDir,
    m: &mut Mapped,
    mode: MapMode,
    page: u64,
) -> Result<(Written, Option<(u64, bool)>), DemoError> {
    let len = m.current_len();
    let (offsets, _) = crate::teach::demo::touch::touch_offsets(len, Touch::All, page as usize);
    let on_disk = |file: &std::fs::File| -> Vec<u8> {
        offsets
            .iter()
            .map(|&o| {
                let mut b = [0u8; 1];
                file.read_at(&mut b, o as u64).map_or(0, |_| b[0])
            })
            .collect()
    };
    let before_disk = on_disk(&m.file);
    let (pages, (minor, major), cut) = write_pages(m, WRITTEN, page as usize);
    let rec = smaps_of(me, m.start())?;
    let after_disk = on_disk(&m.file);
    let changed = before_disk
        .iter()
        .zip(&after_disk)
        .filter(|(a, b)| a != b)
        .count() as u64;
    let _ = mode;
    Ok((
        Written {
            pages,
            dirty_kb: rec.private_dirty + rec.shared_dirty,
            private_dirty_kb: rec.private_dirty,
            anonymous_kb: rec.anonymous,
            file_pages_changed: changed,
            faults: Faults { minor, major },
        },
        cut,
    ))
}

/// Hex dump lines of `bytes`: offset, 16 bytes in hex, and the printable ones.
pub fn hex_lines(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = chunk
                .iter()
                .map(|&b| {
                    if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {:<47}  {text}", i * 16, hex.join(" "))
        })
        .collect()
}

impl From<io::Error> for DemoError {
    fn from(e: io::Error) -> Self {
        DemoError::Output(e)
    }
}
