//! updateOrder: addresses, contact, notes, staff notes and metadata of an
//! existing order, with versions, one event of exactly what changed, shared
//! address rows left alone, search following the edit, the access rules per
//! role, and the events reaching subscribers and webhooks.

use std::time::Duration;

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, database_id, error_code};
use crate::peers::WebhookReceiver;

const UPDATE: &str =
    "mutation($id: ID!, $input: UpdateOrderInput!) { updateOrder(id: $id, input: $input) {
    id version status customerEmail customerName notes metadata
    shippingAddress { id name address1 postalCode city country email }
    billingAddress { id name address1 postalCode city }
    events { kind actor data } } }";

const READ: &str =
    "query($id: ID!) { order(id: $id) { version customerEmail customerName notes staffNotes
    shippingAddress { id address1 postalCode }
    events { kind data } } }";

async fn place(app: &TestApp, extra: Value) -> Value {
    let mut input = json!({
        "customerEmail": "ann@example.com",
        "customerName": "Ann Buyer",
        "notes": "Leave at the door",
        "shippingAddress": {"name": "Ann Buyer", "address1": "Main Street 1", "postalCode": "1012AB", "city": "Amsterdam", "country": "NL"},
        "lines": [{"name": "Coffee", "quantity": 1, "price": "9.50"}]
    });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            input.insert(key.clone(), value.clone());
        }
    }
    app.admin(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id version customer { id }
            shippingAddress { id } billingAddress { id } } }",
        json!({ "input": input }),
    )
    .await["placeOrder"]
        .clone()
}

async fn update_as(app: &TestApp, token: &str, id: &Value, input: Value) -> Value {
    app.gql(Some(token), UPDATE, json!({"id": id, "input": input}))
        .await
}

async fn update(app: &TestApp, id: &Value, input: Value) -> Value {
    app.admin(UPDATE, json!({"id": id, "input": input})).await["updateOrder"].clone()
}

async fn read(app: &TestApp, id: &Value) -> Value {
    app.admin(READ, json!({"id": id})).await["order"].clone()
}

fn kinds(order: &Value) -> Vec<String> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn move_to(app: &TestApp, id: &Value, status: &str) {
    app.admin(
        "mutation($id: ID!, $s: OrderStatus) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: $s}) { id } }",
        json!({"id": id, "s": status}),
    )
    .await;
}

#[tokio::test]
async fn an_address_edit_with_a_stale_version_is_a_conflict_naming_the_current_version() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    assert_eq!(order["version"], 1);
    let first = update(
        &app,
        &order["id"],
        json!({"shippingAddress": {"address1": "Canal 2", "postalCode": "1013CD", "city": "Amsterdam", "country": "NL"},
               "expectedVersion": 1}),
    )
    .await;
    assert_eq!(first["version"], 2);
    assert_eq!(first["shippingAddress"]["address1"], "Canal 2");

    let stale = update_as(
        &app,
        &app.admin_token(),
        &order["id"],
        json!({"shippingAddress": {"address1": "Dam 3", "city": "Amsterdam"}, "expectedVersion": 1}),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    let now = read(&app, &order["id"]).await;
    assert_eq!(now["version"], 2, "the stale edit wrote nothing");
    assert_eq!(now["shippingAddress"]["address1"], "Canal 2");
    assert_eq!(
        kinds(&now)
            .iter()
            .filter(|k| *k == "DETAILS_UPDATED")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_edit_records_one_event_with_before_and_after_of_exactly_the_changed_fields() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"metadata": {"channel": "web", "campaign": "spring"}}),
    )
    .await;
    let old_address = order["shippingAddress"]["id"].clone();
    let updated = update(
        &app,
        &order["id"],
        json!({
            "shippingAddress": {"name": "Ann Buyer", "address1": "Main Street 1", "postalCode": "1012 XY", "city": "Amsterdam", "country": "nl"},
            "customerName": "  Ann Buyer ",
            "customerEmail": "Ann.New@Example.com",
            "notes": "Ring twice",
            "metadata": {"campaign": null, "gift": true}
        }),
    )
    .await;
    assert_eq!(updated["version"], 2, "one bump for the whole edit");
    assert_eq!(updated["customerEmail"], "ann.new@example.com");
    assert_eq!(updated["customerName"], "Ann Buyer");
    assert_eq!(updated["notes"], "Ring twice");
    assert_eq!(updated["metadata"], json!({"channel": "web", "gift": true}));
    assert_eq!(updated["shippingAddress"]["postalCode"], "1012 XY");
    assert_eq!(updated["shippingAddress"]["country"], "NL");
    assert_ne!(updated["shippingAddress"]["id"], old_address);

    let events = updated["events"].as_array().unwrap();
    let details: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "DETAILS_UPDATED")
        .collect();
    assert_eq!(details.len(), 1, "{events:#?}");
    assert_eq!(details[0]["actor"], "test-admin");
    let data = details[0]["data"].as_object().unwrap();
    let mut fields: Vec<&str> = data.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["customerEmail", "metadata", "notes", "shippingAddress"],
        "the name was sent unchanged (only padded), so it is not a change"
    );
    assert_eq!(
        data["customerEmail"],
        json!({"before": "ann@example.com", "after": "ann.new@example.com"})
    );
    assert_eq!(
        data["notes"],
        json!({"before": "Leave at the door", "after": "Ring twice"})
    );
    assert_eq!(
        data["metadata"],
        json!({"before": {"channel": "web", "campaign": "spring"}, "after": {"channel": "web", "gift": true}})
    );
    let address = &data["shippingAddress"];
    assert_eq!(address["before"]["postalCode"], "1012AB");
    assert_eq!(address["after"]["postalCode"], "1012 XY");
    assert_eq!(address["before"]["id"], old_address);
    assert_eq!(address["after"]["id"], updated["shippingAddress"]["id"]);
}

#[tokio::test]
async fn an_edit_that_changes_nothing_writes_no_event_and_keeps_the_version() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    let same = update(
        &app,
        &order["id"],
        json!({
            "shippingAddress": {"name": "Ann Buyer", "address1": " Main Street 1 ", "postalCode": "1012AB", "city": "Amsterdam", "country": "nl"},
            "customerEmail": "ANN@example.com",
            "customerName": "Ann Buyer",
            "notes": "Leave at the door",
            "metadata": {"absent": null},
            "expectedVersion": 1
        }),
    )
    .await;
    assert_eq!(same["version"], 1);
    assert_eq!(
        same["shippingAddress"]["id"],
        order["shippingAddress"]["id"]
    );
    assert_eq!(kinds(&same), ["CREATED"]);
    assert_eq!(app.count("addressbooks").await, 1, "no new address row");
}

#[tokio::test]
async fn a_new_address_leaves_another_order_sharing_the_old_row_untouched() {
    let app = TestApp::spawn().await;
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"b2b@example.com\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    let saved = app
        .admin(
            "mutation($id: ID!) { addCustomerAddress(customerId: $id, input: {name: \"HQ\", address1: \"Payne Ave 4290\", postalCode: \"95117\", city: \"San Jose\", country: \"US\"}) { id } }",
            json!({"id": customer}),
        )
        .await["addCustomerAddress"]["id"]
        .clone();
    let both = json!({"customerId": customer, "customerEmail": null, "shippingAddress": {"id": saved}, "billingAddress": {"id": saved}});
    let a = place(&app, both.clone()).await;
    let b = place(&app, both).await;
    assert_eq!(a["shippingAddress"]["id"], saved);
    assert_eq!(b["shippingAddress"]["id"], saved);

    let edited = update(
        &app,
        &a["id"],
        json!({"shippingAddress": {"name": "HQ", "address1": "Payne Ave 4290", "postalCode": "95118", "city": "San Jose", "country": "US"}}),
    )
    .await;
    assert_eq!(edited["shippingAddress"]["postalCode"], "95118");
    assert_ne!(edited["shippingAddress"]["id"], saved);
    assert_eq!(
        edited["billingAddress"]["id"], saved,
        "the billing address was not asked to change"
    );
    assert_eq!(
        edited["billingAddress"]["postalCode"], "95117",
        "the shared row was not changed in place"
    );
    let other = read(&app, &b["id"]).await;
    assert_eq!(other["shippingAddress"]["id"], saved);
    assert_eq!(other["shippingAddress"]["postalCode"], "95117");
    assert_eq!(other["version"], 1);
    let book = app
        .admin(
            "query($id: ID!) { customer(id: $id) { addressbooks { id postalCode } } }",
            json!({"id": customer}),
        )
        .await["customer"]["addressbooks"]
        .clone();
    assert_eq!(book[0], json!({"id": saved, "postalCode": "95117"}));

    // Naming a saved address switches to it without copying it.
    let back = update(&app, &a["id"], json!({"shippingAddress": {"id": saved}})).await;
    assert_eq!(back["shippingAddress"]["id"], saved);
}

#[tokio::test]
async fn order_search_follows_the_edited_name_email_and_billing_address() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    update(
        &app,
        &order["id"],
        json!({"customerName": "Zebulon Quux", "customerEmail": "zq@example.org",
               "billingAddress": {"name": "Invoices Dept", "city": "Rotterdam"}}),
    )
    .await;
    let search = |term: &'static str| {
        let app = &app;
        async move {
            app.admin(
                "query($s: String) { orders(filter: {search: $s}) { totalCount } }",
                json!({ "s": term }),
            )
            .await["orders"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(search("zebulon").await, 1);
    assert_eq!(search("zq@example.org").await, 1);
    assert_eq!(search("invoices dept").await, 1);
    assert_eq!(search("rotterdam").await, 1, "the billing city counts");
    assert_eq!(search("ann@example.com").await, 0, "the old e-mail is gone");
    assert_eq!(search("zebulon quux").await, 1);
}

#[tokio::test]
async fn every_invalid_field_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    let body = update_as(
        &app,
        &app.admin_token(),
        &order["id"],
        json!({
            "shippingAddress": {"address1": "Main Street 1", "postalCode": "9".repeat(256), "country": "Netherlands"},
            "customerEmail": "not an address",
            "metadata": ["not", "an", "object"],
            "notes": "fine"
        }),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let mut paths: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "input.customerEmail",
            "input.metadata",
            "input.shippingAddress.country",
            "input.shippingAddress.postalCode"
        ]
    );
    let empty = update_as(&app, &app.admin_token(), &order["id"], json!({})).await;
    assert_eq!(
        empty["errors"][0]["extensions"]["fields"][0]["path"], "input",
        "{empty}"
    );
    let now = read(&app, &order["id"]).await;
    assert_eq!(now["version"], 1);
    assert_eq!(now["notes"], "Leave at the door");
    assert_eq!(app.count("addressbooks").await, 1);
}

#[tokio::test]
async fn customers_may_correct_only_the_addresses_and_notes_of_their_own_pending_orders() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    let other = place(
        &app,
        json!({"customerEmail": "bob@example.com", "customerName": "Bob"}),
    )
    .await;
    let customer = database_id(&order["customer"]["id"]);
    let token = app.token(Role::Customer, Some(customer));

    let fixed = update_as(
        &app,
        &token,
        &order["id"],
        json!({"shippingAddress": {"name": "Ann Buyer", "address1": "Main Street 11", "postalCode": "1012AB", "city": "Amsterdam", "country": "NL"},
               "notes": "Neighbour has a key", "expectedVersion": 1}),
    )
    .await;
    assert!(fixed.get("errors").is_none(), "{fixed}");
    assert_eq!(
        fixed["data"]["updateOrder"]["shippingAddress"]["address1"],
        "Main Street 11"
    );
    let event = &fixed["data"]["updateOrder"]["events"][1];
    assert_eq!(event["kind"], "DETAILS_UPDATED");
    assert_eq!(event["actor"], "test-customer");

    let refused = update_as(
        &app,
        &token,
        &order["id"],
        json!({"customerEmail": "me@example.com", "metadata": {"x": 1}}),
    )
    .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("input.customerEmail") && message.contains("input.metadata"),
        "{message}"
    );

    let foreign = update_as(&app, &token, &other["id"], json!({"notes": "mine now"})).await;
    assert_eq!(
        error_code(&foreign),
        Some("NOT_FOUND"),
        "another customer's order looks missing: {foreign}"
    );

    move_to(&app, &order["id"], "CONFIRMED").await;
    let late = update_as(&app, &token, &order["id"], json!({"notes": "too late"})).await;
    assert_eq!(error_code(&late), Some("FORBIDDEN"), "{late}");
    assert!(
        late["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PENDING")
    );
    let now = read(&app, &order["id"]).await;
    assert_eq!(now["notes"], "Neighbour has a key");
    assert_eq!(read(&app, &other["id"]).await["notes"], "Leave at the door");
}

#[tokio::test]
async fn addresses_and_contact_are_history_once_shipped_but_notes_still_change() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    for status in ["CONFIRMED", "SHIPPED"] {
        move_to(&app, &order["id"], status).await;
    }
    let body = update_as(
        &app,
        &app.admin_token(),
        &order["id"],
        json!({"shippingAddress": {"address1": "Elsewhere 9"}, "customerName": "Someone Else", "notes": "x"}),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let paths: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["input.shippingAddress", "input.customerName"]);
    assert!(
        body["errors"][0]["extensions"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("SHIPPED")
    );
    assert_eq!(read(&app, &order["id"]).await["notes"], "Leave at the door");

    // The whole form sent back unchanged is fine: only the notes differ.
    let noted = update(
        &app,
        &order["id"],
        json!({"shippingAddress": {"name": "Ann Buyer", "address1": "Main Street 1", "postalCode": "1012AB", "city": "Amsterdam", "country": "NL"},
               "customerName": "Ann Buyer", "notes": "Delivered to the neighbour"}),
    )
    .await;
    assert_eq!(noted["status"], "SHIPPED");
    assert_eq!(noted["notes"], "Delivered to the neighbour");
}

#[tokio::test]
async fn staff_notes_are_set_by_staff_only_and_their_history_is_staff_data() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    let integration = app.token(Role::Integration, None);
    let body = update_as(
        &app,
        &integration,
        &order["id"],
        json!({"staffNotes": "from the ERP"}),
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Integrations change everything else.
    let body = update_as(
        &app,
        &integration,
        &order["id"],
        json!({"customerName": "Ann B."}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");

    let staff = app.token(Role::Staff, None);
    let body = update_as(
        &app,
        &staff,
        &order["id"],
        json!({"staffNotes": "VIP: call before shipping"}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let staff_view = read(&app, &order["id"]).await;
    assert_eq!(staff_view["staffNotes"], "VIP: call before shipping");
    let event = staff_view["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "STAFF_NOTES_UPDATED")
        .unwrap();
    assert_eq!(
        event["data"],
        json!({"staffNotes": {"before": null, "after": "VIP: call before shipping"}})
    );

    let customer = app.token(Role::Customer, Some(database_id(&order["customer"]["id"])));
    for token in [&customer, &integration] {
        let seen = app
            .gql(
                Some(token),
                "query($id: ID!) { order(id: $id) { events { kind data } } }",
                json!({"id": order["id"]}),
            )
            .await;
        let text = seen.to_string();
        assert!(!text.contains("VIP"), "{text}");
        assert!(!text.contains("STAFF_NOTES_UPDATED"), "{text}");
        assert!(text.contains("DETAILS_UPDATED"), "{text}");
    }
}

#[tokio::test]
async fn subscribers_receive_the_edit_events_their_role_may_see() {
    let app = TestApp::spawn().await;
    let order = place(&app, json!({})).await;
    let customer = app.token(Role::Customer, Some(database_id(&order["customer"]["id"])));
    let query = "subscription($id: ID) { orderEvents(orderId: $id) { kind orderId data } }";
    let mut staff_ws = app
        .ws_as(
            "graphql-transport-ws",
            &format!("Bearer {}", app.token(Role::Staff, None)),
        )
        .await;
    let mut customer_ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {customer}"))
        .await;
    for ws in [&mut staff_ws, &mut customer_ws] {
        ws.send(json!({"id": "s", "type": "subscribe", "payload": {"query": query, "variables": {"id": order["id"]}}}))
            .await;
    }
    app.until_subscriptions(2).await;

    update(&app, &order["id"], json!({"staffNotes": "fragile"})).await;
    update(
        &app,
        &order["id"],
        json!({"shippingAddress": {"address1": "Canal 2", "city": "Amsterdam"}}),
    )
    .await;

    let next = |message: Value| message["payload"]["data"]["orderEvents"].clone();
    let first = next(staff_ws.next_json().await);
    assert_eq!(first["kind"], "STAFF_NOTES_UPDATED");
    assert_eq!(first["orderId"], order["id"]);
    let second = next(staff_ws.next_json().await);
    assert_eq!(second["kind"], "DETAILS_UPDATED");
    assert_eq!(
        second["data"]["shippingAddress"]["after"]["address1"],
        "Canal 2"
    );
    let only = next(customer_ws.next_json().await);
    assert_eq!(
        only["kind"], "DETAILS_UPDATED",
        "the customer's stream skips staff data"
    );
    assert_eq!(
        only["data"]["shippingAddress"]["before"]["address1"],
        "Main Street 1"
    );
}

#[tokio::test]
async fn details_updated_reaches_a_subscribed_webhook_and_staff_notes_never_do() {
    let app = TestApp::spawn_with(|c| {
        c.delivery_poll_ms = 100;
        c.webhook_allow_private = true;
    })
    .await;
    let receiver = WebhookReceiver::start().await;
    let refused = app
        .gql(
            Some(&app.admin_token()),
            "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [STAFF_NOTES_UPDATED]}) { secret } }",
            json!({"url": receiver.url()}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["fields"][0]["path"], "input.kinds",
        "{refused}"
    );
    let created = app
        .admin(
            "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [DETAILS_UPDATED]}) { secret } }",
            json!({"url": receiver.url()}),
        )
        .await;
    receiver.set_secret(created["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let order = place(&app, json!({})).await;
    update(
        &app,
        &order["id"],
        json!({"notes": "Ring twice", "staffNotes": "secret margin"}),
    )
    .await;
    let received = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert!(received[0].verified);
    assert_eq!(received[0].body["type"], "order.details_updated");
    assert_eq!(
        received[0].body["data"]["event"]["data"]["notes"]["after"],
        "Ring twice"
    );
    assert!(!received[0].body.to_string().contains("secret margin"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1);
}
