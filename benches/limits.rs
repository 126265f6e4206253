//! How cheap refusals are: requests/s at concurrency 4 for operations refused
//! by the limits (aliases, document size, cost, anonymous caller, a spent
//! budget), next to two ceilings measured in the same run: `GET /healthz` (no
//! GraphQL at all) and the smallest accepted operation, `{ __typename }`.
//! A refusal should cost about what the smallest operation costs, however
//! large the thing it refuses would have been.
//!
//! ```sh
//! cargo bench --bench limits            # BENCH_SECONDS=3 by default
//! ```
//! SQLite (no statement runs for any of these). Server and load generator share
//! the machine: compare the ratios, not absolutes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ordergraph::app::App;
use ordergraph::auth::jwt::JwtKeys;
use ordergraph::auth::{Principal, Role};
use ordergraph::config::Config;
use serde_json::{Value, json};

// The shipped binary's allocator (src/main.rs): the server runs in this
// process, so it must allocate as it does in production.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SECRET: &str = "bench-secret-bench-secret-bench-secret";
const CONCURRENCY: usize = 4;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    runtime.block_on(async move {
        let config = Config::from_lookup(|var| match var {
            "DATABASE_URL" => Some(url.clone()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "JWT_SECRET" => Some(SECRET.into()),
            // A tiny staff budget, so the "spent budget" case is refused.
            "GRAPHQL_BUDGET_STAFF" => Some("21/1".into()),
            "GRAPHQL_BUDGET_ADMIN" => Some("off".into()),
            _ => None,
        })
        .expect("config");
        let app = App::build(config).await.expect("app starts");
        let addr = app.local_addr();
        let statements = app.state().db_statements.clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let jwt = JwtKeys::new(SECRET, None, None);
        let token = |role: Role| {
            jwt.sign(
                &Principal {
                    role,
                    subject: "bench".into(),
                    customer_id: None,
                },
                Duration::from_secs(3600),
            )
            .expect("token")
        };
        let admin = Some(token(Role::Admin));
        let staff = Some(token(Role::Staff));
        let aliases = format!(
            "{{ {} }}",
            (0..500)
                .map(|i| format!("a{i}: __typename"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let oversized = format!("{{ __typename {} }}", " ".repeat(990 * 1024));
        let costly = format!(
            "{{ {} }}",
            (0..30)
                .map(|i| format!("a{i}: orders(first: 100) {{ nodes {{ lines {{ id }} }} }}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let url = format!("http://{addr}/graphql");
        let health = format!("http://{addr}/healthz");
        println!("limits: requests/s at c={CONCURRENCY}, {seconds} s each (SQLite)");
        let ceiling = run(seconds, None, &health, None, None).await;
        println!("  GET /healthz (ceiling)                 {ceiling:>9.0}/s");
        let smallest = run(
            seconds,
            Some(&url),
            "{ __typename }",
            admin.clone(),
            Some("__typename"),
        )
        .await;
        println!(
            "  {{ __typename }} accepted (ceiling)      {smallest:>9.0}/s  {:>5.1} % of /healthz",
            100.0 * smallest / ceiling
        );
        let before = statements.load(Ordering::Relaxed);
        for (name, query, token, code) in [
            (
                "500 aliased __typename",
                aliases.as_str(),
                admin.clone(),
                "QUERY_TOO_COMPLEX",
            ),
            (
                "990 KB document",
                oversized.as_str(),
                admin.clone(),
                "QUERY_TOO_COMPLEX",
            ),
            (
                "30 × orders(first: 100) with lines",
                costly.as_str(),
                admin.clone(),
                "QUERY_TOO_COMPLEX",
            ),
            (
                "anonymous orders",
                "{ orders { nodes { id } } }",
                None,
                "UNAUTHENTICATED",
            ),
            (
                "spent budget",
                "{ orders(first: 10) { nodes { id } } }",
                staff.clone(),
                "THROTTLED",
            ),
        ] {
            if code == "THROTTLED" {
                // Spend the staff budget (21 points, what the case costs; it
                // restores 1 a second, so the case is refused throughout).
                let spend = reqwest::Client::new()
                    .post(&url)
                    .bearer_auth(staff.as_deref().unwrap_or_default())
                    .json(&json!({"query": "{ orders(first: 10) { nodes { id } } }"}))
                    .send()
                    .await
                    .expect("request");
                assert!(spend.status().is_success());
            }
            let rate = run(seconds, Some(&url), query, token, Some(code)).await;
            println!(
                "  refused: {name:<34} {rate:>9.0}/s  {:>5.1} % of {{ __typename }}",
                100.0 * rate / smallest
            );
        }
        println!(
            "  SQL statements run meanwhile: {} (the one request that spends the budget)",
            statements.load(Ordering::Relaxed) - before
        );
    });
}

/// Requests/s for `seconds`: POSTs of `query` to `url`, or GETs of `query`
/// (a URL) when `url` is None; each answer is checked for `expect` (a code,
/// or `__typename` data).
async fn run(
    seconds: u64,
    url: Option<&str>,
    query: &str,
    token: Option<String>,
    expect: Option<&str>,
) -> f64 {
    let client = reqwest::Client::new();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let body = json!({ "query": query });
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, done, body, token) =
                (client.clone(), done.clone(), body.clone(), token.clone());
            let url = url.map(str::to_owned);
            let target = query.to_owned();
            let expect = expect.map(str::to_owned);
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let request = match &url {
                        Some(url) => client.post(url).json(&body),
                        None => client.get(&target),
                    };
                    let request = match &token {
                        Some(t) => request.bearer_auth(t),
                        None => request,
                    };
                    let response = request.send().await.expect("request");
                    if let Some(expect) = &expect {
                        let value: Value = response.json().await.expect("JSON");
                        let code = value["errors"][0]["extensions"]["code"].as_str();
                        let ok = code == Some(expect.as_str())
                            || (expect == "__typename" && value["data"]["__typename"].is_string());
                        assert!(ok, "expected {expect}, got {value}");
                    } else {
                        response.bytes().await.expect("body");
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("load task");
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}
