//! Teaching: the demo (`vasmap self --map FILE`, [`demo`]), the plain words for every
//! region (`--explain`, [`explain`]) and the experiments of `vasmap tour` ([`tour`]).

pub mod demo;
pub mod explain;
pub mod pages;
pub mod tour;
