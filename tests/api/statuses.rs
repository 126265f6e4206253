use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The DESIGN.md "Status workflow" table, written out by hand.
fn design_table() -> Value {
    let row = |status: &str, active: bool, terminal: bool, next: &[&str]| json!({"status": status, "active": active, "terminal": terminal, "next": next});
    json!([
        row(
            "PENDING",
            true,
            false,
            &[
                "CONFIRMED",
                "PROCESSING",
                "IN_PROGRESS",
                "ON_HOLD",
                "CANCELLED"
            ]
        ),
        row(
            "CONFIRMED",
            true,
            false,
            &[
                "PROCESSING",
                "IN_PROGRESS",
                "ON_HOLD",
                "SHIPPED",
                "CANCELLED"
            ]
        ),
        row(
            "PROCESSING",
            true,
            false,
            &[
                "IN_PROGRESS",
                "ON_HOLD",
                "SHIPPED",
                "COMPLETED",
                "CANCELLED"
            ]
        ),
        row(
            "IN_PROGRESS",
            true,
            false,
            &["ON_HOLD", "SHIPPED", "COMPLETED", "CANCELLED"]
        ),
        row(
            "ON_HOLD",
            true,
            false,
            &[
                "PENDING",
                "CONFIRMED",
                "PROCESSING",
                "IN_PROGRESS",
                "CANCELLED"
            ]
        ),
        row(
            "SHIPPED",
            true,
            false,
            &["DELIVERED", "COMPLETED", "REFUNDED"]
        ),
        row("DELIVERED", true, false, &["COMPLETED", "REFUNDED"]),
        row("COMPLETED", false, false, &["REFUNDED"]),
        row("CANCELLED", false, false, &["REFUNDED"]),
        row("REFUNDED", false, true, &[]),
    ])
}

#[tokio::test]
async fn order_statuses_need_no_credentials_and_equal_the_design_table() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            "{ orderStatuses { status active terminal next } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["orderStatuses"], design_table());
}

#[tokio::test]
async fn order_statuses_carry_human_labels() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(None, "{ orderStatuses { status label } }", json!({}))
        .await;
    let labels: Vec<&str> = body["data"]["orderStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels[3], "In progress");
    assert!(labels.iter().all(|l| !l.is_empty()));
}

#[tokio::test]
async fn an_unknown_stored_status_is_one_internal_error_without_internals() {
    let app = TestApp::spawn().await;
    let order = crate::place::place(
        &app,
        json!({"lines": [{"name": "Tea", "quantity": 1, "price": "2.50"}]}),
    )
    .await;
    // Another program wrote a status this version does not know.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE orders SET status = 'SENT'")
        .await
        .unwrap();
    let body = app
        .gql(
            Some(&app.admin_token()),
            "query($id: ID!) { order(id: $id) { number status } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&body),
        Some("INTERNAL"),
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message, "Internal error",
        "no driver text reaches the client"
    );
}
