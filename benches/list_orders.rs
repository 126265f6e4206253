//! `orders(first: 100)` with every nested field: requests/s at concurrency 4
//! and SQL statements per request, next to the ceiling of the same page read by
//! hand-written batched SQL (the same five statements, no GraphQL, no HTTP),
//! and of the page served by hand (those statements' rows decoded and the
//! same bytes answered over the same HTTP stack: what a server written for
//! this one page could do, so what no GraphQL server can beat).
//! The three alternate for `BENCH_ROUNDS` rounds (default 3) and the ratios
//! are the medians of the rounds'; each run also prints the CPU a page cost this
//! process and the database, which says on which side the gap is. Also runs
//! the page without `totalCount` (what counting every matching order costs
//! at `BENCH_ORDERS`), and prints PostgreSQL's plans for the list's filters,
//! sorts and count, and the time of a substring search.
//!
//! ```sh
//! BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench list_orders
//! BENCH_ORDERS=100000 BENCH_POSTGRES_URL=... cargo bench --bench list_orders   # count and search at 100k
//! ```
//! Without BENCH_POSTGRES_URL it runs on SQLite (and prints no plans). Server
//! and load generator share the machine: compare runs, not absolutes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ordergraph::app::App;
use ordergraph::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};
use serde_json::json;

#[path = "support/cpu.rs"]
mod cpu;

use cpu::cpu_now;

// The shipped binary's allocator (src/main.rs): the server runs in this
// process, so it must allocate as it does in production (glibc's malloc
// took a third of this bench's CPU and made the server look slower).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERY: &str = "{ orders(first: 100) { totalCount edges { cursor node {
    id number status totals { grossTotal totalVat }
    customer { id email name }
    shippingAddress { id name city } billingAddress { id name }
    lines { id name quantity price totalAfterVat address { id address1 } }
    messages { id text } adminFields { name value } events { id kind toStatus }
} } } }";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let orders: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, cleanup) = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(admin) => {
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
            (format!("{base}/{name}"), Some((admin, name)))
        }
        Err(_) => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            None,
        ),
    };
    runtime.block_on(async {
        let config = Config::from_lookup(|var| match var {
            "DATABASE_URL" => Some(url.clone()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "JWT_SECRET" => Some("bench-secret-bench-secret-bench-secret".into()),
            // Benchmarks measure the server, not the per-credential budget.
            "GRAPHQL_BUDGET_ADMIN" | "GRAPHQL_BUDGET_STAFF" | "GRAPHQL_BUDGET_INTEGRATION" | "GRAPHQL_BUDGET_CUSTOMER" => Some("off".into()),
            "DB_MAX_CONNECTIONS" => Some("8".into()),
            _ => None,
        })
        .expect("config");
        let app = App::build(config).await.expect("app starts");
        let addr = app.local_addr();
        let db = app.state().db.conn().clone();
        let statements = app.state().db_statements.clone();
        let token = app
            .state()
            .auth
            .jwt()
            .sign(
                &ordergraph::auth::Principal {
                    role: ordergraph::auth::Role::Admin,
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
        let endpoint = format!("http://{addr}/graphql");

        let seeded = Instant::now();
        seed(&client, &endpoint, &token, orders).await;
        println!(
            "seeded {orders} orders ({} lines, 1 message and 1 admin field on every 10th) in {:.1} s",
            orders * 3,
            seeded.elapsed().as_secs_f64()
        );
        // What autovacuum does to a settled table (visibility map, statistics),
        // done now: a machine may run with autovacuum off, and the count's
        // index-only scan needs the visibility map.
        let settle = match db.get_database_backend() {
            DatabaseBackend::Postgres => "VACUUM ANALYZE",
            _ => "ANALYZE",
        };
        db.execute_unprepared(settle).await.expect("settle the tables");

        let before = statements.load(Ordering::SeqCst);
        let body = post(&client, &endpoint, &token, QUERY).await;
        let per_request = statements.load(Ordering::SeqCst) - before;
        assert_eq!(body["data"]["orders"]["edges"].as_array().map(Vec::len), Some(100), "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        println!("statements per request: {per_request}");

        // The served ceiling answers the same bytes, or it is not the same
        // page; all but the server's `extensions` (the query's cost), which
        // follow the data.
        let served_url = format!("http://{}/page", served::start(db.clone()).await);
        let request = bytes::Bytes::from(json!({ "query": QUERY }).to_string());
        let answer = raw_post(&client, &endpoint, &token, request.clone()).await;
        let by_hand = raw_post(&client, &served_url, &token, request).await;
        let data = by_hand.len().saturating_sub(1);
        let same = answer.get(..data) == by_hand.get(..data)
            && answer.get(data..).is_some_and(|rest| rest.starts_with(b",\"extensions\":"));
        if !same {
            let at = answer.iter().zip(by_hand.iter()).take_while(|(a, b)| a == b).count();
            let near = |bytes: &[u8]| String::from_utf8_lossy(&bytes[at.saturating_sub(200)..(at + 100).min(bytes.len())]).into_owned();
            panic!(
                "the page served by hand differs from the GraphQL answer at byte {at}:\n{}\n{}",
                near(&answer),
                near(&by_hand)
            );
        }

        let duration = Duration::from_secs(seconds);
        // The three paths alternate, so drift over the run (the machine's
        // other work, the database's caches) reaches them alike; the goal
        // is judged on the median of the rounds' ratios.
        let (mut ratios, mut counted) = (Vec::new(), Vec::new());
        let (mut of_served, mut served_of_raw) = (Vec::new(), Vec::new());
        for round in 1..=rounds {
            let page = timed_pages(&client, &endpoint, &token, QUERY, duration).await;
            println!("round {round}  graphql  c=4: {page}");
            counted.push(page.rate);
            let raw = measured(4, duration, {
                let db = db.clone();
                move || {
                    let db = db.clone();
                    async move { hand_written_page(&db).await }
                }
            })
            .await;
            println!("round {round}  raw SQL  c=4: {raw}  (the same page, 5 hand-written statements)");
            let by_hand = timed_pages(&client, &served_url, &token, QUERY, duration).await;
            println!("round {round}  by hand  c=4: {by_hand}  (those statements' rows decoded and answered over HTTP)");
            ratios.push(page.rate / raw.rate);
            of_served.push(page.rate / by_hand.rate);
            served_of_raw.push(by_hand.rate / raw.rate);
        }
        for list in [&mut ratios, &mut counted, &mut of_served, &mut served_of_raw] {
            list.sort_by(f64::total_cmp);
        }
        let median = |list: &[f64]| 100.0 * list[list.len() / 2];
        println!(
            "graphql / by hand: {:.0} %, by hand / raw SQL: {:.0} % (medians)",
            median(&of_served),
            median(&served_of_raw)
        );
        println!(
            "graphql / raw SQL: {:.0} % (median of {rounds} rounds; each: {})",
            100.0 * ratios[ratios.len() / 2],
            ratios
                .iter()
                .map(|r| format!("{:.0} %", 100.0 * r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // The same page without `totalCount`: what counting every matching
        // order costs the page at this table size.
        let uncounted = QUERY.replacen("totalCount ", "", 1);
        let page = timed_pages(&client, &endpoint, &token, &uncounted, duration).await;
        println!(
            "         graphql  c=4: {page}  without totalCount (the median round with it: {:.0} %)",
            100.0 * counted[counted.len() / 2] / page.rate
        );

        if db.get_database_backend() == DatabaseBackend::Postgres {
            explain(&db).await;
        }
        let t = Instant::now();
        let hits = post(
            &client,
            &endpoint,
            &token,
            "{ orders(filter: {search: \"buyer 77\"}, first: 20) { totalCount nodes { id } } }",
        )
        .await;
        println!(
            "search \"buyer 77\" over {orders} orders: {} hits, {:.1} ms (count + page, over HTTP)",
            hits["data"]["orders"]["totalCount"],
            t.elapsed().as_secs_f64() * 1000.0
        );

        let _ = tx.send(());
        let _ = server.await;
        db.close().await.ok();
    });
    if let Some((admin, name)) = cleanup {
        runtime.block_on(async {
            if let Ok(db) = Database::connect(&admin).await {
                let _ = db
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        });
    }
}

async fn post(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    query: &str,
) -> serde_json::Value {
    client
        .post(endpoint)
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// `query` posted at concurrency 4 for `duration`.
///
/// The timed answers are checked against a first one byte for byte instead
/// of parsed: nothing writes while they run, so every answer is the same,
/// and parsing ~100 KB of JSON per request in the load generator took about
/// a tenth of the shared CPU (perf), which the raw SQL run does not pay.
async fn timed_pages(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    query: &str,
    duration: Duration,
) -> Figures {
    let request = bytes::Bytes::from(json!({ "query": query }).to_string());
    let expected = raw_post(client, endpoint, token, request.clone()).await;
    let (client, endpoint, token) = (client.clone(), endpoint.to_owned(), token.to_owned());
    measured(4, duration, move || {
        let (client, endpoint, token) = (client.clone(), endpoint.clone(), token.clone());
        let (request, expected) = (request.clone(), expected.clone());
        async move {
            let body = raw_post(&client, &endpoint, &token, request).await;
            assert!(body == expected, "a timed page differs from the first");
        }
    })
    .await
}

/// POSTs a prepared JSON body; the answer's bytes (status 200 asserted).
async fn raw_post(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    body: bytes::Bytes,
) -> bytes::Bytes {
    let response = client
        .post(endpoint)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.expect("body")
}

async fn seed(client: &reqwest::Client, endpoint: &str, token: &str, count: usize) {
    const IMPORT: &str =
        "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }";
    for start in (0..count).step_by(1000) {
        let orders: Vec<_> = (start..(start + 1000).min(count))
            .map(|i| {
                let status = ["PENDING", "CONFIRMED", "SHIPPED", "COMPLETED"][i % 4];
                json!({"source": "bench", "externalId": format!("B{i}"),
                       "submittedAt": format!("2026-{:02}-{:02}T{:02}:{:02}:00Z", i % 12 + 1, i % 28 + 1, i % 24, i % 60),
                       "status": status,
                       "customerEmail": format!("buyer{}@example.com", i % 500), "customerName": format!("Buyer {}", i % 500),
                       "shippingAddress": {"name": format!("Ship {i}"), "city": "Utrecht", "country": "NL"},
                       "lines": [{"name": "a", "quantity": 1, "price": "9.50", "vatPercentage": "21"},
                                 {"name": "b", "quantity": 2, "price": "3.25", "vatPercentage": "9",
                                  "address": {"address1": "Dock 7", "country": "NL"}},
                                 {"name": "c", "quantity": 5, "price": "1.10"}]})
            })
            .collect();
        let body: serde_json::Value = client
            .post(endpoint)
            .bearer_auth(token)
            .json(&json!({"query": IMPORT, "variables": {"input": {"source": "bench", "orders": orders}}}))
            .send()
            .await
            .expect("import")
            .json()
            .await
            .expect("json");
        assert!(body.get("errors").is_none(), "seed failed: {body}");
    }
    // A message and an admin field on every 10th of the newest page.
    let page = post(
        client,
        endpoint,
        token,
        "{ orders(first: 100) { nodes { id } } }",
    )
    .await;
    for node in page["data"]["orders"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .step_by(10)
    {
        let id = node["id"].as_str().unwrap_or_default();
        post(
            client,
            endpoint,
            token,
            &format!("mutation {{ addOrderMessage(id: \"{id}\", fromUser: \"b\", text: \"t\") {{ id }} setOrderAdminFields(id: \"{id}\", fields: [{{name: \"k\", value: \"v\"}}]) {{ id }} }}"),
        )
        .await;
    }
}

/// The second ceiling: the same page served by a server written for it alone.
/// The five statements of [`hand_written_page`], naming the columns the
/// answer shows, their rows decoded into typed values and the answer written
/// as the bytes the GraphQL page is (checked once, byte for byte), over the
/// same HTTP stack (axum, hyper) to the same client. What no GraphQL server
/// can beat: nothing generic, no selection to interpret, no authentication.
mod served {
    use std::collections::HashMap;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::{DateTime, Utc};
    use ordergraph::ids::{NodeKind, global_id};
    use ordergraph::money::Money;
    use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
    use serde::Serialize;

    /// Serves `POST /page` on a free loopback port; its address.
    pub async fn start(db: DatabaseConnection) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let router = axum::Router::new().route(
            "/page",
            axum::routing::post(move || {
                let db = db.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        page(&db).await,
                    )
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    }

    #[derive(Serialize)]
    struct Answer {
        data: Data,
    }
    #[derive(Serialize)]
    struct Data {
        orders: Connection,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Connection {
        total_count: i64,
        edges: Vec<Edge>,
    }
    #[derive(Serialize)]
    struct Edge {
        cursor: String,
        node: Node,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Node {
        id: String,
        number: String,
        status: String,
        totals: Totals,
        customer: Option<Customer>,
        shipping_address: Option<Shipping>,
        billing_address: Option<Billing>,
        lines: Vec<Line>,
        messages: Vec<Message>,
        admin_fields: Vec<AdminField>,
        events: Vec<Event>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Totals {
        gross_total: String,
        total_vat: String,
    }
    #[derive(Serialize)]
    struct Customer {
        id: String,
        email: Option<String>,
        name: Option<String>,
    }
    #[derive(Serialize)]
    struct Shipping {
        id: String,
        name: Option<String>,
        city: Option<String>,
    }
    #[derive(Serialize)]
    struct Billing {
        id: String,
        name: Option<String>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Line {
        id: String,
        name: String,
        quantity: String,
        price: String,
        total_after_vat: String,
        address: Option<LineAddress>,
    }
    #[derive(Serialize)]
    struct LineAddress {
        id: String,
        address1: Option<String>,
    }
    #[derive(Serialize)]
    struct Message {
        id: String,
        text: String,
    }
    #[derive(Serialize)]
    struct AdminField {
        name: String,
        value: String,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Event {
        id: String,
        kind: String,
        to_status: Option<String>,
    }

    fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> T {
        row.try_get("", column).expect(column)
    }

    fn money(row: &QueryResult, column: &str) -> String {
        Money::from_scaled(get(row, column)).to_display_string()
    }

    /// Rows of `sql`, grouped by their `order_id` column.
    async fn by_order<T>(
        db: &DatabaseConnection,
        sql: &str,
        ids: &[i64],
        decode: impl Fn(&QueryResult) -> T,
    ) -> HashMap<i64, Vec<T>> {
        let statement = super::of_page(db.get_database_backend(), sql, ids);
        let mut grouped: HashMap<i64, Vec<T>> = HashMap::new();
        for row in db.query_all_raw(statement).await.expect("statement") {
            grouped
                .entry(get(&row, "order_id"))
                .or_default()
                .push(decode(&row));
        }
        grouped
    }

    async fn page(db: &DatabaseConnection) -> Vec<u8> {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT o.id, o.number, o.status, o.gross_total, o.total_vat, o.submitted_at,
                        (SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM order_count_deltas) AS total_count,
                        c.id AS c_id, c.email AS c_email, c.name AS c_name,
                        s.id AS s_id, s.name AS s_name, s.city AS s_city,
                        b.id AS b_id, b.name AS b_name
                   FROM orders o
                   LEFT JOIN customers c ON c.id = o.customer_id
                   LEFT JOIN addressbooks s ON s.id = o.shipping_address_id
                   LEFT JOIN addressbooks b ON b.id = o.billing_address_id
                  ORDER BY o.submitted_at DESC, o.id DESC LIMIT 101"
                    .to_owned(),
            ))
            .await
            .expect("page");
        let rows = &rows[..rows.len().min(100)];
        let ids: Vec<i64> = rows.iter().map(|row| get(row, "id")).collect();
        let mut lines = by_order(
            db,
            "SELECT l.order_id, l.id, l.name, l.quantity, l.price, l.total_after_vat,
                    a.id AS a_id, a.address1 AS a_address1
               FROM order_lines l LEFT JOIN addressbooks a ON a.id = l.address_id
              WHERE l.order_id IN_PAGE ORDER BY l.order_id, l.position",
            &ids,
            |row| Line {
                id: global_id(NodeKind::OrderLine, get(row, "id")).0,
                name: get(row, "name"),
                quantity: money(row, "quantity"),
                price: money(row, "price"),
                total_after_vat: money(row, "total_after_vat"),
                address: get::<Option<i64>>(row, "a_id").map(|id| LineAddress {
                    id: global_id(NodeKind::Address, id).0,
                    address1: get(row, "a_address1"),
                }),
            },
        )
        .await;
        let mut messages = by_order(
            db,
            "SELECT order_id, id, text FROM order_messages WHERE order_id IN_PAGE ORDER BY id",
            &ids,
            |row| Message {
                id: global_id(NodeKind::OrderMessage, get(row, "id")).0,
                text: get(row, "text"),
            },
        )
        .await;
        let mut fields = by_order(
            db,
            "SELECT order_id, name, value FROM order_admin_fields WHERE order_id IN_PAGE ORDER BY name",
            &ids,
            |row| AdminField {
                name: get(row, "name"),
                value: get(row, "value"),
            },
        )
        .await;
        let mut events = by_order(
            db,
            "SELECT order_id, id, kind, to_status FROM order_events WHERE order_id IN_PAGE ORDER BY id",
            &ids,
            |row| Event {
                id: global_id(NodeKind::OrderEvent, get(row, "id")).0,
                kind: get(row, "kind"),
                to_status: get(row, "to_status"),
            },
        )
        .await;
        let edges = rows
            .iter()
            .map(|row| {
                let id: i64 = get(row, "id");
                let submitted: DateTime<Utc> = get(row, "submitted_at");
                // The server's cursor: its sort's signature and the row's
                // sort values, as JSON in base64url.
                let cursor = URL_SAFE_NO_PAD.encode(format!(
                    r#"{{"o":"SUBMITTED_AT:D,ID:D","v":["{}",{id}]}}"#,
                    submitted.to_rfc3339()
                ));
                Edge {
                    cursor,
                    node: Node {
                        id: global_id(NodeKind::Order, id).0,
                        number: get(row, "number"),
                        status: get(row, "status"),
                        totals: Totals {
                            gross_total: money(row, "gross_total"),
                            total_vat: money(row, "total_vat"),
                        },
                        customer: get::<Option<i64>>(row, "c_id").map(|id| Customer {
                            id: global_id(NodeKind::Customer, id).0,
                            email: get(row, "c_email"),
                            name: get(row, "c_name"),
                        }),
                        shipping_address: get::<Option<i64>>(row, "s_id").map(|id| Shipping {
                            id: global_id(NodeKind::Address, id).0,
                            name: get(row, "s_name"),
                            city: get(row, "s_city"),
                        }),
                        billing_address: get::<Option<i64>>(row, "b_id").map(|id| Billing {
                            id: global_id(NodeKind::Address, id).0,
                            name: get(row, "b_name"),
                        }),
                        lines: lines.remove(&id).unwrap_or_default(),
                        messages: messages.remove(&id).unwrap_or_default(),
                        admin_fields: fields.remove(&id).unwrap_or_default(),
                        events: events.remove(&id).unwrap_or_default(),
                    },
                }
            })
            .collect();
        let total_count = rows.first().map_or(0, |row| get(row, "total_count"));
        serde_json::to_vec(&Answer {
            data: Data {
                orders: Connection { total_count, edges },
            },
        })
        .expect("json")
    }
}

/// The page the GraphQL query reads, as the five hand-written statements a
/// careful SQL author would write: the page with its count (from the order
/// count's deltas, as the server reads it), customers and addresses joined;
/// lines with their addresses; messages; admin fields; events, the last four
/// for the page's ids ([`of_page`]). The rows are fetched, never decoded.
async fn hand_written_page(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    let q = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let rows = db
        .query_all_raw(q(
            "SELECT o.id, o.number, o.status, o.gross_total, o.total_vat,
                    (SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM order_count_deltas) AS total_count,
                    c.id AS c_id, c.email AS c_email, c.name AS c_name,
                    s.id AS s_id, s.name AS s_name, s.city AS s_city,
                    b.id AS b_id, b.name AS b_name
               FROM orders o
               LEFT JOIN customers c ON c.id = o.customer_id
               LEFT JOIN addressbooks s ON s.id = o.shipping_address_id
               LEFT JOIN addressbooks b ON b.id = o.billing_address_id
              ORDER BY o.submitted_at DESC, o.id DESC LIMIT 101",
        ))
        .await
        .expect("page");
    let ids: Vec<i64> = rows
        .iter()
        .take(100)
        .map(|row| row.try_get("", "id").expect("id"))
        .collect();
    for sql in [
        "SELECT l.*, a.* FROM order_lines l LEFT JOIN addressbooks a ON a.id = l.address_id WHERE l.order_id IN_PAGE ORDER BY l.order_id, l.position",
        "SELECT * FROM order_messages WHERE order_id IN_PAGE ORDER BY id",
        "SELECT * FROM order_admin_fields WHERE order_id IN_PAGE ORDER BY name",
        "SELECT * FROM order_events WHERE order_id IN_PAGE ORDER BY id",
    ] {
        db.query_all_raw(of_page(backend, sql, &ids))
            .await
            .expect("statement");
    }
}

/// `sql` with `IN_PAGE` made "is one of the page's `ids`", as a careful
/// author writes it for each database: on PostgreSQL `= ANY($1)` with the ids
/// bound as one array (one prepared statement with a generic plan, as the
/// server's loaders do; a literal list is a new statement to parse and plan
/// on every page), on SQLite a literal `IN` list, which it plans cheaply.
fn of_page(backend: DatabaseBackend, sql: &str, ids: &[i64]) -> Statement {
    match backend {
        DatabaseBackend::Postgres => {
            let ids: Vec<sea_orm::Value> = ids.iter().map(|&id| id.into()).collect();
            let array =
                sea_orm::Value::Array(sea_orm::sea_query::ArrayType::BigInt, Some(Box::new(ids)));
            Statement::from_sql_and_values(backend, sql.replace("IN_PAGE", "= ANY($1)"), [array])
        }
        _ => {
            let list = if ids.is_empty() {
                "NULL".to_owned()
            } else {
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            };
            Statement::from_string(backend, sql.replace("IN_PAGE", &format!("IN ({list})")))
        }
    }
}

async fn explain(db: &DatabaseConnection) {
    let cases = [
        (
            "default page",
            "SELECT * FROM orders ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        (
            "status filter",
            "SELECT * FROM orders WHERE status IN ('SHIPPED') ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        (
            "customer filter",
            "SELECT * FROM orders WHERE customer_id = 7 ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        (
            "date range",
            "SELECT * FROM orders WHERE submitted_at >= '2026-03-01' AND submitted_at < '2026-03-02' ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        (
            "by gross total",
            "SELECT * FROM orders ORDER BY gross_total DESC, id DESC LIMIT 101",
        ),
        (
            "by updated_at",
            "SELECT * FROM orders ORDER BY updated_at ASC, id ASC LIMIT 101",
        ),
        (
            "by number",
            "SELECT * FROM orders ORDER BY LENGTH(number) ASC, number ASC, id ASC LIMIT 101",
        ),
        (
            "source filter",
            "SELECT * FROM orders WHERE source = 'bench' ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        (
            "search",
            "SELECT * FROM orders WHERE search_text LIKE '%buyer 77%' ORDER BY submitted_at DESC, id DESC LIMIT 101",
        ),
        // What a filtered totalCount does; an unfiltered one sums deltas.
        ("count of rows", "SELECT COUNT(*) FROM orders"),
        (
            "lines of a page",
            "SELECT * FROM order_lines WHERE order_id IN (1,2,3,4,5) ORDER BY order_id, position",
        ),
    ];
    for (label, sql) in cases {
        let plan = db
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                format!("EXPLAIN {sql}"),
            ))
            .await
            .expect("explain");
        let first = plan
            .first()
            .and_then(|row| row.try_get::<String>("", "QUERY PLAN").ok())
            .unwrap_or_default();
        let scan = plan
            .iter()
            .filter_map(|row| row.try_get::<String>("", "QUERY PLAN").ok())
            .find(|line| line.contains("Scan"))
            .unwrap_or_default();
        println!("plan {label:<16} {} | {}", first.trim(), scan.trim());
    }
}

/// One timed run's figures.
struct Figures {
    rate: f64,
    p50: f64,
    /// CPU milliseconds per page: this process (server and load generator,
    /// or the hand-written reader) and the database server's processes.
    cpu: Option<(f64, f64)>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>8.1} req/s  p50 {:>5.1} ms", self.rate, self.p50)?;
        if let Some((own, db)) = self.cpu {
            write!(f, "  cpu ms/page: {own:.2} here + {db:.2} database")?;
        }
        Ok(())
    }
}

/// [`run`], with the CPU each page cost this process and the database
/// (`BENCH_POSTGRES_URL` on this machine; on SQLite the database is in this
/// process and its column stays near 0).
async fn measured<F, Fut>(concurrency: usize, duration: Duration, job: F) -> Figures
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let before = cpu_now();
    let (rate, p50, pages) = run(concurrency, duration, job).await;
    let cpu = match (before, cpu_now()) {
        (Some(before), Some(after)) if pages > 0 => {
            let per_page = |a: Duration, b: Duration| (a - b).as_secs_f64() * 1000.0 / pages as f64;
            Some((per_page(after.0, before.0), per_page(after.1, before.1)))
        }
        _ => None,
    };
    Figures { rate, p50, cpu }
}

/// `job` at `concurrency` for `duration`: (requests/s, p50 ms, requests).
async fn run<F, Fut>(concurrency: usize, duration: Duration, job: F) -> (f64, f64, usize)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let job = Arc::new(job);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (job, stop, done) = (job.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    job().await;
                    latencies.push(t.elapsed());
                    done.fetch_add(1, Ordering::Relaxed);
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
    latencies.sort_unstable();
    let p50 = latencies
        .get(latencies.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    (
        latencies.len() as f64 / started.elapsed().as_secs_f64(),
        p50,
        latencies.len(),
    )
}
