//! Relay object identification: global ids that never collide across types,
//! `node(id:)` and `nodes(ids:)` for every Node type under the access rules of
//! the typed roots, and id arguments that take global or plain database ids.

use std::collections::{BTreeSet, HashSet};

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, database_id, error_code};
use crate::place::add_product;

/// One object of every Node type, by type name, all made through the API.
async fn one_of_each(app: &TestApp, email: &str) -> Vec<(&'static str, Value)> {
    // An endpoint subscribed to CREATED, so the order below causes a delivery.
    let endpoint = app
        .admin(
            "mutation { createWebhookEndpoint(input: {url: \"https://hooks.example.invalid/x\", kinds: [CREATED]}) { endpoint { id } } }",
            json!({}),
        )
        .await["createWebhookEndpoint"]["endpoint"]["id"]
        .clone();
    let rule = app
        .admin(
            "mutation { createAutomationRule(input: {name: \"Thanks\", kinds: [CREATED], template: ORDER_CONFIRMATION}) { id } }",
            json!({}),
        )
        .await["createAutomationRule"]["id"]
        .clone();
    let product = add_product(app, &format!("P-{email}"), "Tea", "2.50", "9").await;
    let order = app
        .admin(
            "mutation($email: String!, $code: String!) { placeOrder(input: {customerEmail: $email,
                shippingAddress: {name: \"Ann\", city: \"Leiden\", country: \"NL\"},
                lines: [{productCode: $code, quantity: 2}]}) {
                id customer { id } shippingAddress { id } lines { id productId } } }",
            json!({"email": email, "code": product["code"]}),
        )
        .await["placeOrder"]
        .clone();
    let message = app
        .admin(
            "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"shop\", text: \"hi\") { id } }",
            json!({"id": order["id"]}),
        )
        .await["addOrderMessage"]
        .clone();
    let fulfillment = app
        .admin(
            "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { id }
                createFulfillment(orderId: $id, input: {}) { fulfillment { id } } }",
            json!({"id": order["id"]}),
        )
        .await["createFulfillment"]["fulfillment"]["id"]
        .clone();
    let events = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { id kind } deliveries { id } } }",
            json!({"id": order["id"]}),
        )
        .await["order"]
        .clone();
    let (events, deliveries) = (events["events"].clone(), events["deliveries"].clone());
    let key = app
        .admin(
            "mutation($name: String!) { createApiKey(name: $name, role: INTEGRATION) { id apiKey { id } } }",
            json!({"name": email}),
        )
        .await["createApiKey"]
        .clone();
    // The admin's own, not shared: staff do not see it.
    let view = app
        .admin(
            "mutation($name: String!) { createSavedView(input: {name: $name}) { id } }",
            json!({"name": email}),
        )
        .await["createSavedView"]["id"]
        .clone();
    assert_eq!(key["id"], key["apiKey"]["id"]);
    assert_eq!(order["lines"][0]["productId"], product["id"]);
    // 2 × 2.50 at 9 % VAT: 5.45 captured, then 1 of it refunded.
    let money = app
        .admin(
            "mutation($id: ID!) {
                createOrderTransaction(orderId: $id, input: {kind: CAPTURE, amount: \"5.45\"}) { transaction { id } }
                refundOrder(orderId: $id, input: {amount: \"1\"}) { refund { id } } }",
            json!({"id": order["id"]}),
        )
        .await;
    vec![
        ("Order", order["id"].clone()),
        ("OrderLine", order["lines"][0]["id"].clone()),
        ("OrderMessage", message["id"].clone()),
        ("OrderEvent", events[0]["id"].clone()),
        ("Customer", order["customer"]["id"].clone()),
        ("Address", order["shippingAddress"]["id"].clone()),
        ("Product", product["id"].clone()),
        ("ApiKey", key["id"].clone()),
        ("WebhookEndpoint", endpoint),
        ("Delivery", deliveries[0]["id"].clone()),
        ("AutomationRule", rule),
        ("Fulfillment", fulfillment),
        (
            "PaymentTransaction",
            money["createOrderTransaction"]["transaction"]["id"].clone(),
        ),
        ("Refund", money["refundOrder"]["refund"]["id"].clone()),
        ("SavedView", view),
    ]
}

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
    ... on Order { databaseId } ... on OrderLine { databaseId } ... on OrderMessage { databaseId }
    ... on OrderEvent { databaseId } ... on Customer { databaseId } ... on Address { databaseId }
    ... on Product { databaseId } ... on ApiKey { databaseId } ... on WebhookEndpoint { databaseId }
    ... on Delivery { databaseId } ... on AutomationRule { databaseId } ... on Fulfillment { databaseId }
    ... on PaymentTransaction { databaseId } ... on Refund { databaseId } ... on SavedView { databaseId } } }";

#[tokio::test]
async fn node_finds_every_node_type_by_its_global_id() {
    let app = TestApp::spawn().await;
    let objects = one_of_each(&app, "ann@example.com").await;
    for (type_name, id) in &objects {
        let found = app.admin(NODE, json!({"id": id})).await["node"].clone();
        assert_eq!(found["__typename"], *type_name, "{id}");
        assert_eq!(found["id"], *id, "{type_name}");
        assert_eq!(
            found["databaseId"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap(),
            database_id(id),
            "{type_name}"
        );
    }
    // The walk covers every type that implements Node: a new one must be
    // added above, or this fails.
    let node = app
        .admin(
            "{ __type(name: \"Node\") { possibleTypes { name } } }",
            json!({}),
        )
        .await;
    let implementors: BTreeSet<&str> = node["__type"]["possibleTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let walked: BTreeSet<&str> = objects.iter().map(|(name, _)| *name).collect();
    assert_eq!(implementors, walked);
}

#[tokio::test]
async fn ids_of_different_types_never_collide_even_with_equal_database_ids() {
    let app = TestApp::spawn().await;
    let objects = one_of_each(&app, "ann@example.com").await;
    // In a fresh database the first order, customer, product, line, ... all
    // have database id 1: the case Relay's store used to merge.
    let ones = objects
        .iter()
        .filter(|(_, id)| database_id(id) == 1)
        .count();
    assert!(
        ones >= 6,
        "most first objects have database id 1: {objects:?}"
    );
    let distinct: HashSet<&Value> = objects.iter().map(|(_, id)| id).collect();
    assert_eq!(distinct.len(), objects.len(), "{objects:?}");
    for (_, id) in &objects {
        let id = id.as_str().unwrap();
        assert!(
            !id.bytes().all(|b| b.is_ascii_digit()),
            "global ids are opaque, not database ids: {id}"
        );
    }
}

async fn node_as(app: &TestApp, token: &str, id: &Value) -> Value {
    app.gql(Some(token), NODE, json!({"id": id})).await
}

#[tokio::test]
async fn node_applies_the_access_rules_of_the_typed_roots() {
    let app = TestApp::spawn().await;
    let own = one_of_each(&app, "own@example.com").await;
    let other = one_of_each(&app, "other@example.com").await;
    let own_customer = database_id(&own[4].1);
    let customer = app.token(Role::Customer, Some(own_customer));
    let staff = app.token(Role::Staff, None);

    for (type_name, id) in &own {
        let body = node_as(&app, &customer, id).await;
        // A customer's own order and what hangs off it, its own customer and
        // address, and the catalogue; never API keys or delivery machinery.
        let visible = !matches!(
            *type_name,
            "ApiKey" | "WebhookEndpoint" | "Delivery" | "AutomationRule" | "SavedView"
        );
        assert_eq!(
            !body["data"]["node"].is_null(),
            visible,
            "own {type_name}: {body}"
        );
    }
    for (type_name, id) in &other {
        let body = node_as(&app, &customer, id).await;
        // Another customer's data is null, exactly like a missing object.
        let visible = *type_name == "Product";
        assert_eq!(
            !body["data"]["node"].is_null(),
            visible,
            "other {type_name}: {body}"
        );
        assert!(body.get("errors").is_none(), "{type_name}: {body}");
    }
    // Staff see every order's objects and deliveries, but not API keys,
    // endpoints, rules or another's private saved view; admins see everything.
    for (type_name, id) in &other {
        let body = node_as(&app, &staff, id).await;
        assert_eq!(
            !body["data"]["node"].is_null(),
            !matches!(
                *type_name,
                "ApiKey" | "WebhookEndpoint" | "AutomationRule" | "SavedView"
            ),
            "staff {type_name}"
        );
        let body = node_as(&app, &app.admin_token(), id).await;
        assert_eq!(body["data"]["node"]["__typename"], *type_name, "admin");
    }

    // Admin-field events are staff data, through node as everywhere.
    app.admin(
        "mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"m\", value: \"v\"}]) { id } }",
        json!({"id": own[0].1}),
    )
    .await;
    let events = app
        .admin(
            "query($id: ID!) { order(id: $id) { events { id kind } deliveries { id } } }",
            json!({"id": own[0].1}),
        )
        .await["order"]["events"]
        .clone();
    let admin_event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "ADMIN_FIELDS_UPDATED")
        .unwrap()["id"]
        .clone();
    let integration = app.token(Role::Integration, None);
    assert!(node_as(&app, &integration, &admin_event).await["data"]["node"].is_null());
    assert!(node_as(&app, &customer, &admin_event).await["data"]["node"].is_null());
    assert!(!node_as(&app, &staff, &admin_event).await["data"]["node"].is_null());

    // Like every root but orderStatuses: credentials first.
    let anonymous = app.gql(None, NODE, json!({"id": own[0].1})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn nodes_answers_in_order_with_null_for_the_missing_and_the_hidden() {
    let app = TestApp::spawn().await;
    let own = one_of_each(&app, "own@example.com").await;
    let other = one_of_each(&app, "other@example.com").await;
    let customer = app.token(Role::Customer, Some(database_id(&own[4].1)));
    let missing = ordergraph::ids::global_id(ordergraph::ids::NodeKind::Order, 999_999).0;
    let body = app
        .gql(
            Some(&customer),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": [own[0].1, other[0].1, missing, "not-an-id", own[1].1]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["nodes"],
        json!([{"id": own[0].1}, null, null, null, {"id": own[1].1}])
    );
    let too_many: Vec<Value> = (0..101).map(|_| own[0].1.clone()).collect();
    let body = app
        .gql(
            Some(&app.admin_token()),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": too_many}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["fields"][0]["path"], "ids");
}

#[tokio::test]
async fn id_arguments_take_global_ids_and_for_now_plain_database_ids() {
    let app = TestApp::spawn().await;
    let objects = one_of_each(&app, "ann@example.com").await;
    let order = &objects[0].1;
    let plain = database_id(order).to_string();
    for id in [order.clone(), json!(plain)] {
        let body = app
            .admin(
                "query($id: ID!) { order(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(body["order"]["id"], *order, "{id}");
    }
    // Filters and inputs too: the order by its customer's global id.
    let listed = app
        .admin(
            "query($c: ID!, $o: ID!) { orders(filter: {customerId: $c, ids: [$o]}) { totalCount } }",
            json!({"c": objects[4].1, "o": order}),
        )
        .await;
    assert_eq!(listed["orders"]["totalCount"], 1);

    // A global id of another type is refused by name, not taken as a number.
    let customer_id = &objects[4].1;
    let body = app
        .gql(
            Some(&app.admin_token()),
            "query($id: ID!) { order(id: $id) { id } }",
            json!({"id": customer_id}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let field = &body["errors"][0]["extensions"]["fields"][0];
    assert_eq!(field["path"], "id");
    assert!(
        field["message"].as_str().unwrap().contains("a customer"),
        "{field}"
    );
    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!) { orderAction(id: $id, input: {action: CANCEL}) { id } }",
            json!({"id": objects[6].1}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}
