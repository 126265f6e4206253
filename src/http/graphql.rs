//! `/graphql` over HTTP and WebSocket. Hand-written rather than the stock
//! async-graphql-axum service, which leaves these open: a mutation over GET is
//! refused with 405 (GET must be safe: it is cached, prefetched and sent by
//! `<img>` tags), only JSON bodies are accepted (a cross-site form post cannot
//! be one), and batches are capped.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Data, Request};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, Extension, RawQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tracing::Instrument;

use super::access::Access;
use super::apq::ApqError;
use super::documents::ParsedDocuments;
use super::{HttpState, fanout, ws_guard};
use crate::auth::Caller;
use crate::graphql::handoff::Eligible;
use crate::graphql::idempotency::IdempotencyKey;
use crate::graphql::loader::new_loader;
use crate::graphql::selected_operation;

/// `POST /graphql`: one operation, or a batch (an array) of at most
/// `GRAPHQL_MAX_BATCH`.
pub async fn post(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        // axum's own answers (413 over MAX_BODY_BYTES, a broken body) are
        // plain text; clients of /graphql read JSON with a code.
        Err(rejection) => return error_response(rejection.status(), &rejection.body_text()),
    };
    if !is_json(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST /graphql takes a JSON body (Content-Type: application/json)",
        );
    }
    let document_ids = match document_ids(&body) {
        Ok(ids) => ids,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, message),
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &format!("The body is not a GraphQL request: {err}"),
            );
        }
    };
    let max = state.app.config.graphql_max_batch;
    if let BatchRequest::Batch(requests) = &batch
        && (requests.is_empty() || requests.len() > max)
    {
        return error_response(
            StatusCode::BAD_REQUEST,
            &format!(
                "A batch holds 1 to {max} operations; this one has {}",
                requests.len()
            ),
        );
    }
    let Ok(key) = idempotency_header(&headers) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key: 1 to 255 visible ASCII characters",
        );
    };
    let caller = state.app.auth.from_headers(&headers, peer.ip()).await;
    access.caller(&caller);
    let max_document = state.app.config.graphql_max_document_bytes;
    let note = |request: &mut Request| {
        let (kind, name) = operation(&state.documents, request, max_document).unzip();
        access.operation(name.flatten().as_deref(), kind.map(kind_name));
    };
    let single = matches!(batch, BatchRequest::Single(_));
    if !single && key.is_some() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "The Idempotency-Key header is for a single operation; in a batch, give each mutation its idempotencyKey argument",
        );
    }
    let requests = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) => requests,
    };
    let mut resolved = Vec::with_capacity(requests.len());
    for (i, mut request) in requests.into_iter().enumerate() {
        let id = document_ids.get(i).cloned().flatten();
        resolved.push(
            resolve_document(&state, &mut request, id)
                .await
                .map(|()| request)
                .map_err(Box::new),
        );
    }
    let prepared: Vec<Result<Request, Box<async_graphql::Response>>> = resolved
        .into_iter()
        .map(|request| {
            let mut request = request?;
            note(&mut request);
            let mut request = with_request_data(&state, request, caller.clone());
            if let Some(key) = &key {
                request = request.data(key.clone());
            }
            Ok(request)
        })
        .collect();
    // Executed on its own task: a client that hangs up after sending a
    // mutation must not cancel it between its commit and the recording of
    // its response (the idempotency key would then answer without it).
    // It stays under the request's server span (traces).
    let schema = state.schema.clone();
    let executed = tokio::spawn(Instrument::in_current_span(async move {
        futures_util::future::join_all(prepared.into_iter().map(|request| {
            let schema = schema.clone();
            async move {
                match request {
                    Ok(request) => schema.execute(request).await,
                    Err(refused) => *refused,
                }
            }
        }))
        .await
    }))
    .await;
    let mut responses = match executed {
        Ok(responses) => responses,
        Err(err) => {
            tracing::error!(error = %err, "a GraphQL execution task failed");
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal error");
        }
    };
    let response = match (single, responses.pop()) {
        (true, Some(one)) => BatchResponse::Single(one),
        (_, last) => {
            responses.extend(last);
            BatchResponse::Batch(responses)
        }
    };
    access.response(&response);
    graphql_response(&headers, &response)
}

/// `GET /graphql?query=...`: queries only. A mutation or subscription gets 405.
pub async fn get(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let request =
        match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
            Ok(request) => request,
            Err(err) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &format!("Cannot read the query string: {err}"),
                );
            }
        };
    let mut request = request;
    let id = form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "documentId")
        .map(|(_, v)| v.into_owned());
    if let Err(refused) = resolve_document(&state, &mut request, id).await {
        return graphql_response(&headers, &BatchResponse::Single(refused));
    }
    let max_document = state.app.config.graphql_max_document_bytes;
    if let Some(kind) = operation_kind(&state.documents, &mut request, max_document)
        .filter(|k| *k != OperationType::Query)
    {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!(
                "A {kind} must be sent with POST (or over /graphql/ws); GET runs queries only"
            ),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let caller = state.app.auth.from_headers(&headers, peer.ip()).await;
    access.caller(&caller);
    let (kind, name) = operation(&state.documents, &mut request, max_document).unzip();
    access.operation(name.flatten().as_deref(), kind.map(kind_name));
    let response = BatchResponse::Single(
        state
            .schema
            .execute(with_request_data(&state, request, caller))
            .await,
    );
    access.response(&response);
    graphql_response(&headers, &response)
}

/// Any other method on `/graphql`: 405 with `Allow`, in JSON like every
/// answer of this endpoint.
pub async fn other_method() -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "/graphql takes GET (queries) and POST (any operation)",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// `GET /graphql/ws`: subscriptions (and queries) over WebSocket, speaking
/// graphql-transport-ws or the legacy graphql-ws subprotocol. Credentials come
/// in the `connection_init` payload.
pub async fn websocket(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The extractor keeps its choice private; the guard needs it for pings.
    let kind = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        // axum reserves 128 KiB per connection for reading by default; GraphQL
        // messages are small, and idle subscribers should cost little memory.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(state.app.config.max_body_bytes)
        .on_upgrade(move |socket| serve_websocket(state, protocol, kind, socket, peer.ip()))
}

/// Closes `sink` with a graphql-ws close code.
async fn close<S>(sink: &mut S, code: u16, reason: &'static str)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// Reads `connection_init` here, before async-graphql's handler, because that
/// handler closes refused or missing credentials with a generic code; the
/// graphql-ws protocol says 4403 (bad credentials), 4408 (no init in time),
/// 4401 (subscribe before init) and 4400 (not a protocol message). Accepted
/// connections get the init message replayed to the stock handler.
async fn serve_websocket(
    state: HttpState,
    protocol: GraphQLProtocol,
    kind: WebSocketProtocols,
    socket: WebSocket,
    client: IpAddr,
) {
    let (mut sink, mut stream) = socket.split();
    let init_timeout =
        std::time::Duration::from_secs(state.app.config.ws_init_timeout_seconds.max(1));
    let first = match tokio::time::timeout(init_timeout, stream.next()).await {
        Err(_) => return close(&mut sink, 4408, "Connection initialisation timeout").await,
        Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
        Ok(Some(Ok(message))) => message,
    };
    let Message::Text(text) = &first else {
        return close(&mut sink, 4400, "Expected a connection_init text message").await;
    };
    let Ok(mut init) = serde_json::from_str::<serde_json::Value>(text) else {
        return close(&mut sink, 4400, "Malformed message").await;
    };
    match init["type"].as_str() {
        Some("connection_init") => {}
        Some("subscribe" | "start") => return close(&mut sink, 4401, "Unauthorized").await,
        _ => return close(&mut sink, 4400, "Expected connection_init").await,
    }
    let payload = init
        .get_mut("payload")
        .map(serde_json::Value::take)
        .unwrap_or(serde_json::Value::Null);
    // Parsed, the message is a kilobyte or more for as long as the connection
    // lives (this future holds it): gone once the caller is known.
    drop(init);
    let caller = state.app.auth.from_connection_init(&payload, client).await;
    drop(payload);
    match caller {
        Caller::Authenticated(_) => {}
        // Throttled, or the database could not check the credentials:
        // 1013 "try again later", not a verdict on them.
        Caller::Failed(_) => return close(&mut sink, 1013, "Try again later").await,
        // Live updates are for authenticated callers only: an anonymous
        // connection is refused like a bad one.
        Caller::Anonymous | Caller::Rejected => {
            return close(&mut sink, 4403, "Forbidden").await;
        }
    }
    // Counted from acceptance until the connection is gone, however it ends.
    let _open = state.app.metrics.websocket();
    let db = state.app.db.clone();
    let shared = Arc::new(ws_guard::Shared::default());
    let (handler_sink, shared_outbox, outgoing) = ws_guard::outbox();
    let keepalive = std::time::Duration::from_secs(state.app.config.ws_keepalive_seconds.max(1));
    let forwarder = tokio::spawn(ws_guard::forward(
        sink,
        outgoing,
        shared.clone(),
        kind,
        keepalive,
        state.shutdown.clone(),
    ));
    let incoming = ws_guard::guard(stream, shared);
    // Shareable subscriptions leave the stream here and join their group;
    // the stock handler gets everything else.
    let mut shared_subscriptions =
        fanout::Joined::new(state.fanout.clone(), caller.clone(), kind, shared_outbox);
    let incoming = incoming.filter(move |message| {
        let keep = match message {
            Ok(Message::Text(text)) => !shared_subscriptions.take(text),
            _ => true,
        };
        std::future::ready(keep)
    });
    let replayed = futures_util::stream::once(async move { Ok(first) }).chain(incoming);
    GraphQLWebSocket::new_with_pair(handler_sink, replayed, state.schema.clone(), protocol)
        .on_connection_init(move |_| async move {
            let mut data = Data::default();
            data.insert(caller);
            // Cache off: a connection lives long, and its subscriptions must
            // see every change.
            data.insert(new_loader(db, false));
            Ok(data)
        })
        .serve()
        .await;
    // The handler is done and dropped its sink: the forwarder drains, then
    // closes with the protocol's code if a rule was broken.
    let _ = forwarder.await;
}

/// What every operation needs besides its text: the caller and a fresh loader
/// (caching only for queries; see `graphql::loader`).
fn with_request_data(state: &HttpState, mut request: Request, caller: Caller) -> Request {
    let kind = operation_kind(
        &state.documents,
        &mut request,
        state.app.config.graphql_max_document_bytes,
    );
    let cache = kind.is_none_or(|kind| kind == OperationType::Query);
    request = request
        .data(caller)
        .data(new_loader(state.app.db.clone(), cache));
    if matches!(kind, Some(OperationType::Query | OperationType::Mutation)) {
        request = request.data(Eligible);
    }
    request
}

/// The type of the operation the request will run, when the document parses and
/// the operation can be picked (otherwise execution reports the problem).
/// Documents over `max_document` bytes are not parsed: the limits refuse them
/// before anything runs, and parsing first would cost what the limit saves.
fn operation_kind(
    documents: &ParsedDocuments,
    request: &mut Request,
    max_document: usize,
) -> Option<OperationType> {
    operation(documents, request, max_document).map(|(kind, _)| kind)
}

/// The selected operation's type and name, for the access log and metrics.
///
/// The parsed document stays in the request (`Request::parsed_query`), and
/// execution takes it from there instead of parsing the text again: at most
/// one parse per operation, none for a text `documents` parsed before. A
/// document that does not parse is left for execution to report.
fn operation(
    documents: &ParsedDocuments,
    request: &mut Request,
    max_document: usize,
) -> Option<(OperationType, Option<String>)> {
    if request.query.len() > max_document {
        return None;
    }
    let name = request.operation_name.clone();
    let name = name.as_deref();
    let document = documents.parse(request).ok()?;
    match (selected_operation(document, name), &document.operations) {
        (Some(op), DocumentOperations::Single(_)) => Some((op.node.ty, None)),
        // The parser files every named operation under its name, a lone one
        // too: that is its name when the client sent no operationName.
        (Some(op), DocumentOperations::Multiple(ops)) => Some((
            op.node.ty,
            name.map(str::to_owned)
                .or_else(|| ops.keys().next().map(|n| n.to_string())),
        )),
        // Several operations and no name: execution refuses it as ambiguous, but a
        // mutation must not run over GET even then.
        (None, DocumentOperations::Multiple(ops)) if name.is_none() => ops
            .values()
            .map(|op| op.node.ty)
            .find(|ty| *ty != OperationType::Query)
            .or(Some(OperationType::Query))
            .map(|ty| (ty, None)),
        (None, _) => None,
    }
}

/// The `documentId` of each request in a body (GraphQL over HTTP's persisted
/// documents), in order; empty when none has one. async-graphql's request type
/// drops the key, so it is read here, and only when the body mentions it.
fn document_ids(body: &[u8]) -> Result<Vec<Option<String>>, &'static str> {
    const KEY: &[u8] = b"documentId";
    if !body.windows(KEY.len()).any(|w| w == KEY) {
        return Ok(Vec::new());
    }
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "The body is not a GraphQL request")?;
    let id = |one: &serde_json::Value| match one.get("documentId") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(id)) => Ok(Some(id.clone())),
        Some(_) => Err("documentId must be a string: sha256:<64 hex digits>"),
    };
    match &json {
        serde_json::Value::Array(many) => many.iter().map(id).collect(),
        one => Ok(vec![id(one)?]),
    }
}

/// Fills in the text of a request sent by id: a registered (trusted)
/// document's `documentId`, or, with trusted documents on, Apollo's
/// persisted-query hash, which then names a registered document (an
/// automatic persisted query does not count as registered). Other requests
/// go through the automatic persisted queries.
async fn resolve_document(
    state: &HttpState,
    request: &mut Request,
    document_id: Option<String>,
) -> Result<(), async_graphql::Response> {
    let trusted_mode = state.app.config.graphql_trusted_documents;
    let refuse =
        |message: &'static str, code: &'static str| apq_refusal(&ApqError { message, code });
    if let Some(id) = document_id {
        if !request.query.is_empty() {
            return Err(refuse(
                "Send either query or documentId, not both",
                "BAD_USER_INPUT",
            ));
        }
        let hash = crate::graphql::trusted::parse_id(&id).ok_or_else(|| {
            refuse(
                "Invalid documentId: expected sha256:<64 hex digits>",
                "BAD_USER_INPUT",
            )
        })?;
        request.query = lookup(state, &hash, trusted_mode).await?;
        return Ok(());
    }
    if trusted_mode && request.query.is_empty() {
        let hash = request
            .extensions
            .get("persistedQuery")
            .and_then(|v| v.clone().into_json().ok())
            .and_then(|json| {
                json["sha256Hash"]
                    .as_str()
                    .and_then(crate::graphql::trusted::parse_id)
            });
        if let Some(hash) = hash {
            request.extensions.remove("persistedQuery");
            request.query = lookup(state, &hash, true).await?;
            return Ok(());
        }
    }
    state
        .apq
        .apply(request)
        .map_err(|refused| apq_refusal(&refused))
}

/// The registered text with `hash`, or the refusal clients expect.
async fn lookup(
    state: &HttpState,
    hash: &str,
    trusted_mode: bool,
) -> Result<String, async_graphql::Response> {
    match state.trusted.find(hash).await {
        Ok(Some(text)) => Ok(text.to_string()),
        Ok(None) if trusted_mode => Err(async_graphql::Response::from_errors(vec![
            crate::graphql::error_codes::request_error(crate::error::AppError::UntrustedDocument {
                document_id: format!("sha256:{hash}"),
            }),
        ])),
        Ok(None) => Err(apq_refusal(&ApqError {
            message: "PersistedQueryNotFound",
            code: "PERSISTED_QUERY_NOT_FOUND",
        })),
        Err(err) => Err(async_graphql::Response::from_errors(vec![
            crate::graphql::error_codes::request_error(err),
        ])),
    }
}

/// A persisted-query refusal, as Apollo clients expect it.
fn apq_refusal(refused: &ApqError) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(refused.message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", refused.code);
    error.extensions = Some(extensions);
    async_graphql::Response::from_errors(vec![error])
}

fn kind_name(kind: OperationType) -> &'static str {
    match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime == "application/graphql-response+json"
        })
        .unwrap_or(false)
}

/// The `Idempotency-Key` header, if sent; `Err` when it is malformed.
fn idempotency_header(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ()> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| IdempotencyKey::parse(v).ok())
        .map(Some)
        .ok_or(())
}

/// The media type the client asked for: `application/graphql-response+json`
/// (GraphQL over HTTP) when it accepts that and not plain JSON first, else
/// `application/json` (what older clients expect).
fn wants_graphql_response_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    for media in accept.split(',') {
        let media = media
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/graphql-response+json" => return true,
            "application/json" | "*/*" | "application/*" => return false,
            _ => {}
        }
    }
    false
}

/// Serializes `response` with the status GraphQL over HTTP asks for. With
/// `application/graphql-response+json`, an operation that produced no data
/// because the database is down or slow answers 503, and a throttled one
/// 429, each with `Retry-After`; with `application/json` the status stays
/// 200 (the legacy rule) and the coded error says it all.
fn graphql_response(headers: &HeaderMap, response: &BatchResponse) -> Response {
    let modern = wants_graphql_response_json(headers);
    let body = match serde_json::to_vec(response) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal error");
        }
    };
    let content_type = if modern {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    let mut status = StatusCode::OK;
    let mut retry_after = None;
    if let BatchResponse::Single(single) = response
        && modern
        && single.data == async_graphql::Value::Null
    {
        let code = |e: &async_graphql::ServerError| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(s.clone()),
                    _ => None,
                })
        };
        for error in &single.errors {
            match code(error).as_deref() {
                Some("UNAVAILABLE" | "TIMEOUT") => {
                    status = StatusCode::SERVICE_UNAVAILABLE;
                    retry_after = Some(super::rest::OUTAGE_RETRY_AFTER);
                    break;
                }
                Some("THROTTLED") => {
                    status = StatusCode::TOO_MANY_REQUESTS;
                    retry_after = error
                        .extensions
                        .as_ref()
                        .and_then(|x| x.get("retryAfterSeconds"))
                        .and_then(|v| match v {
                            async_graphql::Value::Number(n) => n.as_u64(),
                            _ => None,
                        });
                }
                _ => {}
            }
        }
    }
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A transport-level refusal, shaped like a GraphQL response so clients read it
/// the same way.
fn error_response(status: StatusCode, message: &str) -> Response {
    let code = if status.is_server_error() {
        "INTERNAL"
    } else {
        "BAD_USER_INPUT"
    };
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_named_operation_is_named_without_operation_name() {
        let named = |query: &str| {
            let mut request = Request::new(query);
            operation(&ParsedDocuments::default(), &mut request, 10_000).and_then(|(_, name)| name)
        };
        assert_eq!(
            named("query Viewer { viewer { role } }").as_deref(),
            Some("Viewer")
        );
        assert_eq!(
            named("  # c\n  mutation Place($x: Int){ a }").as_deref(),
            Some("Place")
        );
        assert_eq!(
            named("subscription Live @skip(if: false) { a }").as_deref(),
            Some("Live")
        );
        assert_eq!(named("{ viewer { role } }"), None);
        assert_eq!(named("query { viewer }"), None);
        let mut chosen = Request::new("query A { a } query B { b }").operation_name("B");
        assert_eq!(
            operation(&ParsedDocuments::default(), &mut chosen, 10_000)
                .and_then(|(_, n)| n)
                .as_deref(),
            Some("B")
        );
    }
}
