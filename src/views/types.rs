//! GraphQL types of saved views.

use async_graphql::{Context, ID, Object, SimpleObject};

use crate::entities::saved_view;
use crate::error::AppError;
use crate::graphql::context::require_principal;
use crate::ids::{NodeKind, global_id};
use crate::orders::inputs::{OrderOrderBy, OrderSortField, SortDirection};
use crate::scalars::{BigInt, Json};

use super::inputs::from_json;

/// A saved view.
pub struct SavedView(pub saved_view::Model);

/// A named `orders` filter and sort that a dashboard keeps: its owner's, or
/// shared with all staff. Use it with `orders(view: id)`. Staff and admins
/// only.
#[Object]
impl SavedView {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// as `orders(view:)`.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::SavedView, self.0.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// The name, unique among its owner's views.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The filter, in the shape `orders(filter:)` takes (an `OrderFilter` as
    /// JSON, given fields only); `{}` for every order.
    async fn filter(&self) -> Json {
        Json(self.0.filter.clone())
    }
    /// The sort keys, most significant first; empty for the default (newest
    /// `submittedAt` first). Also empty when the stored sort no longer fits
    /// `OrderOrderBy` (`orders(view:)` then says so).
    async fn order_by(&self) -> Vec<SavedViewSort> {
        from_json::<Vec<OrderOrderBy>>(&self.0.order_by)
            .unwrap_or_default()
            .into_iter()
            .map(|by| SavedViewSort {
                field: by.field,
                direction: by.direction,
            })
            .collect()
    }
    /// The subject of the credential that made it (a token's `sub`, or
    /// `api-key:<name>`).
    async fn owner(&self) -> &str {
        &self.0.owner
    }
    /// Whether the caller owns it (and so may change it; admins may change
    /// any view).
    async fn owned_by_viewer(&self, ctx: &Context<'_>) -> Result<bool, AppError> {
        Ok(require_principal(ctx)?.subject == self.0.owner)
    }
    /// Whether every staff member and admin sees and may use it.
    async fn shared(&self) -> bool {
        self.0.shared
    }
    /// When it was saved first.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> crate::scalars::DateTime {
        self.0.updated_at.into()
    }
}

/// One sort key of a saved view, as `OrderOrderBy` takes it.
#[derive(SimpleObject)]
pub struct SavedViewSort {
    /// The key.
    pub field: OrderSortField,
    /// The direction.
    pub direction: SortDirection,
}

/// The result of `deleteSavedView`.
#[derive(SimpleObject)]
pub struct DeleteSavedViewPayload {
    /// The id of the deleted view.
    pub deleted_view_id: ID,
}
