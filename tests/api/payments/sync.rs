//! The seeds' payment statuses (`paid`, `pending`, `refunded`, `failed`)
//! given by order syncs become transactions: through `upsertOrder`,
//! `importOrders`, seed 000's REST upsert and seed 003's export, and for
//! orders written before the payments migration, through its backfill.

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use super::{FIGURES, money, refund};
use crate::cli::{cli, stdout};
use crate::dialects::{Auth, call};
use crate::helpers::TestApp;

async fn upsert(app: &TestApp, input: Value) -> Value {
    app.admin(
        &format!(
            "mutation($input: UpsertOrderInput!) {{ upsertOrder(input: $input) {{ created order {{ {FIGURES} }} }} }}"
        ),
        json!({"input": input}),
    )
    .await["upsertOrder"]["order"]
        .clone()
}

fn synced(external_id: &str, total: &str, payment: &str) -> Value {
    json!({"source": "custom", "externalId": external_id, "status": "PROCESSING",
           "customerEmail": "klant@voorbeeld.nl", "paymentMethod": "iDEAL", "currency": "EUR",
           "lines": [{"name": "Product A", "quantity": 1, "price": total}], "total": total,
           "paymentStatus": payment})
}

/// `kind status amount` of each transaction.
fn transactions(order: &Value) -> Vec<String> {
    order["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {} {}",
                t["kind"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
                t["amount"].as_str().unwrap()
            )
        })
        .collect()
}

fn kinds(order: &Value) -> Vec<&str> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn paid_then_a_larger_total_then_refunded_record_the_differences() {
    let app = TestApp::spawn().await;
    let created = upsert(&app, synced("ORD-12345", "29.99", "PAID")).await;
    assert_eq!(transactions(&created), ["CAPTURE SUCCESS 29.99"]);
    let capture = &created["transactions"][0];
    assert_eq!(capture["gateway"], "custom", "the source reported it");
    assert_eq!(capture["method"], "iDEAL");
    assert_eq!(created["financialStatus"], "PAID");
    assert_eq!(created["paymentStatus"], "PAID");
    assert_eq!(money(&created), ["29.99", "0.00", "29.99", "0.00"]);
    assert_eq!(
        kinds(&created),
        ["CREATED"],
        "the creation's event stands for it"
    );

    let again = upsert(&app, synced("ORD-12345", "29.99", "PAID")).await;
    assert_eq!(again["version"], 1, "a repeat records nothing");
    assert_eq!(transactions(&again).len(), 1);

    let more = upsert(&app, synced("ORD-12345", "35", "PAID")).await;
    assert_eq!(
        transactions(&more),
        ["CAPTURE SUCCESS 29.99", "CAPTURE SUCCESS 5.01"]
    );
    assert_eq!(money(&more), ["35.00", "0.00", "35.00", "0.00"]);
    assert_eq!(kinds(&more), ["CREATED", "UPDATED", "TRANSACTION_RECORDED"]);
    assert_eq!(more["events"][2]["data"]["amount"], "5.01");
    assert_eq!(more["events"][2]["data"]["paidAmount"], "35.00");

    let refunded = upsert(&app, synced("ORD-12345", "35", "REFUNDED")).await;
    assert_eq!(transactions(&refunded)[2..], ["REFUND SUCCESS 35.00"]);
    assert_eq!(refunded["financialStatus"], "REFUNDED");
    assert_eq!(refunded["paymentStatus"], "REFUNDED");
    assert_eq!(money(&refunded), ["35.00", "35.00", "0.00", "0.00"]);
    assert_eq!(refunded["refunds"][0]["amount"], "35.00");
    assert_eq!(refunded["refunds"][0]["lines"], json!([]));
    assert_eq!(
        refunded["status"], "PROCESSING",
        "a sync mirrors the status as given"
    );
    assert_eq!(kinds(&refunded)[3..], ["UPDATED", "REFUND_CREATED"]);
    let again = upsert(&app, synced("ORD-12345", "35", "REFUNDED")).await;
    assert_eq!(again["version"], refunded["version"]);
}

#[tokio::test]
async fn failed_and_pending_capture_nothing_and_a_payment_taken_back_is_a_refund() {
    let app = TestApp::spawn().await;
    let failed = upsert(&app, synced("F-1", "12", "FAILED")).await;
    assert_eq!(transactions(&failed), ["CAPTURE FAILURE 12.00"]);
    assert_eq!(failed["financialStatus"], "PENDING");
    assert_eq!(failed["paymentStatus"], "FAILED");
    assert_eq!(money(&failed), ["0.00", "0.00", "12.00", "12.00"]);
    let again = upsert(&app, synced("F-1", "12", "FAILED")).await;
    assert_eq!(transactions(&again).len(), 1);
    assert_eq!(again["version"], 1);

    let pending = upsert(&app, synced("P-1", "12", "PENDING")).await;
    assert_eq!(pending["transactions"], json!([]));
    assert_eq!(pending["paymentStatus"], "PENDING");
    assert_eq!(pending["financialStatus"], "PENDING");

    let paid = upsert(&app, synced("P-1", "12", "PAID")).await;
    assert_eq!(transactions(&paid), ["CAPTURE SUCCESS 12.00"]);
    // The source no longer has the payment: it went back.
    let back = upsert(&app, synced("P-1", "12", "PENDING")).await;
    assert_eq!(transactions(&back)[1], "REFUND SUCCESS 12.00");
    assert_eq!(back["paymentStatus"], "PENDING", "the source's word");
    assert_eq!(money(&back), ["12.00", "12.00", "12.00", "12.00"]);
}

#[tokio::test]
async fn a_paid_total_the_source_lowered_gives_the_difference_back() {
    let app = TestApp::spawn().await;
    upsert(&app, synced("L-1", "100", "PAID")).await;
    let lowered = upsert(&app, synced("L-1", "80", "PAID")).await;
    assert_eq!(transactions(&lowered)[1], "REFUND SUCCESS 20.00");
    // The gross total fell already: the refund takes nothing more off it.
    assert_eq!(money(&lowered), ["100.00", "20.00", "80.00", "0.00"]);
    assert_eq!(lowered["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(lowered["paymentStatus"], "PAID");
    // A sync without a payment status leaves the payments alone.
    let mut shipped = synced("L-1", "80", "PAID");
    shipped["status"] = json!("SHIPPED");
    shipped.as_object_mut().unwrap().remove("paymentStatus");
    let moved = upsert(&app, shipped).await;
    assert_eq!(transactions(&moved).len(), 2);
    assert_eq!(moved["paymentStatus"], "PAID");
}

#[tokio::test]
async fn imported_orders_come_with_the_transactions_of_their_payment_status() {
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = [
        ("I-PAID", "PAID"),
        ("I-REF", "REFUNDED"),
        ("I-FAIL", "FAILED"),
        ("I-NONE", ""),
    ]
    .iter()
    .map(|(id, status)| {
        let mut order = synced(id, "10", status);
        if status.is_empty() {
            order.as_object_mut().unwrap().remove("paymentStatus");
        }
        order
    })
    .collect();
    let imported = app
        .admin(
            &format!(
                "mutation($input: ImportOrdersInput!) {{ importOrders(input: $input) {{ ordersImported results {{ order {{ {FIGURES} }} }} }} }}"
            ),
            json!({"input": {"source": "custom", "orders": orders}}),
        )
        .await["importOrders"]
        .clone();
    assert_eq!(imported["ordersImported"], 4);
    let results: Vec<&Value> = imported["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["order"])
        .collect();
    assert_eq!(transactions(results[0]), ["CAPTURE SUCCESS 10.00"]);
    assert_eq!(results[0]["financialStatus"], "PAID");
    assert_eq!(
        transactions(results[1]),
        ["CAPTURE SUCCESS 10.00", "REFUND SUCCESS 10.00"]
    );
    assert_eq!(results[1]["financialStatus"], "REFUNDED");
    assert_eq!(money(results[1]), ["10.00", "10.00", "0.00", "0.00"]);
    assert_eq!(transactions(results[2]), ["CAPTURE FAILURE 10.00"]);
    assert_eq!(results[2]["paymentStatus"], "FAILED");
    assert_eq!(results[3]["transactions"], json!([]));
    assert!(results[3]["paymentStatus"].is_null());
    for order in &results {
        assert_eq!(kinds(order), ["IMPORTED"]);
    }
}

#[tokio::test]
async fn seed_000s_paid_is_a_capture_that_seed_003s_export_shows() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Auth::Bearer(&token),
        Some(json!({"platform": "custom", "orderNumber": "ORD-12345", "orderStatus": "processing",
                    "items": [{"name": "Product A", "quantity": 1, "price": "29.99"}], "total": "29.99",
                    "currency": "EUR", "paymentStatus": "paid", "paymentMethod": "iDEAL"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["order"]["paymentStatus"], "paid");
    let order = app
        .admin(
            &format!("{{ orderByExternalId(source: \"custom\", externalId: \"ORD-12345\") {{ {FIGURES} }} }}"),
            json!({}),
        )
        .await["orderByExternalId"]
        .clone();
    assert_eq!(transactions(&order), ["CAPTURE SUCCESS 29.99"]);

    // Seed 003's `paid_amount` is Σ captures and `is_paid` the payment
    // status PAID, also after a partial refund.
    let body = refund(&app, &order["id"], json!({"amount": "9.99"})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let (status, export) = call(
        &app,
        Method::GET,
        "/api/orders.json",
        Auth::Bearer(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    let row = &export[0]["order"];
    assert_eq!(row["paid_amount"], "29.99");
    assert_eq!(row["is_paid"], true);
    assert_eq!(row["payment_status"], "PAID");

    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Auth::Bearer(&token),
        Some(
            json!({"platform": "custom", "orderNumber": "ORD-12345", "orderStatus": "processing",
                    "total": "29.99", "paymentStatus": "refunded"}),
        ),
    )
    .await;
    assert_eq!(body["order"]["paymentStatus"], "refunded", "{body}");
    let order = app
        .admin(
            &format!("{{ orderByExternalId(source: \"custom\", externalId: \"ORD-12345\") {{ {FIGURES} }} }}"),
            json!({}),
        )
        .await["orderByExternalId"]
        .clone();
    assert_eq!(
        transactions(&order)[2],
        "REFUND SUCCESS 20.00",
        "the rest of it"
    );
    assert_eq!(money(&order), ["29.99", "29.99", "0.00", "0.00"]);
}

#[tokio::test]
async fn a_sync_that_replaces_the_lines_keeps_its_refunds_by_name() {
    let app = TestApp::spawn().await;
    let order = upsert(&app, synced("R-1", "30", "PAID")).await;
    let line = &order["lines"][0]["id"];
    let body = refund(
        &app,
        &order["id"],
        json!({"lines": [{"lineId": line, "quantity": "1"}]}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut replaced = synced("R-1", "30", "PAID");
    replaced["lines"][0]["name"] = json!("Product B");
    let after = upsert(&app, replaced).await;
    assert_ne!(after["lines"][0]["id"], *line, "the lines were replaced");
    assert_eq!(after["lines"][0]["refundedQuantity"], "0.00");
    assert_eq!(
        after["refunds"][0]["lines"],
        json!([{"lineId": null, "name": "Product A", "quantity": "1.00", "amount": "30.00"}])
    );
    assert_eq!(money(&after), ["30.00", "30.00", "0.00", "0.00"]);
    assert_eq!(
        after["transactions"].as_array().unwrap().len(),
        2,
        "nothing more recorded"
    );
}

/// The order `custom`/`external_id` as [`FIGURES`] reads it, with who
/// recorded its transactions.
async fn by_external_id(app: &TestApp, external_id: &str) -> Value {
    app.admin(
        &format!(
            "query($e: String!) {{ orderByExternalId(source: \"custom\", externalId: $e) {{ {FIGURES} transactions {{ actor }} }} }}"
        ),
        json!({"e": external_id}),
    )
    .await["orderByExternalId"]
        .clone()
}

/// `paid_amount` of the order with this external id, read under the API.
async fn paid_amount_column(url: &str, external_id: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT paid_amount FROM orders WHERE external_id = $1"
        }
        _ => "SELECT paid_amount FROM orders WHERE external_id = ?",
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [external_id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let value: i64 = row.try_get("", "paid_amount").unwrap();
    db.close().await.unwrap();
    value
}

#[tokio::test]
async fn the_migration_goes_down_and_up_and_backfills_what_orders_were_paid() {
    let app = TestApp::spawn().await;
    upsert(&app, synced("M-PAID", "29.99", "PAID")).await;
    upsert(&app, synced("M-REF", "40", "REFUNDED")).await;
    upsert(&app, synced("M-PEND", "5", "PENDING")).await;
    let stopped = app.stop().await;
    let url = stopped.database_url().to_owned();

    crate::cli::migrate_down_until(&url, "m20261207_000013_payments");
    // Before payments, paid_amount was the gross total of a PAID order, else 0.
    assert_eq!(paid_amount_column(&url, "M-PAID").await, 299_900);
    assert_eq!(paid_amount_column(&url, "M-REF").await, 0);
    let db = Database::connect(&url).await.unwrap();
    assert!(
        db.execute_unprepared("SELECT 1 FROM payment_transactions")
            .await
            .is_err(),
        "the table is gone"
    );
    db.close().await.unwrap();

    stdout(&cli(&url, &["migrate", "up"]));
    let app = stopped.start(|_| {}).await;
    let paid = by_external_id(&app, "M-PAID").await;
    assert_eq!(transactions(&paid), ["CAPTURE SUCCESS 29.99"]);
    assert_eq!(paid["transactions"][0]["actor"], "migration");
    assert_eq!(paid["financialStatus"], "PAID");
    let refunded = by_external_id(&app, "M-REF").await;
    assert_eq!(
        transactions(&refunded),
        ["CAPTURE SUCCESS 40.00", "REFUND SUCCESS 40.00"]
    );
    assert_eq!(money(&refunded), ["40.00", "40.00", "0.00", "0.00"]);
    assert_eq!(refunded["financialStatus"], "REFUNDED");
    assert_eq!(refunded["refunds"][0]["transaction"]["kind"], "REFUND");
    let pending = by_external_id(&app, "M-PEND").await;
    assert_eq!(pending["transactions"], json!([]));
    assert_eq!(money(&pending), ["0.00", "0.00", "5.00", "5.00"]);
    // And they refund like any other order.
    let body = refund(&app, &paid["id"], json!({"amount": "29.99"})).await;
    assert!(body.get("errors").is_none(), "{body}");
}
