//! SQLite's single writer: every write transaction of this process waits its
//! turn in one fair queue, and callers that follow each other share one
//! `BEGIN IMMEDIATE` … `COMMIT` (group commit), each in its own savepoint.
//!
//! Why: SQLite lets one writer in at a time. With a transaction per caller on
//! connections of their own, the callers that find the file locked poll it
//! with growing sleeps (the busy handler): they wake late, in no order, and
//! under load some wait a second or more while one writer alone would go three
//! times as fast. Waiting on a FIFO queue instead, each caller starts the
//! moment the one before it is done; and a caller that finds others queued
//! behind it leaves the transaction open for them, so one COMMIT (and one
//! BEGIN, one connection from the pool) serves several callers.
//!
//! What each caller keeps:
//! - all-or-nothing: its writes sit in its savepoint. Failing or dropped
//!   (cancelled), it rolls back to that savepoint, so only its own writes go.
//!   sqlx queues that rollback on the connection's command channel, which
//!   runs in order: it is done before the next caller's first statement.
//! - no early yes: its `commit` releases the savepoint into the group and
//!   answers only once the group's COMMIT has returned. If that COMMIT fails,
//!   every caller of the group hears the failure: none of them was committed.
//! - cancel safety of the COMMIT: it runs on a task of its own, so a caller
//!   that goes away mid-COMMIT cannot leave the others with a wrong answer.
//!
//! What changes for them: a caller sees the writes of the callers before it in
//! its group (they are released, not yet committed) and they commit or fail
//! together; reads through the pool see them only after the COMMIT, like any
//! other uncommitted write.
//!
//! The turn is per process. Other processes on the same file (`ordergraph
//! import` while a server runs) still meet at the file lock, which is what the
//! busy timeout of [`connect`](super::connect) is for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::hooks::{Hooks, Wrote};
use sea_orm::error::ConnAcquireErr;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};
use tracing::Instrument;

/// A group commits once this many callers have released into it, so the first
/// of them does not wait on an unbounded line behind it.
const MAX_GROUP_CALLERS: usize = 32;

/// A group commits once its first caller has waited this long, for the same
/// reason: the callers of a group wait for the work of those after them,
/// which must stay far below the latency a client notices. (A caller still
/// waits for the one transaction in progress when this runs out.)
const MAX_GROUP_WAIT: Duration = Duration::from_millis(5);

/// What every caller of a group hears: `None` until the COMMIT has returned.
type Outcome = Option<Result<(), DbErr>>;

/// The queue and what the caller at its head owns.
pub(crate) struct Writer {
    /// Where groups get their connection.
    pool: DatabaseConnection,
    /// `tokio::sync::Mutex` is FIFO-fair: its holder has the turn.
    slot: Arc<Mutex<Slot>>,
    /// Callers waiting for the turn: a caller committing while others wait
    /// leaves the group open for them.
    waiting: AtomicUsize,
    /// How long a caller waits for the turn before giving up, like it waited
    /// for the file lock before (the busy timeout).
    turn_timeout: Duration,
    /// The commit hooks (see [`Db::event_commits`](super::Db::event_commits)).
    hooks: Hooks,
}

#[derive(Default)]
struct Slot {
    group: Option<Group>,
    /// Numbers groups, so a flush queued for one leaves the next alone.
    opened: u64,
}

/// One outer transaction shared by consecutive callers.
struct Group {
    id: u64,
    outer: DatabaseTransaction,
    /// When the first caller released into it (and began waiting).
    first_release: Option<Instant>,
    /// Callers whose savepoint was released into it.
    callers: usize,
    /// What its callers wrote that the commit hooks announce.
    wrote: Wrote,
    outcome: watch::Sender<Outcome>,
    /// A task is queued to commit it (see [`Turn::drop`]).
    flush_queued: bool,
}

impl Writer {
    /// A writer opening its groups on `pool`.
    ///
    /// Always the pool of the [`Db`](super::Db) that made the writer (the
    /// server's, with the statement counter, the slow-statement log and the
    /// statement log): a group is shared, and its savepoints inherit the
    /// opener's callbacks, so groups opened by a caller on another handle
    /// (the delivery worker's) would otherwise hide the requests' statements
    /// that join them. The worker's writes are counted with the requests'.
    pub(crate) fn new(pool: DatabaseConnection, hooks: Hooks, turn_timeout: Duration) -> Self {
        Writer {
            pool,
            slot: Arc::new(Mutex::new(Slot::default())),
            waiting: AtomicUsize::new(0),
            turn_timeout,
            hooks,
        }
    }

    /// Callers waiting for the turn now.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Waits for the turn, joins the open group (or opens one on a connection
    /// of the writer's pool) and starts the caller's savepoint.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<(DatabaseTransaction, Turn), DbErr> {
        let mut turn = self.turn().await?;
        let slot = turn.slot_mut()?;
        let group = match slot.group.take() {
            Some(group) => group,
            None => {
                let outer = self
                    .pool
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await?;
                slot.opened += 1;
                Group {
                    id: slot.opened,
                    outer,
                    first_release: None,
                    callers: 0,
                    wrote: Wrote::default(),
                    outcome: watch::Sender::new(None),
                    flush_queued: false,
                }
            }
        };
        let savepoint = slot.group.insert(group).outer.begin().await?;
        Ok((savepoint, turn))
    }

    async fn turn(self: &Arc<Self>) -> Result<Turn, DbErr> {
        let _waiting = Waiting::enter(&self.waiting);
        let guard = tokio::time::timeout(self.turn_timeout, self.slot.clone().lock_owned())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?;
        Ok(Turn {
            slot: Some(guard),
            writer: self.clone(),
        })
    }
}

/// Counts a caller as waiting until it has the turn or gave up (dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The turn of one caller. Dropped, it passes the turn on; a group it leaves
/// open gets a flush queued behind the callers waiting now, so the group
/// commits even if none of them comes to commit it.
pub(crate) struct Turn {
    /// `None` once handed to the task that commits the group.
    slot: Option<OwnedMutexGuard<Slot>>,
    writer: Arc<Writer>,
}

impl Turn {
    fn slot_mut(&mut self) -> Result<&mut Slot, DbErr> {
        self.slot.as_deref_mut().ok_or_else(|| lost("the turn"))
    }

    /// Releases the caller's savepoint into the group, commits the group now
    /// or leaves it to the callers queued behind, and answers once the
    /// group's COMMIT has returned.
    pub(crate) async fn commit(
        mut self,
        savepoint: DatabaseTransaction,
        wrote: Wrote,
    ) -> Result<(), DbErr> {
        // Failing, the savepoint rolls back (on drop) and the group goes on
        // without this caller.
        savepoint.commit().await?;
        let waiting = self.writer.waiting();
        let group = self
            .slot_mut()?
            .group
            .as_mut()
            .ok_or_else(|| lost("the group"))?;
        group.callers += 1;
        group.wrote = group.wrote.or(wrote);
        let first_release = *group.first_release.get_or_insert_with(Instant::now);
        let mut outcome = group.outcome.subscribe();
        let full = group.callers >= MAX_GROUP_CALLERS || first_release.elapsed() >= MAX_GROUP_WAIT;
        if full || waiting == 0 {
            self.finish();
        }
        drop(self);
        match outcome.wait_for(Option::is_some).await {
            Ok(result) => result.clone().unwrap_or_else(|| Err(lost("the outcome"))),
            Err(_) => Err(lost("the group's COMMIT")),
        }
    }

    /// Commits the open group on a task of its own, which keeps the turn
    /// until COMMIT has returned (so the next group's BEGIN does not meet the
    /// file lock) and then tells every caller of the group.
    fn finish(&mut self) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        let Some(group) = slot.group.take() else {
            return;
        };
        let hooks = self.writer.hooks.clone();
        let commit = async move {
            let Group {
                outer,
                wrote,
                outcome,
                ..
            } = group;
            let result = outer.commit().await;
            drop(slot);
            if result.is_ok() {
                hooks.fire(wrote);
            }
            outcome.send_replace(Some(result));
        };
        // In the trace of the caller that closed the group.
        spawn(commit.instrument(tracing::Span::current()));
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(slot) = self.slot.as_deref_mut() else {
            return;
        };
        let Some(group) = slot.group.as_mut() else {
            return;
        };
        if group.flush_queued {
            return;
        }
        group.flush_queued = true;
        let (writer, id) = (self.writer.clone(), group.id);
        // Queued behind the callers waiting now: they join the group first,
        // and whoever commits last with nobody behind commits it; this flush
        // then finds it gone.
        let flush = async move {
            let guard = writer.slot.clone().lock_owned().await;
            let mut turn = Turn {
                slot: Some(guard),
                writer,
            };
            let ours = turn
                .slot
                .as_deref()
                .and_then(|slot| slot.group.as_ref())
                .is_some_and(|group| group.id == id);
            if ours {
                turn.finish();
            }
        };
        spawn(flush.instrument(tracing::Span::current()));
    }
}

/// Spawns on the current runtime. Without one (the runtime is shutting
/// down) there is nobody left to answer: the group's callers hear an error
/// when its outcome channel closes.
fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}

/// A broken invariant of the writer, or a group whose COMMIT never ran (the
/// runtime stopped): the caller cannot know whether its writes were
/// committed, like a connection lost during COMMIT.
fn lost(what: &str) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(format!(
        "SQLite writer: {what} is gone; the outcome of this write is unknown"
    )))
}
