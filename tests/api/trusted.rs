//! Trusted documents: with GRAPHQL_TRUSTED_DOCUMENTS=on only registered
//! operations run, by text, by `documentId`, by Apollo's persisted-query hash,
//! over HTTP and WebSocket; an automatic persisted query's registration does
//! not count; the CLI registers a client build's manifest.

use serde_json::{Value, json};

use crate::cli::{cli, stdout};
use crate::helpers::{TestApp, error_code};

const VIEWER: &str = "query Viewer { viewer { role } }";
const PLACE: &str = r#"mutation Place { placeOrder(input: {lines: [{name: "x", quantity: "1", price: "2"}]}) { id } }"#;
const MOVE: &str = "mutation Move($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { status } }";
const WATCH: &str = "subscription Watch { orderStatusChanged { toStatus } }";

fn id(text: &str) -> String {
    ordergraph::graphql::trusted::document_id(text)
}

async fn post(app: &TestApp, body: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_registered_operations_run_however_they_are_sent() {
    let app = TestApp::spawn_with(|c| c.graphql_trusted_documents = true).await;

    // Nothing registered: even an admin's operation is refused, and a
    // mutation is refused before it runs.
    let refused = app.gql(Some(&app.admin_token()), PLACE, json!({})).await;
    assert_eq!(
        error_code(&refused),
        Some("PERSISTED_QUERY_NOT_IN_LIST"),
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["documentId"],
        json!(id(PLACE))
    );
    assert_eq!(app.count("orders").await, 0);

    // Apollo's automatic registration does not make it trusted.
    let hash = id(VIEWER).trim_start_matches("sha256:").to_owned();
    let apq = json!({"version": 1, "sha256Hash": hash});
    let sent = post(
        &app,
        json!({"query": VIEWER, "extensions": {"persistedQuery": apq}}),
    )
    .await;
    assert_eq!(
        error_code(&sent),
        Some("PERSISTED_QUERY_NOT_IN_LIST"),
        "{sent}"
    );
    let by_hash = post(&app, json!({"extensions": {"persistedQuery": apq}})).await;
    assert_eq!(
        error_code(&by_hash),
        Some("PERSISTED_QUERY_NOT_IN_LIST"),
        "{by_hash}"
    );

    // A client build's manifest, registered from the CLI (Apollo's format).
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("persisted-query-manifest.json");
    let operations: Vec<Value> = [("Viewer", VIEWER), ("Place", PLACE), ("Move", MOVE), ("Watch", WATCH)]
        .iter()
        .map(|(name, body)| json!({"id": id(body).trim_start_matches("sha256:"), "name": name, "type": "query", "body": body}))
        .collect();
    std::fs::write(
        &manifest,
        json!({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}).to_string(),
    )
    .unwrap();
    let printed = stdout(&cli(
        app.database_url(),
        &["documents", "register", manifest.to_str().unwrap()],
    ));
    assert_eq!(printed.lines().count(), 4, "{printed}");
    assert!(
        printed.contains(&format!("{} Viewer", id(VIEWER))),
        "{printed}"
    );

    // By text, by documentId (POST and GET), by persisted-query hash.
    let body = app.gql(Some(&app.admin_token()), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    let body = post(&app, json!({"documentId": id(VIEWER)})).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    let body: Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[("documentId", id(VIEWER).as_str())])
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    let body = post(&app, json!({"extensions": {"persistedQuery": apq}})).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    // The same operation with one more space is another document.
    let body = app
        .gql(Some(&app.admin_token()), &format!("{VIEWER} "), json!({}))
        .await;
    assert_eq!(error_code(&body), Some("PERSISTED_QUERY_NOT_IN_LIST"));
    let body = post(
        &app,
        json!({"documentId": format!("sha256:{}", "0".repeat(64))}),
    )
    .await;
    assert_eq!(
        error_code(&body),
        Some("PERSISTED_QUERY_NOT_IN_LIST"),
        "{body}"
    );
    let body = post(&app, json!({"documentId": "viewer"})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // Over the WebSocket: an unregistered subscription is refused, a
    // registered one receives its event.
    let mut ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    ws.send(json!({"id": "bad", "type": "subscribe", "payload": {"query": "subscription { orderStatusChanged { eventId } }"}}))
        .await;
    // async-graphql reports a refused operation as a `next` with errors (then
    // `complete`); `error` would do as well.
    let refused = ws.next_json().await;
    let errors = if refused["type"] == "error" {
        &refused["payload"]
    } else {
        &refused["payload"]["errors"]
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "PERSISTED_QUERY_NOT_IN_LIST",
        "{refused}"
    );
    ws.send(json!({"id": "ok", "type": "subscribe", "payload": {"query": WATCH}}))
        .await;
    let placed = post(&app, json!({"documentId": id(PLACE)})).await;
    let order = placed["data"]["placeOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The registration may lag the subscribe a moment: move it once ready.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let moved = post(
        &app,
        json!({"documentId": id(MOVE), "variables": {"id": order}}),
    )
    .await;
    assert_eq!(
        moved["data"]["orderAction"]["status"], "CONFIRMED",
        "{moved}"
    );
    let mut event = ws.next_json().await;
    while event["id"] == "bad" {
        event = ws.next_json().await;
    }
    assert_eq!(event["id"], "ok", "{event}");
    assert_eq!(
        event["payload"]["data"]["orderStatusChanged"]["toStatus"],
        "CONFIRMED"
    );
}

#[tokio::test]
async fn admins_register_list_and_remove_documents_in_graphql() {
    let app = TestApp::spawn().await;
    let registered = app
        .admin(
            "mutation($docs: [TrustedDocumentInput!]!) { registerTrustedDocuments(documents: $docs) { documentId name createdBy } }",
            json!({"docs": [{"document": VIEWER}, {"document": VIEWER, "name": "again"}]}),
        )
        .await;
    let docs = registered["registerTrustedDocuments"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["documentId"], json!(id(VIEWER)));
    assert_eq!(docs[0]["name"], "Viewer");
    assert_eq!(docs[1]["name"], "Viewer", "already registered: unchanged");
    assert_eq!(docs[0]["createdBy"], "admin:test-admin");
    // Off mode: a registered document may still be sent by id.
    let body = post(&app, json!({"documentId": id(VIEWER)})).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    let unknown = post(
        &app,
        json!({"documentId": format!("sha256:{}", "1".repeat(64))}),
    )
    .await;
    assert_eq!(error_code(&unknown), Some("PERSISTED_QUERY_NOT_FOUND"));

    let bad = app
        .gql(
            Some(&app.admin_token()),
            "mutation { registerTrustedDocuments(documents: [{document: \"query {\"}]) { documentId } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
    assert_eq!(
        bad["errors"][0]["extensions"]["fields"][0]["path"], "documents.0.document",
        "{bad}"
    );
    let staff = app
        .gql(
            Some(&app.token(ordergraph::auth::Role::Staff, None)),
            "{ trustedDocuments { documentId } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&staff), Some("FORBIDDEN"));

    let listed = app
        .admin("{ trustedDocuments { documentId document } }", json!({}))
        .await;
    assert_eq!(listed["trustedDocuments"][0]["document"], VIEWER);
    let removed = app
        .admin(
            "mutation($id: String!) { removeTrustedDocument(documentId: $id) }",
            json!({"id": id(VIEWER)}),
        )
        .await;
    assert_eq!(removed["removeTrustedDocument"], true);
    assert_eq!(app.count("trusted_documents").await, 0);
}
