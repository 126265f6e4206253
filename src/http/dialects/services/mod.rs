//! Seed 002 (the service-business orders API) on top of the GraphQL services:
//! `POST /api/orders/place`, `GET /api/orders/{id}`, `POST
//! /api/orders/{id}/action`, `GET /api/orders/stats` (and `/stats/overview`),
//! `GET /api/orders/meta/statuses` (and `/statuses/available`) and `GET
//! /api/orders/list`, in the seed's `{"success", "message", "data"}`
//! envelopes. Errors: `{"success": false, "message", "code", "errors":
//! {"<seed path>": ["<sentence>", ...]}}` everywhere. The seed's Userhub
//! `customer_id` is our customer's external id.

mod answer;
mod body;
mod query;

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use self::answer::{Envelope, ListAnswer, OrderData, OrderView, Pagination, StatsData, Summary};
use self::body::{ActionBody, PlaceBody, seed_path};
use super::Params;
use crate::auth::{ANY_ROLE, Principal};
use crate::db::Db;
use crate::entities::order;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::access::Access;
use crate::http::{HttpState, rest};
use crate::orders::draft::Defaults;
use crate::orders::inputs::{OrderActionKind, StatsFilter};
use crate::orders::listing::{self, PageArgs};
use crate::orders::{actions, create, service, stats};

/// A field problem as a sentence: the seed's own sentences stay as they
/// are, a service's ("must not be negative") get their path in front.
fn sentence(field: &FieldError) -> String {
    if field.message.starts_with("The ") {
        field.message.clone()
    } else {
        format!("{}: {}", field.path, field.message)
    }
}

/// The answer to `err` in the seed's error envelope; invalid input gets
/// `bad_input` (400 for query strings, 422 for bodies).
fn failure(err: AppError, bad_input: StatusCode) -> Response {
    let status = rest::status_of(&err, bad_input);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %cause, "seed 002 request failed");
    }
    let mut errors = Map::new();
    let mut extra = None;
    let message = match &err {
        AppError::BadUserInput { fields, .. } if !fields.is_empty() => {
            for field in fields {
                let list = errors
                    .entry(field.path.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(Value::String(sentence(field)));
                }
            }
            match fields.len() {
                1 => sentence(&fields[0]),
                n => format!("{} (and {} more errors)", sentence(&fields[0]), n - 1),
            }
        }
        AppError::InvalidTransition { from, to, allowed } => {
            let names: Vec<String> = allowed.iter().map(|s| answer::status_name(*s)).collect();
            let message = format!(
                "An order cannot move from {} to {}; allowed next statuses: {}",
                answer::status_name(*from),
                answer::status_name(*to),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            );
            errors.insert("status".into(), json!([message]));
            extra = Some(json!(names));
            message
        }
        other => other.message(),
    };
    let mut body = json!({
        "success": false,
        "message": message,
        "code": err.code(),
        "errors": errors,
    });
    if let Some(allowed) = extra {
        body["allowed_statuses"] = allowed;
    }
    let mut response = rest::with_code((status, Json(body)).into_response(), err.code());
    if let Some(seconds) = rest::retry_after(&err) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `err` with its field paths in the seed's names.
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

/// A service error from a body's request: invalid input is 422, a body that
/// is not JSON at all 400.
fn body_failure(err: AppError) -> Response {
    let not_json = matches!(&err, AppError::BadUserInput { fields, .. }
        if fields.first().is_some_and(|f| f.path == "body"));
    failure(
        seed_paths(err),
        if not_json {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
    )
}

async fn authorize(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    access: &Access,
) -> Result<Principal, Response> {
    super::principal(state, headers, peer, access, ANY_ROLE)
        .await
        .map_err(|err| failure(err, StatusCode::BAD_REQUEST))
}

/// The database id in a path; anything else names no order.
fn order_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| AppError::NotFound(format!("No order with id {raw}")))
}

/// The seed's view of `order`: its lines, billing address and customer.
async fn order_data(db: &Db, order: &order::Model) -> AppResult<OrderData> {
    let lines = service::lines(db, order.id).await?;
    let billing = match order.billing_address_id {
        Some(id) => crate::customers::service::address(db, id).await?,
        None => None,
    };
    let customer = match order.customer_id {
        Some(id) => crate::customers::service::get(db, id).await?,
        None => None,
    };
    OrderData::of(&OrderView {
        order,
        lines: &lines,
        billing: billing.as_ref(),
        customer_external_id: customer.as_ref().and_then(|c| c.external_id.as_deref()),
    })
}

/// `POST /api/orders/place`: "Order placed successfully", 201.
pub async fn place(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if let Err(err) = Params::parse(query.as_deref(), &[]) {
        return failure(err, StatusCode::BAD_REQUEST);
    }
    let body = match super::json_body::<PlaceBody>(&bytes) {
        Ok(body) => body,
        Err(err) => return body_failure(err),
    };
    let mut input = match body.value.into_input() {
        Ok(input) => input,
        Err(fields) => return body_failure(AppError::invalid(fields)),
    };
    if let Err(err) = create::bind_to_customer(&principal, &mut input, seed_path) {
        return failure(err, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let db = &state.app.db;
    let defaults = Defaults::of(&state.app.config);
    let placed = async {
        let order = create::place(db, defaults, &principal.subject, input).await?;
        order_data(db, &order).await
    }
    .await;
    match placed {
        Ok(data) => (
            StatusCode::CREATED,
            Json(Envelope::said(
                "Order placed successfully",
                data,
                body.ignored,
            )),
        )
            .into_response(),
        Err(err) => body_failure(err),
    }
}

/// `GET /api/orders/{id}`: the order by database id; another customer's
/// order is 404, exactly like a missing one.
pub async fn show(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> Response {
    let policy = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal.policy(),
        Err(response) => return response,
    };
    let db = &state.app.db;
    let found = async {
        Params::parse(query.as_deref(), &[])?;
        let id = order_id(&id)?;
        let order = service::get(db, id)
            .await?
            .filter(|o| policy.sees_order(o))
            .ok_or_else(|| AppError::NotFound(format!("No order with id {id}")))?;
        order_data(db, &order).await
    }
    .await;
    match found {
        Ok(data) => Json(Envelope::data(data)).into_response(),
        Err(err) => failure(err, StatusCode::BAD_REQUEST),
    }
}

/// `POST /api/orders/{id}/action`: update_status, cancel, complete or
/// update_metadata, through `orderAction`'s service (the workflow decides).
pub async fn action(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if let Err(err) = Params::parse(query.as_deref(), &[]) {
        return failure(err, StatusCode::BAD_REQUEST);
    }
    let id = match order_id(&id) {
        Ok(id) => id,
        Err(err) => return failure(err, StatusCode::BAD_REQUEST),
    };
    let body = match super::json_body::<ActionBody>(&bytes) {
        Ok(body) => body,
        Err(err) => return body_failure(err),
    };
    let (input, unused) = match body.value.into_input() {
        Ok(input) => input,
        Err(fields) => return body_failure(AppError::invalid(fields)),
    };
    let message = match input.action {
        OrderActionKind::UpdateStatus => "Order status updated successfully",
        OrderActionKind::Cancel => "Order cancelled successfully",
        OrderActionKind::Complete => "Order completed successfully",
        OrderActionKind::UpdateMetadata => "Order metadata updated successfully",
    };
    let db = &state.app.db;
    let done = async {
        let order = actions::order_action(db, &principal, id, input).await?;
        order_data(db, &order).await
    }
    .await;
    let mut ignored = body.ignored;
    ignored.extend(unused);
    match done {
        Ok(data) => Json(Envelope::said(message, data, ignored)).into_response(),
        Err(err) => body_failure(err),
    }
}

/// `GET /api/orders/stats` and `/stats/overview`: counts and revenue over
/// the orders the caller may see, by `customer_id`, `date_from`, `date_to`.
pub async fn stats(
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
    let db = &state.app.db;
    let currency = &state.app.config.default_currency;
    let computed = async {
        let params = Params::parse(query.as_deref(), query::STATS_PARAMETERS)?;
        let filter = StatsFilter {
            customer_external_id: params.one("customer_id")?.map(str::to_owned),
            date_from: query::date(&params, "date_from")?,
            date_to: query::date(&params, "date_to")?,
            ..Default::default()
        };
        let stats = stats::stats(db, filter, policy.orders()).await?;
        StatsData::of(&stats, currency)
    }
    .await;
    match computed {
        Ok(data) => Json(Envelope::data(data)).into_response(),
        Err(err) => failure(seed_paths(err), StatusCode::BAD_REQUEST),
    }
}

/// `GET /api/orders/meta/statuses` and `/statuses/available`: the seed's
/// eight statuses, open to everyone (as GraphQL's `orderStatuses`).
pub async fn statuses(RawQuery(query): RawQuery) -> Response {
    if let Err(err) = Params::parse(query.as_deref(), &[]) {
        return failure(err, StatusCode::BAD_REQUEST);
    }
    let names: Vec<String> = answer::SEED_STATUSES
        .into_iter()
        .map(answer::status_name)
        .collect();
    Json(Envelope::data(names)).into_response()
}

/// `GET /api/orders/list`: the seed's filters, newest first unless asked,
/// 15 a page (at most 100), with the seed's pagination block.
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
    let db = &state.app.db;
    let listed = async {
        let asked = query::list_query(query.as_deref())?;
        let condition = listing::condition(&asked.filter)?.add(policy.orders());
        let args = PageArgs {
            page: i32::try_from(asked.page).ok(),
            per_page: i32::try_from(asked.per_page).ok(),
            ..Default::default()
        };
        let page = listing::list(
            db,
            condition.clone(),
            &[asked.order_by],
            args,
            Default::default(),
        )
        .await?;
        let total = listing::count(db, condition).await?;
        let customers = crate::customers::service::get_many(
            db,
            page.rows.iter().filter_map(|r| r.order.customer_id),
        )
        .await?;
        let data = page
            .rows
            .iter()
            .map(|r| {
                let external = r
                    .order
                    .customer_id
                    .and_then(|id| customers.get(&id))
                    .and_then(|c| c.external_id.as_deref());
                Summary::of(&r.order, external)
            })
            .collect();
        let per_page = i64::try_from(asked.per_page).unwrap_or(i64::MAX);
        Ok::<_, AppError>(ListAnswer {
            success: true,
            data,
            pagination: Pagination {
                current_page: asked.page,
                per_page: asked.per_page,
                total,
                last_page: std::cmp::max(1, (total + per_page - 1) / per_page),
            },
        })
    }
    .await;
    match listed {
        Ok(answer) => Json(answer).into_response(),
        Err(err) => failure(seed_paths(err), StatusCode::BAD_REQUEST),
    }
}
