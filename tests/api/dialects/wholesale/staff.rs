//! Seed 003's staff endpoints beyond the samples: status ids and the
//! workflow, notify e-mails, roles, lines of other orders, edit checks.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_error, catalogue, customer, exported, parse, paths, place_sample};
use crate::dialects::{Auth, api_key, call, keys};
use crate::helpers::*;

#[tokio::test]
async fn status_ids_are_checked_and_moves_follow_the_workflow() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let id = place_sample(&app, "buyer@example.com", &token).await["order"]["id"].clone();
    let key = api_key(&app, "erp", "INTEGRATION").await;
    let path = format!("/api/orders/{id}/change_status");

    let (status, answer) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": 11})),
    )
    .await;
    assert_eq!(status, 422);
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "BAD_USER_INPUT");
    assert_eq!(paths(&answer), ["status_order_id"]);
    assert!(
        answer["message"].as_str().unwrap().contains("5 (Sent)"),
        "{answer}"
    );
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["status_order_id"])
    );

    // Pending (2) cannot go straight to Sent (5).
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": 5})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_error(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "INVALID_TRANSITION",
    );
    assert_eq!(paths(&answer), ["status_order_id"]);
    let message = answer["message"].as_str().unwrap();
    for allowed in [
        "3 (Confirmed)",
        "4 (Processing)",
        "10 (In progress)",
        "1 (On hold)",
        "8 (Cancelled)",
    ] {
        assert!(message.contains(allowed), "{allowed} in {message}");
    }
    // As a string too, and then on to Sent with tracking.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": "3"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/set_shipping_tracking"),
        Auth::ApiKey(&key),
        Some(json!({"shipping_tracking": "GB-1", "shipping_option_id": 7, "status_order_id": 5})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let order = exported(&app, &id).await;
    assert_eq!(order["status_order_id"], 5);
    assert_eq!(order["status_order_name"], "Sent");
    assert_eq!(order["shipping_option_id"], 7);

    // An order that is not there.
    let (status, answer) = call(
        &app,
        Method::PATCH,
        "/api/orders/999999/change_status",
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": 3})),
    )
    .await;
    assert_eq!(status, 404);
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
}

/// The order's deliveries (template, recipient, subject), once `count` of
/// them exist and are rendered.
async fn deliveries(app: &TestApp, id: &Value, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let data = app
            .admin(
                "query($id: ID!) { order(id: $id) { deliveries { template recipient email { subject } } } }",
                json!({"id": id.to_string()}),
            )
            .await;
        let rows = data["order"]["deliveries"].as_array().unwrap().clone();
        // An e-mail is rendered by the worker, after its row is written.
        let rendered = rows.iter().all(|row| !row["email"].is_null());
        if (rows.len() >= count && rendered) || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn notify_1_e_mails_the_customer_about_the_new_status() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let placed = place_sample(&app, "buyer@example.com", &token).await;
    let id = placed["order"]["id"].clone();
    let key = api_key(&app, "backoffice", "STAFF").await;
    let path = format!("/api/orders/{id}/change_status");
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": 3, "notify": 1})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Auth::ApiKey(&key),
        Some(json!({"status_order_id": 4})),
    )
    .await;
    assert_eq!(status, 200);
    let rows = deliveries(&app, &id, 1).await;
    assert_eq!(
        rows.len(),
        1,
        "only the change with notify: 1 e-mails: {rows:?}"
    );
    assert_eq!(rows[0]["template"], "STATUS_CHANGED");
    assert_eq!(rows[0]["recipient"], "buyer@example.com");
    let subject = rows[0]["email"]["subject"].as_str().unwrap();
    assert!(subject.ends_with("is now confirmed"), "{subject}");
}

#[tokio::test]
async fn roles_decide_who_may_use_which_endpoint() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let placed = place_sample(&app, "buyer@example.com", &token).await;
    let id = &placed["order"]["id"];
    let line = &placed["order_products"][0]["id"];
    let integration = api_key(&app, "erp", "INTEGRATION").await;
    let integration_jwt = app.token(ordergraph::auth::Role::Integration, None);
    let staff_jwt = app.token(ordergraph::auth::Role::Staff, None);

    // Integrations: status, integration ref and tracking, not staff data.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/change_status"),
        Auth::Bearer(&integration_jwt),
        Some(json!({"status_order_id": 3})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/set_integration_ref"),
        Auth::Bearer(&integration),
        Some(json!({"integration_ref": "ERP-1"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/set_shipping_tracking"),
        Auth::ApiKey(&integration),
        Some(json!({"shipping_tracking": "T-1", "comments_wholesaler": "staff only"})),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    assert_error(&answer, StatusCode::FORBIDDEN, "FORBIDDEN");
    for (method, action, body) in [
        (Method::POST, "set_admin_fields", json!({"a": "b"})),
        (
            Method::PATCH,
            "change_product_quantity",
            json!({"order_product_id": line, "quantity": 2}),
        ),
        (
            Method::PATCH,
            "remove_product",
            json!({"order_product_id": line}),
        ),
    ] {
        let (status, answer) = call(
            &app,
            method,
            &format!("/api/orders/{id}/{action}"),
            Auth::ApiKey(&integration),
            Some(body),
        )
        .await;
        assert_eq!(status, 403, "{action}: {answer}");
    }
    // Staff may, with a JWT as with a key.
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/set_admin_fields"),
        Auth::Bearer(&staff_jwt),
        Some(json!({"a": "b", "n": 5})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/set_admin_fields"),
        Auth::Bearer(&staff_jwt),
        Some(json!({"a": null})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        exported(&app, id).await["extra_fields"],
        json!({"n": "5"}),
        "null removes a field"
    );
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/set_admin_fields"),
        Auth::Bearer(&staff_jwt),
        Some(json!({"a": [1]})),
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["a"])
    );
    // No credentials.
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/change_status"),
        Auth::None,
        Some(json!({"status_order_id": 4})),
    )
    .await;
    assert_eq!(status, 401);
    assert_error(&answer, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_line_of_another_order_is_not_found_and_edits_are_checked() {
    let app = TestApp::spawn().await;
    let [_, _, box_id] = catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let first = place_sample(&app, "buyer@example.com", &token).await;
    let mut request = parse(super::CREATE_REQUEST);
    request["customer_order_reference"] = json!("B2C ORDER #100");
    let (status, second) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("buyer@example.com", &token),
        Some(request),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let id = &first["order"]["id"];
    let foreign = &second["order_products"][0]["id"];
    let staff = api_key(&app, "backoffice", "STAFF").await;

    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/orders/{id}/change_product_quantity"),
            Some(json!({"order_product_id": foreign, "quantity": 2})),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/remove_product"),
            Some(json!({"order_product_id": foreign})),
        ),
        (
            Method::GET,
            format!("/api/orders/{id}/order_product_note?order_product_id={foreign}"),
            None,
        ),
    ] {
        let (status, answer) = call(&app, method, &path, Auth::ApiKey(&staff), body).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    }

    let line = &first["order_products"][0]["id"];
    let change = format!("/api/orders/{id}/change_product_quantity");
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &change,
        Auth::ApiKey(&staff),
        Some(json!({"order_product_id": line, "quantity": 0, "has_custom_price": 1})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(paths(&answer), ["price"]);
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &change,
        Auth::ApiKey(&staff),
        Some(json!({"order_product_id": line, "quantity": 0})),
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["quantity"])
    );
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/add_product"),
        Auth::ApiKey(&staff),
        Some(json!({"quantity": 1})),
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["product_id"])
    );
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/add_product"),
        Auth::ApiKey(&staff),
        Some(json!({"product_id": 999_999, "quantity": 1})),
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["product_id"]),
        "{answer}"
    );
    let (status, answer) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{id}/order_product_note"),
        Auth::ApiKey(&staff),
        None,
    )
    .await;
    assert_eq!(
        (status, paths(&answer)),
        (StatusCode::BAD_REQUEST, vec!["order_product_id"])
    );

    // Unknown keys are listed back, in the numbers answer too.
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/add_product"),
        Auth::ApiKey(&staff),
        Some(json!({"product_id": box_id, "quantity": 1, "warehouse": "B"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(keys(&answer), ["order_product", "status", "ignored_fields"]);
    assert_eq!(answer["ignored_fields"], json!(["warehouse"]));
    let (_, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/change_status"),
        Auth::ApiKey(&staff),
        Some(json!({"status_order_id": 3, "reason": "paid"})),
    )
    .await;
    assert_eq!(answer["ignored_fields"], json!(["reason"]));

    // Once sent, products no longer change.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/set_shipping_tracking"),
        Auth::ApiKey(&staff),
        Some(json!({"shipping_tracking": "T", "status_order_id": 5})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &change,
        Auth::ApiKey(&staff),
        Some(json!({"order_product_id": line, "quantity": 2})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(paths(&answer), ["id"]);
}
