//! Credential management: API keys (admin only) and customer API tokens.

use async_graphql::{Context, ID, Object};

use super::types::{ApiKey, ApiKeyCreated};
use super::{Role, STAFF, keys};
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind, global_id};

/// Credential management.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Issues (or replaces) a customer's API token for HTTP Basic
    /// authentication (user: the customer's e-mail, password: the token).
    /// Returned only here, once. Staff and admins.
    async fn issue_customer_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        customer_id: ID,
    ) -> Result<String, AppError> {
        require_principal(ctx)?.require(STAFF)?;
        let customer_id = ids::parse(&customer_id, NodeKind::Customer, "customerId")?;
        keys::issue_customer_token(&state(ctx)?.db, customer_id).await
    }

    /// Creates an API key with `role` (ADMIN, STAFF or INTEGRATION). Admins only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "A name to recognise the key by (1 to 255 characters).")] name: String,
        #[graphql(desc = "What the key may do: ADMIN, STAFF or INTEGRATION.")] role: Role,
    ) -> Result<ApiKeyCreated, AppError> {
        require_principal(ctx)?.require(&[Role::Admin])?;
        let (row, key) = keys::create_api_key(&state(ctx)?.db, &name, role).await?;
        Ok(ApiKeyCreated {
            id: global_id(NodeKind::ApiKey, row.id),
            name: row.name.clone(),
            role,
            key,
            api_key: ApiKey(row),
        })
    }

    /// Revokes an API key at once; false when there is no such active key.
    /// Admins only.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The key's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<bool, AppError> {
        require_principal(ctx)?.require(&[Role::Admin])?;
        let id = ids::parse(&id, NodeKind::ApiKey, "id")?;
        keys::revoke_api_key(&state(ctx)?.db, id).await
    }
}
