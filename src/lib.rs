//! ordergraph: an order-management server that speaks GraphQL, with live updates
//! over GraphQL subscriptions. Webshops, portals and import jobs push orders in;
//! dashboards and customer portals read and change them.
//!
//! # Layout
//! - [`app`]: build the server (connect, migrate, bind) and run it until stopped.
//! - [`config`]: settings from the environment.
//! - [`db`]: connection and write transactions, the SQLite/PostgreSQL differences.
//! - [`error`]: [`error::AppError`], the error codes clients see.
//! - [`money`]: exact amounts, stored as scaled integers.
//! - [`entities`]: sea-orm entities, one per table.
//! - [`graphql`]: the schema, merged from the domains.
//! - [`http`]: the router: `/graphql` (HTTP and WebSocket), playground, probes.
//! - [`auth`]: credentials, roles, `viewer`.
//! - [`orders`]: workflow, pricing, the write path (place, upsert, import), reads.
//! - [`customers`]: customers and addressbooks, found or created by key.
//! - [`catalog`]: products that order lines resolve against.
//! - [`events`]: the order event log written with every change.
//! - [`lines`], [`messages`], [`admin`]: line edits, order messages and staff
//!   fields on existing orders.
//! - [`settings`]: server state kept in the database (the dev JWT secret).
//! - [`telemetry`]: tracing setup.

pub mod admin;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod customers;
pub mod db;
pub mod entities;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod lines;
pub mod messages;
pub mod money;
pub mod orders;
pub mod scalars;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod validate;
