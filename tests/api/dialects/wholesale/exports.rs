//! The exports' seed 003 side: `status_order_id_eq` and `status_order_id_in[]`
//! filter in JSON, CSV and XML alike; the seed's fields (status id and name,
//! variant code, customer reference code) in the seed's order and format.

use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::json;

use super::parse;
use crate::dialects::keys;
use crate::helpers::*;

/// Seed 003's JSON export sample, verbatim.
const EXPORT_SAMPLE: &str = r#"[ { "order": { "id": "2", "status_order_id": 5, "status_order_name": "Sent", "customer_id": 2, "submitted_at": "2019-06-01T22:32:27.000-04:00", "comments_customer": "", "comments_wholesaler": "", "address": "4290 Payne Ave. Apt 10", "address2": "", "city": "San Jose", "province": "OR", "country": "US", "postal_code": "95117", "customer_order_reference": "", "shipping_option_id": null, "shipping_costs": "0.0", "shipping_tracking": null, "total_products_before_discount": "2000.0", "discount_percentage": "0.0", "discount_total": null, "total_products_before_vat": "2000.0", "total_before_vat": "2000.0", "total_vat": "0.0", "total_products_after_vat": "2170.0", "gross_total": "2170.0", "extra_fields": {}, "request_delivery_at": null, "integration_ref": null, "payment_token": null, "deleted_at": null, "order_products": [ { "order_product": { "id": 2, "order_id": 2, "product_id": 6, "quantity": "200.0", "price": "10.0", "final_price": "10.0", "discount_percentage": "0.0", "vat_percentage": "8.5", "total_before_vat": "2000.0", "total_vat": "170.0", "total_after_vat": "2170.0", "status_order_id": null, "status_order_name": "", "product_variant_code": "CFB - M", "product_name": "Coffee Beans", "product_code": "CFB" } } ], "customer_email": "delistraty1@gmail.com", "customer_company": "Santa Clara Company", "customer_name": "Joe", "customer_pricelist_id": 1, "customer_phone": "", "customer_reference_code": "", "addressbook_reference_code": null, "addressbook_type": "main", "addressbook_company_name": null, "addressbook_name": null, "addressbook_phone": null, "currency": "USD" } } ]"#;

const UPSERT: &str =
    "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { order { databaseId } } }";

/// The sample's order as SHIPPED ("Sent"), then a PENDING and an ON_HOLD one.
async fn orders(app: &TestApp) {
    app.admin(
        "mutation { upsertProduct(input: {code: \"CFB\", name: \"Coffee Beans\", price: \"10.0\", vatPercentage: \"8.5\"}) { id } }",
        json!({}),
    )
    .await;
    app.admin(
        "mutation { upsertCustomer(input: {email: \"delistraty1@gmail.com\", name: \"Joe\", companyName: \"Santa Clara Company\", referenceCode: \"SC-1\"}) { id } }",
        json!({}),
    )
    .await;
    for input in [
        json!({"source": "b2b", "externalId": "SENT", "status": "SHIPPED", "customerEmail": "delistraty1@gmail.com", "customerName": "Joe", "currency": "USD",
               "shippingAddress": {"address1": "4290 Payne Ave. Apt 10", "city": "San Jose", "province": "OR", "country": "US", "postalCode": "95117"},
               "lines": [{"productCode": "CFB", "productVariantCode": "CFB - M", "quantity": 200}]}),
        json!({"source": "b2b", "externalId": "PENDING", "status": "PENDING", "lines": [{"name": "Brown Pot", "quantity": 1, "price": "8"}]}),
        json!({"source": "b2b", "externalId": "HOLD", "status": "ON_HOLD", "lines": [{"name": "Pot", "quantity": 3, "price": "13"}]}),
    ] {
        app.admin(UPSERT, json!({"input": input})).await;
    }
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn json_ids(app: &TestApp, query: &str) -> Vec<String> {
    let (status, text) = get(app, &format!("/api/orders.json?{query}")).await;
    assert_eq!(status, 200, "{query}: {text}");
    parse(&text)
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order"]["external_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn status_order_id_filters_the_json_export() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    assert_eq!(json_ids(&app, "status_order_id_eq=5").await, ["SENT"]);
    assert_eq!(
        json_ids(&app, "status_order_id_in[]=1&status_order_id_in[]=2").await,
        ["HOLD", "PENDING"]
    );
    assert_eq!(
        json_ids(
            &app,
            "status_order_id_in%5B%5D=2&status_order_id_in%5B%5D=5"
        )
        .await,
        ["PENDING", "SENT"]
    );
    // Both kinds of status filter narrow: nothing is both PENDING and Sent.
    assert!(
        json_ids(&app, "status_order_id_eq=5&status_in[]=PENDING")
            .await
            .is_empty()
    );
    // GET /api/orders is the same JSON export.
    let (status, text) = get(&app, "/api/orders?status_order_id_eq=5").await;
    assert_eq!(status, 200);
    assert_eq!(parse(&text)[0]["order"]["external_id"], "SENT");

    for (query, path) in [
        ("status_order_id_eq=11", "status_order_id_eq"),
        ("status_order_id_eq=sent", "status_order_id_eq"),
        ("status_order_id_in[]=0", "status_order_id_in[]"),
        ("status_id_eq=5", "status_id_eq"),
    ] {
        let (status, text) = get(&app, &format!("/api/orders.json?{query}")).await;
        assert_eq!(status, 400, "{query}: {text}");
        let answer = parse(&text);
        assert_eq!(answer["code"], "BAD_USER_INPUT");
        assert_eq!(answer["errors"][0]["path"], path, "{query}: {answer}");
    }
}

#[tokio::test]
async fn the_json_export_has_the_seeds_keys_order_and_figures() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    let (_, text) = get(&app, "/api/orders.json?status_order_id_eq=5").await;
    let ours = parse(&text);
    let sample = parse(EXPORT_SAMPLE);
    let (order, theirs) = (&ours[0]["order"], &sample[0]["order"]);
    // The seed's keys first, in its order; ours after them.
    assert_eq!(keys(order)[..keys(theirs).len()], keys(theirs)[..]);
    let (line, their_line) = (
        &order["order_products"][0]["order_product"],
        &theirs["order_products"][0]["order_product"],
    );
    assert_eq!(keys(line)[..keys(their_line).len()], keys(their_line)[..]);

    for key in [
        "status_order_id",
        "status_order_name",
        "shipping_costs",
        "total_products_before_discount",
        "discount_percentage",
        "discount_total",
        "total_products_before_vat",
        "total_before_vat",
        "total_products_after_vat",
        "gross_total",
        "address",
        "city",
        "country",
        "customer_email",
        "customer_company",
        "customer_name",
        "customer_pricelist_id",
        "addressbook_type",
        "currency",
    ] {
        assert_eq!(order[key], theirs[key], "{key}");
    }
    // The seed's order-level VAT "0.0" contradicts its line; the true one.
    assert_eq!(order["total_vat"], "170.0");
    assert_eq!(order["customer_reference_code"], "SC-1");
    for key in [
        "quantity",
        "price",
        "final_price",
        "discount_percentage",
        "vat_percentage",
        "total_before_vat",
        "total_vat",
        "total_after_vat",
        "status_order_id",
        "status_order_name",
        "product_variant_code",
        "product_name",
        "product_code",
    ] {
        assert_eq!(line[key], their_line[key], "order_product {key}");
    }
    // The variant code is in GraphQL too.
    let data = app
        .admin(
            "{ orders(filter: {statuses: [SHIPPED]}) { nodes { lines { productVariantCode } customer { referenceCode } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["orders"]["nodes"][0],
        json!({"lines": [{"productVariantCode": "CFB - M"}], "customer": {"referenceCode": "SC-1"}})
    );
}

#[tokio::test]
async fn status_order_id_filters_the_csv_export_with_the_seed_columns() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    let (status, text) = get(
        &app,
        "/api/orders.csv?status_order_id_in[]=5&status_order_id_in[]=1",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} in {headers:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let picked: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| {
            [
                "external_id",
                "status_order_id",
                "status_order_name",
                "customer_reference_code",
                "gross_total",
                "line_status_order_id",
                "line_status_order_name",
                "line_product_variant_code",
                "line_total_vat",
            ]
            .iter()
            .map(|c| &r[column(c)])
            .collect()
        })
        .collect();
    assert_eq!(
        picked,
        [
            ["HOLD", "1", "On hold", "", "39.0", "", "", "", "0.0"],
            [
                "SENT", "5", "Sent", "SC-1", "2170.0", "", "", "CFB - M", "170.0"
            ],
        ]
    );
}

#[tokio::test]
async fn status_order_id_filters_the_xml_export_with_dasherized_names() {
    let app = TestApp::spawn().await;
    orders(&app).await;
    let (status, text) = get(&app, "/api/orders.xml?status_order_id_eq=5").await;
    assert_eq!(status, 200, "{text}");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut path, mut texts) = (Vec::<String>::new(), Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let kind = e
                    .try_get_attribute("type")
                    .unwrap()
                    .map(|a| a.unescape_value().unwrap().into_owned());
                path.push(name);
                texts.push((path.join("/"), kind, String::new()));
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                texts.push((
                    format!("{}/{name}", path.join("/")),
                    Some("nil".into()),
                    String::new(),
                ));
            }
            Event::Text(t) => {
                if let Some(last) = texts.last_mut() {
                    last.2.push_str(&t.xml_content().unwrap());
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let find = |p: &str| -> Vec<(Option<String>, String)> {
        texts
            .iter()
            .filter(|(path, _, _)| path == p)
            .map(|(_, kind, text)| (kind.clone(), text.clone()))
            .collect()
    };
    let one = |kind: Option<&str>, text: &str| vec![(kind.map(str::to_owned), text.to_owned())];
    assert_eq!(find("orders/order/external-id"), one(None, "SENT"));
    assert_eq!(
        find("orders/order/status-order-id"),
        one(Some("integer"), "5")
    );
    assert_eq!(find("orders/order/status-order-name"), one(None, "Sent"));
    assert_eq!(
        find("orders/order/gross-total"),
        one(Some("decimal"), "2170.0")
    );
    assert_eq!(
        find("orders/order/customer-reference-code"),
        one(None, "SC-1")
    );
    assert_eq!(find("orders/order/discount-total"), one(Some("nil"), ""));
    let product = "orders/order/order-products/order-product";
    assert_eq!(
        find(&format!("{product}/product-variant-code")),
        one(None, "CFB - M")
    );
    assert_eq!(
        find(&format!("{product}/status-order-id")),
        one(Some("nil"), "")
    );
    assert_eq!(
        find(&format!("{product}/total-vat")),
        one(Some("decimal"), "170.0")
    );

    let (status, _) = get(&app, "/api/orders.xml?status_order_id_eq=2&colour=red").await;
    assert_eq!(status, 400);
    let (status, text) = get(&app, "/api/orders.xml?status_order_id_in[]=2").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("<external-id>PENDING</external-id>") && !text.contains("SENT"),
        "{text}"
    );
}
