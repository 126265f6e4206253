//! ordergraph: an order-management server that speaks GraphQL, with live updates
//! over GraphQL subscriptions. Webshops, portals and import jobs push orders in;
//! dashboards and customer portals read and change them.
//!
//! # Layout
//! - [`app`]: build the server (connect, migrate, bind) and run it until stopped.
//! - [`config`]: settings from the environment.
//! - [`db`]: connection, write transactions and their commit hook, the
//!   SQLite/PostgreSQL differences.
//! - [`error`]: [`error::AppError`], the error codes clients see.
//! - [`money`], [`scalars`]: exact amounts; dates and 64-bit integers.
//! - [`ids`]: global object ids (Relay) and their parsing.
//! - [`validate`]: the checks every input shares.
//! - [`entities`]: sea-orm entities, one per table.
//! - [`graphql`]: the schema, merged from the domains; `Node`; the loader.
//! - [`http`]: the router: `/graphql` (HTTP and WebSocket), playground, probes,
//!   the REST dialects.
//! - [`auth`]: credentials, roles, and the one visibility policy.
//! - [`orders`]: workflow, payment and pricing rules, the write path (place,
//!   upsert, import, actions), reads, statistics and exports.
//! - [`lines`]: order lines: drafts of new lines, edits of existing ones.
//! - [`fulfillments`]: partial shipments of an order, with their lines,
//!   tracking and states; the order's status and tracking follow them.
//! - [`payments`]: payment transactions and refunds, the order's payment
//!   figures and financial status, and how a sync's payment status becomes
//!   transactions.
//! - [`messages`], [`admin`]: order messages and staff's extra fields.
//! - [`customers`]: customers and addressbooks, found or created by key.
//! - [`tags`]: staff's labels on orders, and the filters on them.
//! - [`views`]: saved order views (a named filter and sort) for dashboards.
//! - [`catalog`]: products that order lines resolve against.
//! - [`events`]: the order event log written with every change, and its live
//!   feed.
//! - [`imports`]: order files (JSON, NDJSON, CSV) imported from the command
//!   line, streamed in batches through the `importOrders` write path.
//! - [`settings`]: server state kept in the database (the dev JWT secret).
//! - [`telemetry`]: tracing setup: logs, and traces over OpenTelemetry.
//! - [`metrics`]: the Prometheus metrics behind `/metrics`.
//! - [`statement_log`]: an opt-in tap on the statements the pool runs, for
//!   benchmarks that replay the write path.
//!
//! Each domain folder has the same roles, one file each when it needs them:
//! `inputs.rs` (GraphQL input objects), `types.rs` (GraphQL object types),
//! `queries.rs` / `mutations.rs` (resolvers), `loaders.rs` (batched reads for
//! nested fields), `service.rs` and files named for their job (`create.rs`,
//! `upsert.rs`, `draft.rs`, ...), which hold the transactions and rules.
//!
//! ## The import rule
//! Services (everything outside `types`, `queries`, `mutations`, `loaders`,
//! `subscriptions`, `orders::connection`, `graphql` and `http`) may use
//! inputs, entities, the pure rules (`workflow`, `payment`, `pricing`,
//! `payments::kinds`, `payments::ledger`, `payments::valuation`,
//! `payments::sync`,
//! `events::kind`, `auth::role`, `auth::policy`), `error`, `db`, `ids`,
//! `validate`, `money` and `scalars`, and other services; never a GraphQL
//! object type, resolver, loader or the GraphQL context. `inputs.rs` files
//! follow the same rule. The only modules that refer to each other in a
//! circle are GraphQL object types (`Order` ↔ `Customer` ↔ `OrderEvent`).
//! CI checks both on the module graph: `.ci/layers.py`.

// The merged Mutation root nests one resolver future per domain object; with
// commerce depth the layout of that future outgrows the default limit of 128.
#![recursion_limit = "256"]

pub mod admin;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod customers;
pub mod db;
pub mod deliveries;
pub mod entities;
pub mod error;
pub mod events;
pub mod fulfillments;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod imports;
pub mod lines;
pub mod messages;
pub mod metrics;
pub mod money;
pub mod orders;
pub mod payments;
pub mod scalars;
pub mod settings;
pub mod state;
pub mod statement_log;
pub mod tags;
pub mod telemetry;
pub mod validate;
pub mod views;
