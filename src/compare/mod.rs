//! Comparing address spaces: two snapshots ([`diff`]) or one process over time ([`watch`]).

pub mod diff;
pub mod watch;
