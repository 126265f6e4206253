//! Catalogue mutations.

use async_graphql::{Context, Object};

use super::inputs::ProductInput;
use super::service;
use super::types::Product;
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};

/// Catalogue mutations.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Creates a product, or replaces the one with the same `code`.
    async fn upsert_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The product; `code` identifies it.")] input: ProductInput,
    ) -> Result<Product, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        Ok(Product(service::upsert(&state(ctx)?.db, input).await?))
    }
}
