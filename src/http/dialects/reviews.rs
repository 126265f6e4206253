//! Seed 004 (the review-request service's bulk order import): `POST
//! /api/reviews/orders` takes the seed's form post (`api_key` and `orders`, a
//! JSON-encoded array) as multipart/form-data or urlencoded, maps each order
//! through seed 004's field table (`imports::seeds`) and imports them with
//! `importOrders`' service, the API key's name as their source. The answer is
//! the seed's `{"success", "orders_count", "orders_imported", "message"}`.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::{ORDER_WORKERS, Principal};
use crate::error::{AppError, FieldError};
use crate::http::access::Access;
use crate::http::{HttpState, rest};
use crate::imports::seeds::{self, Mode, Seed, kind_of};
use crate::orders::draft::Defaults;
use crate::orders::import::{self, ImportOutcome, ImportResultStatus, MAX_IMPORT};
use crate::orders::inputs::{ImportOrdersInput, UpsertOrderInput};

/// The seed's message for orders it had already received, verbatim.
pub const ALREADY_SENT: &str =
    "Some orders were not imported because they had already been sent (see documentation)";
/// Ours, in the seed's manner, for orders that could not be imported.
pub const INVALID: &str = "Some orders were not imported because they are invalid (see errors)";
const UNAUTHENTICATED: &str = "Missing or invalid API key: send it as the api_key form field, in \
     X-API-Key or as Authorization: Bearer";

/// A refusal of the whole request in the seed's shape, with `code` (and
/// `fields` for the form fields or parameters at fault).
fn refusal(
    status: StatusCode,
    code: &'static str,
    message: &str,
    fields: &[FieldError],
    orders_count: usize,
) -> Response {
    let mut body = json!({
        "success": 0,
        "orders_count": orders_count,
        "orders_imported": 0,
        "message": message,
        "code": code,
    });
    if !fields.is_empty() {
        body["fields"] = json!(fields);
    }
    rest::with_code((status, Json(body)).into_response(), code)
}

/// The answer to an error that stops the whole request: 400 for bad input,
/// 401, 403, 429 and 503 (with `Retry-After`) as for every REST endpoint.
fn failure(err: AppError, orders_count: usize) -> Response {
    let status = rest::status_of(&err, StatusCode::BAD_REQUEST);
    if let AppError::Internal(cause) = &err {
        tracing::error!(error = %cause, "seed 004 import failed");
    }
    let message = match &err {
        AppError::Unauthenticated => UNAUTHENTICATED.to_owned(),
        other => other.message(),
    };
    let fields = match &err {
        AppError::BadUserInput { fields, .. } => fields.as_slice(),
        _ => &[],
    };
    let mut response = refusal(status, err.code(), &message, fields, orders_count);
    if let Some(seconds) = rest::retry_after(&err) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The endpoint takes no query parameters; `api_key` in the URL is refused
/// with a reason, since URLs end up in proxies' and servers' logs.
fn check_query(raw: Option<&str>) -> Result<(), AppError> {
    let params = super::Params::parse(raw, &["api_key"])?;
    if params.pairs().iter().any(|(key, _)| key == "api_key") {
        return Err(AppError::invalid_field(
            "api_key",
            "is not read from the URL (URLs are logged): send it as a form field, in \
             X-API-Key or as Authorization: Bearer",
        ));
    }
    Ok(())
}

/// The form's fields, as sent.
#[derive(Debug, Default)]
struct Form {
    api_key: Option<String>,
    orders: Option<String>,
    /// Form fields the seed does not have, listed back.
    ignored: Vec<String>,
}

impl Form {
    fn set(&mut self, name: String, value: String) -> Result<(), AppError> {
        let slot = match name.as_str() {
            "api_key" => &mut self.api_key,
            "orders" => &mut self.orders,
            _ => {
                if !self.ignored.contains(&name) {
                    self.ignored.push(name);
                }
                return Ok(());
            }
        };
        if slot.is_some() {
            return Err(AppError::invalid_field(name, "is given more than once"));
        }
        *slot = Some(value);
        Ok(())
    }
}

/// Reads the body as multipart/form-data (what PHP's cURL sends for an
/// array) or urlencoded; anything else is 415.
async fn read_form(headers: &HeaderMap, request: Request) -> Result<Form, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let bad_form = |status: StatusCode, message: String| {
        refusal(
            status,
            "BAD_USER_INPUT",
            &format!("body: {message}"),
            &[FieldError::new("body", message.clone())],
            0,
        )
    };
    let mut form = Form::default();
    match essence.as_str() {
        "multipart/form-data" => {
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|r| bad_form(r.status(), r.body_text()))?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(err) => return Err(bad_form(err.status(), err.body_text())),
                };
                let name = field.name().unwrap_or_default().to_owned();
                let value = field
                    .text()
                    .await
                    .map_err(|err| bad_form(err.status(), err.body_text()))?;
                form.set(name, value).map_err(|err| failure(err, 0))?;
            }
        }
        "application/x-www-form-urlencoded" => {
            let bytes = Bytes::from_request(request, &())
                .await
                .map_err(|r| bad_form(r.status(), r.body_text()))?;
            for (name, value) in form_urlencoded::parse(&bytes).into_owned() {
                form.set(name, value).map_err(|err| failure(err, 0))?;
            }
        }
        _ => {
            let got = if content_type.is_empty() {
                "none".to_owned()
            } else {
                format!("\"{content_type}\"")
            };
            return Err(bad_form(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "send a form: multipart/form-data or application/x-www-form-urlencoded \
                     (Content-Type {got})"
                ),
            ));
        }
    }
    Ok(form)
}

async fn authorize(
    state: &HttpState,
    headers: &HeaderMap,
    form_key: Option<&str>,
    peer: SocketAddr,
    access: &Access,
) -> Result<Principal, AppError> {
    let caller = state
        .app
        .auth
        .from_headers_or_form_key(headers, form_key, peer.ip())
        .await;
    access.caller(&caller);
    let principal = caller.principal()?.clone();
    principal.require(ORDER_WORKERS)?;
    Ok(principal)
}

/// The `orders` field: a JSON array of at most [`MAX_IMPORT`] orders.
fn orders_of(field: Option<&str>) -> Result<Vec<Value>, AppError> {
    let text = field
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::invalid_field("orders", "is required: a JSON-encoded array of orders")
        })?;
    let orders = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(orders)) => orders,
        Ok(other) => {
            return Err(AppError::invalid_field(
                "orders",
                format!("must be a JSON array of orders, not {}", kind_of(&other)),
            ));
        }
        Err(err) => {
            return Err(AppError::invalid_field(
                "orders",
                format!("is not JSON: {err}"),
            ));
        }
    };
    if orders.len() > MAX_IMPORT {
        return Err(AppError::invalid_field(
            "orders",
            format!(
                "a call holds at most {MAX_IMPORT} orders; this one has {}",
                orders.len()
            ),
        ));
    }
    Ok(orders)
}

/// An order that never reached the service.
struct Refused {
    index: usize,
    id_order: Option<String>,
    errors: Vec<String>,
}

/// The orders split into service inputs and those refused already, with the
/// keys that were ignored.
#[derive(Default)]
struct Prepared {
    inputs: Vec<UpsertOrderInput>,
    /// Per input: its position in the call and its external id.
    positions: Vec<(usize, String)>,
    refused: Vec<Refused>,
    ignored: Vec<String>,
}

/// The order's `id_order` as written, whatever else is wrong with it.
fn id_order_of(order: &Value) -> Option<String> {
    match order.get("id_order")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn prepare(orders: Vec<Value>, source: &str) -> Prepared {
    let mut prepared = Prepared::default();
    for (index, order) in orders.into_iter().enumerate() {
        let id_order = id_order_of(&order);
        match input_of(order, source, index, &mut prepared.ignored) {
            Ok(input) => {
                prepared.positions.push((index, input.external_id.clone()));
                prepared.inputs.push(input);
            }
            Err(errors) => prepared.refused.push(Refused {
                index,
                id_order,
                errors,
            }),
        }
    }
    prepared
}

/// One seed 004 order as an import input; its errors in the seed's names.
fn input_of(
    order: Value,
    source: &str,
    index: usize,
    ignored: &mut Vec<String>,
) -> Result<UpsertOrderInput, Vec<String>> {
    // PostgreSQL cannot store NUL in text: refused as by every entry point.
    if let Some(path) = crate::validate::nul_path(&order, "") {
        let error = crate::validate::nul_path_error(path);
        return Err(vec![format!("{}: {}", error.path, error.message)]);
    }
    let Value::Object(mut order) = order else {
        return Err(vec![format!(
            "an order is a JSON object, not {}",
            kind_of(&order)
        )]);
    };
    // The source is the API key's, never the order's: a `source` key is not
    // seed 004's and is ignored like any other.
    if order.shift_remove("source").is_some() {
        ignored.push(format!("orders.{index}.source"));
    }
    let mapped = seeds::map_with(Seed::ImportOrder, &order, Mode::Request)?;
    ignored.extend(
        mapped
            .ignored
            .into_iter()
            .map(|path| format!("orders.{index}.{path}")),
    );
    let mut ours: Map<String, Value> = mapped.order;
    ours.insert("source".into(), Value::String(source.to_owned()));
    match super::from_json::<UpsertOrderInput>(Value::Object(ours)) {
        Ok(body) => Ok(body.value),
        Err(AppError::BadUserInput { fields, .. }) => Err(fields
            .into_iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    seeds::seed_path(Seed::ImportOrder, &f.path),
                    f.message
                )
            })
            .collect()),
        Err(other) => Err(vec![other.message()]),
    }
}

/// `orders.3.lines.0.name: ...` from the service (3 being the position in
/// its input) as `products.0.name: ...`.
fn seed_error(error: &str, position: usize) -> String {
    let error = error
        .strip_prefix(&format!("orders.{position}."))
        .unwrap_or(error);
    match error.split_once(": ") {
        Some((path, message)) => {
            format!("{}: {message}", seeds::seed_path(Seed::ImportOrder, path))
        }
        None => error.to_owned(),
    }
}

/// The seed's answer for `count` orders: the service's outcomes (one per
/// input, in `positions`' order) and the orders refused before it.
fn answer(
    count: usize,
    positions: &[(usize, String)],
    refused: Vec<Refused>,
    ignored: &[String],
    outcomes: Vec<ImportOutcome>,
) -> Value {
    let mut imported = 0;
    let mut duplicates = 0;
    let mut invalid: Vec<(usize, Value)> = refused
        .into_iter()
        .map(|r| {
            (
                r.index,
                json!({"index": r.index, "id_order": r.id_order, "errors": r.errors}),
            )
        })
        .collect();
    for (position, ((index, external_id), outcome)) in positions.iter().zip(outcomes).enumerate() {
        match outcome.status {
            ImportResultStatus::Imported => imported += 1,
            ImportResultStatus::Duplicate => duplicates += 1,
            ImportResultStatus::Invalid => {
                let errors: Vec<String> = outcome
                    .errors
                    .iter()
                    .map(|e| seed_error(e, position))
                    .collect();
                invalid.push((
                    *index,
                    json!({"index": index, "id_order": external_id, "errors": errors}),
                ));
            }
        }
    }
    invalid.sort_by_key(|(index, _)| *index);
    let mut sentences = Vec::new();
    if count == 0 {
        sentences.push("No orders were sent: orders is an empty array");
    }
    if duplicates > 0 {
        sentences.push(ALREADY_SENT);
    }
    if !invalid.is_empty() {
        sentences.push(INVALID);
    }
    let message = if sentences.is_empty() {
        Value::Null
    } else {
        Value::String(sentences.join(". "))
    };
    let mut body = json!({
        "success": i32::from(imported > 0),
        "orders_count": count,
        "orders_imported": imported,
        "message": message,
    });
    if !invalid.is_empty() {
        body["errors"] = Value::Array(invalid.into_iter().map(|(_, e)| e).collect());
    }
    super::with_ignored(body, ignored)
}

/// `POST /api/reviews/orders`: the seed's form post.
pub async fn import(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if let Err(err) = check_query(query.as_deref()) {
        return failure(err, 0);
    }
    let form = match read_form(&headers, request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let principal = match authorize(&state, &headers, form.api_key.as_deref(), peer, &access).await
    {
        Ok(principal) => principal,
        Err(err) => return failure(err, 0),
    };
    let orders = match orders_of(form.orders.as_deref()) {
        Ok(orders) => orders,
        Err(err) => return failure(err, 0),
    };
    let count = orders.len();
    let source = principal.source_name().to_owned();
    let Prepared {
        inputs,
        positions,
        refused,
        ignored: order_keys,
    } = prepare(orders, &source);
    // Form fields first, then the orders' keys, in the order they came.
    let mut ignored = form.ignored;
    ignored.extend(order_keys);
    let outcomes = if inputs.is_empty() {
        // Nothing for the service: no write transaction for nothing.
        Vec::new()
    } else {
        let input = ImportOrdersInput {
            source,
            orders: inputs,
        };
        let defaults = Defaults::of(&state.app.config);
        match import::import(&state.app.db, defaults, &principal.subject, input).await {
            Ok(outcomes) => outcomes,
            Err(err) => return failure(err, count),
        }
    };
    Json(answer(count, &positions, refused, &ignored, outcomes)).into_response()
}
