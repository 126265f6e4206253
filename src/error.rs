//! [`AppError`]: the one error type of services and resolvers, and its mapping to
//! GraphQL errors with `extensions.code` (DESIGN.md "Errors").

use std::sync::Arc;

use async_graphql::{ErrorExtensions, Value as GqlValue};
use sea_orm::{DbErr, SqlErr};

use crate::orders::workflow::OrderStatus;

/// A problem with one input field: `path` as in seed 001's 422 (`lines.0.quantity`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Dotted path from the input's root, list indexes as numbers.
    pub path: String,
    /// What is wrong, in a sentence a developer can act on.
    pub message: String,
}

impl FieldError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Every error a client can see, each with its GraphQL error code.
///
/// Deliberately `Clone` (internals behind `Arc`, so DataLoader results can carry
/// it) and deliberately **not** `Display`: async-graphql converts any `Display`
/// error into a bare message and the code would be lost. Convert with `From`
/// (the `?` operator in resolvers does this).
#[derive(Clone, Debug)]
pub enum AppError {
    /// The input is invalid; `fields` names every problem at once.
    BadUserInput {
        message: String,
        fields: Vec<FieldError>,
    },
    /// No credentials, or credentials that are unknown, expired, revoked or wrong.
    /// Deliberately one answer for all of these.
    Unauthenticated,
    /// Authenticated, but this role may not do this.
    Forbidden(String),
    /// No such thing, or not visible to the caller (no existence oracle).
    NotFound(String),
    /// A version mismatch or a duplicate.
    Conflict {
        message: String,
        current_version: Option<i32>,
    },
    /// A status change the workflow does not allow.
    InvalidTransition {
        from: OrderStatus,
        to: OrderStatus,
        allowed: Vec<OrderStatus>,
    },
    /// A subscriber fell too far behind the live feed and was cut off; it
    /// resumes with `after: resume_after`.
    SubscriberLagged { resume_after: String },
    /// The operation is over one of the limits (depth, cost, aliases,
    /// document size); refused before anything runs.
    QueryTooComplex {
        /// Which limit: `depth`, `cost`, `aliases` or `documentBytes`.
        limit: &'static str,
        /// What the operation asks for.
        requested: usize,
        /// What the limit allows.
        allowed: usize,
    },
    /// A budget is spent or a failure throttle is on; try again after
    /// `retry_after_seconds`.
    Throttled {
        message: String,
        retry_after_seconds: u64,
    },
    /// The request or one of its statements ran too long. Retryable.
    Timeout(String),
    /// The database cannot be reached. Retryable; the server recovers by
    /// itself when the database is back.
    Unavailable,
    /// An idempotency key was used before for a different request.
    IdempotencyMismatch { key: String },
    /// A request with this idempotency key is still running. Retryable.
    IdempotencyInFlight { key: String },
    /// Trusted-documents mode is on and this document is not registered.
    UntrustedDocument { document_id: String },
    /// Anything else. The cause is logged, never shown.
    Internal(Arc<dyn std::error::Error + Send + Sync>),
}

/// Result type of services and resolvers.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::InvalidTransition { .. } => "INVALID_TRANSITION",
            AppError::SubscriberLagged { .. } => "SUBSCRIBER_LAGGED",
            AppError::QueryTooComplex { .. } => "QUERY_TOO_COMPLEX",
            AppError::Throttled { .. } => "THROTTLED",
            AppError::Timeout(_) => "TIMEOUT",
            AppError::Unavailable => "UNAVAILABLE",
            AppError::IdempotencyMismatch { .. } | AppError::IdempotencyInFlight { .. } => {
                "CONFLICT"
            }
            // Apollo Router's code for the same refusal: clients know it.
            AppError::UntrustedDocument { .. } => "PERSISTED_QUERY_NOT_IN_LIST",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// Invalid input with these field problems.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.path, one.message),
            many => format!(
                "The input has {} problems; see extensions.fields",
                many.len()
            ),
        };
        AppError::BadUserInput { message, fields }
    }

    /// Invalid input at one field.
    pub fn invalid_field(path: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::invalid(vec![FieldError::new(path, message)])
    }

    /// An unexpected failure; `err` is logged where the error is reported.
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Arc::new(err))
    }

    /// Whether the same request may succeed when simply sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AppError::Timeout(_)
                | AppError::Unavailable
                | AppError::Throttled { .. }
                | AppError::IdempotencyInFlight { .. }
        )
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            AppError::BadUserInput { message, .. } => message.clone(),
            AppError::Unauthenticated => {
                "Authentication required: missing, invalid or expired credentials".into()
            }
            AppError::Forbidden(what) => what.clone(),
            AppError::NotFound(what) => what.clone(),
            AppError::Conflict { message, .. } => message.clone(),
            AppError::InvalidTransition { from, to, allowed } => {
                let allowed = if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "An order cannot move from {from} to {to}; allowed next statuses: {allowed}"
                )
            }
            AppError::SubscriberLagged { resume_after } => format!(
                "This subscription fell too far behind and was ended; subscribe again with after: \"{resume_after}\""
            ),
            AppError::QueryTooComplex {
                limit,
                requested,
                allowed,
            } => format!(
                "The operation is over the {limit} limit: it asks for {requested}, at most {allowed} is allowed"
            ),
            AppError::Throttled { message, .. } => message.clone(),
            AppError::Timeout(what) => what.clone(),
            AppError::Unavailable => "The database is unavailable; try again shortly".into(),
            AppError::IdempotencyMismatch { key } => {
                format!("The idempotency key \"{key}\" was already used for a different request")
            }
            AppError::IdempotencyInFlight { key } => {
                format!("A request with idempotency key \"{key}\" is still running; retry shortly")
            }
            AppError::UntrustedDocument { document_id } => format!(
                "This server runs only registered operations (GRAPHQL_TRUSTED_DOCUMENTS=on); document {document_id} is not registered"
            ),
            AppError::Internal(_) => "Internal error".into(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match classify(&err) {
            DbFailure::Unreachable => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            DbFailure::TimedOut => {
                tracing::warn!(error = %err, "statement timed out");
                AppError::Timeout("A database statement ran too long; try again".into())
            }
            DbFailure::Other => AppError::internal(err),
        }
    }
}

/// What a database error means to a client.
#[derive(Debug, PartialEq, Eq)]
enum DbFailure {
    /// No connection could be had or the one in use broke: an outage.
    Unreachable,
    /// The statement was cancelled by `statement_timeout`.
    TimedOut,
    /// A bug or a broken invariant.
    Other,
}

/// Decides by the driver's error kinds and SQLSTATEs, never by messages.
fn classify(err: &DbErr) -> DbFailure {
    use sea_orm::{RuntimeErr, sqlx};
    let sqlx_err = match err {
        // No connection within DB_ACQUIRE_TIMEOUT_MS: the database answers
        // too slowly (or the pool is exhausted). A refused or broken
        // connection fails fast with an I/O error instead (below).
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => {
            return DbFailure::TimedOut;
        }
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return DbFailure::Unreachable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return DbFailure::Other,
    };
    match sqlx_err.as_ref() {
        sqlx::Error::PoolTimedOut => DbFailure::TimedOut,
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => DbFailure::Unreachable,
        sqlx::Error::Protocol(_) => DbFailure::Unreachable,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // query_canceled: statement_timeout (or a cancel request).
            Some("57014") => DbFailure::TimedOut,
            // admin_shutdown, crash_shutdown, cannot_connect_now, and the
            // connection_exception class: the server went away.
            Some("57P01" | "57P02" | "57P03") => DbFailure::Unreachable,
            Some(code) if code.starts_with("08") => DbFailure::Unreachable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// True when `err` is a unique-constraint violation: the one place that decides
/// it, so callers branch on meaning, never on driver messages.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            // Logged once here, at the boundary; the client sees only the code.
            tracing::error!(error = %cause, "internal error");
        }
        let message = err.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                AppError::BadUserInput { fields, .. } => {
                    let list: Vec<GqlValue> = fields
                        .iter()
                        .map(|f| {
                            let mut obj = async_graphql::indexmap::IndexMap::new();
                            obj.insert(
                                async_graphql::Name::new("path"),
                                GqlValue::from(f.path.clone()),
                            );
                            obj.insert(
                                async_graphql::Name::new("message"),
                                GqlValue::from(f.message.clone()),
                            );
                            GqlValue::Object(obj)
                        })
                        .collect();
                    ext.set("fields", GqlValue::List(list));
                }
                AppError::Conflict {
                    current_version: Some(v),
                    ..
                } => ext.set("currentVersion", *v),
                AppError::SubscriberLagged { resume_after } => {
                    ext.set("resumeAfter", resume_after.as_str());
                }
                AppError::QueryTooComplex {
                    limit,
                    requested,
                    allowed,
                } => {
                    ext.set("limit", *limit);
                    ext.set("requested", *requested as u64);
                    ext.set("allowed", *allowed as u64);
                }
                AppError::Throttled {
                    retry_after_seconds,
                    ..
                } => {
                    ext.set("retryAfterSeconds", *retry_after_seconds);
                    ext.set("retryable", true);
                }
                AppError::Timeout(_) | AppError::Unavailable => ext.set("retryable", true),
                AppError::IdempotencyMismatch { key } => ext.set("idempotencyKey", key.as_str()),
                AppError::UntrustedDocument { document_id } => {
                    ext.set("documentId", document_id.as_str())
                }
                AppError::IdempotencyInFlight { key } => {
                    ext.set("idempotencyKey", key.as_str());
                    ext.set("retryable", true);
                }
                AppError::InvalidTransition { from, to, allowed } => {
                    ext.set("from", from.as_str());
                    ext.set("to", to.as_str());
                    ext.set(
                        "allowed",
                        GqlValue::List(
                            allowed.iter().map(|s| GqlValue::from(s.as_str())).collect(),
                        ),
                    );
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(err: AppError) -> async_graphql::ErrorExtensionValues {
        async_graphql::Error::from(err)
            .extensions
            .unwrap_or_default()
    }

    #[test]
    fn bad_user_input_lists_every_field() {
        let e = ext(AppError::invalid(vec![
            FieldError::new("lines.1.price", "must not be negative"),
            FieldError::new("shippingAddress.country", "unknown country"),
        ]));
        assert_eq!(e.get("code"), Some(&GqlValue::from("BAD_USER_INPUT")));
        let Some(GqlValue::List(fields)) = e.get("fields") else {
            panic!("no fields list");
        };
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn invalid_transition_names_the_allowed_statuses() {
        let err = AppError::InvalidTransition {
            from: OrderStatus::Confirmed,
            to: OrderStatus::Delivered,
            allowed: OrderStatus::Confirmed.next().to_vec(),
        };
        assert!(
            err.message()
                .contains("PROCESSING, IN_PROGRESS, ON_HOLD, SHIPPED, CANCELLED")
        );
        let e = ext(err);
        assert_eq!(e.get("code"), Some(&GqlValue::from("INVALID_TRANSITION")));
    }

    #[test]
    fn internal_errors_show_no_cause() {
        let err = AppError::from(DbErr::Custom("relation \"orders\" does not exist".into()));
        let gql = async_graphql::Error::from(err);
        assert_eq!(gql.message, "Internal error");
    }
}
