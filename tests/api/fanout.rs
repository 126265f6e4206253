//! Shared subscriptions (`http::fanout`): clients that would receive the same
//! bytes share one execution per event, and each still gets exactly what its
//! own subscription would: its role's and customer's view, only what
//! committed after it subscribed, and a cut-off of its own when it lags.

use std::time::Duration;

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsClient, database_id};
use crate::place::place;

const EVENTS: &str = "subscription($order: ID) { orderEvents(orderId: $order) { id kind } }";

async fn new_order(app: &TestApp, input: Value) -> String {
    place(app, input).await["id"].as_str().unwrap().to_owned()
}

async fn message(app: &TestApp, order: &str, text: &str) {
    app.admin(
        "mutation($id: ID!, $t: String!) { addOrderMessage(id: $id, fromUser: \"a\", text: $t) { id } }",
        json!({"id": order, "t": text}),
    )
    .await;
}

/// A connection of `role` (`customer` for customers) on `protocol`.
async fn connect(app: &TestApp, protocol: &str, role: Role, customer: Option<i64>) -> WsClient {
    app.ws_as(protocol, &format!("Bearer {}", app.token(role, customer)))
        .await
}

async fn subscribe(ws: &mut WsClient, protocol: &str, id: &str, query: &str, variables: Value) {
    let kind = if protocol == "graphql-ws" {
        "start"
    } else {
        "subscribe"
    };
    ws.send(json!({"id": id, "type": kind, "payload": {"query": query, "variables": variables}}))
        .await;
}

/// The next subscription message's id and payload.
async fn next(ws: &mut WsClient) -> (String, Value) {
    let message = ws.next_json().await;
    match message["type"].as_str() {
        Some("next" | "data") => (
            message["id"].as_str().unwrap().to_owned(),
            message["payload"].clone(),
        ),
        other => panic!("unexpected {other:?}: {message}"),
    }
}

/// Nothing arrives within `wait` (pings aside).
async fn quiet(ws: &mut WsClient, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next_json()).await {
            Err(_) => return,
            Ok(m) if m["type"] == "ping" => continue,
            Ok(m) => panic!("expected nothing, got {m}"),
        }
    }
}

/// Waits until `groups` shared executions run and `live` subscriptions are
/// live (each has taken its place in the log: what commits from now on
/// reaches it). A subscribe has no acknowledgement in either protocol, so
/// the gauges are how a test knows.
async fn until_groups(app: &TestApp, groups: i64, live: i64) {
    let read = || async {
        (
            app.gauge("ordergraph_subscription_groups").await,
            app.gauge("ordergraph_subscriptions").await,
        )
    };
    for _ in 0..250 {
        if read().await == (groups, live) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(read().await, (groups, live));
}

const LINES: &str = r#"{"lines": [{"name": "x", "quantity": 1, "price": "2"}]}"#;

#[tokio::test]
async fn subscribers_of_one_document_share_one_execution_and_each_gets_every_event() {
    let app = TestApp::spawn().await;
    let order = new_order(&app, serde_json::from_str(LINES).unwrap()).await;
    let other = new_order(&app, serde_json::from_str(LINES).unwrap()).await;
    let mut clients = Vec::new();
    for i in 0..30 {
        // Both subprotocols share the group: only the envelope differs.
        let protocol = if i % 3 == 0 {
            "graphql-ws"
        } else {
            "graphql-transport-ws"
        };
        let mut ws = connect(&app, protocol, Role::Staff, None).await;
        subscribe(
            &mut ws,
            protocol,
            &format!("s{i}"),
            EVENTS,
            json!({"order": order}),
        )
        .await;
        clients.push((format!("s{i}"), ws));
    }
    until_groups(&app, 1, 30).await;
    // Other variables: another group.
    let mut elsewhere = connect(&app, "graphql-transport-ws", Role::Staff, None).await;
    subscribe(
        &mut elsewhere,
        "graphql-transport-ws",
        "e",
        EVENTS,
        json!({"order": other}),
    )
    .await;
    until_groups(&app, 2, 31).await;

    for text in ["one", "two", "three"] {
        message(&app, &order, text).await;
    }
    for (id, ws) in &mut clients {
        let mut ids = Vec::new();
        for _ in 0..3 {
            let (got, payload) = next(ws).await;
            assert_eq!(&got, id, "each client hears its own subscription id");
            assert_eq!(payload["data"]["orderEvents"]["kind"], "MESSAGE_ADDED");
            ids.push(database_id(&payload["data"]["orderEvents"]["id"]));
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    }
    quiet(&mut elsewhere, Duration::from_millis(300)).await;

    // The last member to leave ends the group.
    drop(clients);
    until_groups(&app, 1, 1).await;
}

#[tokio::test]
async fn a_member_that_joins_later_gets_only_what_commits_after_it_subscribed() {
    let app = TestApp::spawn().await;
    let order = new_order(&app, serde_json::from_str(LINES).unwrap()).await;
    let mut first = connect(&app, "graphql-transport-ws", Role::Admin, None).await;
    subscribe(
        &mut first,
        "graphql-transport-ws",
        "1",
        EVENTS,
        json!({"order": order}),
    )
    .await;
    until_groups(&app, 1, 1).await;
    message(&app, &order, "before").await;
    let (_, before) = next(&mut first).await;

    let mut later = connect(&app, "graphql-transport-ws", Role::Admin, None).await;
    subscribe(
        &mut later,
        "graphql-transport-ws",
        "2",
        EVENTS,
        json!({"order": order}),
    )
    .await;
    // The later one joined the group.
    until_groups(&app, 1, 2).await;
    message(&app, &order, "after").await;
    let (_, after) = next(&mut first).await;
    let (_, seen_later) = next(&mut later).await;
    assert_eq!(seen_later, after, "the same answer");
    assert_ne!(before, after);
    quiet(&mut later, Duration::from_millis(300)).await;

    // Completing one leaves the other running.
    later.send(json!({"id": "2", "type": "complete"})).await;
    message(&app, &order, "last").await;
    let (id, _) = next(&mut first).await;
    assert_eq!(id, "1");
    quiet(&mut later, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn shared_answers_keep_each_role_and_customer_to_its_own_view() {
    let app = TestApp::spawn().await;
    let customer = |email: &str| {
        let email = email.to_owned();
        let app = &app;
        async move {
            let id = app
                .admin(
                    "mutation($e: String!) { upsertCustomer(input: {email: $e}) { id } }",
                    json!({"e": email}),
                )
                .await["upsertCustomer"]["id"]
                .clone();
            let order = new_order(
                app,
                json!({"customerId": id, "lines": [{"name": "x", "quantity": 1, "price": "2"}]}),
            )
            .await;
            (database_id(&id), order)
        }
    };
    let (a, a_order) = customer("a@example.com").await;
    let (b, b_order) = customer("b@example.com").await;
    const ALL: &str = "subscription { orderEvents { orderId kind } }";
    let mut a1 = connect(&app, "graphql-transport-ws", Role::Customer, Some(a)).await;
    let mut a2 = connect(&app, "graphql-transport-ws", Role::Customer, Some(a)).await;
    let mut b1 = connect(&app, "graphql-transport-ws", Role::Customer, Some(b)).await;
    let mut integration = connect(&app, "graphql-transport-ws", Role::Integration, None).await;
    let mut staff = connect(&app, "graphql-transport-ws", Role::Staff, None).await;
    for ws in [&mut a1, &mut a2, &mut b1, &mut integration, &mut staff] {
        subscribe(ws, "graphql-transport-ws", "all", ALL, json!({})).await;
    }
    // The same document, four views: two customers, integrations, staff.
    until_groups(&app, 4, 5).await;

    app.admin(
        "mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"margin\", value: \"9\"}]) { id } }",
        json!({"id": b_order}),
    )
    .await;
    message(&app, &a_order, "for a").await;
    let staff_view = json!({"orderId": b_order, "kind": "ADMIN_FIELDS_UPDATED"});
    let a_view = json!({"orderId": a_order, "kind": "MESSAGE_ADDED"});
    assert_eq!(
        next(&mut staff).await.1["data"]["orderEvents"],
        staff_view,
        "staff see admin fields"
    );
    assert_eq!(next(&mut staff).await.1["data"]["orderEvents"], a_view);
    assert_eq!(
        next(&mut integration).await.1["data"]["orderEvents"],
        a_view,
        "never a staff-only change"
    );
    for ws in [&mut a1, &mut a2] {
        assert_eq!(next(ws).await.1["data"]["orderEvents"], a_view);
    }
    quiet(&mut b1, Duration::from_millis(300)).await;
    message(&app, &b_order, "for b").await;
    assert_eq!(
        next(&mut b1).await.1["data"]["orderEvents"],
        json!({"orderId": b_order, "kind": "MESSAGE_ADDED"})
    );
    quiet(&mut a1, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_member_that_stops_reading_is_cut_off_alone() {
    // A small group buffer (64 answers) and ~20 KB per answer (an update's
    // notes before and after), 500 of them: more than the slow client's
    // socket buffers and its share of the group's buffer hold, while the
    // group itself stays well within the event feed's 1,000.
    let app = TestApp::spawn_with(|c| c.subscription_buffer = 64).await;
    let admin = format!("Bearer {}", app.admin_token());
    const DATA: &str = "subscription { orderEvents { id kind data } }";
    let mut slow = app.ws_connect_small("graphql-transport-ws").await;
    slow.send(json!({"type": "connection_init", "payload": {"Authorization": admin}}))
        .await;
    assert_eq!(slow.next_json().await["type"], "connection_ack");
    subscribe(&mut slow, "graphql-transport-ws", "slow", DATA, json!({})).await;
    let mut fast = app.ws_as("graphql-transport-ws", &admin).await;
    subscribe(&mut fast, "graphql-transport-ws", "fast", DATA, json!({})).await;
    until_groups(&app, 1, 2).await;

    let total = 500;
    let reader = tokio::spawn(async move {
        let mut ids = Vec::with_capacity(total);
        while ids.len() < total {
            let (_, payload) = next(&mut fast).await;
            assert!(
                payload.get("errors").is_none(),
                "after {}: {payload}",
                ids.len()
            );
            ids.push(database_id(&payload["data"]["orderEvents"]["id"]));
        }
        ids
    });
    const UPSERT: &str =
        "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { created } }";
    for i in 0..total {
        let notes = format!("{i:05}{}", "x".repeat(9_990));
        app.admin(
            UPSERT,
            json!({"input": {"source": "flood", "externalId": "F", "notes": notes}}),
        )
        .await;
    }
    let ids = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the fast member keeps up")
        .unwrap();
    assert_eq!(ids.len(), total);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "complete and in order");

    let mut lagged = None;
    let mut got = 0;
    loop {
        let message = slow.next_json().await;
        match message["type"].as_str() {
            Some("next") if message["payload"].get("errors").is_some() => {
                lagged = Some(message["payload"]["errors"][0].clone());
            }
            Some("next") => got += 1,
            Some("complete") => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        got < total,
        "the slow member was cut off before the end ({got})"
    );
    let error = lagged.expect("the slow member was told it lagged");
    assert_eq!(error["extensions"]["code"], "SUBSCRIBER_LAGGED");
    assert!(error["extensions"]["resumeAfter"].is_string());
}

#[tokio::test]
async fn many_members_joining_at_once_each_get_the_next_event_once() {
    let app = TestApp::spawn().await;
    let order = new_order(&app, serde_json::from_str(LINES).unwrap()).await;
    let mut clients = Vec::new();
    for i in 0..100 {
        let mut ws = connect(&app, "graphql-transport-ws", Role::Admin, None).await;
        subscribe(
            &mut ws,
            "graphql-transport-ws",
            &format!("m{i}"),
            EVENTS,
            json!({"order": order}),
        )
        .await;
        clients.push(ws);
    }
    until_groups(&app, 1, 100).await;
    message(&app, &order, "go").await;
    let mut first = None;
    for ws in &mut clients {
        let (_, payload) = next(ws).await;
        let id = payload["data"]["orderEvents"]["id"].clone();
        assert_eq!(first.get_or_insert(id.clone()), &id);
    }
    for ws in clients.iter_mut().take(10) {
        quiet(ws, Duration::from_millis(100)).await;
    }
}
