//! Automatic persisted queries (Apollo's protocol): a client sends
//! `extensions.persistedQuery {version: 1, sha256Hash}` without the query;
//! unknown hashes answer `PersistedQueryNotFound` (code
//! `PERSISTED_QUERY_NOT_FOUND`), and the client resends with the query, which
//! is checked against its hash and remembered.
//!
//! Done here, on the query text, rather than with async-graphql's extension:
//! that one hands the executor a parsed document, which skips the
//! `parse_query` hooks where the limits, idempotency keys and response
//! shaping read the document.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::Request;
use lru::LruCache;
use sha2::{Digest, Sha256};

/// How many persisted queries one instance remembers (least recently used
/// go first; clients resend a forgotten one by protocol).
const CAPACITY: usize = 2_000;

/// Why a persisted-query request cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApqError {
    /// The GraphQL error message (Apollo clients match on it).
    pub message: &'static str,
    /// `extensions.code`.
    pub code: &'static str,
}

/// The remembered queries, by SHA-256 hex.
pub struct PersistedQueries {
    cache: Mutex<LruCache<String, String>>,
    max_document_bytes: usize,
}

impl PersistedQueries {
    /// An empty store that remembers documents up to `max_document_bytes`.
    pub fn new(max_document_bytes: usize) -> Self {
        PersistedQueries {
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
            max_document_bytes,
        }
    }

    /// Fills in (or checks and remembers) the query of a request that uses
    /// the protocol; other requests pass untouched.
    pub fn apply(&self, request: &mut Request) -> Result<(), ApqError> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let invalid = ApqError {
            message: "Invalid persistedQuery extension: expected {version: 1, sha256Hash}",
            code: "BAD_USER_INPUT",
        };
        let json = value.into_json().map_err(|_| invalid.clone())?;
        if json["version"] != 1 {
            return Err(ApqError {
                message: "PersistedQueryNotSupported",
                code: "PERSISTED_QUERY_NOT_SUPPORTED",
            });
        }
        let hash = json["sha256Hash"]
            .as_str()
            .filter(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or(invalid)?
            .to_ascii_lowercase();
        let Ok(mut cache) = self.cache.lock() else {
            return Err(not_found());
        };
        if request.query.is_empty() {
            request.query = cache.get(&hash).cloned().ok_or_else(not_found)?;
            return Ok(());
        }
        if hex::encode(Sha256::digest(request.query.as_bytes())) != hash {
            return Err(ApqError {
                message: "provided sha does not match query",
                code: "BAD_USER_INPUT",
            });
        }
        // Over-long documents are refused by the limits; not worth keeping.
        if request.query.len() <= self.max_document_bytes {
            cache.put(hash, request.query.clone());
        }
        Ok(())
    }
}

fn not_found() -> ApqError {
    ApqError {
        message: "PersistedQueryNotFound",
        code: "PERSISTED_QUERY_NOT_FOUND",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_apq(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        request.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(serde_json::json!({"version": 1, "sha256Hash": hash}))
                .unwrap(),
        );
        request
    }

    #[test]
    fn unknown_then_registered_then_found() {
        let store = PersistedQueries::new(1024);
        let query = "{ __typename }";
        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        assert_eq!(store.apply(&mut with_apq("", &hash)), Err(not_found()));
        let mut wrong = with_apq("{ orderStatuses { status } }", &hash);
        assert_eq!(store.apply(&mut wrong).unwrap_err().code, "BAD_USER_INPUT");
        store.apply(&mut with_apq(query, &hash)).unwrap();
        let mut found = with_apq("", &hash);
        store.apply(&mut found).unwrap();
        assert_eq!(found.query, query);
    }
}
