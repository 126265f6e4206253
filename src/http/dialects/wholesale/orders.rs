//! Seed 003's endpoints on an existing order, `/api/orders/{id}/...` with the
//! order's database id: status, integration reference, tracking, admin
//! fields and messages. Each calls the service its GraphQL mutation calls,
//! with the same roles: status, tracking and integration reference for
//! admins, staff and integrations; admin fields for staff and admins;
//! messages for every role on the orders it sees.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::body::{Flag, Int, flag};
use super::reply::{begin, done, invalid, renamed, required, service_failure, status_of_id};
use crate::admin::inputs::AdminFieldInput;
use crate::auth::{ANY_ROLE, ORDER_WORKERS, STAFF};
use crate::error::FieldError;
use crate::http::HttpState;
use crate::http::access::Access;
use crate::orders::inputs::{OrderActionInput, OrderActionKind, TrackingInput};

#[derive(Deserialize, Debug)]
pub struct StatusBody {
    status_order_id: Option<Int>,
    notify: Option<Flag>,
}

/// `PATCH /api/orders/{id}/change_status`: `status_order_id`, `notify` (1
/// e-mails the customer). Under the workflow rules.
pub async fn change_status(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<StatusBody>(
        &state,
        &headers,
        peer,
        &access,
        ORDER_WORKERS,
        query.as_deref(),
        &raw_id,
        &bytes,
    )
    .await;
    let (principal, id, body) = match begun {
        Ok(begun) => begun,
        Err(refused) => return refused.into_response(),
    };
    let mut errors = Vec::new();
    let status = required(
        body.value.status_order_id.as_ref(),
        "status_order_id",
        &mut errors,
    )
    .and_then(|id| status_of_id(id, "status_order_id", &mut errors));
    let notify = flag(&body.value.notify, "notify", &mut errors);
    if !errors.is_empty() {
        return invalid(errors);
    }
    let input = OrderActionInput {
        action: OrderActionKind::UpdateStatus,
        status,
        note: None,
        notify: Some(notify),
        metadata: None,
        expected_version: None,
    };
    match crate::orders::actions::order_action(&state.app.db, &principal, id, input).await {
        Ok(_) => done("The order status is updated", &body.ignored),
        Err(err) => service_failure(err, renamed(&[("input.status", "status_order_id")])),
    }
}

#[derive(Deserialize, Debug)]
pub struct IntegrationRefBody {
    integration_ref: Option<String>,
}

/// `PATCH /api/orders/{id}/set_integration_ref`: `integration_ref` ("" clears
/// it).
pub async fn set_integration_ref(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<IntegrationRefBody>(
        &state,
        &headers,
        peer,
        &access,
        ORDER_WORKERS,
        query.as_deref(),
        &raw_id,
        &bytes,
    )
    .await;
    let (principal, id, body) = match begun {
        Ok(begun) => begun,
        Err(refused) => return refused.into_response(),
    };
    let Some(value) = body.value.integration_ref else {
        return invalid(vec![FieldError::new("integration_ref", "is required")]);
    };
    let db = &state.app.db;
    match crate::orders::actions::set_integration_ref(db, &principal, id, value, None).await {
        Ok(_) => done("The order integration ref is updated", &body.ignored),
        Err(err) => service_failure(err, renamed(&[("integrationRef", "integration_ref")])),
    }
}

#[derive(Deserialize, Debug)]
pub struct TrackingBody {
    shipping_tracking: Option<String>,
    shipping_option_id: Option<Int>,
    status_order_id: Option<Int>,
    comments_wholesaler: Option<String>,
    notify: Option<Flag>,
}

/// `PATCH /api/orders/{id}/set_shipping_tracking`: `shipping_tracking`, and
/// optionally `shipping_option_id` (kept as the order's shipping option),
/// `status_order_id` (under the workflow rules), `comments_wholesaler` (staff
/// notes: staff and admins only) and `notify`.
pub async fn set_shipping_tracking(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<TrackingBody>(
        &state,
        &headers,
        peer,
        &access,
        ORDER_WORKERS,
        query.as_deref(),
        &raw_id,
        &bytes,
    )
    .await;
    let (principal, id, body) = match begun {
        Ok(begun) => begun,
        Err(refused) => return refused.into_response(),
    };
    let b = body.value;
    let mut errors = Vec::new();
    let code = required(b.shipping_tracking, "shipping_tracking", &mut errors);
    let shipping_option = b
        .shipping_option_id
        .as_ref()
        .and_then(|id| id.parse("shipping_option_id", &mut errors))
        .map(|id| id.to_string());
    let status = b
        .status_order_id
        .as_ref()
        .and_then(|id| status_of_id(id, "status_order_id", &mut errors));
    let notify = flag(&b.notify, "notify", &mut errors);
    if !errors.is_empty() {
        return invalid(errors);
    }
    let input = TrackingInput {
        code: code.unwrap_or_default(),
        url: None,
        shipping_option,
        status,
        staff_notes: b.comments_wholesaler,
        notify: Some(notify),
        expected_version: None,
    };
    match crate::orders::actions::set_tracking(&state.app.db, &principal, id, input).await {
        Ok(_) => done("The tracking nunmber was updated", &body.ignored),
        Err(err) => service_failure(
            err,
            renamed(&[
                ("input.code", "shipping_tracking"),
                ("input.shippingOption", "shipping_option_id"),
                ("input.staffNotes", "comments_wholesaler"),
            ]),
        ),
    }
}

/// `POST /api/orders/{id}/set_admin_fields`: an object of field name →
/// value; a null value removes the field, other fields stay. Numbers and
/// switches are kept as their text. Staff and admins.
pub async fn set_admin_fields(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<Map<String, Value>>(
        &state,
        &headers,
        peer,
        &access,
        STAFF,
        query.as_deref(),
        &raw_id,
        &bytes,
    )
    .await;
    let (principal, id, body) = match begun {
        Ok(begun) => begun,
        Err(refused) => return refused.into_response(),
    };
    let mut errors = Vec::new();
    let mut names = Vec::new();
    let fields: Vec<AdminFieldInput> = body
        .value
        .into_iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::Null => None,
                Value::String(text) => Some(text),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    errors.push(FieldError::new(
                        name.clone(),
                        "must be a text, a number or null (null removes the field)",
                    ));
                    return None;
                }
            };
            names.push(name.clone());
            Some(AdminFieldInput { name, value })
        })
        .collect();
    if !errors.is_empty() {
        return invalid(errors);
    }
    let db = &state.app.db;
    match crate::admin::service::set(db, &principal, id, fields, None).await {
        Ok(_) => done("Order admin fields updated", &[]),
        // `fields.3.value` is the fourth key of the body.
        Err(err) => service_failure(err, |path| {
            path.split('.')
                .nth(1)
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| names.get(i).cloned())
                .unwrap_or_else(|| path.to_owned())
        }),
    }
}

#[derive(Deserialize, Debug)]
pub struct MessageBody {
    from_user: Option<String>,
    message_text: Option<String>,
    notify: Option<Flag>,
}

/// `POST /api/orders/{id}/add_message`: `from_user`, `message_text`, `notify`
/// (true e-mails the customer). Every role, on the orders it sees.
pub async fn add_message(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<MessageBody>(
        &state,
        &headers,
        peer,
        &access,
        ANY_ROLE,
        query.as_deref(),
        &raw_id,
        &bytes,
    )
    .await;
    let (principal, id, body) = match begun {
        Ok(begun) => begun,
        Err(refused) => return refused.into_response(),
    };
    let b = body.value;
    let mut errors = Vec::new();
    let notify = flag(&b.notify, "notify", &mut errors);
    if !errors.is_empty() {
        return invalid(errors);
    }
    let db = &state.app.db;
    let (from_user, text) = (
        b.from_user.unwrap_or_default(),
        b.message_text.unwrap_or_default(),
    );
    match crate::messages::service::add(db, &principal, id, from_user, text, notify).await {
        Ok(_) => done("Message added to order", &body.ignored),
        Err(err) => service_failure(
            err,
            renamed(&[("fromUser", "from_user"), ("text", "message_text")]),
        ),
    }
}
