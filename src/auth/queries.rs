//! Queries of the access domain.

use async_graphql::{Context, Object};

use super::Role;
use super::keys;
use super::types::{ApiKey, Viewer};
use crate::error::AppError;
use crate::graphql::context::{caller, require_principal, state};

/// `Query.viewer`.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The authenticated caller. UNAUTHENTICATED without valid credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer, AppError> {
        Ok(Viewer(caller(ctx).principal()?.clone()))
    }

    /// Every API key, newest first, revoked ones included (with `revokedAt`);
    /// never a secret. Admins only.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>, AppError> {
        require_principal(ctx)?.require(&[Role::Admin])?;
        let rows = keys::list_api_keys(&state(ctx)?.db).await?;
        Ok(rows.into_iter().map(ApiKey).collect())
    }
}
