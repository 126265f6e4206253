//! Queries of the access domain.

use async_graphql::{Context, Object};

use super::types::Viewer;
use crate::error::AppError;
use crate::graphql::context::caller;

/// `Query.viewer`.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The authenticated caller. UNAUTHENTICATED without valid credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer, AppError> {
        Ok(Viewer(caller(ctx).principal()?.clone()))
    }
}
