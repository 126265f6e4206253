//! Many live subscribers on one order: server RSS per idle subscription, and
//! the time from a mutation's HTTP response to each subscriber's delivery
//! (p50, p99, last), for 1k, 5k and 10k subscribers (as the file limit
//! allows). The server runs as its own process (the `ordergraph` binary), so
//! its RSS is measured alone; the clients are tokio-tungstenite connections.
//!
//! The ceiling, measured in the same run with the same clients: this bench
//! re-executed as a hand-written graphql-transport-ws server (axum, one task
//! per connection) that acknowledges, takes the subscribe, and on `POST
//! /fire` sends one pre-serialised `next` to every subscriber through a
//! broadcast channel, then answers. No GraphQL, no database: the cost of
//! holding the sockets and writing the bytes. Each size prints both and
//! their ratios.
//!
//! ```sh
//! cargo bench --bench subscribers                      # SQLite
//! BENCH_SUBSCRIBERS=1000,5000 cargo bench --bench subscribers
//! # where an idle subscription's memory goes (then: heaptrack_print /tmp/subs.*.zst):
//! BENCH_SUBSCRIBERS=2000 BENCH_SUBSCRIBERS_WRAP="heaptrack -o /tmp/subs" cargo bench --bench subscribers
//! ```

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::broadcast;

use futures_util::{SinkExt, StreamExt};
use ordergraph::auth::jwt::JwtKeys;
use ordergraph::auth::{Principal, Role};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

// The shipped binary's allocator (src/main.rs), for the ceiling server this
// bench re-executes as, and for the clients.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Which server the clients talk to.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Ordergraph,
    Ceiling,
}

const CEILING_ENV: &str = "BENCH_SUBSCRIBERS_CEILING_ADDR";

async fn start_server(target: Target) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = match target {
        Target::Ordergraph => {
            // BENCH_SUBSCRIBERS_WRAP="heaptrack -o /tmp/subs" runs the server
            // under a profiler (its RSS figures are then the wrapper's).
            let wrap = std::env::var("BENCH_SUBSCRIBERS_WRAP").unwrap_or_default();
            let mut words = wrap.split_whitespace();
            let mut command = match words.next() {
                Some(program) => {
                    let mut command = Command::new(program);
                    command.args(words).arg(env!("CARGO_BIN_EXE_ordergraph"));
                    command
                }
                None => Command::new(env!("CARGO_BIN_EXE_ordergraph")),
            };
            command
                .env(
                    "DATABASE_URL",
                    format!("sqlite://{}?mode=rwc", dir.path().join("subs.db").display()),
                )
                .env("BIND_ADDR", &addr)
                .env("JWT_SECRET", SECRET)
                .env("RUST_LOG", "warn");
            command
        }
        Target::Ceiling => {
            let mut command = Command::new(std::env::current_exe().expect("this bench"));
            command.env(CEILING_ENV, &addr);
            command
        }
    };
    let child = command
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

/// The ceiling server: graphql-transport-ws reduced to what a broadcast
/// needs.
async fn ceiling(addr: String) {
    let (fire, _) = broadcast::channel::<Arc<str>>(16);
    let app = Router::new()
        .route("/readyz", get(|| async { "ok" }))
        .route("/graphql/ws", get(ceiling_socket))
        .route("/fire", post(ceiling_fire))
        .with_state(fire);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}

async fn ceiling_fire(State(fire): State<broadcast::Sender<Arc<str>>>) -> impl IntoResponse {
    let next = r#"{"type":"next","id":"1","payload":{"data":{"orderEvents":{"id":"T3JkZXJFdmVudDoy","kind":"MESSAGE_ADDED"}}}}"#;
    let _ = fire.send(next.into());
    "{}"
}

async fn ceiling_socket(
    State(fire): State<broadcast::Sender<Arc<str>>>,
    ws: WebSocketUpgrade,
) -> impl IntoResponse {
    // The buffers ordergraph's /graphql/ws uses (src/http/graphql.rs).
    ws.protocols(["graphql-transport-ws"])
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| ceiling_connection(socket, fire))
}

async fn ceiling_connection(mut socket: WebSocket, fire: broadcast::Sender<Arc<str>>) {
    let mut events: Option<broadcast::Receiver<Arc<str>>> = None;
    loop {
        let event = async {
            match events.as_mut() {
                Some(events) => events.recv().await.ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            message = socket.recv() => {
                let Some(Ok(WsMessage::Text(text))) = message else { return };
                if text.contains("connection_init") {
                    let ack = WsMessage::Text(r#"{"type":"connection_ack"}"#.into());
                    if socket.send(ack).await.is_err() {
                        return;
                    }
                } else if text.contains("subscribe") {
                    events = Some(fire.subscribe());
                }
            }
            Some(next) = event => {
                if socket.send(WsMessage::Text(next.as_ref().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One size against one server: RSS before and after the subscribers
/// connect, and the delivery latencies after the trigger's response.
struct Run {
    rss_before: u64,
    rss_after: u64,
    ready: usize,
    latencies: Vec<f64>,
}

impl Run {
    fn kib_per_sub(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.ready.max(1) as f64
    }

    fn pick(&self, q: f64) -> f64 {
        let l = &self.latencies;
        l.get(((l.len() as f64 * q) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

async fn run(target: Target, n: usize, token: &str) -> Run {
    let server = start_server(target).await;
    let order = match target {
        Target::Ordergraph => gql(
            &server.addr,
            token,
            "mutation { placeOrder(input: {lines: [{name: \"x\", quantity: 1, price: \"1\"}]}) { id } }",
            json!({}),
        )
        .await["data"]["placeOrder"]["id"]
            .as_str()
            .expect("order id")
            .to_owned(),
        Target::Ceiling => "T3JkZXI6MQ".to_owned(),
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kib(server.child.id());

    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(n);
    let (got_tx, mut got_rx) = tokio::sync::mpsc::channel::<Instant>(n);
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let (addr, token, order) = (server.addr.clone(), token.to_owned(), order.clone());
        let (ready_tx, got_tx) = (ready_tx.clone(), got_tx.clone());
        clients.push(tokio::spawn(async move {
            let mut request = format!("ws://{addr}/graphql/ws").into_client_request().expect("request");
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
            // Small buffers: 10,000 clients share the machine with the server.
            let config = WebSocketConfig::default()
                .read_buffer_size(4 * 1024)
                .write_buffer_size(4 * 1024);
            let Ok((mut ws, _)) =
                tokio_tungstenite::connect_async_with_config(request, Some(config), false).await
            else {
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
    let rss_after = rss_kib(server.child.id());

    match target {
        Target::Ordergraph => {
            let _ = gql(
                &server.addr,
                token,
                "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"b\", text: \"go\") { id } }",
                json!({"id": order}),
            )
            .await;
        }
        Target::Ceiling => {
            reqwest::Client::new()
                .post(format!("http://{}/fire", server.addr))
                .send()
                .await
                .expect("fire");
        }
    }
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
    for client in clients {
        client.abort();
    }
    Run {
        rss_before,
        rss_after,
        ready,
        latencies,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(addr) = std::env::var(CEILING_ENV) {
        runtime.block_on(ceiling(addr));
        return;
    }
    runtime.block_on(bench());
}

async fn bench() {
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
    println!(
        "{:>11}  {:>10}  {:>13}  {:>11}  {:>8}  {:>8}  {:>8}  delivered",
        "subscribers", "server", "rss_idle_kib", "kib_per_sub", "p50_ms", "p99_ms", "last_ms"
    );
    for n in sizes {
        let ceiling = run(Target::Ceiling, n, &token).await;
        let ours = run(Target::Ordergraph, n, &token).await;
        for (name, r) in [("ceiling", &ceiling), ("ordergraph", &ours)] {
            println!(
                "{:>11}  {:>10}  {:>13}  {:>11.1}  {:>8.1}  {:>8.1}  {:>8.1}  {}/{}",
                n,
                name,
                r.rss_after,
                r.kib_per_sub(),
                r.pick(0.5),
                r.pick(0.99),
                r.latencies.last().copied().unwrap_or(f64::NAN),
                r.latencies.len(),
                r.ready,
            );
        }
        println!(
            "{:>11}  {:>10}  ordergraph/ceiling: kib_per_sub {:.2}x, p99 {:.2}x",
            n,
            "ratio",
            ours.kib_per_sub() / ceiling.kib_per_sub().max(0.1),
            ours.pick(0.99) / ceiling.pick(0.99).max(0.001),
        );
    }
}
