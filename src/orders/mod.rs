//! Orders: the status workflow, payment and pricing rules, the write path
//! (place, upsert, import, actions on existing orders) and the read path
//! (lists, statistics, exports), with their GraphQL surface.

pub mod actions;
pub mod connection;
pub mod count;
pub mod create;
pub mod dates;
pub mod draft;
pub mod edit;
pub mod export;
pub mod import;
pub mod inputs;
pub mod listing;
pub mod loaders;
pub mod mutations;
pub mod payment;
pub mod pricing;
pub mod queries;
pub mod search;
pub mod service;
pub mod stats;
pub mod types;
pub mod update;
pub mod upsert;
pub mod workflow;
