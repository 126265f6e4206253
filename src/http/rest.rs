//! Error answers of the REST endpoints (exports, seed 000's adapter): each
//! keeps its seed's shape (`{"error": ...}`, with `errors` for field problems)
//! and adds `code`, the same code GraphQL would give. Outages and throttles
//! carry `Retry-After`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::access::ErrorCode;
use crate::error::AppError;

/// Seconds a client should wait before retrying an outage or a timeout.
pub const OUTAGE_RETRY_AFTER: u64 = 2;

/// The HTTP status of `err`; invalid input gets `bad_input` (the seeds differ:
/// 400 for exports, 422 for the adapter).
pub fn status_of(err: &AppError, bad_input: StatusCode) -> StatusCode {
    match err {
        AppError::BadUserInput { .. } => bad_input,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict { .. }
        | AppError::IdempotencyMismatch { .. }
        | AppError::IdempotencyInFlight { .. } => StatusCode::CONFLICT,
        AppError::InvalidTransition { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::QueryTooComplex { .. } | AppError::UntrustedDocument { .. } => {
            StatusCode::BAD_REQUEST
        }
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Timeout(_) | AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::SubscriberLagged { .. } | AppError::Internal(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// How long to wait before retrying, when a retry can help.
pub fn retry_after(err: &AppError) -> Option<u64> {
    match err {
        AppError::Throttled {
            retry_after_seconds,
            ..
        } => Some(*retry_after_seconds),
        AppError::Timeout(_) | AppError::Unavailable => Some(OUTAGE_RETRY_AFTER),
        _ => None,
    }
}

/// `{"error": message, "code": CODE}` with `status`.
pub fn error_body(status: StatusCode, code: &'static str, message: &str) -> Response {
    with_code(
        (status, Json(json!({ "error": message, "code": code }))).into_response(),
        code,
    )
}

/// Marks `response` with its error code for the access log.
pub fn with_code(mut response: Response, code: &'static str) -> Response {
    response.extensions_mut().insert(ErrorCode(code));
    response
}

/// The REST answer to `err`, with `Retry-After` where it applies.
pub fn app_error(err: AppError, bad_input: StatusCode) -> Response {
    let status = status_of(&err, bad_input);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %cause, "REST request failed");
    }
    let mut body = json!({ "error": err.message(), "code": err.code() });
    if let AppError::BadUserInput { fields, .. } = &err
        && !fields.is_empty()
    {
        body["errors"] = json!(fields);
    }
    let mut response = with_code((status, Json(body)).into_response(), err.code());
    if let Some(seconds) = retry_after(&err) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
