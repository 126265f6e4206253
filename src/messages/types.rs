//! GraphQL type of order messages.

use async_graphql::{ID, Object};

use crate::entities::order_message;
use crate::ids::{NodeKind, global_id};
use crate::scalars::BigInt;

/// A message on an order.
pub struct OrderMessage(pub order_message::Model);

/// A message on an order, from the buyer or from staff (seed 003 add_message).
#[Object]
impl OrderMessage {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever a message id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::OrderMessage, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// Who wrote it (an e-mail address or a name).
    async fn from_user(&self) -> &str {
        &self.0.from_user
    }
    /// The message.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Whether the customer was to be notified.
    async fn notify(&self) -> bool {
        self.0.notify
    }
    /// When it was written.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}
