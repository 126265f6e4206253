//! Who owns an order, asked when a customer subscribes to one order's events.
//! A reconnect storm (a deploy, a network blip) brings thousands of such
//! subscriptions at once, and each check alone would hold a pooled connection
//! for one row while the rest queue behind it; checks asked within the same
//! millisecond share one statement instead. Nothing is cached: every check
//! reads the owner as it is when asked. Not the request loaders' `ById`:
//! that reads the whole order row, and only its customer is needed here.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::Db;
use crate::entities::order;
use crate::error::{AppError, AppResult};

/// Batches order-owner reads across every connection of this instance.
/// Cheap to clone.
#[derive(Clone)]
pub struct OrderOwners(Arc<DataLoader<Reader>>);

/// The batch: `(id, customer_id)` of the asked orders, one statement.
pub struct Reader {
    db: Db,
}

impl Loader<i64> for Reader {
    /// The order's customer; `None` for an order without one.
    type Value = Option<i64>;
    type Error = AppError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Option<i64>>, AppError> {
        let rows: Vec<(i64, Option<i64>)> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::CustomerId)
            .filter(order::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }
}

impl OrderOwners {
    pub fn new(db: Db) -> Self {
        OrderOwners(Arc::new(DataLoader::new(Reader { db }, tokio::spawn)))
    }

    /// The customer of order `id` (`Some(None)`: the order has none), or
    /// `None` when there is no such order.
    pub async fn owner(&self, id: i64) -> AppResult<Option<Option<i64>>> {
        self.0.load_one(id).await
    }
}
