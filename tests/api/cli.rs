//! The command line as an operator uses it: API keys listed and revoked, and
//! `migrate fresh` that will not wipe a database without being asked.

use std::process::{Command, Output};

use ordergraph::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, error_code};

pub fn cli(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", crate::helpers::JWT_SECRET)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `migrate down` one step at a time until `migration` is undone (the
/// later ones come off first), so a migration's own test does not break when
/// another migration lands after it.
pub fn migrate_down_until(url: &str, migration: &str) {
    let undone = |status: &str| {
        status
            .lines()
            .any(|l| l.starts_with("pending") && l.ends_with(migration))
    };
    let mut status = String::new();
    for _ in 0..20 {
        status = stdout(&cli(url, &["migrate", "down"]));
        if undone(&status) {
            return;
        }
    }
    panic!("{migration} is still applied after 20 steps down:\n{status}");
}

#[tokio::test]
async fn api_keys_are_listed_and_revoked_from_the_cli_and_listed_in_graphql() {
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let created = stdout(&cli(&url, &["api-key", "create", "--name", "shop-a"]));
    let key = created.split_whitespace().last().unwrap().to_owned();
    stdout(&cli(
        &url,
        &["api-key", "create", "--name", "tool-b", "--role", "staff"],
    ));
    let listed = stdout(&cli(&url, &["api-key", "list"]));
    assert!(
        listed.contains("shop-a") && listed.contains("integration"),
        "{listed}"
    );
    assert!(
        listed.contains("tool-b") && listed.contains("staff"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "no secret is ever listed");

    let app = database.start(|_| {}).await;
    let keys = app
        .admin(
            "{ apiKeys { id databaseId name role revokedAt } }",
            json!({}),
        )
        .await["apiKeys"]
        .clone();
    assert_eq!(keys[0]["name"], "tool-b", "newest first: {keys}");
    assert_eq!(keys[1]["name"], "shop-a");
    let staff = app.token(Role::Staff, None);
    let body = app.gql(Some(&staff), "{ apiKeys { id } }", json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let works = app
        .client
        .get(app.url("/api/v1/orders"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), 200);
    let database = app.stop().await;

    // Revoked by its global id (the database id works too).
    let id = keys[1]["id"].as_str().unwrap();
    let revoked = stdout(&cli(&url, &["api-key", "revoke", id]));
    assert!(revoked.contains("Revoked"), "{revoked}");
    let again = cli(&url, &["api-key", "revoke", id]);
    assert!(
        !again.status.success(),
        "a second revoke says there is no active key"
    );
    let listed = stdout(&cli(&url, &["api-key", "list"]));
    let line = listed.lines().find(|l| l.contains("shop-a")).unwrap();
    assert!(
        !line.trim_end().ends_with('-'),
        "revoked time shown: {line}"
    );

    let app = database.start(|_| {}).await;
    let refused = app
        .client
        .get(app.url("/api/v1/orders"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn migrate_fresh_needs_a_yes_from_a_script() {
    let app = TestApp::spawn().await;
    app.admin(
        "mutation { upsertCustomer(input: {email: \"keep@example.com\", name: \"Keep\"}) { id } }",
        json!({}),
    )
    .await;
    let database = app.stop().await;
    let url = database.database_url().to_owned();
    let refused = cli(&url, &["migrate", "fresh"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--yes"), "{stderr}");
    let app = database.start(|_| {}).await;
    assert_eq!(app.count("customers").await, 1, "nothing was wiped");
    let database = app.stop().await;
    stdout(&cli(&url, &["migrate", "fresh", "--yes"]));
    let app = database.start(|_| {}).await;
    assert_eq!(app.count("customers").await, 0);
}
