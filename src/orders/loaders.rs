//! Batched loads of orders by id.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::entities::order;
use crate::error::AppError;
use crate::graphql::loader::DbLoader;

/// An order by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderId(pub i64);

impl Loader<OrderId> for DbLoader {
    type Value = order::Model;
    type Error = AppError;

    async fn load(&self, keys: &[OrderId]) -> Result<HashMap<OrderId, Self::Value>, Self::Error> {
        let rows = order::Entity::find()
            .filter(order::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|o| (OrderId(o.id), o)).collect())
    }
}
