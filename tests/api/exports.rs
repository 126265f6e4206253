//! REST exports (seed 003): JSON, CSV and XML, parsed with real parsers,
//! honouring the filters and the credentials. Amounts as seed 003 prints
//! them (Ruby's BigDecimal: "2177.2", "5.0"). The seed 003 filters and fields
//! are tested with the dialect (`dialects::wholesale::exports`).

use std::collections::BTreeSet;

use quick_xml::events::Event;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const UPSERT: &str =
    "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { order { id } } }";

/// Three recent orders (two lines, one line, no lines) and one from 2019.
async fn orders(app: &TestApp) -> Vec<String> {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let inputs = [
        json!({"source": "b2b", "externalId": "X1", "status": "SHIPPED", "customerEmail": "demo@b2bwave.com",
               "customerName": "Customer Name", "currency": "USD",
               "shippingAddress": {"address1": "4290 Payne Ave. Apt 10", "city": "San Jose", "province": "OR", "country": "US", "postalCode": "95117"},
               "lines": [{"productCode": null, "name": "Coffee Beans", "quantity": 200, "price": "10.0", "vatPercentage": "8.5"},
                         {"name": "Green Valley 23d", "quantity": 2, "price": "3.0", "vatPercentage": "20"}]}),
        json!({"source": "b2b", "externalId": "X2", "status": "PENDING", "lines": [{"name": "Brown Pot", "quantity": 1, "price": "8"}]}),
        json!({"source": "b2b", "externalId": "X3", "status": "PENDING", "total": "5"}),
        json!({"source": "b2b", "externalId": "OLD", "status": "SHIPPED", "submittedAt": "2019-06-01T22:32:27Z",
               "lines": [{"name": "Old", "quantity": 1, "price": "1"}]}),
    ];
    let mut ids = Vec::new();
    for input in inputs {
        let data = app.admin(UPSERT, json!({"input": input})).await;
        ids.push(
            data["upsertOrder"]["order"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.admin(
        "mutation($id: ID!) { setOrderAdminFields(id: $id, fields: [{name: \"Warehouse note\", value: \"fragile & heavy\"}]) { id } }",
        json!({"id": ids[0]}),
    )
    .await;
    let _ = today;
    ids
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn json_ids(app: &TestApp, query: &str) -> Vec<String> {
    let response = get(
        app,
        &format!("/api/orders.json{query}"),
        Some(&app.admin_token()),
    )
    .await;
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    body.as_array()
        .unwrap()
        .iter()
        .map(|o| o["order"]["external_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn exports_need_credentials() {
    let app = TestApp::spawn().await;
    for format in ["json", "csv", "xml"] {
        let response = get(&app, &format!("/api/orders.{format}"), None).await;
        assert_eq!(response.status(), 401, "{format}");
        let response = get(&app, &format!("/api/orders.{format}"), Some("forged")).await;
        assert_eq!(response.status(), 401, "{format}");
    }
}

#[tokio::test]
async fn json_has_the_seed_shape_and_honours_the_filters() {
    let app = TestApp::spawn().await;
    let ids = orders(&app).await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();

    let response = get(
        &app,
        &format!("/api/orders.json?id_eq={}", ids[0]),
        Some(&app.admin_token()),
    )
    .await;
    assert!(
        response.headers().get("content-length").is_none(),
        "the body is streamed"
    );
    let body: Value = response.json().await.unwrap();
    let order = &body[0]["order"];
    assert_eq!(order["gross_total"], "2177.2");
    assert_eq!(order["total_vat"], "171.2");
    assert_eq!(order["status"], "SHIPPED");
    assert_eq!(order["country"], "US");
    assert_eq!(order["customer_email"], "demo@b2bwave.com");
    assert_eq!(
        order["extra_fields"],
        json!({"Warehouse note": "fragile & heavy"})
    );
    let product = &order["order_products"][0]["order_product"];
    assert_eq!(product["product_name"], "Coffee Beans");
    assert_eq!(product["quantity"], "200.0");
    assert_eq!(product["total_vat"], "170.0");
    assert_eq!(product["total_after_vat"], "2170.0");

    // No parameters: the last 24 hours, newest first (seed 003).
    assert_eq!(json_ids(&app, "").await, ["X3", "X2", "X1"]);
    let both = json_ids(&app, &format!("?id_in[]={}&id_in[]={}", ids[1], ids[3])).await;
    assert_eq!(both, ["X2", "OLD"]);
    assert_eq!(json_ids(&app, "?status_in[]=SHIPPED").await, ["X1", "OLD"]);
    assert_eq!(
        json_ids(
            &app,
            "?status_in%5B%5D=pending&status_in%5B%5D=shipped&submitted_at_gteq=2020-01-01"
        )
        .await,
        ["X3", "X2", "X1"]
    );
    assert_eq!(
        json_ids(&app, "?submitted_at_casted_eq=2019-06-01").await,
        ["OLD"]
    );
    assert_eq!(
        json_ids(&app, &format!("?submitted_at_casted_eq={today}")).await,
        ["X3", "X2", "X1"]
    );

    let bad = get(
        &app,
        "/api/orders.json?submitted_at_gteq=yesterday",
        Some(&app.admin_token()),
    )
    .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn csv_has_one_row_per_line_with_the_order_columns_repeated() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    let response = get(&app, "/api/orders.csv", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (ext, line_name, gross) = (
        column("external_id"),
        column("line_product_name"),
        column("gross_total"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let summary: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[ext].to_owned(),
                r[line_name].to_owned(),
                r[gross].to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("X3".into(), "".into(), "5.0".into()),
            ("X2".into(), "Brown Pot".into(), "8.0".into()),
            ("X1".into(), "Coffee Beans".into(), "2177.2".into()),
            ("X1".into(), "Green Valley 23d".into(), "2177.2".into()),
        ]
    );
    assert!(rows.iter().all(|r| r.len() == headers.len()));
}

#[tokio::test]
async fn xml_parses_and_holds_orders_with_their_products() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    let response = get(
        &app,
        "/api/orders.xml?status_in[]=SHIPPED&submitted_at_gteq=2000-01-01",
        Some(&app.admin_token()),
    )
    .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut orders, mut products, mut path, mut texts) = (0, 0, Vec::<String>::new(), Vec::new());
    let mut root_type = None;
    let mut current = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "orders" {
                    root_type = e
                        .try_get_attribute("type")
                        .unwrap()
                        .map(|a| a.unescape_value().unwrap().into_owned());
                }
                if name == "order" {
                    orders += 1;
                }
                if name == "order-product" {
                    products += 1;
                }
                path.push(name);
                current.clear();
            }
            Event::End(_) => {
                if !current.is_empty() {
                    texts.push((path.join("/"), std::mem::take(&mut current)));
                }
                path.pop();
            }
            // Text arrives in pieces around entity references (&amp; and such).
            Event::Text(t) => current.push_str(&t.xml_content().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                current.push_str(
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .expect("a predefined entity"),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root_type.as_deref(), Some("array"));
    assert_eq!(orders, 2);
    assert_eq!(products, 3);
    let find = |p: &str| {
        texts
            .iter()
            .filter(|(path, _)| path == p)
            .map(|(_, t)| t.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(find("orders/order/external-id"), ["X1", "OLD"]);
    assert_eq!(find("orders/order/gross-total")[0], "2177.2");
    assert_eq!(
        find("orders/order/extra-fields/extra-field"),
        ["fragile & heavy"]
    );
    let names: BTreeSet<String> = find("orders/order/order-products/order-product/product-name")
        .into_iter()
        .collect();
    assert!(names.contains("Green Valley 23d"));
}

#[tokio::test]
async fn a_customer_exports_only_their_own_orders_without_staff_data() {
    let app = TestApp::spawn().await;
    let ids = orders(&app).await;
    let customer = app
        .admin(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": ids[0]}),
        )
        .await;
    let customer_id: i64 = crate::helpers::database_id(&customer["order"]["customer"]["id"]);
    let token = app.token(ordergraph::auth::Role::Customer, Some(customer_id));
    let body: Value = get(&app, "/api/orders.json", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let orders = body.as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["order"]["external_id"], "X1");
    assert!(orders[0]["order"].get("extra_fields").is_none());
    assert!(orders[0]["order"].get("comments_wholesaler").is_none());
}
