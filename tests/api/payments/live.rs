//! Payment events where they go: `orderEvents` subscribers (staff and the
//! order's customer, who sees no gateway internals), webhook endpoints and
//! the refund e-mail; and nested payment fields of a page of orders loaded
//! in the same few statements whatever the page's size.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ordergraph::auth::Role;
use serde_json::{Value, json};

use super::{TRANSACTION, capture, refund, simple_order};
use crate::helpers::{TestApp, WsClient};
use crate::place::place;

const EVENTS: &str = "subscription($order: ID) { orderEvents(orderId: $order, kinds: [TRANSACTION_RECORDED, REFUND_CREATED, STATUS_CHANGED]) { kind toStatus note data } }";

/// The next `n` `orderEvents` payloads on `ws`.
async fn take(ws: &mut WsClient, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let message = ws.next_json().await;
        assert_eq!(message["type"], "next", "{message}");
        out.push(message["payload"]["data"]["orderEvents"].clone());
    }
    out
}

#[tokio::test]
async fn payment_events_reach_staff_and_customer_subscribers() {
    let app = TestApp::spawn().await;
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"sub@example.com\"}) { id databaseId } }",
            json!({}),
        )
        .await["upsertCustomer"]
        .clone();
    let order = place(
        &app,
        json!({"customerId": customer["id"], "lines": [{"name": "Thing", "quantity": 2, "price": "12.50"}]}),
    )
    .await;
    let id = &order["id"];
    let own: i64 = customer["databaseId"].as_str().unwrap().parse().unwrap();
    let mut staff = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.admin_token()),
        )
        .await;
    let mut buyer = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.token(Role::Customer, Some(own))),
        )
        .await;
    for ws in [&mut staff, &mut buyer] {
        ws.send(json!({"id": "p", "type": "subscribe", "payload": {"query": EVENTS, "variables": {"order": id}}}))
            .await;
    }
    app.until_subscriptions(2).await;

    app.admin(
        TRANSACTION,
        json!({"id": id, "input": {"kind": "CAPTURE", "amount": "25", "gateway": "stripe", "reference": "ch_9"}}),
    )
    .await;
    let body = refund(&app, id, json!({"lines": [{"lineId": order["lines"][0]["id"], "quantity": "1"}], "note": "One was broken"})).await;
    assert!(body.get("errors").is_none(), "{body}");

    for ws in [&mut staff, &mut buyer] {
        let got = take(ws, 2).await;
        assert_eq!(got[0]["kind"], "TRANSACTION_RECORDED");
        assert_eq!(got[0]["data"]["kind"], "CAPTURE");
        assert_eq!(got[0]["data"]["amount"], "25.00");
        assert_eq!(got[0]["data"]["financialStatus"], "PAID");
        assert_eq!(got[1]["kind"], "REFUND_CREATED");
        assert_eq!(got[1]["note"], "One was broken");
        assert_eq!(got[1]["data"]["amount"], "12.50");
        assert_eq!(got[1]["data"]["refundedAmount"], "12.50");
        assert_eq!(got[1]["data"]["outstandingAmount"], "0.00");
        assert_eq!(got[1]["data"]["lines"][0]["quantity"], "1.00");
        let text = json!(got).to_string();
        assert!(!text.contains("stripe") && !text.contains("ch_9"), "{text}");
    }
}

const DELIVERIES: &str = "query($id: ID!) { order(id: $id) { deliveries { channel state template payload email { subject textBody } } } }";

/// The order's deliveries once `done` holds (within 15 s).
async fn deliveries_until(
    app: &TestApp,
    id: &Value,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = app.admin(DELIVERIES, json!({"id": id})).await["order"]["deliveries"]
            .as_array()
            .unwrap()
            .clone();
        if done(&rows) {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries did not settle: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn payment_events_reach_webhooks_and_a_notified_refund_e_mails_the_customer() {
    let app = TestApp::spawn().await;
    app.admin(
        "mutation { createWebhookEndpoint(input: {url: \"https://hooks.example.invalid/pay\", kinds: [TRANSACTION_RECORDED, REFUND_CREATED]}) { endpoint { id } } }",
        json!({}),
    )
    .await;
    let order = simple_order(&app, "40").await;
    let id = &order["id"];
    capture(&app, id, "40").await;
    let body = refund(
        &app,
        id,
        json!({"amount": "5", "notify": true, "note": "Late delivery"}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");

    let rows = deliveries_until(&app, id, |rows| {
        rows.iter()
            .any(|d| d["channel"] == "EMAIL" && d["email"].is_object())
    })
    .await;
    let webhooks: Vec<&Value> = rows.iter().filter(|d| d["channel"] == "WEBHOOK").collect();
    assert_eq!(webhooks.len(), 2, "{rows:#?}");
    assert_eq!(webhooks[0]["payload"]["type"], "order.transaction_recorded");
    assert_eq!(webhooks[1]["payload"]["type"], "order.refund_created");
    let sent = &webhooks[1]["payload"]["data"];
    assert_eq!(sent["event"]["data"]["amount"], "5.00");
    assert_eq!(sent["order"]["financialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(sent["order"]["totals"]["refundedAmount"], "5.00");
    assert_eq!(sent["order"]["totals"]["currentTotal"], "35.00");
    assert_eq!(sent["order"]["totals"]["outstandingAmount"], "0.00");

    let email = rows.iter().find(|d| d["channel"] == "EMAIL").unwrap();
    assert_eq!(email["template"], "REFUND_CREATED");
    assert_eq!(email["state"], "KEPT", "no SMTP_URL: kept");
    let subject = email["email"]["subject"].as_str().unwrap();
    assert_eq!(
        subject,
        format!(
            "We refunded 5.00 EUR for your order {}",
            order["number"].as_str().unwrap()
        )
    );
    let text = email["email"]["textBody"].as_str().unwrap();
    assert!(
        text.contains("Late delivery") && text.contains("Refunded in all: 5.00 EUR"),
        "{text}"
    );
}

const PAGE: &str = "query($n: Int!) { orders(first: $n) { nodes { id financialStatus
    totals { paidAmount refundedAmount currentTotal outstandingAmount }
    lines { id refundedQuantity }
    transactions { id kind amount }
    refunds { id amount lines { quantity amount } transaction { id } } } } }";

#[tokio::test]
async fn nested_payments_load_in_the_same_few_statements_for_3_or_12_orders() {
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = (0..12)
        .map(|i| {
            json!({"source": "load", "externalId": format!("P{i}"), "paymentStatus": "PAID",
                   "lines": [{"name": "a", "quantity": 2, "price": "5"}]})
        })
        .collect();
    let imported = app
        .admin(
            "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { results { order { id lines { id } } } } }",
            json!({"input": {"source": "load", "orders": orders}}),
        )
        .await;
    for result in imported["importOrders"]["results"].as_array().unwrap() {
        let order = &result["order"];
        let body = refund(
            &app,
            &order["id"],
            json!({"lines": [{"lineId": order["lines"][0]["id"], "quantity": "1"}]}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let mut counts = Vec::new();
    for n in [3, 12] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.admin(PAGE, json!({"n": n})).await;
        counts.push(app.statements.load(Ordering::SeqCst) - before);
        let nodes = data["orders"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        for node in nodes {
            assert_eq!(node["financialStatus"], "PARTIALLY_REFUNDED");
            assert_eq!(node["lines"][0]["refundedQuantity"], "1.00");
            assert_eq!(node["transactions"].as_array().unwrap().len(), 2);
            assert_eq!(node["refunds"][0]["lines"][0]["amount"], "5.00");
        }
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 3 and 12 orders: {counts:?}"
    );
}
