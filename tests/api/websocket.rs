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
