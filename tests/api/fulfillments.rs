//! Fulfillments (partial shipments): orders shipped in parts, the order's
//! fulfillment status and status following, quantities that never exceed
//! what was ordered (also under concurrency), cancellation, access, the
//! events on a live subscription, deliveries, and the older tracking paths
//! mapped onto fulfillments.

use std::time::{Duration, Instant};

use ordergraph::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, database_id, error_code};
use crate::place::place;

const FULFILLMENT: &str = "id databaseId orderId status carrier tracking { code url }
    lines { orderLineId quantity orderLine { id name } }
    createdAt updatedAt shippedAt deliveredAt cancelledAt";

const ORDER: &str = "id status version fulfillmentStatus tracking { code url shippingOption }
    lines { id name quantity fulfilledQuantity fulfillableQuantity }";

fn create_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: CreateFulfillmentInput!) {{ createFulfillment(orderId: $id, input: $input) {{ fulfillment {{ {FULFILLMENT} }} order {{ {ORDER} }} }} }}"
    )
}

fn status_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: UpdateFulfillmentStatusInput!) {{ updateFulfillmentStatus(id: $id, input: $input) {{ fulfillment {{ {FULFILLMENT} }} order {{ {ORDER} }} }} }}"
    )
}

fn cancel_mutation() -> String {
    format!(
        "mutation($id: ID!) {{ cancelFulfillment(id: $id, note: \"Parcel lost at the depot\") {{ fulfillment {{ {FULFILLMENT} }} order {{ {ORDER} }} }} }}"
    )
}

/// An order of 3 Widgets and 1 Gadget, moved to `status` (PENDING stays).
async fn order_in(app: &TestApp, status: &str) -> Value {
    let order = place(
        app,
        json!({"customerEmail": "ann@example.com", "customerName": "Ann",
               "lines": [{"name": "Widget", "quantity": 3, "price": "10"},
                         {"name": "Gadget", "quantity": 1, "price": "5"}]}),
    )
    .await;
    if status != "PENDING" {
        app.admin(
            "mutation($id: ID!, $s: OrderStatus) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: $s}) { id } }",
            json!({"id": order["id"], "s": status}),
        )
        .await;
    }
    order
}

fn line(order: &Value, i: usize) -> Value {
    order["lines"][i]["id"].clone()
}

/// `createFulfillment` as admin; the whole body.
async fn fulfil(app: &TestApp, order: &Value, input: Value) -> Value {
    app.gql(
        Some(&app.admin_token()),
        &create_mutation(),
        json!({"id": order["id"], "input": input}),
    )
    .await
}

/// `createFulfillment` as admin that must succeed; its payload.
async fn fulfilled(app: &TestApp, order: &Value, input: Value) -> Value {
    let body = fulfil(app, order, input).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createFulfillment"].clone()
}

async fn move_to(app: &TestApp, fulfillment: &Value, status: &str) -> Value {
    app.admin(
        &status_mutation(),
        json!({"id": fulfillment["id"], "input": {"status": status}}),
    )
    .await["updateFulfillmentStatus"]
        .clone()
}

async fn read(app: &TestApp, order: &Value) -> Value {
    app.admin(
        &format!(
            "query($id: ID!) {{ order(id: $id) {{ {ORDER} fulfillments {{ {FULFILLMENT} }} events {{ kind fromStatus toStatus note notify data }} }} }}"
        ),
        json!({"id": order["id"]}),
    )
    .await["order"]
        .clone()
}

fn kinds(order: &Value) -> Vec<String> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = e["kind"].as_str().unwrap();
            match e["toStatus"].as_str() {
                Some(to) if kind == "STATUS_CHANGED" => format!("{kind} {to}"),
                _ => kind.to_owned(),
            }
        })
        .collect()
}

fn fields(body: &Value) -> Vec<(String, String)> {
    body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {body}"))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn two_partial_fulfillments_then_the_rest_fulfil_the_order_and_its_status_follows() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "CONFIRMED").await;

    let first = fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 1}], "carrier": "PostNL",
               "tracking": [{"code": "3S-ONE", "url": "https://postnl.example/3S-ONE"}, {"code": "3S-ONE-B"}]}),
    )
    .await;
    let f1 = &first["fulfillment"];
    assert_eq!(f1["status"], "SHIPPED");
    assert!(f1["shippedAt"].is_string() && f1["deliveredAt"].is_null());
    assert_eq!(f1["lines"][0]["orderLine"]["name"], "Widget");
    assert_eq!(f1["lines"][0]["quantity"], "1.00");
    assert_eq!(
        f1["tracking"],
        json!([{"code": "3S-ONE", "url": "https://postnl.example/3S-ONE"}, {"code": "3S-ONE-B", "url": null}])
    );
    assert_eq!(first["order"]["fulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(first["order"]["status"], "CONFIRMED", "not everything left");
    assert_eq!(first["order"]["lines"][0]["fulfilledQuantity"], "1.00");
    assert_eq!(first["order"]["lines"][0]["fulfillableQuantity"], "2.00");
    assert_eq!(
        first["order"]["tracking"],
        json!({"code": "3S-ONE", "url": "https://postnl.example/3S-ONE", "shippingOption": "PostNL"}),
        "Order.tracking shows the latest shipment"
    );
    assert_eq!(
        first["order"]["version"], 3,
        "a fulfillment changes the order"
    );

    // The second: the other two Widgets, still being packed.
    let second = fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": "2"}], "status": "PENDING"}),
    )
    .await;
    assert_eq!(second["fulfillment"]["status"], "PENDING");
    assert!(second["fulfillment"]["shippedAt"].is_null());
    assert_eq!(second["order"]["fulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(second["order"]["lines"][0]["fulfillableQuantity"], "0.00");

    // The rest (lines left out): only the Gadget is left.
    let rest = fulfilled(
        &app,
        &order,
        json!({"tracking": [{"code": "DHL-3"}], "carrier": "DHL"}),
    )
    .await;
    let lines = rest["fulfillment"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["orderLine"]["name"], "Gadget");
    assert_eq!(lines[0]["quantity"], "1.00");
    assert_eq!(rest["order"]["fulfillmentStatus"], "FULFILLED");
    assert_eq!(
        rest["order"]["status"], "CONFIRMED",
        "one shipment is still being packed"
    );
    assert_eq!(rest["order"]["tracking"]["code"], "DHL-3");

    // The packed one leaves: everything is fulfilled and sent.
    let shipped = move_to(&app, &second["fulfillment"], "SHIPPED").await;
    assert_eq!(shipped["fulfillment"]["status"], "SHIPPED");
    assert!(shipped["fulfillment"]["shippedAt"].is_string());
    assert_eq!(shipped["order"]["status"], "SHIPPED");

    // Deliveries, one by one: the order follows with the last.
    let ids = [
        &first["fulfillment"],
        &second["fulfillment"],
        &rest["fulfillment"],
    ];
    for (i, f) in ids.iter().enumerate() {
        let delivered = move_to(&app, f, "DELIVERED").await;
        assert!(delivered["fulfillment"]["deliveredAt"].is_string());
        let expected = if i == 2 { "DELIVERED" } else { "SHIPPED" };
        assert_eq!(delivered["order"]["status"], expected, "after {i}");
    }

    let read = read(&app, &order).await;
    assert_eq!(read["fulfillments"].as_array().unwrap().len(), 3);
    assert_eq!(
        kinds(&read),
        [
            "CREATED",
            "STATUS_CHANGED CONFIRMED",
            "FULFILLMENT_CREATED",
            "FULFILLMENT_CREATED",
            "FULFILLMENT_CREATED",
            "FULFILLMENT_UPDATED",
            "STATUS_CHANGED SHIPPED",
            "FULFILLMENT_UPDATED",
            "FULFILLMENT_UPDATED",
            "FULFILLMENT_UPDATED",
            "STATUS_CHANGED DELIVERED",
        ]
    );
    let events = read["events"].as_array().unwrap();
    let created = &events[2]["data"];
    assert_eq!(created["fulfillment"]["id"], first["fulfillment"]["id"]);
    assert_eq!(created["fulfillment"]["lines"][0]["name"], "Widget");
    assert_eq!(created["fulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(created["wholeOrder"], false);
    assert_eq!(
        events[5]["data"]["changes"]["status"],
        json!({"before": "PENDING", "after": "SHIPPED"})
    );
    assert_eq!(
        events[6]["note"],
        "Every line is fulfilled and every shipment has left"
    );
    assert_eq!(events[6]["notify"], false, "the status follows quietly");
}

#[tokio::test]
async fn over_fulfillment_is_refused_naming_the_line_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "PROCESSING").await;
    let other = order_in(&app, "PROCESSING").await;
    fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 2}]}),
    )
    .await;

    let body = fulfil(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 1), "quantity": 1},
                         {"lineId": line(&order, 0), "quantity": "1.5"}]}),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let problems = fields(&body);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "input.lines.1.quantity");
    assert!(
        problems[0].1.contains("at most 1.00 of line \"Widget\"")
            && problems[0].1.contains("ordered 3.00, in fulfillments 2.00"),
        "{}",
        problems[0].1
    );

    // Every other problem of the input is named at once, before anything is read.
    let body = fulfil(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 1), "quantity": 0},
                         {"lineId": line(&order, 1), "quantity": 1},
                         {"lineId": order["id"], "quantity": 1}],
               "status": "DELIVERED", "carrier": "x".repeat(256),
               "tracking": [{"code": " ", "url": "ftp://example.com/x"}, {"code": "A"}, {"code": "A", "url": "not a url"}]}),
    )
    .await;
    let paths: Vec<String> = fields(&body).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "input.lines.0.quantity",
            "input.lines.1.lineId",
            "input.lines.2.lineId",
            "input.status",
            "input.carrier",
            "input.tracking.0.code",
            "input.tracking.0.url",
            "input.tracking.2.code",
            "input.tracking.2.url",
        ],
        "{body}"
    );
    let body = fulfil(&app, &order, json!({"lines": []})).await;
    assert_eq!(fields(&body)[0].0, "input.lines");
    let body = fulfil(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&other, 0), "quantity": 1}]}),
    )
    .await;
    assert_eq!(
        fields(&body),
        [(
            "input.lines.0.lineId".to_owned(),
            "is not a line of this order".to_owned()
        )]
    );

    // The rest fits exactly; after it, nothing is left.
    fulfilled(&app, &order, json!({})).await;
    let body = fulfil(&app, &order, json!({})).await;
    assert_eq!(fields(&body)[0].0, "input.lines");
    assert!(fields(&body)[0].1.contains("nothing is left"), "{body}");
    assert_eq!(
        app.count("fulfillments").await,
        2,
        "no refusal wrote anything"
    );
    assert_eq!(app.count("fulfillment_lines").await, 3);
}

#[tokio::test]
async fn ten_concurrent_fulfillments_never_exceed_what_was_ordered() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "Crate", "quantity": 5, "price": "4"}]}),
    )
    .await;
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: PROCESSING}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let input = json!({"lines": [{"lineId": line(&order, 0), "quantity": 1}]});
    let calls: Vec<_> = (0..10)
        .map(|_| {
            app.spawn_admin(
                &create_mutation(),
                json!({"id": order["id"], "input": input}),
            )
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        let body = call.await.unwrap();
        match error_code(&body) {
            None => ok += 1,
            Some(code) => {
                assert_eq!(code, "BAD_USER_INPUT", "{body}");
                assert_eq!(fields(&body)[0].0, "input.lines.0.quantity");
            }
        }
    }
    assert_eq!(ok, 5, "exactly what was ordered ships");
    let read = read(&app, &order).await;
    assert_eq!(read["lines"][0]["fulfilledQuantity"], "5.00");
    assert_eq!(read["fulfillmentStatus"], "FULFILLED");
    assert_eq!(read["status"], "SHIPPED");
    assert_eq!(read["fulfillments"].as_array().unwrap().len(), 5);
    assert_eq!(app.count("fulfillment_lines").await, 5);
    let shipped = kinds(&read)
        .iter()
        .filter(|k| *k == "STATUS_CHANGED SHIPPED")
        .count();
    assert_eq!(shipped, 1, "the order moved once");
}

#[tokio::test]
async fn an_order_that_cannot_move_to_shipped_is_not_fulfilled() {
    let app = TestApp::spawn().await;
    for (status, allowed) in [
        (
            "PENDING",
            json!([
                "CONFIRMED",
                "PROCESSING",
                "IN_PROGRESS",
                "ON_HOLD",
                "CANCELLED"
            ]),
        ),
        (
            "ON_HOLD",
            json!([
                "PENDING",
                "CONFIRMED",
                "PROCESSING",
                "IN_PROGRESS",
                "CANCELLED"
            ]),
        ),
        ("CANCELLED", json!(["REFUNDED"])),
    ] {
        let order = order_in(&app, status).await;
        let body = fulfil(&app, &order, json!({})).await;
        assert_eq!(error_code(&body), Some("INVALID_TRANSITION"), "{body}");
        let ext = &body["errors"][0]["extensions"];
        assert_eq!(ext["from"], status);
        assert_eq!(ext["to"], "SHIPPED");
        assert_eq!(ext["allowed"], allowed);
    }
    assert_eq!(app.count("fulfillments").await, 0);

    // A packed shipment of an order put on hold afterwards does not leave.
    let order = order_in(&app, "CONFIRMED").await;
    let packed = fulfilled(&app, &order, json!({"status": "PENDING"})).await;
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: ON_HOLD}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &status_mutation(),
            json!({"id": packed["fulfillment"]["id"], "input": {"status": "SHIPPED"}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("INVALID_TRANSITION"), "{body}");
    let body = app
        .gql(
            Some(&app.admin_token()),
            &status_mutation(),
            json!({"id": packed["fulfillment"]["id"], "input": {"status": "CANCELLED"}}),
        )
        .await;
    assert_eq!(fields(&body)[0].0, "input.status", "{body}");
}

#[tokio::test]
async fn cancelling_a_fulfillment_returns_its_quantities() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "PROCESSING").await;
    let all = fulfilled(
        &app,
        &order,
        json!({"tracking": [{"code": "LOST-1", "url": "https://track.example/LOST-1"}]}),
    )
    .await;
    assert_eq!(all["order"]["status"], "SHIPPED");
    assert_eq!(all["order"]["fulfillmentStatus"], "FULFILLED");

    let cancelled = app
        .admin(&cancel_mutation(), json!({"id": all["fulfillment"]["id"]}))
        .await["cancelFulfillment"]
        .clone();
    assert_eq!(cancelled["fulfillment"]["status"], "CANCELLED");
    assert!(cancelled["fulfillment"]["cancelledAt"].is_string());
    let after = &cancelled["order"];
    assert_eq!(after["fulfillmentStatus"], "UNFULFILLED");
    assert_eq!(after["lines"][0]["fulfilledQuantity"], "0.00");
    assert_eq!(after["lines"][0]["fulfillableQuantity"], "3.00");
    assert_eq!(
        after["status"], "SHIPPED",
        "the workflow has no way back from SHIPPED"
    );
    assert!(
        after["tracking"].is_null(),
        "the cancelled shipment's code is no longer shown: {after}"
    );

    // The freed quantities ship again, and the new shipment gets delivered.
    let again = fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 3}, {"lineId": line(&order, 1), "quantity": 1}],
               "tracking": [{"code": "FOUND-2"}]}),
    )
    .await;
    assert_eq!(again["order"]["fulfillmentStatus"], "FULFILLED");
    assert_eq!(again["order"]["tracking"]["code"], "FOUND-2");
    move_to(&app, &again["fulfillment"], "DELIVERED").await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &cancel_mutation(),
            json!({"id": again["fulfillment"]["id"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(fields(&body)[0].0, "id");

    let read = read(&app, &order).await;
    let statuses: Vec<&str> = read["fulfillments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CANCELLED", "DELIVERED"]);
    assert_eq!(read["status"], "DELIVERED");
    let event = read["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "FULFILLMENT_CANCELLED")
        .unwrap()
        .clone();
    assert_eq!(event["note"], "Parcel lost at the depot");
    assert_eq!(event["data"]["fulfillmentStatus"], "UNFULFILLED");
    assert_eq!(event["data"]["fulfillment"]["status"], "CANCELLED");
}

#[tokio::test]
async fn tracking_changes_replace_the_codes_and_the_order_shows_the_latest() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "CONFIRMED").await;
    let one = fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 1), "quantity": 1}], "status": "PENDING"}),
    )
    .await;
    assert!(one["order"]["tracking"].is_null(), "no code yet");
    let update = "mutation($id: ID!, $input: UpdateFulfillmentTrackingInput!) { updateFulfillmentTracking(id: $id, input: $input) { fulfillment { carrier tracking { code url } } order { version tracking { code url shippingOption } } } }";
    let changed = app
        .admin(
            update,
            json!({"id": one["fulfillment"]["id"], "input": {"carrier": "UPS", "tracking": [{"code": "1Z9", "url": "https://ups.example/1Z9"}]}}),
        )
        .await["updateFulfillmentTracking"]
        .clone();
    assert_eq!(
        changed["fulfillment"],
        json!({"carrier": "UPS", "tracking": [{"code": "1Z9", "url": "https://ups.example/1Z9"}]})
    );
    assert_eq!(
        changed["order"]["tracking"],
        json!({"code": "1Z9", "url": "https://ups.example/1Z9", "shippingOption": "UPS"})
    );
    let version = changed["order"]["version"].clone();
    let same = app
        .admin(
            update,
            json!({"id": one["fulfillment"]["id"], "input": {"carrier": "UPS"}}),
        )
        .await["updateFulfillmentTracking"]
        .clone();
    assert_eq!(
        same["order"]["version"], version,
        "a change to nothing writes nothing"
    );

    // Stale versions and empty changes are refused.
    let stale = app
        .gql(
            Some(&app.admin_token()),
            update,
            json!({"id": one["fulfillment"]["id"], "input": {"carrier": "DHL", "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let empty = app
        .gql(
            Some(&app.admin_token()),
            update,
            json!({"id": one["fulfillment"]["id"], "input": {}}),
        )
        .await;
    assert_eq!(fields(&empty)[0].0, "input");

    let cleared = app
        .admin(
            update,
            json!({"id": one["fulfillment"]["id"], "input": {"tracking": []}}),
        )
        .await["updateFulfillmentTracking"]
        .clone();
    assert_eq!(cleared["fulfillment"]["tracking"], json!([]));
    assert!(cleared["order"]["tracking"]["code"].is_null(), "{cleared}");
    let event = read(&app, &order).await["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(event["kind"], "FULFILLMENT_UPDATED");
    assert_eq!(
        event["data"]["changes"]["tracking"]["before"][0]["code"],
        "1Z9"
    );
}

#[tokio::test]
async fn staff_and_integrations_fulfil_and_customers_only_read_their_own() {
    let app = TestApp::spawn().await;
    let order = app
        .admin(
            "mutation { placeOrder(input: {customerEmail: \"own@example.com\", lines: [{name: \"Tea\", quantity: 2, price: \"3\"}]}) { id customer { id } lines { id } } }",
            json!({}),
        )
        .await["placeOrder"]
        .clone();
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let customer = app.token(Role::Customer, Some(database_id(&order["customer"]["id"])));
    let stranger = app.token(Role::Customer, Some(999_999));
    let create = "mutation($id: ID!, $line: ID!) { createFulfillment(orderId: $id, input: {lines: [{lineId: $line, quantity: 1}]}) { fulfillment { id } } }";
    let vars = json!({"id": order["id"], "line": order["lines"][0]["id"]});

    let refused = app.gql(Some(&customer), create, vars.clone()).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let anonymous = app.gql(None, create, vars.clone()).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    let staff = app
        .gql(Some(&app.token(Role::Staff, None)), create, vars.clone())
        .await;
    assert!(staff.get("errors").is_none(), "{staff}");
    let integration = app
        .gql(Some(&app.token(Role::Integration, None)), create, vars)
        .await;
    assert!(integration.get("errors").is_none(), "{integration}");
    let fulfillment = integration["data"]["createFulfillment"]["fulfillment"]["id"].clone();

    for (name, mutation) in [
        (
            "updateFulfillmentStatus",
            "mutation($id: ID!) { updateFulfillmentStatus(id: $id, input: {status: DELIVERED}) { fulfillment { id } } }",
        ),
        (
            "updateFulfillmentTracking",
            "mutation($id: ID!) { updateFulfillmentTracking(id: $id, input: {carrier: \"x\"}) { fulfillment { id } } }",
        ),
        (
            "cancelFulfillment",
            "mutation($id: ID!) { cancelFulfillment(id: $id) { fulfillment { id } } }",
        ),
    ] {
        let body = app
            .gql(Some(&customer), mutation, json!({"id": fulfillment}))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{name}: {body}");
    }

    // The customer reads them on their order and by id; another customer does not.
    let own = app
        .gql(
            Some(&customer),
            "query($id: ID!, $f: ID!) { order(id: $id) { fulfillmentStatus fulfillments { id status lines { quantity orderLine { name } } } } node(id: $f) { ... on Fulfillment { id status order { id } } } }",
            json!({"id": order["id"], "f": fulfillment}),
        )
        .await;
    assert!(own.get("errors").is_none(), "{own}");
    assert_eq!(own["data"]["order"]["fulfillmentStatus"], "FULFILLED");
    assert_eq!(
        own["data"]["order"]["fulfillments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        own["data"]["order"]["fulfillments"][1]["lines"][0]["orderLine"]["name"],
        "Tea"
    );
    assert_eq!(own["data"]["node"]["id"], fulfillment);
    assert_eq!(own["data"]["node"]["order"]["id"], order["id"]);
    let other = app
        .gql(
            Some(&stranger),
            "query($f: ID!) { node(id: $f) { id } }",
            json!({"f": fulfillment}),
        )
        .await;
    assert!(other["data"]["node"].is_null(), "{other}");
    // A fulfillment id where an order id is asked names the argument.
    let wrong = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!) { createFulfillment(orderId: $id, input: {}) { fulfillment { id } } }",
            json!({"id": fulfillment}),
        )
        .await;
    assert_eq!(fields(&wrong)[0].0, "orderId", "{wrong}");
}

#[tokio::test]
async fn every_change_reaches_an_order_events_subscriber() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "CONFIRMED").await;
    let mut ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    ws.send(json!({"id": "s", "type": "subscribe", "payload": {
        "query": "subscription($o: ID) { orderEvents(orderId: $o, kinds: [FULFILLMENT_CREATED, FULFILLMENT_UPDATED, FULFILLMENT_CANCELLED, STATUS_CHANGED]) { kind toStatus data } }",
        "variables": {"o": order["id"]}}}))
        .await;
    app.until_subscriptions(1).await;

    let packed = fulfilled(&app, &order, json!({"status": "PENDING"})).await;
    let f = &packed["fulfillment"];
    app.admin(
        "mutation($id: ID!) { updateFulfillmentTracking(id: $id, input: {tracking: [{code: \"T-1\"}]}) { fulfillment { id } } }",
        json!({"id": f["id"]}),
    )
    .await;
    move_to(&app, f, "SHIPPED").await;
    app.admin(&cancel_mutation(), json!({"id": f["id"]})).await;

    let mut got = Vec::new();
    while got.len() < 5 {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next_json())
            .await
            .expect("the events arrive");
        assert_eq!(message["type"], "next", "{message}");
        got.push(message["payload"]["data"]["orderEvents"].clone());
    }
    let summary: Vec<String> = got
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["toStatus"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "FULFILLMENT_CREATED -",
            "FULFILLMENT_UPDATED -",
            "FULFILLMENT_UPDATED -",
            "STATUS_CHANGED SHIPPED",
            "FULFILLMENT_CANCELLED -",
        ]
    );
    for event in &got[..3] {
        assert_eq!(event["data"]["fulfillment"]["id"], f["id"]);
    }
    assert_eq!(got[1]["data"]["fulfillment"]["tracking"][0]["code"], "T-1");
    assert_eq!(got[4]["data"]["fulfillment"]["status"], "CANCELLED");
}

#[tokio::test]
async fn notify_e_mails_the_customer_what_ships_and_webhooks_get_the_fulfillment() {
    let app = TestApp::spawn_with(|c| {
        c.delivery_poll_ms = 100;
        c.webhook_allow_private = true;
    })
    .await;
    let receiver = crate::peers::WebhookReceiver::start().await;
    let created = app
        .admin(
            "mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }",
            json!({"input": {"url": receiver.url(), "kinds": ["FULFILLMENT_CREATED"]}}),
        )
        .await;
    receiver.set_secret(created["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let order = order_in(&app, "PROCESSING").await;
    let number = order["number"].as_str().unwrap().to_owned();
    fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 2}], "carrier": "PostNL", "notify": true,
               "tracking": [{"code": "3SABC", "url": "https://postnl.example/3SABC"}]}),
    )
    .await;

    let hooks = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert!(hooks[0].verified);
    assert_eq!(hooks[0].body["type"], "order.fulfillment_created");
    let event = &hooks[0].body["data"]["event"];
    assert_eq!(event["data"]["fulfillment"]["carrier"], "PostNL");
    assert_eq!(event["data"]["fulfillment"]["lines"][0]["quantity"], "2.00");

    let query = "query($id: ID!) { order(id: $id) { deliveries { channel state template recipient email { subject textBody } } } }";
    let deadline = Instant::now() + Duration::from_secs(15);
    let mail = loop {
        let rows =
            app.admin(query, json!({"id": order["id"]})).await["order"]["deliveries"].clone();
        let kept = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["channel"] == "EMAIL" && d["state"] == "KEPT")
            .cloned();
        if let Some(mail) = kept {
            break mail;
        }
        assert!(Instant::now() < deadline, "no e-mail: {rows}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(mail["template"], "FULFILLMENT_UPDATE");
    assert_eq!(mail["recipient"], "ann@example.com");
    assert_eq!(
        mail["email"]["subject"],
        format!("Part of your order {number} is on its way")
    );
    let text = mail["email"]["textBody"].as_str().unwrap();
    assert!(text.contains("2.00 x Widget"), "{text}");
    assert!(text.contains("https://postnl.example/3SABC"), "{text}");
}

#[tokio::test]
async fn set_order_tracking_records_a_fulfillment_of_what_is_left_or_updates_the_latest() {
    let app = TestApp::spawn().await;
    let tracking = "mutation($id: ID!, $input: TrackingInput!) { setOrderTracking(id: $id, input: $input) { status tracking { code url shippingOption } } }";

    // An order that may not ship keeps the tracking on the order alone.
    let pending = order_in(&app, "PENDING").await;
    app.admin(
        tracking,
        json!({"id": pending["id"], "input": {"code": "EARLY"}}),
    )
    .await;
    let read_pending = read(&app, &pending).await;
    assert_eq!(read_pending["tracking"]["code"], "EARLY");
    assert_eq!(read_pending["fulfillments"], json!([]));
    assert_eq!(read_pending["fulfillmentStatus"], "UNFULFILLED");

    // A confirmed one gets a shipment of everything left, with that code.
    let order = order_in(&app, "CONFIRMED").await;
    fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 1}], "tracking": [{"code": "FIRST"}]}),
    )
    .await;
    app.admin(
        "mutation($id: ID!) { cancelFulfillment(id: $id) { fulfillment { id } } }",
        json!({"id": read(&app, &order).await["fulfillments"][0]["id"]}),
    )
    .await;
    let set = app
        .admin(
            tracking,
            json!({"id": order["id"], "input": {"code": "GB-1", "url": "https://rm.example/GB-1", "shippingOption": "Royal Mail"}}),
        )
        .await["setOrderTracking"]
        .clone();
    assert_eq!(
        set["status"], "CONFIRMED",
        "the status moves only when asked"
    );
    let after = read(&app, &order).await;
    let live = &after["fulfillments"][1];
    assert_eq!(live["status"], "SHIPPED");
    assert_eq!(live["carrier"], "Royal Mail");
    assert_eq!(
        live["tracking"],
        json!([{"code": "GB-1", "url": "https://rm.example/GB-1"}])
    );
    assert_eq!(live["lines"].as_array().unwrap().len(), 2);
    assert_eq!(live["lines"][0]["quantity"], "3.00");
    assert_eq!(after["fulfillmentStatus"], "FULFILLED");
    let tail: Vec<String> = kinds(&after).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["FULFILLMENT_CREATED", "TRACKING_UPDATED"]);

    // Again: the latest live shipment gets the new code; nothing new is recorded.
    app.admin(
        tracking,
        json!({"id": order["id"], "input": {"code": "GB-2", "status": "SHIPPED"}}),
    )
    .await;
    let again = read(&app, &order).await;
    assert_eq!(again["fulfillments"].as_array().unwrap().len(), 2);
    assert_eq!(
        again["fulfillments"][1]["tracking"],
        json!([{"code": "GB-2", "url": "https://rm.example/GB-1"}]),
        "the URL stays, as it does on the order"
    );
    assert_eq!(again["fulfillments"][1]["carrier"], "Royal Mail");
    assert_eq!(
        again["tracking"],
        json!({"code": "GB-2", "url": "https://rm.example/GB-1", "shippingOption": "Royal Mail"})
    );
    assert_eq!(again["status"], "SHIPPED");
    let tail: Vec<String> = kinds(&again).into_iter().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            "FULFILLMENT_UPDATED",
            "TRACKING_UPDATED",
            "STATUS_CHANGED SHIPPED"
        ]
    );

    // Seed 003's endpoint is the same path.
    let other = order_in(&app, "PROCESSING").await;
    let response = app
        .client
        .patch(app.url(&format!(
            "/api/orders/{}/set_shipping_tracking",
            database_id(&other["id"])
        )))
        .bearer_auth(app.admin_token())
        .json(&json!({"shipping_tracking": "WH-77", "shipping_option_id": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let wholesale = read(&app, &other).await;
    assert_eq!(wholesale["fulfillments"][0]["tracking"][0]["code"], "WH-77");
    assert_eq!(wholesale["fulfillments"][0]["carrier"], "7");
    assert_eq!(wholesale["fulfillmentStatus"], "FULFILLED");
}

#[tokio::test]
async fn synced_tracking_updates_the_latest_shipment_and_synced_lines_cannot_replace_shipped_ones()
{
    let app = TestApp::spawn().await;
    let upsert = "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { order { id version lines { id } fulfillments { id tracking { code url } } tracking { code } events { kind } } } }";
    let input = json!({"source": "shop", "externalId": "S-1", "status": "PROCESSING", "trackingCode": "SYNC-1",
                       "lines": [{"name": "Lamp", "quantity": 2, "price": "20"}]});
    let created = app.admin(upsert, json!({"input": input})).await["upsertOrder"]["order"].clone();
    assert_eq!(
        created["fulfillments"],
        json!([]),
        "a sync records no shipment by itself"
    );
    fulfilled(&app, &created, json!({})).await;

    let mut moved = input.clone();
    moved["trackingCode"] = json!("SYNC-2");
    moved["trackingUrl"] = json!("https://shop.example/SYNC-2");
    let synced = app.admin(upsert, json!({"input": moved})).await["upsertOrder"]["order"].clone();
    assert_eq!(
        synced["fulfillments"][0]["tracking"],
        json!([{"code": "SYNC-2", "url": "https://shop.example/SYNC-2"}])
    );
    assert_eq!(synced["tracking"]["code"], "SYNC-2");
    let last = synced["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "FULFILLMENT_UPDATED");

    let mut relined = input.clone();
    relined["lines"] = json!([{"name": "Lamp", "quantity": 1, "price": "20"}]);
    let body = app
        .gql(Some(&app.admin_token()), upsert, json!({"input": relined}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(fields(&body)[0].0, "lines");

    // Seed 000's hub names the same problem by its own path.
    let key = crate::dialects::api_key(&app, "shop", "INTEGRATION").await;
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("x-api-key", key)
        .json(
            &json!({"platform": "shop", "orderNumber": "S-1", "orderStatus": "processing",
                      "items": [{"name": "Lamp", "quantity": 1, "price": "20"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["errors"][0]["path"], "items", "{answer}");
}

#[tokio::test]
async fn line_edits_respect_what_is_fulfilled_and_the_order_follows_them() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "PROCESSING").await;
    fulfilled(
        &app,
        &order,
        json!({"lines": [{"lineId": line(&order, 0), "quantity": 2}]}),
    )
    .await;
    let change = "mutation($id: ID!, $input: ChangeOrderLineInput!) { changeOrderLine(orderId: $id, input: $input) { status fulfillmentStatus } }";
    let remove = "mutation($id: ID!, $line: ID!) { removeOrderLine(orderId: $id, lineId: $line) { order { status fulfillmentStatus } } }";

    let below = app
        .gql(
            Some(&app.admin_token()),
            change,
            json!({"id": order["id"], "input": {"lineId": line(&order, 0), "quantity": "1.5"}}),
        )
        .await;
    assert_eq!(fields(&below)[0].0, "input.quantity", "{below}");
    let held = app
        .gql(
            Some(&app.admin_token()),
            remove,
            json!({"id": order["id"], "line": line(&order, 0)}),
        )
        .await;
    assert_eq!(fields(&held)[0].0, "lineId", "{held}");

    // Ordering exactly what shipped, and dropping the unshipped line: the
    // order is fulfilled and sent, and follows.
    let exact = app
        .admin(
            change,
            json!({"id": order["id"], "input": {"lineId": line(&order, 0), "quantity": 2}}),
        )
        .await["changeOrderLine"]
        .clone();
    assert_eq!(exact["fulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(exact["status"], "PROCESSING");
    let removed = app
        .admin(remove, json!({"id": order["id"], "line": line(&order, 1)}))
        .await["removeOrderLine"]["order"]
        .clone();
    assert_eq!(removed["fulfillmentStatus"], "FULFILLED");
    assert_eq!(removed["status"], "SHIPPED");
}

#[tokio::test]
async fn nested_fulfillment_fields_cost_the_same_statements_for_any_page_size() {
    use std::sync::atomic::Ordering;
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = (0..30)
        .map(|i| {
            json!({"source": "load", "externalId": format!("N{i}"), "status": "CONFIRMED",
                   "lines": [{"name": "a", "quantity": 2, "price": "1"}, {"name": "b", "quantity": 1, "price": "3"}]})
        })
        .collect();
    app.admin(
        "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
        json!({"input": {"source": "load", "orders": orders}}),
    )
    .await;
    let listed = app
        .admin(
            "{ orders(first: 30) { nodes { id lines { id } } } }",
            json!({}),
        )
        .await;
    for node in listed["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(3)
    {
        fulfilled(
            &app,
            node,
            json!({"lines": [{"lineId": node["lines"][0]["id"], "quantity": 1}], "tracking": [{"code": "N"}]}),
        )
        .await;
    }
    let query = "query($n: Int) { orders(first: $n) { nodes { id fulfillmentStatus
        lines { fulfilledQuantity fulfillableQuantity }
        fulfillments { id status tracking { code } lines { quantity orderLine { name } } } } } }";
    let mut counts = Vec::new();
    for n in [3, 30] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.admin(query, json!({"n": n})).await;
        counts.push(app.statements.load(Ordering::SeqCst) - before);
        let nodes = data["orders"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        let partial = nodes
            .iter()
            .filter(|o| o["fulfillmentStatus"] == "PARTIALLY_FULFILLED")
            .count();
        assert_eq!(partial, n / 3, "{data}");
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 3 and 30 orders: {counts:?}"
    );
}

#[tokio::test]
async fn the_migration_goes_down_and_up_again() {
    let app = TestApp::spawn().await;
    let order = order_in(&app, "CONFIRMED").await;
    fulfilled(&app, &order, json!({})).await;
    let database = app.stop().await;
    let url = database.database_url().to_owned();
    crate::cli::migrate_down_until(&url, "m20261207_000012_fulfillments");
    let db = sea_orm::Database::connect(&url).await.unwrap();
    for table in ["fulfillment_lines", "fulfillments"] {
        let gone = db
            .execute_unprepared(&format!("SELECT COUNT(*) FROM {table}"))
            .await;
        assert!(gone.is_err(), "{table} was dropped");
    }
    db.close().await.unwrap();

    // Started again, the server migrates up: empty tables, and they work.
    let app = database.start(|_| {}).await;
    assert_eq!(app.count("fulfillments").await, 0);
    let order = order_in(&app, "CONFIRMED").await;
    let done = fulfilled(&app, &order, json!({})).await;
    assert_eq!(done["order"]["status"], "SHIPPED");
}
