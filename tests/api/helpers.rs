//! The test harness: [`TestApp::spawn`] and the clients that talk to it.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ordergraph::app::App;
use ordergraph::auth::jwt::JwtKeys;
use ordergraph::auth::{Principal, Role};
use ordergraph::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const JWT_SECRET: &str = "integration-test-secret-0123456789";

/// A running server with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// The server's pool: for checks that look under the API.
    pub db: DatabaseConnection,
    pub backend: Backend,
    /// SQL statements the server has run.
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    database_url: String,
    jwt: JwtKeys,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    database: Option<TestDatabase>,
}

/// A test database whose server was stopped (see [`TestApp::stop`]).
pub struct StoppedApp {
    database: TestDatabase,
}

impl StoppedApp {
    /// The database's URL, for another process to use.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Starts a new server on the same database.
    pub async fn start(self, configure: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::start_on(self.database, configure).await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    /// A gauge of `/metrics` (its value without labels).
    pub async fn gauge(&self, name: &str) -> i64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or_else(|| panic!("the {name} gauge"))
    }

    /// Waits until `n` subscriptions are live on this instance (the
    /// `ordergraph_subscriptions` gauge counts one once it has its place in
    /// the event log: what commits from then on reaches it). A subscribe has
    /// no acknowledgement in either protocol, so this is how a test knows.
    pub async fn until_subscriptions(&self, n: i64) {
        let read = || self.gauge("ordergraph_subscriptions");
        for _ in 0..500 {
            if read().await == n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(read().await, n, "live subscriptions");
    }

    /// Starts the app on a free port with a fresh database.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`spawn`](Self::spawn), with settings changed by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        // Server logs only when asked for: RUST_LOG=debug cargo test ...
        if std::env::var_os("RUST_LOG").is_some() {
            ordergraph::telemetry::init(ordergraph::config::LogFormat::Text);
        }
        TestApp::start_on(TestDatabase::create().await, configure).await
    }

    async fn start_on(database: TestDatabase, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::from_lookup(|var| match var {
            "DATABASE_URL" => Some(database.url.clone()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "JWT_SECRET" => Some(JWT_SECRET.into()),
            "DB_MAX_CONNECTIONS" => Some("5".into()),
            _ => None,
        })
        .expect("test config parses");
        configure(&mut config);
        let app = App::build(config).await.expect("app starts");
        let addr = app.local_addr();
        let db = app.state().db.conn().clone();
        let statements = app.state().db_statements.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        TestApp {
            addr,
            client: reqwest::Client::new(),
            db,
            backend: database.backend,
            statements,
            database_url: database.url.clone(),
            jwt: JwtKeys::new(JWT_SECRET, None, None),
            shutdown: Some(tx),
            server: Some(server),
            database: Some(database),
        }
    }

    /// Another server on this test's database (several instances sharing
    /// PostgreSQL), with `env` on top of the basic settings. Sending on (or
    /// dropping) the returned sender stops it.
    pub async fn another_instance(
        &self,
        env: &[(&str, &str)],
    ) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let config = Config::from_lookup(|var| match var {
            "DATABASE_URL" => Some(self.database_url.clone()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "JWT_SECRET" => Some(JWT_SECRET.into()),
            _ => env
                .iter()
                .find(|(name, _)| *name == var)
                .map(|(_, value)| (*value).to_owned()),
        })
        .expect("instance config parses");
        let app = App::build(config).await.expect("another instance starts");
        let addr = app.local_addr();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        (addr, tx)
    }

    /// Shuts the server down gracefully (its worker stops, its pool closes)
    /// and keeps the database for [`StoppedApp::start`].
    pub async fn stop(mut self) -> StoppedApp {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        StoppedApp {
            database: self.database.take().expect("the database is still here"),
        }
    }

    /// The URL of this test's own database.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A valid token for `role` (customers act as `customer_id`).
    pub fn token(&self, role: Role, customer_id: Option<i64>) -> String {
        let principal = Principal {
            role,
            subject: format!("test-{}", role.as_str()),
            customer_id,
        };
        self.jwt
            .sign(&principal, Duration::from_secs(600))
            .expect("token signs")
    }

    /// A valid token for `role` with its own `subject` (two staff members).
    pub fn token_as(&self, role: Role, subject: &str) -> String {
        let principal = Principal {
            role,
            subject: subject.to_owned(),
            customer_id: None,
        };
        self.jwt
            .sign(&principal, Duration::from_secs(600))
            .expect("token signs")
    }

    pub fn admin_token(&self) -> String {
        self.token(Role::Admin, None)
    }

    /// POSTs one GraphQL operation; returns the whole response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request is sent");
        assert_eq!(response.status(), 200, "GraphQL over HTTP answers 200");
        response.json().await.expect("JSON body")
    }

    /// Like [`gql`](Self::gql) as admin, failing the test on any error.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(Some(&self.admin_token()), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Starts one admin POST in the background, so several run at once;
    /// the handle yields the whole response body.
    pub fn spawn_admin(&self, query: &str, variables: Value) -> tokio::task::JoinHandle<Value> {
        let (client, url, token) = (
            self.client.clone(),
            self.url("/graphql"),
            self.admin_token(),
        );
        let body = json!({"query": query, "variables": variables});
        tokio::spawn(async move {
            let response = client.post(url).bearer_auth(token).json(&body).send().await;
            response
                .expect("request is sent")
                .json()
                .await
                .expect("JSON body")
        })
    }

    /// Rows in `table`, counted under the API.
    pub async fn count(&self, table: &str) -> i64 {
        #[derive(sea_orm::FromQueryResult)]
        struct Count {
            n: i64,
        }
        let statement = sea_orm::Statement::from_string(
            self.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        );
        use sea_orm::FromQueryResult;
        Count::find_by_statement(statement)
            .one(&self.db)
            .await
            .expect("count query")
            .expect("a count row")
            .n
    }

    /// Opens a graphql-transport-ws connection and completes the handshake with
    /// `payload` as the connection_init payload.
    /// Like [`ws_connect`](Self::ws_connect) over a socket with a tiny receive
    /// buffer, so a client that stops reading pushes back on the server fast.
    pub async fn ws_connect_small(&self, protocol: &str) -> WsClient {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let tcp = socket.connect(self.addr).await.expect("tcp connects");
        let mut request = format!("ws://{}/graphql/ws", self.addr)
            .into_client_request()
            .expect("ws request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocol).expect("header"),
        );
        let (stream, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp))
            .await
            .expect("ws handshake");
        WsClient { stream }
    }

    /// A WebSocket past `connection_init`, with `authorization` in the payload.
    pub async fn ws_as(&self, protocol: &str, authorization: &str) -> WsClient {
        let mut ws = self.ws_connect(protocol).await;
        ws.send(json!({"type": "connection_init", "payload": {"Authorization": authorization}}))
            .await;
        assert_eq!(ws.next_json().await["type"], "connection_ack");
        ws
    }

    pub async fn ws_connect(&self, protocol: &str) -> WsClient {
        let mut request = format!("ws://{}/graphql/ws", self.addr)
            .into_client_request()
            .expect("ws request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocol).expect("header"),
        );
        let (stream, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("ws connects");
        let chosen = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(
            chosen.as_deref(),
            Some(protocol),
            "server picks the subprotocol"
        );
        WsClient { stream }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An error's `extensions.code`.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// A raw WebSocket client speaking JSON text frames.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server did next on a WebSocket.
#[derive(Debug)]
pub enum WsEvent {
    Json(Value),
    Closed(Option<u16>),
}

impl WsClient {
    pub fn from_stream(stream: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Self {
        WsClient { stream }
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::text(text.to_owned()))
            .await
            .expect("ws send");
    }

    pub async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("ws send");
    }

    /// The next JSON message or the close, skipping pings; fails after 10 s.
    pub async fn next(&mut self) -> WsEvent {
        let deadline = Duration::from_secs(10);
        loop {
            let frame = tokio::time::timeout(deadline, self.stream.next())
                .await
                .expect("a WebSocket message within 10 s");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    if matches!(value["type"].as_str(), Some("ping" | "ka")) {
                        continue;
                    }
                    return WsEvent::Json(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return WsEvent::Closed(frame.map(|f| f.code.into()));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return WsEvent::Closed(None),
            }
        }
    }

    /// The next message as it came, keep-alive pings included.
    pub async fn next_raw(&mut self) -> Value {
        let frame = tokio::time::timeout(Duration::from_secs(10), self.stream.next())
            .await
            .expect("a WebSocket message within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text).expect("JSON message"),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    /// The next JSON message; fails on a close.
    pub async fn next_json(&mut self) -> Value {
        match self.next().await {
            WsEvent::Json(value) => value,
            WsEvent::Closed(code) => {
                panic!("connection closed ({code:?}) where a message was expected")
            }
        }
    }
}

/// The database of one test: an SQLite file in a temp dir, or a PostgreSQL
/// database created for the test and dropped after it.
struct TestDatabase {
    url: String,
    backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(
        #[expect(dead_code, reason = "held so the directory lives as long as the test")]
        tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    async fn create() -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("ordergraph_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("TEST_DATABASE_URL connects");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("test database is created");
                admin.close().await.ok();
                TestDatabase {
                    url: replace_database(&admin_url, &name),
                    backend: Backend::Postgres,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Some(other) => panic!("TEST_DATABASE_URL must be a postgres:// URL, got {other}"),
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDatabase {
                    url,
                    backend: Backend::Sqlite,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a fresh one on its own thread
            // can block without stalling it.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("cleanup runtime");
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: could not drop a test database");
            }
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

/// The database id inside an `id` value of a response (a global id, or a plain
/// database id), for what speaks database ids: tokens, REST dialects, SQL.
pub fn database_id(id: &Value) -> i64 {
    db_id(id.as_str().unwrap_or_else(|| panic!("an id string: {id}")))
}

/// [`database_id`] of an id already taken out of a response.
pub fn db_id(raw: &str) -> i64 {
    use ordergraph::ids::{Decoded, decode};
    match decode(raw) {
        Some(Decoded::Global(_, id) | Decoded::Database(id)) => id,
        None => panic!("not an id: {raw}"),
    }
}

/// The server binary, as an operator runs it.
pub struct Process {
    pub child: tokio::process::Child,
    pub url: String,
}

impl Process {
    /// Starts the binary on `database_url` and waits until it listens.
    pub async fn start(database_url: &str) -> Process {
        Self::start_with(database_url, &[]).await
    }

    /// Like [`start`](Self::start), with more environment variables.
    pub async fn start_with(database_url: &str, env: &[(&str, &str)]) -> Process {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ordergraph"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("JWT_SECRET", JWT_SECRET)
            .env("WEBHOOK_ALLOW_PRIVATE", "true")
            .env("WEBHOOK_TIMEOUT_SECONDS", "1")
            .env("SMTP_TIMEOUT_SECONDS", "1")
            .env("DELIVERY_LEASE_SECONDS", "3")
            .env("DELIVERY_POLL_MS", "100")
            .env("DELIVERY_RETRY_SECONDS", "1,1,1,1,1")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .envs(env.iter().copied())
            .spawn()
            .expect("the ordergraph binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let url = loop {
            let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
                .await
                .expect("the server says where it listens")
                .unwrap()
                .expect("a line");
            if let Some(url) = line.strip_prefix("ordergraph is listening on ") {
                break url.trim().to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Process { child, url }
    }

    /// One GraphQL POST as admin; fails the test on any error.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        let token = ordergraph::auth::jwt::JwtKeys::new(JWT_SECRET, None, None)
            .sign(
                &ordergraph::auth::Principal {
                    role: Role::Admin,
                    subject: "kill-test".into(),
                    customer_id: None,
                },
                Duration::from_secs(600),
            )
            .unwrap();
        let body: Value = reqwest::Client::new()
            .post(format!("{}/graphql", self.url))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }
}
