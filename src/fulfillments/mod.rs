//! Fulfillments (partial shipments): an order ships in parts, each part a
//! fulfillment with its lines and quantities (never more than ordered minus
//! what live fulfillments hold already), carrier, tracking codes, its own
//! state (PENDING, SHIPPED, DELIVERED, CANCELLED) and timestamps. The
//! order's fulfillment status, tracking and status follow its fulfillments,
//! and every change is an event written with it.

pub mod guard;
pub mod inputs;
pub mod ledger;
pub mod legacy;
pub mod loaders;
pub mod mutations;
pub mod rules;
pub mod service;
pub mod settle;
pub mod types;
