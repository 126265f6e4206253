//! `order_events`: every change to an order, written in the same transaction as the
//! change. The order's history, the subscription source (read in `(tx, id)` order) and
//! the outbox for notifications.

use sea_orm::entity::prelude::*;

use crate::events::kind::OrderEventKind;
use crate::orders::workflow::OrderStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub kind: OrderEventKind,
    pub from_status: Option<OrderStatus>,
    pub to_status: Option<OrderStatus>,
    pub actor: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub notify: bool,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub data: Option<Json>,
    pub created_at: DateTimeUtc,
    /// The writing transaction's id (PostgreSQL `pg_current_xact_id()`, set by
    /// the column default; 0 on SQLite and for events older than the column).
    /// With `id`, the event's position in the log: readers go in `(tx, id)`
    /// order (see `events::bus`).
    pub tx: i64,
}

impl ActiveModelBehavior for ActiveModel {}
