//! SQLite's single writer: concurrent writers queue instead of failing or
//! spinning on the file lock, and a group commit keeps every caller's
//! all-or-nothing.
//!
//! The first test runs over HTTP on whichever backend the run uses. The others
//! drive `Db::begin_write` directly on an SQLite file of their own (the writer
//! exists only on SQLite), so they test it on the PostgreSQL pass too.

use std::time::Duration;

use ordergraph::auth::Role;
use ordergraph::db::{self, Db, PoolLimits, WriteTxn};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde_json::json;
use tokio::sync::oneshot;

use crate::helpers::TestApp;
use crate::place::place_order_mutation;

/// An SQLite database with two scratch tables, behind its own `Db`.
async fn scratch() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("writer.db").display()
    );
    let conn = db::connect(&url, 4, PoolLimits::default())
        .await
        .expect("SQLite opens");
    conn.execute_unprepared(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
         CREATE TABLE parts (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id));",
    )
    .await
    .expect("scratch tables");
    (Db::new(conn), dir)
}

async fn insert<C: ConnectionTrait>(conn: &C, name: &str) -> Result<(), DbErr> {
    conn.execute_unprepared(&format!("INSERT INTO items (name) VALUES ('{name}')"))
        .await
        .map(|_| ())
}

/// Names in `items`, as committed (read through the pool, not the writer).
async fn committed(db: &Db) -> Vec<String> {
    db.conn()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM items ORDER BY name",
        ))
        .await
        .expect("items")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

/// How many rows named `name` this transaction sees.
async fn seen(txn: &WriteTxn, name: &str) -> i64 {
    txn.query_one_raw(Statement::from_string(
        DbBackend::Sqlite,
        format!("SELECT COUNT(*) AS n FROM items WHERE name = '{name}'"),
    ))
    .await
    .expect("count")
    .expect("a row")
    .try_get("", "n")
    .expect("n")
}

/// Waits until `n` callers queue for the writer.
async fn queued(db: &Db, n: usize) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while db.write_queue() != n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{n} callers queue ({} do)", db.write_queue()));
}

#[tokio::test]
async fn many_concurrent_orders_all_commit_exactly_once() {
    const CLIENTS: usize = 16;
    const ORDERS_EACH: usize = 20;
    let app = TestApp::spawn_with(|c| {
        // The test measures the writer, not the admin's cost budget.
        c.graphql_budgets = vec![(Role::Admin, Some(None))];
    })
    .await;
    let input = |client: usize, i: usize| {
        json!({"input": {
            "customerName": "Queue Buyer",
            "reference": format!("writer-{client}-{i}"),
            "lines": [
                {"name": "Coffee Beans", "quantity": "5", "price": "9.50", "vatPercentage": "7.25"},
                {"name": "Pot", "quantity": "30", "price": "3.0", "discountPercentage": "15", "vatPercentage": "25"}
            ]
        }})
    };
    // One order first: how many rows of each kind an order writes.
    app.admin(&place_order_mutation(), input(CLIENTS, 0)).await;
    let per_order = [
        app.count("order_lines").await,
        app.count("order_events").await,
    ];
    assert_eq!(app.count("orders").await, 1);

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let requests: Vec<_> = (0..ORDERS_EACH)
                .map(|i| (place_order_mutation(), input(client, i)))
                .collect();
            let (http, url, token) = (app.client.clone(), app.url("/graphql"), app.admin_token());
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for (query, variables) in requests {
                    let body: serde_json::Value = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"query": query, "variables": variables}))
                        .send()
                        .await
                        .expect("request is sent")
                        .json()
                        .await
                        .expect("JSON body");
                    if body.get("errors").is_some() || body["data"]["placeOrder"]["id"].is_null() {
                        failures.push(body);
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await.expect("client runs"));
    }
    assert!(failures.is_empty(), "failed placeOrders: {failures:#?}");

    let orders = (CLIENTS * ORDERS_EACH + 1) as i64;
    assert_eq!(app.count("orders").await, orders);
    assert_eq!(app.count("order_lines").await, orders * per_order[0]);
    assert_eq!(app.count("order_events").await, orders * per_order[1]);
}

#[tokio::test]
async fn a_failing_caller_neither_fails_nor_commits_the_rest_of_its_group() {
    let (db, _dir) = scratch().await;
    let hook = db.event_commits();

    let first = db.begin_write().await.expect("first begins");
    insert(&first, "first").await.expect("first writes");
    first.appended_events();

    // Queued behind `first`: one that writes, then fails (and returns its
    // error, dropping its transaction), and one that commits when told.
    let failing = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = db.begin_write().await?;
            insert(&txn, "failing").await?;
            assert_eq!(seen(&txn, "first").await, 1, "sees its group's writes");
            insert(&txn, "first").await
        }
    });
    queued(&db, 1).await;
    let (holding_tx, holding) = oneshot::channel();
    let (go, go_rx) = oneshot::channel::<()>();
    let last = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = db.begin_write().await?;
            assert_eq!(seen(&txn, "failing").await, 0, "the failure rolled back");
            insert(&txn, "last").await?;
            let _ = holding_tx.send(());
            let _ = go_rx.await;
            txn.commit().await
        }
    });
    queued(&db, 2).await;

    // Others wait: `first` leaves the transaction open for them.
    let first_commit = tokio::spawn(first.commit());
    let failed = failing.await.expect("failing caller runs");
    assert!(failed.is_err(), "the duplicate fails: {failed:?}");
    holding.await.expect("last holds the writer");

    // One transaction: `first` has no answer while `last` still works in it,
    // and nothing is visible (or announced) yet.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!first_commit.is_finished(), "first answered before COMMIT");
    assert_eq!(committed(&db).await, Vec::<String>::new());
    assert!(!hook.has_changed().expect("hook lives"));

    go.send(()).expect("last waits");
    first_commit.await.expect("joins").expect("first commits");
    last.await.expect("joins").expect("last commits");
    assert_eq!(committed(&db).await, ["first", "last"]);
    assert!(hook.has_changed().expect("hook lives"), "the hook fired");
    assert_eq!(db.write_queue(), 0);
}

// Several threads, like the server: the next caller runs on another thread
// the moment the turn is free, so the rollback must already be queued then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_releases_the_writer_and_its_writes_are_gone() {
    let (db, _dir) = scratch().await;

    // Cancelled while its statement still runs on the connection.
    let (wrote_tx, wrote) = oneshot::channel();
    let cancelled = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = db.begin_write().await.expect("begins");
            insert(&txn, "cancelled").await.expect("writes");
            let _ = wrote_tx.send(());
            let slow =
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)
                        SELECT COUNT(*) AS n FROM c";
            let _ = txn
                .query_one_raw(Statement::from_string(DbBackend::Sqlite, slow))
                .await;
            std::future::pending::<()>().await;
        }
    });
    wrote.await.expect("the cancelled caller wrote");

    // One gives up waiting in the queue; it leaves no trace.
    let impatient = tokio::time::timeout(Duration::from_millis(20), db.begin_write()).await;
    assert!(impatient.is_err(), "the writer is taken");
    assert_eq!(db.write_queue(), 0, "a cancelled wait leaves the queue");

    let next = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = db.begin_write().await?;
            // On the same connection, after the rollback: not before it.
            let leftover = seen(&txn, "cancelled").await;
            insert(&txn, "next").await?;
            txn.commit().await.map(|()| leftover)
        }
    });
    queued(&db, 1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    cancelled.abort();
    let leftover = tokio::time::timeout(Duration::from_secs(30), next)
        .await
        .expect("the next caller gets the writer")
        .expect("joins")
        .expect("next commits");
    assert_eq!(
        leftover, 0,
        "the cancelled caller's row was rolled back first"
    );
    assert_eq!(committed(&db).await, ["next"]);
}

#[tokio::test]
async fn a_failed_group_commit_fails_every_caller_of_the_group() {
    let (db, _dir) = scratch().await;

    // A deferred foreign key is checked at COMMIT only: the group's COMMIT
    // fails although each caller's statements succeeded.
    let first = db.begin_write().await.expect("first begins");
    first
        .execute_unprepared("PRAGMA defer_foreign_keys = ON")
        .await
        .expect("defers");
    first
        .execute_unprepared("INSERT INTO parts (item_id) VALUES (404)")
        .await
        .expect("the dangling part waits for COMMIT");
    let innocent = tokio::spawn({
        let db = db.clone();
        async move {
            let txn = db.begin_write().await?;
            insert(&txn, "innocent").await?;
            txn.commit().await
        }
    });
    queued(&db, 1).await;

    let first = first.commit().await;
    let innocent = innocent.await.expect("joins");
    for outcome in [&first, &innocent] {
        let err = outcome.as_ref().expect_err("the group failed");
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    }
    assert_eq!(committed(&db).await, Vec::<String>::new());

    // The writer's next group starts clean.
    let after = db.begin_write().await.expect("begins after");
    insert(&after, "after").await.expect("writes after");
    after.commit().await.expect("commits after");
    assert_eq!(committed(&db).await, ["after"]);
}

#[tokio::test]
async fn a_single_statement_through_db_queues_at_the_writer() {
    let (db, _dir) = scratch().await;
    let holder = db.begin_write().await.expect("begins");
    insert(&holder, "holder").await.expect("writes");

    let autocommit = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, "autocommit").await }
    });
    // It waits in the writer's queue, not on the file lock.
    queued(&db, 1).await;
    holder.commit().await.expect("holder commits");
    autocommit
        .await
        .expect("joins")
        .expect("the statement commits");
    assert_eq!(committed(&db).await, ["autocommit", "holder"]);
}
