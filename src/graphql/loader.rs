//! [`DbLoader`]: the one DataLoader behind every nested field, created per
//! request (per connection for WebSocket). The domains' `loaders.rs` implement
//! `Loader<Key>` for it, one key newtype per relation. Access checks happen
//! before a loader is asked.
//!
//! Batching by itself is time-windowed (keys asked within a millisecond share a
//! query), so lists also prefetch each selected relation for the whole page in
//! one `load_many` (see `OrderConnection`), and the loader's per-request cache
//! serves the per-item loads. The cache is on for queries only: the fields of
//! a mutation run one after another and must see each other's writes.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use crate::db::Db;
use crate::error::AppError;

/// Batches database reads for nested fields.
pub struct DbLoader {
    pub(crate) db: Db,
}

/// The request's loader type.
pub type Loader = DataLoader<DbLoader, HashMapCache>;

/// A fresh loader over `db`, caching within its request when `cache` is set.
pub fn new_loader(db: Db, cache: bool) -> Loader {
    let loader = DataLoader::with_cache(DbLoader { db }, tokio::spawn, HashMapCache::default());
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
