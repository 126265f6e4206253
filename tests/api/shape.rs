//! Spec-exact response shapes: keys in selection order ("Serialized Map
//! Ordering") and errored fields as `null`, non-null ones nulling their nearest
//! nullable parent ("Handling Field Errors"), with fragments, inline fragments,
//! `@skip`/`@include`, lists and interfaces. Compared as JSON text, so key
//! order counts (serde_json's maps here would sort).

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// POSTs `query`; returns `data` as JSON text in the order it came, and the
/// errors' codes and paths.
async fn shaped(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (String, Vec<String>) {
    let text = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // async-graphql's Value keeps the order of the text (an IndexMap).
    let response: async_graphql::Response = serde_json::from_str(&text).unwrap();
    let errors = response
        .errors
        .iter()
        .map(|e| {
            let path: Vec<String> = e
                .path
                .iter()
                .map(|p| match p {
                    async_graphql::PathSegment::Field(f) => f.clone(),
                    async_graphql::PathSegment::Index(i) => i.to_string(),
                })
                .collect();
            format!(
                "{} {}",
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                path.join(".")
            )
        })
        .collect();
    (serde_json::to_string(&response.data).unwrap(), errors)
}

struct Fixture {
    app: TestApp,
    admin: String,
    customer: String,
    order: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let placed = app
        .admin(
            "mutation { placeOrder(input: {customerEmail: \"ann@example.com\", reference: \"R-1\",
                lines: [{name: \"Tea\", quantity: 2, price: \"3.50\"}]}) { id customer { databaseId } } }",
            json!({}),
        )
        .await["placeOrder"]
        .clone();
    let customer_id: i64 = placed["customer"]["databaseId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    Fixture {
        admin: app.admin_token(),
        customer: app.token(Role::Customer, Some(customer_id)),
        order: placed["id"].as_str().unwrap().to_owned(),
        app,
    }
}

#[tokio::test]
async fn keys_come_in_selection_order_at_every_level() {
    let f = fixture().await;
    let (data, errors) = shaped(
        &f.app,
        &f.admin,
        "{ z: orders(first: 1) { totalCount nodes { status number lines { quantity name } } } a: viewer { subject } m: orderStatuses { status } }",
        json!({}),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    let statuses = "[{\"status\":\"PENDING\"},{\"status\":\"CONFIRMED\"},{\"status\":\"PROCESSING\"},{\"status\":\"IN_PROGRESS\"},{\"status\":\"ON_HOLD\"},{\"status\":\"SHIPPED\"},{\"status\":\"DELIVERED\"},{\"status\":\"COMPLETED\"},{\"status\":\"CANCELLED\"},{\"status\":\"REFUNDED\"}]";
    assert_eq!(
        data,
        format!(
            "{{\"z\":{{\"totalCount\":1,\"nodes\":[{{\"status\":\"PENDING\",\"number\":\"100001\",\"lines\":[{{\"quantity\":\"2.00\",\"name\":\"Tea\"}}]}}]}},\"a\":{{\"subject\":\"test-admin\"}},\"m\":{statuses}}}"
        )
    );
}

#[tokio::test]
async fn fragments_inline_fragments_and_skip_include_keep_document_order() {
    let f = fixture().await;
    let query = "query($id: ID!, $yes: Boolean!, $no: Boolean!) {
        order(id: $id) {
            ...F
            number @include(if: $no)
            ... on Order { status id }
            currency @skip(if: $no)
            reference @skip(if: $yes)
        }
    }
    fragment F on Order { id reference }";
    let (data, errors) = shaped(
        &f.app,
        &f.admin,
        query,
        json!({"id": f.order, "yes": true, "no": false}),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        data,
        format!(
            "{{\"order\":{{\"id\":\"{}\",\"reference\":\"R-1\",\"status\":\"PENDING\",\"currency\":\"EUR\"}}}}",
            f.order
        )
    );
}

#[tokio::test]
async fn a_nullable_field_that_errors_is_null_in_its_place() {
    let f = fixture().await;
    let (data, errors) = shaped(
        &f.app,
        &f.customer,
        "{ orders { nodes { id staffNotes number } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data,
        format!(
            "{{\"orders\":{{\"nodes\":[{{\"id\":\"{}\",\"staffNotes\":null,\"number\":\"100001\"}}]}}}}",
            f.order
        )
    );
    assert_eq!(errors, ["\"FORBIDDEN\" orders.nodes.0.staffNotes"]);

    // Through an interface and an inline fragment, too.
    let (data, errors) = shaped(
        &f.app,
        &f.customer,
        "query($id: ID!) { node(id: $id) { id ... on Order { staffNotes number } } }",
        json!({"id": f.order}),
    )
    .await;
    assert_eq!(
        data,
        format!(
            "{{\"node\":{{\"id\":\"{}\",\"staffNotes\":null,\"number\":\"100001\"}}}}",
            f.order
        )
    );
    assert_eq!(errors, ["\"FORBIDDEN\" node.staffNotes"]);
}

#[tokio::test]
async fn a_non_null_field_that_errors_nulls_its_nearest_nullable_parent() {
    let f = fixture().await;
    // adminFields is [AdminField!]!: the error nulls the (nullable) order,
    // and the sibling field is untouched.
    let (data, errors) = shaped(
        &f.app,
        &f.customer,
        "query($id: ID!) { order(id: $id) { number adminFields { name } } viewer { role } }",
        json!({"id": f.order}),
    )
    .await;
    assert_eq!(data, "{\"order\":null,\"viewer\":{\"role\":\"CUSTOMER\"}}");
    assert_eq!(errors, ["\"FORBIDDEN\" order.adminFields"]);

    // In a list of non-null orders under a non-null connection under a
    // non-null root field, it nulls everything up to `data`.
    let (data, errors) = shaped(
        &f.app,
        &f.customer,
        "{ orders { nodes { number adminFields { name } } } }",
        json!({}),
    )
    .await;
    assert_eq!(data, "null");
    assert_eq!(errors, ["\"FORBIDDEN\" orders.nodes.0.adminFields"]);
}

#[tokio::test]
async fn subscription_events_are_shaped_too() {
    let f = fixture().await;
    let integration = f.app.token(Role::Integration, None);
    let mut ws = f
        .app
        .ws_as("graphql-transport-ws", &format!("Bearer {integration}"))
        .await;
    ws.send(json!({"id": "s", "type": "subscribe",
        "payload": {"query": "subscription { orderEvents { kind order { number staffNotes } } }"}}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    f.app
        .admin(
            "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { id } }",
            json!({"id": f.order}),
        )
        .await;
    let event = ws.next_json().await;
    assert_eq!(event["type"], "next", "{event}");
    let order = &event["payload"]["data"]["orderEvents"]["order"];
    assert!(
        order.as_object().unwrap().contains_key("staffNotes") && order["staffNotes"].is_null(),
        "{event}"
    );
    assert_eq!(
        event["payload"]["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
}
