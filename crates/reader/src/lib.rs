//! placeholder

pub mod document;
pub mod map;
pub mod model;
