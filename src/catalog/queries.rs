//! Catalogue queries.

use async_graphql::{Context, Object};

use super::service;
use super::types::Product;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};

/// Catalogue queries.
#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Products whose code or name contains `search` (any case), ordered by
    /// code. `first`: how many, 1 to 100, default 20.
    #[graphql(complexity = "crate::graphql::cost::page(&[first], child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A piece of the code or name, any case. Absent: every product.")]
        search: Option<String>,
        #[graphql(desc = "How many, 1 to 100; default 20.")] first: Option<i32>,
    ) -> Result<Vec<Product>, AppError> {
        require_principal(ctx)?;
        let rows = service::search(&state(ctx)?.db, search, first).await?;
        Ok(rows.into_iter().map(Product).collect())
    }
}
