//! Why a core dump could not be read, and the limits that keep a damaged or hostile core
//! from costing unbounded memory or time.
//!
//! Every message names the file, says what was wrong with it and what the user can do;
//! `docs/errors.md` lists them. The limits are far above anything a real process can
//! have, and each says where its number comes from: a core that passes them still costs
//! only memory in proportion to the bytes it really holds, because nothing is allocated
//! for what a header merely claims (see [`super::source::Window`]).

use std::path::PathBuf;

use crate::text::escape_path;

/// The most program headers (mappings) a core may have: 16 times the kernel's default
/// `vm.max_map_count` (65530), and more than the largest value distributions set
/// (1048576 is used for some databases). The same cap applies to `NT_FILE` entries.
pub const MAX_SEGMENTS: u64 = 1 << 20;

/// The most threads (`NT_PRSTATUS` notes) a core may have: the kernel's `PID_MAX_LIMIT`
/// (4194304, `include/linux/threads.h`); a process cannot have more threads than there
/// are thread ids.
pub const MAX_THREADS: u64 = 1 << 22;

/// The largest `NT_FILE` note vasmap reads: 4 times the most the kernel writes (its
/// `kernel.core_file_note_size_limit` sysctl is 4 MiB by default and at most 16 MiB,
/// `fs/coredump.c`); gdb writes one entry of 24 bytes and a path per file mapping.
pub const MAX_FILE_NOTE: u64 = 64 << 20;

/// The longest path in an `NT_FILE` note, its NUL included: `PATH_MAX` (4096), the
/// longest path the kernel's `d_path` gives.
pub const MAX_NAME: usize = 4096;

/// The largest `NT_PRSTATUS`, `NT_PRPSINFO`, `NT_SIGINFO` or `NT_AUXV` note vasmap reads.
/// The real ones are 124 to 400 bytes, and an auxiliary vector is a few dozen entries
/// (`AT_VECTOR_SIZE` in `include/linux/mm_types.h`); other notes (floating-point and
/// vector registers, gdb's target description) are skipped without being read.
pub const MAX_SMALL_NOTE: u64 = 64 << 10;

/// Why an ELF core dump could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{}: cannot read the core dump: {source}", escape_path(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not an ELF core dump ({what}); vasmap reads cores written by the kernel or by \
         gdb's gcore",
        escape_path(path)
    )]
    NotCore { path: PathBuf, what: String },
    #[error(
        "{}: the core dump is cut short: {what} ends at byte {end}, {}; it was truncated while \
         it was written (a core size limit such as `ulimit -c`, or a full disk): dump the \
         process again with a larger limit",
        escape_path(path),
        match len { Some(len) => format!("but the file has {len} bytes"), None => "but the input ended before".to_string() }
    )]
    Truncated {
        path: PathBuf,
        what: String,
        end: u64,
        len: Option<u64>,
    },
    #[error(
        "{}: not a valid core dump: {what}; the file is damaged, or was not written by Linux \
         or gdb",
        escape_path(path)
    )]
    Malformed { path: PathBuf, what: String },
    #[error(
        "{}: the core dump claims {count} {what}, more than vasmap reads ({cap}: {why}); the \
         file is damaged, or made to exhaust memory",
        escape_path(path)
    )]
    TooMany {
        path: PathBuf,
        what: &'static str,
        count: u64,
        cap: u64,
        why: &'static str,
    },
    #[error(
        "{}: this core dump cannot be read from a pipe ({why}); save it to a file and give \
         vasmap the file",
        escape_path(path)
    )]
    NeedsFile { path: PathBuf, why: String },
}

/// The path a core was read from, to build errors with.
#[derive(Debug, Clone, Copy)]
pub(super) struct At<'p>(pub &'p std::path::Path);

impl At<'_> {
    pub fn io(self, source: std::io::Error) -> CoreError {
        if source.kind() == std::io::ErrorKind::Unsupported {
            return CoreError::NeedsFile {
                path: self.0.to_path_buf(),
                why: source.to_string(),
            };
        }
        CoreError::Io {
            path: self.0.to_path_buf(),
            source,
        }
    }

    pub fn malformed(self, what: impl Into<String>) -> CoreError {
        CoreError::Malformed {
            path: self.0.to_path_buf(),
            what: what.into(),
        }
    }

    pub fn not_core(self, what: impl Into<String>) -> CoreError {
        CoreError::NotCore {
            path: self.0.to_path_buf(),
            what: what.into(),
        }
    }

    pub fn truncated(self, what: impl Into<String>, end: u64, len: Option<u64>) -> CoreError {
        CoreError::Truncated {
            path: self.0.to_path_buf(),
            what: what.into(),
            end,
            len,
        }
    }

    pub fn too_many(
        self,
        what: &'static str,
        count: u64,
        cap: u64,
        why: &'static str,
    ) -> CoreError {
        CoreError::TooMany {
            path: self.0.to_path_buf(),
            what,
            count,
            cap,
            why,
        }
    }
}
