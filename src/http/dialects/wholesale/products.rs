//! Seed 003's endpoints on an order's products ("order products", our
//! lines): `order_product_id` is the line's database id, and a line of
//! another order is NOT_FOUND. Changes are for staff and admins (as
//! `changeOrderLine` and its siblings); the note is for every role on the
//! orders it sees.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::body::{Amount, Flag, Int};
use super::reply::{
    Refused, authorize, begin, done, failure, invalid, order_id, params, renamed, required,
    service_failure,
};
use super::view::{self, Out};
use crate::auth::{ANY_ROLE, STAFF};
use crate::entities::order_line;
use crate::error::{AppError, FieldError};
use crate::http::HttpState;
use crate::http::access::Access;
use crate::ids::{NodeKind, global_id};
use crate::lines::inputs::{AddOrderLineInput, ChangeOrderLineInput, OrderLineInput};

#[derive(Deserialize, Debug)]
pub struct ProductBody {
    order_product_id: Option<Int>,
    product_id: Option<Int>,
    quantity: Option<Amount>,
    note: Option<String>,
    has_custom_price: Option<Flag>,
    price: Option<Amount>,
}

/// The price of a line edit: `has_custom_price: 1` with `price` overrides
/// the pricing rules (a `price` alone does too); `has_custom_price: 1`
/// without a price, or 0 with one, contradict themselves.
fn custom_price(body: &ProductBody, errors: &mut Vec<FieldError>) -> Option<crate::money::Money> {
    let custom = body
        .has_custom_price
        .as_ref()
        .and_then(|f| f.parse("has_custom_price", errors));
    let price = body.price.as_ref().and_then(|p| p.parse("price", errors));
    match (custom, &body.price) {
        (Some(true), None) => {
            errors.push(FieldError::new(
                "price",
                "is required with has_custom_price: 1",
            ));
            None
        }
        (Some(false), Some(_)) => {
            errors.push(FieldError::new(
                "has_custom_price",
                "is 0 but a price is given; send has_custom_price: 1 to override the price",
            ));
            None
        }
        _ => price,
    }
}

/// `{"order_product": {...}, "status": 200}`, with `ignored_fields` when keys
/// were ignored.
fn edited(line: &order_line::Model, ignored: &[String]) -> Response {
    let mut entries = vec![
        ("order_product", view::edited_product(line)),
        ("status", Out::Json(json!(200))),
    ];
    if !ignored.is_empty() {
        entries.push(("ignored_fields", Out::Json(json!(ignored))));
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        Out::object(entries).to_vec(),
    )
        .into_response()
}

const LINE_PATHS: &[(&str, &str)] = &[
    ("input.lineId", "order_product_id"),
    ("lineId", "order_product_id"),
    ("input.line.productId", "product_id"),
    ("input", "body"),
    ("orderId", "id"),
];

/// `PATCH /api/orders/{id}/change_product_quantity`: `order_product_id`,
/// `quantity`, `note`, and `has_custom_price: 1` with `price` to override the
/// pricing rules. Staff and admins.
pub async fn change_product_quantity(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<ProductBody>(
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
    let b = &body.value;
    let mut errors = Vec::new();
    let line_id = required(b.order_product_id.as_ref(), "order_product_id", &mut errors)
        .and_then(|id| id.parse("order_product_id", &mut errors));
    let quantity = b
        .quantity
        .as_ref()
        .and_then(|q| q.parse("quantity", &mut errors));
    let price = custom_price(b, &mut errors);
    if b.product_id.is_some() {
        errors.push(FieldError::new(
            "product_id",
            "cannot change: remove the order product and add the other product",
        ));
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    let input = ChangeOrderLineInput {
        line_id: global_id(NodeKind::OrderLine, line_id.unwrap_or_default()),
        quantity,
        price,
        note: b.note.clone(),
        expected_version: None,
    };
    match crate::lines::service::change(&state.app.db, &principal, id, input).await {
        Ok(line) => edited(&line, &body.ignored),
        Err(err) => service_failure(err, renamed(LINE_PATHS)),
    }
}

/// `PATCH /api/orders/{id}/add_product`: `product_id`, `quantity`, `note`,
/// and `has_custom_price: 1` with `price` to override the catalogue price.
/// Staff and admins.
pub async fn add_product(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<ProductBody>(
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
    let b = &body.value;
    let mut errors = Vec::new();
    let product_id = required(b.product_id.as_ref(), "product_id", &mut errors)
        .and_then(|id| id.parse("product_id", &mut errors));
    let quantity = required(b.quantity.as_ref(), "quantity", &mut errors)
        .and_then(|q| q.parse("quantity", &mut errors));
    let price = custom_price(b, &mut errors);
    if b.order_product_id.is_some() {
        errors.push(FieldError::new(
            "order_product_id",
            "adds a new order product: give product_id and quantity (change_product_quantity changes an existing one)",
        ));
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    let input = AddOrderLineInput {
        line: OrderLineInput {
            product_id: product_id.map(|id| global_id(NodeKind::Product, id)),
            quantity: quantity.unwrap_or_default(),
            price,
            note: b.note.clone(),
            ..Default::default()
        },
        expected_version: None,
    };
    match crate::lines::service::add(&state.app.db, &principal, id, input).await {
        Ok(line) => edited(&line, &body.ignored),
        Err(err) => service_failure(err, renamed(LINE_PATHS)),
    }
}

#[derive(Deserialize, Debug)]
pub struct RemoveBody {
    order_product_id: Option<Int>,
}

/// `PATCH /api/orders/{id}/remove_product`: `order_product_id`. The last
/// product of an order stays (cancel the order instead). Staff and admins.
pub async fn remove_product(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let begun = begin::<RemoveBody>(
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
    let line_id = required(
        body.value.order_product_id.as_ref(),
        "order_product_id",
        &mut errors,
    )
    .and_then(|id| id.parse("order_product_id", &mut errors));
    let Some(line_id) = line_id.filter(|_| errors.is_empty()) else {
        return invalid(errors);
    };
    match crate::lines::service::remove(&state.app.db, &principal, id, line_id, None).await {
        Ok(()) => done("The product was removed from the order", &body.ignored),
        Err(err) => service_failure(err, renamed(LINE_PATHS)),
    }
}

/// `GET /api/orders/{id}/order_product_note?order_product_id=`: the order
/// product and its note. Every role, on the orders it sees.
pub async fn order_product_note(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access, ANY_ROLE).await {
        Ok(principal) => principal,
        Err(refused) => return refused.into_response(),
    };
    let ids = params(query.as_deref(), &["order_product_id"]).and_then(|p| {
        let line_id = p
            .number("order_product_id")
            .and_then(|id| {
                id.ok_or_else(|| AppError::invalid_field("order_product_id", "is required"))
            })
            .map_err(Refused::bad_request)?;
        Ok((line_id, order_id(&raw_id)?))
    });
    let (line_id, id) = match ids {
        Ok(ids) => ids,
        Err(refused) => return refused.into_response(),
    };
    let policy = principal.policy();
    match crate::lines::service::line_of_order(&state.app.db, &policy, id, line_id).await {
        Ok(line) => axum::Json(json!({
            "order_product": view::order_product(&line, false),
            "note": line.note,
        }))
        .into_response(),
        Err(err) => failure(err, StatusCode::BAD_REQUEST),
    }
}
