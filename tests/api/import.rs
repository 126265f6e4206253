//! importOrders (seed 004): per-order validation, dedupe, counts.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const IMPORT: &str = "mutation($input: ImportOrdersInput!) { importOrders(input: $input) {
    ordersCount ordersImported results { externalId status errors order { id externalId reference status
    submittedAt customerEmail customerName lines { name quantity price mpn ean13 sku upc url category externalId }
    totals { grossTotal } events { kind } } } } }";

async fn import(app: &TestApp, source: &str, orders: Value) -> Value {
    app.admin(
        IMPORT,
        json!({"input": {"source": source, "orders": orders}}),
    )
    .await["importOrders"]
        .clone()
}

/// Seed 004's sample order, in GraphQL names.
fn seed_004() -> Value {
    json!({
        "source": "reviews",
        "externalId": "1234",
        "submittedAt": "2019-01-01T12:00:00Z",
        "customerName": "John Doe",
        "customerEmail": "john@example.com",
        "reference": "12345678",
        "lines": [{"externalId": "100", "name": "My Product 100", "category": "Category 1", "quantity": "1",
                   "price": "25.90", "mpn": "MPN100", "ean13": "1234567890123", "sku": "SKU100", "upc": "UPCCODE",
                   "url": ""}]
    })
}

fn statuses(payload: &Value) -> Vec<&str> {
    payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn seed_004_imports_once_and_then_reports_a_duplicate() {
    let app = TestApp::spawn().await;
    let first = import(&app, "reviews", json!([seed_004()])).await;
    assert_eq!(first["ordersCount"], 1);
    assert_eq!(first["ordersImported"], 1);
    let result = &first["results"][0];
    assert_eq!(result["status"], "IMPORTED");
    assert_eq!(result["externalId"], "1234");
    let order = &result["order"];
    assert_eq!(order["submittedAt"], "2019-01-01T12:00:00+00:00");
    assert_eq!(order["reference"], "12345678");
    assert_eq!(order["lines"][0]["mpn"], "MPN100");
    assert_eq!(order["lines"][0]["upc"], "UPCCODE");
    assert_eq!(order["totals"]["grossTotal"], "25.90");
    assert_eq!(order["events"], json!([{"kind": "IMPORTED"}]));

    let mut changed = seed_004();
    changed["status"] = json!("CANCELLED");
    let second = import(&app, "reviews", json!([changed])).await;
    assert_eq!(second["ordersImported"], 0);
    assert_eq!(statuses(&second), ["DUPLICATE"]);
    assert_eq!(
        second["results"][0]["order"]["id"], order["id"],
        "the duplicate names the known order"
    );
    assert_eq!(
        second["results"][0]["order"]["status"], "PENDING",
        "left unchanged"
    );

    // The same reference under another order id is a duplicate too (seed 004).
    let mut same_reference = seed_004();
    same_reference["externalId"] = json!("9999");
    let third = import(&app, "reviews", json!([same_reference])).await;
    assert_eq!(statuses(&third), ["DUPLICATE"]);
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn invalid_orders_are_reported_while_the_rest_import() {
    let app = TestApp::spawn().await;
    import(
        &app,
        "shop",
        json!([{"source": "shop", "externalId": "OLD", "reference": "R-OLD"}]),
    )
    .await;
    let line = json!({"name": "x", "quantity": 1, "price": "1"});
    let payload = import(
        &app,
        "shop",
        json!([
            {"source": "shop", "externalId": "A", "lines": [line]},
            {"source": "shop", "externalId": "B", "lines": [{"name": "bad", "quantity": 1, "price": "-2"}]},
            {"source": "shop", "externalId": "C", "reference": "R-OLD", "lines": [line]},
            {"source": "shop", "externalId": "A", "lines": [line]},
            {"source": "other", "externalId": "D"},
            {"source": "shop", "externalId": "E", "lines": [line, line]}
        ]),
    )
    .await;
    assert_eq!(payload["ordersCount"], 6);
    assert_eq!(payload["ordersImported"], 2);
    assert_eq!(
        statuses(&payload),
        [
            "IMPORTED",
            "INVALID",
            "DUPLICATE",
            "DUPLICATE",
            "INVALID",
            "IMPORTED"
        ]
    );
    assert_eq!(
        payload["results"][1]["errors"],
        json!(["orders.1.lines.0.price: must not be negative"])
    );
    assert_eq!(
        payload["results"][4]["errors"],
        json!(["orders.4.source: must equal the import's source"])
    );
    assert_eq!(
        payload["results"][5]["order"]["lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(app.count("orders").await, 3);
    assert_eq!(app.count("order_lines").await, 3);
}

#[tokio::test]
async fn more_than_a_thousand_orders_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = (0..1001)
        .map(|i| json!({"source": "s", "externalId": i.to_string()}))
        .collect();
    let body = app
        .gql(
            Some(&app.admin_token()),
            IMPORT,
            json!({"input": {"source": "s", "orders": orders}}),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "{}",
        &body.to_string()[..200]
    );
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn a_thousand_orders_import_in_one_call() {
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"source": "bulk", "externalId": format!("E{i}"), "customerEmail": format!("c{}@example.com", i % 50),
                   "lines": [{"name": "x", "quantity": 1, "price": "2.50"}, {"name": "y", "quantity": 2, "price": "1"}]})
        })
        .collect();
    let payload = app
        .admin(
            "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersCount ordersImported } }",
            json!({"input": {"source": "bulk", "orders": orders}}),
        )
        .await;
    assert_eq!(
        payload["importOrders"],
        json!({"ordersCount": 1000, "ordersImported": 1000})
    );
    assert_eq!(app.count("orders").await, 1000);
    assert_eq!(app.count("order_lines").await, 2000);
    assert_eq!(app.count("order_events").await, 1000);
    assert_eq!(app.count("customers").await, 50);
}

#[tokio::test]
async fn concurrent_imports_of_one_order_import_it_once() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            app.spawn_admin(
                IMPORT,
                json!({"input": {"source": "reviews", "orders": [seed_004()]}}),
            )
        })
        .collect();
    let mut imported = 0;
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        let status = &body["data"]["importOrders"]["results"][0]["status"];
        if status == "IMPORTED" {
            imported += 1;
        } else {
            assert_eq!(status, "DUPLICATE");
        }
    }
    assert_eq!(imported, 1);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_lines").await, 1);
}

#[tokio::test]
async fn a_realistic_thousand_order_import_fits_the_default_body_limit() {
    let app = TestApp::spawn().await;
    let address = |i: usize, kind: &str| {
        json!({"name": format!("Customer {i} {kind}"), "companyName": "Example Trading GmbH",
               "address1": format!("{i} Long Industrial Estate Road, Building {kind}"),
               "address2": "Floor 3, Suite 301", "city": "Frankfurt am Main", "postalCode": "60311",
               "country": "DE", "phone": "+49 69 1234567", "email": format!("buyer{i}@example.com")})
    };
    let orders: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"source": "bulk", "externalId": format!("WEBSHOP-2026-{i:06}"), "reference": format!("PO-{i:08}"),
                   "customerEmail": format!("buyer{i}@example.com"), "customerName": format!("Customer {i}"),
                   "submittedAt": "2026-11-30T10:00:00Z", "notes": "Please deliver between 9 and 17 o'clock.",
                   "shippingAddress": address(i, "shipping"), "billingAddress": address(i, "billing"),
                   "lines": (0..3).map(|l| json!({"sku": format!("SKU-{l:04}-XL"), "name": format!("Product number {l}, size XL, colour navy"),
                        "quantity": l + 1, "price": "19.99", "vatPercentage": "19", "ean13": "4006381333931",
                        "category": "Apparel / Shirts"})).collect::<Vec<_>>()})
        })
        .collect();
    let body = json!({"query": "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
        "variables": {"input": {"source": "bulk", "orders": orders}}});
    let size = serde_json::to_vec(&body).unwrap().len();
    assert!(size > 1_300_000, "a realistic document: {size} bytes");
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let payload: Value = response.json().await.unwrap();
    assert_eq!(
        payload["data"]["importOrders"]["ordersImported"], 1000,
        "{payload}"
    );
}
