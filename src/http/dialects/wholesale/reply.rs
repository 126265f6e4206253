//! Seed 003's shared request handling: its error shape, credentials,
//! query-string and body reading, and the answers every endpoint gives.
//! Apart from `mod.rs` so the endpoint modules and the module that
//! re-exports them do not import each other.

use std::net::SocketAddr;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::{Principal, Role};
use crate::error::{AppError, FieldError};
use crate::http::access::Access;
use crate::http::dialects::{self as dialects, Body, Params};
use crate::http::{HttpState, rest};
use crate::orders::export::status_order_ids;

/// Seed 003's error answer: `{"status": <HTTP status>, "message": ...,
/// "code": <GraphQL error code>, "errors": [{"path", "message"}, ...]}`
/// (`errors` is empty when no field is to blame). Invalid input in a body is
/// 422; `bad_input` is the status of the others (400 for query strings and
/// unreadable bodies).
pub(super) fn failure(err: AppError, bad_input: StatusCode) -> Response {
    let status = rest::status_of(&err, bad_input);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %cause, "seed 003 request failed");
    }
    let (message, errors) = match &err {
        // The service's message points GraphQL clients to extensions.fields.
        AppError::BadUserInput { fields, .. } if fields.len() > 1 => (
            format!("The input has {} problems; see errors", fields.len()),
            json!(fields),
        ),
        AppError::BadUserInput { message, fields } => (message.clone(), json!(fields)),
        AppError::InvalidTransition { from, to, allowed } => {
            let allowed = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed
                    .iter()
                    .map(|s| format!("{} ({})", s.status_order_id(), s.status_order_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let message = format!(
                "The order cannot move from {} ({}) to {} ({}); allowed next statuses: {allowed}",
                from.status_order_id(),
                from.status_order_name(),
                to.status_order_id(),
                to.status_order_name(),
            );
            (
                message.clone(),
                json!([FieldError::new("status_order_id", message)]),
            )
        }
        other => (other.message(), json!([])),
    };
    let body = json!({
        "status": status.as_u16(),
        "message": message,
        "code": err.code(),
        "errors": errors,
    });
    let mut response = rest::with_code((status, Json(body)).into_response(), err.code());
    if let Some(seconds) = rest::retry_after(&err) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"ordergraph\""),
        );
    }
    response
}

/// Invalid input at these fields, answered 422.
pub(super) fn invalid(fields: Vec<FieldError>) -> Response {
    failure(AppError::invalid(fields), StatusCode::UNPROCESSABLE_ENTITY)
}

/// A refusal before any service runs: the error, and the status invalid
/// input gets (400 for query strings and unreadable bodies, 422 for values).
/// Small, unlike a `Response`, so helpers can return it.
pub(super) struct Refused {
    err: AppError,
    bad_input: StatusCode,
}

impl Refused {
    pub(super) fn bad_request(err: AppError) -> Refused {
        Refused {
            err,
            bad_input: StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        failure(self.err, self.bad_input)
    }
}

/// The caller, if it has one of `roles`.
pub(super) async fn authorize(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    access: &Access,
    roles: &[Role],
) -> Result<Principal, Refused> {
    dialects::principal(state, headers, peer, access, roles)
        .await
        .map_err(Refused::bad_request)
}

/// Refuses any query parameter but `known` (400, naming it).
pub(super) fn params(query: Option<&str>, known: &[&str]) -> Result<Params, Refused> {
    Params::parse(query, known).map_err(Refused::bad_request)
}

/// The JSON body as `T`: 400 when it is not a JSON object, 422 naming the
/// key whose value has the wrong type.
pub(super) fn read_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<Body<T>, Refused> {
    let value: Value = serde_json::from_slice(bytes).map_err(|err| {
        Refused::bad_request(AppError::invalid_field(
            "body",
            format!("is not JSON: {err}"),
        ))
    })?;
    if !value.is_object() {
        return Err(Refused::bad_request(AppError::invalid_field(
            "body",
            "must be a JSON object",
        )));
    }
    dialects::from_json(value).map_err(|err| Refused {
        err,
        bad_input: StatusCode::UNPROCESSABLE_ENTITY,
    })
}

/// The order id of the path: the order's database id. Anything else names
/// no order.
pub(super) fn order_id(raw: &str) -> Result<i64, Refused> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| Refused::bad_request(AppError::NotFound(format!("No order with id {raw}"))))
}

/// Renames the field paths of a service's BAD_USER_INPUT with `rename`
/// (the service's GraphQL path to the seed's).
pub(super) fn seed_paths(err: AppError, rename: impl Fn(&str) -> String) -> AppError {
    match err {
        AppError::BadUserInput { fields, .. } => AppError::invalid(
            fields
                .into_iter()
                .map(|f| FieldError::new(rename(&f.path), f.message))
                .collect(),
        ),
        other => other,
    }
}

/// `camelCase` → `snake_case`, the seed's spelling of our field names.
pub(super) fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for ch in name.chars() {
        if ch.is_ascii_uppercase() {
            out.push('_');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `{"status": 200, "message": message}`, with `ignored_fields` when keys
/// were ignored.
pub(super) fn done(message: &str, ignored: &[String]) -> Response {
    Json(dialects::with_ignored(
        json!({"status": 200, "message": message}),
        ignored,
    ))
    .into_response()
}

/// A seed 003 status id read from a body, or a problem naming `path`.
pub(super) fn status_of_id(
    id: &super::body::Int,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<crate::orders::workflow::OrderStatus> {
    let n = id.parse(path, errors)?;
    let status = crate::orders::workflow::OrderStatus::from_status_order_id(n);
    if status.is_none() {
        errors.push(FieldError::new(
            path,
            format!("{n} is not a status id; the ids are {}", status_order_ids()),
        ));
    }
    status
}

/// What every endpoint here reads first, in this order: the caller (401,
/// 403), the query string (none is known: 400), the order id (404), the body.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts, as the handlers receive them"
)]
pub(super) async fn begin<T: DeserializeOwned>(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    access: &Access,
    roles: &[Role],
    query: Option<&str>,
    raw_id: &str,
    bytes: &[u8],
) -> Result<(Principal, i64, Body<T>), Refused> {
    let principal = authorize(state, headers, peer, access, roles).await?;
    params(query, &[])?;
    let id = order_id(raw_id)?;
    let body = read_body::<T>(bytes)?;
    Ok((principal, id, body))
}

/// A service's error, its paths renamed by `rename`, as a 422 (bad input)
/// or the status its code has.
pub(super) fn service_failure(err: AppError, rename: impl Fn(&str) -> String) -> Response {
    failure(seed_paths(err, rename), StatusCode::UNPROCESSABLE_ENTITY)
}

/// Renames the exact paths of `table`; others get the seed's spelling of
/// their last segment.
pub(super) fn renamed<'a>(table: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> String + 'a {
    move |path| {
        table
            .iter()
            .find(|(from, _)| *from == path)
            .map(|(_, to)| (*to).to_owned())
            .unwrap_or_else(|| snake(path.rsplit('.').next().unwrap_or(path)))
    }
}

pub(super) fn required<T>(value: Option<T>, path: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if value.is_none() {
        errors.push(FieldError::new(path, "is required"));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_names_become_the_seeds() {
        assert_eq!(snake("integrationRef"), "integration_ref");
        assert_eq!(snake("status"), "status");
    }
}
