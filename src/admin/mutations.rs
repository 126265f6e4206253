//! Admin-field mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::AdminFieldInput;
use super::service;
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};
use crate::orders::types::Order;

/// Admin fields.
#[derive(Default)]
pub struct AdminFieldMutation;

use crate::orders::types::replayed;

#[Object]
impl AdminFieldMutation {
    /// Sets staff's extra fields on an order by name; a null value removes the
    /// field. Fields not named stay as they are. Staff and admins only.
    async fn set_order_admin_fields(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The fields to set, by name; a null `value` removes that field.")]
        fields: Vec<AdminFieldInput>,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            service::set(&state(ctx)?.db, principal, id, fields, expected_version).await?,
        ))
    }
}
