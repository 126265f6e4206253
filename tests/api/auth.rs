use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ordergraph::app::App;
use ordergraph::auth::Role;
use ordergraph::config::Config;
use serde_json::json;

use crate::helpers::{JWT_SECRET, TestApp, error_code};

const VIEWER: &str = "{ viewer { role subject customerId } }";

#[tokio::test]
async fn viewer_reports_the_role_and_subject_of_a_valid_token() {
    let app = TestApp::spawn().await;
    for (role, name) in [
        (Role::Admin, "ADMIN"),
        (Role::Staff, "STAFF"),
        (Role::Integration, "INTEGRATION"),
    ] {
        let body = app
            .gql(Some(&app.token(role, None)), VIEWER, json!({}))
            .await;
        assert_eq!(body["data"]["viewer"]["role"], name, "{body}");
        assert_eq!(
            body["data"]["viewer"]["subject"],
            format!("test-{}", role.as_str())
        );
    }
    let body = app
        .gql(Some(&app.token(Role::Customer, Some(7))), VIEWER, json!({}))
        .await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"role": "CUSTOMER", "subject": "test-customer",
               "customerId": ordergraph::ids::global_id(ordergraph::ids::NodeKind::Customer, 7).0})
    );
}

#[tokio::test]
async fn viewer_without_credentials_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, VIEWER, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert!(body["data"].is_null());
}

fn sign(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_expired_unsigned_and_malformed_tokens_are_all_unauthenticated() {
    let app = TestApp::spawn().await;
    let now = jsonwebtoken::get_current_timestamp();
    let later = now + 3600;
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"sub": "x", "role": "admin", "exp": later}).to_string())
    );
    let bad_tokens = [
        sign(
            json!({"sub": "x", "role": "admin", "exp": later}),
            "not-the-server-secret",
        ),
        sign(
            json!({"sub": "x", "role": "admin", "exp": now - 3600}),
            JWT_SECRET,
        ),
        sign(
            json!({"sub": "x", "role": "admin", "exp": later.to_string()}),
            JWT_SECRET,
        ),
        sign(json!({"sub": "x", "role": "admin"}), JWT_SECRET),
        sign(
            json!({"sub": "x", "role": "emperor", "exp": later}),
            JWT_SECRET,
        ),
        alg_none,
        "not-a-jwt".to_owned(),
    ];
    let mut messages = Vec::new();
    for token in &bad_tokens {
        let body = app.gql(Some(token), VIEWER, json!({})).await;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "token {token}: {body}"
        );
        messages.push(body["errors"][0]["message"].clone());
    }
    messages.dedup();
    assert_eq!(
        messages.len(),
        1,
        "every refusal reads the same: {messages:?}"
    );
}

#[tokio::test]
async fn a_non_bearer_authorization_scheme_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", format!("Token {}", app.admin_token()))
        .json(&json!({"query": VIEWER}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn dev_mode_prints_an_admin_token_that_survives_a_restart() {
    let template = TestApp::spawn().await;
    let database_url = template.database_url().to_owned();
    let dev_config = || {
        Config::from_lookup(|var| match var {
            "DATABASE_URL" => Some(database_url.clone()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            _ => None,
        })
        .unwrap()
    };

    let first = App::build(dev_config()).await.unwrap();
    let token = first
        .dev_admin_token()
        .expect("dev mode prints a token")
        .to_owned();
    drop(first);

    // A second start on the same database keeps the secret: the old token works.
    let second = App::build(dev_config()).await.unwrap();
    let addr = second.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until(async {
        let _ = rx.await;
    }));
    let body: serde_json::Value = template
        .client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": "{ viewer { role } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown completes")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn with_a_configured_secret_no_dev_token_is_made() {
    let app = TestApp::spawn().await;
    let config = Config::from_lookup(|var| match var {
        "DATABASE_URL" => Some(app.database_url().to_owned()),
        "BIND_ADDR" => Some("127.0.0.1:0".into()),
        "JWT_SECRET" => Some(JWT_SECRET.into()),
        _ => None,
    })
    .unwrap();
    let built = App::build(config).await.unwrap();
    assert!(built.dev_admin_token().is_none());
}
