//! Real peers for delivery tests: an SMTP server (Python's aiosmtpd, started
//! as a child process) and an HTTP webhook receiver that checks every
//! signature with the independent `standardwebhooks` crate.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, mpsc};

/// An SMTP server that keeps what it accepts.
pub struct SmtpSink {
    _child: Child,
    pub port: u16,
    messages: mpsc::UnboundedReceiver<Value>,
}

impl SmtpSink {
    /// Starts one; it answers the first `refuse` messages with 451.
    pub async fn start(refuse: usize) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--refuse")
            .arg(refuse.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs tests/peers/smtp_sink.py (pip install aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink starts within 20 s (is aiosmtpd installed?)")
            .expect("reads the sink's output")
            .expect("the sink prints its port");
        let port: u16 = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the sink: {first}"));
        let (tx, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(message) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(message);
                }
            }
        });
        SmtpSink {
            _child: child,
            port,
            messages,
        }
    }

    /// The `SMTP_URL` of this server.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message accepted, within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Value {
        tokio::time::timeout(wait, self.messages.recv())
            .await
            .expect("an e-mail arrives in time")
            .expect("the sink is running")
    }

    /// Whether no message arrives within `wait`.
    pub async fn quiet(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.messages.recv())
            .await
            .is_err()
    }
}

/// The header of an e-mail's raw text (unfolded), if present.
pub fn mail_header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    data.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Ok,
    Fail(u16),
    Slow(Duration),
}

/// One webhook as the receiver got it.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Value,
    /// Whether `standardwebhooks` accepted the signature.
    pub verified: bool,
    pub at: Instant,
}

struct ReceiverState {
    secret: Mutex<Option<String>>,
    mode: Mutex<Mode>,
    received: Mutex<Vec<Received>>,
    arrived: Notify,
}

/// An HTTP server that receives webhooks.
pub struct WebhookReceiver {
    pub addr: SocketAddr,
    state: Arc<ReceiverState>,
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let secret = state.secret.lock().unwrap().clone();
    let verified = secret.is_some_and(|s| {
        standardwebhooks::Webhook::new(&s)
            .map(|wh| wh.verify(&body, &headers).is_ok())
            .unwrap_or(false)
    });
    let mode = *state.mode.lock().unwrap();
    state.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified,
        at: Instant::now(),
    });
    state.arrived.notify_waiters();
    match mode {
        Mode::Ok => StatusCode::NO_CONTENT,
        Mode::Fail(code) => StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Mode::Slow(wait) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK
        }
    }
}

impl WebhookReceiver {
    /// Starts one on 127.0.0.1.
    pub async fn start() -> WebhookReceiver {
        let state = Arc::new(ReceiverState {
            secret: Mutex::new(None),
            mode: Mutex::new(Mode::Ok),
            received: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebhookReceiver { addr, state }
    }

    /// The endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// The secret to verify signatures with.
    pub fn set_secret(&self, secret: &str) {
        *self.state.secret.lock().unwrap() = Some(secret.to_owned());
    }

    /// How to answer from now on.
    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` webhooks arrived, within `wait`; returns all.
    pub async fn wait_for(&self, n: usize, wait: Duration) -> Vec<Received> {
        let deadline = Instant::now() + wait;
        loop {
            let arrived = self.state.arrived.notified();
            let now = self.received();
            if now.len() >= n {
                return now;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("{} webhooks arrived, {n} expected: {now:?}", now.len());
            }
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}
