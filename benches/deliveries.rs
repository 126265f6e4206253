//! Webhook deliveries: how fast one instance drains a backlog of events to a
//! local receiver, next to the ceiling measured in the same run: the same
//! number of signed POSTs from a plain client at the same concurrency (no
//! database, no leases, no attempts recorded).
//!
//! ```sh
//! cargo bench --bench deliveries
//! BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_EVENTS=10000 cargo bench --bench deliveries
//! ```
//!
//! The backlog is built by an instance without a delivery worker
//! (`DELIVERY_WORKER=false`): imports of 1,000 orders, one IMPORTED event and
//! one delivery each. Then an instance with a worker starts on the same
//! database; the clock runs from its start until the receiver has every
//! delivery id.
//! One endpoint may use a quarter of DELIVERY_CONCURRENCY (16), so the
//! ceiling runs at 4 concurrent requests too. Server, receiver and load share
//! the machine: figures compare runs on one machine.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ordergraph::app::App;
use ordergraph::auth::{Principal, Role};
use ordergraph::config::Config;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

// The shipped binary's allocator (src/main.rs): the server runs in this
// process, so it must allocate as it does in production.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Seen = Arc<Mutex<HashSet<String>>>;

async fn receive(State(seen): State<Seen>, headers: HeaderMap, _body: Bytes) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Ok(mut seen) = seen.lock() {
        seen.insert(id);
    }
    StatusCode::NO_CONTENT
}

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), seen)
}

async fn graphql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let body: Value = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

async fn wait_for(seen: &Seen, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while seen.lock().map(|s| s.len()).unwrap_or(0) < n {
        assert!(
            Instant::now() < deadline,
            "the backlog did not drain in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The ceiling: `n` signed POSTs at `concurrency`, no database.
async fn ceiling(n: usize, concurrency: usize) -> Duration {
    let (hook_url, seen) = receiver().await;
    let client = reqwest::Client::new();
    let secret = ordergraph::deliveries::webhook::new_secret();
    let body =
        serde_json::to_vec(&json!({"type": "order.imported", "data": {"n": 1}})).expect("body");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, hook_url, secret, body, next) = (
            client.clone(),
            hook_url.clone(),
            secret.clone(),
            body.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let id = format!("msg_{i}");
                let ts = chrono::Utc::now().timestamp();
                let signature =
                    ordergraph::deliveries::webhook::sign(&secret, &id, ts, &body).expect("sign");
                let _ = client
                    .post(&hook_url)
                    .header("webhook-id", id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", signature)
                    .body(body.clone())
                    .send()
                    .await;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    wait_for(&seen, n).await;
    started.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let events: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    println!(
        "webhook deliveries: a backlog of {events} events, one endpoint; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<10} {:>12} {:>10} {:>16} {:>16} {:>8}",
        "backend", "drain s", "per s", "ceiling c=4 /s", "ceiling c=16 /s", "ratio"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut targets = vec![(
        "sqlite",
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        ),
        None,
    )];
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        let name = format!("ordergraph_bench_{}", uuid::Uuid::new_v4().simple());
        runtime.block_on(async {
            let db = Database::connect(&admin)
                .await
                .expect("BENCH_POSTGRES_URL connects");
            db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create db");
        });
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        targets.push(("postgres", format!("{base}/{name}"), Some((admin, name))));
    }
    for (label, url, cleanup) in targets {
        runtime.block_on(async {
            let config = |worker: bool| {
                Config::from_lookup(|var| match var {
                    "DATABASE_URL" => Some(url.clone()),
                    "BIND_ADDR" => Some("127.0.0.1:0".into()),
                    "JWT_SECRET" => Some("bench-secret-bench-secret-bench-secret".into()),
                    // Benchmarks measure the server, not the per-credential budget.
                    "GRAPHQL_BUDGET_ADMIN" | "GRAPHQL_BUDGET_STAFF" | "GRAPHQL_BUDGET_INTEGRATION" | "GRAPHQL_BUDGET_CUSTOMER" => Some("off".into()),
                    "WEBHOOK_ALLOW_PRIVATE" => Some("true".into()),
                    "DELIVERY_POLL_MS" => Some("100".into()),
                    "DB_MAX_CONNECTIONS" => Some("16".into()),
                    "DELIVERY_WORKER" => Some(worker.to_string()),
                    _ => None,
                })
                .expect("config")
            };
            let (hook_url, seen) = receiver().await;

            // The backlog, written by an instance that does not send.
            let app = App::build(config(false)).await.expect("app starts");
            let api = format!("http://{}/graphql", app.local_addr());
            let token = app
                .state()
                .auth
                .jwt()
                .sign(
                    &Principal {
                        role: Role::Admin,
                        subject: "bench".into(),
                        customer_id: None,
                    },
                    Duration::from_secs(3600),
                )
                .expect("token");
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(app.run_until(async {
                let _ = rx.await;
            }));
            let client = reqwest::Client::new();
            graphql(
                &client,
                &api,
                &token,
                "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [IMPORTED]}) { endpoint { id } } }",
                json!({"url": hook_url}),
            )
            .await;
            let importing = Instant::now();
            for chunk in 0..events.div_ceil(1000) {
                let orders: Vec<Value> = (chunk * 1000..((chunk + 1) * 1000).min(events))
                    .map(|i| json!({"source": "bench", "externalId": format!("B{i}"), "lines": [{"name": "x", "quantity": 1, "price": 1}]}))
                    .collect();
                graphql(
                    &client,
                    &api,
                    &token,
                    "mutation($orders: [UpsertOrderInput!]!) { importOrders(input: {source: \"bench\", orders: $orders}) { ordersImported } }",
                    json!({"orders": orders}),
                )
                .await;
            }
            let imported = importing.elapsed();
            let _ = tx.send(());
            let _ = server.await;

            // The drain, by an instance with a worker.
            let started = Instant::now();
            let app = App::build(config(true)).await.expect("app starts");
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(app.run_until(async {
                let _ = rx.await;
            }));
            wait_for(&seen, events).await;
            let drain = started.elapsed();
            let _ = tx.send(());
            let _ = server.await;
            println!("  ({label}: {events} orders imported with their deliveries in {:.2} s)", imported.as_secs_f64());
            let c4 = ceiling(events, 4).await;
            let c16 = ceiling(events, 16).await;
            let rate = |d: Duration| events as f64 / d.as_secs_f64();
            println!(
                "{:<10} {:>12.2} {:>10.0} {:>16.0} {:>16.0} {:>7.0}%",
                label,
                drain.as_secs_f64(),
                rate(drain),
                rate(c4),
                rate(c16),
                100.0 * rate(drain) / rate(c4)
            );
        });
        if let Some((admin, name)) = cleanup {
            runtime.block_on(async {
                if let Ok(db) = Database::connect(&admin).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
        }
    }
}
