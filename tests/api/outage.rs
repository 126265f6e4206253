//! A database that stalls or goes away, through a TCP proxy the test controls:
//! requests end with retryable TIMEOUT / UNAVAILABLE (503 + Retry-After with
//! `application/graphql-response+json`), `/readyz` answers 503 within ~1 s,
//! and the server recovers by itself when the database is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{Backend, TestApp, error_code};

const POSTGRES_ONLY: &str = "the proxy stands between the server and PostgreSQL";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Bytes flow both ways.
    Pass,
    /// Connections stay open but nothing is forwarded (a hung server).
    Stall,
    /// Every connection is closed and new ones are dropped at once.
    Cut,
}

/// A TCP proxy to PostgreSQL whose behaviour the test switches.
struct Proxy {
    addr: std::net::SocketAddr,
    mode: Arc<watch::Sender<Mode>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(watch::Sender::new(Mode::Pass));
        let modes = mode.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if *modes.borrow() == Mode::Cut {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, modes.subscribe()));
            }
        });
        Proxy { addr, mode }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Copies both ways while the mode is Pass; holds while Stall; closes on Cut.
async fn pipe(client: TcpStream, server: TcpStream, mut mode: watch::Receiver<Mode>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    loop {
        // While stalled, wait for the mode to change before reading more.
        let current = *mode.borrow_and_update();
        match current {
            Mode::Cut => return,
            Mode::Stall => {
                if mode.changed().await.is_err() {
                    return;
                }
                continue;
            }
            Mode::Pass => {}
        }
        use tokio::io::AsyncReadExt;
        tokio::select! {
            n = client_read.read(&mut up) => {
                let Ok(n) = n else { return };
                if n == 0 || !forward(&mut mode, &mut server_write, &up[..n]).await {
                    return;
                }
            }
            n = server_read.read(&mut down) => {
                let Ok(n) = n else { return };
                if n == 0 || !forward(&mut mode, &mut client_write, &down[..n]).await {
                    return;
                }
            }
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes `bytes` once the mode allows it; false when the pipe should end.
async fn forward(
    mode: &mut watch::Receiver<Mode>,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    bytes: &[u8],
) -> bool {
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Cut => return false,
            Mode::Pass => return to.write_all(bytes).await.is_ok(),
            Mode::Stall => {
                if mode.changed().await.is_err() {
                    return false;
                }
            }
        }
    }
}

const LIST: &str = "{ orders(first: 5) { nodes { id } } }";

/// One GraphQL POST asking for `application/graphql-response+json`: status,
/// Retry-After, body, and how long it took.
async fn ask(app: &TestApp, token: &str) -> (u16, Option<String>, Value, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": LIST}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap();
    (status, retry, body, started.elapsed())
}

async fn readyz(app: &TestApp) -> (u16, Duration) {
    let started = Instant::now();
    let status = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    (status, started.elapsed())
}

async fn spawn_behind_proxy() -> (TestApp, Proxy) {
    let upstream = std::env::var("TEST_DATABASE_URL")
        .ok()
        .and_then(|url| url::Url::parse(&url).ok())
        .map(|url| {
            format!(
                "{}:{}",
                url.host_str().unwrap_or("127.0.0.1"),
                url.port().unwrap_or(5432)
            )
        })
        .unwrap_or_else(|| "127.0.0.1:5432".into());
    let proxy = Proxy::start(upstream.clone()).await;
    let proxy_addr = proxy.addr;
    let app = TestApp::spawn_with(move |c| {
        c.database_url = c
            .database_url
            .replacen(&upstream, &proxy_addr.to_string(), 1);
        c.request_timeout_seconds = 2;
        c.db_acquire_timeout_ms = 1500;
        c.db_statement_timeout_ms = 1000;
        c.delivery_worker = false;
    })
    .await;
    (app, proxy)
}

#[tokio::test]
#[ignore = "PostgreSQL only (a proxy in front of it): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_stalled_database_times_out_and_readyz_answers_within_a_second() {
    let (app, proxy) = spawn_behind_proxy().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    let (status, _, body, _) = ask(&app, &token).await;
    assert_eq!(status, 200, "{body}");

    proxy.set(Mode::Stall);
    let (status, retry, body, took) = ask(&app, &token).await;
    assert_eq!(error_code(&body), Some("TIMEOUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryable"], true);
    assert_eq!(status, 503);
    assert!(retry.is_some());
    assert!(took < Duration::from_secs(5), "{took:?}");
    let (status, took) = readyz(&app).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // Plain JSON clients get 200 with the coded error (the legacy rule).
    let plain = app.gql(Some(&token), LIST, json!({})).await;
    assert_eq!(error_code(&plain), Some("TIMEOUT"), "{plain}");

    proxy.set(Mode::Pass);
    recovers(&app, &token).await;
}

#[tokio::test]
#[ignore = "PostgreSQL only (a proxy in front of it): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn a_database_that_goes_away_is_unavailable_and_the_server_recovers() {
    let (app, proxy) = spawn_behind_proxy().await;
    assert_eq!(app.backend, Backend::Postgres, "{POSTGRES_ONLY}");
    let token = app.admin_token();
    assert_eq!(ask(&app, &token).await.0, 200);

    proxy.set(Mode::Cut);
    let mut codes = std::collections::BTreeMap::new();
    for _ in 0..10 {
        let (status, retry, body, _) = ask(&app, &token).await;
        let code = error_code(&body).unwrap_or("none").to_owned();
        assert_eq!(code, "UNAVAILABLE", "{body}");
        assert_eq!(status, 503);
        assert_eq!(retry.as_deref(), Some("2"));
        *codes.entry(code).or_insert(0) += 1;
    }
    assert_eq!(codes.len(), 1, "{codes:?}");
    let (status, took) = readyz(&app).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // The REST endpoints say the same, in their shape.
    let rest = app
        .client
        .get(app.url("/api/orders.json"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 503);
    assert!(rest.headers().contains_key("retry-after"));
    assert_eq!(rest.json::<Value>().await.unwrap()["code"], "UNAVAILABLE");

    proxy.set(Mode::Pass);
    recovers(&app, &token).await;
}

/// Within a few seconds of the database's return, requests succeed again
/// with no restart.
async fn recovers(app: &TestApp, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, body, _) = ask(app, token).await;
        if status == 200 && body.get("errors").is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(readyz(app).await.0, 200);
}
