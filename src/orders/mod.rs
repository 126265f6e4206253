//! Orders: the status workflow, pricing, the write path (place, upsert,
//! import) and the GraphQL surface over them.

pub mod actions;
pub mod draft;
pub mod edit;
pub mod export;
pub mod import;
pub mod inputs;
pub mod listing;
pub mod loaders;
pub mod mutations;
pub mod pricing;
pub mod queries;
pub mod search;
pub mod service;
pub mod stats;
pub mod types;
pub mod workflow;
