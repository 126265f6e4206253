//! `GET /`: the GraphiQL playground from `playground/`, with the subscription
//! endpoint set and the saved example operations.

use axum::response::Html;

const PAGE: &str = include_str!("../../playground/index.html");

/// The playground page.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}
