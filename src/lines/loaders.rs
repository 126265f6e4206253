//! Batched loads of order lines, each with its own address.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, Iterable, JoinType, QueryFilter, QueryOrder,
    QueryResult, QuerySelect,
};

use crate::entities::{PrefixedNames, addressbook, order_line};
use crate::error::AppError;
use crate::graphql::loader::{DbLoader, group_shared};

/// The lines of an order, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOfOrder(pub i64);

/// A line by id, with its own address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineId(pub i64);

/// The prefix of the address's columns in [`with_address`]'s rows (no
/// column of `order_lines` starts with it).
const ADDRESS: &str = "ab_";

static ADDRESS_NAMES: std::sync::LazyLock<PrefixedNames> =
    std::sync::LazyLock::new(|| PrefixedNames::new::<addressbook::Column>(ADDRESS));

/// Lines with their own addresses, in one statement: the address is one level
/// deeper in the query, so a separate loader would cost a second round trip.
///
/// The line's columns keep their names and only the address's are prefixed:
/// sea-orm's `select_also` prefixes both, and decoding then formats the
/// prefixed name of every column of every row, which was most of the
/// allocations of reading a page's lines.
fn with_address() -> sea_orm::Select<order_line::Entity> {
    let to_address = order_line::Entity::belongs_to(addressbook::Entity)
        .from(order_line::Column::AddressId)
        .to(addressbook::Column::Id)
        .into();
    addressbook::Column::iter().fold(
        order_line::Entity::find().join(JoinType::LeftJoin, to_address),
        |select, col| {
            select.column_as(
                col.select_as(col.into_expr()),
                ADDRESS_NAMES.get(col as usize),
            )
        },
    )
}

/// A row of [`with_address`].
struct LineRow(order_line::Model, Option<addressbook::Model>);

impl FromQueryResult for LineRow {
    // The line's columns carry no prefix (see `with_address`).
    fn from_query_result(res: &QueryResult, _pre: &str) -> Result<Self, DbErr> {
        Ok(Self(
            order_line::Model::from_row(res)?,
            addressbook::Model::from_prefixed(res, &ADDRESS_NAMES)?,
        ))
    }
}

impl Loader<LineId> for DbLoader {
    type Value = (order_line::Model, Option<addressbook::Model>);
    type Error = AppError;

    async fn load(&self, keys: &[LineId]) -> Result<HashMap<LineId, Self::Value>, Self::Error> {
        let rows = with_address()
            .filter(self.any_id(order_line::Column::Id, keys.iter().map(|k| k.0)))
            .into_model::<LineRow>()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|LineRow(l, a)| (LineId(l.id), (l, a)))
            .collect())
    }
}

impl Loader<LinesOfOrder> for DbLoader {
    type Value = Arc<[(order_line::Model, Option<addressbook::Model>)]>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[LinesOfOrder],
    ) -> Result<HashMap<LinesOfOrder, Self::Value>, Self::Error> {
        let rows = with_address()
            .filter(self.any_id(order_line::Column::OrderId, keys.iter().map(|k| k.0)))
            .order_by_asc(order_line::Column::OrderId)
            .order_by_asc(order_line::Column::Position)
            .order_by_asc(order_line::Column::Id)
            .into_model::<LineRow>()
            .all(&self.db)
            .await?;
        let rows: Vec<_> = rows.into_iter().map(|LineRow(l, a)| (l, a)).collect();
        Ok(group_shared(keys, rows, |(l, _)| LinesOfOrder(l.order_id)))
    }
}
