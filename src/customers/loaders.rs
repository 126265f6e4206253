//! Batched loads of customers and addresses.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{addressbook, customer};
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_by};

/// A customer by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CustomerId(pub i64);

/// An address by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressId(pub i64);

/// A customer's addressbook, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressesOfCustomer(pub i64);

impl Loader<CustomerId> for DbLoader {
    type Value = customer::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[CustomerId],
    ) -> Result<HashMap<CustomerId, Self::Value>, Self::Error> {
        let rows = customer::Entity::find()
            .filter(customer::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (CustomerId(c.id), c)).collect())
    }
}

impl Loader<AddressId> for DbLoader {
    type Value = addressbook::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AddressId],
    ) -> Result<HashMap<AddressId, Self::Value>, Self::Error> {
        let rows = addressbook::Entity::find()
            .filter(addressbook::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|a| (AddressId(a.id), a)).collect())
    }
}

impl Loader<AddressesOfCustomer> for DbLoader {
    type Value = Vec<addressbook::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AddressesOfCustomer],
    ) -> Result<HashMap<AddressesOfCustomer, Self::Value>, Self::Error> {
        let rows = addressbook::Entity::find()
            .filter(addressbook::Column::CustomerId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(addressbook::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |a| {
            AddressesOfCustomer(a.customer_id.unwrap_or_default())
        }))
    }
}
