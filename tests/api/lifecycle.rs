//! Order lifecycle (3/6): actions, tracking, admin fields, messages, line edits,
//! versions, events.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::place::{ORDER_FIELDS, add_product, place};

const ACTION: &str = "mutation($id: ID!, $input: OrderActionInput!) { orderAction(id: $id, input: $input) { id status version allowedNextStatuses metadata events { kind fromStatus toStatus note notify actor data } } }";

async fn new_order(app: &TestApp) -> Value {
    place(app, json!({"lines": [{"name": "Widget", "quantity": 2, "price": "10"}, {"name": "Gadget", "quantity": 1, "price": "5"}]})).await
}

async fn action(app: &TestApp, id: &Value, input: Value) -> Value {
    app.gql(
        Some(&app.admin_token()),
        ACTION,
        json!({"id": id, "input": input}),
    )
    .await
}

#[tokio::test]
async fn actions_move_the_status_along_the_workflow() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let body = action(&app, &order["id"], json!({"action": "UPDATE_STATUS", "status": "IN_PROGRESS", "note": "Work has started", "notify": true})).await;
    let moved = &body["data"]["orderAction"];
    assert_eq!(moved["status"], "IN_PROGRESS", "{body}");
    assert_eq!(moved["version"], 2);
    assert_eq!(
        moved["allowedNextStatuses"],
        json!(["ON_HOLD", "SHIPPED", "COMPLETED", "CANCELLED"])
    );
    let event = moved["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(event["kind"], "STATUS_CHANGED");
    assert_eq!(event["fromStatus"], "PENDING");
    assert_eq!(event["toStatus"], "IN_PROGRESS");
    assert_eq!(event["note"], "Work has started");
    assert_eq!(event["notify"], true);
    assert_eq!(event["actor"], "test-admin");

    let done = action(
        &app,
        &order["id"],
        json!({"action": "COMPLETE", "note": "Order delivered successfully"}),
    )
    .await;
    assert_eq!(done["data"]["orderAction"]["status"], "COMPLETED", "{done}");
}

#[tokio::test]
async fn refused_transitions_name_the_allowed_statuses() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    action(
        &app,
        &order["id"],
        json!({"action": "UPDATE_STATUS", "status": "CONFIRMED"}),
    )
    .await;
    let body = action(
        &app,
        &order["id"],
        json!({"action": "UPDATE_STATUS", "status": "DELIVERED"}),
    )
    .await;
    assert_eq!(error_code(&body), Some("INVALID_TRANSITION"), "{body}");
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["allowed"],
        json!([
            "PROCESSING",
            "IN_PROGRESS",
            "ON_HOLD",
            "SHIPPED",
            "CANCELLED"
        ])
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("PROCESSING, IN_PROGRESS, ON_HOLD, SHIPPED, CANCELLED")
    );

    for status in ["PROCESSING", "COMPLETED"] {
        action(
            &app,
            &order["id"],
            json!({"action": "UPDATE_STATUS", "status": status}),
        )
        .await;
    }
    let body = action(&app, &order["id"], json!({"action": "CANCEL"})).await;
    assert_eq!(error_code(&body), Some("INVALID_TRANSITION"));
    assert_eq!(
        body["errors"][0]["extensions"]["allowed"],
        json!(["REFUNDED"])
    );
    let read = app
        .admin(
            "query($id: ID!) { order(id: $id) { status version } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(
        read["order"],
        json!({"status": "COMPLETED", "version": 4}),
        "refusals change nothing"
    );
}

#[tokio::test]
async fn update_metadata_merges_and_null_removes_a_key() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"metadata": {"source": "webform", "campaign_id": "SUMMER2025"},
                                   "lines": [{"name": "x", "quantity": 1, "price": 1}]}),
    )
    .await;
    let body = action(
        &app,
        &order["id"],
        json!({"action": "UPDATE_METADATA", "metadata": {"campaign_id": null, "rating": 5}}),
    )
    .await;
    let updated = &body["data"]["orderAction"];
    assert_eq!(
        updated["metadata"],
        json!({"source": "webform", "rating": 5}),
        "{body}"
    );
    let event = updated["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(event["kind"], "METADATA_UPDATED");
    assert_eq!(
        event["data"]["metadata"]["before"]["campaign_id"],
        "SUMMER2025"
    );
}

#[tokio::test]
async fn tracking_sets_code_url_option_and_may_move_the_status() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    action(
        &app,
        &order["id"],
        json!({"action": "UPDATE_STATUS", "status": "CONFIRMED"}),
    )
    .await;
    let tracked = app
        .admin(
            "mutation($id: ID!) { setOrderTracking(id: $id, input: {code: \"GB-ANG-1293910\", url: \"https://track/GB-ANG-1293910\", shippingOption: \"Royal Mail\", status: SHIPPED, staffNotes: \"Left warehouse\", notify: true}) { status staffNotes tracking { code url shippingOption } allowedNextStatuses events { kind fromStatus toStatus notify } } }",
            json!({"id": order["id"]}),
        )
        .await["setOrderTracking"]
        .clone();
    assert_eq!(tracked["status"], "SHIPPED");
    assert_eq!(tracked["staffNotes"], "Left warehouse");
    assert_eq!(
        tracked["tracking"],
        json!({"code": "GB-ANG-1293910", "url": "https://track/GB-ANG-1293910", "shippingOption": "Royal Mail"})
    );
    let kinds: Vec<&str> = tracked["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "CREATED",
            "STATUS_CHANGED",
            "STATUS_CHANGED",
            "TRACKING_UPDATED",
            // The tracking ships what was left, as a fulfillment.
            "FULFILLMENT_CREATED"
        ]
    );

    // Under the same table: SHIPPED cannot go back to PROCESSING.
    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!) { setOrderTracking(id: $id, input: {code: \"X\", status: PROCESSING}) { status } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("INVALID_TRANSITION"));
}

#[tokio::test]
async fn integration_ref_and_admin_fields_are_set_and_removed() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let with_ref = app
        .admin("mutation($id: ID!) { setOrderIntegrationRef(id: $id, integrationRef: \"BB-0123\") { integrationRef version } }", json!({"id": order["id"]}))
        .await;
    assert_eq!(
        with_ref["setOrderIntegrationRef"],
        json!({"integrationRef": "BB-0123", "version": 2})
    );

    let set = app
        .admin(
            "mutation($id: ID!, $fields: [AdminFieldInput!]!) { setOrderAdminFields(id: $id, fields: $fields) { adminFields { name value } version } }",
            json!({"id": order["id"], "fields": [
                {"name": "Order admin extra field name 1", "value": "Your value here"},
                {"name": "Order admin extra field name 2", "value": "Your value here"}
            ]}),
        )
        .await;
    assert_eq!(
        set["setOrderAdminFields"]["adminFields"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let removed = app
        .admin(
            "mutation($id: ID!, $fields: [AdminFieldInput!]!) { setOrderAdminFields(id: $id, fields: $fields) { adminFields { name value } events { kind data } } }",
            json!({"id": order["id"], "fields": [{"name": "Order admin extra field name 1", "value": null}]}),
        )
        .await["setOrderAdminFields"]
        .clone();
    assert_eq!(
        removed["adminFields"],
        json!([{"name": "Order admin extra field name 2", "value": "Your value here"}])
    );
    let event = removed["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(event["kind"], "ADMIN_FIELDS_UPDATED");
    assert_eq!(
        event["data"]["changes"]["Order admin extra field name 1"],
        json!({"before": "Your value here", "after": null})
    );
}

#[tokio::test]
async fn messages_are_kept_oldest_first_with_their_notify_flag() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    for (text, notify) in [("This is a test message", true), ("Second", false)] {
        app.admin(
            "mutation($id: ID!, $text: String!, $notify: Boolean) { addOrderMessage(id: $id, fromUser: \"demo@b2bwave.com\", text: $text, notify: $notify) { id } }",
            json!({"id": order["id"], "text": text, "notify": notify}),
        )
        .await;
    }
    let read = app
        .admin("query($id: ID!) { order(id: $id) { version messages { fromUser text notify } events { kind notify } } }", json!({"id": order["id"]}))
        .await;
    assert_eq!(
        read["order"]["messages"],
        json!([
            {"fromUser": "demo@b2bwave.com", "text": "This is a test message", "notify": true},
            {"fromUser": "demo@b2bwave.com", "text": "Second", "notify": false}
        ])
    );
    assert_eq!(
        read["order"]["version"], 1,
        "a message does not change the order"
    );
    assert_eq!(
        read["order"]["events"][1],
        json!({"kind": "MESSAGE_ADDED", "notify": true})
    );
}

const CHANGE: &str = "mutation($id: ID!, $input: ChangeOrderLineInput!) { changeOrderLine(orderId: $id, input: $input) { version lines { id name quantity price hasCustomPrice note totalAfterVat } totals { totalBeforeVat grossTotal } } }";
const ADD: &str = "mutation($id: ID!, $input: AddOrderLineInput!) { addOrderLine(orderId: $id, input: $input) { version lines { id name productCode quantity price hasCustomPrice totalAfterVat } totals { grossTotal } } }";
const REMOVE: &str = "mutation($id: ID!, $line: ID!, $v: Int) { removeOrderLine(orderId: $id, lineId: $line, expectedVersion: $v) { removedLineId order { version lines { name } totals { grossTotal } } } }";

#[tokio::test]
async fn seed_003_line_edit_samples_keep_the_totals_right() {
    let app = TestApp::spawn().await;
    add_product(&app, "BOX01", "Box of boxes", "92.00", "0").await;
    add_product(&app, "52214P", "Another Box of Boxes", "30.0", "0").await;
    let order = place(
        &app,
        json!({"lines": [{"productCode": "BOX01", "quantity": 200}]}),
    )
    .await;
    assert_eq!(order["totals"]["grossTotal"], "18400.00");
    let line_id = order["lines"][0]["id"].clone();

    let changed = app
        .admin(CHANGE, json!({"id": order["id"], "input": {"lineId": line_id, "quantity": 20, "note": "Order line notes"}}))
        .await["changeOrderLine"]
        .clone();
    assert_eq!(changed["lines"][0]["quantity"], "20.00");
    assert_eq!(changed["lines"][0]["note"], "Order line notes");
    assert_eq!(changed["lines"][0]["totalAfterVat"], "1840.00");
    assert_eq!(changed["totals"]["grossTotal"], "1840.00");
    assert_eq!(changed["lines"][0]["hasCustomPrice"], false);

    let priced = app
        .admin(CHANGE, json!({"id": order["id"], "input": {"lineId": line_id, "quantity": 20, "price": 100, "note": "Order line notes"}}))
        .await["changeOrderLine"]
        .clone();
    assert_eq!(priced["lines"][0]["price"], "100.00");
    assert_eq!(priced["lines"][0]["hasCustomPrice"], true);
    assert_eq!(priced["totals"]["grossTotal"], "2000.00");

    let added = app
        .admin(
            ADD,
            json!({"id": order["id"], "input": {"line": {"productCode": "52214P", "quantity": 6}}}),
        )
        .await["addOrderLine"]
        .clone();
    let new_line = added["lines"][1].clone();
    assert_eq!(new_line["name"], "Another Box of Boxes");
    assert_eq!(new_line["totalAfterVat"], "180.00");
    assert_eq!(new_line["hasCustomPrice"], false);
    assert_eq!(added["totals"]["grossTotal"], "2180.00");

    let removed = app
        .admin(REMOVE, json!({"id": order["id"], "line": new_line["id"]}))
        .await["removeOrderLine"]
        .clone();
    assert_eq!(removed["removedLineId"], new_line["id"]);
    assert_eq!(removed["order"]["totals"]["grossTotal"], "2000.00");
    assert_eq!(removed["order"]["lines"], json!([{"name": "Box of boxes"}]));
    assert_eq!(removed["order"]["version"], 5);
}

#[tokio::test]
async fn an_added_line_with_a_price_is_custom_priced() {
    let app = TestApp::spawn().await;
    add_product(&app, "P", "Product", "30.0", "0").await;
    let order = new_order(&app).await;
    let added = app
        .admin(ADD, json!({"id": order["id"], "input": {"line": {"productCode": "P", "quantity": 1, "price": "25"}}}))
        .await["addOrderLine"]
        .clone();
    assert_eq!(added["lines"][2]["hasCustomPrice"], true);
    assert_eq!(added["totals"]["grossTotal"], "50.00");
}

#[tokio::test]
async fn the_last_line_cannot_be_removed_and_shipped_orders_keep_their_lines() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "only", "quantity": 1, "price": 1}]}),
    )
    .await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            REMOVE,
            json!({"id": order["id"], "line": order["lines"][0]["id"]}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cancel the order instead"),
        "{body}"
    );

    let order = new_order(&app).await;
    for status in ["CONFIRMED", "SHIPPED"] {
        action(
            &app,
            &order["id"],
            json!({"action": "UPDATE_STATUS", "status": status}),
        )
        .await;
    }
    let attempts = [
        app.gql(
            Some(&app.admin_token()),
            CHANGE,
            json!({"id": order["id"], "input": {"lineId": order["lines"][0]["id"], "quantity": 5}}),
        )
        .await,
        app.gql(
            Some(&app.admin_token()),
            ADD,
            json!({"id": order["id"], "input": {"line": {"name": "n", "quantity": 1, "price": 1}}}),
        )
        .await,
        app.gql(
            Some(&app.admin_token()),
            REMOVE,
            json!({"id": order["id"], "line": order["lines"][0]["id"]}),
        )
        .await,
    ];
    for body in attempts {
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("SHIPPED")
        );
    }
    let read = app
        .admin(
            "query($id: ID!) { order(id: $id) { version lines { quantity } } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(read["order"]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(read["order"]["version"], 3);
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    action(
        &app,
        &order["id"],
        json!({"action": "UPDATE_STATUS", "status": "CONFIRMED"}),
    )
    .await;
    let body = action(
        &app,
        &order["id"],
        json!({"action": "CANCEL", "expectedVersion": 1}),
    )
    .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let body = app
        .gql(Some(&app.admin_token()), CHANGE, json!({"id": order["id"], "input": {"lineId": order["lines"][0]["id"], "quantity": 9, "expectedVersion": 1}}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    let read = app
        .admin(
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"),
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(read["order"]["status"], "CONFIRMED");
    assert_eq!(read["order"]["lines"][0]["quantity"], "2.00");
    assert_eq!(read["order"]["version"], 2);
    assert_eq!(read["order"]["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fifty_concurrent_edits_with_one_expected_version_give_one_success() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let input =
            json!({"lineId": order["lines"][0]["id"], "quantity": 3 + i, "expectedVersion": 1});
        tasks.push(app.spawn_admin(CHANGE, json!({"id": order["id"], "input": input})));
    }
    let (mut ok, mut conflicts) = (0, 0);
    for task in tasks {
        let body = task.await.unwrap();
        match error_code(&body) {
            None => ok += 1,
            Some("CONFLICT") => conflicts += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 49));
    let read = app
        .admin(
            "query($id: ID!) { order(id: $id) { version events { kind } } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(read["order"]["version"], 2);
    assert_eq!(read["order"]["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_line_edits_without_versions_all_apply_and_totals_add_up() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({"lines": [{"name": "base", "quantity": 1, "price": "1.10", "vatPercentage": "7.25"}]})).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let line = json!({"name": format!("line {i}"), "quantity": i + 1, "price": "2.35", "vatPercentage": "7.25"});
        tasks.push(app.spawn_admin(ADD, json!({"id": order["id"], "input": {"line": line}})));
    }
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    let read = app
        .admin("query($id: ID!) { order(id: $id) { version lines { position totalBeforeVat quantity price vatPercentage } totals { totalBeforeVat totalVat grossTotal totalQuantity } } }", json!({"id": order["id"]}))
        .await;
    let order = &read["order"];
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 21, "every addition applied once");
    assert_eq!(order["version"], 21);
    let mut positions: Vec<i64> = lines
        .iter()
        .map(|l| l["position"].as_i64().unwrap())
        .collect();
    positions.dedup();
    assert_eq!(positions.len(), 21, "positions are distinct");
    // Σ quantity = 1 + (1 + ... + 20) = 211; Σ before VAT = 1.10 + 2.35 × 210 = 494.60.
    assert_eq!(order["totals"]["totalQuantity"], "211.00");
    assert_eq!(order["totals"]["totalBeforeVat"], "494.60");
    assert_eq!(order["totals"]["totalVat"], "35.8585");
    assert_eq!(order["totals"]["grossTotal"], "530.4585");
}

#[tokio::test]
async fn twenty_concurrent_changes_of_one_line_are_serialised() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let mut tasks = Vec::new();
    for i in 1..=20 {
        let input = json!({"lineId": order["lines"][0]["id"], "quantity": i});
        tasks.push(app.spawn_admin(CHANGE, json!({"id": order["id"], "input": input})));
    }
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    let read = app
        .admin("query($id: ID!) { order(id: $id) { lines { quantity totalAfterVat } totals { grossTotal } events { kind } } }", json!({"id": order["id"]}))
        .await;
    let lines = read["order"]["lines"].as_array().unwrap();
    let quantity: f64 = lines[0]["quantity"].as_str().unwrap().parse().unwrap();
    let expected_total = format!("{:.2}", quantity * 10.0 + 5.0);
    assert_eq!(
        read["order"]["totals"]["grossTotal"],
        expected_total.as_str(),
        "totals equal the lines"
    );
    let changes = read["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "LINE_CHANGED")
        .count();
    assert!(
        changes >= 19,
        "every change that changed something was recorded: {changes}"
    );
}

#[tokio::test]
async fn a_scenario_history_lists_every_event_kind_in_order() {
    let app = TestApp::spawn().await;
    let order = new_order(&app).await;
    let id = order["id"].clone();
    let line = order["lines"][1]["id"].clone();
    action(
        &app,
        &id,
        json!({"action": "UPDATE_STATUS", "status": "CONFIRMED"}),
    )
    .await;
    action(
        &app,
        &id,
        json!({"action": "UPDATE_METADATA", "metadata": {"k": "v"}}),
    )
    .await;
    app.admin(
        ADD,
        json!({"id": id, "input": {"line": {"name": "extra", "quantity": 1, "price": 1}}}),
    )
    .await;
    app.admin(
        CHANGE,
        json!({"id": id, "input": {"lineId": line, "quantity": 4}}),
    )
    .await;
    app.admin(REMOVE, json!({"id": id, "line": line})).await;
    app.admin(
        "mutation($id: ID!) { setOrderIntegrationRef(id: $id, integrationRef: \"ERP-1\") { id } }",
        json!({"id": id}),
    )
    .await;
    app.admin("mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"a\", value: \"b\"}]) { id } }", json!({"id": id})).await;
    app.admin(
        "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"x\", text: \"hi\") { id } }",
        json!({"id": id}),
    )
    .await;
    app.admin("mutation($id: ID!) { setOrderTracking(id: $id, input: {code: \"T1\", status: SHIPPED}) { id } }", json!({"id": id})).await;
    action(
        &app,
        &id,
        json!({"action": "UPDATE_STATUS", "status": "DELIVERED"}),
    )
    .await;
    action(&app, &id, json!({"action": "COMPLETE"})).await;
    action(
        &app,
        &id,
        json!({"action": "UPDATE_STATUS", "status": "REFUNDED"}),
    )
    .await;

    let read = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { id kind fromStatus toStatus } } }",
            json!({"id": id}),
        )
        .await;
    let events = read["order"]["events"].as_array().unwrap();
    let summary: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {}>{}",
                e["kind"].as_str().unwrap(),
                e["fromStatus"].as_str().unwrap_or("-"),
                e["toStatus"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "CREATED ->PENDING",
            "STATUS_CHANGED PENDING>CONFIRMED",
            "METADATA_UPDATED ->-",
            "LINE_ADDED ->-",
            "LINE_CHANGED ->-",
            "LINE_REMOVED ->-",
            "INTEGRATION_REF_UPDATED ->-",
            "ADMIN_FIELDS_UPDATED ->-",
            "MESSAGE_ADDED ->-",
            "STATUS_CHANGED CONFIRMED>SHIPPED",
            "TRACKING_UPDATED ->-",
            "FULFILLMENT_CREATED ->-",
            "STATUS_CHANGED SHIPPED>DELIVERED",
            "STATUS_CHANGED DELIVERED>COMPLETED",
            "STATUS_CHANGED COMPLETED>REFUNDED",
        ]
    );
    let ids: Vec<i64> = events
        .iter()
        .map(|e| crate::helpers::database_id(&e["id"]))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first by id");
}

#[tokio::test]
async fn unknown_orders_and_lines_are_not_found() {
    let app = TestApp::spawn().await;
    let body = action(&app, &json!("99999"), json!({"action": "CANCEL"})).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    let order = new_order(&app).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            CHANGE,
            json!({"id": order["id"], "input": {"lineId": "99999", "quantity": 1}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}
