//! Seed 000's REST API on top of the GraphQL services: `POST /api/zapier/order`
//! and `POST /api/v1/orders` upsert an order from the seed's JSON field names;
//! `GET /api/v1/orders?page=&limit=` lists them. API key (or JWT) in
//! `X-API-Key` or `Authorization: Bearer`; the seed's error shapes.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::access::Access;
use super::{HttpState, rest};
use crate::auth::{Caller, ORDER_WORKERS, Principal};
use crate::entities::order;
use crate::error::{AppError, FieldError};
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
    let caller = state.app.auth.from_headers(headers, peer.ip()).await;
    access.caller(&caller);
    match caller {
        Caller::Authenticated(principal) => {
            principal.require(ORDER_WORKERS).map_err(from_app_error)?;
            Ok(principal)
        }
        Caller::Anonymous | Caller::Rejected => Err(unauthorized()),
        Caller::Failed(err) => Err(from_app_error(err)),
    }
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
    let source = required(&body.platform, "platform", &mut errors);
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
                price: item
                    .price
                    .as_ref()
                    .and_then(|p| p.parse(&format!("items.{i}.price"), &mut errors)),
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
    body: Bytes,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    let seed: SeedOrder = match serde_json::from_slice::<Value>(&body).and_then(|json| {
        if let Some(path) = crate::validate::nul_path(&json, "") {
            return Ok(Err(path));
        }
        serde_json::from_value(json).map(Ok)
    }) {
        Ok(Ok(seed)) => seed,
        Ok(Err(path)) => {
            let field = crate::validate::nul_path_error(path);
            return failure(StatusCode::UNPROCESSABLE_ENTITY, "Invalid order", &[field]);
        }
        Err(err) => {
            let field = FieldError::new("body", format!("not a JSON order: {err}"));
            return failure(StatusCode::UNPROCESSABLE_ENTITY, "Invalid order", &[field]);
        }
    };
    let input = match to_input(seed) {
        Ok(input) => input,
        Err(fields) => return failure(StatusCode::UNPROCESSABLE_ENTITY, "Invalid order", &fields),
    };
    let defaults = Defaults {
        currency: &state.app.config.default_currency,
    };
    let db = &state.app.db;
    let (order, created) =
        match crate::orders::upsert::upsert(db, defaults, &principal.subject, input).await {
            Ok(result) => result,
            Err(err) => return from_app_error(err),
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
        Json(json!({"success": true, "created": created, "order": seed_json(&order, &lines)})),
    )
        .into_response()
}

/// `GET /api/v1/orders` query parameters.
#[derive(Deserialize)]
pub struct ListParams {
    page: Option<i32>,
    limit: Option<i32>,
}

/// `GET /api/v1/orders?page=&limit=`: newest first, with seed 002's pagination
/// block.
pub async fn list(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Response {
    let policy = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal.policy(),
        Err(response) => return response,
    };
    let db = &state.app.db;
    let page = params.page.unwrap_or(1);
    let limit = params.limit.unwrap_or(20);
    let args = PageArgs {
        page: Some(page),
        per_page: Some(limit),
        ..Default::default()
    };
    let result = async {
        let condition = listing::condition(&OrderFilter::default())?.add(policy.orders());
        let listed = listing::list(db, condition.clone(), &[], args).await?;
        let total = listing::count(db, condition).await?;
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
