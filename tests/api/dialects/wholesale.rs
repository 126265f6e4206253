//! Seed 003 (the B2B wholesale platform): `POST /api/orders` with HTTP Basic
//! customer credentials, the staff endpoints under `/api/orders/{id}/...`,
//! and the exports' seed 003 filters and fields. The seed's sample requests
//! are replayed verbatim (ids put in where the seed has its own) and the
//! answers compared with its sample answers: keys in order, JSON types,
//! status codes and the pricing figures.

mod exports;
mod samples;
mod staff;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Auth, api_key, call, keys, shape};
use crate::helpers::*;

/// Seed 003's create request, verbatim.
pub const CREATE_REQUEST: &str = r#"{"customer_id":2, "customer_order_reference":"B2C ORDER #99","comments_customer":"Please deliver asap","addressbook":{"address":"Covent Garden","country":"GB"}, "order_products":[{"product_code":"mst", "quantity":5,"addressbook":{"address":"5th Avenue","country":"US"}}, {"product_code":"bpd", "quantity":5,"addressbook":{"address":"5th Avenue","country":"US"}}, {"product_code": "bpd","quantity":10,"addressbook":{"name":"John Doe", "address":"Alton Rd","country":"US", "comments":"Call before arriving"}}]}"#;

/// Seed 003's create answer, verbatim.
const CREATE_ANSWER: &str = r#"{"order":{"id":59,"status_order_id":2,"customer_id":1,"invoice_no":null,"customer_reference_no":null,"comments_customer":"Please deliver asap","comments_wholesaler":null,"shipping_way":null,"shipping_costs":"0.0","date_estimated":null,"total_before_discount":"190.0","discount_percentage":"0.0","discount_comments":null,"discount_total":null,"gross_total":"203.775","address":"Covent Garden","address2":null,"city":null,"province":null,"country":"GB","postal_code":null,"created_at":"2017-10-10T05:50:10.000Z","updated_at":"2017-10-10T05:50:11.000Z","addressbook_id":7,"submitted_at":"2017-10-10T05:50:11.000Z","customer_order_reference":"B2C ORDER #99","total_before_vat":"190.0","total_after_vat":"0.0","vat_group_id":1,"total_products_before_discount":"190.0","total_vat":"0.0","total_products_before_vat":"190.0","total_products_after_vat":"203.775","total_shipping_after_vat":"0.0","sales_rep_id":null,"sales_rep_commission":"0.0","extra_fields":{},"submitted_by":{},"submitted_by_class":null,"integration_ref":null,"payment_way_id":null,"payment_ip":null,"payment_token":null,"payment_payer_id":null,"paid_amount":"0.0","is_paid":false,"shipping_option_id":null,"total_m3":"0.0","request_delivery_at":null,"pricelist_id":1,"shipping_tracking":null,"coupon_id":null,"brightpearl_sales_order_id":null,"cc_first_name":null,"cc_last_name":null,"cc_city":null,"cc_province":null,"cc_postal_code":null,"cc_country":null,"cc_address":null,"total_quantity":"20.0","payment_date":null,"total_weight":"0.0"},"order_products":[{"id":77,"order_id":59,"product_id":1,"quantity":"5.0","price":"9.5","final_price":"9.5","discount_percentage":"0.0","vat_percentage":"7.25","total_before_vat":"47.5","comments_customer":null,"comments_wholesaler":null,"total_vat":"3.4438","total_after_vat":"50.9438","option_value_ids":null,"created_at":"2017-10-10T05:50:10.000Z","updated_at":"2017-10-10T05:50:11.000Z","option_values":{},"product_variant_id":null,"has_custom_price":false,"addressbook_id":8},{"id":78,"order_id":59,"product_id":8,"quantity":"5.0","price":"9.5","final_price":"9.5","discount_percentage":"0.0","vat_percentage":"7.25","total_before_vat":"47.5","comments_customer":null,"comments_wholesaler":null,"total_vat":"3.4438","total_after_vat":"50.9438","option_value_ids":null,"created_at":"2017-10-10T05:50:10.000Z","updated_at":"2017-10-10T05:50:11.000Z","option_values":{},"product_variant_id":null,"has_custom_price":false,"addressbook_id":8},{"id":79,"order_id":59,"product_id":8,"quantity":"10.0","price":"9.5","final_price":"9.5","discount_percentage":"0.0","vat_percentage":"7.25","total_before_vat":"95.0","comments_customer":null,"comments_wholesaler":null,"total_vat":"6.8875","total_after_vat":"101.8875","option_value_ids":null,"created_at":"2017-10-10T05:50:11.000Z","updated_at":"2017-10-10T05:50:11.000Z","option_values":{},"product_variant_id":null,"has_custom_price":false,"addressbook_id":9}]}"#;

pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The seed's products "mst" and "bpd" at 9.50 and 7.25 % VAT, and "box" (for
/// add_product) at 30.00 without VAT; their database ids.
pub async fn catalogue(app: &TestApp) -> [i64; 3] {
    let mut ids = [0; 3];
    for (i, (code, name, price, vat)) in [
        ("mst", "Mustard", "9.50", "7.25"),
        ("bpd", "Black pepper", "9.50", "7.25"),
        ("box", "Another Box of Boxes", "30.00", "0"),
    ]
    .into_iter()
    .enumerate()
    {
        let data = app
            .admin(
                "mutation($input: ProductInput!) { upsertProduct(input: $input) { id } }",
                json!({"input": {"code": code, "name": name, "price": price, "vatPercentage": vat}}),
            )
            .await;
        ids[i] = database_id(&data["upsertProduct"]["id"]);
    }
    ids
}

/// A customer with this e-mail and an API token: its database id and token.
pub async fn customer(app: &TestApp, email: &str) -> (i64, String) {
    let data = app
        .admin(
            "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { id } }",
            json!({"input": {"email": email, "name": "Joe", "companyName": "Santa Clara Company"}}),
        )
        .await;
    let id = data["upsertCustomer"]["id"].clone();
    let token = app
        .admin(
            "mutation($id: ID!) { issueCustomerApiToken(customerId: $id) }",
            json!({"id": id}),
        )
        .await["issueCustomerApiToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (database_id(&id), token)
}

/// The seed's create sample, placed by `email` with its token; the answer.
pub async fn place_sample(app: &TestApp, email: &str, token: &str) -> Value {
    let (status, answer) = call(
        app,
        Method::POST,
        "/api/orders",
        Auth::Basic(email, token),
        Some(parse(CREATE_REQUEST)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
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

/// The texts of the answer's `errors[].path`.
pub fn paths(answer: &Value) -> Vec<&str> {
    answer["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors in {answer}"))
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect()
}

/// Asserts seed 003's error shape with `status` and `code`.
pub fn assert_error(answer: &Value, status: StatusCode, code: &str) {
    assert_eq!(
        keys(answer),
        ["status", "message", "code", "errors"],
        "{answer}"
    );
    assert_eq!(answer["status"], status.as_u16(), "{answer}");
    assert_eq!(answer["code"], code, "{answer}");
}

#[tokio::test]
async fn the_create_sample_answers_with_the_seeds_keys_types_and_figures() {
    let app = TestApp::spawn().await;
    let [mst, bpd, _] = catalogue(&app).await;
    let (customer_id, token) = customer(&app, "delistraty1@gmail.com").await;
    let answer = place_sample(&app, "delistraty1@gmail.com", &token).await;
    let sample = parse(CREATE_ANSWER);

    assert_eq!(keys(&answer), ["order", "order_products"]);
    assert_eq!(keys(&answer["order"]), keys(&sample["order"]));
    assert_eq!(shape(&answer["order"]), shape(&sample["order"]));
    let products = answer["order_products"].as_array().unwrap();
    assert_eq!(products.len(), 3);
    for (ours, theirs) in products
        .iter()
        .zip(sample["order_products"].as_array().unwrap())
    {
        assert_eq!(keys(ours), keys(theirs));
        assert_eq!(shape(ours), shape(theirs));
    }

    let order = &answer["order"];
    assert_eq!(order["status_order_id"], 2, "a new order is 2");
    assert_eq!(
        order["customer_id"], customer_id,
        "the authenticated customer, not the body's customer_id 2"
    );
    for (key, value) in [
        ("total_before_discount", "190.0"),
        ("total_products_before_discount", "190.0"),
        ("total_before_vat", "190.0"),
        ("total_products_before_vat", "190.0"),
        ("gross_total", "203.775"),
        ("total_products_after_vat", "203.775"),
        // The sample's "0.0" contradicts its own gross total; the true figures.
        ("total_vat", "13.775"),
        ("total_after_vat", "203.775"),
        ("total_quantity", "20.0"),
        ("shipping_costs", "0.0"),
        ("discount_percentage", "0.0"),
        ("paid_amount", "0.0"),
        ("comments_customer", "Please deliver asap"),
        ("customer_order_reference", "B2C ORDER #99"),
        ("address", "Covent Garden"),
        ("country", "GB"),
    ] {
        assert_eq!(order[key], value, "{key}");
    }
    let time = order["created_at"].as_str().unwrap();
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.as_bytes()[19] == b'.',
        "seed 003's time format: {time}"
    );

    for (i, (product, quantity, before, vat, after)) in [
        (mst, "5.0", "47.5", "3.4438", "50.9438"),
        (bpd, "5.0", "47.5", "3.4438", "50.9438"),
        (bpd, "10.0", "95.0", "6.8875", "101.8875"),
    ]
    .into_iter()
    .enumerate()
    {
        let line = &products[i];
        assert_eq!(line["order_id"], order["id"]);
        assert_eq!(line["product_id"], product, "line {i}");
        assert_eq!(line["quantity"], quantity, "line {i}");
        assert_eq!(line["price"], "9.5", "line {i}");
        assert_eq!(line["final_price"], "9.5", "line {i}");
        assert_eq!(line["vat_percentage"], "7.25", "line {i}");
        assert_eq!(line["total_before_vat"], before, "line {i}");
        assert_eq!(line["total_vat"], vat, "line {i}");
        assert_eq!(line["total_after_vat"], after, "line {i}");
        assert_eq!(line["has_custom_price"], false);
    }
    // Lines going to one place share an addressbook entry, as in the sample
    // (8, 8, 9), apart from the order's own (7).
    assert_eq!(products[0]["addressbook_id"], products[1]["addressbook_id"]);
    assert_ne!(products[1]["addressbook_id"], products[2]["addressbook_id"]);
    assert_ne!(order["addressbook_id"], products[0]["addressbook_id"]);

    // The third line's own address, as the export shows it.
    let (status, export) = call(
        &app,
        Method::GET,
        &format!("/api/orders.json?id_eq={}", order["id"]),
        Auth::Basic("delistraty1@gmail.com", &token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let third = &export[0]["order"]["order_products"][2]["order_product"];
    assert_eq!(third["addressbook_id"], products[2]["addressbook_id"]);
    assert_eq!(third["addressbook_name"], "John Doe");
    assert_eq!(third["addressbook_address"], "Alton Rd");
    assert_eq!(third["addressbook_comments"], "Call before arriving");
    assert_eq!(third["addressbook_country"], "US");
}

#[tokio::test]
async fn staff_and_integrations_create_for_a_named_customer() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (customer_id, _) = customer(&app, "buyer@example.com").await;
    let key = api_key(&app, "erp", "INTEGRATION").await;
    let mut body = parse(CREATE_REQUEST);
    body["customer_id"] = json!(customer_id);
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Bearer(&key),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order"]["customer_id"], customer_id);

    let mut body = parse(CREATE_REQUEST);
    body.as_object_mut().unwrap().remove("customer_id");
    body["customer_email"] = json!("Buyer@Example.com");
    body["customer_order_reference"] = json!("PO-2");
    let staff = app.token(ordergraph::auth::Role::Staff, None);
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Bearer(&staff),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order"]["customer_id"], customer_id);

    let mut body = parse(CREATE_REQUEST);
    body["customer_id"] = json!(999_999);
    body["customer_order_reference"] = json!("PO-3");
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::ApiKey(&key),
        Some(body),
    )
    .await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "BAD_USER_INPUT");
    assert_eq!(status, 422);
    assert_eq!(paths(&answer), ["customer_id"]);
}

#[tokio::test]
async fn create_errors_name_the_seeds_paths_and_write_nothing() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let mut body = parse(CREATE_REQUEST);
    body["order_products"][0]["product_code"] = json!("nope");
    body["order_products"][1]["quantity"] = json!(-1);
    body["order_products"][2]["addressbook"]["country"] = json!("Neverland");
    body["addressbook"]["country"] = json!("United Kingdom");
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("buyer@example.com", &token),
        Some(body),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "BAD_USER_INPUT");
    let mut got = paths(&answer);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "addressbook.country",
            "order_products.0.product_code",
            "order_products.1.quantity",
            "order_products.2.addressbook.country",
        ]
    );
    assert_eq!(app.count("orders").await, 0, "nothing half-written");

    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("buyer@example.com", &token),
        Some(json!({"order_products": [{"quantity": 1}], "addressbook_id": "x"})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        paths(&answer),
        ["addressbook_id", "order_products.0.product_code"]
    );

    // A body that is not JSON is a 400 in the same shape.
    let response = app
        .client
        .post(app.url("/api/orders"))
        .basic_auth("buyer@example.com", Some(&token))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_error(&answer, StatusCode::BAD_REQUEST, "BAD_USER_INPUT");

    // A purchase order reference is used once.
    place_sample(&app, "buyer@example.com", &token).await;
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("buyer@example.com", &token),
        Some(parse(CREATE_REQUEST)),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_error(&answer, StatusCode::CONFLICT, "CONFLICT");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn unknown_body_keys_are_listed_back() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let mut body = parse(CREATE_REQUEST);
    body["colour"] = json!("red");
    body["order_products"][1]["gift_wrap"] = json!(true);
    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("buyer@example.com", &token),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["ignored_fields"],
        json!(["order_products.1.gift_wrap", "colour"]),
        "in the body's order"
    );
}

#[tokio::test]
async fn basic_credentials_must_be_right_and_customers_keep_to_their_own_orders() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, ann) = customer(&app, "ann@example.com").await;
    let (_, bob) = customer(&app, "bob@example.com").await;

    let (status, answer) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::None,
        Some(parse(CREATE_REQUEST)),
    )
    .await;
    assert_eq!(status, 401);
    assert_error(&answer, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/orders",
        Auth::Basic("ann@example.com", &bob),
        Some(parse(CREATE_REQUEST)),
    )
    .await;
    assert_eq!(status, 401, "Bob's token is not Ann's password");
    assert_eq!(app.count("orders").await, 0);

    let anns = place_sample(&app, "ann@example.com", &ann).await;
    let id = &anns["order"]["id"];
    let line = &anns["order_products"][0]["id"];

    // Bob cannot see or touch Ann's order: it answers as a missing one.
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/add_message"),
        Auth::Basic("bob@example.com", &bob),
        Some(json!({"from_user": "bob@example.com", "message_text": "mine?"})),
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{id}/order_product_note?order_product_id={line}"),
        Auth::Basic("bob@example.com", &bob),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, listed) = call(
        &app,
        Method::GET,
        "/api/orders.json",
        Auth::Basic("bob@example.com", &bob),
        None,
    )
    .await;
    assert_eq!((status, listed), (StatusCode::OK, json!([])));
    // Staff endpoints are not for customers at all, even on their own order.
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &format!("/api/orders/{id}/change_status"),
        Auth::Basic("ann@example.com", &ann),
        Some(json!({"status_order_id": 3})),
    )
    .await;
    assert_eq!(status, 403);
    assert_error(&answer, StatusCode::FORBIDDEN, "FORBIDDEN");

    // Ann may read her note and write to her order.
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{id}/order_product_note?order_product_id={line}"),
        Auth::Basic("ann@example.com", &ann),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/api/orders/{id}/add_message"),
        Auth::Basic("ann@example.com", &ann),
        Some(json!({"from_user": "ann@example.com", "message_text": "Thanks"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn every_endpoint_refuses_unknown_query_parameters_by_name() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let (_, token) = customer(&app, "buyer@example.com").await;
    let placed = place_sample(&app, "buyer@example.com", &token).await;
    let id = &placed["order"]["id"];
    let line = &placed["order_products"][0]["id"];
    let admin = app.admin_token();
    let endpoints = [
        (Method::POST, "/api/orders?page=2".to_owned()),
        (Method::GET, "/api/orders?page=2".to_owned()),
        (
            Method::PATCH,
            format!("/api/orders/{id}/change_status?page=2"),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/set_integration_ref?page=2"),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/set_shipping_tracking?page=2"),
        ),
        (
            Method::POST,
            format!("/api/orders/{id}/set_admin_fields?page=2"),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/change_product_quantity?page=2"),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/add_product?page=2"),
        ),
        (
            Method::PATCH,
            format!("/api/orders/{id}/remove_product?page=2"),
        ),
        (
            Method::GET,
            format!("/api/orders/{id}/order_product_note?order_product_id={line}&page=2"),
        ),
        (Method::POST, format!("/api/orders/{id}/add_message?page=2")),
    ];
    for (method, path) in endpoints {
        let body = (method != Method::GET).then(|| json!({}));
        let (status, answer) = call(&app, method.clone(), &path, Auth::Bearer(&admin), body).await;
        assert_eq!(status, 400, "{method} {path}: {answer}");
        if path.starts_with("/api/orders?") && method == Method::GET {
            // The export keeps its own error shape.
            assert_eq!(answer["errors"][0]["path"], "page", "{path}: {answer}");
            continue;
        }
        assert_error(&answer, StatusCode::BAD_REQUEST, "BAD_USER_INPUT");
        assert_eq!(paths(&answer), ["page"], "{method} {path}");
    }
    assert_eq!(app.count("orders").await, 1, "nothing was created");
}
