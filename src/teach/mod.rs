//! Teaching: the demo (`vasmap self --map FILE`, [`demo`]) and the plain words for every
//! region (`--explain`, [`explain`]).

pub mod demo;
pub mod explain;
pub mod pages;
