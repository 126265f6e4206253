//! The HTTP surface: one [`router`] used by `main` and the tests alike.

mod exports;
mod graphql;
mod health;
mod playground;
mod ws_guard;
mod zapier;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// What the HTTP handlers share: the server state and the executable schema.
#[derive(Clone)]
pub struct HttpState {
    /// Database, config and authenticator.
    pub app: AppState,
    /// The GraphQL schema (holds its own copy of the state).
    pub schema: AppSchema,
}

/// Every route of the server.
pub fn router(app: AppState, schema: AppSchema) -> Router {
    let max_body = app.config.max_body_bytes;
    Router::new()
        .route("/", get(playground::page))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(graphql::websocket))
        .route("/api/orders.json", get(exports::json))
        .route("/api/orders.csv", get(exports::csv))
        .route("/api/orders.xml", get(exports::xml))
        .route("/api/zapier/order", post(zapier::upsert))
        .route("/api/v1/orders", get(zapier::list).post(zapier::upsert))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Larger bodies get 413 before anything parses them.
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http())
        .with_state(HttpState { app, schema })
}
