//! Standard streams that cannot hurt: descriptors 0-2 always open, and error messages that
//! never panic and never carry control characters to a terminal.

use std::fmt::Display;
use std::io::Write;

use crate::text::sanitize_message;

/// The capacity of the buffer stdout is written through. A view that gathers its lines
/// itself writes them out in pieces of at least this much: `BufWriter` passes such a
/// write straight to stdout rather than copying it into its buffer first (2.9 MB copied
/// for the table of 60,000 mappings, 2.9 million instructions by callgrind).
pub const OUT_BUFFER: usize = 64 * 1024;

/// Open `/dev/null` on any of descriptors 0, 1 and 2 that is closed (`vasmap >&-`), so
/// that no file vasmap opens later (a `/proc` file, the demo's file) takes the number of a
/// standard stream and gets written to by mistake. Output to a closed stdout is then
/// discarded quietly, as if it had been read.
pub fn ensure_std_fds_open() {
    for fd in 0..=2 {
        // SAFETY: fcntl(F_GETFD) only queries the descriptor.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
        if closed {
            let flags = if fd == 0 {
                libc::O_RDONLY
            } else {
                libc::O_WRONLY
            };
            // SAFETY: a valid NUL-terminated path; open returns the lowest free descriptor,
            // which is `fd` because lower ones are open (checked in order).
            unsafe { libc::open(c"/dev/null".as_ptr(), flags) };
        }
    }
}

/// Print `vasmap: MESSAGE` on stderr, with control characters escaped. A stderr that
/// cannot be written (`2>/dev/full`) is ignored rather than a panic, as `eprintln!` would.
pub fn report(message: impl Display) {
    let line = format!("vasmap: {}\n", sanitize_message(&message.to_string()));
    let _ = std::io::stderr().write_all(line.as_bytes());
}
