//! Seed 002 (the service-business orders API): the seed's sample requests
//! replayed verbatim (place, update_status, complete, the list, the
//! statistics, the statuses) and compared with its sample answers: keys in
//! order, JSON types, status codes and numbers.

mod access;
mod search;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Auth, api_key, call, keys, shape};
use crate::helpers::*;

/// The seed's "Place New Order" body, verbatim.
pub fn seed_place() -> Value {
    json!({ "customer_id": "CUST-12345", "items": [ { "product_id": 1, "product_name": "Premium Cleaning Service", "quantity": 1, "price": 150.00, "metadata": { "filter_options": [1, 2, 3] } }, { "product_id": 2, "product_name": "Window Cleaning", "quantity": 2, "price": 75.00 } ], "billing": { "first_name": "John", "last_name": "Doe", "email": "john.doe@example.com", "phone": "+31612345678", "address": "123 Main Street", "city": "Amsterdam", "postal_code": "1012AB", "country": "NL" }, "notes": "Please call before arrival", "metadata": { "source": "webform", "campaign_id": "SUMMER2025" } })
}

/// The seed's "Place Order Response", with its elided `items` and `billing`
/// written out as the request gives them.
fn seed_place_answer() -> Value {
    json!({ "success": true, "message": "Order placed successfully", "data": { "id": 3, "order_id": 421409, "customer_id": "CUST-12345", "total": "300.00", "total_tax": "0.00", "status": "pending", "currency_symbol": "€",
        "items": [
            {"product_id": 1, "product_name": "Premium Cleaning Service", "quantity": 1, "price": "150.00", "metadata": {"filter_options": [1, 2, 3]}},
            {"product_id": 2, "product_name": "Window Cleaning", "quantity": 2, "price": "75.00", "metadata": null}
        ],
        "billing": { "first_name": "John", "last_name": "Doe", "email": "john.doe@example.com", "phone": "+31612345678", "address": "123 Main Street", "city": "Amsterdam", "postal_code": "1012AB", "country": "NL" },
        "notes": "Please call before arrival", "created_at": "2025-11-06T15:00:00.000000Z", "updated_at": "2025-11-06T15:00:00.000000Z" } })
}

/// What the order answers add after the seed's keys.
const ADDED_ORDER_KEYS: [&str; 2] = ["metadata", "user_id"];

/// The seed's keys of an order, then ours.
fn order_keys() -> Vec<String> {
    let sample = seed_place_answer();
    keys(&sample["data"])
        .into_iter()
        .chain(ADDED_ORDER_KEYS)
        .map(str::to_owned)
        .collect()
}

/// Places `body` with `key`; the answer's `data`.
pub async fn place(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, answer) = call(
        app,
        Method::POST,
        "/api/orders/place",
        Auth::ApiKey(key),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["data"].clone()
}

/// The status and the raw text of a GET, for numbers JSON parsing would
/// round.
pub async fn get_text(app: &TestApp, path: &str, key: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn is_seed_time(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.6fZ").is_ok()
        && text.len() == "2025-11-06T15:00:00.000000Z".len()
}

#[tokio::test]
async fn the_seeds_place_sample_is_answered_in_the_seeds_shape() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders/place",
        Auth::ApiKey(&key),
        Some(seed_place()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let sample = seed_place_answer();
    assert_eq!(keys(&answer), keys(&sample));
    assert_eq!(answer["message"], "Order placed successfully");
    let data = &answer["data"];
    assert_eq!(keys(data), order_keys());
    let mut expected_shape = shape(&sample["data"]);
    expected_shape["metadata"] = json!({"source": "string", "campaign_id": "string"});
    expected_shape["user_id"] = json!("null");
    assert_eq!(shape(data), expected_shape, "{data}");
    for field in [
        "customer_id",
        "total",
        "total_tax",
        "status",
        "currency_symbol",
        "items",
        "billing",
        "notes",
    ] {
        assert_eq!(data[field], sample["data"][field], "{field}");
    }
    assert_eq!(
        data["total"], "300.00",
        "150.00 + 2 × 75.00, auto-calculated"
    );
    assert!(is_seed_time(&data["created_at"]), "{}", data["created_at"]);
    assert!(is_seed_time(&data["updated_at"]));
    assert_eq!(
        data["metadata"],
        json!({"source": "webform", "campaign_id": "SUMMER2025"})
    );

    // The ids are ours: the database id and the order number (an integer).
    let id = data["id"].as_i64().unwrap();
    let graphql = app
        .admin(
            "query($id: ID!) { order(id: $id) { databaseId number customerEmail customer { externalId } billingAddress { city } } }",
            json!({"id": id.to_string()}),
        )
        .await;
    let order = &graphql["order"];
    assert_eq!(order["databaseId"], id.to_string());
    assert_eq!(
        data["order_id"],
        json!(order["number"].as_str().unwrap().parse::<i64>().unwrap())
    );
    assert_eq!(
        order["customer"]["externalId"], "CUST-12345",
        "created on first sight"
    );
    assert_eq!(
        order["customerEmail"], "john.doe@example.com",
        "the billing e-mail"
    );

    // The same order read back, and the same customer on a second order.
    let (status, shown) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{id}"),
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(keys(&shown), ["success", "data"]);
    assert_eq!(&shown["data"], data);
    place(&app, &key, seed_place()).await;
    assert_eq!(app.count("customers").await, 1);
}

#[tokio::test]
async fn the_seeds_action_and_list_samples_move_and_find_the_order() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let id = place(&app, &key, seed_place()).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/orders/{id}/action");
    let (status, started) = call(
        &app,
        Method::POST,
        &path,
        Auth::ApiKey(&key),
        Some(json!({ "action": "update_status", "status": "in_progress", "notes": "Work has started" })),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(keys(&started), ["success", "message", "data"]);
    assert_eq!(started["message"], "Order status updated successfully");
    assert_eq!(keys(&started["data"]), order_keys());
    assert_eq!(started["data"]["status"], "in_progress");
    let (status, completed) = call(
        &app,
        Method::POST,
        &path,
        Auth::ApiKey(&key),
        Some(json!({ "action": "complete", "notes": "Order delivered successfully" })),
    )
    .await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["message"], "Order completed successfully");
    assert_eq!(completed["data"]["status"], "completed");
    assert!(completed.get("ignored_fields").is_none(), "{completed}");

    // The notes are the events' notes, as GraphQL's orderAction keeps them.
    let events = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { kind toStatus note } } }",
            json!({"id": id.to_string()}),
        )
        .await;
    let notes: Vec<&Value> = events["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "STATUS_CHANGED")
        .map(|e| &e["note"])
        .collect();
    assert_eq!(
        notes,
        [
            &json!("Work has started"),
            &json!("Order delivered successfully")
        ]
    );

    // A second, pending order of the same customer is not in the list.
    place(&app, &key, seed_place()).await;
    let (status, listed) = call(
        &app,
        Method::GET,
        "/api/orders/list?customer_id=CUST-12345&status=completed",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let sample = json!({ "success": true, "data": [ { "id": 3, "order_id": 421409, "customer_id": "CUST-12345", "total": "300.00", "status": "completed", "created_at": "2025-11-06T15:00:00.000000Z" } ], "pagination": { "current_page": 1, "per_page": 15, "total": 1, "last_page": 1 } });
    assert_eq!(shape(&listed), shape(&sample));
    assert_eq!(keys(&listed["data"][0]), keys(&sample["data"][0]));
    assert_eq!(listed["pagination"], sample["pagination"]);
    let row = &listed["data"][0];
    assert_eq!(row["id"], id);
    assert_eq!(row["order_id"], completed["data"]["order_id"]);
    for field in ["customer_id", "total", "status"] {
        assert_eq!(row[field], sample["data"][0][field], "{field}");
    }
    assert_eq!(row["created_at"], completed["data"]["created_at"]);
}

#[tokio::test]
async fn a_refused_transition_names_the_allowed_statuses() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let id = place(&app, &key, seed_place()).await["id"]
        .as_i64()
        .unwrap();
    let (status, refused) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/action"),
        Auth::ApiKey(&key),
        Some(json!({ "action": "complete", "notes": "Order delivered successfully" })),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        keys(&refused),
        ["success", "message", "code", "errors", "allowed_statuses"]
    );
    assert_eq!(refused["success"], false);
    assert_eq!(refused["code"], "INVALID_TRANSITION");
    assert_eq!(
        refused["allowed_statuses"],
        json!([
            "confirmed",
            "processing",
            "in_progress",
            "on_hold",
            "cancelled"
        ])
    );
    assert_eq!(
        refused["message"],
        "An order cannot move from pending to completed; allowed next statuses: confirmed, processing, in_progress, on_hold, cancelled"
    );
    assert_eq!(refused["errors"]["status"][0], refused["message"]);
    let (_, shown) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{id}"),
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(shown["data"]["status"], "pending", "nothing changed");

    // update_metadata merges, and cancel follows the workflow too.
    let (status, merged) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/action"),
        Auth::ApiKey(&key),
        Some(json!({"action": "update_metadata", "metadata": {"campaign_id": null, "crew": "B"}})),
    )
    .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["message"], "Order metadata updated successfully");
    assert_eq!(
        merged["data"]["metadata"],
        json!({"source": "webform", "crew": "B"})
    );
    let (status, cancelled) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/action"),
        Auth::ApiKey(&key),
        Some(json!({"action": "cancel"})),
    )
    .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["message"], "Order cancelled successfully");
    assert_eq!(cancelled["data"]["status"], "cancelled");
}

/// Four orders of CUST-12345 as in the stats sample (1 pending, 1
/// processing, 1 completed, 1 cancelled), 2450.00 of revenue without the
/// cancelled one, and one order of someone else.
async fn the_stats_samples_orders(app: &TestApp, key: &str) {
    for (status, total) in [
        (None, None),
        (Some("processing"), Some(json!(650.5))),
        (Some("completed"), Some(json!("1499.50"))),
        (Some("cancelled"), Some(json!(999.99))),
    ] {
        let mut body = seed_place();
        if let Some(status) = status {
            body["status"] = json!(status);
        }
        if let Some(total) = total {
            body["total"] = total;
        }
        place(app, key, body).await;
    }
    let mut other = seed_place();
    other["customer_id"] = json!("CUST-99999");
    other["total"] = json!(5000);
    place(app, key, other).await;
}

#[tokio::test]
async fn the_stats_sample_is_matched_for_an_equivalent_set_of_orders() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    the_stats_samples_orders(&app, &key).await;
    let sample = json!({ "success": true, "data": { "total_orders": 4, "total_revenue": 2450.00, "pending_orders": 1, "processing_orders": 1, "completed_orders": 1, "cancelled_orders": 1, "active_orders": 2 } });
    for path in [
        "/api/orders/stats/overview?customer_id=CUST-12345",
        "/api/orders/stats?customer_id=CUST-12345",
    ] {
        let (status, text) = get_text(&app, path, &key).await;
        assert_eq!(status, 200, "{text}");
        // The exact number as the seed prints it, not 2450.0 or a string.
        assert!(text.contains(r#""total_revenue":2450.00,"#), "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(keys(&answer), keys(&sample));
        let data = &answer["data"];
        let mut expected = keys(&sample["data"]);
        expected.extend(["revenue_currency", "revenue_other_currencies"]);
        assert_eq!(keys(data), expected);
        for (field, value) in sample["data"].as_object().unwrap() {
            assert_eq!(shape(&data[field]), shape(value), "{field}");
            if field != "total_revenue" {
                assert_eq!(&data[field], value, "{field}");
            }
        }
        assert_eq!(data["revenue_currency"], "EUR");
        assert_eq!(data["revenue_other_currencies"], json!({}));
    }
    // Without the customer filter: everyone's orders, still exact.
    let (_, text) = get_text(&app, "/api/orders/stats", &key).await;
    assert!(
        text.contains(r#""total_orders":5,"total_revenue":7450.00,"#),
        "{text}"
    );
    // Dates filter on the order's date.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let (_, text) = get_text(
        &app,
        &format!("/api/orders/stats?customer_id=CUST-12345&date_from={tomorrow}"),
        &key,
    )
    .await;
    assert!(
        text.contains(r#""total_orders":0,"total_revenue":0.00,"#),
        "{text}"
    );
    let (_, text) = get_text(
        &app,
        &format!("/api/orders/stats?customer_id=CUST-12345&date_from={today}&date_to={today}"),
        &key,
    )
    .await;
    assert!(text.contains(r#""total_orders":4,"#), "{text}");
}

#[tokio::test]
async fn revenue_in_other_currencies_is_reported_apart_and_exactly() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    the_stats_samples_orders(&app, &key).await;
    // 0.1 + 0.2 is 0.30 exactly, not 0.30000000000000004.
    for total in [json!(0.1), json!("0.2")] {
        let mut body = seed_place();
        body["currency"] = json!("USD");
        body["total"] = total;
        let data = place(&app, &key, body).await;
        assert_eq!(data["currency_symbol"], "$");
    }
    let (status, text) = get_text(
        &app,
        "/api/orders/stats/overview?customer_id=CUST-12345",
        &key,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.contains(r#""total_orders":6,"total_revenue":2450.00,"#),
        "USD orders count as orders, not as EUR revenue: {text}"
    );
    assert!(
        text.contains(r#""revenue_currency":"EUR","revenue_other_currencies":{"USD":0.30}"#),
        "{text}"
    );
}

#[tokio::test]
async fn the_statuses_endpoints_list_the_seeds_eight_statuses() {
    let app = TestApp::spawn().await;
    let sample = json!({ "success": true, "data": [ "pending", "processing", "confirmed", "in_progress", "completed", "cancelled", "refunded", "on_hold" ] });
    for path in [
        "/api/orders/statuses/available",
        "/api/orders/meta/statuses",
    ] {
        // Open to everyone, as GraphQL's orderStatuses.
        let (status, answer) = call(&app, Method::GET, path, Auth::None, None).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, sample, "{path}");
    }
}
