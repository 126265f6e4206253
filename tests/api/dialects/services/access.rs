//! Seed 002: credentials and roles, the one visibility policy, query
//! parameters that are refused by name, body keys listed back, and errors in
//! the seed's envelope with the seed's field names.

use ordergraph::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{place, seed_place};
use crate::dialects::{Auth, api_key, call, keys};
use crate::helpers::*;

#[tokio::test]
async fn credentials_are_required_and_keys_and_tokens_work() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let id = place(&app, &key, seed_place()).await["id"]
        .as_i64()
        .unwrap();
    let gets = [
        format!("/api/orders/{id}"),
        "/api/orders/list".to_owned(),
        "/api/orders/stats".to_owned(),
        "/api/orders/stats/overview".to_owned(),
    ];
    for path in &gets {
        let (status, body) = call(&app, Method::GET, path, Auth::None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert_eq!(keys(&body), ["success", "message", "code", "errors"]);
        assert_eq!(body["success"], false);
        assert_eq!(body["code"], "UNAUTHENTICATED");
        let (status, _) = call(
            &app,
            Method::GET,
            path,
            Auth::ApiKey("ogk_0000000000000000_00"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: a wrong key");
        let (status, _) = call(&app, Method::GET, path, Auth::Bearer(&key), None).await;
        assert_eq!(status, 200, "{path}: the key as a bearer token");
        let staff = app.token(Role::Staff, None);
        let (status, _) = call(&app, Method::GET, path, Auth::Bearer(&staff), None).await;
        assert_eq!(status, 200, "{path}: a staff JWT");
    }
    for (path, body) in [
        ("/api/orders/place".to_owned(), seed_place()),
        (
            format!("/api/orders/{id}/action"),
            json!({"action": "cancel"}),
        ),
    ] {
        let (status, _) = call(&app, Method::POST, &path, Auth::None, Some(body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        app.count("orders").await,
        1,
        "nothing placed without credentials"
    );
}

#[tokio::test]
async fn a_customer_token_sees_and_does_only_what_the_policy_allows() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let own = place(&app, &key, seed_place()).await;
    let mut other = seed_place();
    other["customer_id"] = json!("CUST-99999");
    let theirs = place(&app, &key, other).await;
    let customer = app
        .admin(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": own["id"].as_i64().unwrap().to_string()}),
        )
        .await;
    let customer_id = database_id(&customer["order"]["customer"]["id"]);
    let token = app.token(Role::Customer, Some(customer_id));
    let auth = || Auth::Bearer(&token);

    let (status, listed) = call(&app, Method::GET, "/api/orders/list", auth(), None).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, [&own["id"]], "only its own order");
    assert_eq!(listed["pagination"]["total"], 1);
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/orders/list?customer_id=CUST-99999",
        auth(),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{}", theirs["id"]),
        auth(),
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "another customer's order looks missing: {body}"
    );
    assert_eq!(body["code"], "NOT_FOUND");
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{}", own["id"]),
        auth(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, stats) = call(&app, Method::GET, "/api/orders/stats", auth(), None).await;
    assert_eq!(stats["data"]["total_orders"], 1, "{stats}");

    // The same customer with HTTP Basic credentials (e-mail and API token).
    app.admin(
        "mutation { upsertCustomer(input: {externalId: \"CUST-12345\", email: \"john.doe@example.com\"}) { id } }",
        json!({}),
    )
    .await;
    let basic = app
        .admin(
            "mutation($id: ID!) { issueCustomerApiToken(customerId: $id) }",
            json!({"id": customer_id.to_string()}),
        )
        .await["issueCustomerApiToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, listed) = call(
        &app,
        Method::GET,
        "/api/orders/list",
        Auth::Basic("john.doe@example.com", &basic),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["pagination"]["total"], 1);
    assert_eq!(listed["data"][0]["id"], own["id"]);

    // A customer may cancel its own pending order, nothing else.
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{}/action", own["id"]),
        auth(),
        Some(json!({"action": "update_status", "status": "in_progress"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "FORBIDDEN");
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{}/action", theirs["id"]),
        auth(),
        Some(json!({"action": "cancel"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{}/action", own["id"]),
        auth(),
        Some(json!({"action": "cancel"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Customers order from the catalogue at its prices: the seed's body
    // sets prices, so it is refused, naming the seed's fields.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/orders/place",
        auth(),
        Some(seed_place()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("items.0.price") && !message.contains("lines."),
        "{message}"
    );
    assert_eq!(app.count("orders").await, 2);
}

#[tokio::test]
async fn every_endpoint_refuses_a_parameter_it_does_not_know_by_name() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let id = place(&app, &key, seed_place()).await["id"]
        .as_i64()
        .unwrap();
    let gets = [
        format!("/api/orders/{id}?colour=red"),
        "/api/orders/list?status=pending&colour=red".to_owned(),
        "/api/orders/stats?colour=red".to_owned(),
        "/api/orders/stats/overview?customer_id=CUST-12345&colour=red".to_owned(),
        "/api/orders/meta/statuses?colour=red".to_owned(),
        "/api/orders/statuses/available?colour=red".to_owned(),
    ];
    for path in &gets {
        let (status, body) = call(&app, Method::GET, path, Auth::ApiKey(&key), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["code"], "BAD_USER_INPUT");
        assert_eq!(keys(&body["errors"]), ["colour"], "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("colour"),
            "{body}"
        );
    }
    for (path, body) in [
        ("/api/orders/place?colour=red".to_owned(), seed_place()),
        (
            format!("/api/orders/{id}/action?colour=red"),
            json!({"action": "cancel"}),
        ),
    ] {
        let (status, answer) =
            call(&app, Method::POST, &path, Auth::ApiKey(&key), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert_eq!(keys(&answer["errors"]), ["colour"]);
    }
    assert_eq!(app.count("orders").await, 1);
    // Values the list does not understand are refused too, by name.
    for (query, name) in [
        ("order_by=colour", "order_by"),
        ("order_direction=up", "order_direction"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=x", "page"),
        ("status=teleported", "status"),
        ("active_only=maybe", "active_only"),
        ("date_from=06-11-2025", "date_from"),
        ("date_from=2025-11-07&date_to=2025-11-06", "date_to"),
    ] {
        let (status, body) = call(
            &app,
            Method::GET,
            &format!("/api/orders/list?{query}"),
            Auth::ApiKey(&key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(keys(&body["errors"]), [name], "{query}: {body}");
    }
}

#[tokio::test]
async fn unknown_body_keys_are_accepted_and_listed_back() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let mut body = seed_place();
    body["coupon"] = json!("SPRING");
    body["items"][1]["sku"] = json!("WIN-2");
    body["billing"]["house_number"] = json!("12a");
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders/place",
        Auth::ApiKey(&key),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        keys(&answer),
        ["success", "message", "data", "ignored_fields"]
    );
    assert_eq!(
        answer["ignored_fields"],
        json!(["items.1.sku", "billing.house_number", "coupon"])
    );
    let id = answer["data"]["id"].as_i64().unwrap();
    // A key this action does not use is reported the same way.
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/action"),
        Auth::ApiKey(&key),
        Some(json!({"action": "cancel", "status": "completed", "reason": "moved"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["status"], "cancelled");
    assert_eq!(answer["ignored_fields"], json!(["reason", "status"]));
}

#[tokio::test]
async fn bad_input_is_refused_in_the_seeds_envelope_with_its_field_names() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/orders/place",
        Auth::ApiKey(&key),
        Some(json!({"items": [{"product_name": "Window Cleaning", "quantity": 1, "price": "abc"}], "billing": {"first_name": "John", "last_name": "Doe"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(keys(&body), ["success", "message", "code", "errors"]);
    assert_eq!(body["code"], "BAD_USER_INPUT");
    assert_eq!(
        keys(&body["errors"]),
        ["customer_id", "items.0.price", "billing.email"]
    );
    assert_eq!(
        body["errors"]["customer_id"],
        json!(["The customer_id field is required."])
    );
    assert_eq!(
        body["message"],
        "The customer_id field is required. (and 2 more errors)"
    );

    // Problems the order service finds are named the seed's way too.
    let mut bad = seed_place();
    bad["items"][1]["quantity"] = json!(-2);
    bad["billing"]["country"] = json!("Netherlands");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/orders/place",
        Auth::ApiKey(&key),
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        keys(&body["errors"]),
        ["billing.country", "items.1.quantity"],
        "{body}"
    );
    assert_eq!(app.count("orders").await, 0, "nothing half-written");
    assert_eq!(app.count("customers").await, 0);

    let response = app
        .client
        .post(app.url("/api/orders/place"))
        .header("x-api-key", &key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/orders/999999",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/orders/abc",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/orders/1/action",
        Auth::ApiKey(&key),
        Some(json!({"action": "teleport"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(keys(&body["errors"]), ["action"]);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/orders/1/action",
        Auth::ApiKey(&key),
        Some(json!({"action": "update_status"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(keys(&body["errors"]), ["status"]);
}
