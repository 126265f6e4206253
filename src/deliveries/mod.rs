//! Deliveries: what ordergraph does about its events. E-mails to customers
//! (seed 003's `notify`), signed webhooks (Standard Webhooks), and automation
//! rules with optional delays (seed 004's review request, seed 000's
//! confirmation e-mails).
//!
//! The outbox is the `deliveries` table: [`plan`] writes a row per event and
//! target in the transaction of the change (so a committed change always has
//! its deliveries, a rolled-back one never, and the unique (event, target) key
//! prevents doubles); [`worker`] leases due rows in short transactions, sends
//! them outside any transaction, and records each attempt, retrying with
//! backoff.

pub mod email;
pub mod inputs;
pub mod kinds;
pub mod loaders;
pub mod mutations;
pub mod plan;
pub mod queries;
pub mod service;
pub mod snapshot;
pub mod templates;
pub mod types;
pub mod webhook;
pub mod worker;
