//! Queries of the order domain.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::{Order, OrderStatusInfo};
use super::workflow::OrderStatus;
use crate::error::AppError;
use crate::graphql::context::{parse_id, require_principal, state};

/// Order queries.
#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// Every order status with its label, whether it is active or terminal, and
    /// the statuses that may follow it. Open to everyone, including anonymous
    /// callers.
    async fn order_statuses(&self) -> Vec<OrderStatusInfo> {
        OrderStatus::ALL.into_iter().map(OrderStatusInfo).collect()
    }

    /// An order by id; null when there is none.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>, AppError> {
        require_principal(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(service::get(&state(ctx)?.db, id).await?.map(Order))
    }

    /// An order by its source platform's key; null when there is none.
    async fn order_by_external_id(
        &self,
        ctx: &Context<'_>,
        source: String,
        external_id: String,
    ) -> Result<Option<Order>, AppError> {
        require_principal(ctx)?;
        Ok(
            service::get_by_external_id(&state(ctx)?.db, &source, &external_id)
                .await?
                .map(Order),
        )
    }
}
