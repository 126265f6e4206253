//! [`EventBus`]: turns committed `order_events` rows into a live feed.
//!
//! One fetcher task per instance reads rows with `id > last seen` from the
//! table and publishes them, in id order, to a bounded broadcast channel that
//! every subscriber reads. The table is the only source: nothing is published
//! that is not committed, and the writers' advisory lock (see
//! [`super::append`]) makes ids commit in order, so "ids after N" never skips
//! a row that commits late.
//!
//! The fetcher wakes when a write transaction of this process that appended
//! events commits (the commit hook of [`crate::db::Db`], whatever transport
//! the change came through), on PostgreSQL when a NOTIFY arrives (sent inside
//! the writing transaction, so only on commit, by any instance; every instance
//! LISTENs on one dedicated connection and catches up after reconnecting), and
//! on a timer (`EVENT_POLL_MS`) as a safety net.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, Statement};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::AbortHandle;

use super::OrderEventKind;
use crate::entities::order_event;
use crate::orders::workflow::OrderStatus;

/// The NOTIFY channel writers signal on.
pub const CHANNEL: &str = "ordergraph_events";
/// Rows read per fetch.
const PAGE: i64 = 500;

/// A committed event with what access checks need.
#[derive(Clone, Debug)]
pub struct Published {
    pub event: order_event::Model,
    /// The customer the order belongs to (for customer isolation).
    pub customer_id: Option<i64>,
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
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

/// Committed events with id > `after` (optionally of one order or one
/// customer's orders), oldest first, at most `limit`.
pub async fn fetch<C: ConnectionTrait>(
    db: &C,
    after: i64,
    limit: i64,
    order_id: Option<i64>,
    customer_id: Option<i64>,
) -> Result<Vec<Published>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "SELECT e.id, e.order_id, e.kind, e.from_status, e.to_status, e.actor, e.note, e.notify, e.data, \
         e.created_at, o.customer_id FROM order_events e JOIN orders o ON o.id = e.order_id WHERE e.id > $1",
    );
    let mut values: Vec<sea_orm::Value> = vec![after.into()];
    if let Some(order) = order_id {
        values.push(order.into());
        sql.push_str(&format!(" AND e.order_id = ${}", values.len()));
    }
    if let Some(customer) = customer_id {
        values.push(customer.into());
        sql.push_str(&format!(" AND o.customer_id = ${}", values.len()));
    }
    values.push(limit.into());
    sql.push_str(&format!(" ORDER BY e.id LIMIT ${}", values.len()));
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        crate::db::numbered_placeholders(backend, &sql),
        values,
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Published {
            customer_id: r.customer_id,
            event: order_event::Model {
                id: r.id,
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
        })
        .collect())
}

/// The live feed of committed events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Published>>,
    tasks: Arc<Vec<AbortHandle>>,
    published: Arc<AtomicI64>,
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
        let start_after = latest_id(&db).await?;
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        let published = Arc::new(AtomicI64::new(start_after));
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
        })
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// The id of the last event published to subscribers; with the newest
    /// committed id, how far the live feed is behind the log.
    pub fn last_published(&self) -> i64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Stops the background tasks.
    pub fn stop(&self) {
        for task in self.tasks.iter() {
            task.abort();
        }
    }
}

/// The id of the newest committed event (0 when there is none).
pub async fn latest_id<C: ConnectionTrait>(db: &C) -> Result<i64, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Max {
        id: Option<i64>,
    }
    let max = Max::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT MAX(id) AS id FROM order_events",
    ))
    .one(db)
    .await?;
    Ok(max.and_then(|m| m.id).unwrap_or(0))
}

async fn fetcher(
    db: DatabaseConnection,
    sender: broadcast::Sender<Arc<Published>>,
    notified: Arc<Notify>,
    mut commits: watch::Receiver<u64>,
    published: Arc<AtomicI64>,
    poll: Duration,
) {
    let mut last = published.load(Ordering::Relaxed);
    let mut hooked = true;
    loop {
        tokio::select! {
            () = notified.notified() => {}
            changed = commits.changed(), if hooked => {
                // The pool (and its hook) is gone only at shutdown; the timer
                // carries on until the task is stopped.
                hooked = changed.is_ok();
            }
            () = tokio::time::sleep(poll) => {}
        }
        loop {
            match fetch(&db, last, PAGE, None, None).await {
                Ok(rows) => {
                    let full = rows.len() as i64 == PAGE;
                    for row in rows {
                        last = row.event.id;
                        // No receivers is fine: nobody is subscribed right now.
                        let _ = sender.send(Arc::new(row));
                    }
                    published.store(last, Ordering::Relaxed);
                    if !full {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "reading new order events failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
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
