//! Hardening: limits refused before any SQL (HTTP and WebSocket), the cost
//! report and budget, transport errors in JSON, the production switches, JWT
//! `nbf`, the brute-force throttle, and the close frame on shutdown.

use std::sync::atomic::Ordering;

use base64::Engine;
use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WsEvent, error_code};

/// One refusal of the matrix: the operation, its variables, and the code and
/// detail (`extensions.limit` or the field path) it must be refused with.
struct Case {
    name: &'static str,
    query: String,
    variables: Value,
    code: &'static str,
    detail: &'static str,
}

fn aliased(n: usize, field: &str) -> String {
    format!(
        "{{ {} }}",
        (0..n)
            .map(|i| format!("a{i}: {field}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn matrix() -> Vec<Case> {
    let mut deep = String::from("id");
    for _ in 0..8 {
        deep = format!("customer {{ orders {{ nodes {{ {deep} }} }} }}");
    }
    vec![
        Case {
            name: "deep",
            query: format!("{{ orders(first: 1) {{ nodes {{ {deep} }} }} }}"),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "depth",
        },
        Case {
            name: "wide (cost by page size)",
            query: "{ orders(first: 100) { nodes { lines { id name sku quantity price finalPrice } events { id kind actor data } messages { id } customer { orders(first: 50) { nodes { id number } } } } } }".into(),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "cost",
        },
        Case {
            name: "aliased",
            query: aliased(31, "orders(first: 1) { nodes { id } }"),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "aliases",
        },
        Case {
            name: "__typename flood",
            query: aliased(500, "__typename"),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "aliases",
        },
        Case {
            name: "oversized document",
            query: format!("{{ __typename {} }}", " ".repeat(40 * 1024)),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "documentBytes",
        },
        Case {
            name: "huge first",
            query: "{ orders(first: 1000000) { nodes { id } } }".into(),
            variables: json!({}),
            code: "QUERY_TOO_COMPLEX",
            detail: "cost",
        },
        Case {
            name: "perPage over 100",
            query: "{ orders(perPage: 101) { nodes { id } } }".into(),
            variables: json!({}),
            code: "BAD_USER_INPUT",
            detail: "perPage",
        },
        Case {
            name: "NUL in a variable",
            query: "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }".into(),
            variables: json!({"input": {"customerName": "Ann\u{0}", "lines": [{"name": "x", "quantity": 1, "price": "1"}]}}),
            code: "BAD_USER_INPUT",
            detail: "input.customerName",
        },
        Case {
            name: "NUL inside a JSON scalar",
            query: "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }".into(),
            variables: json!({"input": {"metadata": {"k": ["ok", "bad\u{0}"]}, "lines": [{"name": "x", "quantity": 1, "price": "1"}]}}),
            code: "BAD_USER_INPUT",
            detail: "input.metadata.k.1",
        },
        Case {
            name: "NUL in a literal",
            query: r#"mutation { placeOrder(input: {notes: "a\u0000b", lines: [{name: "x", quantity: 1, price: "1"}]}) { id } }"#.into(),
            variables: json!({}),
            code: "BAD_USER_INPUT",
            detail: "placeOrder.input.notes",
        },
        Case {
            name: "huge search",
            query: "query($s: String) { orders(filter: {search: $s}) { nodes { id } } }".into(),
            variables: json!({"s": "x".repeat(100_000)}),
            code: "BAD_USER_INPUT",
            detail: "filter.search",
        },
        Case {
            name: "huge product search",
            query: "query($s: String) { products(search: $s) { code } }".into(),
            variables: json!({"s": "x".repeat(201)}),
            code: "BAD_USER_INPUT",
            detail: "search",
        },
    ]
}

fn detail_of(body: &Value) -> Option<&str> {
    let ext = &body["errors"][0]["extensions"];
    ext["limit"]
        .as_str()
        .or_else(|| ext["fields"][0]["path"].as_str())
}

#[tokio::test]
async fn every_limit_is_refused_with_its_code_before_any_sql_over_http() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Staff, None);
    for case in matrix() {
        let before = app.statements.load(Ordering::SeqCst);
        let body = app.gql(Some(&token), &case.query, case.variables).await;
        assert_eq!(error_code(&body), Some(case.code), "{}: {body}", case.name);
        assert_eq!(detail_of(&body), Some(case.detail), "{}: {body}", case.name);
        assert!(body["data"].is_null(), "{}: {body}", case.name);
        let ran = app.statements.load(Ordering::SeqCst) - before;
        assert_eq!(ran, 0, "{}: {ran} SQL statements ran", case.name);
    }
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn every_limit_is_refused_with_its_code_over_websocket() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Staff, None);
    let mut ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {token}"))
        .await;
    for (i, case) in matrix().into_iter().enumerate() {
        let before = app.statements.load(Ordering::SeqCst);
        let id = format!("op{i}");
        ws.send(json!({"id": id, "type": "subscribe",
            "payload": {"query": case.query, "variables": case.variables}}))
            .await;
        let message = ws.next_json().await;
        assert_eq!(message["id"], id.as_str());
        // graphql-transport-ws sends request errors as `error` (a list) or a
        // `next` with errors, depending on where they arise.
        let errors = match message["type"].as_str() {
            Some("error") => message["payload"].clone(),
            Some("next") => message["payload"]["errors"].clone(),
            other => panic!("{}: unexpected {other:?}: {message}", case.name),
        };
        let body = json!({"errors": errors});
        assert_eq!(
            error_code(&body),
            Some(case.code),
            "{}: {message}",
            case.name
        );
        assert_eq!(
            detail_of(&body),
            Some(case.detail),
            "{}: {message}",
            case.name
        );
        if message["type"] == "next" {
            assert_eq!(ws.next_json().await["type"], "complete");
        }
        assert_eq!(
            app.statements.load(Ordering::SeqCst) - before,
            0,
            "{}: SQL ran",
            case.name
        );
    }
}

#[tokio::test]
async fn accepted_operations_report_their_cost_and_page_size_multiplies_it() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Staff, None);
    let cost = |body: &Value| body["extensions"]["cost"]["requested"].as_u64().unwrap();
    let one = app
        .gql(
            Some(&token),
            "{ orders(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let hundred = app
        .gql(
            Some(&token),
            "{ orders(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(one["extensions"]["cost"]["limit"], 25000);
    assert_eq!(cost(&one), 1 + 1 + 1, "orders + nodes + id");
    assert_eq!(cost(&hundred), 1 + 100 * 2);
    let default = app
        .gql(Some(&token), "{ orders { nodes { id } } }", json!({}))
        .await;
    assert_eq!(cost(&default), 1 + 20 * 2);
}

#[tokio::test]
async fn anonymous_callers_may_ask_only_for_statuses_and_never_make_sql_run() {
    let app = TestApp::spawn().await;
    let before = app.statements.load(Ordering::SeqCst);
    let body = app
        .gql(None, "{ orders(first: 1) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = app
        .gql(None, "mutation { revokeApiKey(id: \"1\") }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // Production defaults: introspection for authenticated callers only.
    let body = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(None, "{ __type(name: \"Order\") { name } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert_eq!(app.statements.load(Ordering::SeqCst) - before, 0);
    let body = app
        .gql(None, "{ orderStatuses { status } __typename }", json!({}))
        .await;
    assert_eq!(body["data"]["orderStatuses"][0]["status"], "PENDING");
    let staff = app.token(Role::Staff, None);
    let body = app
        .gql(
            Some(&staff),
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    // Circular introspection is bounded for everyone.
    let circular = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }";
    let body = app.gql(Some(&staff), circular, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["limit"],
        "introspectionDepth"
    );
}

#[tokio::test]
async fn introspection_and_the_playground_follow_their_settings() {
    use ordergraph::config::{Introspection, Switch};
    let off = TestApp::spawn_with(|c| c.graphql_introspection = Some(Introspection::Off)).await;
    let body = off
        .gql(
            Some(&off.admin_token()),
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let page = off.client.get(off.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 404, "production: the playground is off");

    let open = TestApp::spawn_with(|c| {
        c.graphql_introspection = Some(Introspection::All);
        c.playground = Some(Switch::On);
    })
    .await;
    let body = open
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let page = open.client.get(open.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn a_spent_budget_is_throttled_with_the_time_to_wait() {
    use ordergraph::config::BudgetSetting;
    let app = TestApp::spawn_with(|c| {
        c.graphql_budgets = vec![(
            Role::Staff,
            Some(Some(BudgetSetting {
                capacity: 100,
                restore_per_second: 10,
            })),
        )];
    })
    .await;
    let staff = app.token(Role::Staff, None);
    let query = "{ orders(first: 30) { nodes { id } } }"; // costs 61
    let body = app.gql(Some(&staff), query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&staff)
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": query}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("THROTTLED"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], wait);
    // Another credential has its own bucket; admins have no budget here.
    let other = app.token(Role::Admin, None);
    let body = app.gql(Some(&other), query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn transport_errors_on_graphql_are_json_with_a_code() {
    let app = TestApp::spawn().await;
    let check = |status: u16, body: &Value| {
        assert!(
            body["errors"][0]["message"].as_str().is_some(),
            "{status}: {body}"
        );
        assert!(
            body["errors"][0]["extensions"]["code"].as_str().is_some(),
            "{status}: {body}"
        );
    };
    let too_big = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(vec![b' '; 5 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    check(413, &too_big.json().await.unwrap());

    let long = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", format!("{{ __typename {} }}", " ".repeat(20_000)))])
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 414);
    check(414, &long.json().await.unwrap());

    let put = app
        .client
        .put(app.url("/graphql"))
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, POST");
    check(405, &put.json().await.unwrap());

    let form = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=%7B__typename%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    check(415, &form.json().await.unwrap());

    let broken = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    check(400, &broken.json().await.unwrap());

    // REST endpoints keep their shape and add the code.
    let rest = app
        .client
        .get(app.url("/api/orders.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 401);
    let body: Value = rest.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHENTICATED");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn a_jwt_that_is_not_valid_yet_is_refused() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let sign = |nbf: i64| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &json!({"sub": "s", "role": "staff", "exp": now + 3600, "nbf": nbf}),
            &jsonwebtoken::EncodingKey::from_secret(crate::helpers::JWT_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let later = app
        .gql(Some(&sign(now + 600)), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(error_code(&later), Some("UNAUTHENTICATED"), "{later}");
    let already = app
        .gql(Some(&sign(now - 10)), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(already["data"]["viewer"]["role"], "STAFF", "{already}");
}

#[tokio::test]
async fn a_weak_jwt_secret_stops_the_server_from_starting() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .args(["migrate", "status"])
        .env("DATABASE_URL", "sqlite::memory:")
        .env("JWT_SECRET", "short-secret")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("JWT_SECRET") && stderr.contains("at least 32"),
        "{stderr}"
    );
}

/// A client bound to `source` (any 127/8 address reaches the server).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn repeated_wrong_passwords_throttle_that_credential_from_that_address_only() {
    let app = TestApp::spawn_with(|c| c.auth_max_failures = 5).await;
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"ann@example.com\", name: \"Ann\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    let token = app
        .admin(
            "mutation($id: ID!) { issueCustomerApiToken(customerId: $id) }",
            json!({"id": customer}),
        )
        .await["issueCustomerApiToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let basic = |secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("ann@example.com:{secret}"))
        )
    };
    let ask = |client: reqwest::Client, authorization: String| {
        let url = app.url("/graphql");
        async move {
            let response = client
                .post(url)
                .header("authorization", authorization)
                .header("accept", "application/graphql-response+json")
                .json(&json!({"query": "{ viewer { role } }"}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, retry, response.json::<Value>().await.unwrap())
        }
    };
    let attacker = client_from("127.0.0.1");
    let wrong = "ogt_0000000000000000_00";
    for _ in 0..5 {
        let (_, _, body) = ask(attacker.clone(), basic(wrong)).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let (_, _, body) = ask(attacker.clone(), basic(wrong)).await;
    assert_eq!(
        error_code(&body),
        Some("UNAUTHENTICATED"),
        "the 6th failure locks"
    );
    // From that address even the right token is throttled now...
    let (status, retry, body) = ask(attacker.clone(), basic(&token)).await;
    assert_eq!(error_code(&body), Some("THROTTLED"), "{body}");
    assert_eq!(status, 429);
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(retry > 200, "{retry}");
    // ... on the REST endpoints too ...
    let rest = attacker
        .get(app.url("/api/orders.json"))
        .header("authorization", basic(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 429);
    assert!(rest.headers().contains_key("retry-after"));
    assert_eq!(rest.json::<Value>().await.unwrap()["code"], "THROTTLED");
    // ... but the customer elsewhere is not locked out.
    let (status, _, body) = ask(client_from("127.0.0.2"), basic(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["viewer"]["role"], "CUSTOMER", "{body}");
}

#[tokio::test]
async fn open_websockets_get_1001_when_the_server_stops() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let mut ws = app
        .ws_as("graphql-transport-ws", &format!("Bearer {token}"))
        .await;
    ws.send(json!({"id": "1", "type": "subscribe",
        "payload": {"query": "subscription { orderEvents { kind } }"}}))
        .await;
    let stopping = tokio::spawn(app.stop());
    match ws.next().await {
        WsEvent::Closed(code) => assert_eq!(code, Some(1001)),
        WsEvent::Json(message) => panic!("expected a close frame, got {message}"),
    }
    let _ = stopping.await;
}

/// graphql-cop's probes (github.com/dolevf/graphql-cop, lib/tests), sent as
/// it sends them, anonymously, against production defaults: each must find
/// nothing. (Batches and GET queries stay allowed by design: DESIGN.)
#[tokio::test]
async fn graphql_cop_probes_find_nothing_with_production_settings() {
    let app = TestApp::spawn().await;
    let post = |query: String| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({"query": query}));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Alias overloading: 101 aliases.
    let aliases: String = (0..101)
        .map(|i| format!("alias{i}:__typename \n"))
        .collect();
    let body = post(format!("query cop {{ {aliases} }}")).await;
    assert!(body["data"]["alias100"].is_null(), "{body}");
    // Circular introspection, and introspection itself.
    let body = post("query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }".into()).await;
    assert!(body["data"].is_null(), "{body}");
    let body = post("query cop { __schema { types { name fields { name } } } }".into()).await;
    assert!(body["data"].is_null(), "{body}");
    // Directive overloading: refused with one error, not one per directive.
    let body = post("query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }".into()).await;
    assert_ne!(body["errors"].as_array().map(Vec::len), Some(10), "{body}");
    // Field suggestions.
    let body = post("query cop { __schema { directive } }".into()).await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    // Trace mode and unhandled errors: no tracing or exception extensions.
    for query in ["query cop { __typename }", "qwerty cop { abc }"] {
        let body = post(query.into()).await;
        let text = body.to_string().to_lowercase();
        assert!(
            !text.contains("\"tracing\"") && !text.contains("\"exception\""),
            "{body}"
        );
    }
    // POST-based CSRF: a form post does not run.
    let form = app
        .client
        .post(app.url("/graphql"))
        .form(&[("query", "query cop { __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    // GET-based mutations.
    let get = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation cop { __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    // GraphiQL is not served.
    let page = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("GraphiQL") && !page.contains("graphiql"),
        "{page}"
    );
}

#[tokio::test]
async fn a_nul_character_in_a_rest_body_is_refused_by_field() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/zapier/order"))
        .bearer_auth(app.admin_token())
        .json(&json!({"orderNumber": "A-1", "customer": {"name": "Ann\u{0}"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["path"], "customer.name", "{body}");
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn a_nul_character_in_an_export_parameter_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/orders.json?platform=shop%00x"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "BAD_USER_INPUT", "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("platform"),
        "{body}"
    );
}
