//! Seed 000 (the e-commerce hub): `POST /api/zapier/order` and `POST
//! /api/v1/orders` upsert by platform + orderNumber; `GET /api/v1/orders`
//! lists with a pagination block.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Auth, api_key, call, keys};
use crate::helpers::*;

/// Seed 000's sample body, verbatim.
fn seed_000() -> Value {
    json!({
        "platform": "custom",
        "orderNumber": "ORD-12345",
        "orderStatus": "processing",
        "customerEmail": "klant@voorbeeld.nl",
        "customerName": "Jan de Vries",
        "items": [{"name": "Product A", "quantity": 1, "price": "29.99"}],
        "total": "29.99",
        "currency": "EUR",
        "paymentStatus": "paid",
        "paymentMethod": "iDEAL",
        "trackingCode": "3SPOST1234567",
        "trackingUrl": "https://postnl.nl/track/3SPOST1234567"
    })
}

#[tokio::test]
async fn the_seed_sample_is_created_then_updated_by_platform_and_order_number() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "webshop", "INTEGRATION").await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey(&key),
        Some(seed_000()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(keys(&body), ["success", "created", "order"]);
    assert_eq!(body["success"], true);
    let order = &body["order"];
    assert_eq!(order["orderNumber"], "ORD-12345");
    assert_eq!(order["orderStatus"], "processing");
    assert_eq!(order["total"], "29.99");
    assert_eq!(order["currency"], "EUR");
    assert_eq!(order["paymentStatus"], "paid");
    assert_eq!(order["paymentMethod"], "iDEAL");
    assert_eq!(order["trackingCode"], "3SPOST1234567");
    assert_eq!(
        order["items"],
        json!([{"name": "Product A", "quantity": "1.00", "price": "29.99"}])
    );

    // Same order number, the platform in another case: the same order.
    let mut shipped = seed_000();
    shipped["orderStatus"] = json!("shipped");
    shipped["platform"] = json!("Custom");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Auth::Bearer(&key),
        Some(shipped),
    )
    .await;
    assert_eq!(
        status, 200,
        "an upsert of the same platform + orderNumber updates: {body}"
    );
    assert_eq!(body["order"]["id"], order["id"]);
    assert_eq!(body["order"]["orderStatus"], "shipped");
    assert_eq!(body["order"]["platform"], "custom");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn items_without_a_price_are_accepted_and_the_given_total_stands() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "webshop", "INTEGRATION").await;
    let mut body = seed_000();
    body["items"] =
        json!([{"name": "Gift wrap"}, {"name": "Product A", "quantity": 2, "price": "10.00"}]);
    body["total"] = json!("24.95");
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Auth::ApiKey(&key),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        answer["order"]["items"],
        json!([
            {"name": "Gift wrap", "quantity": "1.00", "price": "0.00"},
            {"name": "Product A", "quantity": "2.00", "price": "10.00"}
        ])
    );
    assert_eq!(
        answer["order"]["total"], "24.95",
        "the webshop's total as given"
    );
}

#[tokio::test]
async fn errors_name_the_seeds_own_field_paths() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "webshop", "INTEGRATION").await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey(&key),
        Some(json!({"platform": "custom", "orderStatus": "teleported", "items": [{"name": "x", "price": "abc"}]})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "BAD_USER_INPUT");
    let paths: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["orderNumber", "orderStatus", "items.0.price"]);

    // A problem found by the order service, not the adapter, is named the
    // seed's way too.
    let mut body = seed_000();
    body["items"] = json!([{"name": "x", "quantity": -1, "price": "1"}]);
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey(&key),
        Some(body),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["errors"][0]["path"], "items.0.quantity", "{answer}");
    assert_eq!(app.count("orders").await, 0, "nothing half-written");
}

#[tokio::test]
async fn extra_keys_are_accepted_and_listed_back() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "zapier", "INTEGRATION").await;
    let mut body = seed_000();
    body["zap_id"] = json!("Z-1");
    body["items"][0]["sku"] = json!("SKU-1");
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey(&key),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["ignored_fields"], json!(["items.0.sku", "zap_id"]));
    let (_, plain) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey(&key),
        Some(seed_000()),
    )
    .await;
    assert!(
        plain.get("ignored_fields").is_none(),
        "only when something was ignored: {plain}"
    );
}

#[tokio::test]
async fn a_bad_or_missing_key_gets_the_seeds_error() {
    let app = TestApp::spawn().await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/zapier/order",
        Auth::ApiKey("ogk_0000000000000000_00"),
        Some(seed_000()),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": "Invalid or expired API key", "code": "UNAUTHENTICATED"})
    );
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Auth::None,
        Some(seed_000()),
    )
    .await;
    assert_eq!(status, 401);
    let customer = app.token(ordergraph::auth::Role::Customer, Some(1));
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/v1/orders",
        Auth::Bearer(&customer),
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "FORBIDDEN");
}

#[tokio::test]
async fn the_list_pages_with_the_seeds_block_and_refuses_unknown_parameters() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "webshop", "INTEGRATION").await;
    for number in ["A-1", "A-2"] {
        let mut body = seed_000();
        body["orderNumber"] = json!(number);
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/orders",
            Auth::ApiKey(&key),
            Some(body),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, listed) = call(
        &app,
        Method::GET,
        "/api/v1/orders?page=1&limit=1",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(keys(&listed), ["success", "data", "pagination"]);
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["data"][0]["orderNumber"], "A-2", "newest first");
    assert_eq!(
        listed["pagination"],
        json!({"current_page": 1, "per_page": 1, "total": 2, "last_page": 2})
    );
    let (status, refused) = call(
        &app,
        Method::GET,
        "/api/v1/orders?page=1&status=shipped",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["path"], "status");
    let (status, refused) = call(
        &app,
        Method::GET,
        "/api/v1/orders?page=0",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["path"], "page");
    // The upserts take no parameters at all.
    for (path, name) in [
        ("/api/v1/orders?debug=1", "debug"),
        ("/api/zapier/order?zap=2", "zap"),
    ] {
        let (status, refused) = call(
            &app,
            Method::POST,
            path,
            Auth::ApiKey(&key),
            Some(seed_000()),
        )
        .await;
        assert_eq!(status, 400, "{path}: {refused}");
        assert_eq!(refused["errors"][0]["path"], name);
    }
    assert_eq!(app.count("orders").await, 2, "nothing written");
}
