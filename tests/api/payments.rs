//! Payments and refunds (issue 17): capture, partial and full refunds of the
//! seed 003 order with exact amounts and the financial status at each step,
//! refused over-refunds and currencies, 10 concurrent refunds. Access, a
//! provider's report sent twice, authorizations and voids are in
//! `payments/rules.rs`, the seed mapping of order syncs in `payments/sync.rs`,
//! events and deliveries in `payments/live.rs`.

mod live;
mod rules;
mod sync;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::place::{add_product, place};

/// What every test reads of an order.
pub const FIGURES: &str = "id status paymentStatus financialStatus version
    totals { grossTotal paidAmount refundedAmount authorizedAmount currentTotal outstandingAmount }
    lines { id quantity refundedQuantity }
    transactions { id kind status amount currency gateway method reference }
    refunds { id amount linesAmount note lines { lineId name quantity amount } transaction { id kind amount } }
    events { kind fromStatus toStatus data }";

/// The order with `id` as [`FIGURES`] reads it.
pub async fn figures(app: &TestApp, id: &Value) -> Value {
    app.admin(
        &format!("query($id: ID!) {{ order(id: $id) {{ {FIGURES} }} }}"),
        json!({"id": id}),
    )
    .await["order"]
        .clone()
}

/// The totals that move with payments: paid, refunded, current, outstanding.
pub fn money(order: &Value) -> [&str; 4] {
    let t = &order["totals"];
    [
        t["paidAmount"].as_str().unwrap(),
        t["refundedAmount"].as_str().unwrap(),
        t["currentTotal"].as_str().unwrap(),
        t["outstandingAmount"].as_str().unwrap(),
    ]
}

pub const TRANSACTION: &str = "mutation($id: ID!, $input: PaymentTransactionInput!) {
    createOrderTransaction(orderId: $id, input: $input) { created transaction { id kind status amount } order { id } } }";

pub const REFUND: &str = "mutation($id: ID!, $input: RefundOrderInput!) {
    refundOrder(orderId: $id, input: $input) { created refund { id amount linesAmount lines { quantity amount } } order { id status } } }";

/// Records a transaction as admin; the whole response body.
pub async fn transact(app: &TestApp, id: &Value, input: Value) -> Value {
    app.gql(
        Some(&app.admin_token()),
        TRANSACTION,
        json!({"id": id, "input": input}),
    )
    .await
}

/// Captures `amount` as admin, failing the test on any error.
pub async fn capture(app: &TestApp, id: &Value, amount: &str) -> Value {
    app.admin(
        TRANSACTION,
        json!({"id": id, "input": {"kind": "CAPTURE", "amount": amount}}),
    )
    .await["createOrderTransaction"]
        .clone()
}

/// Refunds as admin; the whole response body.
pub async fn refund(app: &TestApp, id: &Value, input: Value) -> Value {
    app.gql(
        Some(&app.admin_token()),
        REFUND,
        json!({"id": id, "input": input}),
    )
    .await
}

/// The first error's first field path.
pub fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["fields"][0]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {body}"))
}

/// Seed 003's create sample: 5 + 5 + 10 at 9.5 and 7.25 % VAT, 203.775 gross.
pub async fn seed_003_order(app: &TestApp) -> Value {
    add_product(app, "mst", "Mustard", "9.5", "7.25").await;
    add_product(app, "bpd", "Black pudding", "9.5", "7.25").await;
    place(
        app,
        json!({"customerEmail": "buyer@example.com", "reference": "B2C ORDER #99",
               "lines": [{"productCode": "mst", "quantity": 5}, {"productCode": "bpd", "quantity": 5},
                         {"productCode": "bpd", "quantity": 10}]}),
    )
    .await
}

/// An order of one line at `price`, no VAT.
pub async fn simple_order(app: &TestApp, price: &str) -> Value {
    place(
        app,
        json!({"customerEmail": "ann@example.com", "lines": [{"name": "Thing", "quantity": 1, "price": price}]}),
    )
    .await
}

async fn ship(app: &TestApp, id: &Value) {
    for status in ["CONFIRMED", "SHIPPED"] {
        app.admin(
            "mutation($id: ID!, $s: OrderStatus) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: $s}) { id } }",
            json!({"id": id, "s": status}),
        )
        .await;
    }
}

#[tokio::test]
async fn capture_then_partial_then_full_refund_give_exact_amounts_and_statuses() {
    let app = TestApp::spawn().await;
    let order = seed_003_order(&app).await;
    let id = &order["id"];
    let before = figures(&app, id).await;
    assert_eq!(before["financialStatus"], "PENDING");
    assert_eq!(before["totals"]["grossTotal"], "203.775");
    assert_eq!(money(&before), ["0.00", "0.00", "203.775", "203.775"]);

    let captured = capture(&app, id, "203.775").await;
    assert_eq!(captured["created"], true);
    assert_eq!(captured["transaction"]["amount"], "203.775");
    let paid = figures(&app, id).await;
    assert_eq!(paid["financialStatus"], "PAID");
    assert_eq!(paid["paymentStatus"], "PAID");
    assert_eq!(money(&paid), ["203.775", "0.00", "203.775", "0.00"]);
    assert_eq!(paid["version"], 2, "a transaction changes the order");
    let recorded = &paid["transactions"][0];
    assert_eq!(
        (
            &recorded["kind"],
            &recorded["status"],
            &recorded["currency"],
            &recorded["gateway"]
        ),
        (
            &json!("CAPTURE"),
            &json!("SUCCESS"),
            &json!("EUR"),
            &json!("manual")
        )
    );

    // The first line's 5 units: 10.18875 × 5 = 50.94375, rounded half away
    // from zero.
    let first_line = &paid["lines"][0]["id"];
    let partial = refund(
        &app,
        id,
        json!({"lines": [{"lineId": first_line, "quantity": "5"}], "note": "Broken jar"}),
    )
    .await;
    assert!(partial.get("errors").is_none(), "{partial}");
    assert_eq!(
        partial["data"]["refundOrder"]["refund"]["amount"],
        "50.9438"
    );
    let partly = figures(&app, id).await;
    assert_eq!(partly["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(partly["paymentStatus"], "PAID");
    assert_eq!(money(&partly), ["203.775", "50.9438", "152.8312", "0.00"]);
    assert_eq!(partly["lines"][0]["refundedQuantity"], "5.00");
    assert_eq!(partly["lines"][1]["refundedQuantity"], "0.00");
    assert_eq!(
        partly["status"], "PENDING",
        "a partial refund moves nothing"
    );
    let made = &partly["refunds"][0];
    assert_eq!(made["note"], "Broken jar");
    assert_eq!(
        made["lines"],
        json!([{"lineId": first_line, "name": "Mustard", "quantity": "5.00", "amount": "50.9438"}])
    );
    assert_eq!(made["transaction"]["kind"], "REFUND");
    assert_eq!(made["transaction"]["amount"], "50.9438");

    // The rest, once shipped: the last two lines come to 152.8312, so the
    // refunds add up to the gross total exactly (the rounded line totals
    // would make 203.7751), and the order ends REFUNDED.
    ship(&app, id).await;
    let rest = refund(
        &app,
        id,
        json!({"lines": [{"lineId": partly["lines"][1]["id"], "quantity": "5"},
                         {"lineId": partly["lines"][2]["id"], "quantity": "10"}]}),
    )
    .await;
    assert!(rest.get("errors").is_none(), "{rest}");
    let made = &rest["data"]["refundOrder"]["refund"];
    assert_eq!(made["amount"], "152.8312");
    assert_eq!(made["linesAmount"], "152.8312");
    assert_eq!(
        made["lines"],
        json!([{"quantity": "5.00", "amount": "50.9437"}, {"quantity": "10.00", "amount": "101.8875"}])
    );
    let done = figures(&app, id).await;
    assert_eq!(done["financialStatus"], "REFUNDED");
    assert_eq!(done["paymentStatus"], "REFUNDED");
    assert_eq!(money(&done), ["203.775", "203.775", "0.00", "0.00"]);
    assert_eq!(done["status"], "REFUNDED");
    let kinds: Vec<String> = done["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let moved = |k: &str| e[k].as_str().unwrap_or("-").to_owned();
            format!(
                "{} {}>{}",
                e["kind"].as_str().unwrap(),
                moved("fromStatus"),
                moved("toStatus")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "CREATED ->PENDING",
            "TRANSACTION_RECORDED ->-",
            "REFUND_CREATED ->-",
            "STATUS_CHANGED PENDING>CONFIRMED",
            "STATUS_CHANGED CONFIRMED>SHIPPED",
            "REFUND_CREATED ->-",
            "STATUS_CHANGED SHIPPED>REFUNDED",
        ]
    );
    assert_eq!(done["events"][1]["data"]["amount"], "203.775");
    assert_eq!(done["events"][1]["data"]["financialStatus"], "PAID");
    let last_refund = &done["events"][5]["data"];
    assert_eq!(last_refund["amount"], "152.8312");
    assert_eq!(last_refund["refundedAmount"], "203.775");
    assert_eq!(last_refund["financialStatus"], "REFUNDED");
}

#[tokio::test]
async fn a_full_refund_before_shipping_keeps_the_status_and_says_refunded_in_the_financial_status()
{
    let app = TestApp::spawn().await;
    let order = simple_order(&app, "80").await;
    let id = &order["id"];
    capture(&app, id, "80").await;
    let body = refund(&app, id, json!({"amount": "80"})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let after = figures(&app, id).await;
    assert_eq!(
        after["status"], "PENDING",
        "PENDING cannot move to REFUNDED"
    );
    assert_eq!(after["financialStatus"], "REFUNDED");
    assert_eq!(money(&after), ["80.00", "80.00", "0.00", "0.00"]);
    assert!(
        !after["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "STATUS_CHANGED")
    );
}

#[tokio::test]
async fn an_over_refund_is_refused_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let order = seed_003_order(&app).await;
    let id = &order["id"];
    let line = &order["lines"][2]["id"];

    let nothing_paid = refund(&app, id, json!({"amount": "1"})).await;
    assert_eq!(error_code(&nothing_paid), Some("BAD_USER_INPUT"));
    assert_eq!(field(&nothing_paid), "input.amount");
    assert!(
        nothing_paid["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nothing has been captured"),
        "{nothing_paid}"
    );

    capture(&app, id, "100").await;
    let too_much = refund(&app, id, json!({"amount": "100.0001"})).await;
    assert_eq!(error_code(&too_much), Some("BAD_USER_INPUT"), "{too_much}");
    assert_eq!(field(&too_much), "input.amount");
    assert!(
        too_much["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(100.00)"),
        "{too_much}"
    );
    // The lines' value (101.8875) is more than the 100 captured.
    let lines_too_much = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "10"}]}),
    )
    .await;
    assert_eq!(field(&lines_too_much), "input.lines", "{lines_too_much}");
    let units = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "10.0001"}], "amount": "1"}),
    )
    .await;
    assert_eq!(field(&units), "input.lines.0.quantity", "{units}");
    let twice = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "1"}, {"lineId": line, "quantity": "1"}]}),
    )
    .await;
    assert_eq!(field(&twice), "input.lines.1.lineId", "{twice}");
    let other = simple_order(&app, "5").await;
    let foreign = refund(
        &app,
        id,
        json!({"lines": [{"lineId": other["lines"][0]["id"], "quantity": "1"}]}),
    )
    .await;
    assert_eq!(field(&foreign), "input.lines.0.lineId", "{foreign}");
    let empty = refund(&app, id, json!({})).await;
    assert_eq!(field(&empty), "input", "{empty}");
    let negative = refund(&app, id, json!({"amount": "-1"})).await;
    assert_eq!(field(&negative), "input.amount", "{negative}");

    let after = figures(&app, id).await;
    assert_eq!(money(&after), ["100.00", "0.00", "203.775", "103.775"]);
    assert_eq!(after["refunds"], json!([]));
    assert_eq!(app.count("refunds").await, 0);
    assert_eq!(app.count("refund_lines").await, 0);

    // Refunded units are no longer refundable.
    let two = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "8"}]}),
    )
    .await;
    assert_eq!(
        two["data"]["refundOrder"]["refund"]["amount"], "81.51",
        "{two}"
    );
    let again = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "3"}], "amount": "1"}),
    )
    .await;
    assert_eq!(field(&again), "input.lines.0.quantity");
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2.00 left to refund"),
        "{again}"
    );
}

#[tokio::test]
async fn another_currency_is_refused() {
    let app = TestApp::spawn().await;
    let order = simple_order(&app, "10").await;
    let id = &order["id"];
    let body = transact(
        &app,
        id,
        json!({"kind": "CAPTURE", "amount": "10", "currency": "USD"}),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(field(&body), "input.currency");
    let same = transact(
        &app,
        id,
        json!({"kind": "CAPTURE", "amount": "10", "currency": "eur"}),
    )
    .await;
    assert!(
        same.get("errors").is_none(),
        "the order's currency in any case: {same}"
    );
    let body = refund(&app, id, json!({"amount": "1", "currency": "GBP"})).await;
    assert_eq!(field(&body), "input.currency", "{body}");
    assert_eq!(money(&figures(&app, id).await)[1], "0.00");
}

#[tokio::test]
async fn ten_concurrent_refunds_never_give_back_more_than_was_captured() {
    let app = TestApp::spawn().await;
    let order = simple_order(&app, "100").await;
    let id = &order["id"];
    capture(&app, id, "100").await;
    let requests: Vec<_> = (0..10)
        .map(|_| app.spawn_admin(REFUND, json!({"id": id, "input": {"amount": "15"}})))
        .collect();
    let mut refunded = 0;
    let mut refused = 0;
    for request in requests {
        let body = request.await.unwrap();
        match error_code(&body) {
            None => refunded += 1,
            Some("BAD_USER_INPUT") => {
                assert_eq!(field(&body), "input.amount");
                refused += 1;
            }
            other => panic!("unexpected {other:?}: {body}"),
        }
    }
    assert_eq!(
        (refunded, refused),
        (6, 4),
        "6 × 15 fit in 100, a 7th does not"
    );
    let after = figures(&app, id).await;
    assert_eq!(money(&after), ["100.00", "90.00", "10.00", "0.00"]);
    assert_eq!(after["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(after["refunds"].as_array().unwrap().len(), 6);
    let events = after["events"].as_array().unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e["kind"] == "REFUND_CREATED")
            .count(),
        6
    );
    // Each refund saw the ones before it.
    let seen: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "REFUND_CREATED")
        .map(|e| e["data"]["refundedAmount"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["15.00", "30.00", "45.00", "60.00", "75.00", "90.00"]);
    assert_eq!(after["version"], 8, "one version per change");
}
