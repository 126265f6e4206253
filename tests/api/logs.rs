//! The access log, read from the binary's stderr as an operator's log
//! shipper would: one JSON line per request with the request id, operation,
//! caller, status, duration and error codes.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use crate::helpers::TestApp;

#[tokio::test]
async fn each_request_writes_one_json_access_line() {
    let database = TestApp::spawn().await.stop().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database.database_url())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("LOG_FORMAT", "json")
        .env("DELIVERY_WORKER", "false")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = stdout.next_line().await.unwrap().expect("a line");
        if let Some(url) = line.strip_prefix("ordergraph is listening on ") {
            break url.trim().to_owned();
        }
    };
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(value);
            }
        }
    });
    let token = ordergraph::auth::jwt::JwtKeys::new(crate::helpers::JWT_SECRET, None, None)
        .sign(
            &ordergraph::auth::Principal {
                role: ordergraph::auth::Role::Staff,
                subject: "log-test".into(),
                customer_id: None,
            },
            Duration::from_secs(600),
        )
        .unwrap();
    let client = reqwest::Client::new();
    let ok = client
        .post(format!("{url}/graphql"))
        .bearer_auth(&token)
        .header("x-request-id", "req-42")
        .json(&json!({"query": "query Statuses { orderStatuses { status } }", "operationName": "Statuses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()["x-request-id"], "req-42");
    let refused = client
        .post(format!("{url}/graphql"))
        .json(&json!({"query": "mutation Cancel { orderAction(id: \"1\", input: {action: CANCEL}) { id } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 200);
    let generated = refused.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!generated.is_empty());

    let rest = client
        .get(format!("{url}/api/orders.json"))
        .header("x-api-key", "ogk_0000000000000000_00")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 401);

    let mut access = Vec::new();
    while access.len() < 3 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.recv())
            .await
            .expect("an access line within 10 s")
            .expect("the server is running");
        if line["target"] == "access" {
            access.push(line);
        }
    }
    let first = &access[0];
    assert_eq!(first["request_id"], "req-42", "{first}");
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/graphql");
    assert_eq!(first["status"], 200);
    assert_eq!(first["operation"], "Statuses");
    assert_eq!(first["operation_type"], "query");
    assert_eq!(first["role"], "staff");
    assert_eq!(first["subject"], "log-test");
    assert_eq!(first["error_codes"], "");
    assert!(first["duration_ms"].as_f64().is_some(), "{first}");
    let second = &access[1];
    assert_eq!(second["request_id"], generated.as_str(), "{second}");
    assert_eq!(second["operation_type"], "mutation");
    assert_eq!(second["role"], "anonymous");
    assert_eq!(second["error_codes"], "UNAUTHENTICATED", "{second}");
    let third = &access[2];
    assert_eq!(third["path"], "/api/orders.json", "{third}");
    assert_eq!(third["status"], 401);
    assert_eq!(third["role"], "rejected");
    assert_eq!(third["error_codes"], "UNAUTHENTICATED");
    child.start_kill().unwrap();
}
