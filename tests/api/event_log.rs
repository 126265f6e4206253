//! The event log's promise without a writer-side lock: every subscriber, on
//! every instance, gets every committed event exactly once and in one order;
//! one order's events come in the order they happened; a cursor resumes with
//! exactly the events after it. The PostgreSQL tests hold transactions open
//! from a connection of their own to force the interleavings that break a
//! naive "ids after N" reader.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

const POSTGRES_ONLY: &str = "this test needs PostgreSQL: set TEST_DATABASE_URL";

const EVENTS: &str = "subscription($order: ID, $after: ID) { orderEvents(orderId: $order, after: $after) { id databaseId cursor kind orderId note data } }";

/// A graphql-transport-ws subscriber of `orderEvents` on the server at `addr`.
struct Subscriber {
    ws: WsClient,
}

impl Subscriber {
    async fn start(
        addr: std::net::SocketAddr,
        token: &str,
        order: Option<&str>,
        after: Option<&str>,
    ) -> Subscriber {
        let mut request = format!("ws://{addr}/graphql/ws")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut ws = WsClient::from_stream(stream);
        ws.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}))
            .await;
        assert_eq!(ws.next_json().await["type"], "connection_ack");
        ws.send(json!({"id": "s", "type": "subscribe", "payload": {
            "query": EVENTS, "variables": {"order": order, "after": after}}}))
            .await;
        Subscriber { ws }
    }

    /// The next `n` events.
    async fn take(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let message = self.ws.next_json().await;
            assert_eq!(message["type"], "next", "{message}");
            out.push(message["payload"]["data"]["orderEvents"].clone());
        }
        out
    }

    /// The error that ended the subscription instead of an event.
    async fn refusal(&mut self) -> Value {
        // A resolver's error arrives as a result with `errors` (graphql-ws
        // `next`); a refused operation as `error`.
        let message = self.ws.next_json().await;
        let error = match message["type"].as_str() {
            Some("next") => &message["payload"]["errors"][0],
            Some("error") => &message["payload"][0],
            _ => panic!("an error was expected: {message}"),
        };
        assert!(error.is_object(), "an error was expected: {message}");
        error.clone()
    }

    /// Fails if another event arrives within `quiet`.
    async fn expect_nothing_more(&mut self, quiet: Duration) {
        if let Ok(event) = tokio::time::timeout(quiet, self.ws.next()).await {
            panic!("nothing more was expected, got {event:?}");
        }
    }
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| database_id(&e["id"])).collect()
}

/// Lets a subscription reach the live feed before the test writes.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

async fn new_order(app: &TestApp) -> String {
    app.admin(
        "mutation { placeOrder(input: {lines: [{name: \"x\", quantity: 1, price: \"2\"}]}) { id } }",
        json!({}),
    )
    .await["placeOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const SET_STEP: &str = "mutation($id: ID!, $m: JSON!) { orderAction(id: $id, input: {action: UPDATE_METADATA, metadata: $m}) { id version } }";

/// The log as a reader sees it: ids in `(tx, id)` order, of one order or all.
async fn log(db: &DatabaseConnection, order: Option<i64>) -> Vec<i64> {
    let sql = match order {
        Some(id) => format!("SELECT id FROM order_events WHERE order_id = {id} ORDER BY tx, id"),
        None => "SELECT id FROM order_events ORDER BY tx, id".to_owned(),
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect()
}

/// One order's metadata changes must chain: each event's "before" is the
/// previous event's "after". Delivered out of version order, they do not.
fn assert_chained(events: &[&Value]) {
    for pair in events.windows(2) {
        let after = &pair[0]["data"]["metadata"]["after"];
        let before = &pair[1]["data"]["metadata"]["before"];
        assert_eq!(
            before, after,
            "one order's events out of version order: {} then {}",
            pair[0], pair[1]
        );
    }
}

#[tokio::test]
async fn resuming_from_any_cursor_gives_exactly_the_rest_of_the_log() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let orders = [new_order(&app).await, new_order(&app).await];
    for i in 0..12 {
        app.admin(SET_STEP, json!({"id": orders[i % 2], "m": {"step": i}}))
            .await;
    }
    let total = log(&app.db, None).await.len();
    assert_eq!(total, 14);
    let mut all = Subscriber::start(app.addr, &token, None, Some("0")).await;
    let everything = all.take(total).await;
    assert_eq!(ids(&everything), log(&app.db, None).await);

    for (k, event) in everything.iter().enumerate() {
        // From its cursor: exactly the suffix, in the same order.
        let cursor = event["cursor"].as_str().unwrap();
        let mut resumed = Subscriber::start(app.addr, &token, None, Some(cursor)).await;
        let rest = resumed.take(total - k - 1).await;
        assert_eq!(ids(&rest), ids(&everything[k + 1..]), "after #{k}");
        resumed
            .expect_nothing_more(Duration::from_millis(100))
            .await;
        // The event's id still works (compatibility), and means the same.
        if k % 5 == 0 {
            let id = event["id"].as_str().unwrap();
            let mut by_id = Subscriber::start(app.addr, &token, None, Some(id)).await;
            assert_eq!(ids(&by_id.take(total - k - 1).await), ids(&rest));
        }
    }

    // A cursor that is not one is refused naming `after`; an id of no event
    // is not found.
    let mut bad = Subscriber::start(app.addr, &token, None, Some("not-a-cursor")).await;
    let refused = bad.refusal().await;
    assert_eq!(refused["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    assert_eq!(
        refused["extensions"]["fields"][0]["path"], "after",
        "{refused}"
    );
    let mut missing = Subscriber::start(app.addr, &token, None, Some("999999")).await;
    let refused = missing.refusal().await;
    assert_eq!(refused["extensions"]["code"], "NOT_FOUND", "{refused}");
}

#[tokio::test]
#[ignore = "PostgreSQL only (transaction ids, several instances): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_transaction_held_open_while_others_commit_is_neither_skipped_nor_reordered() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    let order = new_order(&app).await;
    // The slow writer's order: its event row keeps that order's row share-locked.
    let other_id = db_id(&new_order(&app).await);
    let mut live = Subscriber::start(app.addr, &token, None, None).await;
    settle().await;
    let start = log(&app.db, None).await;

    // A writer that allocated its event id first and commits last.
    let raw = Database::connect(app.database_url()).await.unwrap();
    let slow = raw.begin().await.unwrap();
    let row = slow
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!(
                "INSERT INTO order_events (order_id, kind, actor, note, notify, created_at) \
                 SELECT order_id, kind, 'slow', 'slow writer', false, now() FROM order_events \
                 WHERE order_id = {other_id} LIMIT 1 RETURNING id"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let slow_id: i64 = row.try_get("", "id").unwrap();
    for i in 0..10 {
        app.admin(SET_STEP, json!({"id": order, "m": {"step": i}}))
            .await;
    }
    // Committed, but behind the open transaction: nobody may read them yet,
    // and the scrape says so.
    live.expect_nothing_more(Duration::from_millis(600)).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let held: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("ordergraph_event_log_held_events "))
        .expect("the held-events gauge")
        .trim()
        .parse()
        .unwrap();
    assert!(held >= 10.0, "held events: {held}\n{metrics}");
    slow.commit().await.unwrap();
    // The server's own transactions cannot stay open like that for long.
    let limit = app
        .db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT current_setting('idle_in_transaction_session_timeout') AS v",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "v")
        .unwrap();
    assert_eq!(limit, "5s");

    let got = live.take(11).await;
    assert_eq!(
        database_id(&got[0]["id"]),
        slow_id,
        "the slow writer's event first: its transaction is older"
    );
    let mut expected = log(&app.db, None).await;
    expected.retain(|id| !start.contains(id));
    assert_eq!(ids(&got), expected);
    assert_chained(&got[1..].iter().collect::<Vec<_>>());
    live.expect_nothing_more(Duration::from_millis(200)).await;
    // A replay from the start agrees.
    let mut replay = Subscriber::start(app.addr, &token, None, Some("0")).await;
    let all = replay.take(start.len() + 11).await;
    assert_eq!(ids(&all[start.len()..]), ids(&got));
}

/// The backend running a statement like `pattern` in this test's database,
/// once it waits on a lock: whether it holds a transaction id.
async fn waiting(raw: &DatabaseConnection, pattern: &str) -> bool {
    for _ in 0..200 {
        let row = raw
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                format!(
                    "SELECT backend_xid IS NOT NULL AS has_xid FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock' \
                     AND query ILIKE '{pattern}' LIMIT 1"
                ),
            ))
            .await
            .unwrap();
        if let Some(row) = row {
            return row.try_get("", "has_xid").unwrap();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no backend waits on a lock running {pattern}");
}

/// The backends of this test's database waiting for an order's lock: whether
/// each holds a transaction id.
async fn waiters(raw: &DatabaseConnection) -> Vec<bool> {
    raw.query_all_raw(Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT backend_xid IS NOT NULL AS has_xid FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock' \
         AND query ILIKE '%pg_advisory_xact_lock%'",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("", "has_xid").unwrap())
    .collect()
}

#[tokio::test]
#[ignore = "PostgreSQL only (transaction ids): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn two_changes_of_one_order_are_read_in_the_order_they_happened() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    let order = new_order(&app).await;
    let mut live = Subscriber::start(app.addr, &token, Some(&order), None).await;
    settle().await;

    // Stall every event insert: the first change locks the order, then waits
    // here with its transaction id taken.
    let raw = Database::connect(app.database_url()).await.unwrap();
    let gate = raw.begin().await.unwrap();
    gate.execute_unprepared("LOCK TABLE order_events IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let first = app.spawn_admin(SET_STEP, json!({"id": order, "m": {"step": "first"}}));
    let first_has_xid = waiting(&raw, "%INSERT INTO \"order_events\"%").await;
    assert!(first_has_xid, "the first change has written: it has an id");
    // Three more changes queue behind it. Queuing is their first statement
    // and takes no transaction id: each takes one only once it holds the
    // order, so ids follow the order the changes happened in. (Queuing on
    // the row lock alone would not do: a waiter takes an id when the holder's
    // UPDATE commits, while another waiter may get the row first.)
    let mut queued = Vec::new();
    for step in ["second", "third", "fourth"] {
        queued.push(app.spawn_admin(SET_STEP, json!({"id": order, "m": {"step": step}})));
        for _ in 0..200 {
            let waiting = waiters(&raw).await;
            if waiting.len() == queued.len() {
                assert!(
                    waiting.iter().all(|has_xid| !has_xid),
                    "a change waiting for the order must not have a transaction id yet"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    assert_eq!(waiters(&raw).await.len(), 3);
    gate.rollback().await.unwrap();
    let mut versions = vec![first.await.unwrap()];
    for change in queued {
        versions.push(change.await.unwrap());
    }
    let versions: Vec<i64> = versions
        .iter()
        .map(|r| r["data"]["orderAction"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions[0], 2, "{versions:?}");

    let got = live.take(4).await;
    assert_eq!(got[0]["data"]["metadata"]["after"]["step"], "first");
    assert_chained(&got.iter().collect::<Vec<_>>());
    let txs = raw
        .query_all_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!(
                "SELECT tx FROM order_events WHERE order_id = {} ORDER BY id",
                db_id(&order)
            ),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "tx").unwrap())
        .collect::<Vec<_>>();
    assert!(
        txs.windows(2).all(|w| w[0] < w[1]),
        "tx ids follow versions: {txs:?}"
    );
}

async fn post(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "PostgreSQL only (several instances share PostgreSQL): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn many_writers_on_two_instances_every_subscriber_gets_every_event_once_in_one_order() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    let (second, stop_second) = app.another_instance(&[("DB_MAX_CONNECTIONS", "8")]).await;
    let shared = [
        new_order(&app).await,
        new_order(&app).await,
        new_order(&app).await,
    ];
    let mut subscribers = Vec::new();
    for addr in [app.addr, second, app.addr, second] {
        subscribers.push(Subscriber::start(addr, &token, None, None).await);
    }
    settle().await;
    let start = log(&app.db, None).await;

    // 10 writers through both instances: new orders, and metadata changes of
    // three shared orders (so changes of one order race each other).
    let writers: Vec<_> = (0..10)
        .map(|w| {
            let token = token.clone();
            let shared = shared.clone();
            let addr = if w % 2 == 0 { app.addr } else { second };
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for i in 0..12 {
                    let body = if i % 3 == 0 {
                        post(&client, addr, &token, "mutation { placeOrder(input: {lines: [{name: \"w\", quantity: 1, price: \"1\"}]}) { id } }", json!({})).await
                    } else {
                        post(&client, addr, &token, SET_STEP, json!({"id": shared[(w + i) % 3], "m": {"step": format!("{w}-{i}")}})).await
                    };
                    assert!(body.get("errors").is_none(), "{body}");
                }
            })
        })
        .collect();
    // Meanwhile a transaction elsewhere in the cluster stays open for a
    // while: the feed waits for it and must not skip anything when it ends.
    let other = Database::connect(app.database_url()).await.unwrap();
    let open = other.begin().await.unwrap();
    open.execute_unprepared("SELECT pg_current_xact_id()")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    open.rollback().await.unwrap();
    for writer in writers {
        writer.await.unwrap();
    }

    let mut expected = log(&app.db, None).await;
    expected.retain(|id| !start.contains(id));
    assert_eq!(expected.len(), 10 * 12, "every write committed its events");
    let mut first: Option<Vec<Value>> = None;
    for (k, subscriber) in subscribers.iter_mut().enumerate() {
        let got = subscriber.take(expected.len()).await;
        assert_eq!(
            ids(&got),
            expected,
            "subscriber {k}: every event once, in log order"
        );
        subscriber
            .expect_nothing_more(Duration::from_millis(150))
            .await;
        let mut by_order: HashMap<String, Vec<&Value>> = HashMap::new();
        for e in &got {
            if e["kind"] == "METADATA_UPDATED" {
                by_order
                    .entry(e["orderId"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(e);
            }
        }
        for events in by_order.values() {
            assert_chained(events);
        }
        let cursors: Vec<Value> = got.iter().map(|e| e["cursor"].clone()).collect();
        match &first {
            None => first = Some(cursors),
            Some(seen) => assert_eq!(&cursors, seen, "the same positions on every instance"),
        }
    }
    let _ = stop_second.send(());
}

#[tokio::test]
#[ignore = "PostgreSQL only (kill -9 of a server process on a shared database): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_writer_killed_mid_transaction_leaves_no_event_and_the_feed_goes_on() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    let order = new_order(&app).await;
    let mut live = Subscriber::start(app.addr, &token, None, None).await;
    settle().await;
    let before = log(&app.db, None).await;
    let orders_before = app.count("orders").await;

    let mut writer = Process::start(app.database_url()).await;
    let raw = Database::connect(app.database_url()).await.unwrap();
    let gate = raw.begin().await.unwrap();
    gate.execute_unprepared("LOCK TABLE order_events IN EXCLUSIVE MODE")
        .await
        .unwrap();
    // One new order and one change, both stuck at their event insert with
    // the order (and its lines) written.
    let url = writer.url.clone();
    let stuck = [
        tokio::spawn({
            let (url, token) = (url.clone(), token.clone());
            async move {
                reqwest::Client::new()
                    .post(format!("{url}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({"query": "mutation { placeOrder(input: {lines: [{name: \"k\", quantity: 1, price: \"1\"}]}) { id } }"}))
                    .send()
                    .await
            }
        }),
        tokio::spawn({
            let (url, token, order) = (url.clone(), token.clone(), order.clone());
            async move {
                reqwest::Client::new()
                    .post(format!("{url}/graphql"))
                    .bearer_auth(token)
                    .json(&json!({"query": SET_STEP, "variables": {"id": order, "m": {"step": "killed"}}}))
                    .send()
                    .await
            }
        }),
    ];
    for _ in 0..200 {
        let n = raw
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO \"order_events\"%'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if n == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    writer.child.start_kill().unwrap();
    let _ = writer.child.wait().await;
    for request in stuck {
        assert!(
            request.await.unwrap().is_err(),
            "the killed server answered"
        );
    }
    gate.rollback().await.unwrap();

    // PostgreSQL ends the dead client's transactions; nothing of them stays.
    for _ in 0..200 {
        let open = raw
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        log(&app.db, None).await,
        before,
        "no event of the killed writer"
    );
    assert_eq!(app.count("orders").await, orders_before);
    // The feed is not stuck behind the dead transactions.
    app.admin(SET_STEP, json!({"id": order, "m": {"step": "after"}}))
        .await;
    let got = live.take(1).await;
    assert_eq!(got[0]["data"]["metadata"]["after"]["step"], "after");
    live.expect_nothing_more(Duration::from_millis(200)).await;
}

/// The `(tx, id)`-index plans of the statements the live feed and `/metrics`
/// run against the whole log, on a log of 200,000 events.
async fn plans_of_log_reads(app: &TestApp) -> Vec<(String, String)> {
    let order_id = db_id(&new_order(app).await);
    // Old events, all below the horizon, as a busy log holds them.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO order_events (order_id, kind, actor, notify, created_at, tx) \
             SELECT {order_id}, 'CREATED', 'bulk', false, now(), g FROM generate_series(1, 200000) g; \
             ANALYZE order_events"
        ))
        .await
        .unwrap();
    let mut plans = Vec::new();
    let plain = |sql: String| Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql);
    // The feed reads after a position near the end of the log, as it does
    // once it has caught up.
    let after = ordergraph::events::position::Position { tx: 199_990, id: 0 };
    for (name, statement) in [
        ("held", plain(ordergraph::events::bus::held_sql())),
        ("newest", plain(ordergraph::events::bus::newest_sql())),
        ("now", plain(ordergraph::events::bus::now_sql())),
        ("feed", ordergraph::events::bus::feed_statement(after, 500)),
    ] {
        let explain = Statement {
            sql: format!("EXPLAIN (FORMAT TEXT) {}", statement.sql),
            ..statement
        };
        let rows = app.db.query_all_raw(explain).await.unwrap();
        let plan = rows
            .iter()
            .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        plans.push((name.to_owned(), plan));
    }
    plans
}

#[tokio::test]
#[ignore = "PostgreSQL only (the horizon): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn what_the_horizon_holds_back_is_read_from_the_index_not_by_scanning_the_log() {
    let app = TestApp::spawn().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    // The fetcher asks after every read under load, and every scrape counts:
    // a plan that scans the whole log would cost the database more than the
    // writes it follows (PostgreSQL cannot see the horizon when it plans, and
    // guesses a third of the table matches).
    for (name, plan) in plans_of_log_reads(&app).await {
        assert!(
            plan.contains("order_events_position") && !plan.contains("Seq Scan"),
            "{name} must walk the (tx, id) index from the horizon:\n{plan}"
        );
    }
    // And still counts what is held: an open transaction's event.
    let raw = Database::connect(app.database_url()).await.unwrap();
    let slow = raw.begin().await.unwrap();
    slow.execute_unprepared(
        "INSERT INTO order_events (order_id, kind, actor, notify, created_at) \
         SELECT order_id, kind, 'slow', false, now() FROM order_events LIMIT 1",
    )
    .await
    .unwrap();
    // Committed behind the open one: held back.
    app.db
        .execute_unprepared(
            "INSERT INTO order_events (order_id, kind, actor, notify, created_at) \
             SELECT order_id, kind, 'behind', false, now() FROM order_events LIMIT 1",
        )
        .await
        .unwrap();
    // At least: tests running beside this one on the cluster hold events
    // back too.
    let held = ordergraph::events::bus::held(&app.db).await.unwrap();
    assert!(
        held.events >= 1,
        "the committed event behind the open transaction"
    );
    let (_, held) = ordergraph::events::bus::newest_and_held(&app.db)
        .await
        .unwrap();
    assert!(held, "newest_and_held sees it");
    let (_, held) = ordergraph::events::bus::read_feed(&app.db, Default::default(), 1)
        .await
        .unwrap();
    assert!(held, "the feed's read sees it");
    slow.commit().await.unwrap();
}
