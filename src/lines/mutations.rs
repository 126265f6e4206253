//! Line-edit mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{AddOrderLineInput, ChangeOrderLineInput};
use super::service;
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{parse_id, require_principal, state};
use crate::orders::types::{Order, RemoveOrderLinePayload};

/// Line edits.
#[derive(Default)]
pub struct LineMutation;

async fn reload(ctx: &Context<'_>, order_id: i64) -> Result<Order, AppError> {
    crate::orders::service::get(&state(ctx)?.db, order_id)
        .await?
        .map(Order)
        .ok_or_else(|| AppError::NotFound(format!("No order with id {order_id}")))
}

#[Object]
impl LineMutation {
    /// Adds a line (catalogue product or inline) to an order that is PENDING,
    /// CONFIRMED, PROCESSING, IN_PROGRESS or ON_HOLD. A given price marks the
    /// line `hasCustomPrice`. Totals are recomputed.
    async fn add_order_line(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: AddOrderLineInput,
    ) -> Result<Order, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = parse_id(&order_id, "orderId")?;
        service::add(&state(ctx)?.db, principal, order_id, input).await?;
        reload(ctx, order_id).await
    }

    /// Changes a line's quantity, price (marks `hasCustomPrice`) or note, while
    /// lines are editable. Totals are recomputed.
    async fn change_order_line(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: ChangeOrderLineInput,
    ) -> Result<Order, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = parse_id(&order_id, "orderId")?;
        service::change(&state(ctx)?.db, principal, order_id, input).await?;
        reload(ctx, order_id).await
    }

    /// Removes a line while lines are editable. The last line cannot be
    /// removed: cancel the order instead.
    async fn remove_order_line(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        line_id: ID,
        expected_version: Option<i32>,
    ) -> Result<RemoveOrderLinePayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = parse_id(&order_id, "orderId")?;
        let numeric_line = parse_id(&line_id, "lineId")?;
        service::remove(
            &state(ctx)?.db,
            principal,
            order_id,
            numeric_line,
            expected_version,
        )
        .await?;
        Ok(RemoveOrderLinePayload {
            order: reload(ctx, order_id).await?,
            removed_line_id: line_id,
        })
    }
}
