//! Batched loads of deliveries and their attempts.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{automation_rule, delivery, delivery_attempt, webhook_endpoint};
use crate::error::AppError;
use crate::graphql::loader::{ById, DbLoader, group_by};

/// A delivery by id.
pub type DeliveryId = ById<delivery::Entity>;
/// A webhook endpoint by id.
pub type EndpointId = ById<webhook_endpoint::Entity>;
/// An automation rule by id.
pub type RuleId = ById<automation_rule::Entity>;

/// The deliveries an order caused, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeliveriesOfOrder(pub i64);

/// The attempts of a delivery, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AttemptsOfDelivery(pub i64);

impl Loader<DeliveriesOfOrder> for DbLoader {
    type Value = Vec<delivery::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[DeliveriesOfOrder],
    ) -> Result<HashMap<DeliveriesOfOrder, Self::Value>, Self::Error> {
        let rows = delivery::Entity::find()
            .filter(self.any_id(delivery::Column::OrderId, keys.iter().map(|k| k.0)))
            .order_by_asc(delivery::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |d| {
            DeliveriesOfOrder(d.order_id.unwrap_or_default())
        }))
    }
}

impl Loader<AttemptsOfDelivery> for DbLoader {
    type Value = Vec<delivery_attempt::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AttemptsOfDelivery],
    ) -> Result<HashMap<AttemptsOfDelivery, Self::Value>, Self::Error> {
        let rows = delivery_attempt::Entity::find()
            .filter(self.any_id(
                delivery_attempt::Column::DeliveryId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(delivery_attempt::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |a| AttemptsOfDelivery(a.delivery_id)))
    }
}
