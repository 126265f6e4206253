//! Admin-field mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::AdminFieldInput;
use super::service;
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{parse_id, require_principal, state};
use crate::orders::types::Order;

/// Admin fields.
#[derive(Default)]
pub struct AdminFieldMutation;

#[Object]
impl AdminFieldMutation {
    /// Sets staff's extra fields on an order by name; a null value removes the
    /// field. Fields not named stay as they are.
    async fn set_order_admin_fields(
        &self,
        ctx: &Context<'_>,
        id: ID,
        fields: Vec<AdminFieldInput>,
        expected_version: Option<i32>,
    ) -> Result<Order, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let id = parse_id(&id, "id")?;
        Ok(Order(
            service::set(&state(ctx)?.db, principal, id, fields, expected_version).await?,
        ))
    }
}
