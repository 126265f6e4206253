//! The server span of every request, the root of its trace (see
//! `telemetry`): named `METHOD route` with OpenTelemetry's HTTP attributes,
//! the request id the access log writes, and the caller's trace joined when
//! it sent a W3C `traceparent`. Without an exporter the span is disabled and
//! this middleware only passes the request on.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry_http::HeaderExtractor;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The middleware: outermost, so its status is the one the client gets.
pub async fn server_span(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The route pattern, not the path: one span name per endpoint.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method.to_string(),
    };
    let span = tracing::info_span!(
        "http.server",
        otel.name = %name,
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = %method,
        http.route = route.as_deref(),
        // The path only: query strings can carry personal data and GET queries.
        url.path = request.uri().path(),
        http.response.status_code = Empty,
        http.request_id = Empty,
    );
    if span.is_disabled() {
        return next.run(request).await;
    }
    let caller = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    // Only fails when the span is already started or disabled, neither of
    // which is the case here; a root span is the fallback anyway.
    let _ = span.set_parent(caller);
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    // Set by the access log (taken from the client or made there): the key
    // from a log line to its trace.
    if let Some(id) = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    {
        span.record("http.request_id", id);
    }
    // A 4xx is the client's mistake, not a failed server span.
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    response
}
