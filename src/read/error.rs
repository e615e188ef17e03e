//! Why a process or a saved file could not be read: [`SourceError`], with every message
//! naming the pid or file, saying what happened and what the user can do
//! (`docs/errors.md` lists them all), and [`Denial`], the reason the kernel refused.

use std::path::PathBuf;

use crate::read::parse::ParseError;
use crate::text::escape_path;

/// What a `hidepid` mode hides, for the message.
fn hidden_why(mode: &str) -> &'static str {
    match mode {
        "ptraceable" => "hides every process vasmap may not trace",
        _ => "hides other users' processes",
    }
}

/// Why the kernel refused to show a process's files, worked out from who vasmap runs as
/// and who owns the process, so that the advice fits the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The process belongs to another user, and vasmap is not root.
    OtherUser { owner: u32, me: u32 },
    /// vasmap's own user owns the process, and the kernel refused all the same.
    OwnProcess { uid: u32 },
    /// vasmap runs as root but without `CAP_SYS_PTRACE`.
    RootWithoutPtrace,
    /// vasmap runs as root with `CAP_SYS_PTRACE`, and the kernel refused all the same.
    Root,
    /// `/proc` is mounted with `hidepid=1` (`noaccess`): only owners see their files.
    HidePid { mode: String },
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Denial::OtherUser { owner, me } => write!(
                f,
                "the process belongs to uid {owner} and vasmap runs as uid {me}; reading another \
                 user's memory map needs ptrace read access: run vasmap as that user, or as root \
                 (sudo)"
            ),
            Denial::OwnProcess { uid } => write!(
                f,
                "the process is yours (uid {uid}) but the kernel refused ptrace read access: it is \
                 not dumpable (a setuid or setgid program, or one that called \
                 prctl(PR_SET_DUMPABLE, 0)) or a security module forbids it; root can read it \
                 unless a security module forbids that too"
            ),
            Denial::RootWithoutPtrace => write!(
                f,
                "vasmap runs as root but without the CAP_SYS_PTRACE capability (dropped by a \
                 container or a service manager), which reading another user's process needs; \
                 run it with CAP_SYS_PTRACE, or as the process's own user"
            ),
            Denial::Root => write!(
                f,
                "the kernel refused even root with CAP_SYS_PTRACE: a security module or kernel \
                 policy protects this process, and neither vasmap nor sudo can get past that"
            ),
            Denial::HidePid { mode } => write!(
                f,
                "/proc is mounted with hidepid={mode}, so only a process's owner (and root) may \
                 read its files: run vasmap as the process's user, or as root"
            ),
        }
    }
}

/// Why a snapshot could not be taken. Each message names the pid or file, says what
/// happened and what the user can do. `docs/errors.md` lists them all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{pid}: no such process (check the pid with `ps -p {pid}`)")]
    NoSuchProcess { pid: i32 },
    #[error(
        "{pid}: process {pid} exists but /proc does not show it to vasmap: /proc is mounted \
         with hidepid={mode}, which {}; run vasmap as the process's user, or as root",
        hidden_why(mode)
    )]
    Hidden { pid: i32, mode: String },
    #[error("{pid}: permission denied reading /proc/{pid}/{file}: {why}")]
    PermissionDenied { pid: i32, file: String, why: Denial },
    #[error(
        "{pid}: process {pid} exited while it was being read, so nothing of it is shown; run \
         vasmap while the process runs (a short-lived one can be held in a debugger)"
    )]
    Exited { pid: i32 },
    #[error(
        "{pid}: {name} is a kernel thread: it has no user address space to show; pick a user \
         process (`ps -e` shows kernel threads in [brackets])"
    )]
    KernelThread { pid: i32, name: String },
    #[error(
        "{pid}: process {pid} is a zombie (it exited and its parent has not reaped it yet): it \
         has no address space left to show; its parent is the pid in `ps -o ppid= -p {pid}`"
    )]
    Zombie { pid: i32 },
    #[error("{pid}: cannot read /proc/{pid}/{file}: {source}")]
    Io {
        pid: i32,
        file: String,
        source: std::io::Error,
    },
    #[error(
        "{pid}: /proc/{pid}/{file} is not in the expected format: {source}; this kernel may \
         write something new: please report it with the line and `uname -r`"
    )]
    BadProcFile {
        pid: i32,
        file: String,
        source: ParseError,
    },
    #[error("{}: cannot read the file: {source}", escape_path(path))]
    FileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not a maps or smaps capture ({source}); save one with `cat /proc/PID/smaps > FILE`",
        escape_path(path)
    )]
    BadFile { path: PathBuf, source: ParseError },
    #[error(
        "{}: not a maps or smaps capture (a device, or larger than 256 MiB); save one with \
         `cat /proc/PID/smaps > FILE`",
        escape_path(path)
    )]
    NotACapture { path: PathBuf },
    #[error(
        "{}: nothing came through this FIFO or pipe (no writer had it open, or the writer \
         wrote nothing): vasmap does not wait for a writer; start it first, or pipe the \
         capture in with `--from -`",
        escape_path(path)
    )]
    EmptyPipe { path: PathBuf },
}

impl SourceError {
    /// The pid the error is about, when it is about a process.
    pub fn pid(&self) -> Option<i32> {
        match self {
            SourceError::NoSuchProcess { pid }
            | SourceError::Hidden { pid, .. }
            | SourceError::PermissionDenied { pid, .. }
            | SourceError::Exited { pid }
            | SourceError::KernelThread { pid, .. }
            | SourceError::Zombie { pid }
            | SourceError::Io { pid, .. }
            | SourceError::BadProcFile { pid, .. } => Some(*pid),
            _ => None,
        }
    }
}

/// Why reading regions and handing each on (to a walk's sink, say) stopped early.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The process could not be read (see [`SourceError`]).
    #[error("{0}")]
    Source(#[from] SourceError),
    /// What the regions were handed to failed (writing the output, say).
    #[error("{0}")]
    Output(#[from] std::io::Error),
}
