//! Integration tests: the real server on 127.0.0.1:0 with a fresh database per
//! test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), driven over HTTP
//! and WebSocket like any client would.

mod browser;
mod helpers;

mod access;
mod auth;
mod catalog;
mod cli;
mod cors;
mod customers;
mod customers_list;
mod deliveries;
mod dialects;
mod event_log;
mod exports;
mod fanout;
mod fulfillments;
mod hardening;
mod health;
mod idempotency;
mod import;
mod import_file;
mod lifecycle;
mod listing;
mod live;
mod logs;
mod metrics;
mod money;
mod nodes;
mod order_edits;
mod outage;
mod payments;
mod peers;
mod place;
mod playground;
mod saved_views;
mod schema;
mod shape;
mod sqlite_writer;
mod statuses;
mod tags;
mod traces;
mod transport;
mod trusted;
mod upsert;
mod visibility;
mod websocket;
