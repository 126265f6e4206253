//! Batched loads of admin fields.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use crate::entities::order_admin_field;
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_shared};

/// The admin fields of an order, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdminFieldsOfOrder(pub i64);

impl Loader<AdminFieldsOfOrder> for DbLoader {
    type Value = Arc<[order_admin_field::Model]>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AdminFieldsOfOrder],
    ) -> Result<HashMap<AdminFieldsOfOrder, Self::Value>, Self::Error> {
        let rows = order_admin_field::Entity::find()
            .filter(self.any_id(order_admin_field::Column::OrderId, keys.iter().map(|k| k.0)))
            .order_by_asc(order_admin_field::Column::Name)
            .all(&self.db)
            .await?;
        Ok(group_shared(keys, rows, |f| AdminFieldsOfOrder(f.order_id)))
    }
}
