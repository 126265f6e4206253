//! Queries of the order domain.

use async_graphql::{Context, ID, Object};

use super::listing::{self, OrderFilter, OrderOrderBy, PageArgs};
use super::service;
use super::stats::{self, StatsFilter};
use super::types::{Order, OrderConnection, OrderStats, OrderStatusInfo};
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

    /// Orders matching `filter`, sorted by `orderBy` (default: newest
    /// `submittedAt` first; the id always breaks ties). Page with cursors
    /// (`first`/`after` forward, `last`/`before` backward) or page numbers
    /// (`page`/`perPage`), never both. Pages hold 20 orders unless asked,
    /// at most 100.
    #[expect(clippy::too_many_arguments, reason = "the contract's arguments")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        order_by: Option<Vec<OrderOrderBy>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        page: Option<i32>,
        per_page: Option<i32>,
    ) -> Result<OrderConnection, AppError> {
        require_principal(ctx)?;
        let condition = listing::condition(&filter.unwrap_or_default())?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
            page,
            per_page,
        };
        let page = listing::list(
            &state(ctx)?.db,
            condition,
            &order_by.unwrap_or_default(),
            args,
        )
        .await?;
        Ok(OrderConnection(page))
    }

    /// Counts and revenue over the orders `filter` selects (seed 002's stats).
    /// Test orders are left out unless `test: true`; revenue leaves out
    /// CANCELLED and REFUNDED orders and is per currency.
    async fn order_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilter>,
    ) -> Result<OrderStats, AppError> {
        require_principal(ctx)?;
        Ok(OrderStats(stats::stats(&state(ctx)?.db, filter).await?))
    }
}
