//! vasmap: show the virtual address space of a Linux process.
//!
//! The library does the work; `main.rs` only parses the command line and maps errors to
//! exit codes. Dependencies point down:
//!
//! - [`read`]: where regions come from (a live `/proc/PID`, a saved capture or JSON, an
//!   ELF core dump), parsed from bytes and classified; never formats anything.
//! - [`view`]: the outputs (table, pmap, JSON, CSV, summary, totals, lookups, layout),
//!   each fed one region at a time; never reads a file.
//! - [`teach`]: the demo (`self --map`) and `--explain`'s words, on top of both.
//! - [`compare`]: `diff` and `watch`.
//! - The ground floor: [`model`] (plain data), [`text`] (escaping), [`filter`], [`range`],
//!   [`stdio`].

pub mod cli;
pub mod compare;
pub mod filter;
pub mod inspect;
pub mod model;
pub mod range;
pub mod read;
pub mod stdio;
pub mod teach;
pub mod text;
pub mod view;
