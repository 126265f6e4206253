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
        #[graphql(desc = "The product; `code` identifies it.")] input: ProductInput,
    ) -> Result<Product, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        Ok(Product(service::upsert(&state(ctx)?.db, input).await?))
    }
}
