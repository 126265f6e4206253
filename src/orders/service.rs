//! Reading orders and their lines by key, for resolvers and REST adapters.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::entities::{order, order_line};
use crate::error::AppResult;

/// The lines of an order, by position.
pub async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .order_by_asc(order_line::Column::Id)
        .all(conn)
        .await
}

/// The lines of an order, by position.
pub async fn lines(db: &Db, order_id: i64) -> AppResult<Vec<order_line::Model>> {
    Ok(lines_of(db, order_id).await?)
}

/// The lines of several orders in one statement, by order then position.
pub async fn lines_of_orders(
    db: &Db,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<order_line::Model>>> {
    let mut grouped: HashMap<i64, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.iter().copied()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?
    {
        grouped.entry(line.order_id).or_default().push(line);
    }
    Ok(grouped)
}

/// An order by id.
pub async fn get(db: &Db, id: i64) -> AppResult<Option<order::Model>> {
    Ok(order::Entity::find_by_id(id).one(db).await?)
}

/// An order by its (source, externalId) key.
pub async fn get_by_external_id(
    db: &Db,
    source: &str,
    external_id: &str,
) -> AppResult<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::Source.eq(source.trim()))
        .filter(order::Column::ExternalId.eq(external_id.trim()))
        .one(db)
        .await?)
}

/// Orders by id, for results that name several.
pub async fn get_many(db: &Db, ids: &[i64]) -> AppResult<HashMap<i64, order::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}
