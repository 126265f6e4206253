//! The rules around the money: who may move it (customers never) and what a
//! customer sees of it, a provider's report sent twice, authorizations with
//! their captures and voids, failed attempts, and refunded units that stay on
//! the order.

use ordergraph::auth::Role;
use serde_json::json;

use super::{REFUND, TRANSACTION, capture, field, figures, money, refund, simple_order, transact};
use crate::helpers::{TestApp, error_code};
use crate::place::place;

#[tokio::test]
async fn customers_may_not_move_money_and_see_their_payments_without_gateway_internals() {
    let app = TestApp::spawn().await;
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"cy@example.com\"}) { id databaseId } }",
            json!({}),
        )
        .await["upsertCustomer"]
        .clone();
    let order = place(
        &app,
        json!({"customerId": customer["id"], "lines": [{"name": "Thing", "quantity": 1, "price": "30"}]}),
    )
    .await;
    let id = &order["id"];
    let own: i64 = customer["databaseId"].as_str().unwrap().parse().unwrap();
    let token = app.token(Role::Customer, Some(own));
    for (query, input) in [
        (TRANSACTION, json!({"kind": "CAPTURE", "amount": "30"})),
        (REFUND, json!({"amount": "1"})),
    ] {
        let body = app
            .gql(Some(&token), query, json!({"id": id, "input": input}))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    assert_eq!(app.count("payment_transactions").await, 0);

    // An integration reports what its payment provider did.
    let integration = app.token(Role::Integration, None);
    let body = app
        .gql(
            Some(&integration),
            TRANSACTION,
            json!({"id": id, "input": {"kind": "CAPTURE", "amount": "30", "gateway": "stripe", "reference": "ch_1"}}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = app
        .gql(
            Some(&integration),
            REFUND,
            json!({"id": id, "input": {"amount": "5", "gateway": "stripe", "reference": "re_1"}}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let read = app
        .gql(
            Some(&token),
            "query($id: ID!) { order(id: $id) { financialStatus totals { paidAmount refundedAmount }
                transactions { kind amount method } refunds { amount } events { kind data } } }",
            json!({"id": id}),
        )
        .await;
    assert!(read.get("errors").is_none(), "{read}");
    let seen = &read["data"]["order"];
    assert_eq!(seen["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(seen["totals"]["refundedAmount"], "5.00");
    assert_eq!(seen["transactions"][1]["kind"], "REFUND");
    assert_eq!(seen["refunds"][0]["amount"], "5.00");
    for event in seen["events"].as_array().unwrap() {
        let text = event["data"].to_string();
        assert!(
            !text.contains("stripe") && !text.contains("ch_1") && !text.contains("re_1"),
            "no gateway internals in what a customer sees: {event}"
        );
    }
    for internal in ["gateway", "reference", "actor"] {
        let body = app
            .gql(
                Some(&token),
                &format!(
                    "query($id: ID!) {{ order(id: $id) {{ transactions {{ kind {internal} }} }} }}"
                ),
                json!({"id": id}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{internal}: {body}");
        assert!(body["data"]["order"]["transactions"][0][internal].is_null());
    }
    let staff = app.token(Role::Staff, None);
    let body = app
        .gql(
            Some(&staff),
            "query($id: ID!) { order(id: $id) { transactions { gateway reference actor } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        body["data"]["order"]["transactions"][0],
        json!({"gateway": "stripe", "reference": "ch_1", "actor": "test-integration"})
    );
}

#[tokio::test]
async fn a_providers_report_sent_again_is_recorded_once() {
    let app = TestApp::spawn().await;
    let order = simple_order(&app, "50").await;
    let id = &order["id"];
    let report = json!({"kind": "CAPTURE", "amount": "50", "gateway": "stripe", "reference": "pi_42",
                        "method": "creditcard", "processedAt": "2026-12-01T10:00:00Z"});
    let first = transact(&app, id, report.clone()).await;
    assert_eq!(
        first["data"]["createOrderTransaction"]["created"], true,
        "{first}"
    );
    let again = transact(&app, id, report.clone()).await;
    assert!(again.get("errors").is_none(), "{again}");
    let again = &again["data"]["createOrderTransaction"];
    assert_eq!(again["created"], false);
    assert_eq!(
        again["transaction"]["id"],
        first["data"]["createOrderTransaction"]["transaction"]["id"]
    );
    let after = figures(&app, id).await;
    assert_eq!(money(&after)[0], "50.00", "captured once");
    assert_eq!(after["transactions"].as_array().unwrap().len(), 1);
    assert_eq!(after["version"], 2);

    // The same reference for another amount or order is not the same report.
    let mut changed = report.clone();
    changed["amount"] = json!("40");
    assert_eq!(
        error_code(&transact(&app, id, changed).await),
        Some("CONFLICT")
    );
    let other = simple_order(&app, "50").await;
    assert_eq!(
        error_code(&transact(&app, &other["id"], report.clone()).await),
        Some("CONFLICT")
    );
    let mut shouted = report.clone();
    shouted["gateway"] = json!("STRIPE");
    let body = transact(&app, id, shouted).await;
    assert_eq!(
        body["data"]["createOrderTransaction"]["created"], false,
        "one gateway: {body}"
    );
    // Another gateway's reference is another transaction.
    let mut elsewhere = report.clone();
    elsewhere["gateway"] = json!("adyen");
    let body = transact(&app, &other["id"], elsewhere).await;
    assert!(body.get("errors").is_none(), "{body}");

    // A refund reported twice gives back once.
    let refund_report = json!({"amount": "20", "gateway": "stripe", "reference": "re_7"});
    let first = refund(&app, id, refund_report.clone()).await;
    let second = refund(&app, id, refund_report).await;
    assert_eq!(second["data"]["refundOrder"]["created"], false, "{second}");
    assert_eq!(
        second["data"]["refundOrder"]["refund"]["id"],
        first["data"]["refundOrder"]["refund"]["id"]
    );
    assert_eq!(money(&figures(&app, id).await)[1], "20.00");

    // A time in the future is refused.
    let body = transact(
        &app,
        &other["id"],
        json!({"kind": "AUTHORIZATION", "amount": "1", "processedAt": "2999-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(field(&body), "input.processedAt", "{body}");
}

#[tokio::test]
async fn authorizations_are_captured_or_voided_within_their_amount() {
    let app = TestApp::spawn().await;
    let order = simple_order(&app, "100").await;
    let id = &order["id"];
    let too_much = transact(
        &app,
        id,
        json!({"kind": "AUTHORIZATION", "amount": "100.01"}),
    )
    .await;
    assert_eq!(field(&too_much), "input.amount", "{too_much}");
    let body = transact(&app, id, json!({"kind": "AUTHORIZATION", "amount": "100", "reference": "auth_1", "gateway": "stripe"})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let authorized = figures(&app, id).await;
    assert_eq!(authorized["financialStatus"], "AUTHORIZED");
    assert_eq!(authorized["totals"]["authorizedAmount"], "100.00");
    assert_eq!(authorized["paymentStatus"], "PENDING");

    // The capture shares the provider's payment id: another kind.
    let over = transact(&app, id, json!({"kind": "CAPTURE", "amount": "100.01"})).await;
    assert_eq!(field(&over), "input.amount");
    let body = transact(
        &app,
        id,
        json!({"kind": "CAPTURE", "amount": "60", "reference": "auth_1", "gateway": "stripe"}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let partly = figures(&app, id).await;
    assert_eq!(partly["financialStatus"], "PARTIALLY_PAID");
    assert_eq!(partly["totals"]["authorizedAmount"], "40.00");
    assert_eq!(money(&partly), ["60.00", "0.00", "100.00", "40.00"]);

    let part = transact(&app, id, json!({"kind": "VOID", "amount": "10"})).await;
    assert_eq!(field(&part), "input.amount", "a void releases all: {part}");
    let void = transact(&app, id, json!({"kind": "VOID"})).await;
    assert_eq!(
        void["data"]["createOrderTransaction"]["transaction"]["amount"], "40.00",
        "{void}"
    );
    let after = figures(&app, id).await;
    assert_eq!(after["totals"]["authorizedAmount"], "0.00");
    assert_eq!(after["financialStatus"], "PARTIALLY_PAID");
    let again = transact(&app, id, json!({"kind": "VOID"})).await;
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no open authorization"),
        "{again}"
    );
    let refund_kind = transact(&app, id, json!({"kind": "REFUND", "amount": "1"})).await;
    assert_eq!(field(&refund_kind), "input.kind");

    // A declined attempt is kept and counts for nothing.
    let fresh = simple_order(&app, "20").await;
    let declined = transact(
        &app,
        &fresh["id"],
        json!({"kind": "CAPTURE", "status": "FAILURE", "amount": "20"}),
    )
    .await;
    assert!(declined.get("errors").is_none(), "{declined}");
    let failed = figures(&app, &fresh["id"]).await;
    assert_eq!(failed["financialStatus"], "PENDING");
    assert_eq!(failed["paymentStatus"], "FAILED");
    assert_eq!(money(&failed), ["0.00", "0.00", "20.00", "20.00"]);
    let voided = simple_order(&app, "20").await;
    transact(
        &app,
        &voided["id"],
        json!({"kind": "AUTHORIZATION", "amount": "20"}),
    )
    .await;
    transact(&app, &voided["id"], json!({"kind": "VOID"})).await;
    assert_eq!(
        figures(&app, &voided["id"]).await["financialStatus"],
        "VOIDED"
    );
}

#[tokio::test]
async fn refunded_units_stay_on_the_order() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "A", "quantity": 3, "price": "10"}, {"name": "B", "quantity": 1, "price": "5"}]}),
    )
    .await;
    let id = &order["id"];
    let line = &order["lines"][0]["id"];
    capture(&app, id, "35").await;
    let body = refund(
        &app,
        id,
        json!({"lines": [{"lineId": line, "quantity": "2"}]}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let fewer = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!, $line: ID!) { changeOrderLine(orderId: $id, input: {lineId: $line, quantity: \"1\"}) { id } }",
            json!({"id": id, "line": line}),
        )
        .await;
    assert_eq!(field(&fewer), "input.quantity", "{fewer}");
    let removed = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!, $line: ID!) { removeOrderLine(orderId: $id, lineId: $line) { removedLineId } }",
            json!({"id": id, "line": line}),
        )
        .await;
    assert_eq!(field(&removed), "lineId", "{removed}");
    // Adding units to it is fine: the order then costs more.
    app.admin(
        "mutation($id: ID!, $line: ID!) { changeOrderLine(orderId: $id, input: {lineId: $line, quantity: \"4\"}) { id } }",
        json!({"id": id, "line": line}),
    )
    .await;
    let after = figures(&app, id).await;
    assert_eq!(money(&after), ["35.00", "20.00", "25.00", "10.00"]);
    assert_eq!(after["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(after["paymentStatus"], "PAID");
}
