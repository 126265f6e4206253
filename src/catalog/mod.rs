//! The product catalogue: what `productId` / `productCode` lines resolve to for
//! name, price and VAT.

pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod queries;
pub mod service;
pub mod types;
