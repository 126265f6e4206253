//! placeOrder throughput: orders/s for a 3-line order over HTTP at concurrency 4
//! and 16, on SQLite and (when BENCH_POSTGRES_URL is set) PostgreSQL, next to
//! the raw-SQL ceiling of the same transaction (same statements, no HTTP, no
//! GraphQL, no validation).
//!
//! ```sh
//! cargo bench --bench place_order
//! BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_SECONDS=10 cargo bench --bench place_order
//! ```
//!
//! The server and the load generator share the machine, so figures are for
//! comparing runs and backends on one machine, not absolute capacity.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ordergraph::app::App;
use ordergraph::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement, Value};
use serde_json::json;

const QUERY: &str = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number totals { grossTotal } } }";

fn order_input(i: u64) -> serde_json::Value {
    json!({
        "customerName": "Bench Buyer",
        "reference": format!("bench-{i}-{}", uuid::Uuid::new_v4().simple()),
        "lines": [
            {"name": "Coffee Beans", "quantity": "5", "price": "9.50", "vatPercentage": "7.25"},
            {"name": "Box of boxes", "quantity": "2", "price": "3.00", "vatPercentage": "20"},
            {"name": "Pot", "quantity": "30", "price": "3.0", "discountPercentage": "15", "vatPercentage": "25"}
        ]
    })
}

struct Target {
    label: &'static str,
    url: String,
    /// Drops the benchmark's own database afterwards.
    cleanup: Option<Box<dyn FnOnce()>>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let duration = Duration::from_secs(seconds);
    println!(
        "placeOrder, 3 lines; {seconds} s per run; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<10} {:<6} {:>5} {:>10} {:>10}",
        "backend", "path", "conc", "orders/s", "p50 ms"
    );

    let mut targets = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    targets.push(Target {
        label: "sqlite",
        url: format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        ),
        cleanup: None,
    });
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
        let drop_name = name.clone();
        let drop_admin = admin.clone();
        targets.push(Target {
            label: "postgres",
            url: format!("{base}/{name}"),
            cleanup: Some(Box::new(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("rt");
                rt.block_on(async {
                    if let Ok(db) = Database::connect(&drop_admin).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{drop_name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })),
        });
    }

    for mut target in targets {
        runtime.block_on(async {
            let config = Config::from_lookup(|var| match var {
                "DATABASE_URL" => Some(target.url.clone()),
                "BIND_ADDR" => Some("127.0.0.1:0".into()),
                "JWT_SECRET" => Some("bench-secret-bench-secret-bench-secret".into()),
                // Benchmarks measure the server, not the per-credential budget.
                "GRAPHQL_BUDGET_ADMIN"
                | "GRAPHQL_BUDGET_STAFF"
                | "GRAPHQL_BUDGET_INTEGRATION"
                | "GRAPHQL_BUDGET_CUSTOMER" => Some("off".into()),
                "DB_MAX_CONNECTIONS" => Some("16".into()),
                _ => None,
            })
            .expect("config");
            let app = App::build(config).await.expect("app starts");
            let addr = app.local_addr();
            let db = app.state().db.clone();
            let token = app
                .state()
                .auth
                .jwt()
                .sign(
                    &ordergraph::auth::Principal {
                        role: ordergraph::auth::Role::Integration,
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
            for concurrency in [4, 16] {
                let (rate, p50) = http_run(addr, &token, concurrency, duration).await;
                println!(
                    "{:<10} {:<6} {:>5} {:>10.0} {:>10.1}",
                    target.label, "http", concurrency, rate, p50
                );
            }
            for concurrency in [4, 16] {
                let (rate, p50) = raw_run(&db, concurrency, duration).await;
                println!(
                    "{:<10} {:<6} {:>5} {:>10.0} {:>10.1}",
                    target.label, "raw", concurrency, rate, p50
                );
            }
            let _ = tx.send(());
            let _ = server.await;
        });
        if let Some(cleanup) = target.cleanup.take() {
            cleanup();
        }
    }
}

/// Runs `concurrency` clients placing orders for `duration`; orders/s and the
/// median latency.
async fn http_run(
    addr: std::net::SocketAddr,
    token: &str,
    concurrency: usize,
    duration: Duration,
) -> (f64, f64) {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/graphql");
    let token = token.to_owned();
    run(concurrency, duration, move |i| {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"query": QUERY, "variables": {"input": order_input(i)}}))
                .send()
                .await
                .expect("request");
            let body: serde_json::Value = response.json().await.expect("json");
            assert!(body.get("errors").is_none(), "bench order failed: {body}");
        }
    })
    .await
}

/// The same transaction as placeOrder, as plain SQL statements.
async fn raw_run(db: &ordergraph::db::Db, concurrency: usize, duration: Duration) -> (f64, f64) {
    let db = db.clone();
    run(concurrency, duration, move |i| {
        let db = db.clone();
        async move { raw_place(&db, i).await }
    })
    .await
}

async fn raw_place(db: &ordergraph::db::Db, i: u64) {
    let backend = db.get_database_backend();
    let sql = |text: &str| -> String {
        if backend == DatabaseBackend::Postgres {
            text.to_owned()
        } else {
            // Positional $n placeholders become ? (arguments are in order).
            let mut out = String::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    };
    let txn = db.begin_write().await.expect("begin");
    let number = ordergraph::orders::create::reserve_numbers(&txn, 1)
        .await
        .expect("number")
        .pop()
        .unwrap_or_default();
    let now = ordergraph::db::now();
    let reference = format!("raw-{i}-{}", uuid::Uuid::new_v4().simple());
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql("INSERT INTO orders (number, source, reference, status, currency, test, customer_name,
                 total_quantity, products_before_discount, discount_percentage, discount_total, total_before_vat,
                 total_vat, shipping_costs, gross_total, paid_amount, version, submitted_at, created_at, updated_at)
                 VALUES ($1, 'api', $2, 'PENDING', 'EUR', false, 'Bench Buyer', 370000, 1115000, 0, 135000, 980000,
                 242250, 0, 1222250, 0, 1, $3, $4, $5) RETURNING id"),
            [number.into(), reference.into(), now.into(), now.into(), now.into()],
        ))
        .await
        .expect("insert order")
        .expect("returned id");
    let order_id: i64 = row.try_get("", "id").expect("id");
    let mut values: Vec<Value> = Vec::new();
    let mut tuples = Vec::new();
    for (position, (name, qty, price, disc, vat)) in [
        ("Coffee Beans", 50000i64, 95000i64, 0i64, 72500i64),
        ("Box of boxes", 20000, 30000, 0, 200000),
        ("Pot", 300000, 30000, 150000, 250000),
    ]
    .into_iter()
    .enumerate()
    {
        let base = values.len();
        tuples.push(format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, false, 0, 0, 0, ${}, ${})",
            base + 1,
            base + 2,
            base + 3,
            base + 4,
            base + 5,
            base + 6,
            base + 7,
            base + 8,
            base + 9,
            base + 10
        ));
        values.extend([
            order_id.into(),
            (position as i32).into(),
            name.into(),
            qty.into(),
            price.into(),
            price.into(),
            disc.into(),
            vat.into(),
            now.into(),
            now.into(),
        ]);
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(&format!(
            "INSERT INTO order_lines (order_id, position, name, quantity, price, final_price, discount_percentage,
             vat_percentage, has_custom_price, total_before_vat, total_vat, total_after_vat, created_at, updated_at)
             VALUES {}",
            tuples.join(", ")
        )),
        values,
    ))
    .await
    .expect("insert lines");
    let mut event = ordergraph::events::NewEvent::new(
        order_id,
        ordergraph::events::OrderEventKind::Created,
        "bench",
    );
    event.to_status = Some(ordergraph::orders::workflow::OrderStatus::Pending);
    ordergraph::events::append(&txn, vec![event])
        .await
        .expect("event");
    txn.commit().await.expect("commit");
}

async fn run<F, Fut>(concurrency: usize, duration: Duration, job: F) -> (f64, f64)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let job = Arc::new(job);
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (job, stop, counter) = (job.clone(), stop.clone(), counter.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    job(i).await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let p50 = latencies
        .get(latencies.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    (latencies.len() as f64 / elapsed, p50)
}
