//! Teaching: the demo (`vasmap self --map FILE`, [`demo`]), the plain words for every
//! region (`--explain`, [`explain`]; for what is not an ELF image's segment, [`words`]),
//! for a core dump's crash ([`fault`]) and the experiments of `vasmap tour` ([`tour`]).

pub mod demo;
pub mod explain;
pub mod fault;
pub mod pages;
pub mod tour;
pub mod words;
