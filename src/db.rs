//! Database connection and transactions: one place that knows the differences
//! between SQLite and PostgreSQL that matter to callers, and the commit hook.
//!
//! Services get a [`Db`] and write through a [`WriteTxn`]. When a write
//! transaction that appended order events commits, the hook fires: whatever
//! follows the event log in this process (the live feed today, deliveries
//! next) is woken at once, whichever transport the change came through (HTTP,
//! WebSocket, a REST adapter, the CLI), instead of waiting for a poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use sea_orm::sea_query::LikeExpr;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::watch;

use crate::entities::idempotency_key;

tokio::task_local! {
    /// The `idempotency_keys` row of the mutation this task is running, set
    /// by `graphql::idempotency` around the execution.
    pub static IDEMPOTENCY_CLAIM: i64;
}

/// How long an SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the server's connections may wait and work. The CLI and migrations
/// use [`PoolLimits::default`]: no statement timeout (a migration may take long).
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// How long a caller waits for a pooled connection (then: UNAVAILABLE).
    pub acquire: Duration,
    /// PostgreSQL's `statement_timeout` (then: TIMEOUT). SQLite has none;
    /// the request timeout bounds it there.
    pub statement: Option<Duration>,
    /// PostgreSQL's `idle_in_transaction_session_timeout`: a transaction of
    /// ours left open without a statement running is ended after this. An
    /// open transaction holds back every reader of the event log (see
    /// `events::bus`), so ours must not stay open for long.
    pub idle_in_transaction: Option<Duration>,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            acquire: Duration::from_secs(30),
            statement: None,
            idle_in_transaction: None,
        }
    }
}

/// Opens the pool. SQLite gets WAL (readers never block the writer), a busy
/// timeout (writers queue instead of failing with SQLITE_BUSY) and foreign keys.
pub async fn connect(
    url: &str,
    max_connections: u32,
    limits: PoolLimits,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    let millis = |limit: Option<Duration>| {
        limit
            .filter(|t| !t.is_zero())
            .map(|t| t.as_millis().to_string())
    };
    let settings: Vec<(&'static str, String)> = [
        ("statement_timeout", millis(limits.statement)),
        (
            "idle_in_transaction_session_timeout",
            millis(limits.idle_in_transaction),
        ),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect();
    options
        .max_connections(max_connections)
        .min_connections(1)
        // Opening a connection to a database that does not answer must not
        // hold a request longer than waiting for a pooled one would.
        .connect_timeout(limits.acquire)
        .acquire_timeout(limits.acquire)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(move |opts| {
            opts.options(settings.iter().map(|(name, v)| (*name, v.as_str())))
        })
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// The pool services use, with the commit hook. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// Counts commits that wrote order events or deliveries; watchers wake
    /// on change.
    commits: Arc<watch::Sender<u64>>,
}

impl Db {
    /// Wraps a pool.
    pub fn new(conn: DatabaseConnection) -> Self {
        Db {
            conn,
            commits: Arc::new(watch::Sender::new(0)),
        }
    }

    /// Another handle (`conn`, a clone of the same pool with other
    /// callbacks) sharing this one's commit hook.
    pub fn sharing_hook(&self, conn: DatabaseConnection) -> Db {
        Db {
            conn,
            commits: self.commits.clone(),
        }
    }

    /// The pool itself (for pings, closing, and code that only reads).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock
    /// at `BEGIN` (`BEGIN IMMEDIATE`): a deferred transaction that reads first
    /// and writes later can fail with SQLITE_BUSY when another writer got in
    /// between, where an immediate one simply waits its turn. PostgreSQL
    /// ignores the mode.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let txn = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTxn {
            txn,
            wrote_events: AtomicBool::new(false),
            order: AtomicI64::new(0),
            commits: self.commits.clone(),
        })
    }

    /// Refreshes the planner's statistics of `tables` after a bulk load.
    /// PostgreSQL only: without statistics (autovacuum may be off, or not
    /// have come round yet) it takes a table that grew from empty for a tiny
    /// one and looks keys up by scanning it, so each batch of an import gets
    /// slower than the last. SQLite's planner picks the unique indexes
    /// without statistics.
    pub async fn analyze(&self, tables: &[&str]) -> Result<(), DbErr> {
        if self.conn.get_database_backend() != DbBackend::Postgres || tables.is_empty() {
            return Ok(());
        }
        self.conn
            .execute_unprepared(&format!("ANALYZE {}", tables.join(", ")))
            .await
            .map(|_| ())
    }

    /// A receiver that sees a change after every commit that wrote order
    /// events or deliveries. Dropping it unsubscribes.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }
}

/// A write transaction. Dropped without [`commit`](WriteTxn::commit), it
/// rolls back and the hook stays silent.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    wrote_events: AtomicBool,
    /// The order this transaction changed (0: none), for idempotency keys.
    order: AtomicI64,
    commits: Arc<watch::Sender<u64>>,
}

impl WriteTxn {
    /// Records that this transaction wrote what followers of the log care
    /// about (order events, deliveries), so its commit fires the hook.
    pub fn notify_on_commit(&self) {
        self.wrote_events.store(true, Ordering::Relaxed);
    }

    /// Records the order this transaction changed (events name it).
    pub fn touched_order(&self, id: i64) {
        self.order.store(id, Ordering::Relaxed);
    }

    /// Commits; then, if [`notify_on_commit`](WriteTxn::notify_on_commit) was
    /// called, fires the hook.
    ///
    /// A mutation running under an idempotency key marks the key in this same
    /// transaction, so a crash right after the commit cannot make a retry run
    /// the mutation again.
    pub async fn commit(self) -> Result<(), DbErr> {
        if let Ok(claim) = IDEMPOTENCY_CLAIM.try_with(|id| *id) {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            let order = Some(self.order.load(Ordering::Relaxed)).filter(|id| *id != 0);
            idempotency_key::Entity::update_many()
                .col_expr(idempotency_key::Column::State, Expr::value("committed"))
                .col_expr(idempotency_key::Column::OrderId, Expr::value(order))
                .filter(idempotency_key::Column::Id.eq(claim))
                .exec(&self.txn)
                .await?;
        }
        let wrote_events = self.wrote_events.load(Ordering::Relaxed);
        let commits = self.commits.clone();
        self.txn.commit().await?;
        if wrote_events {
            commits.send_modify(|n| *n = n.wrapping_add(1));
        }
        Ok(())
    }
}

/// Delegates to the pool, so `&Db` goes wherever sea-orm takes a connection.
#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all_raw(stmt).await
    }
}

/// Delegates to the transaction, so `&WriteTxn` goes wherever sea-orm takes a
/// connection.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

/// The current time as stored: UTC, truncated to microseconds, which is what
/// PostgreSQL keeps, so a value reads back equal to what was written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// A LIKE pattern matching `term` anywhere, literally: its `%`, `_` and `\\`
/// are escaped, with an explicit ESCAPE clause so both backends agree.
pub fn contains_pattern(term: &str) -> LikeExpr {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// SQL written with PostgreSQL's numbered `$n` placeholders, for `backend`:
/// SQLite spells them `?n` (same numbers, so a value may be used twice).
pub fn numbered_placeholders(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_their_numbers_on_sqlite() {
        assert_eq!(
            numbered_placeholders(DbBackend::Sqlite, "a > $1 AND b = $2 AND c <= $1 LIMIT $10"),
            "a > ?1 AND b = ?2 AND c <= ?1 LIMIT ?10"
        );
        assert_eq!(
            numbered_placeholders(DbBackend::Postgres, "a = $1"),
            "a = $1"
        );
    }
}
