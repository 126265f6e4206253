//! Orders: the status workflow, pricing, the write path (place, upsert,
//! import) and the GraphQL surface over them.

pub mod actions;
pub mod draft;
pub mod edit;
pub mod import;
pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod pricing;
pub mod queries;
pub mod service;
pub mod types;
pub mod workflow;
