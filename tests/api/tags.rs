//! Order tags: normalised and unique per order regardless of case, added and
//! removed as order changes (version, TAGS_UPDATED), filtered by any or all,
//! loaded per page in batches, and kept from customers.

use std::sync::atomic::Ordering;

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, database_id, error_code};

const ADD: &str = "mutation($id: ID!, $tags: [String!]!, $v: Int) { addOrderTags(id: $id, tags: $tags, expectedVersion: $v) { version tags events { kind data } } }";
const REMOVE: &str = "mutation($id: ID!, $tags: [String!]!, $v: Int) { removeOrderTags(id: $id, tags: $tags, expectedVersion: $v) { version tags events { kind data } } }";

async fn place(app: &TestApp, email: &str) -> Value {
    app.admin(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id customer { id } } }",
        json!({"input": {"customerEmail": email, "lines": [{"name": "Tea", "quantity": 1, "price": "3.50"}]}}),
    )
    .await["placeOrder"]
        .clone()
}

async fn add(app: &TestApp, id: &Value, tags: Value) -> Value {
    app.admin(ADD, json!({"id": id, "tags": tags})).await["addOrderTags"].clone()
}

async fn remove(app: &TestApp, id: &Value, tags: Value) -> Value {
    app.admin(REMOVE, json!({"id": id, "tags": tags})).await["removeOrderTags"].clone()
}

fn tag_events(order: &Value) -> Vec<Value> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "TAGS_UPDATED")
        .cloned()
        .collect()
}

#[tokio::test]
async fn tags_are_normalised_unique_regardless_of_case_and_repeats_change_nothing() {
    let app = TestApp::spawn().await;
    let order = place(&app, "ann@example.com").await;
    let tagged = add(&app, &order["id"], json!(["VIP", "  gift \t wrap ", "vip"])).await;
    assert_eq!(tagged["tags"], json!(["gift wrap", "VIP"]));
    assert_eq!(tagged["version"], 2);
    let events = tag_events(&tagged);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["data"],
        json!({"added": ["VIP", "gift wrap"], "removed": [],
               "tags": {"before": [], "after": ["gift wrap", "VIP"]}})
    );

    let again = add(&app, &order["id"], json!(["vip", "GIFT WRAP"])).await;
    assert_eq!(again["version"], 2, "nothing new: nothing written");
    assert_eq!(
        again["tags"],
        json!(["gift wrap", "VIP"]),
        "first spelling stays"
    );
    assert_eq!(tag_events(&again).len(), 1);

    let fewer = remove(&app, &order["id"], json!(["Gift Wrap", "never there"])).await;
    assert_eq!(fewer["tags"], json!(["VIP"]));
    assert_eq!(fewer["version"], 3);
    assert_eq!(
        tag_events(&fewer)[1]["data"],
        json!({"added": [], "removed": ["gift wrap"],
               "tags": {"before": ["gift wrap", "VIP"], "after": ["VIP"]}})
    );
    let same = remove(&app, &order["id"], json!(["never there"])).await;
    assert_eq!(same["version"], 3);
    assert_eq!(app.count("order_tags").await, 1);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_tags_stay() {
    let app = TestApp::spawn().await;
    let order = place(&app, "ann@example.com").await;
    add(&app, &order["id"], json!(["a"])).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            ADD,
            json!({"id": order["id"], "tags": ["b"], "v": 1}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let ok = app
        .admin(ADD, json!({"id": order["id"], "tags": ["b"], "v": 2}))
        .await;
    assert_eq!(ok["addOrderTags"]["tags"], json!(["a", "b"]));
}

#[tokio::test]
async fn bad_tags_are_named_by_index_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let order = place(&app, "ann@example.com").await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            ADD,
            json!({"id": order["id"], "tags": ["ok", " ", "a,b", "x".repeat(41)]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let paths: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["tags.1", "tags.2", "tags.3"]);
    assert_eq!(app.count("order_tags").await, 0);
    let none = app
        .gql(
            Some(&app.admin_token()),
            ADD,
            json!({"id": order["id"], "tags": []}),
        )
        .await;
    assert_eq!(none["errors"][0]["extensions"]["fields"][0]["path"], "tags");
    let filter = app
        .gql(
            Some(&app.admin_token()),
            "{ orders(filter: {tagsAll: [\"fine\", \"\"]}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        filter["errors"][0]["extensions"]["fields"][0]["path"], "filter.tagsAll.1",
        "{filter}"
    );
}

#[tokio::test]
async fn the_filter_matches_orders_with_any_or_all_of_the_tags() {
    let app = TestApp::spawn().await;
    let mut ids = std::collections::HashMap::new();
    for (name, tags) in [
        ("A", json!(["vip", "gift"])),
        ("B", json!(["VIP"])),
        ("C", json!(["Gift", "rush"])),
        ("D", json!([])),
    ] {
        let order = place(&app, &format!("{name}@example.com")).await;
        if tags != json!([]) {
            add(&app, &order["id"], tags).await;
        }
        ids.insert(order["id"].as_str().unwrap().to_owned(), name);
    }
    let found = |filter: Value| {
        let (app, ids) = (&app, &ids);
        async move {
            let data = app
                .admin(
                    "query($f: OrderFilter) { orders(filter: $f, first: 100) { totalCount nodes { id } } }",
                    json!({ "f": filter }),
                )
                .await;
            let mut names: Vec<&str> = data["orders"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| ids[n["id"].as_str().unwrap()])
                .collect();
            names.sort_unstable();
            assert_eq!(data["orders"]["totalCount"], names.len());
            names.join("")
        }
    };
    assert_eq!(found(json!({"tagsAny": ["VIP"]})).await, "AB");
    assert_eq!(found(json!({"tagsAny": ["gift", "rush"]})).await, "AC");
    assert_eq!(found(json!({"tagsAll": ["vip", "GIFT"]})).await, "A");
    assert_eq!(found(json!({"tagsAll": ["gift"]})).await, "AC");
    assert_eq!(
        found(json!({"tagsAll": ["gift", "gift", "Gift"]})).await,
        "AC",
        "repeats count once"
    );
    assert_eq!(found(json!({"tagsAll": ["gift", "nowhere"]})).await, "");
    assert_eq!(
        found(json!({"tagsAny": ["vip"], "tagsAll": ["rush"]})).await,
        ""
    );
    assert_eq!(
        found(json!({"tagsAny": ["rush", "vip"], "tagsAll": ["gift"]})).await,
        "AC"
    );
    assert_eq!(found(json!({"tagsAny": []})).await, "");
    assert_eq!(found(json!({"tagsAll": []})).await, "ABCD");
    assert_eq!(
        found(json!({"tagsAny": ["gift"], "search": "c@example"})).await,
        "C"
    );

    let stats = app
        .admin(
            "{ orderStats(filter: {tagsAll: [\"gift\"]}) { totalOrders revenue { currency amount } } }",
            json!({}),
        )
        .await;
    assert_eq!(stats["orderStats"]["totalOrders"], 2);
    assert_eq!(stats["orderStats"]["revenue"][0]["amount"], "7.00");
}

#[tokio::test]
async fn a_page_of_orders_loads_its_tags_in_a_constant_number_of_statements() {
    let app = TestApp::spawn().await;
    for i in 0..12 {
        let order = place(&app, &format!("p{i}@example.com")).await;
        add(
            &app,
            &order["id"],
            json!([format!("batch-{}", i % 3), "all"]),
        )
        .await;
    }
    let mut counts = Vec::new();
    for n in [3, 12] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app
            .admin(
                "query($n: Int) { orders(first: $n) { edges { node { id tags } } } }",
                json!({ "n": n }),
            )
            .await;
        counts.push(app.statements.load(Ordering::SeqCst) - before);
        let edges = data["orders"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["tags"].as_array().unwrap().len() == 2)
        );
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 3 and 12 orders: {counts:?}"
    );
}

#[tokio::test]
async fn customers_neither_see_nor_filter_by_nor_set_tags_and_integrations_do() {
    let app = TestApp::spawn().await;
    let order = place(&app, "ann@example.com").await;
    let integration = app.token(Role::Integration, None);
    let tagged = app
        .gql(
            Some(&integration),
            ADD,
            json!({"id": order["id"], "tags": ["fraud-check"]}),
        )
        .await;
    assert_eq!(
        tagged["data"]["addOrderTags"]["tags"],
        json!(["fraud-check"]),
        "{tagged}"
    );

    let customer = app.token(Role::Customer, Some(database_id(&order["customer"]["id"])));
    let read = app
        .gql(
            Some(&customer),
            "query($id: ID!) { order(id: $id) { tags } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(error_code(&read), Some("FORBIDDEN"), "{read}");
    for query in [
        "{ orders(filter: {tagsAny: [\"fraud-check\"]}) { totalCount } }",
        "{ orders(filter: {tagsAll: []}) { totalCount } }",
        "{ orderStats(filter: {tagsAny: [\"fraud-check\"]}) { totalOrders } }",
    ] {
        let body = app.gql(Some(&customer), query, json!({})).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{query}: {body}");
    }
    let set = app
        .gql(
            Some(&customer),
            ADD,
            json!({"id": order["id"], "tags": ["mine"]}),
        )
        .await;
    assert_eq!(error_code(&set), Some("FORBIDDEN"), "{set}");
    let history = app
        .gql(
            Some(&customer),
            "query($id: ID!) { order(id: $id) { version events { kind data } } }",
            json!({"id": order["id"]}),
        )
        .await;
    let text = history.to_string();
    assert!(!text.contains("fraud-check"), "{text}");
    assert_eq!(
        history["data"]["order"]["events"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn tag_changes_reach_subscribers_but_not_a_customers_stream() {
    let app = TestApp::spawn().await;
    let order = place(&app, "ann@example.com").await;
    let customer = app.token(Role::Customer, Some(database_id(&order["customer"]["id"])));
    let query = "subscription($id: ID) { orderEvents(orderId: $id) { kind data } }";
    let mut staff_ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.token(Role::Integration, None)),
        )
        .await;
    let mut customer_ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {customer}"))
        .await;
    for ws in [&mut staff_ws, &mut customer_ws] {
        ws.send(json!({"id": "s", "type": "subscribe", "payload": {"query": query, "variables": {"id": order["id"]}}}))
            .await;
    }
    app.until_subscriptions(2).await;
    add(&app, &order["id"], json!(["rush"])).await;
    remove(&app, &order["id"], json!(["RUSH"])).await;
    app.admin(
        "mutation($id: ID!) { updateOrder(id: $id, input: {notes: \"after the tags\"}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let next = |message: Value| message["payload"]["data"]["orderEvents"].clone();
    let added = next(staff_ws.next_json().await);
    assert_eq!(added["kind"], "TAGS_UPDATED");
    assert_eq!(added["data"]["added"], json!(["rush"]));
    let removed = next(staff_ws.next_json().await);
    assert_eq!(removed["data"]["removed"], json!(["rush"]));
    let first = next(customer_ws.next_json().await);
    assert_eq!(first["kind"], "DETAILS_UPDATED", "tag events skipped");
}

#[tokio::test]
async fn tag_changes_reach_a_webhook_subscribed_to_them() {
    let app = TestApp::spawn_with(|c| {
        c.delivery_poll_ms = 100;
        c.webhook_allow_private = true;
    })
    .await;
    let receiver = crate::peers::WebhookReceiver::start().await;
    let created = app
        .admin(
            "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [TAGS_UPDATED]}) { secret } }",
            json!({"url": receiver.url()}),
        )
        .await;
    receiver.set_secret(created["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let order = place(&app, "ann@example.com").await;
    add(&app, &order["id"], json!(["Wholesale"])).await;
    let received = receiver
        .wait_for(1, std::time::Duration::from_secs(15))
        .await;
    assert!(received[0].verified);
    assert_eq!(received[0].body["type"], "order.tags_updated");
    assert_eq!(
        received[0].body["data"]["event"]["data"]["added"],
        json!(["Wholesale"])
    );
}
