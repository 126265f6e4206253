//! Batched loads of customers and addresses.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};

use super::listing::{self, CustomerTotals};
use crate::entities::{addressbook, customer};
use crate::error::AppError;
use crate::graphql::loader::{ById, DbLoader, group_by};

/// A customer by id.
pub type CustomerId = ById<customer::Entity>;

/// An address by id.
pub type AddressId = ById<addressbook::Entity>;

/// A customer's addressbook, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressesOfCustomer(pub i64);

impl Loader<AddressesOfCustomer> for DbLoader {
    type Value = Vec<addressbook::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AddressesOfCustomer],
    ) -> Result<HashMap<AddressesOfCustomer, Self::Value>, Self::Error> {
        let rows = addressbook::Entity::find()
            .filter(self.any_id(addressbook::Column::CustomerId, keys.iter().map(|k| k.0)))
            .order_by_asc(addressbook::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |a| {
            AddressesOfCustomer(a.customer_id.unwrap_or_default())
        }))
    }
}

/// A customer's order count and money spent per currency (see
/// `customers::listing::totals`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TotalsOfCustomer(pub i64);

impl Loader<TotalsOfCustomer> for DbLoader {
    type Value = CustomerTotals;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[TotalsOfCustomer],
    ) -> Result<HashMap<TotalsOfCustomer, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let totals = listing::totals(&self.db, &ids).await?;
        Ok(totals
            .into_iter()
            .map(|(id, t)| (TotalsOfCustomer(id), t))
            .collect())
    }
}
