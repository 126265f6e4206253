//! Cross-origin browser access (`CORS_ALLOWED_ORIGINS`), with tower-http's
//! [`CorsLayer`]: browser apps on another origin may call GraphQL and the REST
//! endpoints, preflights included. Off unless configured.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{Config, CorsOrigins};

/// Request headers a browser app may send: credentials, content negotiation,
/// tracing and the client names Apollo's links add. Listed rather than
/// mirrored, so a preflight shows exactly what the API reads.
const ALLOWED_HEADERS: [HeaderName; 9] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    header::ACCEPT,
    HeaderName::from_static("x-api-key"),
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("apollographql-client-name"),
    HeaderName::from_static("apollographql-client-version"),
    HeaderName::from_static("traceparent"),
    HeaderName::from_static("tracestate"),
];

/// Response headers scripts may read: the request id (for support tickets)
/// and when to retry after 429/503.
const EXPOSED_HEADERS: [HeaderName; 2] =
    [HeaderName::from_static("x-request-id"), header::RETRY_AFTER];

/// How long a browser may reuse a preflight answer (Chromium caps it at 2 h).
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The layer for `config`, or `None` when no origin is allowed (then browsers
/// get no CORS headers and keep their same-origin rule).
pub fn layer(config: &Config) -> Option<CorsLayer> {
    let origins = config.cors_allowed_origins.as_ref()?;
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            // Config only keeps ASCII-serialised origins, always valid header values.
            list.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ),
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .allow_credentials(config.cors_allow_credentials)
            .max_age(PREFLIGHT_MAX_AGE),
    )
}
