//! Batched loads of catalogue products.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::product;
use crate::error::AppError;
use crate::graphql::loader::DbLoader;

/// A product by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProductId(pub i64);

impl Loader<ProductId> for DbLoader {
    type Value = product::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ProductId],
    ) -> Result<HashMap<ProductId, Self::Value>, Self::Error> {
        let rows = product::Entity::find()
            .filter(product::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|p| (ProductId(p.id), p)).collect())
    }
}
