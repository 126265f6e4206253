//! Many live subscribers on one order: server RSS per idle subscription, and
//! the time from a mutation's HTTP response to each subscriber's delivery
//! (p50, p99, last), for 1k, 5k and 10k subscribers (as the file limit
//! allows). The server runs as its own process (the `ordergraph` binary), so
//! its RSS is measured alone; the clients are tokio-tungstenite connections.
//!
//! ```sh
//! cargo bench --bench subscribers                      # SQLite
//! BENCH_SUBSCRIBERS=1000,5000 cargo bench --bench subscribers
//! ```

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use ordergraph::auth::jwt::JwtKeys;
use ordergraph::auth::{Principal, Role};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "bench-secret-bench-secret-bench-secret";

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("subs.db").display()),
        )
        .env("BIND_ADDR", &addr)
        .env("JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    // Owned by the guard from here on: it is killed and waited for on drop.
    let server = Server {
        child,
        addr,
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let ready = client
            .get(format!("http://{}/readyz", server.addr))
            .send()
            .await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

async fn gql(addr: &str, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SUBSCRIBERS")
        .unwrap_or_else(|_| "1000,5000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let token = JwtKeys::new(SECRET, None, None)
        .sign(
            &Principal {
                role: Role::Admin,
                subject: "bench".into(),
                customer_id: None,
            },
            Duration::from_secs(3600),
        )
        .expect("token");
    println!("subscribers  rss_before_kib  rss_after_kib  kib_per_sub  p50_ms  p99_ms  last_ms");
    for n in sizes {
        let server = start_server().await;
        let order = gql(
            &server.addr,
            &token,
            "mutation { placeOrder(input: {lines: [{name: \"x\", quantity: 1, price: \"1\"}]}) { id } }",
            json!({}),
        )
        .await["data"]["placeOrder"]["id"]
            .as_str()
            .expect("order id")
            .to_owned();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = rss_kib(server.child.id());

        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(n);
        let (got_tx, mut got_rx) = tokio::sync::mpsc::channel::<Instant>(n);
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            let (addr, token, order) = (server.addr.clone(), token.clone(), order.clone());
            let (ready_tx, got_tx) = (ready_tx.clone(), got_tx.clone());
            clients.push(tokio::spawn(async move {
                let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
                request
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
                let Ok((mut ws, _)) = tokio_tungstenite::connect_async(request).await else {
                    return;
                };
                let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
                let _ = ws.send(Message::text(init.to_string())).await;
                let _ = ws.next().await; // connection_ack
                let subscribe = json!({"id": "1", "type": "subscribe", "payload": {
                    "query": "subscription($o: ID) { orderEvents(orderId: $o) { id kind } }", "variables": {"o": order}}});
                let _ = ws.send(Message::text(subscribe.to_string())).await;
                let _ = ready_tx.send(()).await;
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Text(text) = message
                        && text.contains("\"next\"")
                    {
                        let _ = got_tx.send(Instant::now()).await;
                        break;
                    }
                }
            }));
            // Pace the handshakes a little: the accept queue is finite.
            if clients.len() % 200 == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        drop(ready_tx);
        let mut ready = 0;
        while ready < n
            && tokio::time::timeout(Duration::from_secs(30), ready_rx.recv())
                .await
                .ok()
                .flatten()
                .is_some()
        {
            ready += 1;
        }
        // Let the server set every subscription up, then measure it idle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = rss_kib(server.child.id());

        let _ = gql(
            &server.addr,
            &token,
            "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"b\", text: \"go\") { id } }",
            json!({"id": order}),
        )
        .await;
        let responded = Instant::now();
        drop(got_tx);
        let mut latencies = Vec::with_capacity(ready);
        while latencies.len() < ready {
            match tokio::time::timeout(Duration::from_secs(30), got_rx.recv()).await {
                Ok(Some(at)) => {
                    latencies.push(at.saturating_duration_since(responded).as_secs_f64() * 1000.0)
                }
                _ => break,
            }
        }
        latencies.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(f64::NAN)
        };
        println!(
            "{:>11}  {:>14}  {:>13}  {:>11.1}  {:>6.1}  {:>6.1}  {:>7.1}   ({} ready, {} delivered)",
            n,
            before,
            after,
            after.saturating_sub(before) as f64 / ready.max(1) as f64,
            pick(0.5),
            pick(0.99),
            latencies.last().copied().unwrap_or(f64::NAN),
            ready,
            latencies.len()
        );
        for client in clients {
            client.abort();
        }
    }
}
