//! Orders: the status workflow, pricing, and the GraphQL surface over them.

pub mod queries;
pub mod types;
pub mod workflow;
