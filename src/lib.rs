//! vasmap: show the virtual address space of a Linux process.
//!
//! The library does the work; `main.rs` only parses the command line and maps errors to
//! exit codes. Data flows one way: [`source`] reads `/proc` (or a saved file), [`parse`]
//! turns bytes into [`model::Region`]s, [`classify`] gives each its [`model::Kind`], and a
//! [`render`] function prints a [`model::Snapshot`].

pub mod chunked;
pub mod classify;
pub mod cli;
pub mod color;
pub mod demo;
pub mod diff;
pub mod explain;
pub mod fast;
pub mod filter;
pub mod inspect;
pub mod lookup;
pub mod model;
pub mod numfmt;
pub mod packed;
pub mod parse;
pub mod range;
pub mod render;
pub mod saved;
pub mod source;
pub mod stdio;
pub mod summary;
pub mod text;
pub mod watch;
