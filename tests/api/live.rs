//! Live updates over real WebSockets: delivery in order on both
//! subprotocols, replay-then-live without gap or duplicate, two server
//! instances on one PostgreSQL, customer isolation (with batched ownership
//! checks at set-up), a lagging subscriber cut off.

use std::time::Duration;

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, WsClient, WsEvent, database_id};
use crate::place::place;

/// Why an ignored PostgreSQL-only test refuses to run on SQLite.
const POSTGRES_ONLY: &str = "this test needs PostgreSQL: set TEST_DATABASE_URL";

const EVENTS: &str = "subscription($order: ID, $after: ID) { orderEvents(orderId: $order, after: $after) { id orderId kind fromStatus toStatus } }";

async fn new_order(app: &TestApp) -> String {
    let order = place(
        app,
        json!({"lines": [{"name": "x", "quantity": 1, "price": "2"}]}),
    )
    .await;
    order["id"].as_str().unwrap().to_owned()
}

async fn action(app: &TestApp, id: &str, status: &str) {
    app.admin(
        "mutation($id: ID!, $s: OrderStatus) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: $s}) { id } }",
        json!({"id": id, "s": status}),
    )
    .await;
}

/// Subscribes on graphql-transport-ws.
async fn subscribe(ws: &mut WsClient, id: &str, query: &str, variables: Value) {
    ws.send(
        json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}),
    )
    .await;
}

/// The next `n` payloads of subscription messages (`next` or legacy `data`).
async fn take(ws: &mut WsClient, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let message = ws.next_json().await;
        match message["type"].as_str() {
            Some("next" | "data") => out.push(message["payload"].clone()),
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
    out
}

/// Adds `n` messages to `order`, one request each.
async fn burst(app: &TestApp, order: &str, n: usize) {
    for i in 0..n {
        app.admin(
            "mutation($id: ID!, $t: String!) { addOrderMessage(id: $id, fromUser: \"a\", text: $t) { id } }",
            json!({"id": order, "t": format!("burst {i}")}),
        )
        .await;
    }
}

/// The event ids of `orderEvents` payloads.
fn event_ids(payloads: &[Value]) -> Vec<i64> {
    payloads
        .iter()
        .map(|p| database_id(&p["data"]["orderEvents"]["id"]))
        .collect()
}

/// Lets a subscription reach the live feed before the test writes.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn events_arrive_live_and_in_order_on_graphql_transport_ws() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let mut ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    subscribe(&mut ws, "s1", EVENTS, json!({"order": order})).await;
    app.until_subscriptions(1).await;
    for status in ["CONFIRMED", "PROCESSING", "SHIPPED"] {
        action(&app, &order, status).await;
    }
    let got = take(&mut ws, 3).await;
    let moves: Vec<(&str, &str)> = got
        .iter()
        .map(|p| {
            let e = &p["data"]["orderEvents"];
            (
                e["fromStatus"].as_str().unwrap(),
                e["toStatus"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("PENDING", "CONFIRMED"),
            ("CONFIRMED", "PROCESSING"),
            ("PROCESSING", "SHIPPED")
        ]
    );
    let ids = event_ids(&got);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn status_changes_arrive_on_the_legacy_protocol() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let mut ws = app
        .ws_as("graphql-ws", &format!("Bearer {}", app.admin_token()))
        .await;
    ws.send(json!({"id": "1", "type": "start", "payload": {
        "query": "subscription($o: ID) { orderStatusChanged(orderId: $o, statuses: [SHIPPED, CONFIRMED]) { eventId fromStatus toStatus note order { id status } } }",
        "variables": {"o": order}}}))
        .await;
    app.until_subscriptions(1).await;
    for status in ["CONFIRMED", "PROCESSING", "SHIPPED"] {
        action(&app, &order, status).await;
    }
    let got = take(&mut ws, 2).await;
    let to: Vec<&str> = got
        .iter()
        .map(|p| {
            p["data"]["orderStatusChanged"]["toStatus"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        to,
        ["CONFIRMED", "SHIPPED"],
        "PROCESSING is filtered out on the server"
    );
    assert_eq!(got[1]["data"]["orderStatusChanged"]["order"]["id"], order);
}

#[tokio::test]
async fn replay_then_live_delivers_every_event_exactly_once() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    for _ in 0..10 {
        app.admin(
            "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"x\", text: \"before\") { id } }",
            json!({"id": order}),
        )
        .await;
    }
    let history = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { id } } }",
            json!({"id": order}),
        )
        .await;
    let first: String = history["order"]["events"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Writes keep coming while the subscriber replays and goes live.
    let writer = {
        let (client, url, token, order) = (
            app.client.clone(),
            app.url("/graphql"),
            app.admin_token(),
            order.clone(),
        );
        tokio::spawn(async move {
            for i in 0..30 {
                client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"query": "mutation($id: ID!, $t: String!) { addOrderMessage(id: $id, fromUser: \"w\", text: $t) { id } }",
                                  "variables": {"id": order, "t": format!("during {i}")}}))
                    .send()
                    .await
                    .unwrap();
            }
        })
    };
    let mut ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    subscribe(
        &mut ws,
        "r",
        EVENTS,
        json!({"order": order, "after": first}),
    )
    .await;
    writer.await.unwrap();
    // 10 messages before (the CREATED event is `after`) + 30 during.
    let got = take(&mut ws, 40).await;
    let ids = event_ids(&got);
    let history = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { id } } }",
            json!({"id": order}),
        )
        .await;
    let expected: Vec<i64> = history["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|e| database_id(&e["id"]))
        .collect();
    assert_eq!(
        ids, expected,
        "every event after the cursor exactly once, in order"
    );
    // Nothing more arrives (no duplicate at the seam).
    ws.send(json!({"id": "p", "type": "ping"})).await;
    match tokio::time::timeout(Duration::from_millis(600), ws.next()).await {
        Err(_) => {}
        Ok(WsEvent::Json(message)) => {
            assert_ne!(message["type"], "next", "a duplicate arrived: {message}")
        }
        Ok(WsEvent::Closed(code)) => panic!("closed: {code:?}"),
    }
}

#[tokio::test]
#[ignore = "PostgreSQL only (several instances share PostgreSQL): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_change_through_one_instance_reaches_a_subscriber_on_another() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    // No polling to fall back on: only the first instance's NOTIFY, sent
    // after its commits, can wake this one in time.
    let (second_addr, tx) = app.another_instance(&[("EVENT_POLL_MS", "600000")]).await;
    let order = new_order(&app).await;

    // Subscribe on the second instance; write through the first.
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{second_addr}/graphql/ws"
        ))
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut ws = WsClient::from_stream(stream);
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", app.admin_token())}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    subscribe(&mut ws, "x", EVENTS, json!({"order": order})).await;
    settle().await;
    burst(&app, &order, 20).await;
    let got = take(&mut ws, 20).await;
    let ids = event_ids(&got);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    assert!(
        got.iter()
            .all(|p| p["data"]["orderEvents"]["kind"] == "MESSAGE_ADDED")
    );
    let _ = tx.send(());
}

#[tokio::test]
async fn customers_only_hear_about_their_own_orders() {
    let app = TestApp::spawn().await;
    let a = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"a@example.com\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    let b = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"b@example.com\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    let a_order = place(
        &app,
        json!({"customerId": a, "lines": [{"name": "x", "quantity": 1, "price": "1"}]}),
    )
    .await["id"]
        .clone();
    let b_order = place(
        &app,
        json!({"customerId": b, "lines": [{"name": "x", "quantity": 1, "price": "1"}]}),
    )
    .await["id"]
        .clone();
    let token = app.token(Role::Customer, Some(database_id(&a)));
    let mut ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {token}"))
        .await;
    subscribe(
        &mut ws,
        "all",
        "subscription { orderEvents { orderId kind } }",
        json!({}),
    )
    .await;
    subscribe(&mut ws, "theirs", EVENTS, json!({"order": b_order})).await;
    let refused = ws.next_json().await;
    assert_eq!(refused["id"], "theirs");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        ws.next_json().await,
        json!({"id": "theirs", "type": "complete"})
    );
    app.until_subscriptions(1).await;
    action(&app, b_order.as_str().unwrap(), "CONFIRMED").await;
    app.admin(
        "mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"margin\", value: \"9\"}]) { id } }",
        json!({"id": a_order}),
    )
    .await;
    action(&app, a_order.as_str().unwrap(), "CONFIRMED").await;
    let got = take(&mut ws, 1).await;
    assert_eq!(
        got[0]["data"]["orderEvents"],
        json!({"orderId": a_order, "kind": "STATUS_CHANGED"}),
        "not B's change, not staff data"
    );
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_cut_off_while_another_gets_everything() {
    // ~6 KB per message for the slow subscriber, 1,800 of them: more than the
    // kernel's socket buffers (up to 4 MiB here) plus the live buffer (1,024
    // events) can absorb.
    let app = TestApp::spawn().await;
    let admin = format!("Bearer {}", app.admin_token());
    let mut slow = app.ws_connect_small("graphql-transport-ws").await;
    slow.send(json!({"type": "connection_init", "payload": {"Authorization": admin}}))
        .await;
    assert_eq!(slow.next_json().await["type"], "connection_ack");
    subscribe(
        &mut slow,
        "slow",
        "subscription { orderEvents { id kind order { notes } } }",
        json!({}),
    )
    .await;
    let mut fast = app.ws_as("graphql-transport-ws", &admin).await;
    subscribe(
        &mut fast,
        "fast",
        "subscription { orderEvents { id } }",
        json!({}),
    )
    .await;
    app.until_subscriptions(2).await;

    let total = 1800;
    let reader = tokio::spawn(async move {
        let got = take(&mut fast, total).await;
        got.iter()
            .map(|p| database_id(&p["data"]["orderEvents"]["id"]))
            .collect::<Vec<_>>()
    });
    for batch in 0..12 {
        let orders: Vec<Value> = (0..150)
            .map(|i| json!({"source": "flood", "externalId": format!("F{batch}-{i}"), "notes": "x".repeat(6000)}))
            .collect();
        app.admin(
            "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
            json!({"input": {"source": "flood", "orders": orders}}),
        )
        .await;
    }
    let ids = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the fast reader keeps up")
        .unwrap();
    assert_eq!(ids.len(), total);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "complete and in order");

    // The slow one now reads: some events, then the coded error, then the end.
    let mut lagged = None;
    for _ in 0..total {
        let message = slow.next_json().await;
        match message["type"].as_str() {
            Some("next") if message["payload"].get("errors").is_some() => {
                lagged = Some(message["payload"]["errors"][0].clone());
            }
            Some("next") => continue,
            Some("complete") => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    let error = lagged.expect("the slow subscriber was told it lagged");
    assert_eq!(error["extensions"]["code"], "SUBSCRIBER_LAGGED");
    assert!(error["extensions"]["resumeAfter"].is_string());
}

#[tokio::test]
#[ignore = "PostgreSQL only (LISTEN/NOTIFY): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_lost_listen_connection_reconnects_and_nothing_is_missed() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    #[derive(sea_orm::FromQueryResult)]
    struct Pid {
        pid: i32,
    }
    use sea_orm::FromQueryResult;
    let database = app
        .database_url()
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let listeners = |db: sea_orm::DatabaseConnection, database: String| async move {
        Pid::find_by_statement(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
            [database.into()],
        ))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.pid)
        .collect::<Vec<_>>()
    };
    let mut before = Vec::new();
    for _ in 0..50 {
        before = listeners(app.db.clone(), database.clone()).await;
        if !before.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(before.len(), 1, "one LISTEN connection per instance");

    let order = new_order(&app).await;
    let mut ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    subscribe(&mut ws, "l", EVENTS, json!({"order": order})).await;
    app.until_subscriptions(1).await;
    sea_orm::ConnectionTrait::execute_raw(
        &app.db,
        sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend($1)",
            [before[0].into()],
        ),
    )
    .await
    .unwrap();
    // Changes made while the listener is down or reconnecting still arrive.
    burst(&app, &order, 10).await;
    let got = take(&mut ws, 10).await;
    let ids = event_ids(&got);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "complete and in order: {ids:?}"
    );
    let mut after = Vec::new();
    for _ in 0..50 {
        after = listeners(app.db.clone(), database.clone()).await;
        if after.len() == 1 && after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        after.len() == 1 && after != before,
        "a new LISTEN connection replaced the lost one: {before:?} -> {after:?}"
    );
}

#[tokio::test]
async fn a_write_wakes_subscribers_at_commit_whatever_the_transport() {
    // A poll a minute apart: only the commit hook can deliver within seconds.
    let app = TestApp::spawn_with(|c| c.event_poll_ms = Some(60_000)).await;
    let order = new_order(&app).await;
    let auth = format!("Bearer {}", app.admin_token());
    let mut watcher = app.ws_as("graphql-transport-ws", &auth).await;
    subscribe(&mut watcher, "w", EVENTS, json!({"order": order})).await;
    app.until_subscriptions(1).await;

    // A mutation sent over WebSocket (it never passes the HTTP handler).
    let mut writer = app.ws_as("graphql-transport-ws", &auth).await;
    let started = std::time::Instant::now();
    writer
        .send(json!({"id": "m", "type": "subscribe", "payload": {
            "query": "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"ws\", text: \"hi\") { id } }",
            "variables": {"id": order},
        }}))
        .await;
    let result = writer.next_json().await;
    assert_eq!(result["type"], "next", "{result}");
    assert!(result["payload"].get("errors").is_none(), "{result}");
    let delivered = take(&mut watcher, 1).await;
    assert_eq!(delivered[0]["data"]["orderEvents"]["kind"], "MESSAGE_ADDED");

    // And one over HTTP.
    action(&app, &order, "CONFIRMED").await;
    let delivered = take(&mut watcher, 1).await;
    assert_eq!(
        delivered[0]["data"]["orderEvents"]["kind"],
        "STATUS_CHANGED"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "both arrived at commit, not at a poll: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn customers_subscribing_together_share_the_ownership_reads() {
    const CUSTOMERS: usize = 30;
    let app = TestApp::spawn().await;
    let mut customers = Vec::new();
    for i in 0..CUSTOMERS {
        let customer = app
            .admin(
                "mutation($e: String!) { upsertCustomer(input: {email: $e}) { id } }",
                json!({"e": format!("c{i}@example.com")}),
            )
            .await["upsertCustomer"]["id"]
            .clone();
        let order = place(
            &app,
            json!({"customerId": customer, "lines": [{"name": "x", "quantity": 1, "price": "1"}]}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = app.token(Role::Customer, Some(database_id(&customer)));
        let ws = app
            .ws_as("graphql-transport-ws", &format!("Bearer {token}"))
            .await;
        customers.push((ws, order));
    }
    // Every customer asks for its own order's events, and the first also for
    // the second's, all at once.
    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    let foreign = customers[1].1.clone();
    for (ws, order) in &mut customers {
        subscribe(ws, "own", EVENTS, json!({"order": order})).await;
    }
    subscribe(
        &mut customers[0].0,
        "foreign",
        EVENTS,
        json!({"order": foreign}),
    )
    .await;
    let refused = customers[0].0.next_json().await;
    assert_eq!(refused["id"], "foreign", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        customers[0].0.next_json().await,
        json!({"id": "foreign", "type": "complete"})
    );
    app.until_subscriptions(CUSTOMERS as i64).await;
    let reads = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    // One statement per batch window, not one per subscription; how many
    // windows the 31 set-ups span depends on the machine's load.
    assert!(
        reads <= (CUSTOMERS / 2) as u64,
        "{reads} statements for {} subscription set-ups",
        CUSTOMERS + 1
    );
    eprintln!("{reads} statement(s) for {} set-ups", CUSTOMERS + 1);

    // Each hears about its own order, and only about it.
    for (_, order) in customers.iter().rev().take(3) {
        action(&app, order, "CONFIRMED").await;
    }
    for (ws, order) in customers.iter_mut().rev().take(3) {
        let got = take(ws, 1).await;
        assert_eq!(got[0]["data"]["orderEvents"]["orderId"], *order);
        assert_eq!(got[0]["data"]["orderEvents"]["toStatus"], "CONFIRMED");
    }
    settle().await;
    for (ws, _) in customers.iter_mut().take(3) {
        assert!(
            tokio::time::timeout(Duration::from_millis(200), ws.next_json())
                .await
                .is_err(),
            "no event of another customer's order"
        );
    }
}
