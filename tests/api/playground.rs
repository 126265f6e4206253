//! The playground in headless Chromium with no network beyond loopback: it
//! loads from the binary alone, runs every saved operation with one set of
//! credentials, and shows a subscription event as it happens.

use fantoccini::Locator;
use ordergraph::config::Switch;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::TestApp;

/// Waits until the status line shows an outcome, then reports it with the
/// result pane.
const OUTCOME: &str = r#"
    const [pattern] = arguments;
    const status = document.getElementById("status");
    for (let i = 0; i < 300; i++) {
      if (new RegExp(pattern).test(status.textContent)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = document.getElementById("result");
    return { status: status.textContent, error: status.classList.contains("error"),
             result: result.textContent, events: Number(result.dataset.events || 0) };
"#;

async fn open(browser: &Browser, url: &str) {
    browser
        .client
        .goto(url)
        .await
        .expect("the playground loads");
    let ready = browser
        .run(
            r#"for (let i = 0; i < 200 && document.body.dataset.ready !== "true"; i++)
                 await new Promise((r) => setTimeout(r, 50));
               return document.body.dataset.ready === "true";"#,
            vec![],
        )
        .await;
    assert_eq!(ready, json!(true), "the playground started");
}

async fn click(browser: &Browser, css: &str) {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn run_tab(browser: &Browser, tab: &str) -> Value {
    click(browser, &format!(r#"#tabs [data-tab="{tab}"]"#)).await;
    click(browser, "#run").await;
    browser
        .run(OUTCOME, vec![json!("^HTTP |did not answer|Variables")])
        .await
}

#[tokio::test]
async fn offline_every_saved_operation_runs_and_a_subscription_event_arrives() {
    // Dev mode: the page comes with the dev admin token for this machine.
    let app = TestApp::spawn_with(|c| {
        c.jwt_secret = None;
        c.playground = Some(Switch::On);
    })
    .await;
    let browser = Browser::launch().await;
    open(&browser, &app.url("/")).await;

    // Everything the page loaded came from the server itself.
    let foreign = browser
        .run(
            r#"return performance.getEntriesByType("resource")
                 .map((e) => e.name).filter((n) => !n.startsWith(location.origin));"#,
            vec![],
        )
        .await;
    assert_eq!(foreign, json!([]), "assets from elsewhere");
    let note = browser
        .run(
            r#"return document.getElementById("credential-note").textContent;"#,
            vec![],
        )
        .await;
    assert_eq!(note, "dev admin token filled in");

    let tabs = browser
        .run(
            r##"return [...document.querySelectorAll("#tabs [data-tab]")].map((b) => b.dataset.tab);"##,
            vec![],
        )
        .await;
    let tabs: Vec<String> = serde_json::from_value(tabs).unwrap();
    assert!(tabs.len() >= 8, "{tabs:?}");
    for tab in tabs.iter().filter(|t| *t != "watch") {
        let outcome = run_tab(&browser, tab).await;
        assert_eq!(outcome["error"], false, "{tab}: {outcome}");
        assert!(
            outcome["status"].as_str().unwrap().starts_with("HTTP 200"),
            "{tab}: {outcome}"
        );
        let body: Value = serde_json::from_str(outcome["result"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{tab}: {e}: {outcome}"));
        assert!(body.get("errors").is_none(), "{tab}: {body}");
        assert!(body["data"].is_object(), "{tab}: {body}");
        if tab == "viewer" {
            // The one credential reached this tab too.
            assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
        }
    }
    // Placing twice works: the saved order has no fixed reference.
    let again = run_tab(&browser, "place-order").await;
    assert_eq!(again["error"], false, "{again}");

    // Live: subscribe in the page, change an order from outside.
    click(&browser, r#"#tabs [data-tab="watch"]"#).await;
    click(&browser, "#run").await;
    let subscribed = browser
        .run(OUTCOME, vec![json!("^subscribed|refused|closed")])
        .await;
    assert!(
        subscribed["status"]
            .as_str()
            .unwrap()
            .starts_with("subscribed"),
        "{subscribed}"
    );
    // The page says "subscribed" once it sent the subscribe; the server
    // takes its place in the log a moment later. Under load (CI's parallel
    // PostgreSQL suite) the change below can commit first, and the
    // subscription then rightly starts after its event: the likely cause of
    // one CI run where the page saw no event in 15 s.
    app.until_subscriptions(1).await;
    let token = browser
        .run(
            r#"return document.querySelector('meta[name="ordergraph-dev-token"]').content;"#,
            vec![],
        )
        .await;
    let token = token.as_str().unwrap().to_owned();
    let placed = app
        .gql(
            Some(&token),
            r#"mutation { placeOrder(input: {lines: [{name: "x", quantity: "1", price: "2"}]}) { id } }"#,
            json!({}),
        )
        .await;
    let id = placed["data"]["placeOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = app
        .gql(
            Some(&token),
            "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        changed["data"]["orderAction"]["status"], "CONFIRMED",
        "{changed}"
    );
    let seen = browser.run(OUTCOME, vec![json!(r"event\(s\)")]).await;
    assert_eq!(seen["events"], 1, "{seen}");
    let event: Value = serde_json::from_str(seen["result"].as_str().unwrap()).unwrap();
    assert_eq!(
        event["data"]["orderStatusChanged"]["toStatus"], "CONFIRMED",
        "{event}"
    );
    assert_eq!(
        event["data"]["orderStatusChanged"]["order"]["id"],
        json!(id)
    );
    click(&browser, "#stop").await;
    browser.close().await;
}

#[tokio::test]
async fn pasted_credentials_apply_to_every_tab_and_survive_a_reload() {
    let app = TestApp::spawn_with(|c| c.playground = Some(Switch::On)).await;
    let browser = Browser::launch().await;
    open(&browser, &app.url("/")).await;
    // Not dev mode: no token comes with the page.
    let viewer = run_tab(&browser, "viewer").await;
    assert!(
        viewer["status"]
            .as_str()
            .unwrap()
            .contains("UNAUTHENTICATED"),
        "{viewer}"
    );

    let field = browser
        .client
        .find(Locator::Id("credential"))
        .await
        .unwrap();
    field.send_keys(&app.admin_token()).await.unwrap();
    let viewer = run_tab(&browser, "viewer").await;
    assert_eq!(viewer["error"], false, "{viewer}");
    let orders = run_tab(&browser, "orders").await;
    assert_eq!(orders["error"], false, "{orders}");

    browser.client.refresh().await.unwrap();
    open(&browser, &app.url("/")).await;
    let viewer = run_tab(&browser, "viewer").await;
    assert_eq!(viewer["error"], false, "after a reload: {viewer}");
    browser.close().await;
}

#[tokio::test]
async fn graphiql_says_plainly_that_its_cdn_cannot_be_reached() {
    let app = TestApp::spawn_with(|c| c.playground = Some(Switch::On)).await;
    let browser = Browser::launch().await;
    browser.client.goto(&app.url("/graphiql")).await.unwrap();
    let status = browser
        .run(
            r#"for (let i = 0; i < 300; i++) {
                 const s = document.getElementById("graphiql-status");
                 if (s && s.classList.contains("error")) return s.textContent;
                 await new Promise((r) => setTimeout(r, 50));
               }
               return null;"#,
            vec![],
        )
        .await;
    let status = status.as_str().unwrap_or_default();
    assert!(
        status.contains("could not load") && status.contains("works without any network"),
        "{status}"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_page_carries_the_dev_token_only_for_this_machine_by_name() {
    let app = TestApp::spawn_with(|c| {
        c.jwt_secret = None;
        c.playground = Some(Switch::On);
    })
    .await;
    let page = |host: Option<&'static str>, forwarded: bool| {
        let mut request = app.client.get(app.url("/"));
        if let Some(host) = host {
            request = request.header("Host", host);
        }
        if forwarded {
            request = request.header("X-Forwarded-For", "192.0.2.7");
        }
        async move { request.send().await.unwrap() }
    };
    let local = page(None, false).await;
    assert_eq!(local.headers()["cache-control"], "no-store");
    assert!(
        local.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(local.text().await.unwrap().contains("ordergraph-dev-token"));
    for (host, forwarded) in [(Some("orders.example.com"), false), (None, true)] {
        let text = page(host, forwarded).await.text().await.unwrap();
        assert!(
            !text.contains("ordergraph-dev-token"),
            "{host:?} {forwarded}"
        );
    }
    // Production: never.
    let prod = TestApp::spawn_with(|c| c.playground = Some(Switch::On)).await;
    let text = prod
        .client
        .get(prod.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("ordergraph-dev-token"));
    // Off: every playground file is 404.
    let off = TestApp::spawn().await;
    for path in ["/", "/graphiql", "/playground/app.js"] {
        assert_eq!(
            off.client.get(off.url(path)).send().await.unwrap().status(),
            404,
            "{path}"
        );
    }
}
