//! Tag mutations.

use async_graphql::{Context, ID, Object};

use super::service;
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};
use crate::orders::types::{Order, replayed};

/// Tags on orders.
#[derive(Default)]
pub struct TagMutation;

#[Object]
impl TagMutation {
    /// Adds tags to an order. A tag is trimmed (inner whitespace collapsed),
    /// 1 to 40 characters, without commas or control characters, and unique
    /// per order regardless of case: adding "VIP" to an order tagged "vip"
    /// changes nothing (the first spelling stays). An order has at most 250
    /// tags. What is new is one change: a TAGS_UPDATED event and a version
    /// bump; a call that adds nothing new writes nothing. Any status. Admins,
    /// staff and integrations.
    async fn add_order_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The tags to add: 1 to 100; repeats count once.")] tags: Vec<String>,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            service::add(&state(ctx)?.db, principal, id, tags, expected_version).await?,
        ))
    }

    /// Removes tags from an order, matched regardless of case; tags the order
    /// does not have are ignored. What is removed is one change: a
    /// TAGS_UPDATED event and a version bump; a call that removes nothing
    /// writes nothing. Any status. Admins, staff and integrations.
    async fn remove_order_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The tags to remove: 1 to 100, any case.")] tags: Vec<String>,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            service::remove(&state(ctx)?.db, principal, id, tags, expected_version).await?,
        ))
    }
}
