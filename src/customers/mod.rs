//! Customers and their addressbooks (seed 003): found or created by external id
//! or e-mail when orders name them.

pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod queries;
pub mod service;
pub mod types;
