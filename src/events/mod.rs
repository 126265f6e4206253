//! Order events: every change to an order writes `order_events` rows in the
//! same transaction as the change. This table is the order's history, the
//! subscription source and the notification outbox (DESIGN.md "Events").

pub mod bus;
pub mod coalesce;
pub mod kind;
pub mod loaders;
pub mod owners;
pub mod position;
pub mod subscriptions;
pub mod types;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryTrait};
use serde_json::Value as Json;

pub use kind::OrderEventKind;

use crate::db::WriteTxn;
use crate::entities::order_event;
use crate::orders::workflow::OrderStatus;

/// An event about to be written.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub order_id: i64,
    pub kind: OrderEventKind,
    pub from_status: Option<OrderStatus>,
    pub to_status: Option<OrderStatus>,
    /// Who did it: the caller's subject.
    pub actor: Option<String>,
    pub note: Option<String>,
    pub notify: bool,
    /// What changed: before/after of changed fields, the line for line events.
    pub data: Option<Json>,
}

impl NewEvent {
    /// An event of `kind` on `order_id` by `actor`, with nothing else set.
    pub fn new(order_id: i64, kind: OrderEventKind, actor: &str) -> Self {
        NewEvent {
            order_id,
            kind,
            from_status: None,
            to_status: None,
            actor: Some(actor.to_owned()),
            note: None,
            notify: false,
            data: None,
        }
    }
}

/// Appends `events` inside the caller's transaction, with the deliveries they
/// ask for. Call it as the last write before commit.
///
/// No lock: each row records its transaction's id (the column default) and
/// readers follow `(tx, id)` below the horizon (see [`bus`]). What keeps one
/// order's events in version order is the caller's: a transaction that
/// changes an existing order must queue on the order's lock before its first
/// write (`orders::edit::lock`; `OrderEdit::begin` does).
pub async fn append(db: &WriteTxn, events: Vec<NewEvent>) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    // The commit will wake whatever follows the log in this process.
    db.appended_events();
    if let Some(first) = events.first() {
        db.touched_order(first.order_id);
    }
    let now = crate::db::now();
    let models = events.into_iter().map(|e| order_event::ActiveModel {
        order_id: sea_orm::ActiveValue::Set(e.order_id),
        kind: sea_orm::ActiveValue::Set(e.kind),
        from_status: sea_orm::ActiveValue::Set(e.from_status),
        to_status: sea_orm::ActiveValue::Set(e.to_status),
        actor: sea_orm::ActiveValue::Set(e.actor),
        note: sea_orm::ActiveValue::Set(e.note),
        notify: sea_orm::ActiveValue::Set(e.notify),
        data: sea_orm::ActiveValue::Set(e.data),
        created_at: sea_orm::ActiveValue::Set(now),
        ..Default::default()
    });
    // Chunked to stay far below the bind-parameter limits (9 per row).
    let models: Vec<_> = models.collect();
    let mut appended = Vec::with_capacity(models.len());
    let mut config_version = None;
    for chunk in models.chunks(1000) {
        let mut insert = order_event::Entity::insert_many(chunk.to_vec()).into_query();
        // The planner's configuration version comes back with the rows, so
        // a write reads the endpoints and rules only when they changed.
        insert.returning(Query::returning().exprs([
            Expr::cust("*"),
            Expr::cust(
                "(SELECT value FROM settings WHERE key = 'delivery_config_version') AS delivery_config_version",
            ),
        ]));
        let backend = db.get_database_backend();
        for row in db.query_all_raw(backend.build(&insert)).await? {
            config_version = row.try_get::<Option<String>>("", "delivery_config_version")?;
            appended.push(order_event::Model::from_query_result(&row, "")?);
        }
    }
    // The outbox: what these events ask to be sent, in this same transaction.
    // Other instances hear of the commit from this instance's announcer
    // (`bus::announcer`), after it: a NOTIFY in here would serialise commits.
    crate::deliveries::plan::plan(db, &appended, config_version.as_deref()).await?;
    Ok(())
}
