//! [`EventBus`]: turns committed `order_events` rows into a live feed.
//!
//! One fetcher task per instance reads the log after the last position it
//! published and publishes, in log order, to a bounded broadcast channel that
//! every subscriber reads. The table is the only source: nothing is published
//! that is not committed.
//!
//! # Reading order without a writer-side lock
//!
//! Writers take no shared lock, so event ids commit out of order: a slow
//! transaction may commit id 10 after id 11 was read, and "ids after 11"
//! would skip it. Instead every event records its transaction's id (`tx`,
//! PostgreSQL's `pg_current_xact_id()`), and a reader takes only events of
//! transactions older than the oldest one still running,
//! `pg_snapshot_xmin(pg_current_snapshot())` of the reading statement itself,
//! in `(tx, id)` order. Every transaction below that horizon has ended, so its
//! events are all visible or will never exist; any event committed later
//! belongs to a transaction at or above the horizon and so sorts after
//! everything read. This is the design of transactional outboxes that read
//! "in commit order" on PostgreSQL (e.g. Marten's high-water mark, Sequin,
//! pgmq); logical decoding would give commit order too, but needs
//! `wal_level=logical` and a replication slot per instance, which a plain
//! PostgreSQL in a test or on a small host does not have.
//!
//! The pitfalls, and what handles each:
//! - an id allocated before a slower transaction commits is never skipped:
//!   the horizon holds the reader back until that transaction ends;
//! - the horizon is cluster-wide: any transaction holding a transaction id, in
//!   any database, holds the feed back. The reader never skips past it; our
//!   own connections are bounded by `idle_in_transaction_session_timeout` and
//!   `statement_timeout` (`db::connect`), and the lag is logged (with the
//!   session holding it) and exported as metrics ([`held`]);
//! - per-order causality: transaction ids are assigned at a transaction's
//!   first write, not at commit. Every transaction that changes an existing
//!   order first queues on that order's advisory lock, which waits without
//!   taking an id (`orders::edit::lock`, used by `OrderEdit` and
//!   `orders::upsert`), so two transactions on one order get ids in the order
//!   they held the lock, and the order's events come out in version order;
//! - a wake-up can arrive before its event has cleared the horizon (a NOTIFY
//!   is sent after commit, but another transaction may still be open): while
//!   events are held back the fetcher polls again after a few milliseconds,
//!   backing off, instead of waiting for the next wake-up.
//!
//! SQLite has one writer at a time: events keep `tx = 0` and ids commit in
//! order, so the same query (without a horizon) is exact there.
//!
//! The fetcher wakes when a write transaction of this process that appended
//! events commits (the commit hook of [`crate::db::Db`], whatever transport
//! the change came through), on PostgreSQL when a NOTIFY arrives (sent after
//! commit by each instance's announcer, coalesced; every instance LISTENs on
//! one dedicated connection and catches up after reconnecting), and on a
//! timer (`EVENT_POLL_MS`) as a safety net.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, Statement};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::AbortHandle;

use super::OrderEventKind;
use super::coalesce::Coalesced;
use super::position::Position;
use crate::entities::order_event;
use crate::orders::workflow::OrderStatus;

/// The NOTIFY channel writers signal on.
pub const CHANNEL: &str = "ordergraph_events";
/// Rows read per fetch.
const PAGE: i64 = 500;

/// The reading statement's horizon: transactions below it have all ended.
/// A scalar subquery, so PostgreSQL computes it once per statement (and can
/// use it as an index bound) from that statement's own snapshot.
const HORIZON: &str = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)";

/// Shortest gap between two reads of the log by one instance's fetcher:
/// wake-ups within it (commits of this process, NOTIFYs, including this
/// instance's own) share the next read. Under a write load every commit
/// wakes the feed, and a read per commit would cost the database about as
/// many statements as the writes themselves; live events wait at most this
/// much longer.
const FETCH_GAP: Duration = Duration::from_millis(5);

/// The same gap while nobody on this instance is subscribed: the fetcher
/// then only moves its position on (one small statement), so a subscriber
/// that comes finds little to catch up on, and an idle instance under a
/// write load costs the database a statement per this interval instead of
/// a read per [`FETCH_GAP`].
const IDLE_GAP: Duration = Duration::from_millis(100);

/// The first re-poll while events are held back by the horizon; doubled up
/// to [`REPOLL_MAX`] while they stay held.
const REPOLL_FIRST: Duration = Duration::from_millis(2);
const REPOLL_MAX: Duration = Duration::from_millis(250);
/// How long events may be held back before the fetcher logs who holds them
/// (then at most once per this interval).
const HELD_WARN_AFTER: Duration = Duration::from_secs(5);

/// A committed event with what access checks need.
#[derive(Clone, Debug)]
pub struct Published {
    pub event: order_event::Model,
    /// The customer the order belongs to (for customer isolation).
    pub customer_id: Option<i64>,
}

impl Published {
    /// Where the event sits in the log.
    pub fn position(&self) -> Position {
        Position::of(&self.event)
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    tx: i64,
    order_id: i64,
    kind: OrderEventKind,
    from_status: Option<OrderStatus>,
    to_status: Option<OrderStatus>,
    actor: Option<String>,
    note: Option<String>,
    notify: bool,
    data: Option<serde_json::Value>,
    created_at: chrono::DateTime<chrono::Utc>,
    customer_id: Option<i64>,
}

/// The columns a [`Row`] is read from, with the events as `e` and their
/// orders as `o`.
const ROW_COLUMNS: &str = "e.id, e.tx, e.order_id, e.kind, e.from_status, e.to_status, e.actor, e.note, \
     e.notify, e.data, e.created_at, o.customer_id";

/// The statement behind [`fetch`]: SQL with numbered placeholders and its
/// values.
fn fetch_sql(
    backend: DatabaseBackend,
    after: Position,
    limit: i64,
    order_id: Option<i64>,
    customer_id: Option<i64>,
) -> (String, Vec<sea_orm::Value>) {
    let mut sql = format!(
        "SELECT {ROW_COLUMNS} FROM order_events e JOIN orders o ON o.id = e.order_id \
         WHERE (e.tx, e.id) > ($1, $2)"
    );
    if backend == DatabaseBackend::Postgres {
        sql.push_str(&format!(" AND e.tx < {HORIZON}"));
    }
    let mut values: Vec<sea_orm::Value> = vec![after.tx.into(), after.id.into()];
    if let Some(order) = order_id {
        values.push(order.into());
        sql.push_str(&format!(" AND e.order_id = ${}", values.len()));
    }
    if let Some(customer) = customer_id {
        values.push(customer.into());
        sql.push_str(&format!(" AND o.customer_id = ${}", values.len()));
    }
    values.push(limit.into());
    sql.push_str(&format!(" ORDER BY e.tx, e.id LIMIT ${}", values.len()));
    (sql, values)
}

impl From<Row> for Published {
    fn from(r: Row) -> Published {
        Published {
            customer_id: r.customer_id,
            event: order_event::Model {
                id: r.id,
                tx: r.tx,
                order_id: r.order_id,
                kind: r.kind,
                from_status: r.from_status,
                to_status: r.to_status,
                actor: r.actor,
                note: r.note,
                notify: r.notify,
                data: r.data,
                created_at: r.created_at,
            },
        }
    }
}

/// Readable events after `after` (optionally of one order or one customer's
/// orders), in log order, at most `limit`. On PostgreSQL only events below
/// the horizon are readable (see the module docs), so a later call never
/// returns anything that sorts before what this one returned.
pub async fn fetch<C: ConnectionTrait>(
    db: &C,
    after: Position,
    limit: i64,
    order_id: Option<i64>,
    customer_id: Option<i64>,
) -> Result<Vec<Published>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let (sql, values) = fetch_sql(backend, after, limit, order_id, customer_id);
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        crate::db::numbered_placeholders(backend, &sql),
        values,
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(Published::from).collect())
}

/// The statement of [`read_feed`] on PostgreSQL: the events with `held`
/// false, then at most one marker row with `held` true (its other columns
/// NULL) when anything is held back. Both halves walk the `(tx, id)` index
/// (tests check the plan).
pub fn feed_statement(after: Position, limit: i64) -> Statement {
    let backend = DatabaseBackend::Postgres;
    let (events, values) = fetch_sql(backend, after, limit, None, None);
    let events = events.replacen("SELECT ", "SELECT false AS held, ", 1);
    let sql = format!(
        "({events}) UNION ALL (SELECT true, NULL, tx, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, NULL FROM order_events WHERE tx >= {HORIZON} ORDER BY tx LIMIT 1)"
    );
    Statement::from_sql_and_values(backend, sql, values)
}

/// The feed's read: what [`fetch`] returns for every order, and whether the
/// horizon holds back any committed event, in one
/// statement: one snapshot, and one round trip instead of two on every
/// read (the fetcher reads up to every [`FETCH_GAP`] under a write load).
pub async fn read_feed<C: ConnectionTrait>(
    db: &C,
    after: Position,
    limit: i64,
) -> Result<(Vec<Published>, bool), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Ok((fetch(db, after, limit, None, None).await?, false));
    }
    let mut held = false;
    let mut published = Vec::new();
    for row in db.query_all_raw(feed_statement(after, limit)).await? {
        if row.try_get::<bool>("", "held")? {
            held = true;
        } else {
            published.push(Published::from(Row::from_query_result(&row, "")?));
        }
    }
    // UNION ALL promises no order; the feed must be in log order.
    published.sort_by_key(Published::position);
    Ok((published, held))
}

/// The position of the newest readable event ([`Position::START`] when there
/// is none): where a reader that wants only what comes next starts.
pub async fn latest<C: ConnectionTrait>(db: &C) -> Result<Position, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Last {
        tx: i64,
        id: i64,
    }
    let backend = db.get_database_backend();
    let filter = if backend == DatabaseBackend::Postgres {
        format!(" WHERE tx < {HORIZON}")
    } else {
        String::new()
    };
    let last = Last::find_by_statement(Statement::from_string(
        backend,
        format!("SELECT tx, id FROM order_events{filter} ORDER BY tx DESC, id DESC LIMIT 1"),
    ))
    .one(db)
    .await?;
    Ok(last.map_or(Position::START, |l| Position { tx: l.tx, id: l.id }))
}

/// Where a stream that wants only what commits from now on starts: after
/// `before`, skipping the transactions in `committed` (already committed but
/// still held back by the horizon, so they sort after `before` yet are not
/// new).
#[derive(Clone, Debug, Default)]
pub struct Now {
    pub before: Position,
    pub committed: std::collections::HashSet<i64>,
}

impl Now {
    /// Whether `event` committed before this moment.
    pub fn saw(&self, event: &Published) -> bool {
        self.saw_position(event.position())
    }

    /// Whether the event at `position` committed before this moment.
    pub fn saw_position(&self, position: Position) -> bool {
        position <= self.before || self.committed.contains(&position.tx)
    }
}

/// The newest readable position and the held-back transactions, in one
/// statement (one snapshot); both halves walk the `(tx, id)` index.
pub fn now_sql() -> String {
    format!(
        "(SELECT false AS held, tx, id FROM order_events WHERE tx < {HORIZON} ORDER BY tx DESC, id DESC LIMIT 1) \
         UNION ALL (SELECT DISTINCT true AS held, tx, 0 AS id FROM order_events WHERE tx >= {HORIZON})"
    )
}

/// This moment of the log, from one snapshot (one statement).
pub async fn now<C: ConnectionTrait>(db: &C) -> Result<Now, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Ok(Now {
            before: latest(db).await?,
            committed: Default::default(),
        });
    }
    #[derive(FromQueryResult)]
    struct Row {
        held: bool,
        tx: i64,
        id: i64,
    }
    let rows = Row::find_by_statement(Statement::from_string(backend, now_sql()))
        .all(db)
        .await?;
    let mut now = Now::default();
    for row in rows {
        if row.held {
            now.committed.insert(row.tx);
        } else {
            now.before = Position {
                tx: row.tx,
                id: row.id,
            };
        }
    }
    Ok(now)
}

/// Committed events the horizon still holds back, cluster-wide.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Held {
    /// How many.
    pub events: i64,
    /// Seconds since the oldest of them was written (0 when none).
    pub seconds: f64,
}

/// At most this many held-back events are counted: a long-open transaction
/// under a heavy write load holds back more, and counting them all would cost
/// the scrape (and the fetcher) a scan of everything written since.
pub const HELD_COUNT_CAP: i64 = 100_000;

/// Counts held-back events and the age of the oldest. The horizon is a
/// parameter PostgreSQL cannot see at planning time, so it guesses a third of
/// the table matches `tx >= horizon` and plans a sequential scan of the whole
/// log for a plain `count(*) WHERE` (or an `EXISTS`); ordering by `tx` under a
/// `LIMIT` makes it walk the `(tx, id)` index from the horizon instead, which
/// reads only the held rows. Tests check the plan (`EXPLAIN`).
pub fn held_sql() -> String {
    format!(
        "SELECT count(*) AS events, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS seconds \
         FROM (SELECT created_at FROM order_events WHERE tx >= {HORIZON} ORDER BY tx LIMIT {HELD_COUNT_CAP}) held"
    )
}

/// What the horizon holds back now (always nothing on SQLite), up to
/// [`HELD_COUNT_CAP`] events.
pub async fn held<C: ConnectionTrait>(db: &C) -> Result<Held, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        events: i64,
        seconds: Option<f64>,
    }
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(Held::default());
    }
    let row = Row::find_by_statement(Statement::from_string(
        DatabaseBackend::Postgres,
        held_sql(),
    ))
    .one(db)
    .await?;
    Ok(row.map_or(Held::default(), |r| Held {
        events: r.events,
        seconds: r.seconds.unwrap_or(0.0).max(0.0),
    }))
}

/// The session whose transaction holds the horizon back, for the log.
async fn holder<C: ConnectionTrait>(db: &C) -> Result<Option<String>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        pid: i32,
        datname: Option<String>,
        usename: Option<String>,
        application_name: Option<String>,
        state: Option<String>,
        seconds: Option<f64>,
    }
    let row = Row::find_by_statement(Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT pid, datname::text AS datname, usename::text AS usename, application_name, state, \
         EXTRACT(EPOCH FROM now() - xact_start)::float8 AS seconds FROM pg_stat_activity \
         WHERE backend_xid IS NOT NULL ORDER BY age(backend_xid) DESC LIMIT 1",
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| {
        format!(
            "pid {} (database {}, user {}, application {:?}, {}, transaction open {:.1} s)",
            r.pid,
            r.datname.unwrap_or_default(),
            r.usename.unwrap_or_default(),
            r.application_name.unwrap_or_default(),
            r.state.unwrap_or_default(),
            r.seconds.unwrap_or(0.0)
        )
    }))
}

/// The live feed of committed events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Published>>,
    tasks: Arc<Vec<AbortHandle>>,
    published: Arc<Mutex<Position>>,
    /// [`now`] for every new stream, coalesced.
    now: Arc<Coalesced<Now, sea_orm::DbErr>>,
}

impl EventBus {
    /// Starts the fetcher (and, on PostgreSQL, the listener on `database_url`).
    /// `commits` is the commit hook of this process's writes; `poll` the
    /// safety-net interval. `capacity` events are kept for subscribers that
    /// are behind; one further behind is cut off (and told to resume with
    /// `after`), so memory never grows without bound and a slow subscriber
    /// never slows the others.
    pub async fn start(
        db: DatabaseConnection,
        commits: watch::Receiver<u64>,
        database_url: &str,
        capacity: usize,
        poll: Duration,
    ) -> Result<EventBus, sea_orm::DbErr> {
        // Smaller than a fetch page, one burst would cut off even fast readers.
        let (sender, _) = broadcast::channel(capacity.max(2 * PAGE as usize));
        let wake = Arc::new(Notify::new());
        let published = Arc::new(Mutex::new(latest(&db).await?));
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        let now = {
            let db = db.clone();
            Arc::new(Coalesced::new(move || {
                let db = db.clone();
                async move { now(&db).await }
            }))
        };
        let announcer = postgres.then(|| announcer(db.clone(), commits.clone()));
        let fetch = fetcher(
            db,
            sender.clone(),
            wake.clone(),
            commits,
            published.clone(),
            poll,
        );
        let mut tasks = vec![tokio::spawn(fetch).abort_handle()];
        if let Some(announcer) = announcer {
            tasks.push(tokio::spawn(announcer).abort_handle());
            tasks
                .push(tokio::spawn(listener(database_url.to_owned(), wake.clone())).abort_handle());
        }
        Ok(EventBus {
            sender,
            tasks: Arc::new(tasks),
            published,
            now,
        })
    }

    /// The log's [`now`], read after this call started: a stream that
    /// subscribed before asking gets every event after it. Streams opened
    /// together share one statement (10,000 subscriptions at once would
    /// otherwise queue 10,000 reads on the pool).
    pub async fn now(&self) -> Result<Arc<Now>, sea_orm::DbErr> {
        self.now
            .get(|| sea_orm::DbErr::Custom("the server is shutting down".into()))
            .await
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// The position of the last event published to subscribers: a stream
    /// that subscribed before reading it gets everything after it live.
    pub fn last_published(&self) -> Position {
        *self
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the background tasks.
    pub fn stop(&self) {
        for task in self.tasks.iter() {
            task.abort();
        }
    }
}

/// Events committed after `after` that this instance has not published yet
/// (readable or still held back), counted up to a cap so a feed far behind
/// costs a bounded scan.
pub async fn unpublished<C: ConnectionTrait>(
    db: &C,
    after: Position,
) -> Result<i64, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let backend = db.get_database_backend();
    let count = Count::find_by_statement(Statement::from_sql_and_values(
        backend,
        crate::db::numbered_placeholders(
            backend,
            "SELECT count(*) AS n FROM (SELECT 1 FROM order_events WHERE (tx, id) > ($1, $2) LIMIT 100000) s",
        ),
        [after.tx.into(), after.id.into()],
    ))
    .one(db)
    .await?;
    Ok(count.map_or(0, |c| c.n))
}

async fn fetcher(
    db: DatabaseConnection,
    sender: broadcast::Sender<Arc<Published>>,
    notified: Arc<Notify>,
    mut commits: watch::Receiver<u64>,
    published: Arc<Mutex<Position>>,
    poll: Duration,
) {
    let mut last = *published.lock().unwrap_or_else(PoisonError::into_inner);
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    let mut hooked = true;
    // Set while events are held back: poll again this soon.
    let mut repoll: Option<Duration> = None;
    let mut warned: Option<Instant> = None;
    // Since when the fetcher has seen events held back without a break.
    let mut held_since: Option<Instant> = None;
    let mut last_read = Instant::now();
    loop {
        tokio::select! {
            () = notified.notified() => {}
            changed = commits.changed(), if hooked => {
                // The pool (and its hook) is gone only at shutdown; the timer
                // carries on until the task is stopped.
                hooked = changed.is_ok();
            }
            () = tokio::time::sleep(repoll.unwrap_or(poll)) => {}
        }
        let idle = sender.receiver_count() == 0;
        let gap = if idle { IDLE_GAP } else { FETCH_GAP };
        let since = last_read.elapsed();
        if since < gap {
            tokio::time::sleep(gap - since).await;
        }
        last_read = Instant::now();
        let read = if sender.receiver_count() == 0 {
            skip_ahead(&db, &sender, &mut last).await
        } else {
            publish_new(&db, &sender, &mut last).await
        };
        *published.lock().unwrap_or_else(PoisonError::into_inner) = last;
        let held = match read {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(error = %err, "reading new order events failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if !postgres {
            continue;
        }
        if held {
            // Nobody waits while nobody listens: no re-poll then.
            repoll = (sender.receiver_count() > 0)
                .then(|| repoll.map_or(REPOLL_FIRST, |d| (d * 2).min(REPOLL_MAX)));
            let held_since = *held_since.get_or_insert_with(Instant::now);
            // Under a steady write load something is always held for a
            // moment; only a hold that lasts is worth the count and the
            // log line.
            if held_since.elapsed() >= HELD_WARN_AFTER
                && warned.is_none_or(|t| t.elapsed() >= HELD_WARN_AFTER)
            {
                warn_held(&db).await;
                warned = Some(Instant::now());
            }
        } else {
            repoll = None;
            warned = None;
            held_since = None;
        }
    }
}

/// Publishes every readable event after `last` (moving it on); whether the
/// horizon holds any back.
async fn publish_new(
    db: &DatabaseConnection,
    sender: &broadcast::Sender<Arc<Published>>,
    last: &mut Position,
) -> Result<bool, sea_orm::DbErr> {
    loop {
        let (rows, held) = read_feed(db, *last, PAGE).await?;
        let full = rows.len() as i64 == PAGE;
        for row in rows {
            *last = row.position();
            // No receivers is fine: the last one may just have left.
            let _ = sender.send(Arc::new(row));
        }
        if !full {
            return Ok(held);
        }
    }
}

/// With nobody subscribed, moves `last` to the newest readable event without
/// reading the events; whether the horizon holds any back.
///
/// Safe because a subscriber always subscribes to the feed before it reads
/// where it starts (its "now", or the end of its replay): if nobody is
/// subscribed once the position was read, whoever subscribes later starts at
/// or after it, so nothing it needs is skipped. If somebody subscribed
/// meanwhile, `last` stays, and the next read publishes from there.
async fn skip_ahead(
    db: &DatabaseConnection,
    sender: &broadcast::Sender<Arc<Published>>,
    last: &mut Position,
) -> Result<bool, sea_orm::DbErr> {
    let (newest, held) = newest_and_held(db).await?;
    if sender.receiver_count() == 0 {
        *last = (*last).max(newest);
    }
    Ok(held)
}

/// The statement of [`newest_and_held`]: one index probe from each side
/// of the horizon.
pub fn newest_sql() -> String {
    format!(
        "(SELECT false AS held, tx, id FROM order_events WHERE tx < {HORIZON} ORDER BY tx DESC, id DESC LIMIT 1) \
         UNION ALL (SELECT true AS held, tx, 0 AS id FROM order_events WHERE tx >= {HORIZON} ORDER BY tx LIMIT 1)"
    )
}

/// The newest readable position and whether the horizon holds any committed
/// event back (never on SQLite), in one statement (one snapshot).
pub async fn newest_and_held<C: ConnectionTrait>(
    db: &C,
) -> Result<(Position, bool), sea_orm::DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok((latest(db).await?, false));
    }
    #[derive(FromQueryResult)]
    struct Row {
        held: bool,
        tx: i64,
        id: i64,
    }
    let rows = Row::find_by_statement(Statement::from_string(
        DatabaseBackend::Postgres,
        newest_sql(),
    ))
    .all(db)
    .await?;
    let mut newest = Position::START;
    let mut held = false;
    for row in rows {
        if row.held {
            held = true;
        } else {
            newest = Position {
                tx: row.tx,
                id: row.id,
            };
        }
    }
    Ok((newest, held))
}

/// Logs what is held back and by whom, when the oldest held event is older
/// than [`HELD_WARN_AFTER`] (a steady stream of short holds is not).
async fn warn_held(db: &DatabaseConnection) {
    let h = match held(db).await {
        Ok(h) => h,
        Err(err) => {
            tracing::warn!(error = %err, "reading the event horizon failed");
            return;
        }
    };
    if h.seconds < HELD_WARN_AFTER.as_secs_f64() {
        return;
    }
    let who = holder(db)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    tracing::warn!(
        held_events = h.events,
        held_seconds = h.seconds,
        holder = %who,
        "order events are held back by an open transaction; live subscribers wait until it ends"
    );
}

/// Shortest gap between two NOTIFYs of one instance: commits within it are
/// announced together.
const ANNOUNCE_EVERY: Duration = Duration::from_millis(5);

/// Tells other instances that this one committed events: a NOTIFY sent after
/// the commit, on a pooled connection, never inside the writing transaction
/// (PostgreSQL serialises every committing transaction that has a pending
/// NOTIFY on one global lock). Commits that come while a NOTIFY is out, or
/// within [`ANNOUNCE_EVERY`] of it, share the next one. A NOTIFY lost to a
/// crash between commit and announce is made up by the readers' poll.
async fn announcer(db: DatabaseConnection, mut commits: watch::Receiver<u64>) {
    // The pool (and its hook) is gone only at shutdown.
    while commits.changed().await.is_ok() {
        commits.borrow_and_update();
        announce(&db).await;
        tokio::time::sleep(ANNOUNCE_EVERY).await;
    }
}

/// One NOTIFY telling every instance to read the log now (PostgreSQL; a
/// no-op on SQLite, where one process owns the file). For writers without a
/// live feed of their own (`ordergraph import`), after each commit.
pub async fn announce<C: ConnectionTrait>(db: &C) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let sql = format!("SELECT pg_notify('{CHANNEL}', '')");
    if let Err(err) = db.execute_unprepared(&sql).await {
        tracing::warn!(error = %err, "announcing new order events failed; other instances catch up at their next poll");
    }
}

async fn listener(url: String, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "LISTEN connection failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        // Anything committed while we were not listening is read now.
        wake.notify_one();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                // The connection was lost and is re-established by the next
                // call; notifications in between are lost, so catch up.
                Ok(None) => wake.notify_one(),
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN connection lost; reconnecting");
                    wake.notify_one();
                    break;
                }
            }
        }
    }
}
