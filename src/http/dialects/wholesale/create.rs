//! `POST /api/orders` (seed 003 "Create Order"): the seed's body becomes a
//! `placeOrder` input, placed by the same service; the answer is the seed's
//! `{"order": {...}, "order_products": [...]}`. A customer (HTTP Basic, or a
//! customer JWT) orders for itself: `customer_id`/`customer_email` are taken
//! from its credentials, whatever the body says. Staff and integrations
//! name the customer by `customer_id` or `customer_email`.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::body::{Amount, Int};
use super::reply::{authorize, failure, invalid, params, read_body, seed_paths, snake};
use super::view;
use crate::auth::ANY_ROLE;
use crate::customers::inputs::AddressInput;
use crate::error::{AppError, FieldError};
use crate::http::HttpState;
use crate::http::access::Access;
use crate::ids::{NodeKind, global_id};
use crate::lines::inputs::OrderLineInput;
use crate::money::Money;
use crate::orders::draft::Defaults;
use crate::orders::inputs::PlaceOrderInput;

/// The seed's addressbook fields (and `city`, which its answers show).
#[derive(Deserialize, Debug, Default)]
struct AddressBody {
    name: Option<String>,
    address: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    comments: Option<String>,
}

#[derive(Deserialize, Debug)]
struct ProductBody {
    product_id: Option<Int>,
    product_code: Option<String>,
    quantity: Option<Amount>,
    addressbook_id: Option<Int>,
    addressbook: Option<AddressBody>,
}

#[derive(Deserialize, Debug)]
struct CreateBody {
    customer_id: Option<Int>,
    customer_email: Option<String>,
    addressbook_id: Option<Int>,
    addressbook: Option<AddressBody>,
    customer_order_reference: Option<String>,
    comments_customer: Option<String>,
    order_products: Option<Vec<ProductBody>>,
}

/// `addressbook_id` OR `addressbook` at `path` (`""` or `order_products.0`).
fn address(
    id: &Option<Int>,
    fields: Option<AddressBody>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<AddressInput> {
    let at = |field: &str| {
        if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    match (id, fields) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                at("addressbook"),
                "give addressbook_id or addressbook, not both",
            ));
            None
        }
        (Some(id), None) => id
            .parse(&at("addressbook_id"), errors)
            .map(|id| AddressInput {
                id: Some(global_id(NodeKind::Address, id)),
                ..Default::default()
            }),
        (None, Some(a)) => Some(AddressInput {
            name: a.name,
            address1: a.address,
            address2: a.address2,
            city: a.city,
            province: a.province,
            country: a.country,
            postal_code: a.postal_code,
            comments: a.comments,
            ..Default::default()
        }),
        (None, None) => None,
    }
}

fn to_input(body: CreateBody) -> Result<PlaceOrderInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let customer_id = body
        .customer_id
        .as_ref()
        .and_then(|id| id.parse("customer_id", &mut errors))
        .map(|id| global_id(NodeKind::Customer, id));
    let shipping_address = address(&body.addressbook_id, body.addressbook, "", &mut errors);
    let products = body.order_products.unwrap_or_default();
    if products.is_empty() {
        errors.push(FieldError::new(
            "order_products",
            "is required: at least one product",
        ));
    }
    let lines = products
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |field: &str| format!("order_products.{i}.{field}");
            let product_id = p
                .product_id
                .as_ref()
                .and_then(|id| id.parse(&at("product_id"), &mut errors))
                .map(|id| global_id(NodeKind::Product, id));
            if p.product_id.is_none()
                && p.product_code
                    .as_deref()
                    .is_none_or(|c| c.trim().is_empty())
            {
                errors.push(FieldError::new(
                    at("product_code"),
                    "give product_id or product_code",
                ));
            }
            // The seed marks the quantity optional: one, then.
            let quantity = match &p.quantity {
                Some(q) => q.parse(&at("quantity"), &mut errors).unwrap_or_default(),
                None => Money::from(1),
            };
            let path = format!("order_products.{i}");
            OrderLineInput {
                product_id,
                product_code: p.product_code,
                quantity,
                address: address(&p.addressbook_id, p.addressbook, &path, &mut errors),
                ..Default::default()
            }
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PlaceOrderInput {
        customer_id,
        customer_email: body.customer_email,
        reference: body.customer_order_reference,
        notes: body.comments_customer,
        shipping_address,
        lines,
        ..Default::default()
    })
}

/// The seed's path of a placeOrder input path (`lines.0.address.id` is
/// `order_products.0.addressbook_id`).
fn seed_path(path: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for segment in path.split('.') {
        if segment == "id" && out.last().is_some_and(|last| last == "addressbook") {
            if let Some(last) = out.last_mut() {
                *last = "addressbook_id".into();
            }
            continue;
        }
        let mapped = match segment {
            "lines" | "total" => "order_products".to_owned(),
            "shippingAddress" | "billingAddress" | "address" => "addressbook".to_owned(),
            "address1" => "address".to_owned(),
            "reference" => "customer_order_reference".to_owned(),
            "notes" => "comments_customer".to_owned(),
            other => snake(other),
        };
        out.push(mapped);
    }
    out.join(".")
}

/// `POST /api/orders`.
pub async fn create(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    bytes: Bytes,
) -> Response {
    let principal = match authorize(&state, &headers, peer, &access, ANY_ROLE).await {
        Ok(principal) => principal,
        Err(refused) => return refused.into_response(),
    };
    if let Err(refused) = params(query.as_deref(), &[]) {
        return refused.into_response();
    }
    let body = match read_body::<CreateBody>(&bytes) {
        Ok(body) => body,
        Err(refused) => return refused.into_response(),
    };
    let mut input = match to_input(body.value) {
        Ok(input) => input,
        Err(fields) => return invalid(fields),
    };
    if let Err(err) = crate::orders::create::bind_to_customer(&principal, &mut input, seed_path) {
        return failure(err, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let defaults = Defaults::of(&state.app.config);
    let db = &state.app.db;
    let placed = crate::orders::create::place(db, defaults, &principal.subject, input).await;
    let order = match placed {
        Ok(order) => order,
        Err(AppError::Conflict { .. }) => {
            return failure(
                AppError::Conflict {
                    message:
                        "customer_order_reference: an order with this reference already exists"
                            .into(),
                    current_version: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(err) => return failure(seed_paths(err, seed_path), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let policy = principal.policy();
    let loaded = crate::orders::export::load_one(db, order.id, policy.orders()).await;
    let placed = match loaded {
        Ok(Some(placed)) => placed,
        Ok(None) => {
            return failure(
                AppError::NotFound(format!("No order with id {}", order.id)),
                StatusCode::BAD_REQUEST,
            );
        }
        Err(err) => return failure(err, StatusCode::BAD_REQUEST),
    };
    let products: Vec<_> = placed
        .lines
        .iter()
        .map(|l| view::order_product(l, true))
        .collect();
    let answer = json!({
        "order": view::order(&placed, &policy),
        "order_products": products,
    });
    Json(super::super::with_ignored(answer, &body.ignored)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_paths_become_the_seeds() {
        assert_eq!(
            seed_path("lines.2.address.id"),
            "order_products.2.addressbook_id"
        );
        assert_eq!(
            seed_path("lines.0.address.postalCode"),
            "order_products.0.addressbook.postal_code"
        );
        assert_eq!(seed_path("shippingAddress.address1"), "addressbook.address");
        assert_eq!(seed_path("shippingAddress.id"), "addressbook_id");
        assert_eq!(
            seed_path("lines.1.productCode"),
            "order_products.1.product_code"
        );
        assert_eq!(seed_path("customerId"), "customer_id");
        assert_eq!(seed_path("reference"), "customer_order_reference");
    }
}
