//! Read SS-MIX2 storage into clinical records plus diagnostics.
//!
//! (crate docs are completed with the reading pipeline)

pub mod document;
pub mod map;
pub mod model;
pub mod read;
pub mod report;
