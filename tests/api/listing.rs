//! The read path (4/6): filters, sorts, cursors, page numbers, stats, and
//! batched nested loading.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const UPSERT: &str =
    "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { order { id number } } }";

/// A varied data set: label → order id.
async fn data_set(app: &TestApp) -> HashMap<String, String> {
    #[rustfmt::skip]
    let rows = [
        // label, status, submittedAt, currency, total, payment, test, customer (ext, email, name), source, tracking, ship name
        ("A", "PENDING",    "2026-01-10T10:00:00Z", "EUR", "100.00", "PENDING",  false, Some(("C1", "c1@example.com", "Carla One")), "shop", None,          Some("Alice Andersen")),
        ("B", "PROCESSING", "2026-01-10T23:59:59Z", "EUR", "250.50", "PAID",     false, Some(("C1", "c1@example.com", "Carla One")), "shop", Some("TRK-B"), None),
        ("C", "SHIPPED",    "2026-01-11T00:00:00Z", "USD", "75.25",  "PAID",     false, Some(("C2", "bob@example.com", "Bob Builder")), "shop", Some("TRK-C"), None),
        ("D", "COMPLETED",  "2026-01-12T08:00:00Z", "EUR", "1000",   "PAID",     false, Some(("C2", "bob@example.com", "Bob Builder")), "pos", None,  None),
        ("E", "CANCELLED",  "2026-01-12T09:00:00Z", "EUR", "40",     "REFUNDED", false, None, "pos", None, None),
        ("F", "REFUNDED",   "2026-01-13T12:00:00Z", "USD", "60",     "REFUNDED", false, Some(("C3", "c3@example.com", "Cy Three")), "shop", None, None),
        ("G", "ON_HOLD",    "2026-01-14T12:00:00Z", "EUR", "10",     "FAILED",   true,  Some(("C1", "c1@example.com", "Carla One")), "shop", None, None),
        ("H", "CONFIRMED",  "2026-01-15T12:00:00Z", "GBP", "500",    "PENDING",  false, None, "api", None, None),
    ];
    let mut ids = HashMap::new();
    for (
        label,
        status,
        submitted,
        currency,
        total,
        payment,
        test,
        customer,
        source,
        tracking,
        ship,
    ) in rows
    {
        let mut input = json!({
            "source": source, "externalId": format!("EXT-{label}"), "status": status, "submittedAt": submitted,
            "currency": currency, "total": total, "paymentStatus": payment, "test": test,
            "lines": [{"name": format!("item {label}"), "quantity": 1, "price": total}],
        });
        if let Some((ext, email, name)) = customer {
            input["customerExternalId"] = json!(ext);
            input["customerEmail"] = json!(email);
            input["customerName"] = json!(name);
        } else if label == "H" {
            input["customerName"] = json!("Zed Zulu");
        }
        if let Some(code) = tracking {
            input["trackingCode"] = json!(code);
        }
        if let Some(name) = ship {
            input["shippingAddress"] = json!({"name": name, "country": "NL"});
        }
        let order = app.admin(UPSERT, json!({"input": input})).await;
        ids.insert(
            label.to_owned(),
            order["upsertOrder"]["order"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for (label, value) in [("B", "high"), ("C", "low")] {
        app.admin(
            "mutation($id: ID!, $v: String) { setOrderAdminFields(id: $id, fields: [{name: \"priority\", value: $v}]) { id } }",
            json!({"id": ids[label], "v": value}),
        )
        .await;
    }
    ids
}

async fn labels(app: &TestApp, ids: &HashMap<String, String>, filter: Value) -> BTreeSet<String> {
    let data = app
        .admin(
            "query($filter: OrderFilter) { orders(filter: $filter, first: 100) { totalCount nodes { id } } }",
            json!({"filter": filter}),
        )
        .await;
    let by_id: HashMap<&str, &str> = ids
        .iter()
        .map(|(l, id)| (id.as_str(), l.as_str()))
        .collect();
    let found: BTreeSet<String> = data["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| by_id[n["id"].as_str().unwrap()].to_owned())
        .collect();
    assert_eq!(
        data["orders"]["totalCount"],
        found.len(),
        "totalCount agrees with the nodes"
    );
    found
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn every_filter_and_combination_returns_exactly_the_expected_orders() {
    let app = TestApp::spawn().await;
    let ids = data_set(&app).await;
    let customer_c1 = app
        .admin(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": ids["A"]}),
        )
        .await["order"]["customer"]["id"]
        .clone();
    let number_e = app
        .admin(
            "query($id: ID!) { order(id: $id) { number } }",
            json!({"id": ids["E"]}),
        )
        .await["order"]["number"]
        .clone();
    let cases: Vec<(Value, &[&str])> = vec![
        (json!({}), &["A", "B", "C", "D", "E", "F", "G", "H"]),
        (json!({"ids": [ids["A"], ids["C"]]}), &["A", "C"]),
        (json!({"statuses": ["SHIPPED", "COMPLETED"]}), &["C", "D"]),
        (json!({"activeOnly": true}), &["A", "B", "C", "G", "H"]),
        (json!({"customerId": customer_c1}), &["A", "B", "G"]),
        (json!({"customerExternalId": "C2"}), &["C", "D"]),
        (json!({"source": "pos"}), &["D", "E"]),
        (json!({"paymentStatuses": ["PAID"]}), &["B", "C", "D"]),
        (json!({"test": true}), &["G"]),
        (json!({"test": false}), &["A", "B", "C", "D", "E", "F", "H"]),
        (json!({"search": "BOB"}), &["C", "D"]),
        (json!({"search": "andersen"}), &["A"]),
        (json!({"search": "zulu"}), &["H"]),
        (json!({"search": "ext-f"}), &["F"]),
        (json!({"search": number_e}), &["E"]),
        (json!({"search": "%"}), &[]),
        (
            json!({"dateFrom": "2026-01-11"}),
            &["C", "D", "E", "F", "G", "H"],
        ),
        (json!({"dateTo": "2026-01-10"}), &["A", "B"]),
        (
            json!({"dateFrom": "2026-01-11", "dateTo": "2026-01-12"}),
            &["C", "D", "E"],
        ),
        (
            json!({"submittedFrom": "2026-01-12T08:30:00Z"}),
            &["E", "F", "G", "H"],
        ),
        (json!({"submittedOn": "2026-01-10"}), &["A", "B"]),
        (json!({"totalMin": "100"}), &["A", "B", "D", "H"]),
        (json!({"totalMax": 60}), &["E", "F", "G"]),
        (
            json!({"totalMin": "50", "totalMax": "100"}),
            &["A", "C", "F"],
        ),
        (json!({"hasTracking": true}), &["B", "C"]),
        (
            json!({"hasTracking": false}),
            &["A", "D", "E", "F", "G", "H"],
        ),
        (
            json!({"adminField": {"name": "priority", "value": "high"}}),
            &["B"],
        ),
        (json!({"adminField": {"name": "priority"}}), &["B", "C"]),
        (
            json!({"activeOnly": true, "customerId": customer_c1, "test": false}),
            &["A", "B"],
        ),
        (
            json!({"source": "shop", "paymentStatuses": ["PAID"], "dateFrom": "2026-01-11"}),
            &["C"],
        ),
        (
            json!({"statuses": ["PENDING", "CONFIRMED"], "totalMin": "200"}),
            &["H"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            labels(&app, &ids, filter.clone()).await,
            set(expected),
            "filter {filter}"
        );
    }
}

#[tokio::test]
async fn every_sort_key_orders_both_ways_with_the_id_breaking_ties() {
    let app = TestApp::spawn().await;
    data_set(&app).await;
    // Two orders with equal totals, to exercise the tie-breaker.
    app.admin(
        UPSERT,
        json!({"input": {"source": "shop", "externalId": "TIE", "total": "100.00"}}),
    )
    .await;
    for field in [
        "CREATED_AT",
        "SUBMITTED_AT",
        "UPDATED_AT",
        "GROSS_TOTAL",
        "NUMBER",
        "STATUS",
    ] {
        for direction in ["ASC", "DESC"] {
            let data = app
                .admin(
                    "query($by: [OrderOrderBy!]) { orders(orderBy: $by, first: 100) { nodes { id number status createdAt submittedAt updatedAt totals { grossTotal } } } }",
                    json!({"by": [{"field": field, "direction": direction}]}),
                )
                .await;
            let nodes = data["orders"]["nodes"].as_array().unwrap().clone();
            let key = |n: &Value| -> (String, i64) {
                let time = |f: &str| {
                    let t: DateTime<Utc> = n[f].as_str().unwrap().parse().unwrap();
                    format!("{:020}", t.timestamp_micros())
                };
                let k = match field {
                    "CREATED_AT" => time("createdAt"),
                    "SUBMITTED_AT" => time("submittedAt"),
                    "UPDATED_AT" => time("updatedAt"),
                    "GROSS_TOTAL" => {
                        let d: Decimal =
                            n["totals"]["grossTotal"].as_str().unwrap().parse().unwrap();
                        format!("{:030.4}", d)
                    }
                    "NUMBER" => format!(
                        "{:020}",
                        n["number"].as_str().unwrap().parse::<u64>().unwrap()
                    ),
                    _ => n["status"].as_str().unwrap().to_owned(),
                };
                (k, crate::helpers::database_id(&n["id"]))
            };
            let mut expected = nodes.clone();
            expected.sort_by_key(key);
            if direction == "DESC" {
                expected.reverse();
            }
            let got: Vec<&Value> = nodes.iter().map(|n| &n["id"]).collect();
            let want: Vec<&Value> = expected.iter().map(|n| &n["id"]).collect();
            assert_eq!(got, want, "{field} {direction}");
            assert_eq!(nodes.len(), 9);
        }
    }
}

async fn import_many(app: &TestApp, prefix: &str, count: usize, day: u32) {
    let orders: Vec<Value> = (0..count)
        .map(|i| {
            json!({"source": "walk", "externalId": format!("{prefix}{i}"),
                   "submittedAt": format!("2026-02-{day:02}T{:02}:{:02}:00Z", i / 60 % 24, i % 60),
                   "lines": [{"name": "x", "quantity": 1, "price": "1"}]})
        })
        .collect();
    app.admin(
        "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
        json!({"input": {"source": "walk", "orders": orders}}),
    )
    .await;
}

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) { orders(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { externalId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

#[tokio::test]
async fn a_cursor_walk_visits_every_order_once_while_orders_arrive() {
    let app = TestApp::spawn().await;
    import_many(&app, "O", 30, 10).await;
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app.admin(PAGE, json!({"first": 7, "after": after})).await;
        let page = &data["orders"];
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["externalId"].as_str().unwrap().to_owned());
        }
        pages += 1;
        if pages == 2 {
            // New orders land before (newer) and after (older) the walk's position.
            import_many(&app, "NEWER", 3, 20).await;
            import_many(&app, "OLDER", 3, 1).await;
        }
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 1);
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no order twice: {seen:?}");
    for i in 0..30 {
        assert!(unique.contains(&format!("O{i}")), "O{i} visited");
    }
    assert!(
        !seen.iter().any(|s| s.starts_with("NEWER")),
        "newer orders sort before the walk's position"
    );
    assert_eq!(
        seen.iter().filter(|s| s.starts_with("OLDER")).count(),
        3,
        "older arrivals come later in the walk"
    );
}

#[tokio::test]
async fn walking_backward_with_last_and_before_visits_every_order_once() {
    let app = TestApp::spawn().await;
    import_many(&app, "O", 20, 10).await;
    let forward = app.admin(PAGE, json!({"first": 100})).await;
    let all: Vec<String> = forward["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["externalId"].as_str().unwrap().to_owned())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let data = app.admin(PAGE, json!({"last": 6, "before": before})).await;
        let page = &data["orders"];
        let mut chunk: Vec<String> = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["externalId"].as_str().unwrap().to_owned())
            .collect();
        chunk.extend(seen);
        seen = chunk;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen, all,
        "backward pages put together equal the forward list"
    );
}

#[tokio::test]
async fn page_numbers_give_the_right_slices() {
    let app = TestApp::spawn().await;
    import_many(&app, "P", 10, 10).await;
    let all = app
        .admin(
            "{ orders(perPage: 100) { nodes { externalId } } }",
            json!({}),
        )
        .await["orders"]["nodes"]
        .clone();
    let page = app
        .admin("{ orders(page: 3, perPage: 4) { totalCount nodes { externalId } pageInfo { hasNextPage hasPreviousPage } } }", json!({}))
        .await;
    assert_eq!(page["orders"]["totalCount"], 10);
    assert_eq!(
        page["orders"]["nodes"],
        json!(all.as_array().unwrap()[8..10])
    );
    assert_eq!(
        page["orders"]["pageInfo"],
        json!({"hasNextPage": false, "hasPreviousPage": true})
    );
    let second = app
        .admin(
            "{ orders(page: 2, perPage: 4) { nodes { externalId } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        second["orders"]["nodes"],
        json!(all.as_array().unwrap()[4..8])
    );
    assert_eq!(second["orders"]["pageInfo"]["hasNextPage"], true);
    let past_end = app
        .admin(
            "{ orders(page: 9, perPage: 4) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(past_end["orders"], json!({"totalCount": 10, "nodes": []}));
}

#[tokio::test]
async fn page_size_defaults_to_20_and_over_100_is_refused() {
    let app = TestApp::spawn().await;
    import_many(&app, "S", 130, 10).await;
    let default = app.admin("{ orders { nodes { id } } }", json!({})).await;
    assert_eq!(default["orders"]["nodes"].as_array().unwrap().len(), 20);
    let full = app
        .admin(
            "{ orders(first: 100) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(full["orders"]["nodes"].as_array().unwrap().len(), 100);
    assert_eq!(full["orders"]["totalCount"], 130);
    let token = app.admin_token();
    for (query, field) in [
        ("{ orders(first: 101) { nodes { id } } }", "first"),
        ("{ orders(last: 101) { nodes { id } } }", "last"),
        ("{ orders(perPage: 101) { nodes { id } } }", "perPage"),
    ] {
        let body = app.gql(Some(&token), query, json!({})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["fields"][0]["path"], field);
    }
}

#[tokio::test]
async fn cursors_and_page_numbers_cannot_be_mixed_and_foreign_cursors_are_refused() {
    let app = TestApp::spawn().await;
    import_many(&app, "M", 3, 10).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            "{ orders(first: 2, page: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = app
        .gql(
            Some(&app.admin_token()),
            "{ orders(first: 0) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    let page = app
        .admin("{ orders(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = page["orders"]["pageInfo"]["endCursor"].clone();
    let body = app
        .gql(
            Some(&app.admin_token()),
            "query($c: String) { orders(first: 1, after: $c, orderBy: [{field: GROSS_TOTAL, direction: ASC}]) { totalCount } }",
            json!({"c": cursor}),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "a cursor of another ordering"
    );
    let body = app
        .gql(
            Some(&app.admin_token()),
            "{ orders(first: 1, after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"],
        "after"
    );
}

#[tokio::test]
async fn stats_match_a_hand_computation_per_currency() {
    let app = TestApp::spawn().await;
    let ids = data_set(&app).await;
    let query = "query($f: StatsFilter) { orderStats(filter: $f) { totalOrders activeOrders byStatus { status count } revenue { currency amount } averageOrderValue { currency amount } } }";
    let all = app.admin(query, json!({})).await["orderStats"].clone();
    // G is a test order: left out. E (CANCELLED) and F (REFUNDED) count as
    // orders but not as revenue.
    assert_eq!(all["totalOrders"], 7);
    assert_eq!(all["activeOrders"], 4);
    let by_status: HashMap<String, i64> = all["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_status.len(), 10, "every status listed");
    for (status, n) in [
        ("PENDING", 1),
        ("PROCESSING", 1),
        ("SHIPPED", 1),
        ("COMPLETED", 1),
        ("CANCELLED", 1),
        ("REFUNDED", 1),
        ("CONFIRMED", 1),
        ("ON_HOLD", 0),
        ("DELIVERED", 0),
    ] {
        assert_eq!(by_status[status], n, "{status}");
    }
    assert_eq!(
        all["revenue"],
        json!([{"currency": "EUR", "amount": "1350.50"}, {"currency": "GBP", "amount": "500.00"}, {"currency": "USD", "amount": "75.25"}])
    );
    assert_eq!(
        all["averageOrderValue"],
        json!([{"currency": "EUR", "amount": "450.1667"}, {"currency": "GBP", "amount": "500.00"}, {"currency": "USD", "amount": "75.25"}])
    );

    let test_only = app.admin(query, json!({"f": {"test": true}})).await["orderStats"].clone();
    assert_eq!(test_only["totalOrders"], 1);
    assert_eq!(
        test_only["revenue"],
        json!([{"currency": "EUR", "amount": "10.00"}])
    );

    let c1 = app
        .admin(query, json!({"f": {"customerExternalId": "C1"}}))
        .await["orderStats"]
        .clone();
    assert_eq!(c1["totalOrders"], 2);
    assert_eq!(
        c1["averageOrderValue"],
        json!([{"currency": "EUR", "amount": "175.25"}])
    );

    let days = app
        .admin(
            query,
            json!({"f": {"dateFrom": "2026-01-12", "dateTo": "2026-01-13", "source": "pos"}}),
        )
        .await["orderStats"]
        .clone();
    assert_eq!(days["totalOrders"], 2);
    assert_eq!(
        days["revenue"],
        json!([{"currency": "EUR", "amount": "1000.00"}])
    );
    let _ = ids;
}

const EVERYTHING: &str =
    "query($n: Int) { orders(first: $n) { totalCount pageInfo { endCursor } edges { cursor node {
    id number status totals { grossTotal }
    customer { id email name }
    shippingAddress { id name } billingAddress { id name }
    lines { id name quantity totalAfterVat address { id address1 } }
    messages { id text } adminFields { name value } events { id kind }
} } } }";

#[tokio::test]
async fn nested_loading_runs_the_same_few_statements_for_10_or_100_orders() {
    let app = TestApp::spawn().await;
    let orders: Vec<Value> = (0..120)
        .map(|i| {
            json!({"source": "load", "externalId": format!("L{i}"), "customerEmail": format!("c{}@example.com", i % 7),
                   "shippingAddress": {"name": format!("Ship {i}"), "country": "NL"},
                   "billingAddress": {"name": format!("Bill {i}"), "country": "NL"},
                   "lines": [{"name": "a", "quantity": 1, "price": "1", "address": {"address1": "Dock 1", "country": "NL"}},
                             {"name": "b", "quantity": 2, "price": "3"}]})
        })
        .collect();
    app.admin(
        "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
        json!({"input": {"source": "load", "orders": orders}}),
    )
    .await;
    let listed = app
        .admin("{ orders(first: 100) { nodes { id } } }", json!({}))
        .await;
    for node in listed["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(9)
    {
        app.admin(
            "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"x\", text: \"hi\") { id } }",
            json!({"id": node["id"]}),
        )
        .await;
        app.admin("mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"k\", value: \"v\"}]) { id } }", json!({"id": node["id"]})).await;
    }

    let mut counts = Vec::new();
    for n in [10, 100] {
        let before = app.statements.load(Ordering::SeqCst);
        let data = app.admin(EVERYTHING, json!({"n": n})).await;
        counts.push(app.statements.load(Ordering::SeqCst) - before);
        let edges = data["orders"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert_eq!(edges[0]["node"]["lines"].as_array().unwrap().len(), 2);
        assert!(edges[0]["node"]["lines"][0]["address"]["address1"] == "Dock 1");
        assert!(edges[0]["node"]["customer"]["email"].is_string());
        assert_eq!(data["orders"]["totalCount"], 120);
        // The customer and addresses come joined to the page: each order
        // must get its own.
        for edge in edges {
            let node = &edge["node"];
            let number = node["shippingAddress"]["name"]
                .as_str()
                .unwrap()
                .trim_start_matches("Ship ");
            assert_eq!(node["billingAddress"]["name"], format!("Bill {number}"));
        }
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 10 and 100 orders: {counts:?}"
    );
    // The page with its count, customers and addresses; lines with their
    // addresses; messages; admin fields; events.
    assert!(counts[1] <= 5, "at most 5 statements, ran {}", counts[1]);
    // Past the last order the page has no row to carry the count.
    let all = app
        .admin(
            "{ orders(first: 100) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let after = all["orders"]["pageInfo"]["endCursor"].clone();
    let rest = app
        .admin(
            "query($after: String) { orders(first: 100, after: $after) { totalCount edges { node { customer { id } } } } }",
            json!({"after": after}),
        )
        .await;
    assert_eq!(rest["orders"]["edges"].as_array().unwrap().len(), 20);
    let last = app
        .admin(
            "query($after: String) { orders(first: 100, after: $after) { pageInfo { endCursor } } }",
            json!({"after": after}),
        )
        .await;
    let end = last["orders"]["pageInfo"]["endCursor"].clone();
    let past = app
        .admin(
            "query($after: String) { orders(first: 5, after: $after) { totalCount nodes { id } } }",
            json!({"after": end}),
        )
        .await;
    assert_eq!(past["orders"]["nodes"].as_array().unwrap().len(), 0);
    assert_eq!(past["orders"]["totalCount"], 120);
    eprintln!("statements per page: {counts:?}");
}

#[tokio::test]
async fn a_customer_lists_their_orders_and_addressbook() {
    let app = TestApp::spawn().await;
    let ids = data_set(&app).await;
    let customer = app
        .admin(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": ids["C"]}),
        )
        .await["order"]["customer"]["id"]
        .clone();
    let data = app
        .admin(
            "query($id: ID!) { customer(id: $id) { email orders(first: 10) { totalCount nodes { externalId } } addressbooks { id } } }",
            json!({"id": customer}),
        )
        .await;
    assert_eq!(data["customer"]["email"], "bob@example.com");
    assert_eq!(data["customer"]["orders"]["totalCount"], 2);
    assert_eq!(
        data["customer"]["orders"]["nodes"],
        json!([{"externalId": "EXT-D"}, {"externalId": "EXT-C"}])
    );
}

/// What Relay's cursor spec and Apollo's `relayStylePagination` rely on, for
/// a connection page: the page cursors are its first and last edges' cursors,
/// and an empty page has none.
fn assert_relay_page(page: &Value) {
    let edges = page["edges"].as_array().unwrap();
    let info = &page["pageInfo"];
    match (edges.first(), edges.last()) {
        (Some(first), Some(last)) => {
            assert_eq!(info["startCursor"], first["cursor"], "{page}");
            assert_eq!(info["endCursor"], last["cursor"], "{page}");
        }
        _ => {
            assert!(
                info["startCursor"].is_null() && info["endCursor"].is_null(),
                "{page}"
            );
            assert_eq!(info["hasNextPage"], false);
        }
    }
    assert!(
        edges
            .iter()
            .all(|e| e["cursor"].is_string() && e["node"].is_object())
    );
}

#[tokio::test]
async fn every_connection_follows_the_relay_cursor_spec() {
    let app = TestApp::spawn().await;
    // Orders: pages forward and backward, and an empty result.
    import_many(&app, "R", 9, 10).await;
    for variables in [
        json!({"first": 4}),
        json!({"last": 4}),
        json!({"first": 100}),
    ] {
        let data = app.admin(PAGE, variables).await;
        assert_relay_page(&data["orders"]);
    }
    let empty = app
        .admin(
            "{ orders(filter: {search: \"no such order\"}) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            json!({}),
        )
        .await;
    assert_relay_page(&empty["orders"]);

    // A customer's orders: the same connection type, walked to the end.
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"walk@example.com\", name: \"Walk\"}) { id } }",
            json!({}),
        )
        .await["upsertCustomer"]["id"]
        .clone();
    for _ in 0..5 {
        app.admin(
            "mutation($c: ID!) { placeOrder(input: {customerId: $c, lines: [{name: \"x\", quantity: 1, price: \"1\"}]}) { id } }",
            json!({"c": customer}),
        )
        .await;
    }
    let walk = "query($c: ID!, $after: String) { node(id: $c) { ... on Customer { orders(first: 2, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }";
    let (mut after, mut seen) = (None::<String>, Vec::new());
    loop {
        let data = app
            .admin(walk, json!({"c": customer, "after": after}))
            .await;
        let page = &data["node"]["orders"];
        assert_relay_page(page);
        seen.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].to_string()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");

    // Deliveries (e-mails kept without SMTP): forward pages.
    let deliveries = app
        .admin(
            "{ deliveries(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            json!({}),
        )
        .await;
    assert_relay_page(&deliveries["deliveries"]);
}

/// The page's own row decoders (`from_row`, `from_prefixed`, which read
/// NULLs without sea-orm's error formatting) give exactly what sea-orm's
/// derived decoding gives, for orders with most optional columns set and
/// with them NULL, on both backends.
#[tokio::test]
async fn hand_written_row_decoders_match_sea_orms() {
    use ordergraph::entities::{addressbook, order, order_line};
    use sea_orm::{ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryTrait};

    let app = TestApp::spawn().await;
    let full = json!({"source": "dec", "externalId": "FULL", "reference": "R-1", "currency": "EUR",
        "customerEmail": "full@example.com", "customerName": "Full", "paymentStatus": "PAID",
        "paymentMethod": "card", "notes": "n", "userId": "u-1", "metadata": {"k": [1, "x"]},
        "trackingCode": "T1", "shippingCosts": "4.95",
        "shippingAddress": {"name": "Ship", "firstName": "A", "lastName": "B", "companyName": "C",
            "address1": "Dock 1", "address2": "Hall 2", "postalCode": "1000 AA", "city": "Amsterdam",
            "province": "NH", "country": "NL", "phone": "+31", "email": "s@example.com", "comments": "c"},
        "lines": [{"name": "full", "quantity": "2.5", "price": "3.3333", "sku": "S", "ean13": "8712345678906",
            "mpn": "M", "upc": "U", "brand": "B", "category": "C", "supplier": "X", "imageUrl": "https://i.example/x.png",
            "url": "https://example.com/x", "note": "line note", "custom": {"a": 1}, "productVariantCode": "PV",
            "externalId": "L1", "address": {"address1": "Dock 2", "country": "NL"}}]});
    let bare = json!({"source": "dec", "externalId": "BARE", "lines": [{"name": "bare", "quantity": 1, "price": "1"}]});
    let imported = app
        .admin(
            "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported results { errors } } }",
            json!({"input": {"source": "dec", "orders": [full, bare]}}),
        )
        .await;
    assert_eq!(imported["importOrders"]["ordersImported"], 2, "{imported}");

    let backend = app.db.get_database_backend();
    let derived = order::Entity::find().all(&app.db).await.unwrap();
    let rows = app
        .db
        .query_all_raw(order::Entity::find().build(backend))
        .await
        .unwrap();
    let decoded: Vec<order::Model> = rows
        .iter()
        .map(|r| order::Model::from_row(r).unwrap())
        .collect();
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoded, derived);
    assert!(
        derived
            .iter()
            .any(|o| o.metadata.is_some() && o.user_id.is_some())
    );
    assert!(
        derived
            .iter()
            .any(|o| o.metadata.is_none() && o.reference.is_none())
    );

    let derived = order_line::Entity::find().all(&app.db).await.unwrap();
    let rows = app
        .db
        .query_all_raw(order_line::Entity::find().build(backend))
        .await
        .unwrap();
    let decoded: Vec<order_line::Model> = rows
        .iter()
        .map(|r| order_line::Model::from_row(r).unwrap())
        .collect();
    assert_eq!(decoded, derived);
    assert!(
        derived
            .iter()
            .any(|l| l.custom.is_some() && l.address_id.is_some())
    );

    // Addresses under a prefix, as the page joins them.
    let names = ordergraph::entities::PrefixedNames::new::<addressbook::Column>("sa_");
    let derived = addressbook::Entity::find().all(&app.db).await.unwrap();
    let columns = addressbook::Column::iter()
        .map(|c| format!("{} AS {}", c.as_str(), names.get(c as usize)))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            format!("SELECT {columns} FROM addressbooks ORDER BY id"),
        ))
        .await
        .unwrap();
    let mut derived = derived;
    derived.sort_by_key(|a| a.id);
    let decoded: Vec<addressbook::Model> = rows
        .iter()
        .map(|r| {
            addressbook::Model::from_prefixed(r, &names)
                .unwrap()
                .unwrap()
        })
        .collect();
    assert_eq!(decoded, derived);
    assert!(derived.iter().any(|a| a.comments.is_some()));
}

const TOTAL: &str =
    "query($filter: OrderFilter) { orders(first: 1, filter: $filter) { totalCount } }";

async fn total(app: &TestApp, filter: Value) -> i64 {
    let body = app
        .gql(Some(&app.admin_token()), TOTAL, json!({ "filter": filter }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["orders"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("no totalCount: {body}"))
}

/// Issue 16: `totalCount` of an unfiltered list is read from the order
/// count's delta rows, not by counting orders, and stays exact: after
/// imports (many orders per statement), a repeated import that inserts
/// nothing, eight concurrent writers with the deltas folded while they
/// write, and a fold after them. A delta row written under the API shows
/// that the unfiltered count reads the deltas while filtered counts and
/// customers' counts still count rows.
#[tokio::test]
async fn total_count_of_every_order_is_exact_without_counting_rows() {
    let app = TestApp::spawn().await;
    let db = ordergraph::db::Db::new(app.db.clone());
    assert_eq!(total(&app, Value::Null).await, 0);
    import_many(&app, "a", 30, 1).await;
    import_many(&app, "a", 30, 1).await; // the same 30: updated, none inserted
    assert_eq!(total(&app, Value::Null).await, 30);

    let writers: Vec<_> = (0..8)
        .map(|w| {
            let app_orders: Vec<Value> = (0..5)
                .map(|i| {
                    json!({"source": "walk", "externalId": format!("w{w}-{i}"),
                           "lines": [{"name": "x", "quantity": 1, "price": "1"}]})
                })
                .collect();
            app.spawn_admin(
                "mutation($input: ImportOrdersInput!) { importOrders(input: $input) { ordersImported } }",
                json!({"input": {"source": "walk", "orders": app_orders}}),
            )
        })
        .collect();
    let placers: Vec<_> = (0..8)
        .map(|w| {
            app.spawn_admin(
                "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }",
                json!({"input": {"reference": format!("p{w}"), "customerEmail": format!("c{w}@example.com"),
                                 "lines": [{"name": "x", "quantity": 1, "price": "2"}]}}),
            )
        })
        .collect();
    let mut folded = 0;
    for _ in 0..20 {
        folded += ordergraph::orders::count::compact(&db)
            .await
            .expect("fold the deltas");
        tokio::task::yield_now().await;
    }
    for writer in writers.into_iter().chain(placers) {
        let body = writer.await.expect("writer");
        assert!(body.get("errors").is_none(), "{body}");
    }
    let counted = app.count("orders").await;
    assert_eq!(counted, 30 + 8 * 5 + 8);
    assert_eq!(total(&app, Value::Null).await, counted);
    folded += ordergraph::orders::count::compact(&db)
        .await
        .expect("fold the deltas");
    assert_eq!(total(&app, Value::Null).await, counted);
    if app.backend == crate::helpers::Backend::Postgres {
        // One row per INSERT statement, folded into one.
        assert!(folded > 0, "nothing was folded");
        assert_eq!(app.count("order_count_deltas").await, 1);
    }

    // The unfiltered count reads the deltas; nothing else does.
    use sea_orm::ConnectionTrait;
    let tamper = match app.backend {
        crate::helpers::Backend::Postgres => "INSERT INTO order_count_deltas (delta) VALUES (1000)",
        crate::helpers::Backend::Sqlite => {
            "UPDATE order_count_deltas SET delta = delta + 1000 WHERE id = 1"
        }
    };
    app.db.execute_unprepared(tamper).await.expect("tamper");
    assert_eq!(total(&app, Value::Null).await, counted + 1000);
    assert_eq!(total(&app, json!({"source": "walk"})).await, counted - 8);
    assert_eq!(total(&app, json!({"tagsAll": []})).await, counted);
    let customer = app
        .gql(
            Some(&app.admin_token()),
            "{ orders(first: 1, filter: {search: \"c3@example.com\"}) { nodes { customer { id } } } }",
            Value::Null,
        )
        .await["data"]["orders"]["nodes"][0]["customer"]["id"]
        .clone();
    let customer_id = crate::helpers::database_id(&customer);
    let own = app
        .gql(
            Some(&app.token(ordergraph::auth::Role::Customer, Some(customer_id))),
            TOTAL,
            Value::Null,
        )
        .await;
    assert_eq!(own["data"]["orders"]["totalCount"], 1, "{own}");
}
