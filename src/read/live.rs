//! The regions of a live process as a [`RegionSource`]: `maps` or `smaps` read a piece at
//! a time through its opened `/proc/PID` ([`crate::read::proc::ProcDir::regions`]),
//! classified as they come, and whole or an error at the end.

use std::fs::File;
use std::os::fd::AsFd;

use crate::model::{ProcessInfo, Region};
use crate::read::RegionSource;
use crate::read::parse::{RegionStream, StreamError};
use crate::read::proc::{ProcDir, SourceError, io_error};

/// The start of the kernel's gate page on x86-64, listed as `[vsyscall]` after the last
/// mapping (`get_gate_vma`, fs/proc/task_mmu.c).
const GATE_START: u64 = 0xffff_ffff_ff60_0000;

/// The regions of a live process, read a chunk at a time and classified as they come:
/// memory stays at one chunk and one region however many mappings the process has.
/// After the last read the process must still be alive and not exiting (else
/// [`SourceError::Exited`]: the file may have been cut short), and have had mappings.
///
/// On x86-64 the kernel lists its gate page, `[vsyscall]`, after the last mapping
/// (`m_next` hands out `get_gate_vma` once the mappings run out), and every `read()` of
/// the file first takes a reference to the address space, ending the file early when
/// there is none left (`m_start`: `mmget_not_zero`). So a file that ends with the gate
/// page was read whole from a live address space, and needs no `stat` after it; one that
/// does not (a process without the page, another machine, a file cut short) is checked.
pub struct LiveRegions<'a> {
    dir: &'a ProcDir,
    info: &'a ProcessInfo,
    task: Option<i32>,
    smaps: bool,
    stream: RegionStream<File>,
    region: Region,
    count: usize,
    /// The last region read was the kernel's gate page (`[vsyscall]`).
    gate: bool,
}

impl<'a> LiveRegions<'a> {
    /// The regions of `file` (maps, or smaps when `smaps`), opened through `dir`.
    pub(crate) fn new(
        dir: &'a ProcDir,
        info: &'a ProcessInfo,
        task: Option<i32>,
        smaps: bool,
        file: File,
    ) -> Self {
        LiveRegions {
            dir,
            info,
            task,
            smaps,
            stream: if smaps {
                RegionStream::smaps(file)
            } else {
                RegionStream::maps(file)
            },
            region: Region::blank(),
            count: 0,
            gate: false,
        }
    }
}

impl LiveRegions<'_> {
    fn stream_error(&self, e: StreamError) -> SourceError {
        let file = if self.smaps { "smaps" } else { "maps" };
        match e {
            StreamError::Io(e) => io_error(self.dir.pid(), file, e, || self.dir.denial()),
            StreamError::Parse(source) => SourceError::BadProcFile {
                pid: self.dir.pid(),
                file: file.to_string(),
                source,
            },
        }
    }
}

impl RegionSource for LiveRegions<'_> {
    fn advance(&mut self) -> Result<bool, SourceError> {
        match self.stream.next_into(&mut self.region) {
            Ok(true) => {
                // Before the kind: `notdel (deleted)` may be a file that is not deleted.
                crate::read::truename::settle(&mut self.region, self.dir.dir().as_fd());
                self.region.kind = crate::read::classify::kind_of(&self.region, self.info);
                self.count += 1;
                self.gate = self.region.start == GATE_START && self.region.name == b"[vsyscall]";
                Ok(true)
            }
            Ok(false) => {
                // Exiting part way through a read cuts the file short without an error.
                if !self.gate {
                    self.dir.ensure_whole(self.task)?;
                }
                if self.count == 0 {
                    // A live user process always has mappings; an empty file means its
                    // address space went away during the read.
                    return Err(SourceError::Exited {
                        pid: self.dir.pid(),
                    });
                }
                Ok(false)
            }
            Err(e) => Err(self.stream_error(e)),
        }
    }

    fn region(&self) -> &Region {
        &self.region
    }

    fn field_names(&self) -> &[String] {
        self.stream.field_names()
    }
}
