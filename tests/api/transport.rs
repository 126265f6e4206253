//! Transport hygiene on /graphql: what the stock service would leave open.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn a_query_over_get_runs() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ orderStatuses { status } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["orderStatuses"][0]["status"], "PENDING");
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405() {
    let app = TestApp::spawn().await;
    for (query, operation_name) in [
        ("mutation { __typename }", None),
        (
            "query A { __typename } mutation B { __typename }",
            Some("B"),
        ),
        // No name picks nothing; a mutation in the document is still refused.
        ("query A { __typename } mutation B { __typename }", None),
    ] {
        let mut params = vec![("query", query)];
        if let Some(name) = operation_name {
            params.push(("operationName", name));
        }
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{query} / {operation_name:?}");
        assert_eq!(response.headers()["allow"], "POST");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    }
}

#[tokio::test]
async fn a_body_over_four_mebibytes_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(4 * 1024 * 1024);
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": "{ __typename }", "variables": {"padding": padding}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    // Just under the limit is fine.
    let padding = "x".repeat(4 * 1000 * 1000);
    let body = app
        .gql(None, "{ __typename }", json!({"padding": padding}))
        .await;
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test]
async fn a_batch_of_five_runs_and_six_is_refused() {
    let app = TestApp::spawn().await;
    let operation = json!({"query": "{ orderStatuses { status } }"});
    let five = vec![operation.clone(); 5];
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&five)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(5),
        "one result per operation"
    );

    let six = vec![operation; 6];
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&six)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn a_post_that_is_not_json_is_refused_with_415() {
    let app = TestApp::spawn().await;
    // What a cross-site HTML form can send without a preflight.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn a_body_that_is_not_a_graphql_request_is_400_with_a_code() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn parse_validation_and_argument_errors_carry_bad_user_input() {
    let app = TestApp::spawn().await;
    for query in [
        "{ orderStatuses { status ",                    // does not parse
        "{ orderStatusez { status } }",                 // unknown field
        "{ orderStatuses(first: 1) { status } }",       // unknown argument
        "query($x: Int!) { orderStatuses { status } }", // variable not given
    ] {
        let body = app.gql(Some(&app.admin_token()), query, json!({})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{query}: {body}");
    }
}

#[tokio::test]
async fn unknown_field_errors_make_no_suggestions() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, "{ orderStatus { status } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn depth_cost_and_directive_limits_are_enforced_with_their_numbers() {
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let mut deep = String::from("name");
    for _ in 0..20 {
        deep = format!("ofType {{ {deep} }}");
    }
    let too_deep = format!("{{ __schema {{ types {{ fields {{ type {{ {deep} }} }} }} }} }}");
    let body = app.gql(Some(&token), &too_deep, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["limit"], "depth");
    assert_eq!(ext["allowed"], 15);
    assert!(ext["requested"].as_u64().unwrap() > 15, "{body}");

    let many_directives = format!(
        "{{ orderStatuses {} {{ status }} }}",
        "@include(if: true) ".repeat(11)
    );
    let body = app.gql(Some(&token), &many_directives, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // 25 pages of 100 orders with their lines: refused up front, naming the
    // cost and the limit.
    let costly = format!(
        "{{ {} }}",
        (0..25)
            .map(|i| format!("a{i}: orders(first: 100) {{ nodes {{ lines {{ id }} }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let body = app.gql(Some(&token), &costly, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["limit"], "cost");
    assert_eq!(ext["allowed"], 25000);
    assert!(ext["requested"].as_u64().unwrap() > 25000, "{body}");
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    use sha2::Digest;
    let app = TestApp::spawn().await;
    let token = app.admin_token();
    let query = "query Statuses { orderStatuses { status } }";
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    let apq = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let post = |body: Value| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // The hash alone, unknown: the code Apollo's link waits for.
    let unknown = post(json!({"extensions": apq})).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(error_code(&unknown), Some("PERSISTED_QUERY_NOT_FOUND"));
    // The link resends with the query: it runs and is remembered.
    let registered = post(json!({"query": query, "extensions": apq})).await;
    assert_eq!(registered["data"]["orderStatuses"][0]["status"], "PENDING");
    // Now the hash alone runs, over POST and over GET.
    let by_hash = post(json!({"extensions": apq})).await;
    assert_eq!(by_hash["data"], registered["data"]);
    let get: Value = app
        .client
        .get(app.url("/graphql"))
        .bearer_auth(&token)
        .query(&[("extensions", apq.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get["data"], registered["data"], "{get}");
    // A query that does not match its hash is refused.
    let wrong = post(json!({"query": "{ __typename }", "extensions": apq})).await;
    assert_eq!(error_code(&wrong), Some("BAD_USER_INPUT"), "{wrong}");
    // A persisted query still goes through every check: registered by an
    // admin, asked for by hash without credentials, it is refused.
    let orders = "{ orders { totalCount } }";
    let orders_apq = json!({"persistedQuery": {"version": 1,
        "sha256Hash": hex::encode(sha2::Sha256::digest(orders.as_bytes()))}});
    post(json!({"query": orders, "extensions": orders_apq})).await;
    let anonymous: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"extensions": orders_apq}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
}
