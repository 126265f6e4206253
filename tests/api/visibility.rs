//! The one visibility policy, seen through every interface: GraphQL over HTTP,
//! the seed 003 REST exports (JSON, CSV, XML), the seed 000 REST adapter and
//! subscriptions over WebSocket, for every role, for each kind of sensitive
//! data: staff notes, admin fields, admin-field events, and another
//! customer's order.

use std::time::Duration;

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsEvent, database_id, error_code};

const STAFF_NOTE: &str = "careful-staff-note";
const ADMIN_VALUE: &str = "secret-margin-value";

/// Two customers with one order each; both orders carry staff notes, an
/// admin field (so an ADMIN_FIELDS_UPDATED event) and tracking.
struct World {
    own_customer: i64,
    own_order: Value,
    other_order: Value,
    other_number: String,
    integration_key: String,
}

async fn world(app: &TestApp) -> World {
    let mut orders = Vec::new();
    let mut customers = Vec::new();
    for email in ["own@example.com", "other@example.com"] {
        let order = app
            .admin(
                "mutation($email: String!) { placeOrder(input: {customerEmail: $email, lines: [{name: \"Tea\", quantity: 1, price: \"2.50\"}]}) { id number customer { id } } }",
                json!({"email": email}),
            )
            .await["placeOrder"]
            .clone();
        app.admin(
            "mutation($id: ID!, $note: String!, $value: String!) {
                setOrderAdminFields(id: $id, fields: [{name: \"margin\", value: $value}]) { id }
                setOrderTracking(id: $id, input: {code: \"TRACK\", staffNotes: $note}) { id }
            }",
            json!({"id": order["id"], "note": STAFF_NOTE, "value": ADMIN_VALUE}),
        )
        .await;
        customers.push(database_id(&order["customer"]["id"]));
        orders.push(order);
    }
    let integration_key = app
        .admin(
            "mutation { createApiKey(name: \"shop\", role: INTEGRATION) { key } }",
            json!({}),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        own_customer: customers[0],
        own_order: orders[0]["id"].clone(),
        other_number: orders[1]["number"].as_str().unwrap().to_owned(),
        other_order: orders[1]["id"].clone(),
        integration_key,
    }
}

/// What a role should see, per sensitive datum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sees {
    staff_notes: bool,
    admin_fields: bool,
    admin_events: bool,
    other_customers_order: bool,
}

struct Case {
    role: &'static str,
    authorization: String,
    sees: Sees,
}

fn cases(app: &TestApp, w: &World) -> Vec<Case> {
    let staff = Sees {
        staff_notes: true,
        admin_fields: true,
        admin_events: true,
        other_customers_order: true,
    };
    vec![
        Case {
            role: "admin",
            authorization: format!("Bearer {}", app.token(Role::Admin, None)),
            sees: staff,
        },
        Case {
            role: "staff",
            authorization: format!("Bearer {}", app.token(Role::Staff, None)),
            sees: staff,
        },
        Case {
            role: "integration",
            authorization: format!("Bearer {}", w.integration_key),
            sees: Sees {
                staff_notes: false,
                admin_fields: false,
                admin_events: false,
                other_customers_order: true,
            },
        },
        Case {
            role: "customer",
            authorization: format!("Bearer {}", app.token(Role::Customer, Some(w.own_customer))),
            sees: Sees {
                staff_notes: false,
                admin_fields: false,
                admin_events: false,
                other_customers_order: false,
            },
        },
    ]
}

async fn graphql(app: &TestApp, authorization: &str, query: &str, variables: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .header("authorization", authorization)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn get(app: &TestApp, authorization: &str, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn graphql_over_http_shows_each_role_exactly_what_the_policy_allows() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for case in cases(&app, &w) {
        let role = case.role;
        let notes = graphql(
            &app,
            &case.authorization,
            "query($id: ID!) { order(id: $id) { staffNotes } }",
            json!({"id": w.own_order}),
        )
        .await;
        if case.sees.staff_notes {
            assert_eq!(notes["data"]["order"]["staffNotes"], STAFF_NOTE, "{role}");
        } else {
            assert_eq!(error_code(&notes), Some("FORBIDDEN"), "{role}: {notes}");
            assert!(!notes.to_string().contains(STAFF_NOTE), "{role}");
        }

        let fields = graphql(
            &app,
            &case.authorization,
            "query($id: ID!) { order(id: $id) { adminFields { name value } } }",
            json!({"id": w.own_order}),
        )
        .await;
        if case.sees.admin_fields {
            assert_eq!(
                fields["data"]["order"]["adminFields"][0]["value"], ADMIN_VALUE,
                "{role}"
            );
        } else {
            assert_eq!(error_code(&fields), Some("FORBIDDEN"), "{role}: {fields}");
            assert!(!fields.to_string().contains(ADMIN_VALUE), "{role}");
        }

        let history = graphql(
            &app,
            &case.authorization,
            "query($id: ID!) { order(id: $id) { events { kind data } } }",
            json!({"id": w.own_order}),
        )
        .await;
        let kinds: Vec<&str> = history["data"]["order"]["events"]
            .as_array()
            .unwrap_or_else(|| panic!("{role}: {history}"))
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds.contains(&"ADMIN_FIELDS_UPDATED"),
            case.sees.admin_events,
            "{role}: {kinds:?}"
        );
        assert_eq!(
            history.to_string().contains(ADMIN_VALUE),
            case.sees.admin_events,
            "{role}"
        );

        let other = graphql(
            &app,
            &case.authorization,
            "query($id: ID!) { order(id: $id) { id } orders(perPage: 100) { totalCount nodes { id } } }",
            json!({"id": w.other_order}),
        )
        .await;
        assert!(other.get("errors").is_none(), "{role}: {other}");
        assert_eq!(
            !other["data"]["order"].is_null(),
            case.sees.other_customers_order,
            "{role}: order(id)"
        );
        let listed = other["data"]["orders"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == w.other_order);
        assert_eq!(listed, case.sees.other_customers_order, "{role}: orders");
    }
}

#[tokio::test]
async fn the_rest_exports_show_each_role_exactly_what_the_policy_allows() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for case in cases(&app, &w) {
        for format in ["json", "csv", "xml"] {
            let what = format!("{} {format}", case.role);
            let (status, body) =
                get(&app, &case.authorization, &format!("/api/orders.{format}")).await;
            assert_eq!(status, 200, "{what}: {body}");
            // Staff notes are seed 003's `comments_wholesaler`; admin fields its
            // `extra_fields`. Neither may reach a role that may not see them,
            // not even as an empty column.
            assert_eq!(body.contains(STAFF_NOTE), case.sees.staff_notes, "{what}");
            assert_eq!(
                body.contains("comments_wholesaler") || body.contains("comments-wholesaler"),
                case.sees.staff_notes,
                "{what}"
            );
            assert_eq!(body.contains(ADMIN_VALUE), case.sees.admin_fields, "{what}");
            assert_eq!(
                body.contains(&w.other_number),
                case.sees.other_customers_order,
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn the_seed_000_adapter_never_shows_staff_data_and_refuses_customers() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for case in cases(&app, &w) {
        let role = case.role;
        let (status, body) = get(&app, &case.authorization, "/api/v1/orders?limit=100").await;
        if role == "customer" {
            // Seed 000's API is for integrations: customers are refused whole.
            assert_eq!(status, 403, "{role}: {body}");
            continue;
        }
        assert_eq!(status, 200, "{role}: {body}");
        // The seed's order shape has no staff data, for any role.
        assert!(!body.contains(STAFF_NOTE), "{role}");
        assert!(!body.contains(ADMIN_VALUE), "{role}");
        let listed: Value = serde_json::from_str(&body).unwrap();
        let numbers: Vec<&str> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap())
            .collect();
        assert_eq!(
            numbers.contains(&w.other_number.as_str()),
            case.sees.other_customers_order,
            "{role}"
        );
    }
}

/// Every payload a subscription delivers until it is quiet for a moment
/// with nothing left to deliver: on PostgreSQL an open transaction anywhere
/// in the cluster (another test's) holds committed events back for a while,
/// so quiet alone does not mean done.
async fn drain(app: &TestApp, ws: &mut crate::helpers::WsClient) -> Vec<Value> {
    let mut payloads = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let held = ordergraph::events::bus::held(&app.db).await.unwrap().events;
        let Ok(event) = tokio::time::timeout(Duration::from_millis(1000), ws.next()).await else {
            if held == 0 || tokio::time::Instant::now() > deadline {
                break;
            }
            continue;
        };
        match event {
            WsEvent::Json(message) if message["type"] == "next" => {
                payloads.push(message["payload"].clone())
            }
            WsEvent::Json(message) if message["type"] == "error" => {
                payloads.push(json!({"errors": message["payload"]}))
            }
            WsEvent::Json(_) => {}
            WsEvent::Closed(code) => panic!("closed: {code:?}"),
        }
    }
    payloads
}

#[tokio::test]
async fn subscriptions_show_each_role_exactly_what_the_policy_allows() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for case in cases(&app, &w) {
        let role = case.role;
        let mut ws = app.ws_as("graphql-transport-ws", &case.authorization).await;
        // Everything from the start: the whole history of what the role sees.
        ws.send(json!({"id": "all", "type": "subscribe", "payload": {
            "query": "subscription { orderEvents(after: \"0\") { kind orderId data order { number } } }"
        }}))
        .await;
        let payloads = drain(&app, &mut ws).await;
        let events: Vec<&Value> = payloads.iter().map(|p| &p["data"]["orderEvents"]).collect();
        assert!(!events.is_empty(), "{role}");
        let admin_events = events.iter().any(|e| e["kind"] == "ADMIN_FIELDS_UPDATED");
        assert_eq!(admin_events, case.sees.admin_events, "{role}");
        let text = serde_json::to_string(&payloads).unwrap();
        assert_eq!(text.contains(ADMIN_VALUE), case.sees.admin_events, "{role}");
        let other = events
            .iter()
            .any(|e| e["order"]["number"] == w.other_number.as_str());
        assert_eq!(other, case.sees.other_customers_order, "{role}");

        // Staff data selected through a subscription's nested order.
        ws.send(json!({"id": "notes", "type": "subscribe", "payload": {
            "query": "subscription($id: ID) { orderEvents(orderId: $id, after: \"0\") { kind order { staffNotes } } }",
            "variables": {"id": w.own_order},
        }}))
        .await;
        let text = serde_json::to_string(&drain(&app, &mut ws).await).unwrap();
        assert_eq!(
            text.contains(STAFF_NOTE),
            case.sees.staff_notes,
            "{role}: {text}"
        );
        assert_eq!(
            text.contains("FORBIDDEN"),
            !case.sees.staff_notes,
            "{role}: {text}"
        );

        // Another customer's order by id: NOT_FOUND, exactly like a missing one.
        ws.send(json!({"id": "other", "type": "subscribe", "payload": {
            "query": "subscription($id: ID) { orderEvents(orderId: $id, after: \"0\") { kind } }",
            "variables": {"id": w.other_order},
        }}))
        .await;
        let text = serde_json::to_string(&drain(&app, &mut ws).await).unwrap();
        assert_eq!(
            text.contains("NOT_FOUND"),
            !case.sees.other_customers_order,
            "{role}: {text}"
        );
        assert_eq!(
            text.contains("CREATED"),
            case.sees.other_customers_order,
            "{role}: {text}"
        );
    }
}
