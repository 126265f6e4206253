//! `GET /metrics`: the Prometheus scrape. Values kept elsewhere (the pool,
//! the event log, the delivery outbox) are read here, at scrape time, with a
//! deadline so a slow database never hangs the scraper.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseBackend;
use subtle::ConstantTimeEq;

use super::HttpState;
use crate::metrics::Snapshot;

/// Longest wait for the database reads of one scrape.
const READ_DEADLINE: Duration = Duration::from_secs(2);

/// OpenMetrics text, which Prometheus negotiates and parses natively.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The metrics, or 401 when `METRICS_TOKEN` is set and not presented.
pub async fn scrape(State(state): State<HttpState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.app.config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "metrics need the METRICS_TOKEN as a Bearer token",
            )
                .into_response();
        }
    }
    let app = &state.app;
    let conn = app.db.conn();
    let (pool_open, pool_idle) = match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = conn.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Sqlite => {
            let pool = conn.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let mut snapshot = Snapshot {
        pool_open,
        pool_idle: u32::try_from(pool_idle).unwrap_or(u32::MAX),
        pool_max: app.config.db_max_connections,
        sql_statements: app.db_statements.load(std::sync::atomic::Ordering::Relaxed),
        subscription_groups: i64::try_from(state.fanout.groups()).unwrap_or(i64::MAX),
        ..Snapshot::default()
    };
    let reads = async {
        let lag = crate::events::bus::unpublished(conn, app.events.last_published()).await?;
        let held = crate::events::bus::held(conn).await?;
        let deliveries = crate::deliveries::service::counts(&app.db).await?;
        Ok::<_, sea_orm::DbErr>((lag, held, deliveries))
    };
    match tokio::time::timeout(READ_DEADLINE, reads).await {
        Ok(Ok((lag, held, deliveries))) => {
            snapshot.event_lag = lag;
            snapshot.event_held = held.events;
            snapshot.event_held_seconds = held.seconds;
            snapshot.deliveries = deliveries;
        }
        // The in-process values are still worth scraping; the log says why
        // the rest is missing.
        Ok(Err(err)) => tracing::warn!(error = %err, "metrics: reading the database failed"),
        Err(_) => tracing::warn!("metrics: the database did not answer within 2 s"),
    }
    match app.metrics.render(&snapshot) {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
