//! Seed 003's staff endpoints, each sample request replayed verbatim (the
//! seed's own ids replaced by this test's) and its answer compared with the
//! sample's.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_error, catalogue, customer, parse, paths, place_sample};
use crate::dialects::{Auth, api_key, call, keys, shape};
use crate::helpers::*;

/// The raw answer text (to read numbers as the server wrote them).
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &str,
) -> (StatusCode, String) {
    let response = app
        .client
        .request(method, app.url(path))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The order as the JSON export shows it.
async fn exported(app: &TestApp, id: &Value) -> Value {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/api/orders.json?id_eq={id}"),
        Auth::Bearer(&app.admin_token()),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body[0]["order"].clone()
}

const CHANGE_ANSWER: &str = r#"{"order_product":{"id":1197,"order_id":304,"product_id":3488,"quantity":10.0,"price":92.00,"final_price":92.00,"discount_percentage":0.0,"vat_percentage":0.0,"total_before_vat":920.0,"total_vat":0.0,"total_after_vat":920.0,"product_name":"Box of boxes","product_code":"BOX01"},"status":200}"#;
const ADD_ANSWER: &str = r#"{"order_product":{"id":1198,"order_id":304,"product_id":204,"quantity":6.0,"price":30.0,"final_price":30.0,"discount_percentage":0.0,"vat_percentage":0.0,"total_before_vat":180.0,"total_vat":0.0,"total_after_vat":180.0,"product_name":"Another Box of Boxes","product_code":"52214P"},"status":200}"#;
const NOTE_ANSWER: &str = r#"{ "order_product": { "id": 5412, "order_id": 559, "product_id": 3, "quantity": "30.0", "price": "3.0", "final_price": "2.55", "discount_percentage": "15.0", "vat_percentage": "25.0", "total_before_vat": "76.5", "comments_customer": null, "comments_wholesaler": null, "total_vat": "19.125", "total_after_vat": "95.625", "option_value_ids": null, "created_at": "2017-09-06T10:01:56.000Z", "updated_at": "2017-09-08T01:35:38.000Z", "option_values": {}, "product_variant_id": null, "has_custom_price": false }, "note": "hello" }"#;

#[tokio::test]
async fn the_staff_samples_replay_with_the_seeds_answers() {
    let app = TestApp::spawn().await;
    let [_, _, box_id] = catalogue(&app).await;
    let (_, token) = customer(&app, "demo@b2bwave.com").await;
    let placed = place_sample(&app, "demo@b2bwave.com", &token).await;
    let id = placed["order"]["id"].clone();
    let first_line = placed["order_products"][0]["id"].clone();
    let key = api_key(&app, "backoffice", "STAFF").await;
    let send = |method: Method, action: &'static str, body: String| {
        let (app, key, id) = (&app, key.clone(), id.clone());
        async move {
            raw(
                app,
                method,
                &format!("/api/orders/{id}/{action}"),
                &key,
                &body,
            )
            .await
        }
    };

    let (status, text) = send(
        Method::PATCH,
        "change_status",
        r#"{"status_order_id":3}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The order status is updated"})
    );
    assert_eq!(keys(&parse(&text)), ["status", "message"]);

    let (status, text) = send(
        Method::PATCH,
        "set_integration_ref",
        r#"{"integration_ref":"BB-0123"}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The order integration ref is updated"})
    );

    let (status, text) = send(
        Method::PATCH,
        "set_shipping_tracking",
        r#"{"shipping_tracking":"GB-ANG-1293910"}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The tracking nunmber was updated"})
    );

    let (status, text) = send(
        Method::POST,
        "set_admin_fields",
        r#"{ "Order admin extra field name 1": "Your value here", "Order admin extra field name 2": "Your value here" }"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({ "status":200, "message":"Order admin fields updated" })
    );

    let order = exported(&app, &id).await;
    assert_eq!(order["status_order_id"], 3);
    assert_eq!(order["status_order_name"], "Confirmed");
    assert_eq!(order["integration_ref"], "BB-0123");
    assert_eq!(order["shipping_tracking"], "GB-ANG-1293910");
    assert_eq!(
        order["extra_fields"],
        json!({"Order admin extra field name 1": "Your value here", "Order admin extra field name 2": "Your value here"})
    );

    // change_product_quantity, both forms.
    let (status, text) = send(
        Method::PATCH,
        "change_product_quantity",
        format!(r#"{{"order_product_id":{first_line},"quantity":20,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answer = parse(&text);
    let sample = parse(CHANGE_ANSWER);
    assert_eq!(keys(&answer), keys(&sample));
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(
        shape(&answer),
        shape(&sample),
        "amounts are JSON numbers, as in the sample"
    );
    assert_eq!(answer["order_product"]["id"], first_line);
    assert_eq!(answer["order_product"]["product_code"], "mst");
    for number in [
        r#""quantity":20.0"#,
        r#""price":9.5"#,
        r#""final_price":9.5"#,
        r#""vat_percentage":7.25"#,
        r#""total_before_vat":190.0"#,
        r#""total_vat":13.775"#,
        r#""total_after_vat":203.775"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    let (status, text) = send(
        Method::PATCH,
        "change_product_quantity",
        format!(r#"{{"order_product_id":{first_line},"quantity":20,"has_custom_price":1,"price":100,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(shape(&parse(&text)), shape(&sample));
    for number in [
        r#""price":100.0"#,
        r#""total_before_vat":2000.0"#,
        r#""total_vat":145.0"#,
        r#""total_after_vat":2145.0"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }

    // add_product.
    let (status, text) = send(
        Method::PATCH,
        "add_product",
        format!(r#"{{"product_id":{box_id},"quantity":4,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answer = parse(&text);
    let sample = parse(ADD_ANSWER);
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(shape(&answer), shape(&sample));
    assert_eq!(answer["order_product"]["product_id"], box_id);
    assert_eq!(
        answer["order_product"]["product_name"],
        "Another Box of Boxes"
    );
    for number in [
        r#""quantity":4.0"#,
        r#""price":30.0"#,
        r#""total_after_vat":120.0"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    let added = answer["order_product"]["id"].clone();

    // The order's totals follow: 2145 + 50.9438 + 101.8875 + 120, from the
    // exact line VATs (2000 + 47.5 + 95 + 120 before VAT).
    let order = exported(&app, &id).await;
    assert_eq!(order["total_before_vat"], "2262.5");
    assert_eq!(order["total_vat"], "155.3313");
    assert_eq!(order["gross_total"], "2417.8313");

    // order_product_note.
    let response = app
        .client
        .get(app.url(&format!(
            "/api/orders/{id}/order_product_note?order_product_id={first_line}"
        )))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let sample = parse(NOTE_ANSWER);
    assert_eq!(keys(&answer), ["order_product", "note"]);
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(shape(&answer["order_product"]), {
        let mut expected = shape(&sample["order_product"]);
        expected["has_custom_price"] = json!("boolean");
        expected
    });
    assert_eq!(answer["note"], "Order line notes");
    assert_eq!(answer["order_product"]["has_custom_price"], true);
    assert_eq!(answer["order_product"]["price"], "100.0");
    assert_eq!(answer["order_product"]["total_vat"], "145.0");

    // remove_product.
    let (status, text) = send(
        Method::PATCH,
        "remove_product",
        format!(r#"{{"order_product_id":{added}}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The product was removed from the order"})
    );
    assert_eq!(
        exported(&app, &id).await["order_products"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // add_message.
    let (status, text) = send(
        Method::POST,
        "add_message",
        r#"{"from_user":"demo@b2bwave.com","message_text":"This is a test message","notify":true}"#
            .into(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        parse(&text),
        json!({"status": 200, "message": "Message added to order" })
    );
    let messages = app
        .admin(
            "query($id: ID!) { order(id: $id) { messages { fromUser text } } }",
            json!({"id": id.to_string()}),
        )
        .await;
    assert_eq!(
        messages["order"]["messages"],
        json!([{"fromUser": "demo@b2bwave.com", "text": "This is a test message"}])
    );
}

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
/// them exist.
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
        if rows.len() >= count || Instant::now() > deadline {
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
