//! The HTTP surface: one [`router`] used by `main` and the tests alike.

pub mod access;
mod apq;
mod cors;
mod dialects;
mod documents;
pub mod fanout;
mod graphql;
mod health;
mod metrics;
mod playground;
mod rest;
mod trace;
mod ws_guard;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use tower_http::catch_panic::CatchPanicLayer;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// What the HTTP handlers share: the server state and the executable schema.
#[derive(Clone)]
pub struct HttpState {
    /// Database, config and authenticator.
    pub app: AppState,
    /// The GraphQL schema (holds its own copy of the state).
    pub schema: AppSchema,
    /// Automatic persisted queries remembered by this instance.
    pub apq: std::sync::Arc<apq::PersistedQueries>,
    /// Registered documents, which clients may send by id.
    pub trusted: std::sync::Arc<crate::graphql::trusted::TrustedDocuments>,
    /// Turns true when the server begins to shut down: open WebSockets
    /// close with 1001 instead of being dropped.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Live subscriptions shared by clients that would get the same bytes.
    pub fanout: std::sync::Arc<fanout::Fanout>,
    /// Documents parsed before, by text.
    pub documents: std::sync::Arc<documents::ParsedDocuments>,
}

/// Every route of the server.
pub fn router(
    app: AppState,
    schema: AppSchema,
    shutdown: tokio::sync::watch::Receiver<bool>,
    trusted: std::sync::Arc<crate::graphql::trusted::TrustedDocuments>,
) -> Router {
    let max_body = app.config.max_body_bytes;
    let max_uri = app.config.max_uri_bytes;
    let cors = cors::layer(&app.config);
    let router = Router::new()
        .route("/", get(playground::page))
        .route("/graphiql", get(playground::graphiql))
        .route("/playground/{file}", get(playground::asset))
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .fallback(graphql::other_method),
        )
        .route("/graphql/ws", get(graphql::websocket))
        .route("/api/orders.json", get(dialects::exports::json))
        .route("/api/orders.csv", get(dialects::exports::csv))
        .route("/api/orders.xml", get(dialects::exports::xml))
        // Seed 003's write endpoints (and its JSON list without extension);
        // seed 002's `/api/orders/...` paths use other segments.
        .route(
            "/api/orders",
            get(dialects::exports::json).post(dialects::wholesale::create),
        )
        .route(
            "/api/orders/{id}/change_status",
            patch(dialects::wholesale::change_status),
        )
        .route(
            "/api/orders/{id}/set_integration_ref",
            patch(dialects::wholesale::set_integration_ref),
        )
        .route(
            "/api/orders/{id}/set_shipping_tracking",
            patch(dialects::wholesale::set_shipping_tracking),
        )
        .route(
            "/api/orders/{id}/set_admin_fields",
            post(dialects::wholesale::set_admin_fields),
        )
        .route(
            "/api/orders/{id}/change_product_quantity",
            patch(dialects::wholesale::change_product_quantity),
        )
        .route(
            "/api/orders/{id}/add_product",
            patch(dialects::wholesale::add_product),
        )
        .route(
            "/api/orders/{id}/remove_product",
            patch(dialects::wholesale::remove_product),
        )
        .route(
            "/api/orders/{id}/order_product_note",
            get(dialects::wholesale::order_product_note),
        )
        .route(
            "/api/orders/{id}/add_message",
            post(dialects::wholesale::add_message),
        )
        .route("/api/zapier/order", post(dialects::hub::upsert))
        .route(
            "/api/v1/orders",
            get(dialects::hub::list).post(dialects::hub::upsert),
        )
        .route("/api/fulfilment/orders", post(dialects::fulfilment::create))
        .route("/api/reviews/orders", post(dialects::reviews::import))
        // Seed 002. Seed 003 shares the prefix (`POST /api/orders`,
        // `/api/orders/{id}/change_status`, ...): only these paths are seed
        // 002's, and `{id}` is the one parameter name both use there.
        .route("/api/orders/place", post(dialects::services::place))
        .route("/api/orders/list", get(dialects::services::list))
        .route("/api/orders/stats", get(dialects::services::stats))
        .route("/api/orders/stats/overview", get(dialects::services::stats))
        .route(
            "/api/orders/meta/statuses",
            get(dialects::services::statuses),
        )
        .route(
            "/api/orders/statuses/available",
            get(dialects::services::statuses),
        )
        .route("/api/orders/{id}", get(dialects::services::show))
        .route("/api/orders/{id}/action", post(dialects::services::action))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::scrape))
        // Larger bodies get 413 before anything parses them.
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(max_uri, limit_uri));
    // Outside the limits, so their refusals carry CORS headers too and a
    // browser app can read why it was refused; preflights never reach a route.
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        // One access line per request, with what the handlers noted.
        .layer(axum::middleware::from_fn_with_state(
            app.metrics.clone(),
            access::log,
        ))
        // A bug must not reset the connection or show its panic message: the
        // client gets a plain INTERNAL error and the panic is logged.
        .layer(CatchPanicLayer::custom(panic_response))
        // Each request's server span (when traces are on), around everything.
        .layer(axum::middleware::from_fn(trace::server_span))
        .with_state(HttpState {
            apq: std::sync::Arc::new(apq::PersistedQueries::new(
                app.config.graphql_max_document_bytes,
            )),
            fanout: fanout::Fanout::new(schema.clone(), app.clone()),
            documents: Default::default(),
            app,
            schema,
            shutdown,
            trusted,
        })
}

/// 414 for request targets over `MAX_URI_BYTES`, in JSON with a code. Below
/// hyper's own limit, which answers 414 with an empty body.
async fn limit_uri(
    axum::extract::State(max): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if length > max {
        let body = serde_json::json!({"errors": [{
            "message": format!("The request target is {length} bytes; at most {max} (send long queries with POST)"),
            "extensions": {"code": "BAD_USER_INPUT"},
        }]});
        return (axum::http::StatusCode::URI_TOO_LONG, axum::Json(body)).into_response();
    }
    next.run(request).await
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "a request handler panicked");
    let body = serde_json::json!({"errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL"}}]});
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_plain_internal_error() {
        let response = panic_response(Box::new("secret path /etc/ordergraph and a driver message"));
        assert_eq!(
            response.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("INTERNAL"));
        assert!(!text.contains("secret") && !text.contains("/etc"), "{text}");
    }
}
