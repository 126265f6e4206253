//! Line-edit mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{AddOrderLineInput, ChangeOrderLineInput};
use super::service;
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind, global_id};
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

use crate::orders::types::replayed;

#[Object]
impl LineMutation {
    /// Adds a line (catalogue product or inline) to an order that is PENDING,
    /// CONFIRMED, PROCESSING, IN_PROGRESS or ON_HOLD. A given price marks the
    /// line `hasCustomPrice`. Totals are recomputed. Staff and admins only.
    async fn add_order_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "The line to add.")] input: AddOrderLineInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        service::add(&state(ctx)?.db, principal, order_id, input).await?;
        reload(ctx, order_id).await
    }

    /// Changes a line's quantity, price (marks `hasCustomPrice`) or note, while
    /// lines are editable. Totals are recomputed. Staff and admins only.
    async fn change_order_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "The line and what to change.")] input: ChangeOrderLineInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        service::change(&state(ctx)?.db, principal, order_id, input).await?;
        reload(ctx, order_id).await
    }

    /// Removes a line while lines are editable. The last line cannot be
    /// removed: cancel the order instead. Staff and admins only.
    async fn remove_order_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "The line's id (its plain database id is accepted too, deprecated).")]
        line_id: ID,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<RemoveOrderLinePayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        let line_id = ids::parse(&line_id, NodeKind::OrderLine, "lineId")?;
        service::remove(
            &state(ctx)?.db,
            principal,
            order_id,
            line_id,
            expected_version,
        )
        .await?;
        Ok(RemoveOrderLinePayload {
            order: reload(ctx, order_id).await?,
            removed_line_id: global_id(NodeKind::OrderLine, line_id),
        })
    }
}
