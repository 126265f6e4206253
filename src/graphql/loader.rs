//! [`DbLoader`]: the one DataLoader behind every nested field. Created per
//! request (per connection for WebSocket) and without a cache, so it only
//! batches: the keys asked for while resolving one level become one query.
//! The domains' `loaders.rs` implement `Loader<Key>` for it, one key newtype per
//! relation. Access checks happen before a loader is asked.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

use crate::error::AppError;

/// Batches database reads for nested fields.
pub struct DbLoader {
    pub(crate) db: DatabaseConnection,
}

/// A fresh, cache-less loader over `db`.
pub fn new_loader(db: DatabaseConnection) -> DataLoader<DbLoader> {
    DataLoader::new(DbLoader { db }, tokio::spawn)
}

/// The loader of this request.
pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<DbLoader>, AppError> {
    ctx.data::<DataLoader<DbLoader>>()
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
