//! Batched loads of order histories.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use crate::entities::order_event;
use crate::error::AppError;
use crate::graphql::loader::{ById, DbLoader, group_shared};

/// The events of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventsOfOrder(pub i64);

impl Loader<EventsOfOrder> for DbLoader {
    type Value = Arc<[order_event::Model]>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[EventsOfOrder],
    ) -> Result<HashMap<EventsOfOrder, Self::Value>, Self::Error> {
        let rows = order_event::Entity::find()
            .filter(self.any_id(order_event::Column::OrderId, keys.iter().map(|k| k.0)))
            .order_by_asc(order_event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_shared(keys, rows, |e| EventsOfOrder(e.order_id)))
    }
}

/// A event by id.
pub type EventId = ById<order_event::Entity>;
