//! Access (5/6): credentials, the role × operation matrix, customer isolation,
//! hashed secrets, seed 000's REST endpoints, WebSocket credentials.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ordergraph::auth::Role;
use sea_orm::FromQueryResult;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsEvent, db_id, error_code};
use crate::place::add_product;

/// A customer with an order, a second order line, and an API key.
struct World {
    customer_id: String,
    order_id: String,
    line_id: String,
    integration_key: String,
}

async fn world(app: &TestApp) -> World {
    add_product(app, "BOX01", "Box of boxes", "92.00", "0").await;
    let customer = app
        .admin("mutation { upsertCustomer(input: {email: \"a@example.com\", name: \"Customer A\"}) { id } }", json!({}))
        .await["upsertCustomer"]["id"]
        .clone();
    let order = app
        .admin(
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id lines { id } } }",
            json!({"input": {"customerId": customer, "lines": [{"productCode": "BOX01", "quantity": 2}, {"productCode": "BOX01", "quantity": 1}]}}),
        )
        .await["placeOrder"]
        .clone();
    app.admin(
        "mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"margin\", value: \"secret\"}]) { id } setOrderTracking(id: $id, input: {code: \"T\", staffNotes: \"careful\"}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let key = app
        .admin(
            "mutation { createApiKey(name: \"webshop\", role: INTEGRATION) { key } }",
            json!({}),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        customer_id: customer.as_str().unwrap().to_owned(),
        order_id: order["id"].as_str().unwrap().to_owned(),
        line_id: order["lines"][0]["id"].as_str().unwrap().to_owned(),
        integration_key: key,
    }
}

/// POSTs with an arbitrary Authorization value (or none).
async fn with_auth(
    app: &TestApp,
    authorization: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn outcome(body: &Value) -> &str {
    error_code(body).unwrap_or("OK")
}

const ROLES: [&str; 5] = ["anonymous", "customer", "integration", "staff", "admin"];

#[tokio::test]
async fn the_role_matrix_gives_exactly_the_allowed_results() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let own = db_id(&w.customer_id);
    let auth: Vec<Option<String>> = vec![
        None,
        Some(format!("Bearer {}", app.token(Role::Customer, Some(own)))),
        Some(format!("Bearer {}", w.integration_key)),
        Some(format!("Bearer {}", app.token(Role::Staff, None))),
        Some(format!("Bearer {}", app.token(Role::Admin, None))),
    ];
    let (o, c, l) = (&w.order_id, &w.customer_id, &w.line_id);
    // U = UNAUTHENTICATED, F = FORBIDDEN; one column per role in ROLES order.
    let cases: Vec<(String, [&str; 5])> = vec![
        ("{ viewer { role } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        ("{ orderStatuses { status } }".into(), ["OK", "OK", "OK", "OK", "OK"]),
        (format!("{{ order(id: \"{o}\") {{ id }} }}"), ["U", "OK", "OK", "OK", "OK"]),
        ("{ orderByExternalId(source: \"api\", externalId: \"x\") { id } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        ("{ orders { totalCount } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        ("{ orderStats { totalOrders } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        (format!("{{ customer(id: \"{c}\") {{ id }} }}"), ["U", "OK", "OK", "OK", "OK"]),
        ("{ products { code } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        ("mutation { placeOrder(input: {lines: [{productCode: \"BOX01\", quantity: 1}]}) { id } }".into(), ["U", "OK", "OK", "OK", "OK"]),
        ("mutation { upsertOrder(input: {source: \"s\", externalId: \"e\"}) { created } }".into(), ["U", "F", "OK", "OK", "OK"]),
        ("mutation { importOrders(input: {source: \"s\", orders: []}) { ordersCount } }".into(), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ orderAction(id: \"{o}\", input: {{action: UPDATE_METADATA, metadata: {{k: 1}}}}) {{ id }} }}"), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ setOrderTracking(id: \"{o}\", input: {{code: \"X\"}}) {{ id }} }}"), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ setOrderTracking(id: \"{o}\", input: {{code: \"X\", staffNotes: \"n\"}}) {{ id }} }}"), ["U", "F", "F", "OK", "OK"]),
        (format!("mutation {{ setOrderIntegrationRef(id: \"{o}\", integrationRef: \"ERP\") {{ id }} }}"), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ setOrderAdminFields(id: \"{o}\", fields: [{{name: \"a\", value: \"b\"}}]) {{ id }} }}"), ["U", "F", "F", "OK", "OK"]),
        (format!("mutation {{ addOrderMessage(id: \"{o}\", fromUser: \"x\", text: \"hi\") {{ id }} }}"), ["U", "OK", "OK", "OK", "OK"]),
        (format!("mutation {{ addOrderLine(orderId: \"{o}\", input: {{line: {{productCode: \"BOX01\", quantity: 1}}}}) {{ id }} }}"), ["U", "F", "F", "OK", "OK"]),
        (format!("mutation {{ changeOrderLine(orderId: \"{o}\", input: {{lineId: \"{l}\", note: \"n\"}}) {{ id }} }}"), ["U", "F", "F", "OK", "OK"]),
        (format!("mutation {{ removeOrderLine(orderId: \"{o}\", lineId: \"999999\") {{ removedLineId }} }}"), ["U", "F", "F", "NOT_FOUND", "NOT_FOUND"]),
        ("mutation { upsertProduct(input: {code: \"P\", name: \"P\", price: 1}) { id } }".into(), ["U", "F", "OK", "OK", "OK"]),
        ("mutation { upsertCustomer(input: {email: \"new@example.com\"}) { id } }".into(), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ addCustomerAddress(customerId: \"{c}\", input: {{city: \"Leiden\"}}) {{ id }} }}"), ["U", "F", "OK", "OK", "OK"]),
        (format!("mutation {{ issueCustomerApiToken(customerId: \"{c}\") }}"), ["U", "F", "F", "OK", "OK"]),
        ("mutation { createApiKey(name: \"k\", role: INTEGRATION) { id } }".into(), ["U", "F", "F", "F", "OK"]),
        ("mutation { revokeApiKey(id: \"999999\") }".into(), ["U", "F", "F", "F", "OK"]),
        (format!("{{ order(id: \"{o}\") {{ adminFields {{ name }} }} }}"), ["U", "F", "F", "OK", "OK"]),
        (format!("{{ order(id: \"{o}\") {{ staffNotes }} }}"), ["U", "F", "F", "OK", "OK"]),
        ("{ orders(filter: {adminField: {name: \"margin\"}}) { totalCount } }".into(), ["U", "F", "F", "OK", "OK"]),
    ];
    let mut mismatches = Vec::new();
    for (query, expected) in &cases {
        for (i, role) in ROLES.iter().enumerate() {
            let body = with_auth(&app, auth[i].as_deref(), query, json!({})).await;
            let got = match outcome(&body) {
                "UNAUTHENTICATED" => "U",
                "FORBIDDEN" => "F",
                other => other,
            };
            if got != expected[i] {
                mismatches.push(format!(
                    "{role} {query}: expected {}, got {got} ({body})",
                    expected[i]
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    // Events with staff data are hidden from customers and integrations.
    let events_query = format!("{{ order(id: \"{o}\") {{ events {{ kind }} }} }}");
    for (i, sees) in [(1, false), (2, false), (3, true)] {
        let body = with_auth(&app, auth[i].as_deref(), &events_query, json!({})).await;
        let kinds: Vec<&str> = body["data"]["order"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds.contains(&"ADMIN_FIELDS_UPDATED"),
            sees,
            "{}: {kinds:?}",
            ROLES[i]
        );
    }
}

#[tokio::test]
async fn api_keys_work_in_both_headers_and_bad_ones_are_all_refused_alike() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let viewer = "{ viewer { role subject } }";
    let body = with_auth(
        &app,
        Some(&format!("Bearer {}", w.integration_key)),
        viewer,
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"role": "INTEGRATION", "subject": "api-key:webshop"})
    );
    let by_header: Value = app
        .client
        .post(app.url("/graphql"))
        .header("x-api-key", &w.integration_key)
        .json(&json!({"query": viewer}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_header["data"]["viewer"]["role"], "INTEGRATION");

    let mut altered = w.integration_key.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    let (id_part, _) = w
        .integration_key
        .trim_start_matches("ogk_")
        .split_once('_')
        .unwrap();
    let unknown_id = w.integration_key.replace(id_part, "0123456789abcdef");
    let revoked = app
        .admin(
            "mutation { createApiKey(name: \"old\", role: STAFF) { id key } }",
            json!({}),
        )
        .await["createApiKey"]
        .clone();
    let revoke = app
        .admin(
            "mutation($id: ID!) { revokeApiKey(id: $id) }",
            json!({"id": revoked["id"]}),
        )
        .await;
    assert_eq!(revoke["revokeApiKey"], true);
    let token = app
        .admin(
            "mutation($id: ID!) { issueCustomerApiToken(customerId: $id) }",
            json!({"id": w.customer_id}),
        )
        .await["issueCustomerApiToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let basic =
        |user: &str, pass: &str| format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")));
    let good_basic = basic("A@example.com", &token);
    let body = with_auth(
        &app,
        Some(&good_basic),
        "{ viewer { role customerId } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"role": "CUSTOMER", "customerId": w.customer_id}),
        "Basic with e-mail (any case) and token"
    );

    let refused = [
        format!("Bearer {altered}"),
        format!("Bearer {unknown_id}"),
        format!("Bearer {}", revoked["key"].as_str().unwrap()),
        basic("a@example.com", &format!("{token}x")),
        basic("a@example.com", "password"),
        basic("nobody@example.com", &token),
        "Basic !!!".to_owned(),
        "Digest abc".to_owned(),
    ];
    let mut messages = Vec::new();
    for value in &refused {
        let body = with_auth(&app, Some(value), viewer, json!({})).await;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "{value}: {body}"
        );
        messages.push(body["errors"][0]["message"].clone());
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "one answer for every refusal");
}

#[tokio::test]
async fn customer_a_cannot_reach_customer_b_s_orders() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let other = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"b@example.com\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    let b_order = app
        .admin(
            "mutation($c: ID!) { placeOrder(input: {customerId: $c, lines: [{productCode: \"BOX01\", quantity: 5}]}) { id } }",
            json!({"c": other}),
        )
        .await["placeOrder"]["id"]
        .clone();
    let a = format!(
        "Bearer {}",
        app.token(Role::Customer, Some(db_id(&w.customer_id)))
    );
    let a = Some(a.as_str());

    let read = with_auth(
        &app,
        a,
        "query($id: ID!) { order(id: $id) { id } }",
        json!({"id": b_order}),
    )
    .await;
    assert_eq!(read["data"]["order"], Value::Null, "read");
    let missing = with_auth(&app, a, "{ order(id: \"987654\") { id } }", json!({})).await;
    assert_eq!(missing, read, "the same answer as a missing order");
    let list = with_auth(
        &app,
        a,
        "{ orders(perPage: 100) { totalCount nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(list["data"]["orders"]["totalCount"], 1, "list and count");
    assert_eq!(list["data"]["orders"]["nodes"], json!([{"id": w.order_id}]));
    let filtered = with_auth(
        &app,
        a,
        "query($c: ID!) { orders(filter: {customerId: $c}) { totalCount } }",
        json!({"c": other}),
    )
    .await;
    assert_eq!(
        filtered["data"]["orders"]["totalCount"], 0,
        "a filter cannot widen the scope"
    );
    let stats = with_auth(
        &app,
        a,
        "query($c: ID!) { orderStats(filter: {customerId: $c}) { totalOrders } }",
        json!({"c": other}),
    )
    .await;
    assert_eq!(
        stats["data"]["orderStats"]["totalOrders"], 0,
        "stats, like the list, never reach B's orders"
    );
    let own_stats = with_auth(&app, a, "{ orderStats { totalOrders } }", json!({})).await;
    assert_eq!(
        own_stats["data"]["orderStats"]["totalOrders"], 1,
        "stats count only A's own orders"
    );
    let cancel = with_auth(
        &app,
        a,
        "mutation($id: ID!) { orderAction(id: $id, input: {action: CANCEL}) { status } }",
        json!({"id": b_order}),
    )
    .await;
    assert_eq!(error_code(&cancel), Some("NOT_FOUND"), "cancel: {cancel}");
    let message = with_auth(
        &app,
        a,
        "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"a\", text: \"hi\") { id } }",
        json!({"id": b_order}),
    )
    .await;
    assert_eq!(error_code(&message), Some("NOT_FOUND"), "message");
    let customer = with_auth(
        &app,
        a,
        "query($id: ID!) { customer(id: $id) { id } }",
        json!({"id": other}),
    )
    .await;
    assert_eq!(customer["data"]["customer"], Value::Null);
    let b_state = app
        .admin(
            "query($id: ID!) { order(id: $id) { status messages { id } } }",
            json!({"id": b_order}),
        )
        .await;
    assert_eq!(
        b_state["order"],
        json!({"status": "PENDING", "messages": []}),
        "B's order untouched"
    );
}

#[tokio::test]
async fn customers_place_for_themselves_at_catalogue_prices_and_cancel_only_early() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = format!(
        "Bearer {}",
        app.token(Role::Customer, Some(db_id(&w.customer_id)))
    );
    let token = Some(token.as_str());
    let placed = with_auth(
        &app,
        token,
        "mutation { placeOrder(input: {customerEmail: \"someone.else@example.com\", lines: [{productCode: \"BOX01\", quantity: 3}]}) { id customer { id } totals { grossTotal } } }",
        json!({}),
    )
    .await;
    let order = &placed["data"]["placeOrder"];
    assert_eq!(
        order["customer"]["id"], w.customer_id,
        "bound to the caller: {placed}"
    );
    assert_eq!(order["totals"]["grossTotal"], "276.00");
    let priced = with_auth(
        &app,
        token,
        "mutation { placeOrder(input: {lines: [{productCode: \"BOX01\", quantity: 3, price: \"0.01\"}]}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(error_code(&priced), Some("FORBIDDEN"), "{priced}");

    let cancel = "mutation($id: ID!) { orderAction(id: $id, input: {action: CANCEL}) { status } }";
    let body = with_auth(&app, token, cancel, json!({"id": order["id"]})).await;
    assert_eq!(body["data"]["orderAction"]["status"], "CANCELLED", "{body}");
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: PROCESSING}) { id } }",
        json!({"id": w.order_id}),
    )
    .await;
    let body = with_auth(&app, token, cancel, json!({"id": w.order_id})).await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "PROCESSING is too late for a customer: {body}"
    );
    let body = with_auth(
        &app,
        token,
        "mutation($id: ID!) { orderAction(id: $id, input: {action: COMPLETE}) { status } }",
        json!({"id": w.order_id}),
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}

#[tokio::test]
async fn the_database_holds_no_plaintext_key_or_token() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = app
        .admin(
            "mutation($id: ID!) { issueCustomerApiToken(customerId: $id) }",
            json!({"id": w.customer_id}),
        )
        .await["issueCustomerApiToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let secrets = [
        w.integration_key.rsplit('_').next().unwrap().to_owned(),
        token.rsplit('_').next().unwrap().to_owned(),
    ];
    // Every row of every table, as text.
    let mut dump = String::new();
    for table in [
        "api_keys",
        "customers",
        "settings",
        "orders",
        "order_events",
        "addressbooks",
    ] {
        let rows = sea_orm::JsonValue::find_by_statement(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT * FROM {table}"),
        ))
        .all(&app.db)
        .await
        .unwrap();
        dump.push_str(&serde_json::to_string(&rows).unwrap());
    }
    assert!(
        dump.contains("api-key") || dump.contains("webshop"),
        "the dump is real"
    );
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "a secret is stored in plain text"
        );
    }
    if let Some(path) = app
        .database_url()
        .strip_prefix("sqlite://")
        .and_then(|p| p.split('?').next())
    {
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let text = String::from_utf8_lossy(&bytes);
                for secret in &secrets {
                    assert!(!text.contains(secret.as_str()), "{file} holds a secret");
                }
            }
        }
    }
}

#[tokio::test]
async fn websocket_credentials_come_from_connection_init() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;

    let mut ws = app.ws_connect("graphql-transport-ws").await;
    ws.send(json!({"type": "connection_init", "payload": {"X-API-Key": w.integration_key}}))
        .await;
    assert_eq!(ws.next_json().await["type"], "connection_ack");
    ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { role } }"}}))
        .await;
    assert_eq!(
        ws.next_json().await["payload"]["data"]["viewer"]["role"],
        "INTEGRATION"
    );

    for payload in [
        json!({"Authorization": "Bearer forged"}),
        json!({"X-API-Key": "ogk_00_00"}),
    ] {
        let mut ws = app.ws_connect("graphql-transport-ws").await;
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        assert!(
            matches!(ws.next().await, WsEvent::Closed(Some(4403))),
            "bad credentials close with 4403"
        );
    }
    let mut ws = app.ws_connect("graphql-transport-ws").await;
    ws.send(json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
        .await;
    assert!(
        matches!(ws.next().await, WsEvent::Closed(Some(4401))),
        "subscribe before init closes with 4401"
    );
    let mut ws = app.ws_connect("graphql-ws").await;
    ws.send(json!({"type": "connection_init", "payload": {"authorization": format!("Basic {}", STANDARD.encode("a@example.com:nope"))}})).await;
    assert!(
        matches!(ws.next().await, WsEvent::Closed(Some(4403))),
        "also on the legacy protocol"
    );
}

#[test]
fn the_cli_prints_an_api_key_as_its_last_word() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .args(["api-key", "create", "--name", "ci", "--role", "integration"])
        .env("DATABASE_URL", &url)
        .env("JWT_SECRET", "cli-secret-cli-secret-cli-secret-0123")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let key = stdout.split_whitespace().last().unwrap();
    assert!(key.starts_with("ogk_"), "{stdout}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = ordergraph::db::Db::new(sea_orm::Database::connect(&url).await.unwrap());
        let principal = ordergraph::auth::keys::verify_api_key(&db, key)
            .await
            .unwrap();
        assert_eq!(principal.map(|p| p.role), Some(Role::Integration));
    });
}
