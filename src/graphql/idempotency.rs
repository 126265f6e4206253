//! Idempotency keys on every mutation, as Stripe and Shopify have them: a
//! retry with the same key and the same request gets the first response; the
//! same key with another request is CONFLICT with `extensions.idempotencyKey`.
//!
//! The key comes from the `Idempotency-Key` header (single HTTP operations)
//! or the `idempotencyKey` argument every mutation takes (batches, WebSocket).
//! It is a schema extension, so both transports share it:
//! - the first request inserts a row (`running`, with a lease) before it
//!   executes; concurrent requests with the key wait for its response (at most
//!   [`WAIT`]), then get a retryable CONFLICT;
//! - the mutation's own write transaction marks the row `committed`
//!   (`db::IDEMPOTENCY_CLAIM`), so a crash right after commit cannot make a
//!   retry run it twice;
//! - the response is stored (`done`) unless it failed with TIMEOUT,
//!   UNAVAILABLE or INTERNAL before committing: then the row is removed and a
//!   retry runs again.
//!
//! "The same request" is the document, the operation name and the variables.
//! Keys are scoped to the caller and kept for `IDEMPOTENCY_TTL_HOURS`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Positioned, Response, ServerResult, Value, Variables};
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::{Db, IDEMPOTENCY_CLAIM};
use crate::entities::idempotency_key;
use crate::error::AppError;

/// Root fields that return the order they change: when such a mutation
/// committed but its response was lost (the process died in between), a retry
/// answers with that order as it is now instead of running again.
pub const REPLAYABLE: [&str; 10] = [
    "placeOrder",
    "orderAction",
    "setOrderTracking",
    "setOrderIntegrationRef",
    "setOrderAdminFields",
    "addOrderLine",
    "changeOrderLine",
    "updateOrder",
    "addOrderTags",
    "removeOrderTags",
];

tokio::task_local! {
    static REPLAY_ORDER: i64;
}

/// Inside a replay (see [`REPLAYABLE`]): the order the lost mutation changed.
/// Replayable resolvers check it first and answer with that order.
pub fn replayed_order() -> Option<i64> {
    REPLAY_ORDER.try_with(|id| *id).ok()
}

/// The argument every mutation takes.
pub const ARGUMENT: &str = "idempotencyKey";

/// How long a request waits for a concurrent one with its key.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A client's idempotency key: 1 to 255 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks the shape of a key.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 255 || !raw.chars().all(|c| c.is_ascii_graphic()) {
            return Err(AppError::invalid_field(
                ARGUMENT,
                "1 to 255 visible ASCII characters",
            ));
        }
        Ok(IdempotencyKey(raw.to_owned()))
    }

    /// The key itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The extension factory.
pub struct Idempotency {
    db: Db,
    ttl: chrono::Duration,
    lease: chrono::Duration,
}

impl Idempotency {
    /// Keys kept for `ttl`; a running request holds its key for `lease`
    /// (longer than the request timeout) before another may take over.
    pub fn new(db: Db, ttl: Duration, lease: Duration) -> Self {
        Idempotency {
            db,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(24)),
            lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1)),
        }
    }
}

impl ExtensionFactory for Idempotency {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(IdempotencyExtension {
            db: self.db.clone(),
            ttl: self.ttl,
            lease: self.lease,
            parsed: Mutex::new(None),
        })
    }
}

/// What parsing found: the request's hash so far, and the key of each
/// mutation operation that has one.
struct Parsed {
    hasher: Sha256,
    keys: Vec<(Option<String>, KeyedOperation)>,
}

/// A mutation operation with a key.
struct KeyedOperation {
    key: IdempotencyKey,
    /// Whether its one root field is [`REPLAYABLE`].
    replayable: bool,
}

struct IdempotencyExtension {
    db: Db,
    ttl: chrono::Duration,
    lease: chrono::Duration,
    parsed: Mutex<Option<Parsed>>,
}

use super::error_codes::request_error as refuse;

#[async_graphql::async_trait::async_trait]
impl Extension for IdempotencyExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let header = ctx.data_opt::<IdempotencyKey>();
        let mut keys = Vec::new();
        let operations: Vec<(Option<String>, &Positioned<OperationDefinition>)> =
            match &document.operations {
                DocumentOperations::Single(op) => vec![(None, op)],
                DocumentOperations::Multiple(ops) => ops
                    .iter()
                    .map(|(name, op)| (Some(name.to_string()), op))
                    .collect(),
            };
        for (name, op) in operations {
            if op.node.ty != OperationType::Mutation {
                continue;
            }
            let mut key = header.cloned();
            for item in &op.node.selection_set.node.items {
                let Selection::Field(field) = &item.node else {
                    continue;
                };
                let Some((_, value)) = field
                    .node
                    .arguments
                    .iter()
                    .find(|(arg, _)| arg.node.as_str() == ARGUMENT)
                else {
                    continue;
                };
                let value = value
                    .node
                    .clone()
                    .into_const_with(|var| {
                        Ok::<_, std::convert::Infallible>(
                            variables.get(&var).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .unwrap_or(Value::Null);
                let Value::String(raw) = value else {
                    continue;
                };
                let parsed = IdempotencyKey::parse(&raw).map_err(refuse)?;
                match &key {
                    Some(existing) if *existing != parsed => {
                        return Err(refuse(AppError::invalid_field(
                            ARGUMENT,
                            "one operation takes one idempotency key: the mutations (and the Idempotency-Key header) name different ones",
                        )));
                    }
                    _ => key = Some(parsed),
                }
            }
            if let Some(key) = key {
                let roots: Vec<&str> = op
                    .node
                    .selection_set
                    .node
                    .items
                    .iter()
                    .filter_map(|item| match &item.node {
                        Selection::Field(field) => Some(field.node.name.node.as_str()),
                        _ => None,
                    })
                    .collect();
                let replayable = roots.len() == op.node.selection_set.node.items.len()
                    && matches!(roots.as_slice(), [one] if REPLAYABLE.contains(one));
                keys.push((name, KeyedOperation { key, replayable }));
            }
        }
        if !keys.is_empty() {
            let mut hasher = Sha256::new();
            hasher.update(query.as_bytes());
            hasher.update([0]);
            hasher.update(serde_json::to_vec(variables).unwrap_or_default());
            hasher.update([0]);
            if let Ok(mut parsed) = self.parsed.lock() {
                *parsed = Some(Parsed { hasher, keys });
            }
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let found = self.parsed.lock().ok().and_then(|mut p| p.take());
        let Some(Parsed { mut hasher, keys }) = found else {
            return next.run(ctx, operation_name).await;
        };
        // The operation that runs: the named one, or the only one.
        let keyed = keys.into_iter().find_map(|(name, keyed)| {
            (operation_name.is_none() || name.as_deref() == operation_name).then_some(keyed)
        });
        let (Some(KeyedOperation { key, replayable }), Some(Caller::Authenticated(principal))) =
            (keyed, ctx.data_opt::<Caller>())
        else {
            return next.run(ctx, operation_name).await;
        };
        hasher.update(operation_name.unwrap_or("").as_bytes());
        let hash = hex::encode(hasher.finalize());
        let scope = format!("{}:{}", principal.role.as_str(), principal.subject);
        let (claim, replay) = match self.claim(&scope, &key, &hash, replayable).await {
            Ok(Claim::Owner(id)) => (id, None),
            Ok(Claim::Lost { id, order }) => (id, Some(order)),
            Ok(Claim::Replay(response)) => return *response,
            Err(err) => return Response::from_errors(vec![refuse(err)]),
        };
        let execution = IDEMPOTENCY_CLAIM.scope(claim, next.run(ctx, operation_name));
        let response = match replay {
            Some(order) => REPLAY_ORDER.scope(order, execution).await,
            None => execution.await,
        };
        if let Err(err) = self.finish(claim, &response).await {
            tracing::error!(error = ?err, "cannot record an idempotent response");
        }
        response
    }
}

enum Claim {
    /// This request runs the mutation; the row's id.
    Owner(i64),
    /// The first request's response.
    Replay(Box<Response>),
    /// The first request committed, changing `order`, and died before its
    /// response was recorded: this one answers with the order.
    Lost { id: i64, order: i64 },
}

/// Codes that mean the request did not complete (a retry should run again).
const INCOMPLETE: [&str; 3] = ["TIMEOUT", "UNAVAILABLE", "INTERNAL"];

impl IdempotencyExtension {
    async fn claim(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        hash: &str,
        replayable: bool,
    ) -> Result<Claim, AppError> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = Utc::now();
            let row = idempotency_key::ActiveModel {
                scope: Set(scope.to_owned()),
                key: Set(key.as_str().to_owned()),
                request_hash: Set(hash.to_owned()),
                state: Set("running".into()),
                response: Set(None),
                lease_until: Set(now + self.lease),
                created_at: Set(now),
                ..Default::default()
            };
            let inserted = idempotency_key::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        idempotency_key::Column::Scope,
                        idempotency_key::Column::Key,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await?;
            if inserted == 1 {
                let id = self.find(scope, key).await?.map(|r| r.id);
                if let Some(id) = id {
                    return Ok(Claim::Owner(id));
                }
                continue;
            }
            let Some(existing) = self.find(scope, key).await? else {
                continue;
            };
            if existing.created_at + self.ttl < now {
                // Expired: the key may be used afresh.
                idempotency_key::Entity::delete_by_id(existing.id)
                    .exec(&self.db)
                    .await?;
                continue;
            }
            if existing.request_hash != hash {
                return Err(AppError::IdempotencyMismatch {
                    key: key.as_str().to_owned(),
                });
            }
            match (existing.state.as_str(), &existing.response) {
                ("done", Some(stored)) => {
                    let response: Response =
                        serde_json::from_str(stored).map_err(AppError::internal)?;
                    return Ok(Claim::Replay(Box::new(response)));
                }
                ("running", _) if existing.lease_until < now => {
                    // Its owner died before committing: take over.
                    let taken = idempotency_key::Entity::update_many()
                        .col_expr(
                            idempotency_key::Column::LeaseUntil,
                            Expr::value(now + self.lease),
                        )
                        .filter(idempotency_key::Column::Id.eq(existing.id))
                        .filter(idempotency_key::Column::LeaseUntil.eq(existing.lease_until))
                        .filter(idempotency_key::Column::State.eq("running"))
                        .exec(&self.db)
                        .await?;
                    if taken.rows_affected == 1 {
                        return Ok(Claim::Owner(existing.id));
                    }
                }
                ("committed", _) if existing.lease_until < now => {
                    if let (true, Some(order)) = (replayable, existing.order_id) {
                        // Taken like a dead owner's lease, so one retry
                        // answers and records, and the others wait for it.
                        let taken = idempotency_key::Entity::update_many()
                            .col_expr(
                                idempotency_key::Column::LeaseUntil,
                                Expr::value(now + self.lease),
                            )
                            .filter(idempotency_key::Column::Id.eq(existing.id))
                            .filter(idempotency_key::Column::LeaseUntil.eq(existing.lease_until))
                            .exec(&self.db)
                            .await?;
                        if taken.rows_affected == 1 {
                            return Ok(Claim::Lost {
                                id: existing.id,
                                order,
                            });
                        }
                        continue;
                    }
                    return Err(AppError::Conflict {
                        message: format!(
                            "The first request with idempotency key \"{}\" was saved, but the server stopped before recording its response; read the result instead of retrying",
                            key.as_str()
                        ),
                        current_version: None,
                    });
                }
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(AppError::IdempotencyInFlight {
                    key: key.as_str().to_owned(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn find(
        &self,
        scope: &str,
        key: &IdempotencyKey,
    ) -> Result<Option<idempotency_key::Model>, AppError> {
        Ok(idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Scope.eq(scope))
            .filter(idempotency_key::Column::Key.eq(key.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Stores the response, or frees the key when the request did not
    /// complete and wrote nothing.
    async fn finish(&self, claim: i64, response: &Response) -> Result<(), AppError> {
        let incomplete = response.errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|code| {
                    INCOMPLETE
                        .iter()
                        .any(|c| *code == Value::String((*c).into()))
                })
        });
        let Some(row) = idempotency_key::Entity::find_by_id(claim)
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        if incomplete && row.state != "committed" {
            idempotency_key::Entity::delete_by_id(claim)
                .exec(&self.db)
                .await?;
            return Ok(());
        }
        let stored = serde_json::to_string(response).map_err(AppError::internal)?;
        idempotency_key::Entity::update_many()
            .col_expr(idempotency_key::Column::State, Expr::value("done"))
            .col_expr(idempotency_key::Column::Response, Expr::value(stored))
            .filter(idempotency_key::Column::Id.eq(claim))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// Removes keys older than `ttl` (the delivery worker's housekeeping calls it).
pub async fn forget_expired(db: &Db, ttl: Duration) -> Result<u64, AppError> {
    let cutoff =
        Utc::now() - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(24));
    let deleted = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
