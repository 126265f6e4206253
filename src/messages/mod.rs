//! Messages on orders (seed 003 add_message), oldest first.

pub mod loaders;
pub mod mutations;
pub mod service;
pub mod types;
