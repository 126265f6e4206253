//! Trusted documents: GraphQL operations an admin registered, by the SHA-256
//! of their exact text. With `GRAPHQL_TRUSTED_DOCUMENTS=on` nothing else
//! runs, over HTTP or WebSocket, whoever asks: a stolen token cannot run an
//! operation the shipped clients do not contain. Clients may send a
//! document's id instead of its text (`documentId: "sha256:<hex>"`, or
//! Apollo's `extensions.persistedQuery.sha256Hash`); an automatic persisted
//! query's registration does not make a document trusted.
//!
//! Registration: `registerTrustedDocuments` (admins) or `ordergraph
//! documents register` (a client build's manifest), which works even when
//! the mode is on and the registration mutation itself is not registered.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{Context, InputObject, Object, ServerResult, Variables};
use lru::LruCache;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use super::context::{require_principal, state};
use super::error_codes::request_error;
use crate::auth::Role;
use crate::db::{self, Db};
use crate::entities::trusted_document;
use crate::error::{AppError, AppResult, FieldError};

/// How long a found document is remembered; a removal takes effect on every
/// instance within this time.
const CACHE_TTL: Duration = Duration::from_secs(30);
const CACHE_CAPACITY: usize = 4_096;
/// Most documents one registration may hold.
pub const MAX_REGISTER: usize = 1_000;

/// The id clients send: `sha256:` and the hex SHA-256 of the exact text.
pub fn document_id(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

/// The hash inside a client's id (`sha256:<hex>` or bare hex), lower-cased;
/// `None` when it is not one.
pub fn parse_id(id: &str) -> Option<String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// Looks documents up by hash, remembering the ones found for a short time.
pub struct TrustedDocuments {
    db: Db,
    cache: Mutex<LruCache<String, (Arc<str>, Instant)>>,
}

impl TrustedDocuments {
    /// A store reading `db`.
    pub fn new(db: Db) -> Self {
        TrustedDocuments {
            db,
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// The registered text with this hash (lower-case hex), if any.
    pub async fn find(&self, hash: &str) -> AppResult<Option<Arc<str>>> {
        if let Ok(mut cache) = self.cache.lock()
            && let Some((text, at)) = cache.get(hash)
        {
            if at.elapsed() < CACHE_TTL {
                return Ok(Some(text.clone()));
            }
            cache.pop(hash);
        }
        let row = trusted_document::Entity::find()
            .filter(trusted_document::Column::Hash.eq(hash))
            .one(self.db.conn())
            .await?;
        let text: Option<Arc<str>> = row.map(|r| r.document.into());
        if let (Some(text), Ok(mut cache)) = (&text, self.cache.lock()) {
            cache.put(hash.to_owned(), (text.clone(), Instant::now()));
        }
        Ok(text)
    }
}

/// One document to register.
#[derive(InputObject, Clone, Debug)]
pub struct TrustedDocumentInput {
    /// The operation's exact text, as the client sends it (its SHA-256 is its id).
    pub document: String,
    /// A name to recognise it by. Default: the name of its operation.
    pub name: Option<String>,
}

/// Registers `documents` (already registered ones stay as they are) and
/// returns them all, in input order. Each must parse as a GraphQL document.
pub async fn register(
    db: &Db,
    actor: &str,
    documents: Vec<TrustedDocumentInput>,
) -> AppResult<Vec<trusted_document::Model>> {
    if documents.is_empty() || documents.len() > MAX_REGISTER {
        return Err(AppError::invalid_field(
            "documents",
            format!("give 1 to {MAX_REGISTER} documents"),
        ));
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (i, input) in documents.iter().enumerate() {
        let parsed = match async_graphql::parser::parse_query(&input.document) {
            Ok(parsed) => parsed,
            Err(err) => {
                errors.push(FieldError::new(
                    format!("documents.{i}.document"),
                    format!("is not a GraphQL document: {err}"),
                ));
                continue;
            }
        };
        let name = input
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or_else(|| operation_name(&parsed));
        rows.push(trusted_document::ActiveModel {
            hash: Set(hex::encode(Sha256::digest(input.document.as_bytes()))),
            name: Set(name),
            document: Set(input.document.clone()),
            created_by: Set(actor.to_owned()),
            created_at: Set(db::now()),
            ..Default::default()
        });
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let hashes: Vec<String> = documents
        .iter()
        .map(|d| hex::encode(Sha256::digest(d.document.as_bytes())))
        .collect();
    let txn = db.begin_write().await?;
    for chunk in rows.chunks(200) {
        trusted_document::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(trusted_document::Column::Hash)
                    .do_nothing()
                    .to_owned(),
            )
            .try_insert()
            .exec(&txn)
            .await?;
    }
    let stored = trusted_document::Entity::find()
        .filter(trusted_document::Column::Hash.is_in(hashes.clone()))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(hashes
        .iter()
        .filter_map(|h| stored.iter().find(|r| &r.hash == h).cloned())
        .collect())
}

fn operation_name(document: &ExecutableDocument) -> Option<String> {
    match &document.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(ops) => {
            let mut names: Vec<String> = ops.keys().map(|n| n.to_string()).collect();
            names.sort();
            Some(names.join(","))
        }
    }
}

/// The documents in a file a client build produced: a `.graphql`/`.gql`
/// file is one document (its exact text); a JSON file is Apollo's persisted
/// query manifest (`{"format": "apollo-persisted-query-manifest",
/// "operations": [{"id", "name", "body"}]}`) or a map of id to text (GraphQL
/// Code Generator's and Relay's `persisted-documents.json`). Ids given in a
/// file must be the text's SHA-256, the hash clients will send.
pub fn read_file(name: &str, text: &str) -> Result<Vec<TrustedDocumentInput>, String> {
    if !name.ends_with(".json") {
        return Ok(vec![TrustedDocumentInput {
            document: text.to_owned(),
            name: None,
        }]);
    }
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let checked = |id: Option<&str>, body: &str| -> Result<(), String> {
        match id {
            Some(id) if parse_id(id) != parse_id(&document_id(body)) => Err(format!(
                "{name}: id {id} is not the SHA-256 of its document (expected {})",
                document_id(body)
            )),
            _ => Ok(()),
        }
    };
    if let Some(operations) = json.get("operations").and_then(|o| o.as_array()) {
        return operations
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let body = op["body"]
                    .as_str()
                    .ok_or_else(|| format!("{name}: operations.{i}.body is missing"))?;
                checked(op["id"].as_str(), body)?;
                Ok(TrustedDocumentInput {
                    document: body.to_owned(),
                    name: op["name"].as_str().map(str::to_owned),
                })
            })
            .collect();
    }
    let map = json.as_object().ok_or_else(|| {
        format!("{name}: expected an Apollo manifest or an object of id to document")
    })?;
    map.iter()
        .map(|(id, body)| {
            let body = body
                .as_str()
                .ok_or_else(|| format!("{name}: the document of {id} is not a string"))?;
            checked(Some(id), body)?;
            Ok(TrustedDocumentInput {
                document: body.to_owned(),
                name: None,
            })
        })
        .collect()
}

/// Every registered document, newest first.
pub async fn list(db: &Db) -> AppResult<Vec<trusted_document::Model>> {
    Ok(trusted_document::Entity::find()
        .order_by_desc(trusted_document::Column::Id)
        .all(db.conn())
        .await?)
}

/// Removes the document with this id; false when there was none.
pub async fn remove(db: &Db, id: &str) -> AppResult<bool> {
    let hash = parse_id(id)
        .ok_or_else(|| AppError::invalid_field("documentId", "expected sha256:<64 hex digits>"))?;
    let result = trusted_document::Entity::delete_many()
        .filter(trusted_document::Column::Hash.eq(hash))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_read_and_their_ids_checked() {
        let body = "query Viewer { viewer { role } }";
        let id = document_id(body);
        let apollo = serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{"id": id.trim_start_matches("sha256:"), "name": "Viewer", "type": "query", "body": body}]});
        let docs = read_file("m.json", &apollo.to_string()).unwrap();
        assert_eq!(
            (docs[0].document.as_str(), docs[0].name.as_deref()),
            (body, Some("Viewer"))
        );
        let map = serde_json::json!({ id.trim_start_matches("sha256:"): body });
        assert_eq!(
            read_file("p.json", &map.to_string()).unwrap()[0].document,
            body
        );
        let wrong = serde_json::json!({ "0".repeat(64): body });
        assert!(
            read_file("p.json", &wrong.to_string())
                .unwrap_err()
                .contains("not the SHA-256")
        );
        assert_eq!(read_file("q.graphql", body).unwrap()[0].document, body);
        assert_eq!(parse_id(&id).map(|h| format!("sha256:{h}")), Some(id));
        assert_eq!(parse_id("sha256:xyz"), None);
    }
}

/// A registered operation.
pub struct TrustedDocument(pub trusted_document::Model);

/// A registered operation: with `GRAPHQL_TRUSTED_DOCUMENTS=on`, only these run.
#[Object]
impl TrustedDocument {
    /// Its id, `sha256:` and the SHA-256 (hex) of its exact text: what a
    /// client may send as `documentId` instead of the text.
    async fn document_id(&self) -> String {
        format!("sha256:{}", self.0.hash)
    }

    /// Its name (by default its operation's name).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The exact text.
    async fn document(&self) -> &str {
        &self.0.document
    }

    /// Who registered it (`role:subject`, or `cli`).
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// When it was registered.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}

/// `Query.trustedDocuments`.
#[derive(Default)]
pub struct TrustedDocumentQuery;

#[Object]
impl TrustedDocumentQuery {
    /// Every registered operation, newest first. Admins only.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn trusted_documents(&self, ctx: &Context<'_>) -> Result<Vec<TrustedDocument>, AppError> {
        require_principal(ctx)?.require(&[Role::Admin])?;
        Ok(list(&state(ctx)?.db)
            .await?
            .into_iter()
            .map(TrustedDocument)
            .collect())
    }
}

/// `Mutation.registerTrustedDocuments` and `removeTrustedDocument`.
#[derive(Default)]
pub struct TrustedDocumentMutation;

#[Object]
impl TrustedDocumentMutation {
    /// Registers operations as trusted (those already registered stay as
    /// they are); returns them in input order. Admins only. With
    /// `GRAPHQL_TRUSTED_DOCUMENTS=on` this mutation runs only if it is
    /// itself registered: `ordergraph documents register` always works.
    async fn register_trusted_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1 to 1,000 documents.")] documents: Vec<TrustedDocumentInput>,
    ) -> Result<Vec<TrustedDocument>, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(&[Role::Admin])?;
        let actor = format!("{}:{}", principal.role.as_str(), principal.subject);
        let rows = register(&state(ctx)?.db, &actor, documents).await?;
        Ok(rows.into_iter().map(TrustedDocument).collect())
    }

    /// Removes a registered operation (on every instance within 30 s);
    /// false when there was none. Admins only.
    async fn remove_trusted_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's id: `sha256:<hex>`.")] document_id: String,
    ) -> Result<bool, AppError> {
        require_principal(ctx)?.require(&[Role::Admin])?;
        remove(&state(ctx)?.db, &document_id).await
    }
}

/// The enforcement: an extension on every operation of every transport.
pub struct TrustedOnly(pub Arc<TrustedDocuments>);

impl ExtensionFactory for TrustedOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TrustedOnlyExtension(self.0.clone()))
    }
}

struct TrustedOnlyExtension(Arc<TrustedDocuments>);

#[async_trait::async_trait]
impl Extension for TrustedOnlyExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let hash = hex::encode(Sha256::digest(query.as_bytes()));
        match self.0.find(&hash).await {
            // Byte for byte what was registered: a hash match is the text.
            Ok(Some(_)) => next.run(ctx, query, variables).await,
            Ok(None) => Err(request_error(AppError::UntrustedDocument {
                document_id: format!("sha256:{hash}"),
            })),
            Err(err) => Err(request_error(err)),
        }
    }
}
