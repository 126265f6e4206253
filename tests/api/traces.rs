//! OpenTelemetry traces, as a collector sees them: the real binary exports
//! over OTLP/HTTP (protobuf) to a receiver in this test, which decodes every
//! `ExportTraceServiceRequest`. A request with a caller's `traceparent` is
//! one trace in the caller's trace: HTTP server span → GraphQL operation →
//! root resolver → service → SQL statements, each the parent of the next.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::{Value, json};

use crate::helpers::{Backend, JWT_SECRET, Process, TestApp};

/// A span as received, with what the assertions read.
#[derive(Clone, Debug)]
struct Received {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: i32,
    attributes: HashMap<String, String>,
    /// The `service.name` of the resource the span came with.
    service: String,
}

/// An OTLP/HTTP receiver on a free loopback port.
struct Collector {
    url: String,
    spans: Arc<Mutex<Vec<Received>>>,
}

impl Collector {
    async fn start() -> Collector {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/v1/traces", post(receive))
            .with_state(spans.clone());
        tokio::spawn(axum::serve(listener, app).into_future());
        Collector {
            url: format!("http://{addr}"),
            spans,
        }
    }

    fn spans(&self) -> Vec<Received> {
        self.spans.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until a span of `trace_id` named `name` came.
    async fn wait_for(&self, trace_id: &str, name: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !self
            .spans()
            .iter()
            .any(|s| s.trace_id == trace_id && s.name == name)
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no span {name:?} of trace {trace_id} within 20 s; got {:#?}",
                self.spans()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(spans): State<Arc<Mutex<Vec<Received>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], Vec<u8>) {
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/x-protobuf",
        "OTLP/HTTP with protobuf"
    );
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut received = spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .and_then(|mut a| a.remove("service.name"))
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            received.push(Received {
                trace_id: hex::encode(&span.trace_id),
                span_id: hex::encode(&span.span_id),
                parent_span_id: hex::encode(&span.parent_span_id),
                name: span.name.clone(),
                kind: span.kind,
                attributes: attributes(&span.attributes),
                service: service.clone(),
            });
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

fn attributes(list: &[KeyValue]) -> HashMap<String, String> {
    list.iter()
        .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
        .collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

/// A fresh W3C trace id and parent span id, as a caller would send them.
fn caller_context() -> (String, String) {
    (
        uuid::Uuid::new_v4().simple().to_string(),
        uuid::Uuid::new_v4().simple().to_string()[..16].to_owned(),
    )
}

/// The server binary exporting to `collector`, on a fresh database.
async fn start(collector: &Collector, schedule_delay_ms: &str) -> (Process, Backend, TestDb) {
    let app = TestApp::spawn().await;
    let backend = app.backend;
    let database = app.stop().await;
    let server = Process::start_with(
        database.database_url(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url.as_str()),
            ("OTEL_SERVICE_NAME", "ordergraph-traces-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", schedule_delay_ms),
        ],
    )
    .await;
    (server, backend, database)
}

type TestDb = crate::helpers::StoppedApp;

/// One GraphQL POST as admin with a `traceparent` (sampled when `sampled`).
async fn traced_post(
    server: &Process,
    (trace_id, parent_id): &(String, String),
    sampled: bool,
    body: Value,
) -> Value {
    let token = ordergraph::auth::jwt::JwtKeys::new(JWT_SECRET, None, None)
        .sign(
            &ordergraph::auth::Principal {
                role: ordergraph::auth::Role::Admin,
                subject: "traces-test".into(),
                customer_id: None,
            },
            Duration::from_secs(600),
        )
        .unwrap();
    let flags = if sampled { "01" } else { "00" };
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .header("traceparent", format!("00-{trace_id}-{parent_id}-{flags}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// The span's ancestors' names, nearest first, within its trace.
fn ancestors<'a>(span: &'a Received, trace: &'a [Received]) -> Vec<&'a Received> {
    let mut chain = Vec::new();
    let mut current = span;
    while let Some(parent) = trace.iter().find(|s| s.span_id == current.parent_span_id) {
        chain.push(parent);
        current = parent;
    }
    chain
}

fn one<'a>(trace: &'a [Received], name: &str) -> &'a Received {
    let found: Vec<_> = trace.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one span {name:?} in {trace:#?}");
    found[0]
}

#[tokio::test]
async fn a_request_is_one_trace_from_http_through_graphql_and_service_to_sql() {
    let collector = Collector::start().await;
    // Exports only at shutdown: every span below arrives through the flush
    // on SIGTERM, which this proves works.
    let (mut server, backend, _database) = start(&collector, "600000").await;
    server
        .admin(
            "mutation { upsertProduct(input: {code: \"BEANS\", name: \"Coffee beans\", price: \"9.50\", vatPercentage: \"7.25\"}) { id } }",
            json!({}),
        )
        .await;

    let placed_in = caller_context();
    let placed = traced_post(
        &server,
        &placed_in,
        true,
        json!({
            "query": "mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }",
            "operationName": "PlaceOrder",
            "variables": {"input": {"customerEmail": "jan@example.com", "customerName": "Jan",
                                    "lines": [{"productCode": "BEANS", "quantity": 3}]}},
        }),
    )
    .await;
    let read_in = caller_context();
    traced_post(
        &server,
        &read_in,
        true,
        json!({
            "query": "query OneOrder($id: ID!) { order(id: $id) { number customer { email } lines { quantity } } }",
            "operationName": "OneOrder",
            "variables": {"id": placed["placeOrder"]["id"]},
        }),
    )
    .await;

    let pid = server.child.id().expect("the server runs").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), server.child.wait())
        .await
        .expect("the server stops within 30 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    let spans = collector.spans();
    assert!(
        spans.iter().all(|s| s.service == "ordergraph-traces-test"),
        "service.name of every span: {spans:#?}"
    );
    // Statements outside a traced request (the live feed's and the delivery
    // worker's polls, several a second, and the migrations) make no traces.
    let orphans: Vec<_> = spans
        .iter()
        .filter(|s| s.name.starts_with("sea_orm.") && s.parent_span_id.is_empty())
        .collect();
    assert!(
        orphans.is_empty(),
        "statements without a request: {orphans:#?}"
    );

    // The mutation, in the caller's trace.
    let trace: Vec<Received> = spans
        .iter()
        .filter(|s| s.trace_id == placed_in.0)
        .cloned()
        .collect();
    let http = one(&trace, "POST /graphql");
    assert_eq!(http.parent_span_id, placed_in.1, "joins the caller's span");
    assert_eq!(http.kind, SpanKind::Server as i32);
    assert_eq!(http.attributes["http.request.method"], "POST");
    assert_eq!(http.attributes["http.route"], "/graphql");
    assert_eq!(http.attributes["http.response.status_code"], "200");
    assert!(!http.attributes["http.request_id"].is_empty(), "{http:?}");
    let operation = one(&trace, "mutation PlaceOrder");
    assert_eq!(operation.parent_span_id, http.span_id);
    assert_eq!(operation.attributes["graphql.operation.type"], "mutation");
    assert_eq!(operation.attributes["graphql.operation.name"], "PlaceOrder");
    let resolver = one(&trace, "Mutation.placeOrder");
    assert_eq!(resolver.parent_span_id, operation.span_id);
    let service = one(&trace, "orders.place");
    assert_eq!(service.parent_span_id, resolver.span_id);
    assert_eq!(service.attributes["order.lines"], "1");
    // Every span hangs on the tree: none lost its parent.
    for span in &trace {
        if span.span_id != http.span_id {
            assert!(
                trace.iter().any(|p| p.span_id == span.parent_span_id),
                "{span:?} has no parent in the trace"
            );
        }
    }
    let system = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };
    let insert = trace
        .iter()
        .find(|s| {
            s.name.starts_with("sea_orm.")
                && s.attributes
                    .get("db.statement")
                    .is_some_and(|sql| sql.starts_with("INSERT INTO \"orders\""))
        })
        .unwrap_or_else(|| panic!("the order's INSERT in {trace:#?}"));
    assert_eq!(insert.kind, SpanKind::Client as i32);
    assert_eq!(insert.attributes["db.system"], system);
    assert_eq!(insert.attributes["db.operation"], "INSERT");
    let chain: Vec<&str> = ancestors(insert, &trace)
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        chain,
        [
            "orders.place",
            "Mutation.placeOrder",
            "mutation PlaceOrder",
            "POST /graphql"
        ],
        "the INSERT's ancestors"
    );
    assert!(
        trace.iter().any(|s| s.name == "sea_orm.commit"
            && s.attributes.get("db.system").map(String::as_str) == Some(system)),
        "the commit is a span too"
    );
    // Values never leave: statements carry placeholders, not the e-mail.
    assert!(
        !spans
            .iter()
            .flat_map(|s| s.attributes.values())
            .any(|v| v.contains("jan@example.com")),
        "a span carries the customer's e-mail"
    );

    // The query, in its caller's trace, with its reads (nested fields' too).
    let trace: Vec<Received> = spans
        .iter()
        .filter(|s| s.trace_id == read_in.0)
        .cloned()
        .collect();
    let http = one(&trace, "POST /graphql");
    assert_eq!(http.parent_span_id, read_in.1);
    let operation = one(&trace, "query OneOrder");
    assert_eq!(operation.parent_span_id, http.span_id);
    let resolver = one(&trace, "Query.order");
    assert_eq!(resolver.parent_span_id, operation.span_id);
    let selects: Vec<_> = trace
        .iter()
        .filter(|s| s.attributes.get("db.operation").map(String::as_str) == Some("SELECT"))
        .collect();
    assert!(
        selects.len() >= 2,
        "the order and its nested reads: {trace:#?}"
    );
    for select in selects {
        assert!(
            ancestors(select, &trace)
                .iter()
                .any(|s| s.span_id == resolver.span_id),
            "{select:?} is not under Query.order"
        );
    }
}

#[tokio::test]
async fn spans_are_exported_while_the_server_runs_and_follow_the_callers_sampling() {
    let collector = Collector::start().await;
    let (mut server, _backend, _database) = start(&collector, "100").await;
    let query = json!({"query": "query Statuses { orderStatuses { status } }", "operationName": "Statuses"});
    // The caller dropped this trace (flags 00): parent-based sampling drops it too.
    let dropped = caller_context();
    traced_post(&server, &dropped, false, query.clone()).await;
    let kept = caller_context();
    traced_post(&server, &kept, true, query).await;
    collector.wait_for(&kept.0, "query Statuses").await;
    collector.wait_for(&kept.0, "POST /graphql").await;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "sent by the batch schedule, not at exit"
    );
    // Spans are exported in the order they end, and the dropped request ended
    // first: had it been kept, it would be here by now.
    assert!(
        collector.spans().iter().all(|s| s.trace_id != dropped.0),
        "an unsampled caller's trace was exported"
    );
}
