//! GraphQL type of order events.

use async_graphql::{Context, ID, Json, Object};

use super::OrderEventKind;
use super::position::Position;
use crate::entities::order_event;
use crate::error::AppError;
use crate::ids::{NodeKind, global_id};
use crate::orders::types::Order;
use crate::orders::workflow::OrderStatus;
use crate::scalars::BigInt;

/// One entry of an order's history.
pub struct OrderEvent(pub order_event::Model);

/// One entry of an order's history: what changed, from which status to which,
/// who did it and when. The same events stream live through `orderEvents`.
#[Object]
impl OrderEvent {
    /// The global id: opaque, unique across all types (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::OrderEvent, self.0.id)
    }

    /// The database id. Ids are unique and grow, but concurrent transactions
    /// commit them out of order: to resume a stream, use `cursor`.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }

    /// Where this event sits in the log, opaque: pass it as
    /// `orderEvents(after:)` to get exactly the events after it, in the same
    /// order on every instance.
    async fn cursor(&self) -> String {
        Position::of(&self.0).cursor()
    }

    /// The global id of the order it is about.
    async fn order_id(&self) -> ID {
        global_id(NodeKind::Order, self.0.order_id)
    }

    /// The order as it is now (not as it was at the event).
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
        Order::load(ctx, self.0.order_id).await
    }

    /// What happened.
    async fn kind(&self) -> OrderEventKind {
        self.0.kind
    }

    /// The status before, for status changes (and creation: null).
    async fn from_status(&self) -> Option<OrderStatus> {
        self.0.from_status
    }

    /// The status after, for status changes and creation.
    async fn to_status(&self) -> Option<OrderStatus> {
        self.0.to_status
    }

    /// Who made the change (the caller's subject).
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }

    /// A note given with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// Whether the customer was to be notified.
    async fn notify(&self) -> bool {
        self.0.notify
    }

    /// What changed: `{field: {before, after}}` for updates, the line for line
    /// events; for TRANSACTION_RECORDED and REFUND_CREATED the transaction or
    /// refund (amounts as strings, database ids) and the order's payment
    /// figures after it.
    async fn data(&self) -> Option<Json<serde_json::Value>> {
        self.0.data.clone().map(Json)
    }

    /// When it happened.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}
