//! Batched loads of payments: an order's transactions, its refunds (with
//! their lines and transactions) and its lines' refunded quantities, each a
//! constant number of statements for any number of orders.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use super::service::{RefundRecord, refunded_quantities, refunds};
use crate::entities::{payment_transaction, refund};
use crate::error::AppError;
use crate::graphql::loader::{ById, DbLoader, group_by};
use crate::money::Money;

/// The transactions of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransactionsOfOrder(pub i64);

/// The refunds of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefundsOfOrder(pub i64);

/// A refund by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefundId(pub i64);

/// How many units of each line of an order were refunded, by line id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefundedOfOrder(pub i64);

/// A transaction by id.
pub type TransactionId = ById<payment_transaction::Entity>;

impl Loader<TransactionsOfOrder> for DbLoader {
    type Value = Vec<payment_transaction::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[TransactionsOfOrder],
    ) -> Result<HashMap<TransactionsOfOrder, Self::Value>, Self::Error> {
        let rows = payment_transaction::Entity::find()
            .filter(self.any_id(
                payment_transaction::Column::OrderId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(payment_transaction::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |t| TransactionsOfOrder(t.order_id)))
    }
}

impl Loader<RefundsOfOrder> for DbLoader {
    type Value = Vec<RefundRecord>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[RefundsOfOrder],
    ) -> Result<HashMap<RefundsOfOrder, Self::Value>, Self::Error> {
        let condition = self
            .any_id(refund::Column::OrderId, keys.iter().map(|k| k.0))
            .into();
        let rows = refunds(&self.db, condition).await?;
        Ok(group_by(keys, rows, |r| RefundsOfOrder(r.refund.order_id)))
    }
}

impl Loader<RefundId> for DbLoader {
    type Value = RefundRecord;
    type Error = AppError;

    async fn load(&self, keys: &[RefundId]) -> Result<HashMap<RefundId, Self::Value>, Self::Error> {
        let condition = self
            .any_id(refund::Column::Id, keys.iter().map(|k| k.0))
            .into();
        let rows = refunds(&self.db, condition).await?;
        Ok(rows
            .into_iter()
            .map(|r| (RefundId(r.refund.id), r))
            .collect())
    }
}

impl Loader<RefundedOfOrder> for DbLoader {
    type Value = HashMap<i64, Money>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[RefundedOfOrder],
    ) -> Result<HashMap<RefundedOfOrder, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let mut out: HashMap<RefundedOfOrder, Self::Value> =
            keys.iter().map(|k| (*k, HashMap::new())).collect();
        for (order_id, line_id, quantity) in refunded_quantities(&self.db, &ids).await? {
            out.entry(RefundedOfOrder(order_id))
                .or_default()
                .insert(line_id, quantity);
        }
        Ok(out)
    }
}
