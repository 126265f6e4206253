//! `GET /`: the GraphiQL playground from `playground/`, with the subscription
//! endpoint set and the saved example operations. Off in production unless
//! `PLAYGROUND=on`: it is a tool for developers, and advertises the API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::HttpState;

const PAGE: &str = include_str!("../../playground/index.html");

/// The playground page, or 404 when it is switched off.
pub async fn page(State(state): State<HttpState>) -> Response {
    if state.app.config.playground_enabled() {
        Html(PAGE).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            "The playground is off (PLAYGROUND=on turns it on)",
        )
            .into_response()
    }
}
