//! Message mutations.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::OrderMessage;
use crate::error::AppError;
use crate::graphql::context::{parse_id, require_principal, state};

/// Messages.
#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Adds a message to an order. `notify` asks for the customer to be told
    /// (recorded now; delivery comes later).
    async fn add_order_message(
        &self,
        ctx: &Context<'_>,
        id: ID,
        from_user: String,
        text: String,
        notify: Option<bool>,
    ) -> Result<OrderMessage, AppError> {
        let principal = require_principal(ctx)?;
        let id = parse_id(&id, "id")?;
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
