//! Seed 000 (the e-commerce hub) on top of the GraphQL services: `POST
//! /api/zapier/order` and `POST /api/v1/orders` upsert an order from the
//! seed's JSON field names, keyed by `platform` (any case) + `orderNumber`;
//! `GET /api/v1/orders?page=&limit=` lists them. API key (or JWT) in
//! `X-API-Key` or `Authorization: Bearer`; the seed's error shapes, errors
//! named by the seed's own field paths (`items.0.price`).

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{ORDER_WORKERS, Principal};
use crate::entities::order;
use crate::error::{AppError, FieldError};
use crate::http::access::Access;
use crate::http::{HttpState, rest};
use crate::lines::inputs::OrderLineInput;
use crate::money::Money;
use crate::orders::draft::Defaults;
use crate::orders::inputs::{OrderFilter, UpsertOrderInput};
use crate::orders::listing::{self, PageArgs};
use crate::orders::payment::PaymentStatus;
use crate::orders::workflow::OrderStatus;

fn unauthorized() -> Response {
    rest::error_body(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        "Invalid or expired API key",
    )
}

/// Invalid input in the seed's 422 shape.
fn failure(status: StatusCode, error: &str, fields: &[FieldError]) -> Response {
    let mut body = json!({ "error": error, "code": "BAD_USER_INPUT" });
    if !fields.is_empty() {
        body["errors"] = json!(fields);
    }
    rest::with_code((status, Json(body)).into_response(), "BAD_USER_INPUT")
}

fn from_app_error(err: AppError) -> Response {
    match err {
        AppError::Unauthenticated => unauthorized(),
        other => rest::app_error(other, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

async fn authorize(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    access: &Access,
) -> Result<Principal, Response> {
    super::principal(state, headers, peer, access, ORDER_WORKERS)
        .await
        .map_err(from_app_error)
}

/// A string or a number, as the seed sends amounts both ways.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
enum Amount {
    Text(String),
    Number(serde_json::Number),
}

impl Amount {
    fn parse(&self, path: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
        let text = match self {
            Amount::Text(s) => s.clone(),
            Amount::Number(n) => n.to_string(),
        };
        match text.parse::<Money>() {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new(
                    path,
                    format!("\"{text}\" is not an amount: {e}"),
                ));
                None
            }
        }
    }
}

#[derive(Deserialize, Debug)]
struct Item {
    name: Option<String>,
    quantity: Option<Amount>,
    price: Option<Amount>,
}

/// Seed 000's order body.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct SeedOrder {
    platform: Option<String>,
    order_number: Option<String>,
    order_status: Option<String>,
    customer_email: Option<String>,
    customer_name: Option<String>,
    items: Option<Vec<Item>>,
    total: Option<Amount>,
    currency: Option<String>,
    payment_status: Option<String>,
    payment_method: Option<String>,
    tracking_code: Option<String>,
    tracking_url: Option<String>,
}

fn required(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> String {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => v.to_owned(),
        None => {
            errors.push(FieldError::new(
                field,
                format!("The {field} field is required."),
            ));
            String::new()
        }
    }
}

fn to_input(body: SeedOrder) -> Result<UpsertOrderInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    // "shopify" and "Shopify" are one platform: one order per number.
    let source = required(&body.platform, "platform", &mut errors).to_lowercase();
    let external_id = required(&body.order_number, "orderNumber", &mut errors);
    let status_text = required(&body.order_status, "orderStatus", &mut errors);
    let status = if status_text.is_empty() {
        None
    } else {
        match status_text.parse::<OrderStatus>() {
            Ok(status) => Some(status),
            Err(_) => {
                errors.push(FieldError::new(
                    "orderStatus",
                    "must be one of processing, shipped, delivered, cancelled (or another order status)",
                ));
                None
            }
        }
    };
    let payment_status = match body.payment_status.as_deref() {
        None | Some("") => None,
        Some(text) => match PaymentStatus::parse(text) {
            Some(p) => Some(p),
            None => {
                errors.push(FieldError::new(
                    "paymentStatus",
                    "must be paid, pending, refunded or failed",
                ));
                None
            }
        },
    };
    let total = body
        .total
        .as_ref()
        .and_then(|t| t.parse("total", &mut errors));
    let lines = body.items.map(|items| {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| OrderLineInput {
                name: item.name.clone(),
                quantity: match &item.quantity {
                    Some(q) => q
                        .parse(&format!("items.{i}.quantity"), &mut errors)
                        .unwrap_or_default(),
                    None => Money::from(1),
                },
                // Every item field is optional in the seed: an item without a
                // price is free, and the order's `total` as given stands.
                price: Some(match &item.price {
                    Some(p) => p
                        .parse(&format!("items.{i}.price"), &mut errors)
                        .unwrap_or_default(),
                    None => Money::ZERO,
                }),
                ..Default::default()
            })
            .collect()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(UpsertOrderInput {
        source,
        external_id,
        status,
        customer_email: body.customer_email,
        customer_name: body.customer_name,
        currency: body.currency,
        lines,
        total,
        payment_status,
        payment_method: body.payment_method,
        tracking_code: body.tracking_code,
        tracking_url: body.tracking_url,
        ..Default::default()
    })
}

/// The seed's name for a field the upsert service reports by its GraphQL
/// name (`lines.0.price` is the seed's `items.0.price`).
fn seed_path(path: &str) -> String {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let head = match head {
        "lines" => "items",
        "source" => "platform",
        "externalId" => "orderNumber",
        "status" => "orderStatus",
        other => other,
    };
    if rest.is_empty() {
        head.to_owned()
    } else {
        format!("{head}.{rest}")
    }
}

fn seed_paths(err: AppError) -> AppError {
    match err {
        AppError::BadUserInput { fields, .. } => AppError::invalid(
            fields
                .into_iter()
                .map(|f| FieldError::new(seed_path(&f.path), f.message))
                .collect(),
        ),
        other => other,
    }
}

/// The seed's view of an order.
fn seed_json(order: &order::Model, lines: &[crate::entities::order_line::Model]) -> Value {
    json!({
        "id": order.id.to_string(),
        "number": order.number,
        "platform": order.source,
        "orderNumber": order.external_id,
        "orderStatus": order.status.as_str().to_ascii_lowercase(),
        "customerEmail": order.customer_email,
        "customerName": order.customer_name,
        "items": lines.iter().map(|l| json!({"name": l.name, "quantity": l.quantity, "price": l.price})).collect::<Vec<_>>(),
        "total": order.gross_total,
        "currency": order.currency,
        "paymentStatus": order.payment_status.map(|p| p.as_str().to_ascii_lowercase()),
        "paymentMethod": order.payment_method,
        "trackingCode": order.tracking_code,
        "trackingUrl": order.tracking_url,
        "createdAt": order.created_at.to_rfc3339(),
        "updatedAt": order.updated_at.to_rfc3339(),
    })
}

/// `POST /api/zapier/order` and `POST /api/v1/orders`: upsert by (platform,
/// orderNumber).
pub async fn upsert(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if let Err(err) = super::Params::parse(query.as_deref(), &[]) {
        return rest::app_error(err, StatusCode::BAD_REQUEST);
    }
    let body = match super::json_body::<SeedOrder>(&body) {
        Ok(body) => body,
        Err(err) => return from_app_error(err),
    };
    let input = match to_input(body.value) {
        Ok(input) => input,
        Err(fields) => return failure(StatusCode::UNPROCESSABLE_ENTITY, "Invalid order", &fields),
    };
    let defaults = Defaults::of(&state.app.config);
    let db = &state.app.db;
    let (order, created) = match crate::orders::upsert::upsert(
        db,
        defaults,
        &principal.subject,
        input,
        crate::orders::inputs::OnExisting::Update,
    )
    .await
    {
        Ok(result) => result,
        Err(err) => return from_app_error(seed_paths(err)),
    };
    let lines = match crate::orders::service::lines(db, order.id).await {
        Ok(lines) => lines,
        Err(err) => return from_app_error(err),
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(super::with_ignored(
            json!({"success": true, "created": created, "order": seed_json(&order, &lines)}),
            &body.ignored,
        )),
    )
        .into_response()
}

/// `GET /api/v1/orders?page=&limit=`: newest first, with seed 002's pagination
/// block. Any other parameter is refused with 400.
pub async fn list(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let policy = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal.policy(),
        Err(response) => return response,
    };
    let read = |params: &super::Params| -> Result<(i32, i32), AppError> {
        let number = |name| {
            params
                .number(name)?
                .map(i32::try_from)
                .transpose()
                .map_err(|_| AppError::invalid_field(name, "is too large"))
        };
        Ok((number("page")?.unwrap_or(1), number("limit")?.unwrap_or(20)))
    };
    let (page, limit) = match super::Params::parse(query.as_deref(), &["page", "limit"])
        .and_then(|params| read(&params))
    {
        Ok(values) => values,
        Err(err) => return rest::app_error(err, StatusCode::BAD_REQUEST),
    };
    let db = &state.app.db;
    let args = PageArgs {
        page: Some(page),
        per_page: Some(limit),
        ..Default::default()
    };
    let result = async {
        let condition = listing::condition(&OrderFilter::default())?.add(policy.orders());
        let listed = listing::list(db, condition.clone(), &[], args, Default::default()).await?;
        let total = if policy.sees_every_order() {
            crate::orders::count::all_orders(db).await?
        } else {
            listing::count(db, condition).await?
        };
        let ids: Vec<i64> = listed.rows.iter().map(|r| r.order.id).collect();
        let mut lines = crate::orders::service::lines_of_orders(db, &ids).await?;
        let orders: Vec<Value> = listed
            .rows
            .iter()
            .map(|r| seed_json(&r.order, &lines.remove(&r.order.id).unwrap_or_default()))
            .collect();
        Ok::<_, AppError>((orders, total))
    }
    .await;
    match result {
        Ok((orders, total)) => {
            let per_page = i64::from(limit.clamp(1, 100));
            Json(json!({
                "success": true,
                "data": orders,
                "pagination": {
                    "current_page": page,
                    "per_page": per_page,
                    "total": total,
                    "last_page": std::cmp::max(1, (total + per_page - 1) / per_page),
                }
            }))
            .into_response()
        }
        Err(err) => from_app_error(err),
    }
}
