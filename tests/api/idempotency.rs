//! Idempotency keys: retries return the first response, concurrent requests
//! with one key run once, a different request with the key is a CONFLICT,
//! keys are per caller, and all of it survives a cut connection and a restart.

use std::time::Duration;

use ordergraph::auth::Role;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::{TestApp, error_code};

const PLACE: &str =
    "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number reference } }";

fn order_input(reference: &str) -> Value {
    json!({"input": {"reference": reference, "customerName": "Ann Buyer",
        "lines": [{"name": "Coffee Beans", "quantity": 2, "price": "9.50", "vatPercentage": "7.25"}]}})
}

/// POSTs `query` with an `Idempotency-Key` header as `token`.
async fn post_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    query: &str,
    variables: Value,
) -> Value {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_order() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let first = post_with_key(&app, &token, "k-1", PLACE, order_input("R-1")).await;
    assert!(first.get("errors").is_none(), "{first}");
    let again = post_with_key(&app, &token, "k-1", PLACE, order_input("R-1")).await;
    assert_eq!(again["data"], first["data"]);
    assert_eq!(app.count("orders").await, 1);
    // Without a key, the same reference is a duplicate, as before.
    let plain = app.gql(Some(&token), PLACE, order_input("R-1")).await;
    assert_eq!(error_code(&plain), Some("CONFLICT"), "{plain}");
}

#[tokio::test]
async fn the_same_key_for_another_request_is_a_coded_conflict() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    post_with_key(&app, &token, "k-2", PLACE, order_input("R-2")).await;
    let other = post_with_key(&app, &token, "k-2", PLACE, order_input("R-3")).await;
    assert_eq!(error_code(&other), Some("CONFLICT"), "{other}");
    assert_eq!(other["errors"][0]["extensions"]["idempotencyKey"], "k-2");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token();
    let staff = app.token(Role::Staff, None);
    let mine = post_with_key(&app, &admin, "shared", PLACE, order_input("R-4")).await;
    let theirs = post_with_key(&app, &staff, "shared", PLACE, order_input("R-5")).await;
    assert!(theirs.get("errors").is_none(), "{theirs}");
    assert_ne!(
        mine["data"]["placeOrder"]["id"],
        theirs["data"]["placeOrder"]["id"]
    );
    assert_eq!(app.count("orders").await, 2);
}

#[tokio::test]
async fn twenty_concurrent_requests_with_one_key_create_one_order() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let body = json!({"query": PLACE, "variables": order_input("R-6")});
    let requests = (0..20).map(|_| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("idempotency-key", "together")
            .json(&body);
        tokio::spawn(async move { request.send().await.unwrap().json::<Value>().await.unwrap() })
    });
    let mut ids = std::collections::BTreeSet::new();
    for handle in requests.collect::<Vec<_>>() {
        let response = handle.await.unwrap();
        assert!(response.get("errors").is_none(), "{response}");
        ids.insert(response["data"]["placeOrder"]["id"].to_string());
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn batches_and_websockets_carry_the_key_as_an_argument() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let keyed = "mutation($input: PlaceOrderInput!, $key: String) { placeOrder(input: $input, idempotencyKey: $key) { id } }";
    let mut variables = order_input("R-7");
    variables["key"] = json!("arg-1");
    let batch =
        json!([{"query": keyed, "variables": variables}, {"query": keyed, "variables": variables}]);
    let response: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        response[0]["data"], response[1]["data"],
        "the second runs as a retry of the first: {response}"
    );
    assert_eq!(app.count("orders").await, 1);

    let mut ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {token}"))
        .await;
    ws.send(json!({"id": "w", "type": "subscribe", "payload": {"query": keyed, "variables": variables}}))
        .await;
    let message = ws.next_json().await;
    assert_eq!(message["payload"]["data"], response[0]["data"], "{message}");
    assert_eq!(app.count("orders").await, 1);

    // The header and an argument naming different keys: refused, nothing written.
    let mut other = order_input("R-8");
    other["key"] = json!("arg-2");
    let body = post_with_key(&app, &token, "header-key", keyed, other).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn a_cut_connection_and_a_restart_still_return_the_saved_order() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    // A client sends the mutation and hangs up at once, before any answer.
    let body = json!({"query": PLACE, "variables": order_input("R-9")}).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: cut\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        app.addr,
        body.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    drop(tcp);
    // The server finishes the mutation anyway and records its response.
    let mut saved = 0;
    for _ in 0..100 {
        saved = app.count("orders").await;
        if saved == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(saved, 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = app.stop().await;
    let app = stopped.start(|_| {}).await;
    let retry = post_with_key(&app, &token, "cut", PLACE, order_input("R-9")).await;
    assert!(retry.get("errors").is_none(), "{retry}");
    assert_eq!(retry["data"]["placeOrder"]["reference"], "R-9");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn completed_refusals_are_replayed_like_successes() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let mut bad = order_input("R-10");
    bad["input"]["lines"][0]["quantity"] = json!(0);
    let refused = post_with_key(&app, &token, "fix-and-retry", PLACE, bad).await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    // A completed answer (even a refusal) is kept: the same request gets it again...
    let again = post_with_key(&app, &token, "fix-and-retry", PLACE, {
        let mut bad = order_input("R-10");
        bad["input"]["lines"][0]["quantity"] = json!(0);
        bad
    })
    .await;
    assert_eq!(again, refused);
    // ... and a corrected request needs a new key.
    let fixed = post_with_key(&app, &token, "fix-and-retry-2", PLACE, order_input("R-10")).await;
    assert!(fixed.get("errors").is_none(), "{fixed}");
}

/// Leaves every key in `state`, without a response, its lease run out.
async fn expire_lease(app: &TestApp, state: &str) {
    use ordergraph::entities::idempotency_key::{Column, Entity};
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    Entity::update_many()
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::Response, Expr::value(None::<String>))
        .col_expr(Column::LeaseUntil, Expr::value(past))
        .exec(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_crash_between_commit_and_response_never_runs_the_mutation_twice() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    post_with_key(&app, &token, "crash", PLACE, order_input("R-11")).await;
    // What a kill -9 right after the commit leaves: the key marked in the
    // mutation's transaction, no response, the owner's lease run out.
    expire_lease(&app, "committed").await;
    // placeOrder names its order in the key's row: the retry answers with it.
    let retry = post_with_key(&app, &token, "crash", PLACE, order_input("R-11")).await;
    assert!(retry.get("errors").is_none(), "{retry}");
    assert_eq!(retry["data"]["placeOrder"]["reference"], "R-11");
    assert_eq!(app.count("orders").await, 1);
    // ... and records it, so the next retry is a plain replay.
    let again = post_with_key(&app, &token, "crash", PLACE, order_input("R-11")).await;
    assert_eq!(again, retry);

    // A mutation that does not return an order cannot be answered that way:
    // CONFLICT, saying it was saved, rather than running it twice.
    let customer =
        "mutation { upsertCustomer(input: {email: \"kim@example.com\", name: \"Kim\"}) { id } }";
    post_with_key(&app, &token, "crash-2", customer, json!({})).await;
    expire_lease(&app, "committed").await;
    let retry = post_with_key(&app, &token, "crash-2", customer, json!({})).await;
    assert_eq!(error_code(&retry), Some("CONFLICT"), "{retry}");
    let message = retry["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("was saved"), "{message}");

    // A request that died before committing leaves `running`: a retry after
    // the lease takes the key over and runs.
    app.db
        .execute_unprepared("DELETE FROM idempotency_keys WHERE key <> 'crash'")
        .await
        .unwrap();
    expire_lease(&app, "running").await;
    app.db
        .execute_unprepared("DELETE FROM order_events")
        .await
        .unwrap();
    app.db
        .execute_unprepared("DELETE FROM deliveries")
        .await
        .unwrap();
    app.db
        .execute_unprepared("DELETE FROM order_lines")
        .await
        .unwrap();
    app.db
        .execute_unprepared("DELETE FROM orders")
        .await
        .unwrap();
    let retry = post_with_key(&app, &token, "crash", PLACE, order_input("R-11")).await;
    assert!(retry.get("errors").is_none(), "{retry}");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn kill_9_during_keyed_writes_then_retrying_every_key_makes_each_order_once() {
    // A database made and migrated by a test server, then run by the binary.
    let database = TestApp::spawn().await.stop().await;
    // A short request timeout keeps the lease of a key whose request died
    // short (timeout + 5 s).
    let env = [("REQUEST_TIMEOUT_SECONDS", "3")];
    let server = crate::helpers::Process::start_with(database.database_url(), &env).await;
    let token = ordergraph::auth::jwt::JwtKeys::new(crate::helpers::JWT_SECRET, None, None)
        .sign(
            &ordergraph::auth::Principal {
                role: Role::Admin,
                subject: "kill-test".into(),
                customer_id: None,
            },
            Duration::from_secs(600),
        )
        .unwrap();
    let client = reqwest::Client::new();
    let send = move |url: String, i: usize| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let response = client
                .post(format!("{url}/graphql"))
                .bearer_auth(token)
                .header("idempotency-key", format!("kill-{i}"))
                .json(&json!({"query": PLACE, "variables": order_input(&format!("KILL-{i}"))}))
                .send()
                .await
                .ok()?;
            response.json::<Value>().await.ok()
        }
    };
    // 120 keyed orders, four at a time; the server dies part way through.
    let sender = {
        let url = server.url.clone();
        let send = send.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            for chunk in (0..120).collect::<Vec<_>>().chunks(4) {
                let answers =
                    futures_util::future::join_all(chunk.iter().map(|i| send(url.clone(), *i)))
                        .await;
                answered += answers.iter().flatten().count();
            }
            answered
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut server = server;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    let answered = sender.await.unwrap();
    assert!(answered < 120, "killed while writing ({answered} answered)");

    // Every client retries every key on the restarted server.
    let restarted = crate::helpers::Process::start_with(database.database_url(), &env).await;
    let lost_responses: u64 = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let db = sea_orm::Database::connect(database.database_url())
            .await
            .unwrap();
        ordergraph::entities::idempotency_key::Entity::find()
            .filter(ordergraph::entities::idempotency_key::Column::State.eq("committed"))
            .count(&db)
            .await
            .unwrap()
    };
    let mut waited_for_lease = 0;
    for i in 0..120 {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let body = send(restarted.url.clone(), i).await.expect("an answer");
            let retryable = body["errors"][0]["extensions"]["retryable"] == true;
            match error_code(&body) {
                None => {
                    assert_eq!(body["data"]["placeOrder"]["reference"], format!("KILL-{i}"));
                }
                // A request that died before its commit holds the key until
                // its lease ends; then the retry runs it.
                Some("CONFLICT") if retryable => {
                    assert!(std::time::Instant::now() < deadline, "{body}");
                    waited_for_lease += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
                Some(other) => panic!("{other}: {body}"),
            }
            break;
        }
    }
    let count = restarted
        .admin("{ orders(first: 1) { totalCount } }", json!({}))
        .await["orders"]["totalCount"]
        .as_u64()
        .unwrap();
    assert_eq!(count, 120, "each key made exactly one order");
    assert!(lost_responses <= 4, "{lost_responses}");
    // Those were answered with their order (placeOrder is replayable).
    eprintln!(
        "kill -9 after {answered} answers: 120 keys retried, 120 orders, {lost_responses} committed without a response (answered with their order), {waited_for_lease} retries waited for a lease"
    );
}
