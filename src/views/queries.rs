//! Saved-view queries.

use async_graphql::{Context, Object};

use super::service;
use super::types::SavedView;
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};

/// Saved-view queries.
#[derive(Default)]
pub struct SavedViewQuery;

#[Object]
impl SavedViewQuery {
    /// The caller's own saved views and those shared with all staff, by
    /// name; empty when none. Staff and admins only.
    async fn saved_views(&self, ctx: &Context<'_>) -> Result<Vec<SavedView>, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let views = service::list(&state(ctx)?.db, principal).await?;
        Ok(views.into_iter().map(SavedView).collect())
    }
}
