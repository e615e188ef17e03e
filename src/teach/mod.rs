//! Teaching: the demo (`vasmap self --map FILE`, [`demo`]), the plain words for every
//! region (`--explain`, [`explain`]) and for a core dump's crash ([`fault`]).

pub mod demo;
pub mod explain;
pub mod fault;
