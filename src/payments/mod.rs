//! Payments and refunds: the transactions that move an order's money
//! (authorizations, captures, refunds, voids), refunds with the lines they
//! cover, the order's payment figures and financial status, and how an order
//! sync's payment status (the seeds' `paid`, `pending`, `refunded`, `failed`)
//! becomes transactions. Every change runs under the order's lock
//! (`OrderEdit`), so concurrent refunds never give back more than was
//! captured.

pub mod inputs;
pub mod kinds;
pub mod ledger;
pub mod loaders;
pub mod mirror;
pub mod mutations;
pub mod record;
pub mod refund;
pub mod service;
pub mod sync;
pub mod types;
pub mod valuation;
