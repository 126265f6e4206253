//! The access log: one structured line per request (JSON with
//! `LOG_FORMAT=json`), target `access`: request id (taken from a sane
//! `x-request-id` or made here, and echoed in the response), method, path,
//! HTTP status, duration, and what the handler adds: the GraphQL operation
//! name(s) and type, the caller's role and subject, and the GraphQL error
//! codes, so an UNAUTHENTICATED answer does not look like a plain 200.
//! The same facts feed the request and operation metrics.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::BatchResponse;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Caller;
use crate::metrics::Metrics;

/// What a handler learned about its request, for the access line.
#[derive(Default, Debug)]
struct Note {
    operation: Vec<String>,
    kind: Option<&'static str>,
    role: Option<&'static str>,
    subject: Option<String>,
    codes: Vec<String>,
}

/// The handle handlers fill (a request extension set by [`log`]).
#[derive(Clone, Default)]
pub struct Access(Arc<Mutex<Note>>);

impl Access {
    fn with(&self, f: impl FnOnce(&mut Note)) {
        if let Ok(mut note) = self.0.lock() {
            f(&mut note);
        }
    }

    /// Records who called.
    pub fn caller(&self, caller: &Caller) {
        self.with(|note| match caller {
            Caller::Authenticated(p) => {
                note.role = Some(p.role.as_str());
                note.subject = Some(p.subject.clone());
            }
            Caller::Anonymous => note.role = Some("anonymous"),
            Caller::Rejected => note.role = Some("rejected"),
            Caller::Failed(_) => note.role = Some("unchecked"),
        });
    }

    /// Records an operation's name (or `-`) and type.
    pub fn operation(&self, name: Option<&str>, kind: Option<&'static str>) {
        self.with(|note| {
            note.operation.push(name.unwrap_or("-").to_owned());
            if note.kind.is_none() {
                note.kind = kind;
            }
        });
    }

    /// Records the error codes of a GraphQL response.
    pub fn response(&self, response: &BatchResponse) {
        let responses = match response {
            BatchResponse::Single(one) => std::slice::from_ref(one),
            BatchResponse::Batch(many) => many.as_slice(),
        };
        self.with(|note| {
            for error in responses.iter().flat_map(|r| &r.errors) {
                let code = error
                    .extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map(|c| c.to_string().trim_matches('"').to_owned())
                    .unwrap_or_else(|| "-".into());
                if !note.codes.contains(&code) {
                    note.codes.push(code);
                }
            }
        });
    }
}

/// The error code of a REST answer, attached to the response by the REST
/// error helpers (their bodies are already written).
#[derive(Clone, Copy, Debug)]
pub struct ErrorCode(pub &'static str);

/// A client's request id, if it is one we can log safely.
fn sane(value: &HeaderValue) -> Option<String> {
    let id = value.to_str().ok()?;
    let ok = (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    ok.then(|| id.to_owned())
}

/// The middleware: sets up the note, runs the request, writes the line.
pub async fn log(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(sane)
        .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
    let access = Access::default();
    request.extensions_mut().insert(access.clone());
    let method = request.method().clone();
    // The path only: query strings can carry personal data and GET queries.
    let path = request.uri().path().to_owned();
    // The router's pattern (`/playground/{file}`), never the raw path: one
    // series per route, whatever clients ask for.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let duration_ms = seconds * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let status = response.status().as_u16();
    let mut note = access
        .0
        .lock()
        .map(|mut n| std::mem::take(&mut *n))
        .unwrap_or_default();
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>() {
        note.codes.push((*code).to_owned());
    }
    metrics.request(method.as_str(), route.as_deref(), status, seconds);
    if !note.operation.is_empty() {
        let names: Vec<Option<&str>> = note.operation.iter().map(|n| Some(n.as_str())).collect();
        metrics.operations(&names, note.kind, &note.codes, seconds);
    }
    let operation = note.operation.join(",");
    let codes = note.codes.join(",");
    let failed = status >= 500 || note.codes.iter().any(|c| c == "INTERNAL");
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "access",
                request_id = %id,
                method = %method,
                path = %path,
                status,
                duration_ms = (duration_ms * 1000.0).round() / 1000.0,
                operation = %operation,
                operation_type = note.kind.unwrap_or("-"),
                role = note.role.unwrap_or("-"),
                subject = note.subject.as_deref().unwrap_or("-"),
                error_codes = %codes,
                "request"
            )
        };
    }
    if failed {
        line!(warn);
    } else {
        line!(info);
    }
    response
}
