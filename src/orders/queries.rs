//! Queries of the order domain.

use async_graphql::Object;

use super::types::OrderStatusInfo;
use super::workflow::OrderStatus;

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
}
