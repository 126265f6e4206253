//! Seed 004 (the review-request service's order import): `POST
//! /api/reviews/orders` with the seed's form post, replayed as the seed's PHP
//! sample sends it (multipart) and urlencoded; dedupe by `id_order` or
//! `reference`; `IMPORT_TIMEZONE`; credentials; the review request 10 days
//! later; and `importOrders`' per-order dates.

use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use ordergraph::auth::Role;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::{api_key, keys, shape};
use crate::helpers::*;

const PATH: &str = "/api/reviews/orders";
const ALREADY_SENT: &str =
    "Some orders were not imported because they had already been sent (see documentation)";

/// The `orders` field of the seed's PHP sample, as `json_encode` writes it
/// (compact, every value a string), with a valid e-mail: the seed's own is
/// mangled by the page it was copied from.
const SEED_ORDERS: &str = r#"[{"id_order":"1234","order_date":"2019-01-01 12:00:00","firstname":"John","lastname":"Doe","email":"john.doe@example.com","reference":"12345678","products":[{"id":"100","name":"My Product 100","category_id":"cat1","category_name":"Category 1","qty":"1","unit_price":"25.90","mpn":"MPN100","ean13":"1234567890123","sku":"SKU100","upc":"UPCCODE","url":""}]}]"#;

/// The seed's two sample answers.
fn seed_imported() -> Value {
    json!({ "success": 1, "orders_count": 1, "orders_imported": 1, "message": null })
}

fn seed_already_sent() -> Value {
    json!({ "success": 0, "orders_count": 1, "orders_imported": 0, "message": "Some orders were not imported because they had already been sent (see documentation)" })
}

/// How the form travels.
#[derive(Clone, Copy)]
enum Encoding {
    /// As PHP's cURL sends `CURLOPT_POSTFIELDS` with an array.
    Multipart,
    Urlencoded,
}

/// The body and content type of a form with `fields`, as curl writes them.
fn form(encoding: Encoding, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    match encoding {
        Encoding::Multipart => {
            let boundary = "------------------------d74496d66958873e";
            let mut body = String::new();
            for (name, value) in fields {
                body.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                ));
            }
            body.push_str(&format!("--{boundary}--\r\n"));
            (
                format!("multipart/form-data; boundary={boundary}"),
                body.into_bytes(),
            )
        }
        Encoding::Urlencoded => {
            let mut serializer = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                serializer.append_pair(name, value);
            }
            (
                "application/x-www-form-urlencoded".to_owned(),
                serializer.finish().into_bytes(),
            )
        }
    }
}

/// POSTs a form to `path` with extra `headers`; the status, JSON answer and
/// response headers.
async fn post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    encoding: Encoding,
    fields: &[(&str, &str)],
) -> (StatusCode, Value, HeaderMap) {
    let (content_type, body) = form(encoding, fields);
    let mut request = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json, headers)
}

/// The seed's request: `api_key` and `orders` in the form.
async fn send(app: &TestApp, key: &str, orders: &str, encoding: Encoding) -> (StatusCode, Value) {
    let (status, body, _) = post(
        app,
        PATH,
        &[],
        encoding,
        &[("api_key", key), ("orders", orders)],
    )
    .await;
    (status, body)
}

const ORDER: &str =
    "query($s: String!, $e: String!) { orderByExternalId(source: $s, externalId: $e) {
    id source externalId reference status customerEmail customerName submittedAt
    totals { grossTotal }
    lines { externalId name sku ean13 mpn upc url category quantity price custom }
    events { kind actor } } }";

async fn order(app: &TestApp, source: &str, external_id: &str) -> Value {
    app.admin(ORDER, json!({"s": source, "e": external_id}))
        .await["orderByExternalId"]
        .clone()
}

async fn the_seed_sample_is_imported_then_already_sent(encoding: Encoding) {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "reviews-shop", "INTEGRATION").await;
    let (status, body) = send(&app, &key, SEED_ORDERS, encoding).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, seed_imported());
    assert_eq!(
        keys(&body),
        ["success", "orders_count", "orders_imported", "message"]
    );
    assert_eq!(shape(&body), shape(&seed_imported()));

    // Stored under the key's name, in our names.
    let stored = order(&app, "reviews-shop", "1234").await;
    assert_eq!(stored["source"], "reviews-shop");
    assert_eq!(stored["reference"], "12345678");
    assert_eq!(stored["customerName"], "John Doe");
    assert_eq!(stored["customerEmail"], "john.doe@example.com");
    assert_eq!(stored["submittedAt"], "2019-01-01T12:00:00+00:00");
    assert_eq!(stored["totals"]["grossTotal"], "25.90");
    assert_eq!(
        stored["lines"],
        json!([{"externalId": "100", "name": "My Product 100", "sku": "SKU100", "ean13": "1234567890123",
                "mpn": "MPN100", "upc": "UPCCODE", "url": null, "category": "Category 1",
                "quantity": "1.00", "price": "25.90", "custom": {"category_id": "cat1"}}])
    );
    assert_eq!(
        stored["events"],
        json!([{"kind": "IMPORTED", "actor": "api-key:reviews-shop"}])
    );

    // "An order will not be re-imported": the seed's second sample.
    let (status, again) = send(&app, &key, SEED_ORDERS, encoding).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, seed_already_sent());
    assert_eq!(shape(&again), shape(&seed_already_sent()));
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn the_seeds_php_sample_as_multipart_is_imported_then_already_sent() {
    the_seed_sample_is_imported_then_already_sent(Encoding::Multipart).await;
}

#[tokio::test]
async fn the_seeds_sample_urlencoded_is_imported_then_already_sent() {
    the_seed_sample_is_imported_then_already_sent(Encoding::Urlencoded).await;
}

/// One seed 004 order with `id_order` and `reference`, and `extra` keys.
fn seed_order(id_order: &str, reference: Option<&str>, extra: Value) -> Value {
    let mut order = json!({"id_order": id_order, "order_date": "2019-01-01 12:00:00",
        "firstname": "Ann", "lastname": "Buyer", "email": "ann@example.com",
        "products": [{"id": 7, "name": "Mug", "qty": 2, "unit_price": 4.95}]});
    if let Some(reference) = reference {
        order["reference"] = json!(reference);
    }
    for (key, value) in extra.as_object().into_iter().flatten() {
        order[key] = value.clone();
    }
    order
}

#[tokio::test]
async fn an_order_whose_reference_was_sent_is_already_sent_under_another_id_order() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let first = json!([seed_order("A-1", Some("REF-1"), json!({}))]).to_string();
    assert_eq!(
        send(&app, &key, &first, Encoding::Multipart).await.1,
        seed_imported()
    );
    let again = json!([seed_order("A-2", Some("REF-1"), json!({}))]).to_string();
    let (status, body) = send(&app, &key, &again, Encoding::Multipart).await;
    assert_eq!(status, 200);
    assert_eq!(body, seed_already_sent());
    assert_eq!(order(&app, "shop", "A-2").await, Value::Null);
    // Another key is another source: its own orders, the same numbers.
    let other = api_key(&app, "other-shop", "INTEGRATION").await;
    assert_eq!(
        send(&app, &other, &again, Encoding::Multipart).await.1,
        seed_imported()
    );
    assert_eq!(
        order(&app, "other-shop", "A-2").await["source"],
        "other-shop"
    );
}

#[tokio::test]
async fn valid_duplicate_and_invalid_orders_in_one_call_are_each_accounted_for() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let sent = json!([seed_order("OLD", None, json!({}))]).to_string();
    send(&app, &key, &sent, Encoding::Urlencoded).await;

    let orders = json!([
        seed_order("NEW", None, json!({})),
        seed_order("OLD", None, json!({})),
        // Invalid in the seed's own terms: a product without its name, an
        // e-mail that is none, a date in another format, a wrong quantity.
        seed_order(
            "BAD",
            None,
            json!({"email": "[email protected]",
            "products": [{"id": "1"}, {"id": "2", "name": "x", "qty": "two"}]})
        ),
        seed_order("LATE", None, json!({"order_date": "01/01/2019"})),
        "not an order",
        // The same id_order twice in one call: the second is a duplicate.
        seed_order("NEW", None, json!({})),
    ])
    .to_string();
    let (status, body) = send(&app, &key, &orders, Encoding::Multipart).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        [
            "success",
            "orders_count",
            "orders_imported",
            "message",
            "errors"
        ]
    );
    assert_eq!(body["success"], 1);
    assert_eq!(body["orders_count"], 6);
    assert_eq!(body["orders_imported"], 1);
    assert_eq!(
        body["message"],
        format!(
            "{ALREADY_SENT}. Some orders were not imported because they are invalid (see errors)"
        )
    );
    assert_eq!(
        body["errors"],
        json!([
            {"index": 2, "id_order": "BAD", "errors": ["products.0.name: is required"]},
            {"index": 3, "id_order": "LATE", "errors": [
                "order_date: \"01/01/2019\" is not a date and time: expected YYYY-MM-DD HH:MM:SS (read in UTC), or RFC 3339 with an offset"]},
            {"index": 4, "id_order": null, "errors": ["an order is a JSON object, not a string"]},
        ])
    );
    // The seed's field errors first; the service's checks (e-mail, amounts)
    // come once those are fixed, in the seed's names too.
    let fixed = json!([seed_order(
        "BAD",
        None,
        json!({"email": "[email protected]",
        "products": [{"id": "1", "name": "Cup"}, {"id": "2", "name": "x", "qty": "two"}]})
    )])
    .to_string();
    let (_, body) = send(&app, &key, &fixed, Encoding::Multipart).await;
    assert_eq!(body["success"], 0);
    assert_eq!(
        body["errors"],
        json!([{"index": 0, "id_order": "BAD", "errors": [
            "products.1.qty: invalid Decimal \"two\": not a decimal number"]}])
    );
    let (_, body) = send(
        &app,
        &key,
        &json!([seed_order(
            "BAD",
            None,
            json!({"email": "[email protected]"})
        )])
        .to_string(),
        Encoding::Multipart,
    )
    .await;
    assert_eq!(
        body["errors"][0]["errors"],
        json!(["email: is not an e-mail address"])
    );
    assert_eq!(app.count("orders").await, 2, "OLD and NEW only");
}

#[tokio::test]
async fn order_dates_are_read_in_import_timezone_with_the_dst_rules() {
    let app = TestApp::spawn_with(|c| c.import_timezone = chrono_tz::Europe::Amsterdam).await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let orders = json!([
        seed_order("WINTER", None, json!({"order_date": "2019-01-01 12:00:00"})),
        seed_order("SUMMER", None, json!({"order_date": "2019-07-01 12:00:00"})),
        // 02:30 happens twice on 2026-10-25: the earlier is taken.
        seed_order("TWICE", None, json!({"order_date": "2026-10-25 02:30:00"})),
        // 02:30 never happens on 2026-03-29.
        seed_order("NEVER", None, json!({"order_date": "2026-03-29 02:30:00"})),
    ])
    .to_string();
    let (_, body) = send(&app, &key, &orders, Encoding::Multipart).await;
    assert_eq!(body["orders_imported"], 3, "{body}");
    assert_eq!(
        body["errors"],
        json!([{"index": 3, "id_order": "NEVER", "errors": [
            "order_date: 2026-03-29 02:30:00 does not exist in Europe/Amsterdam: the clocks skip it (summer time begins); give a time outside the skipped hour, or an offset"]}])
    );
    for (id, utc) in [
        ("WINTER", "2019-01-01T11:00:00+00:00"),
        ("SUMMER", "2019-07-01T10:00:00+00:00"),
        ("TWICE", "2026-10-25T00:30:00+00:00"),
    ] {
        assert_eq!(order(&app, "shop", id).await["submittedAt"], utc, "{id}");
    }
}

#[tokio::test]
async fn the_key_comes_in_the_form_in_x_api_key_or_as_bearer_and_a_jwt_works() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let orders = |id: &str| json!([seed_order(id, None, json!({}))]).to_string();
    let form_key = send(&app, &key, &orders("FORM"), Encoding::Urlencoded).await;
    assert_eq!(form_key.1, seed_imported());
    let bearer = format!("Bearer {key}");
    for (id, header) in [
        ("HEADER", ("x-api-key", key.as_str())),
        ("BEARER", ("authorization", bearer.as_str())),
    ] {
        let (status, body, _) = post(
            &app,
            PATH,
            &[header],
            Encoding::Multipart,
            &[("orders", &orders(id))],
        )
        .await;
        assert_eq!((status, body), (StatusCode::OK, seed_imported()), "{id}");
        assert_eq!(order(&app, "shop", id).await["source"], "shop");
    }
    // A JWT's subject is its source.
    let token = format!("Bearer {}", app.token(Role::Integration, None));
    let (status, body, _) = post(
        &app,
        PATH,
        &[("authorization", &token)],
        Encoding::Multipart,
        &[("orders", &orders("JWT"))],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, seed_imported()));
    assert_eq!(
        order(&app, "test-integration", "JWT").await["source"],
        "test-integration"
    );
}

#[tokio::test]
async fn a_bad_key_is_401_a_customer_403_and_form_keys_are_throttled_like_headers() {
    let app = TestApp::spawn_with(|c| c.auth_max_failures = 2).await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    // The right key id with a wrong secret: what the throttle counts.
    let (id, _) = key.rsplit_once('_').unwrap();
    let wrong = format!("{id}_{}", "0".repeat(64));
    let orders = json!([seed_order("A", None, json!({}))]).to_string();
    let expected_401 = |body: &Value| {
        assert_eq!(
            keys(body),
            [
                "success",
                "orders_count",
                "orders_imported",
                "message",
                "code"
            ]
        );
        assert_eq!(body["success"], 0);
        assert_eq!(body["code"], "UNAUTHENTICATED");
    };
    // Two failures are allowed; the third locks the key id from here.
    for _ in 0..3 {
        let (status, body) = send(&app, &wrong, &orders, Encoding::Multipart).await;
        assert_eq!(status, 401, "{body}");
        expected_401(&body);
    }
    let (status, body, headers) = post(
        &app,
        PATH,
        &[],
        Encoding::Multipart,
        &[("api_key", &wrong), ("orders", &orders)],
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "THROTTLED");
    assert!(headers.contains_key("retry-after"));
    // The header path counts the same failures: locked there too.
    let (status, _, _) = post(
        &app,
        PATH,
        &[("x-api-key", &key)],
        Encoding::Multipart,
        &[("orders", &orders)],
    )
    .await;
    assert_eq!(
        status, 429,
        "the pair is locked whichever way the key comes"
    );

    let (status, body, _) = post(
        &app,
        PATH,
        &[],
        Encoding::Urlencoded,
        &[("orders", &orders)],
    )
    .await;
    assert_eq!(status, 401, "no credentials");
    expected_401(&body);
    let customer = format!("Bearer {}", app.token(Role::Customer, Some(1)));
    let (status, body, _) = post(
        &app,
        PATH,
        &[("authorization", &customer)],
        Encoding::Urlencoded,
        &[("orders", &orders)],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "FORBIDDEN");
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn an_unknown_query_parameter_is_400_naming_it_and_the_key_never_rides_in_the_url() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let fields = [("api_key", key.as_str()), ("orders", SEED_ORDERS)];
    let (status, body, _) = post(
        &app,
        &format!("{PATH}?dry_run=1"),
        &[],
        Encoding::Multipart,
        &fields,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["success"], 0);
    assert_eq!(body["code"], "BAD_USER_INPUT");
    assert_eq!(body["fields"][0]["path"], "dry_run");
    assert!(
        body["message"].as_str().unwrap().starts_with("dry_run: "),
        "{body}"
    );
    let (status, body, _) = post(
        &app,
        &format!("{PATH}?api_key={key}"),
        &[],
        Encoding::Multipart,
        &[("orders", SEED_ORDERS)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["fields"][0]["path"], "api_key");
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn unknown_keys_are_imported_past_and_listed_in_ignored_fields() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let orders = json!([seed_order(
        "A",
        None,
        json!({"source": "elsewhere", "gift_wrap": true,
        "products": [{"id": 1, "name": "Mug", "colour": "red"}]})
    )])
    .to_string();
    let (status, body, _) = post(
        &app,
        PATH,
        &[],
        Encoding::Multipart,
        &[("api_key", &key), ("orders", &orders), ("shop_id", "42")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": 1, "orders_count": 1, "orders_imported": 1, "message": null,
               "ignored_fields": ["shop_id", "orders.0.source", "orders.0.products.0.colour", "orders.0.gift_wrap"]})
    );
    let stored = order(&app, "shop", "A").await;
    assert_eq!(stored["source"], "shop", "the key decides the source");
    // No unit_price: the product is kept, at 0.
    assert_eq!(stored["lines"][0]["price"], "0.00");
    assert_eq!(stored["lines"][0]["quantity"], "1.00");
}

#[tokio::test]
async fn a_broken_form_is_400_and_a_json_body_415_in_the_seeds_shape() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    for (orders, path, needle) in [
        (None, "orders", "is required"),
        (Some("[{\"id_order\": "), "orders", "is not JSON"),
        (
            Some("{\"id_order\": \"1\"}"),
            "orders",
            "must be a JSON array of orders, not an object",
        ),
    ] {
        let mut fields = vec![("api_key", key.as_str())];
        if let Some(orders) = orders {
            fields.push(("orders", orders));
        }
        let (status, body, _) = post(&app, PATH, &[], Encoding::Urlencoded, &fields).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "BAD_USER_INPUT");
        assert_eq!(body["fields"][0]["path"], path);
        assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
    }
    let twice = [
        ("api_key", key.as_str()),
        ("orders", "[]"),
        ("orders", "[]"),
    ];
    let (status, body, _) = post(&app, PATH, &[], Encoding::Multipart, &twice).await;
    assert_eq!(status, 400);
    assert_eq!(body["fields"][0]["path"], "orders");
    let (status, body, _) = post(
        &app,
        PATH,
        &[],
        Encoding::Multipart,
        &[("api_key", key.as_str()), ("orders", "[]")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], 0);
    assert_eq!(body["orders_count"], 0);

    let response = app
        .client
        .post(app.url(PATH))
        .header("x-api-key", &key)
        .json(&json!({"orders": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], 0);
    assert_eq!(body["code"], "BAD_USER_INPUT");

    // Over MAX_BODY_BYTES: 413, in the seed's shape too, both ways.
    let small = TestApp::spawn_with(|c| c.max_body_bytes = 1024).await;
    let big = "x".repeat(2048);
    for encoding in [Encoding::Multipart, Encoding::Urlencoded] {
        let (status, body, _) = post(
            &small,
            PATH,
            &[],
            encoding,
            &[("api_key", "k"), ("orders", &big)],
        )
        .await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(body["success"], 0);
        assert_eq!(body["code"], "BAD_USER_INPUT");
    }
}

const DELIVERIES: &str = "query($id: ID!) { order(id: $id) { deliveries {
    channel state template recipient dueAt } } }";

#[tokio::test]
async fn an_imported_order_gets_the_review_request_due_ten_days_later() {
    let app = TestApp::spawn().await;
    // The seed's "contacted 10 days later": the rule that comes with the
    // server, switched on as it is (864000 s).
    let rules = app
        .admin(
            "{ automationRules { id name template delaySeconds kinds unlessStatuses } }",
            json!({}),
        )
        .await;
    let review = rules["automationRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["template"] == "REVIEW_REQUEST")
        .unwrap()
        .clone();
    assert_eq!(review["delaySeconds"], "864000");
    assert_eq!(review["kinds"], json!(["IMPORTED"]));
    app.admin(
        "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { id } }",
        json!({"id": review["id"], "input": {"name": review["name"], "active": true, "kinds": review["kinds"],
               "template": "REVIEW_REQUEST", "delaySeconds": 864_000, "unlessStatuses": review["unlessStatuses"]}}),
    )
    .await;

    let key = api_key(&app, "shop", "INTEGRATION").await;
    let before = Utc::now();
    let (_, body) = send(&app, &key, SEED_ORDERS, Encoding::Multipart).await;
    let after = Utc::now();
    assert_eq!(body, seed_imported());
    let stored = order(&app, "shop", "1234").await;
    let deliveries =
        app.admin(DELIVERIES, json!({"id": stored["id"]})).await["order"]["deliveries"].clone();
    let [delivery] = deliveries.as_array().unwrap().as_slice() else {
        panic!("one delivery expected: {deliveries}");
    };
    assert_eq!(
        (
            &delivery["channel"],
            &delivery["state"],
            &delivery["template"],
            &delivery["recipient"]
        ),
        (
            &json!("EMAIL"),
            &json!("SCHEDULED"),
            &json!("REVIEW_REQUEST"),
            &json!("john.doe@example.com")
        )
    );
    let due: DateTime<Utc> = DateTime::parse_from_rfc3339(delivery["dueAt"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let ten_days = chrono::Duration::days(10);
    assert!(
        before + ten_days - chrono::Duration::seconds(1) <= due
            && due <= after + ten_days + chrono::Duration::seconds(1),
        "due {due}, imported between {before} and {after}"
    );
    // A duplicate is unchanged and gets no second follow-up.
    send(&app, &key, SEED_ORDERS, Encoding::Multipart).await;
    assert_eq!(app.count("deliveries").await, 1);
}

#[tokio::test]
async fn import_orders_with_one_bad_order_date_imports_the_others() {
    let app = TestApp::spawn_with(|c| c.import_timezone = chrono_tz::Europe::Amsterdam).await;
    let data = app
        .admin(
            "mutation($input: ImportOrdersInput!) { importOrders(input: $input) {
                ordersCount ordersImported results { externalId status errors order { submittedAt } } } }",
            json!({"input": {"source": "shop", "orders": [
                {"source": "shop", "externalId": "A", "orderDate": "2019-07-01 12:00:00"},
                {"source": "shop", "externalId": "B", "orderDate": "01/01/2019"},
                {"source": "shop", "externalId": "C", "submittedAt": "2019-07-01T12:00:00Z"},
                {"source": "shop", "externalId": "D", "submittedAt": "2019-07-01T12:00:00Z", "orderDate": "2019-07-01 12:00:00"},
            ]}}),
        )
        .await;
    let result = &data["importOrders"];
    assert_eq!(result["ordersCount"], 4);
    assert_eq!(result["ordersImported"], 2);
    assert_eq!(
        result["results"],
        json!([
            {"externalId": "A", "status": "IMPORTED", "errors": [], "order": {"submittedAt": "2019-07-01T10:00:00+00:00"}},
            {"externalId": "B", "status": "INVALID", "errors": [
                "orders.1.orderDate: \"01/01/2019\" is not a date and time: expected YYYY-MM-DD HH:MM:SS (read in Europe/Amsterdam), or RFC 3339 with an offset"],
             "order": null},
            {"externalId": "C", "status": "IMPORTED", "errors": [], "order": {"submittedAt": "2019-07-01T12:00:00+00:00"}},
            {"externalId": "D", "status": "INVALID", "errors": ["orders.3.orderDate: give orderDate or submittedAt, not both"], "order": null},
        ])
    );
}

#[tokio::test]
async fn the_cli_import_reads_seed_004_dates_in_import_timezone_and_a_bad_zone_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reviews.json");
    std::fs::write(&file, SEED_ORDERS).unwrap();
    let database = TestApp::spawn().await.stop().await;
    let run = |zone: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ordergraph"))
            .args(args)
            .env("DATABASE_URL", database.database_url())
            .env("JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", "warn")
            .env("IMPORT_TIMEZONE", zone)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    };
    let import = run(
        "Europe/Amsterdam",
        &["import", "--source", "reviews", file.to_str().unwrap()],
    );
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import.stdout)
    );
    let refused = run("Europe/Amsterdm", &["serve"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("IMPORT_TIMEZONE: \"Europe/Amsterdm\" is not a time zone"),
        "{stderr}"
    );

    let app = database.start(|_| {}).await;
    assert_eq!(
        order(&app, "reviews", "1234").await["submittedAt"],
        "2019-01-01T11:00:00+00:00",
        "12:00 in Amsterdam's winter is 11:00 UTC"
    );
}
