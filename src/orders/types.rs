//! GraphQL types of the order domain.

use async_graphql::Object;

use super::workflow::OrderStatus;

/// One row of the status table (seed 002's statuses endpoint).
pub struct OrderStatusInfo(pub OrderStatus);

#[Object]
impl OrderStatusInfo {
    /// The status.
    async fn status(&self) -> OrderStatus {
        self.0
    }

    /// A human label ("In progress").
    async fn label(&self) -> &'static str {
        self.0.label()
    }

    /// Whether orders in this status still need work (not COMPLETED, CANCELLED or
    /// REFUNDED).
    async fn active(&self) -> bool {
        self.0.is_active()
    }

    /// Whether no status can follow this one.
    async fn terminal(&self) -> bool {
        self.0.is_terminal()
    }

    /// The statuses an order may move to from this one; empty when terminal.
    async fn next(&self) -> Vec<OrderStatus> {
        self.0.next().to_vec()
    }
}
