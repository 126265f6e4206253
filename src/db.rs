//! Database connection and transactions: one place that knows the differences
//! between SQLite and PostgreSQL that matter to callers, and the commit hook.
//!
//! Services get a [`Db`] and write through a [`WriteTxn`]. When a write
//! transaction commits, the hooks fire for what it wrote: one that appended
//! order events wakes the live feed, one that scheduled deliveries wakes the
//! delivery worker, at once and whichever transport the change came through
//! (HTTP, WebSocket, a REST adapter, the CLI), instead of waiting for a poll.
//! The two are apart because most writes append events but schedule nothing:
//! a worker woken by every order would ask the database for due deliveries
//! about as often as orders are written.
//!
//! On SQLite every write of the process goes through one writer (see
//! [`sqlite_writer`]): a fair queue and group commit instead of connections
//! fighting over the file lock. PostgreSQL gives each caller a transaction of
//! its own.

mod hooks;
mod sqlite_writer;

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::sea_query::LikeExpr;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::watch;

use self::hooks::{Hooks, Wrote};
use self::sqlite_writer::{Turn, Writer};
use crate::entities::idempotency_key;

tokio::task_local! {
    /// The `idempotency_keys` row of the mutation this task is running, set
    /// by `graphql::idempotency` around the execution.
    pub static IDEMPOTENCY_CLAIM: i64;
}

/// How long an SQLite writer waits for the write lock (another process's) or
/// for its turn at this process's writer before giving up.
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

/// How long a pooled connection may sit unused before it is pinged on its
/// next checkout.
const POOL_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

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
        // sqlx pings every connection it hands out by default: one more
        // round trip per checkout (a placeOrder transaction is five). Only a
        // connection idle long enough to have been dropped by the server or
        // a proxy is pinged; a dead busy one fails its statement, is
        // discarded, and the error is the retryable UNAVAILABLE.
        .test_before_acquire_if_idle_for(POOL_PING_AFTER_IDLE)
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

/// The pool services use, with the commit hooks. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    hooks: Hooks,
    /// SQLite's single writer; `None` on PostgreSQL.
    writer: Option<Arc<Writer>>,
    /// What the outbox planner read last, with its version.
    planner: Memo,
}

/// One value derived from rarely changing rows, kept between transactions
/// with the version token of those rows it was read under (the outbox
/// planner's webhook endpoints and automation rules, versioned by
/// triggers). Typed as `Any` so this module does not depend on the planner.
#[derive(Clone, Default)]
pub struct Memo(Arc<Mutex<Option<Memoized>>>);

type Memoized = (String, Arc<dyn Any + Send + Sync>);

impl Memo {
    /// The value kept for `version`, if that is the version it was read at.
    pub fn get<T: Any + Send + Sync>(&self, version: &str) -> Option<Arc<T>> {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some((kept, value)) if kept == version => value.clone().downcast::<T>().ok(),
            _ => None,
        }
    }

    /// Keeps `value`, read at `version`, in place of what was kept.
    pub fn put<T: Any + Send + Sync>(&self, version: &str, value: Arc<T>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((version.to_owned(), value));
    }
}

impl Db {
    /// Wraps a pool. On SQLite, starts the process's single writer: one per
    /// database, so build one `Db` and clone it (or use
    /// [`sharing_hook`](Db::sharing_hook)).
    pub fn new(conn: DatabaseConnection) -> Self {
        let hooks = Hooks::default();
        let writer = (conn.get_database_backend() == DbBackend::Sqlite).then(|| {
            Arc::new(Writer::new(
                conn.clone(),
                hooks.clone(),
                SQLITE_BUSY_TIMEOUT,
            ))
        });
        Db {
            conn,
            hooks,
            writer,
            planner: Memo::default(),
        }
    }

    /// Another handle (`conn`, a clone of the same pool with other
    /// callbacks) sharing this one's commit hooks and writer.
    pub fn sharing_hook(&self, conn: DatabaseConnection) -> Db {
        Db {
            conn,
            hooks: self.hooks.clone(),
            writer: self.writer.clone(),
            planner: self.planner.clone(),
        }
    }

    /// Callers waiting for SQLite's writer now (always 0 on PostgreSQL).
    pub fn write_queue(&self) -> usize {
        self.writer.as_ref().map_or(0, |writer| writer.waiting())
    }

    /// The pool itself (for pings, closing, and code that only reads).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Starts a transaction that will write.
    ///
    /// On SQLite the caller waits for its turn at the process's writer and
    /// gets a savepoint in the writer's transaction, which was opened with
    /// `BEGIN IMMEDIATE` (it takes the write lock at once: a deferred
    /// transaction that reads first and writes later can fail with
    /// SQLITE_BUSY when another process's writer got in between). Waiting
    /// longer than the busy timeout fails with a connection-acquire timeout.
    ///
    /// On PostgreSQL it is a transaction of its own, as ever.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let (txn, turn) = match &self.writer {
            Some(writer) => {
                let (savepoint, turn) = writer.begin().await?;
                (savepoint, Some(turn))
            }
            None => {
                let txn = self
                    .conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await?;
                (txn, None)
            }
        };
        Ok(WriteTxn {
            txn,
            turn,
            wrote_events: AtomicBool::new(false),
            wrote_deliveries: AtomicBool::new(false),
            order: AtomicI64::new(0),
            hooks: self.hooks.clone(),
            planner: self.planner.clone(),
        })
    }

    /// Runs one statement that changes rows as a write transaction of its
    /// own, so on SQLite it queues at the writer like every other write
    /// (services write single rows through `&Db` too: idempotency claims,
    /// API keys, webhook endpoints). It marks no idempotency key and fires
    /// no hook, like the autocommit statement it stands for.
    async fn write_alone<T>(
        &self,
        run: impl AsyncFnOnce(&WriteTxn) -> Result<T, DbErr>,
    ) -> Result<T, DbErr> {
        let txn = self.begin_write().await?;
        let result = run(&txn).await?;
        txn.finish(false).await?;
        Ok(result)
    }

    /// Whether a statement sent through `&Db` goes through the writer (on
    /// SQLite, those that change rows).
    fn routes_to_writer(&self, sql: &str) -> bool {
        self.writer.is_some() && changes_rows(sql)
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

    /// A receiver that sees a change after every commit that appended order
    /// events. Dropping it unsubscribes.
    pub fn event_commits(&self) -> watch::Receiver<u64> {
        self.hooks.events()
    }

    /// A receiver that sees a change after every commit that scheduled
    /// deliveries (new ones, or old ones due again). Dropping it
    /// unsubscribes.
    pub fn delivery_commits(&self) -> watch::Receiver<u64> {
        self.hooks.deliveries()
    }
}

/// A write transaction. Dropped without [`commit`](WriteTxn::commit), it
/// rolls back and the hook stays silent; on SQLite only its own savepoint
/// rolls back and the writer passes to the next caller.
pub struct WriteTxn {
    /// The caller's transaction (PostgreSQL) or savepoint (SQLite). Declared
    /// before `turn` so that, on drop, its rollback is queued on the
    /// connection before the next caller gets the turn.
    txn: DatabaseTransaction,
    /// SQLite: this caller's turn at the writer.
    turn: Option<Turn>,
    wrote_events: AtomicBool,
    wrote_deliveries: AtomicBool,
    /// The order this transaction changed (0: none), for idempotency keys.
    order: AtomicI64,
    hooks: Hooks,
    planner: Memo,
}

impl WriteTxn {
    /// What the outbox planner kept from earlier transactions of this
    /// database (see [`Memo`]).
    pub fn planner_memo(&self) -> &Memo {
        &self.planner
    }

    /// Records that this transaction appended order events, so its commit
    /// wakes the live feed.
    pub fn appended_events(&self) {
        self.wrote_events.store(true, Ordering::Relaxed);
    }

    /// Records that this transaction scheduled deliveries (or made old ones
    /// due again), so its commit wakes the delivery worker.
    pub fn scheduled_deliveries(&self) {
        self.wrote_deliveries.store(true, Ordering::Relaxed);
    }

    /// Records the order this transaction changed (events name it).
    pub fn touched_order(&self, id: i64) {
        self.order.store(id, Ordering::Relaxed);
    }

    /// Commits; then fires the hooks for what it wrote (see
    /// [`appended_events`](WriteTxn::appended_events) and
    /// [`scheduled_deliveries`](WriteTxn::scheduled_deliveries)).
    ///
    /// A mutation running under an idempotency key marks the key in this same
    /// transaction, so a crash right after the commit cannot make a retry run
    /// the mutation again.
    ///
    /// On SQLite this caller's writes commit with the other callers of its
    /// group: `Ok` only once that COMMIT has returned, and an error when it
    /// failed, although this caller's own statements all succeeded.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.finish(true).await
    }

    async fn finish(self, mark_idempotency: bool) -> Result<(), DbErr> {
        let claim = IDEMPOTENCY_CLAIM
            .try_with(|id| *id)
            .ok()
            .filter(|_| mark_idempotency);
        if let Some(claim) = claim {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            let order = Some(self.order.load(Ordering::Relaxed)).filter(|id| *id != 0);
            idempotency_key::Entity::update_many()
                .col_expr(idempotency_key::Column::State, Expr::value("committed"))
                .col_expr(idempotency_key::Column::OrderId, Expr::value(order))
                .filter(idempotency_key::Column::Id.eq(claim))
                .exec(&self.txn)
                .await?;
        }
        let wrote = Wrote {
            events: self.wrote_events.load(Ordering::Relaxed),
            deliveries: self.wrote_deliveries.load(Ordering::Relaxed),
        };
        let WriteTxn {
            txn, turn, hooks, ..
        } = self;
        if let Some(turn) = turn {
            // The writer fires the hooks after the group's COMMIT.
            return turn.commit(txn, wrote).await;
        }
        txn.commit().await?;
        hooks.fire(wrote);
        Ok(())
    }
}

/// Delegates to the pool, so `&Db` goes wherever sea-orm takes a connection;
/// on SQLite, statements that change rows go through the writer instead
/// (see [`Db::write_alone`]).
#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if self.routes_to_writer(&stmt.sql) {
            return self
                .write_alone(async |txn| txn.execute_raw(stmt).await)
                .await;
        }
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if self.routes_to_writer(sql) {
            return self
                .write_alone(async |txn| txn.execute_unprepared(sql).await)
                .await;
        }
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if self.routes_to_writer(&stmt.sql) {
            return self
                .write_alone(async |txn| txn.query_one_raw(stmt).await)
                .await;
        }
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if self.routes_to_writer(&stmt.sql) {
            return self
                .write_alone(async |txn| txn.query_all_raw(stmt).await)
                .await;
        }
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

/// Whether `sql` is a statement that changes rows, by its first word (a
/// `WITH` may lead into one, so it counts too). Reads, pragmas and schema
/// changes do not: a pragma such as `journal_mode` cannot run inside a
/// transaction, and the schema is the migrations' business.
fn changes_rows(sql: &str) -> bool {
    let word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    ["INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"]
        .iter()
        .any(|dml| word.eq_ignore_ascii_case(dml))
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
    fn statements_that_change_rows_are_told_by_their_first_word() {
        for sql in [
            "INSERT INTO a VALUES (1)",
            "\n  update a SET b = 1",
            "DELETE FROM a",
            "REPLACE INTO a VALUES (1)",
            "WITH x AS (SELECT 1) INSERT INTO a SELECT * FROM x",
        ] {
            assert!(changes_rows(sql), "{sql}");
        }
        for sql in [
            "SELECT * FROM a",
            " select 1",
            "PRAGMA journal_mode = WAL",
            "CREATE TABLE a (b INTEGER)",
            "",
        ] {
            assert!(!changes_rows(sql), "{sql}");
        }
    }

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
