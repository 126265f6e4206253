//! Order lines: the line input of a new order and its validation and pricing
//! ([`draft`]), the `OrderLine` type, and edits of an existing order's lines
//! (seed 003: add, change quantity/price/note, remove), each recomputing the
//! order's totals in the same transaction.

pub mod draft;
pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod service;
pub mod types;
