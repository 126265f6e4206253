//! Batched loads of order tags.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter};

use crate::entities::order_tag;
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_shared};

/// The tags of an order, by their lower-cased key (in code point order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TagsOfOrder(pub i64);

impl Loader<TagsOfOrder> for DbLoader {
    type Value = Arc<[order_tag::Model]>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[TagsOfOrder],
    ) -> Result<HashMap<TagsOfOrder, Self::Value>, Self::Error> {
        let mut rows = order_tag::Entity::find()
            .filter(self.any_id(order_tag::Column::OrderId, keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        // Sorted here, not by the database: PostgreSQL's collation and
        // SQLite's byte order disagree on punctuation and accents.
        rows.sort_by(|a, b| a.tag_key.cmp(&b.tag_key));
        Ok(group_shared(keys, rows, |t| TagsOfOrder(t.order_id)))
    }
}
