//! `/metrics` read by a real Prometheus parser (the Prometheus project's
//! Python client, strict OpenMetrics and classic text) after a known
//! sequence of requests, with the values checked.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Every sample of a scrape: (name, labels, value).
async fn scrape(app: &TestApp, token: Option<&str>) -> Vec<(String, Value, f64)> {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/prom_parse.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (pip install prometheus_client; .ci/run does)");
    use tokio::io::AsyncWriteExt;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "the Prometheus parser refused the scrape: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let sample: (String, Value, f64) = serde_json::from_str(line).unwrap();
            sample
        })
        .collect()
}

fn value(samples: &[(String, Value, f64)], name: &str, labels: Value) -> Option<f64> {
    let wanted = labels.as_object().unwrap();
    samples
        .iter()
        .find(|(n, l, _)| n == name && wanted.iter().all(|(k, v)| l.get(k) == Some(v)))
        .map(|(_, _, v)| *v)
}

#[tokio::test]
async fn a_known_sequence_of_requests_reads_back_exactly() {
    let app = TestApp::spawn_with(|c| {
        // Deliveries stay SCHEDULED: the backlog is what is measured.
        c.delivery_worker = false;
        c.db_max_connections = 7;
    })
    .await;
    let admin = app.admin_token();
    for _ in 0..3 {
        let body = app
            .gql(Some(&admin), "query Viewer { viewer { role } }", json!({}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let refused = app
        .gql(
            None,
            r#"mutation Place { placeOrder(input: {lines: [{name: "x", quantity: "1", price: "2"}]}) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&refused),
        Some("UNAUTHENTICATED")
    );
    app.gql(None, "{ orderStatuses { status } }", json!({}))
        .await;
    app.admin(
        r#"mutation { createWebhookEndpoint(input: {url: "https://example.com/hook", kinds: [CREATED]}) { secret } }"#,
        json!({}),
    )
    .await;
    app.admin(
        r#"mutation Place { placeOrder(input: {lines: [{name: "x", quantity: "1", price: "2"}]}) { id } }"#,
        json!({}),
    )
    .await;
    let missing = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // One open WebSocket with one live subscription.
    let mut ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {admin}"))
        .await;
    ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { orderStatusChanged { eventId } }"}}))
        .await;

    // The subscription registers and the feed catches up asynchronously.
    let mut samples = Vec::new();
    for _ in 0..100 {
        samples = scrape(&app, None).await;
        let settled = value(&samples, "ordergraph_subscriptions", json!({})) == Some(1.0)
            && value(&samples, "ordergraph_event_log_lag_events", json!({})) == Some(0.0);
        if settled {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ops = "ordergraph_graphql_operations_total";
    assert_eq!(
        value(
            &samples,
            ops,
            json!({"operation": "Viewer", "type": "query", "outcome": "ok"})
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &samples,
            ops,
            json!({"operation": "Place", "type": "mutation", "outcome": "UNAUTHENTICATED"})
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            ops,
            json!({"operation": "Place", "type": "mutation", "outcome": "ok"})
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            ops,
            json!({"operation": "anonymous", "type": "query", "outcome": "ok"})
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "ordergraph_graphql_operation_duration_seconds_count",
            json!({"operation": "Viewer", "type": "query"})
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &samples,
            "ordergraph_http_requests_total",
            json!({"method": "POST", "route": "/graphql", "status": "200"})
        ),
        Some(7.0)
    );
    assert_eq!(
        value(
            &samples,
            "ordergraph_http_requests_total",
            json!({"method": "GET", "route": "unmatched", "status": "404"})
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "ordergraph_websocket_connections", json!({})),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "ordergraph_subscriptions", json!({})),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "ordergraph_event_log_lag_events", json!({})),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "ordergraph_deliveries",
            json!({"channel": "WEBHOOK", "state": "SCHEDULED"})
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "ordergraph_db_pool_max_connections", json!({})),
        Some(7.0)
    );
    let in_use = value(
        &samples,
        "ordergraph_db_pool_connections",
        json!({"state": "in_use"}),
    )
    .unwrap();
    let idle = value(
        &samples,
        "ordergraph_db_pool_connections",
        json!({"state": "idle"}),
    )
    .unwrap();
    assert!(
        in_use + idle >= 1.0 && in_use + idle <= 7.0,
        "{in_use} {idle}"
    );
    assert!(value(&samples, "ordergraph_sql_statements_total", json!({})).unwrap() > 0.0);

    // Closing the WebSocket ends both gauges.
    drop(ws);
    for _ in 0..100 {
        samples = scrape(&app, None).await;
        if value(&samples, "ordergraph_websocket_connections", json!({})) == Some(0.0)
            && value(&samples, "ordergraph_subscriptions", json!({})) == Some(0.0)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the gauges did not return to 0: {samples:?}");
}

#[tokio::test]
async fn a_metrics_token_guards_the_scrape() {
    let app = TestApp::spawn_with(|c| {
        c.metrics_token = Some(ordergraph::config::Secret::new("scrape-me-0123456789"));
    })
    .await;
    let refused = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let samples = scrape(&app, Some("scrape-me-0123456789")).await;
    assert!(value(&samples, "ordergraph_db_pool_max_connections", json!({})).is_some());
}
