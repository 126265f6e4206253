//! `GET /`: the playground, a small console of our own (saved operations as
//! tabs, one set of credentials for all of them, subscriptions over
//! graphql-transport-ws) served entirely from the binary, so it works
//! offline and under a strict CSP. `GET /graphiql` is the full GraphiQL IDE,
//! which needs its CDN (pinned by integrity hashes). Both are off in
//! production unless `PLAYGROUND=on`: they are developer tools and advertise
//! the API.
//!
//! In dev mode the page carries the dev admin token, but only for a caller
//! on this machine who asked for this machine by name: a loopback peer *and*
//! a loopback `Host`, with no proxy forwarding headers. A reverse proxy or a
//! DNS-rebinding page reaches the server from loopback too, but under another
//! host name or with forwarding headers.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::HttpState;

const PAGE: &str = include_str!("../../playground/index.html");
const APP_JS: &str = include_str!("../../playground/app.js");
const APP_CSS: &str = include_str!("../../playground/app.css");
const GRAPHIQL_PAGE: &str = include_str!("../../playground/graphiql.html");
const GRAPHIQL_JS: &str = include_str!("../../playground/graphiql.js");

/// Where the dev token goes in [`PAGE`].
const TOKEN_SLOT: &str = "<!--DEV-TOKEN-->";

/// Only our own files run; the page talks to this server alone (`'self'`
/// covers its WebSocket too).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// GraphiQL: its pinned CDN files, and the inline styles its editor sets.
const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self' https://unpkg.com; \
                            style-src 'self' 'unsafe-inline' https://unpkg.com; connect-src 'self'; \
                            img-src 'self' data:; font-src 'self' data:; base-uri 'none'; \
                            form-action 'none'; frame-ancestors 'none'";

/// The playground page, or 404 when it is switched off.
pub async fn page(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !state.app.config.playground_enabled() {
        return off();
    }
    let token = state
        .app
        .dev_admin_token
        .as_ref()
        .filter(|_| same_machine(peer, &headers));
    let html = match token {
        // A JWT is base64url and dots: nothing in it can break out of the attribute.
        Some(token) => PAGE.replacen(
            TOKEN_SLOT,
            &format!(
                r#"<meta name="ordergraph-dev-token" content="{}" />"#,
                token.expose()
            ),
            1,
        ),
        None => PAGE.replacen(TOKEN_SLOT, "", 1),
    };
    html_response(html, CSP)
}

/// The GraphiQL page (CDN assets, pinned), or 404 when switched off.
pub async fn graphiql(State(state): State<HttpState>) -> Response {
    if !state.app.config.playground_enabled() {
        return off();
    }
    html_response(GRAPHIQL_PAGE.to_owned(), GRAPHIQL_CSP)
}

/// The playground's script and stylesheet, from the binary.
pub async fn asset(
    State(state): State<HttpState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    if !state.app.config.playground_enabled() {
        return off();
    }
    let (body, content_type) = match file.as_str() {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "graphiql.js" => (GRAPHIQL_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "No such playground file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Short: a new server version brings new files under the same name.
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

fn html_response(html: String, csp: &'static str) -> Response {
    let mut response = axum::response::Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    // The page may hold a token: never cached, never sent on in a Referer.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn off() -> Response {
    (
        StatusCode::NOT_FOUND,
        "The playground is off (PLAYGROUND=on turns it on)",
    )
        .into_response()
}

/// A caller on this machine that named this machine: loopback peer, loopback
/// `Host`, and no proxy in between.
fn same_machine(peer: SocketAddr, headers: &HeaderMap) -> bool {
    const FORWARDING: [&str; 4] = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ];
    if !peer.ip().to_canonical().is_loopback()
        || FORWARDING.iter().any(|h| headers.contains_key(*h))
    {
        return false;
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(loopback_host)
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // [v6]:port
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn the_dev_token_is_only_for_this_machine_by_its_own_name() {
        let local: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let local6: SocketAddr = "[::1]:50000".parse().unwrap();
        let remote: SocketAddr = "192.0.2.7:50000".parse().unwrap();
        for host in [
            "localhost:8000",
            "127.0.0.1:8000",
            "[::1]:8000",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert!(same_machine(local, &headers(&[("host", host)])), "{host}");
            assert!(same_machine(local6, &headers(&[("host", host)])), "{host}");
        }
        // A DNS-rebinding page: loopback peer, its own host name.
        for host in [
            "evil.example:8000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(!same_machine(local, &headers(&[("host", host)])), "{host}");
        }
        assert!(!same_machine(local, &headers(&[])));
        // Through a proxy on this machine that kept Host.
        assert!(!same_machine(
            local,
            &headers(&[("host", "127.0.0.1:8000"), ("x-forwarded-for", "192.0.2.7")])
        ));
        assert!(!same_machine(
            remote,
            &headers(&[("host", "localhost:8000")])
        ));
    }
}
