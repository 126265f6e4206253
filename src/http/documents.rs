//! Parsed GraphQL documents kept by their text, so an operation clients send
//! again and again (an integration's `placeOrder`, a dashboard's list) is
//! parsed once per instance: cloning the parsed document costs a fraction of
//! parsing its text (about 3 % of a `placeOrder`'s CPU, `benches/place_order`).
//! The `parse_query` hooks of the extensions (limits, idempotency keys,
//! response shape) still run on every request: async-graphql calls them
//! around a document handed in as around one it parses.

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use lru::LruCache;

/// How many documents one instance keeps (least recently used go first).
const CAPACITY: usize = 1_000;
/// Longer documents are parsed every time: a few large ones could otherwise
/// hold much memory, and their parse is a smaller share of their work.
const MAX_TEXT_BYTES: usize = 8 * 1024;

/// The documents parsed so far, by text.
pub struct ParsedDocuments {
    cache: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        ParsedDocuments {
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl ParsedDocuments {
    /// The request's document, parsed, left in the request for execution
    /// (`Request::parsed_query`): from the cache when its text was parsed
    /// before. A document that does not parse is not kept; its error is
    /// what execution will report.
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        let cacheable = request.query.len() <= MAX_TEXT_BYTES;
        if cacheable {
            let kept = self.lock().get(request.query.as_str()).cloned();
            if let Some(document) = kept {
                request.set_parsed_query(document);
                return request.parsed_query();
            }
        }
        if cacheable {
            let document = request.parsed_query()?.clone();
            self.lock().put(request.query.clone(), document);
        }
        request.parsed_query()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parsed_before_comes_from_the_cache_and_a_broken_one_is_not_kept() {
        let documents = ParsedDocuments::default();
        let text = "query A { a } query B { b }";
        let first = documents.parse(&mut Request::new(text)).unwrap().clone();
        assert_eq!(documents.lock().len(), 1);
        let mut again = Request::new(text).operation_name("B");
        let second = documents.parse(&mut again).unwrap();
        assert_eq!(format!("{first:?}"), format!("{second:?}"));

        assert!(documents.parse(&mut Request::new("{ a")).is_err());
        assert_eq!(documents.lock().len(), 1, "a broken document is not kept");

        let long = format!("{{ a {} }}", "b ".repeat(MAX_TEXT_BYTES));
        assert!(documents.parse(&mut Request::new(long)).is_ok());
        assert_eq!(documents.lock().len(), 1, "a long document is not kept");
    }
}
