//! Customers and their addressbooks (seed 003): found or created by external id
//! or e-mail when orders name them; listed with their order figures, changed,
//! and deleted or (with orders) archived.

pub mod connection;
pub mod inputs;
pub mod listing;
pub mod loaders;
pub mod mutations;
pub mod queries;
pub mod service;
pub mod types;
