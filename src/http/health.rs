//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;

use super::HttpState;

/// `GET /healthz`: the process is up and serving HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// A load balancer's probe gives up after a few seconds; a hung check must
/// answer "not ready" before that.
const READY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /readyz`: the database answers. 503 while it does not, so a load
/// balancer stops sending traffic here.
/// Answers within [`READY_DEADLINE`] even when the database hangs.
pub async fn readyz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READY_DEADLINE, state.app.db.conn().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Err(_) => {
            tracing::warn!("readiness check failed: the database did not answer within 1 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
