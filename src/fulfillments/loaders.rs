//! Batched loads of fulfillments with their lines: an order's (for
//! `Order.fulfillments`, `Order.fulfillmentStatus` and the quantities of its
//! lines, all from one load per page) and one by id (for `node`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::ledger::{self, Shipment};
use crate::error::AppError;
use crate::graphql::loader::DbLoader;

/// The fulfillments of an order, oldest first, each with its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FulfillmentsOfOrder(pub i64);

/// A fulfillment by id, with its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FulfillmentId(pub i64);

impl Loader<FulfillmentsOfOrder> for DbLoader {
    type Value = Vec<Shipment>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[FulfillmentsOfOrder],
    ) -> Result<HashMap<FulfillmentsOfOrder, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        Ok(ledger::of_orders(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, shipments)| (FulfillmentsOfOrder(id), shipments))
            .collect())
    }
}

impl Loader<FulfillmentId> for DbLoader {
    type Value = Shipment;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[FulfillmentId],
    ) -> Result<HashMap<FulfillmentId, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        Ok(ledger::by_ids(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, shipment)| (FulfillmentId(id), shipment))
            .collect())
    }
}
