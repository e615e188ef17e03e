//! Where regions come from: a live process ([`proc`]), a saved capture or vasmap's own
//! JSON ([`saved`]). Text is parsed from bytes ([`parse`], no I/O) and each region gets
//! its kind ([`classify`]). Nothing here formats output.

pub mod classify;
pub mod core;
pub mod parse;
pub mod proc;
pub mod saved;
