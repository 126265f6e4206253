//! Saved views: a named `orders` filter and sort that dashboards keep, owned
//! by the credential's subject or shared with all staff, and applied with
//! `orders(view:)`. Staff and admins only.

pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod queries;
pub mod service;
pub mod types;
