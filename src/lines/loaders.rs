//! Batched loads of order lines, each with its own address.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{addressbook, order_line};
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_by};

/// The lines of an order, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOfOrder(pub i64);

/// A line by id, with its own address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineId(pub i64);

/// Lines with their own addresses, in one statement: the address is one level
/// deeper in the query, so a separate loader would cost a second round trip.
fn with_address() -> sea_orm::Select<order_line::Entity> {
    let to_address = order_line::Entity::belongs_to(addressbook::Entity)
        .from(order_line::Column::AddressId)
        .to(addressbook::Column::Id)
        .into();
    order_line::Entity::find().join(JoinType::LeftJoin, to_address)
}

impl Loader<LineId> for DbLoader {
    type Value = (order_line::Model, Option<addressbook::Model>);
    type Error = AppError;

    async fn load(&self, keys: &[LineId]) -> Result<HashMap<LineId, Self::Value>, Self::Error> {
        let rows = with_address()
            .select_also(addressbook::Entity)
            .filter(order_line::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(l, a)| (LineId(l.id), (l, a)))
            .collect())
    }
}

impl Loader<LinesOfOrder> for DbLoader {
    type Value = Vec<(order_line::Model, Option<addressbook::Model>)>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[LinesOfOrder],
    ) -> Result<HashMap<LinesOfOrder, Self::Value>, Self::Error> {
        let rows = with_address()
            .select_also(addressbook::Entity)
            .filter(order_line::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_line::Column::OrderId)
            .order_by_asc(order_line::Column::Position)
            .order_by_asc(order_line::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |(l, _)| LinesOfOrder(l.order_id)))
    }
}
