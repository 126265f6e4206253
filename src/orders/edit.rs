//! [`OrderEdit`]: the one way an existing order changes. It locks the order row
//! for the rest of the transaction (so concurrent edits queue instead of losing
//! updates), checks `expectedVersion`, and on `finish` saves the order with a
//! version bump and appends the events, last, in the same transaction.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QuerySelect, Statement,
};

use super::workflow::OrderStatus;
use crate::auth::Principal;
use crate::db::WriteTxn;
use crate::entities::order;
use crate::error::{AppError, AppResult};
use crate::events::{self, NewEvent, OrderEventKind};

/// The first key of the advisory locks that queue changes of one order
/// ("og"); the second is the order id.
const ORDER_LOCK_SPACE: i32 = 0x6f67;

/// Queues this transaction behind every other one changing order `id`, as
/// its first statement (PostgreSQL; SQLite's writer is alone already).
///
/// The event log is read in transaction-id order (see `events::bus`), and a
/// transaction id is taken at the first write, so two changes of one order
/// are read in the order they happened only if the second takes its id after
/// the first committed. A transaction-scoped advisory lock waits without
/// taking one. The row lock alone does not do: a `SELECT … FOR UPDATE` that
/// queued behind an UPDATE of the row takes a transaction id when the holder
/// commits (to lock the newer row version, PostgreSQL's `heap_lock_updated_tuple`),
/// even when a third transaction gets the row first, and its events would
/// then be read before that third one's.
pub async fn lock<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), sea_orm::DbErr> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    // Ids past 2^31 share a key with a smaller one: those orders then queue
    // together, which is correct, only less parallel.
    let key = id as i32;
    conn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [ORDER_LOCK_SPACE.into(), key.into()],
    ))
    .await
    .map(|_| ())
}

/// An order being changed inside a write transaction.
pub struct OrderEdit<'c> {
    conn: &'c WriteTxn,
    actor: String,
    /// The order as it was when locked.
    pub before: order::Model,
    /// The order as it will be saved; change its fields.
    pub after: order::Model,
    events: Vec<NewEvent>,
    lines_changed: bool,
}

impl<'c> OrderEdit<'c> {
    /// Locks order `id` ([`lock`], then the row); NOT_FOUND when there is
    /// none, CONFLICT when
    /// `expected_version` is given and differs.
    pub async fn begin(
        conn: &'c WriteTxn,
        id: i64,
        expected_version: Option<i32>,
        actor: &Principal,
    ) -> AppResult<Self> {
        lock(conn, id).await?;
        // Another customer's order answers exactly like a missing one, so no one
        // learns which ids exist.
        let order = order::Entity::find_by_id(id)
            .lock_exclusive()
            .one(conn)
            .await?
            .filter(|o| actor.policy().sees_order(o))
            .ok_or_else(|| AppError::NotFound(format!("No order with id {id}")))?;
        if let Some(expected) = expected_version
            && expected != order.version
        {
            return Err(AppError::Conflict {
                message: format!(
                    "The order changed meanwhile: it is at version {}, not {expected}; reload it and retry",
                    order.version
                ),
                current_version: Some(order.version),
            });
        }
        Ok(OrderEdit {
            conn,
            actor: actor.subject.clone(),
            after: order.clone(),
            before: order,
            events: Vec::new(),
            lines_changed: false,
        })
    }

    /// The connection (transaction) the edit runs in.
    pub fn conn(&self) -> &'c WriteTxn {
        self.conn
    }

    /// The current status.
    pub fn status(&self) -> OrderStatus {
        self.after.status
    }

    /// Moves to `to` if the workflow allows it, recording STATUS_CHANGED.
    pub fn move_to(
        &mut self,
        to: OrderStatus,
        note: Option<String>,
        notify: bool,
    ) -> AppResult<()> {
        let from = self.status();
        if !from.can_move_to(to) {
            return Err(AppError::InvalidTransition {
                from,
                to,
                allowed: from.next().to_vec(),
            });
        }
        self.after.status = to;
        let event = self.event(OrderEventKind::StatusChanged);
        event.from_status = Some(from);
        event.to_status = Some(to);
        event.note = note;
        event.notify = notify;
        Ok(())
    }

    /// Refuses line edits once the order is past ON_HOLD (shipped, done,
    /// cancelled, refunded): BAD_USER_INPUT naming the status.
    pub fn require_editable_lines(&self) -> AppResult<()> {
        let status = self.status();
        if status.lines_editable() {
            return Ok(());
        }
        Err(AppError::invalid_field(
            "orderId",
            format!(
                "lines can only change while the order is PENDING, CONFIRMED, PROCESSING, IN_PROGRESS or ON_HOLD; it is {status}"
            ),
        ))
    }

    /// Adds an event of `kind` by the actor and returns it to fill in.
    pub fn event(&mut self, kind: OrderEventKind) -> &mut NewEvent {
        self.events
            .push(NewEvent::new(self.before.id, kind, &self.actor));
        let last = self.events.len() - 1;
        &mut self.events[last]
    }

    /// Notes that lines (or other rows of the order) changed, so the version
    /// grows even when the order row itself does not.
    pub fn mark_changed(&mut self) {
        self.lines_changed = true;
    }

    /// Saves the order (with a version bump when anything changed) and appends
    /// the events. Returns the order as saved.
    pub async fn finish(self) -> AppResult<order::Model> {
        let OrderEdit {
            conn,
            before,
            mut after,
            events,
            lines_changed,
            ..
        } = self;
        let saved = if after != before || lines_changed {
            after.version = before.version + 1;
            after.updated_at = crate::db::now();
            order::ActiveModel::from(after)
                .reset_all()
                .update(conn)
                .await?
        } else {
            before
        };
        events::append(conn, events).await?;
        Ok(saved)
    }
}
