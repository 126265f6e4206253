//! [`AppState`]: what every request handler and resolver shares. Cheap to clone:
//! every member is a handle.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::auth::Authenticator;
use crate::config::{Config, Secret};
use crate::db::Db;
use crate::events::bus::EventBus;
use crate::events::owners::OrderOwners;

/// Shared server state.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool, with the commit hook.
    pub db: Db,
    /// The settings the server was started with.
    pub config: Arc<Config>,
    /// Turns request credentials into callers.
    pub auth: Authenticator,
    /// SQL statements run since start (the tests use it to prove that nested
    /// loading is batched).
    pub db_statements: Arc<AtomicU64>,
    /// The live feed of committed order events (subscriptions).
    pub events: EventBus,
    /// Order owners for subscription set-up, read in batches.
    pub owners: OrderOwners,
    /// In dev mode, the admin token printed at start; the playground fills it
    /// in for callers on this machine.
    pub dev_admin_token: Option<Arc<Secret>>,
    /// What `/metrics` reports.
    pub metrics: Arc<crate::metrics::Metrics>,
}
