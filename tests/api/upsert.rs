//! upsertOrder: sync semantics keyed by (source, externalId), idempotent under
//! concurrency.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::place::ORDER_FIELDS;

fn upsert_mutation() -> String {
    format!(
        "mutation($input: UpsertOrderInput!) {{ upsertOrder(input: $input) {{ created order {{ {ORDER_FIELDS} }} }} }}"
    )
}

async fn upsert(app: &TestApp, input: Value) -> Value {
    app.admin(&upsert_mutation(), json!({ "input": input }))
        .await["upsertOrder"]
        .clone()
}

/// Seed 000's sample body, in GraphQL names.
fn seed_000() -> Value {
    json!({
        "source": "custom",
        "externalId": "ORD-12345",
        "status": "PROCESSING",
        "customerEmail": "klant@voorbeeld.nl",
        "customerName": "Jan de Vries",
        "lines": [{"name": "Product A", "quantity": 1, "price": "29.99"}],
        "total": "29.99",
        "currency": "EUR",
        "paymentStatus": "PAID",
        "paymentMethod": "iDEAL",
        "trackingCode": "3SPOST1234567",
        "trackingUrl": "https://postnl.nl/track/3SPOST1234567"
    })
}

#[tokio::test]
async fn seed_000_creates_then_repeats_without_change_then_updates() {
    let app = TestApp::spawn().await;
    let first = upsert(&app, seed_000()).await;
    assert_eq!(first["created"], true);
    let order = &first["order"];
    assert_eq!(order["status"], "PROCESSING");
    assert_eq!(order["totals"]["grossTotal"], "29.99");
    assert_eq!(order["paymentStatus"], "PAID");
    assert_eq!(order["paymentMethod"], "iDEAL");
    assert_eq!(
        order["tracking"],
        json!({"code": "3SPOST1234567", "url": "https://postnl.nl/track/3SPOST1234567", "shippingOption": null})
    );
    assert_eq!(order["customer"]["email"], "klant@voorbeeld.nl");
    assert_eq!(order["version"], 1);

    let again = upsert(&app, seed_000()).await;
    assert_eq!(again["created"], false);
    assert_eq!(again["order"]["id"], order["id"]);
    assert_eq!(
        again["order"]["version"], 1,
        "a repeat that changes nothing writes nothing"
    );
    assert_eq!(again["order"]["events"].as_array().unwrap().len(), 1);

    let mut shipped = seed_000();
    shipped["status"] = json!("SHIPPED");
    let updated = upsert(&app, shipped).await;
    assert_eq!(updated["created"], false);
    assert_eq!(updated["order"]["status"], "SHIPPED");
    assert_eq!(updated["order"]["version"], 2);
    let events = updated["order"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["kind"], "STATUS_CHANGED");
    assert_eq!(events[1]["fromStatus"], "PROCESSING");
    assert_eq!(events[1]["toStatus"], "SHIPPED");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn seed_001_keeps_the_given_total_and_shipping_address() {
    let app = TestApp::spawn().await;
    let created = upsert(
        &app,
        json!({
            "externalId": "L41223D",
            "source": "Example Shop Dot Org",
            "test": false,
            "total": 435.45,
            "shippingCosts": 4.95,
            "shippingAddress": {"firstName": "John", "lastName": "Doe", "companyName": "Jeff",
                                "address1": "Jumpstreet 23", "postalCode": "4500", "city": "LA", "country": "US",
                                "phone": "222 222"},
            "lines": [
                {"externalId": "1", "ean13": "87235211235464", "name": "Pizza margerita", "sku": "PZZA00001",
                 "quantity": 2, "price": 10.99, "brand": "Italian", "category": "Pizza's", "supplier": "Mario",
                 "custom": {"toppings": "onions, olives", "customer_message": "No ananas/pineapple"}},
                {"externalId": "2", "ean13": "07235211235464", "sku": "COKE", "name": "Coca Cola", "quantity": 2,
                 "price": 2.50, "brand": "Coca Cola", "category": "Drinks", "supplier": "The Coca Cola Company",
                 "custom": {"customer_message": "No ice"}}
            ]
        }),
    )
    .await;
    let order = &created["order"];
    assert_eq!(
        order["totals"]["grossTotal"], "435.45",
        "the webshop's total is kept as given"
    );
    assert_eq!(order["totals"]["shippingCosts"], "4.95");
    assert_eq!(
        order["totals"]["totalBeforeVat"], "26.98",
        "computed from the lines"
    );
    assert_eq!(order["shippingAddress"]["address1"], "Jumpstreet 23");
    assert_eq!(order["lines"][1]["custom"]["customer_message"], "No ice");
}

#[tokio::test]
async fn given_lines_replace_the_old_ones_and_the_change_is_recorded() {
    let app = TestApp::spawn().await;
    let mut input = json!({"source": "shop", "externalId": "A1", "lines": [
        {"name": "one", "quantity": 1, "price": "10"}, {"name": "two", "quantity": 2, "price": "5"}
    ]});
    let created = upsert(&app, input.clone()).await;
    assert_eq!(created["order"]["totals"]["grossTotal"], "20.00");
    input["lines"] = json!([{"name": "three", "quantity": 3, "price": "1.5"}]);
    let updated = upsert(&app, input).await;
    let order = &updated["order"];
    let names: Vec<&str> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["three"]);
    assert_eq!(order["totals"]["grossTotal"], "4.50");
    assert_eq!(order["version"], 2);
    let event = order["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(event["kind"], "UPDATED");
    assert_eq!(event["data"]["lines"], json!({"before": 2, "after": 1}));
    assert_eq!(
        event["data"]["changes"]["grossTotal"],
        json!({"before": "20.00", "after": "4.50"})
    );
    assert_eq!(app.count("order_lines").await, 1);
}

#[tokio::test]
async fn absent_fields_stay_and_the_status_is_mirrored_without_workflow_checks() {
    let app = TestApp::spawn().await;
    upsert(
        &app,
        json!({"source": "shop", "externalId": "B1", "status": "DELIVERED", "notes": "keep me",
                        "lines": [{"name": "x", "quantity": 1, "price": "3"}]}),
    )
    .await;
    // DELIVERED -> PENDING is not an allowed transition, but a sync mirrors it.
    let updated = upsert(
        &app,
        json!({"source": "shop", "externalId": "B1", "status": "PENDING"}),
    )
    .await;
    let order = &updated["order"];
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["notes"], "keep me");
    assert_eq!(
        order["lines"].as_array().unwrap().len(),
        1,
        "lines stay when not given"
    );
    let kinds: Vec<&str> = order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["CREATED", "STATUS_CHANGED"]);
}

#[tokio::test]
async fn sixteen_concurrent_identical_upserts_create_one_order() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..16)
        .map(|_| app.spawn_admin(&upsert_mutation(), json!({"input": seed_000()})))
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let body = task.await.unwrap();
        assert!(
            body.get("errors").is_none(),
            "no client sees an error: {body}"
        );
        if body["data"]["upsertOrder"]["created"] == true {
            created += 1;
        }
        ids.insert(
            body["data"]["upsertOrder"]["order"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(created, 1, "created: true exactly once");
    assert_eq!(ids.len(), 1, "every caller got the same order");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_lines").await, 1);
    assert_eq!(
        app.count("order_events").await,
        1,
        "one CREATED, no spurious updates"
    );
}

#[tokio::test]
async fn order_by_external_id_finds_the_synced_order() {
    let app = TestApp::spawn().await;
    let created = upsert(&app, seed_000()).await;
    let found = app
        .admin(
            "{ orderByExternalId(source: \"custom\", externalId: \"ORD-12345\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(found["orderByExternalId"]["id"], created["order"]["id"]);
    let none = app
        .admin(
            "{ orderByExternalId(source: \"shopify\", externalId: \"ORD-12345\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(none["orderByExternalId"], Value::Null);
}

#[tokio::test]
async fn an_empty_key_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &upsert_mutation(),
            json!({"input": {"source": " ", "externalId": ""}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let paths: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["source", "externalId"]);
}

const CREATE_ONCE: &str = "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input, onExisting: KEEP) { created order { id version totals { grossTotal } status events { kind } } } }";

#[tokio::test]
async fn keep_creates_once_and_returns_an_existing_order_unchanged() {
    let app = TestApp::spawn().await;
    let first = app.admin(CREATE_ONCE, json!({"input": seed_000()})).await["upsertOrder"].clone();
    assert_eq!(first["created"], true);
    let mut changed = seed_000();
    changed["total"] = json!("1.00");
    changed["status"] = json!("SHIPPED");
    let again = app
        .admin(CREATE_ONCE, json!({"input": changed.clone()}))
        .await["upsertOrder"]
        .clone();
    assert_eq!(again["created"], false);
    assert_eq!(
        again["order"], first["order"],
        "returned as it was, nothing written"
    );
    // Without KEEP the same input updates: the default is unchanged.
    let updated = upsert(&app, changed).await;
    assert_eq!(updated["created"], false);
    assert_eq!(updated["order"]["status"], "SHIPPED");
}

#[tokio::test]
async fn keep_under_concurrency_creates_exactly_one_order() {
    let app = TestApp::spawn().await;
    let calls: Vec<_> = (0..8)
        .map(|_| app.spawn_admin(CREATE_ONCE, json!({"input": seed_000()})))
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for call in calls {
        let result = call.await.unwrap();
        let payload = &result["data"]["upsertOrder"];
        assert!(payload.is_object(), "{result}");
        if payload["created"] == true {
            created += 1;
        }
        ids.insert(payload["order"]["id"].to_string());
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_events").await, 1);
}
