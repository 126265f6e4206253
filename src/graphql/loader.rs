//! [`DbLoader`]: the one DataLoader behind every nested field, created per
//! request (per connection for WebSocket). Rows by id go through the one
//! generic [`ById`] key (the domains name it: `OrderId`, `CustomerId`, ...);
//! the domains' `loaders.rs` implement `Loader<Key>` for the relations, one key
//! newtype each (`LinesOfOrder`, ...). Access checks happen before a loader is
//! asked.
//!
//! Batching by itself is time-windowed (keys asked within a millisecond share a
//! query), so lists also prefetch each selected relation for the whole page in
//! one `load_many` (see `OrderConnection`), and the loader's per-request cache
//! serves the per-item loads. The cache is on for queries only: the fields of
//! a mutation run one after another and must see each other's writes.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader as BatchLoad};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{ArrayType, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, Value,
};

use crate::db::Db;
use crate::error::AppError;

/// Batches database reads for nested fields.
pub struct DbLoader {
    pub(crate) db: Db,
}

impl DbLoader {
    /// `column` is one of `ids`, as the batch's statement says it.
    ///
    /// On PostgreSQL that is `column = ANY($1)` with the ids bound as one
    /// array, not `IN ($1, ..., $100)`: one prepared statement whatever the
    /// batch's size (each size was a statement of its own in the connection's
    /// cache), and binding the array lets PostgreSQL reuse a generic plan where
    /// a hundred parameters were planned anew on every execution (a third of a
    /// millisecond of the database's time per statement on a page of 100
    /// orders). SQLite has no arrays and plans `IN` cheaply.
    pub fn any_id(
        &self,
        column: impl ColumnTrait,
        ids: impl IntoIterator<Item = i64>,
    ) -> SimpleExpr {
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let ids: Vec<Value> = ids.into_iter().map(Value::from).collect();
                let array = Value::Array(ArrayType::BigInt, Some(Box::new(ids)));
                ExprTrait::eq(column.into_expr(), PgFunc::any(Expr::val(array)))
            }
            _ => column.is_in(ids),
        }
    }
}

/// The request's loader type.
pub type Loader = DataLoader<DbLoader, HashMapCache>;

/// A fresh loader over `db`, caching within its request when `cache` is set.
pub fn new_loader(db: Db, cache: bool) -> Loader {
    // A batch runs on its own task, under the span of the field that asked
    // first, so its SQL shows in that request's trace.
    let spawn = |batch| tokio::spawn(tracing::Instrument::in_current_span(batch));
    let loader = DataLoader::with_cache(DbLoader { db }, spawn, HashMapCache::default());
    loader.enable_all_cache(cache);
    loader
}

/// The loader of this request.
pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a Loader, AppError> {
    ctx.data::<Loader>()
        .map_err(|_| AppError::internal(std::io::Error::other("no DataLoader in the request")))
}

/// Groups `rows` by `key`, keeping their order, with an empty list for every
/// asked key that has none (so "no lines" is an answer, not a miss).
pub fn group_by<K, V>(keys: &[K], rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>>
where
    K: Hash + Eq + Clone,
{
    let mut grouped: HashMap<K, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// [`group_by`] with each group shared, for the relations a page reads for
/// every order (lines, events, messages, admin fields, tags). The loader
/// hands out a clone of a value on every load and every cache hit: three
/// deep copies of each order's rows on a page (into the cache, to the
/// prefetch, to the field) where an `Arc` clone is a count; the copies were
/// about a twentieth of the list_orders bench's CPU samples (perf).
pub fn group_shared<K, V>(keys: &[K], rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Arc<[V]>>
where
    K: Hash + Eq + Clone,
{
    group_by(keys, rows, key)
        .into_iter()
        .map(|(k, group)| (k, Arc::from(group)))
        .collect()
}

/// A row of entity `E` by its `i64` primary key: one loader for every
/// "X by id" (orders, customers, addresses, products, messages, events).
pub struct ById<E>(pub i64, PhantomData<fn() -> E>);

impl<E> ById<E> {
    /// The key of the row with this id.
    pub fn new(id: i64) -> Self {
        ById(id, PhantomData)
    }
}

// Written out: derives would ask the same of `E`, which is never a value.
impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for ById<E> {}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E> BatchLoad<ById<E>> for DbLoader
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, AppError> {
        let Some(key) = E::PrimaryKey::iter().next() else {
            return Ok(HashMap::new());
        };
        let column = key.into_column();
        let rows = E::find()
            .filter(self.any_id(column, keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.get(column) {
                Value::BigInt(Some(id)) => Some((ById::new(id), row)),
                _ => None,
            })
            .collect())
    }
}
