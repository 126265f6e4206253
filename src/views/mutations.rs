//! Saved-view mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{SavedViewInput, UpdateSavedViewInput};
use super::service;
use super::types::{DeleteSavedViewPayload, SavedView};
use crate::auth::STAFF;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind, global_id};

/// Saved-view mutations.
#[derive(Default)]
pub struct SavedViewMutation;

#[Object]
impl SavedViewMutation {
    /// Saves a named `orders` filter and sort, owned by the caller (the
    /// credential's subject). The filter is checked as `orders` would run it
    /// (BAD_USER_INPUT under `input.filter`); a name the caller already uses
    /// is CONFLICT. Staff and admins only.
    async fn create_saved_view(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The view.")] input: SavedViewInput,
    ) -> Result<SavedView, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        Ok(SavedView(
            service::create(&state(ctx)?.db, principal, input).await?,
        ))
    }

    /// Changes a saved view: its name, filter, sort or sharing. Only its owner
    /// or an admin (FORBIDDEN for other staff who see it shared; NOT_FOUND for
    /// a view the caller does not see). Staff and admins only.
    async fn update_saved_view(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The view's id.")] id: ID,
        #[graphql(desc = "What to change; absent fields stay as they are.")]
        input: UpdateSavedViewInput,
    ) -> Result<SavedView, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let id = ids::parse(&id, NodeKind::SavedView, "id")?;
        Ok(SavedView(
            service::update(&state(ctx)?.db, principal, id, input).await?,
        ))
    }

    /// Deletes a saved view, under the same rules as `updateSavedView`. Staff
    /// and admins only.
    async fn delete_saved_view(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The view's id.")] id: ID,
    ) -> Result<DeleteSavedViewPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(STAFF)?;
        let id = ids::parse(&id, NodeKind::SavedView, "id")?;
        service::delete(&state(ctx)?.db, principal, id).await?;
        Ok(DeleteSavedViewPayload {
            deleted_view_id: global_id(NodeKind::SavedView, id),
        })
    }
}
