//! Batched loads of order messages.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use crate::entities::order_message;
use crate::error::AppError;
use crate::graphql::loader::{ById, DbLoader, group_shared};

/// The messages of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessagesOfOrder(pub i64);

impl Loader<MessagesOfOrder> for DbLoader {
    type Value = Arc<[order_message::Model]>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[MessagesOfOrder],
    ) -> Result<HashMap<MessagesOfOrder, Self::Value>, Self::Error> {
        let rows = order_message::Entity::find()
            .filter(self.any_id(order_message::Column::OrderId, keys.iter().map(|k| k.0)))
            .order_by_asc(order_message::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_shared(keys, rows, |m| MessagesOfOrder(m.order_id)))
    }
}

/// A message by id.
pub type MessageId = ById<order_message::Entity>;
