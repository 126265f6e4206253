//! `orderStats`: counts and money per currency by SQL aggregates over the
//! filtered orders, never by loading them. Test orders are left out unless
//! asked for; CANCELLED and REFUNDED orders count as orders but not as revenue.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use super::inputs::{OrderFilter, StatsFilter};
use super::listing::condition;
use super::workflow::OrderStatus;
use crate::db::Db;
use crate::entities::order;
use crate::error::{AppError, AppResult};
use crate::money::Money;

/// The computed statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub total_orders: i64,
    pub active_orders: i64,
    /// Every status, in workflow order, with its count (zero included).
    pub by_status: Vec<(OrderStatus, i64)>,
    /// Per currency, by currency code.
    pub revenue: Vec<(String, Money)>,
    pub average_order_value: Vec<(String, Money)>,
}

#[derive(FromQueryResult)]
struct StatusRow {
    status: OrderStatus,
    n: i64,
}

#[derive(FromQueryResult)]
struct CurrencyRow {
    currency: String,
    total: i64,
    n: i64,
}

/// Statistics over the orders `filter` selects within `scope` (the orders
/// the caller may see).
pub async fn stats(db: &Db, filter: StatsFilter, scope: Condition) -> AppResult<Stats> {
    let cond = condition(&OrderFilter {
        customer_id: filter.customer_id,
        customer_external_id: filter.customer_external_id,
        source: filter.source,
        date_from: filter.date_from,
        date_to: filter.date_to,
        test: Some(filter.test.unwrap_or(false)),
        tags_any: filter.tags_any,
        tags_all: filter.tags_all,
        ..Default::default()
    })?
    .add(scope);

    let rows = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(Expr::col(order::Column::Id).count(), "n")
        .filter(cond.clone())
        .group_by(order::Column::Status)
        .into_model::<StatusRow>()
        .all(db)
        .await?;
    let counts: HashMap<OrderStatus, i64> = rows.into_iter().map(|r| (r.status, r.n)).collect();
    let by_status: Vec<(OrderStatus, i64)> = OrderStatus::ALL
        .into_iter()
        .map(|s| (s, counts.get(&s).copied().unwrap_or(0)))
        .collect();

    // SUM(bigint) is numeric on PostgreSQL; the cast keeps it an exact integer
    // of ten-thousandths on both backends.
    let money_rows = order::Entity::find()
        .select_only()
        .column(order::Column::Currency)
        .column_as(Expr::cust("CAST(SUM(gross_total) AS BIGINT)"), "total")
        .column_as(Expr::col(order::Column::Id).count(), "n")
        .filter(cond)
        .filter(order::Column::Status.is_not_in([OrderStatus::Cancelled, OrderStatus::Refunded]))
        .group_by(order::Column::Currency)
        .order_by_asc(order::Column::Currency)
        .into_model::<CurrencyRow>()
        .all(db)
        .await?;
    let mut revenue = Vec::new();
    let mut average = Vec::new();
    for row in money_rows {
        let total = Money::from_scaled(row.total);
        let mean = Money::round(total.decimal() / Decimal::from(std::cmp::max(row.n, 1)))
            .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
        revenue.push((row.currency.clone(), total));
        average.push((row.currency, mean));
    }
    Ok(Stats {
        total_orders: by_status.iter().map(|(_, n)| n).sum(),
        active_orders: by_status
            .iter()
            .filter(|(s, _)| s.is_active())
            .map(|(_, n)| n)
            .sum(),
        by_status,
        revenue,
        average_order_value: average,
    })
}
