//! Line edits on existing orders (seed 003): add, change quantity/price/note,
//! remove. Totals are recomputed from all lines in the same transaction.

pub mod mutations;
pub mod service;
