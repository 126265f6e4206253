//! Batched loads of order messages.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::order_message;
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_by};

/// The messages of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessagesOfOrder(pub i64);

impl Loader<MessagesOfOrder> for DbLoader {
    type Value = Vec<order_message::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[MessagesOfOrder],
    ) -> Result<HashMap<MessagesOfOrder, Self::Value>, Self::Error> {
        let rows = order_message::Entity::find()
            .filter(order_message::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_message::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |m| MessagesOfOrder(m.order_id)))
    }
}

/// A message by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessageId(pub i64);

impl Loader<MessageId> for DbLoader {
    type Value = order_message::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[MessageId],
    ) -> Result<HashMap<MessageId, Self::Value>, Self::Error> {
        let rows = order_message::Entity::find()
            .filter(order_message::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (MessageId(m.id), m)).collect())
    }
}
