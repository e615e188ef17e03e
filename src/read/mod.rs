//! Where regions come from: a live process ([`proc`]), a saved capture or vasmap's own
//! JSON ([`saved`]). Text is parsed from bytes ([`parse`], no I/O) and each region gets
//! its kind ([`classify`]). The pages of a mapping come from `pagemap` ([`pagemap`]).
//! Nothing here formats output.

pub mod classify;
pub mod kpageflags;
pub mod pagemap;
pub mod pageread;
pub mod pagescan;
pub mod pagestate;
pub mod parse;
pub mod proc;
pub mod saved;
