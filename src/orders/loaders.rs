//! Batched loads of orders and what hangs off them.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};

use super::types::Order;
use crate::entities::{
    addressbook, order, order_admin_field, order_event, order_line, order_message,
};
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_by, loader};

/// An order by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderId(pub i64);

/// The lines of an order, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOfOrder(pub i64);

/// The events of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventsOfOrder(pub i64);

/// The messages of an order, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessagesOfOrder(pub i64);

/// The admin fields of an order, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdminFieldsOfOrder(pub i64);

impl Loader<OrderId> for DbLoader {
    type Value = order::Model;
    type Error = AppError;

    async fn load(&self, keys: &[OrderId]) -> Result<HashMap<OrderId, Self::Value>, Self::Error> {
        let rows = order::Entity::find()
            .filter(order::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|o| (OrderId(o.id), o)).collect())
    }
}

impl Loader<LinesOfOrder> for DbLoader {
    type Value = Vec<(order_line::Model, Option<addressbook::Model>)>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[LinesOfOrder],
    ) -> Result<HashMap<LinesOfOrder, Self::Value>, Self::Error> {
        // The line's own address comes along in the same statement: it is one
        // level deeper in the query, so a separate loader would cost a second
        // round trip per page.
        let to_address = order_line::Entity::belongs_to(addressbook::Entity)
            .from(order_line::Column::AddressId)
            .to(addressbook::Column::Id)
            .into();
        let rows = order_line::Entity::find()
            .select_also(addressbook::Entity)
            .join(JoinType::LeftJoin, to_address)
            .filter(order_line::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_line::Column::OrderId)
            .order_by_asc(order_line::Column::Position)
            .order_by_asc(order_line::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |(l, _)| LinesOfOrder(l.order_id)))
    }
}

impl Loader<EventsOfOrder> for DbLoader {
    type Value = Vec<order_event::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[EventsOfOrder],
    ) -> Result<HashMap<EventsOfOrder, Self::Value>, Self::Error> {
        let rows = order_event::Entity::find()
            .filter(order_event::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |e| EventsOfOrder(e.order_id)))
    }
}

impl Loader<MessagesOfOrder> for DbLoader {
    type Value = Vec<order_message::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[MessagesOfOrder],
    ) -> Result<HashMap<MessagesOfOrder, Self::Value>, Self::Error> {
        let rows = order_message::Entity::find()
            .filter(order_message::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_message::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |m| MessagesOfOrder(m.order_id)))
    }
}

impl Loader<AdminFieldsOfOrder> for DbLoader {
    type Value = Vec<order_admin_field::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[AdminFieldsOfOrder],
    ) -> Result<HashMap<AdminFieldsOfOrder, Self::Value>, Self::Error> {
        let rows = order_admin_field::Entity::find()
            .filter(order_admin_field::Column::OrderId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(order_admin_field::Column::Name)
            .all(&self.db)
            .await?;
        Ok(group_by(keys, rows, |f| AdminFieldsOfOrder(f.order_id)))
    }
}

/// The order with this id, through the request's loader.
pub async fn order_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Order>, AppError> {
    Ok(loader(ctx)?.load_one(OrderId(id)).await?.map(Order))
}
