//! Seed 001 (the fulfilment platform): `POST /api/fulfilment/orders` creates an
//! order from the seed's body, once per (source, external_id): an existing
//! order is reported ("Order already exists") and never overwritten. The
//! seed's field table is the import's (`imports::seeds`, one mapping for the
//! file import and this endpoint); its 422 is Laravel's, `{"message":
//! "Errors", "errors": {"<path>": ["The <path> field is required."]}}`.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::ORDER_WORKERS;
use crate::error::{AppError, FieldError};
use crate::http::access::Access;
use crate::http::{HttpState, rest};
use crate::imports::seeds::{self, Mode, Seed};
use crate::orders::draft::Defaults;
use crate::orders::inputs::{OnExisting, UpsertOrderInput};

/// The fields the seed requires (its table marks the rest optional), with
/// the address's two spellings: its table says `first_name`, its error
/// example `shipping_address.firstname`, which is the path reported.
const REQUIRED: &[(&str, &[&str])] = &[
    ("external_id", &["external_id"]),
    ("source", &["source"]),
    ("total", &["total"]),
    ("shipping_cost", &["shipping_cost"]),
    ("shipping_address", &["shipping_address"]),
    ("products", &["products"]),
];
const REQUIRED_ADDRESS: &[(&str, &[&str])] = &[
    ("firstname", &["first_name", "firstname"]),
    ("lastname", &["last_name", "lastname"]),
    ("address1", &["address1"]),
    ("postcode", &["postcode"]),
    ("city", &["city"]),
    ("country", &["country"]),
];
const REQUIRED_PRODUCT: &[(&str, &[&str])] = &[
    ("external_id", &["external_id"]),
    ("name", &["name"]),
    ("quantity", &["quantity"]),
    ("price", &["price"]),
];

/// How Laravel names a field in its messages: `external id`, `shipping
/// address.firstname`, but a path with a list index stays as it is
/// (`products.0.external_id`), as the seed's examples show.
fn display(path: &str) -> String {
    if path.split('.').any(|s| s.parse::<usize>().is_ok()) {
        path.to_owned()
    } else {
        path.replace('_', " ")
    }
}

/// Absent, null, blank text or an empty list: Laravel's `required` fails.
fn missing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

fn require(
    object: &Map<String, Value>,
    fields: &[(&str, &[&str])],
    prefix: &str,
    errors: &mut Vec<FieldError>,
) {
    for (reported, names) in fields {
        if names.iter().all(|n| missing(object.get(*n))) {
            let path = crate::validate::at(prefix, reported);
            let message = format!("The {} field is required.", display(&path));
            errors.push(FieldError::new(path, message));
        }
    }
}

/// The seed's required fields that `order` lacks.
fn required(order: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    require(order, REQUIRED, "", &mut errors);
    if let Some(Value::Object(address)) = order.get("shipping_address") {
        require(address, REQUIRED_ADDRESS, "shipping_address", &mut errors);
    }
    if let Some(Value::Array(products)) = order.get("products") {
        for (i, product) in products.iter().enumerate() {
            if let Value::Object(product) = product {
                require(
                    product,
                    REQUIRED_PRODUCT,
                    &format!("products.{i}"),
                    &mut errors,
                );
            }
        }
    }
    errors
}

/// A sentence for a problem found after the required check, at a seed path:
/// "The products.0.quantity must be more than 0."
fn sentence(path: &str, message: &str) -> String {
    let message = message.trim_end_matches('.');
    format!("The {} {message}.", display(path))
}

/// The seed's 422: every problem under its path, as a list of sentences.
fn unprocessable(errors: &[FieldError]) -> Response {
    let mut by_path: Map<String, Value> = Map::new();
    for error in errors {
        let entry = by_path
            .entry(error.path.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = entry {
            messages.push(Value::String(error.message.clone()));
        }
    }
    rest::with_code(
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Errors", "errors": by_path, "code": "BAD_USER_INPUT"})),
        )
            .into_response(),
        "BAD_USER_INPUT",
    )
}

/// Any other error in Laravel's shape (`{"message": ...}`) with its code.
fn failure(err: AppError) -> Response {
    if let AppError::BadUserInput { fields, .. } = &err
        && !fields.is_empty()
    {
        let fields: Vec<FieldError> = fields
            .iter()
            .map(|f| {
                let path = seeds::seed_path(Seed::CreateOrder, &f.path);
                let message = sentence(&path, &f.message);
                FieldError::new(path, message)
            })
            .collect();
        return unprocessable(&fields);
    }
    let status = rest::status_of(&err, StatusCode::UNPROCESSABLE_ENTITY);
    let message = match &err {
        // Laravel's own sentences for these.
        AppError::Unauthenticated => "Unauthenticated.".to_owned(),
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "seed 001 request failed");
            "Server Error".to_owned()
        }
        other => other.message(),
    };
    let mut response = rest::with_code(
        (
            status,
            Json(json!({"message": message, "code": err.code()})),
        )
            .into_response(),
        err.code(),
    );
    if let Some(seconds) = rest::retry_after(&err) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The mapper's "path: problem" as a field error with a sentence.
fn mapping_error(text: &str) -> FieldError {
    let (path, problem) = text.split_once(": ").unwrap_or(("body", text));
    FieldError::new(path, sentence(path, &format!("field: {problem}")))
}

/// Reads the seed's body into our upsert input; the members the seed does not
/// have, as dotted paths.
fn read(body: &[u8]) -> Result<(UpsertOrderInput, Vec<String>), Vec<FieldError>> {
    let json: Value = serde_json::from_slice(body).map_err(|err| {
        vec![FieldError::new(
            "body",
            format!("The body must be a JSON object: {err}."),
        )]
    })?;
    let Value::Object(order) = json else {
        return Err(vec![FieldError::new(
            "body",
            "The body must be a JSON object.",
        )]);
    };
    if let Some(path) = crate::validate::nul_path(&Value::Object(order.clone()), "") {
        let error = crate::validate::nul_path_error(path);
        let message = sentence(&error.path, &error.message);
        return Err(vec![FieldError::new(error.path, message)]);
    }
    let missing = required(&order);
    if !missing.is_empty() {
        return Err(missing);
    }
    let mapped = seeds::map_with(Seed::CreateOrder, &order, Mode::Request)
        .map_err(|errors| errors.iter().map(|e| mapping_error(e)).collect::<Vec<_>>())?;
    let input: UpsertOrderInput =
        serde_json::from_value(Value::Object(mapped.order)).map_err(|err| {
            vec![FieldError::new(
                "body",
                format!("The order cannot be read: {err}."),
            )]
        })?;
    Ok((input, mapped.ignored))
}

/// `POST /api/fulfilment/orders`.
pub async fn create(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let principal = match super::principal(&state, &headers, peer, &access, ORDER_WORKERS).await {
        Ok(principal) => principal,
        Err(err) => return failure(err),
    };
    if let Err(err) = super::Params::parse(query.as_deref(), &[]) {
        return rest::app_error(err, StatusCode::BAD_REQUEST);
    }
    let (input, ignored) = match read(&body) {
        Ok(read) => read,
        Err(errors) => return unprocessable(&errors),
    };
    let defaults = Defaults::of(&state.app.config);
    match crate::orders::upsert::upsert(
        &state.app.db,
        defaults,
        &principal.subject,
        input,
        OnExisting::Keep,
    )
    .await
    {
        Ok((order, created)) => {
            let message = if created {
                "Order created"
            } else {
                "Order already exists"
            };
            Json(super::with_ignored(
                json!({"message": message, "reference": order.id}),
                &ignored,
            ))
            .into_response()
        }
        Err(err) => failure(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_fields_as_the_seed_does() {
        let order = json!({"products": [{"name": "x"}], "shipping_address": {"first_name": "J"}});
        let errors = required(order.as_object().unwrap());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"The external id field is required."));
        assert!(messages.contains(&"The products.0.external_id field is required."));
        assert!(
            !messages.iter().any(|m| m.contains("firstname")),
            "first_name counts"
        );
        assert!(messages.contains(&"The shipping address.lastname field is required."));
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"shipping_address.postcode"));
    }

    #[test]
    fn blank_and_empty_count_as_missing() {
        let order = json!({"external_id": " ", "products": []});
        let errors = required(order.as_object().unwrap());
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"external_id"));
        assert!(paths.contains(&"products"));
    }
}
