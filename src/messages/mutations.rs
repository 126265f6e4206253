//! Message mutations.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::OrderMessage;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};

/// Messages.
#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Adds a message to an order. Every role may, on the orders it sees
    /// (customers on their own). `notify: true` e-mails the message to the
    /// order's customer (the MESSAGE_ADDED template).
    async fn add_order_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "Who writes it: an e-mail address or a name (1 to 255 characters).")]
        from_user: String,
        #[graphql(desc = "The message (1 to 10,000 characters).")] text: String,
        #[graphql(desc = "Whether to e-mail the customer; default false.")] notify: Option<bool>,
    ) -> Result<OrderMessage, AppError> {
        let principal = require_principal(ctx)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        let message = service::add(
            &state(ctx)?.db,
            principal,
            id,
            from_user,
            text,
            notify.unwrap_or(false),
        )
        .await?;
        Ok(OrderMessage(message))
    }
}
