//! Batched loads of customers and addresses.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

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
            .filter(addressbook::Column::CustomerId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(addressbook::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |a| {
            AddressesOfCustomer(a.customer_id.unwrap_or_default())
        }))
    }
}
