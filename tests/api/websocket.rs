//! GraphQL over WebSocket: both subprotocols, credentials in connection_init.
//! (The streams and the exact close codes are 6/6.)

use serde_json::json;

use crate::helpers::{TestApp, WsEvent};

#[tokio::test]
async fn graphql_transport_ws_runs_an_operation_with_init_credentials() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws_connect("graphql-transport-ws").await;
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", app.admin_token())}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { role } }"}}))
        .await;
    let next = ws.next_json().await;
    assert_eq!(next["type"], "next");
    assert_eq!(next["id"], "1");
    assert_eq!(next["payload"]["data"]["viewer"]["role"], "ADMIN");
    assert_eq!(ws.next_json().await, json!({"id": "1", "type": "complete"}));
}

#[tokio::test]
async fn legacy_graphql_ws_still_works() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws_connect("graphql-ws").await;
    ws.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", app.admin_token())}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    ws.send(json!({"id": "a", "type": "start", "payload": {"query": "{ viewer { subject } }"}}))
        .await;
    let data = ws.next_json().await;
    assert_eq!(data["type"], "data");
    assert_eq!(data["payload"]["data"]["viewer"]["subject"], "test-admin");
    assert_eq!(ws.next_json().await["type"], "complete");
}

#[tokio::test]
async fn anonymous_websocket_connections_are_refused_with_4403() {
    let app = TestApp::spawn().await;
    for init in [
        json!({"type": "connection_init"}),
        json!({"type": "connection_init", "payload": {}}),
    ] {
        let mut ws = app.ws_connect("graphql-transport-ws").await;
        ws.send(init).await;
        assert!(matches!(ws.next().await, WsEvent::Closed(Some(4403))));
    }
}

#[tokio::test]
async fn invalid_init_credentials_close_the_connection() {
    let app = TestApp::spawn().await;
    let mut ws = app.ws_connect("graphql-transport-ws").await;
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": "Bearer forged.token.here"}}))
        .await;
    match ws.next().await {
        WsEvent::Closed(code) => assert_eq!(code, Some(4403)),
        WsEvent::Json(message) => panic!("expected a close, got {message}"),
    }
}

const LIVE: &str = "subscription { orderEvents { id } }";

async fn initialised(app: &TestApp, protocol: &str) -> crate::helpers::WsClient {
    let mut ws = app.ws_connect(protocol).await;
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", app.admin_token())}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    ws
}

#[tokio::test]
async fn protocol_violations_close_with_their_codes() {
    let app = TestApp::spawn().await;

    let mut ws = initialised(&app, "graphql-transport-ws").await;
    ws.send_raw("{not json").await;
    assert!(
        matches!(ws.next().await, WsEvent::Closed(Some(4400))),
        "malformed message"
    );

    let mut ws = initialised(&app, "graphql-transport-ws").await;
    ws.send(json!({"id": "a", "type": "subscribe", "payload": {"query": LIVE}}))
        .await;
    ws.send(json!({"id": "a", "type": "subscribe", "payload": {"query": LIVE}}))
        .await;
    assert!(
        matches!(ws.next().await, WsEvent::Closed(Some(4409))),
        "duplicate subscription id"
    );

    let mut ws = initialised(&app, "graphql-transport-ws").await;
    ws.send(json!({"type": "connection_init"})).await;
    assert!(
        matches!(ws.next().await, WsEvent::Closed(Some(4429))),
        "second connection_init"
    );
}

#[tokio::test]
async fn an_id_is_free_again_once_its_subscription_completed() {
    let app = TestApp::spawn().await;
    let mut ws = initialised(&app, "graphql-transport-ws").await;
    for _ in 0..2 {
        ws.send(json!({"id": "q", "type": "subscribe", "payload": {"query": "{ orderStatuses { status } }"}}))
            .await;
        assert_eq!(ws.next_json().await["type"], "next");
        assert_eq!(ws.next_json().await["type"], "complete");
    }
    ws.send(json!({"id": "s", "type": "subscribe", "payload": {"query": LIVE}}))
        .await;
    ws.send(json!({"id": "s", "type": "complete"})).await;
    ws.send(json!({"id": "s", "type": "subscribe", "payload": {"query": LIVE}}))
        .await;
    ws.send(json!({"id": "q2", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
        .await;
    loop {
        let message = ws.next_json().await;
        if message["id"] == "q2" {
            assert_eq!(
                message["payload"]["data"]["__typename"], "Query",
                "still open after a reused id: {message}"
            );
            break;
        }
        assert_ne!(message["type"], "error", "{message}");
    }
}

#[tokio::test]
async fn a_connection_without_init_is_closed_with_4408_and_idle_ones_get_pings() {
    let app = TestApp::spawn_with(|c| {
        c.ws_init_timeout_seconds = 1;
        c.ws_keepalive_seconds = 1;
    })
    .await;
    let mut silent = app.ws_connect("graphql-transport-ws").await;
    assert!(matches!(silent.next().await, WsEvent::Closed(Some(4408))));

    let mut ws = initialised(&app, "graphql-transport-ws").await;
    assert_eq!(ws.next_raw().await, json!({"type": "ping"}));
    let mut legacy = initialised(&app, "graphql-ws").await;
    assert_eq!(legacy.next_raw().await, json!({"type": "ka"}));
}

#[tokio::test]
async fn credentials_nested_under_headers_are_accepted_as_hasura_and_apollo_send_them() {
    let app = crate::helpers::TestApp::spawn().await;
    let token = app.admin_token();
    let mut ws = app.ws_connect("graphql-transport-ws").await;
    ws.send(serde_json::json!({"type": "connection_init",
        "payload": {"headers": {"Authorization": format!("Bearer {token}")}}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    let mut bad = app.ws_connect("graphql-transport-ws").await;
    bad.send(serde_json::json!({"type": "connection_init",
        "payload": {"headers": {"authorization": "Bearer nope"}}}))
        .await;
    assert!(matches!(
        bad.next().await,
        crate::helpers::WsEvent::Closed(Some(4403))
    ));
}
