//! CORS from a real browser: a page on another origin (another loopback
//! port) calls the API in headless Chromium, which enforces the preflight and
//! the answer's headers exactly as it would for a web shop.

use ordergraph::config::CorsOrigins;
use serde_json::{Value, json};

use crate::browser::{Browser, serve_page};
use crate::helpers::TestApp;

const BLANK: &str = "<!doctype html><title>another origin</title><p>a shop front</p>";

/// POSTs a query with a bearer token (which makes the browser preflight)
/// and reports what the page could see, or the error fetch threw.
const CALL: &str = r#"
    const [url, token, query] = arguments;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return {
        status: response.status,
        body: await response.json(),
        requestId: response.headers.get("x-request-id"),
      };
    } catch (e) {
      return { failed: e.name + ": " + e.message };
    }
"#;

async fn call_from(page: std::net::SocketAddr, app: &TestApp) -> Value {
    let browser = Browser::launch().await;
    browser
        .client
        .goto(&format!("http://{page}/"))
        .await
        .expect("the page loads");
    let result = browser
        .run(
            CALL,
            vec![
                json!(app.url("/graphql")),
                json!(app.admin_token()),
                json!("{ viewer { role } }"),
            ],
        )
        .await;
    browser.close().await;
    result
}

#[tokio::test]
async fn a_page_on_an_allowed_origin_calls_the_api_and_reads_the_request_id() {
    let page = serve_page(BLANK).await;
    let app = TestApp::spawn_with(|c| {
        c.cors_allowed_origins = Some(CorsOrigins::List(vec![
            "https://shop.example.com".into(),
            format!("http://{page}"),
        ]));
    })
    .await;
    let seen = call_from(page, &app).await;
    assert_eq!(seen["status"], 200, "{seen}");
    assert_eq!(seen["body"]["data"], json!({"viewer": {"role": "ADMIN"}}));
    // Exposed, so a shop can quote it in a support ticket.
    assert!(
        seen["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{seen}"
    );
}

#[tokio::test]
async fn the_browser_refuses_when_the_origin_is_not_listed_or_nothing_is() {
    let page = serve_page(BLANK).await;
    let elsewhere = TestApp::spawn_with(|c| {
        c.cors_allowed_origins = Some(CorsOrigins::List(vec!["https://shop.example.com".into()]));
    })
    .await;
    let seen = call_from(page, &elsewhere).await;
    assert!(
        seen["failed"]
            .as_str()
            .is_some_and(|m| m.starts_with("TypeError")),
        "{seen}"
    );
    let unset = TestApp::spawn().await;
    let seen = call_from(page, &unset).await;
    assert!(
        seen["failed"]
            .as_str()
            .is_some_and(|m| m.starts_with("TypeError")),
        "{seen}"
    );
}

#[tokio::test]
async fn a_star_lets_any_origin_in_without_credentials() {
    let page = serve_page(BLANK).await;
    let app = TestApp::spawn_with(|c| c.cors_allowed_origins = Some(CorsOrigins::Any)).await;
    let seen = call_from(page, &app).await;
    assert_eq!(seen["status"], 200, "{seen}");
    assert_eq!(seen["body"]["data"]["viewer"]["role"], "ADMIN");
}

#[tokio::test]
async fn preflights_name_exactly_what_the_api_reads() {
    let app = TestApp::spawn_with(|c| {
        c.cors_allowed_origins = Some(CorsOrigins::List(vec!["https://shop.example.com".into()]));
        c.cors_allow_credentials = true;
    })
    .await;
    let preflight = |origin: &'static str, path: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    for path in ["/graphql", "/api/v1/orders"] {
        let allowed = preflight("https://shop.example.com", path).await.unwrap();
        assert_eq!(allowed.status(), 200, "{path}");
        let header = |name: &str| {
            allowed
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase)
        };
        assert_eq!(
            header("access-control-allow-origin").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            header("access-control-allow-credentials").as_deref(),
            Some("true")
        );
        let headers = header("access-control-allow-headers").unwrap_or_default();
        assert!(
            headers.contains("authorization") && headers.contains("x-api-key"),
            "{headers}"
        );
        assert!(header("access-control-max-age").is_some());
        // Answers vary by origin, so shared caches must key on it.
        assert!(header("vary").is_some_and(|v| v.contains("origin")));

        let refused = preflight("https://evil.example", path).await.unwrap();
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path}: {:?}",
            refused.headers()
        );
    }
}
