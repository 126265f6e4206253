//! placeOrder: pricing against the seed samples, resolution, validation.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

pub const ORDER_FIELDS: &str = "id number source externalId reference status paymentStatus paymentMethod currency test
    customerEmail customerName notes metadata version submittedAt
    customer { id email name externalId }
    shippingAddress { id name address1 country comments }
    billingAddress { id address1 }
    lines { id position productId productCode externalId name sku ean13 mpn upc brand category supplier imageUrl url
            quantity price finalPrice discountPercentage vatPercentage hasCustomPrice
            totalBeforeVat totalVat totalAfterVat note custom address { id name address1 country comments } }
    totals { totalQuantity productsBeforeDiscount discountPercentage discountTotal totalBeforeVat totalVat
             shippingCosts grossTotal paidAmount }
    tracking { code url shippingOption }
    events { kind fromStatus toStatus actor data }";

pub fn place_order_mutation() -> String {
    format!(
        "mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{ {ORDER_FIELDS} }} }}"
    )
}

pub async fn add_product(app: &TestApp, code: &str, name: &str, price: &str, vat: &str) -> Value {
    app.admin(
        "mutation($input: ProductInput!) { upsertProduct(input: $input) { id code name price vatPercentage } }",
        json!({"input": {"code": code, "name": name, "price": price, "vatPercentage": vat}}),
    )
    .await["upsertProduct"]
        .clone()
}

pub async fn place(app: &TestApp, input: Value) -> Value {
    app.admin(&place_order_mutation(), json!({ "input": input }))
        .await["placeOrder"]
        .clone()
}

fn amounts(line: &Value) -> [&str; 4] {
    [
        line["finalPrice"].as_str().unwrap(),
        line["totalBeforeVat"].as_str().unwrap(),
        line["totalVat"].as_str().unwrap(),
        line["totalAfterVat"].as_str().unwrap(),
    ]
}

#[tokio::test]
async fn seed_003_create_sample_prices_lines_and_order_exactly() {
    let app = TestApp::spawn().await;
    add_product(&app, "mst", "Mustard", "9.5", "7.25").await;
    add_product(&app, "bpd", "Black pudding", "9.5", "7.25").await;
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"Buyer@Example.com\", name: \"B2C Buyer\"}) { id email } }",
            json!({}),
        )
        .await["upsertCustomer"]
        .clone();
    assert_eq!(
        customer["email"], "buyer@example.com",
        "e-mail is stored lower-cased"
    );
    let fifth_avenue = json!({"address1": "5th Avenue", "country": "US"});
    let order = place(
        &app,
        json!({
            "customerId": customer["id"],
            "reference": "B2C ORDER #99",
            "notes": "Please deliver asap",
            "shippingAddress": {"address1": "Covent Garden", "country": "gb"},
            "lines": [
                {"productCode": "mst", "quantity": 5, "address": fifth_avenue},
                {"productCode": "bpd", "quantity": 5, "address": fifth_avenue},
                {"productCode": "bpd", "quantity": 10,
                 "address": {"name": "John Doe", "address1": "Alton Rd", "country": "US", "comments": "Call before arriving"}}
            ]
        }),
    )
    .await;

    let lines = order["lines"].as_array().unwrap();
    assert_eq!(amounts(&lines[0]), ["9.50", "47.50", "3.4438", "50.9438"]);
    assert_eq!(amounts(&lines[1]), ["9.50", "47.50", "3.4438", "50.9438"]);
    assert_eq!(amounts(&lines[2]), ["9.50", "95.00", "6.8875", "101.8875"]);
    assert_eq!(lines[0]["vatPercentage"], "7.25");
    assert_eq!(lines[0]["name"], "Mustard", "name from the catalogue");
    assert_eq!(lines[0]["hasCustomPrice"], false);
    let totals = &order["totals"];
    assert_eq!(totals["productsBeforeDiscount"], "190.00");
    assert_eq!(totals["totalBeforeVat"], "190.00");
    assert_eq!(
        totals["totalVat"], "13.775",
        "VAT summed from the exact line VATs"
    );
    assert_eq!(totals["grossTotal"], "203.775");
    assert_eq!(totals["totalQuantity"], "20.00");
    assert_eq!(order["shippingAddress"]["country"], "GB");
    assert_eq!(order["customer"]["id"], customer["id"]);
    assert_eq!(order["customerEmail"], "buyer@example.com");
    // Lines going to the same place share one addressbook row, as in the sample.
    assert_eq!(lines[0]["address"]["id"], lines[1]["address"]["id"]);
    assert_ne!(lines[0]["address"]["id"], lines[2]["address"]["id"]);
    assert_eq!(lines[2]["address"]["comments"], "Call before arriving");

    let book = app
        .admin(
            "query($id: ID!) { customer(id: $id) { addressbooks { address1 } } }",
            json!({"id": customer["id"]}),
        )
        .await;
    let kept: Vec<&str> = book["customer"]["addressbooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address1"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        ["Covent Garden", "5th Avenue", "Alton Rd"],
        "kept in the customer's addressbook"
    );
}

#[tokio::test]
async fn seed_002_totals_are_auto_calculated() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({
            "customerExternalId": "CUST-12345",
            "customerEmail": "john.doe@example.com",
            "customerName": "John Doe",
            "lines": [
                {"productId": null, "name": "Premium Cleaning Service", "quantity": 1, "price": 150.00,
                 "custom": {"filter_options": [1, 2, 3]}},
                {"name": "Window Cleaning", "quantity": 2, "price": 75.00}
            ],
            "billingAddress": {"firstName": "John", "lastName": "Doe", "email": "john.doe@example.com",
                               "phone": "+31612345678", "address1": "123 Main Street", "city": "Amsterdam",
                               "postalCode": "1012AB", "country": "NL"},
            "notes": "Please call before arrival",
            "metadata": {"source": "webform", "campaign_id": "SUMMER2025"}
        }),
    )
    .await;
    assert_eq!(order["totals"]["grossTotal"], "300.00");
    assert_eq!(order["totals"]["totalVat"], "0.00");
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["currency"], "EUR");
    assert_eq!(order["source"], "api");
    assert_eq!(order["metadata"]["campaign_id"], "SUMMER2025");
    assert_eq!(
        order["lines"][0]["custom"]["filter_options"],
        json!([1, 2, 3])
    );
    assert_eq!(
        order["customer"]["externalId"], "CUST-12345",
        "customer created on first sight"
    );
    assert_eq!(order["notes"], "Please call before arrival");
}

#[tokio::test]
async fn a_discounted_line_matches_seed_003() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "Pot", "quantity": "30", "price": "3.0", "discountPercentage": "15", "vatPercentage": "25"}]}),
    )
    .await;
    assert_eq!(
        amounts(&order["lines"][0]),
        ["2.55", "76.50", "19.125", "95.625"]
    );
    assert_eq!(order["totals"]["discountTotal"], "13.50");
    assert_eq!(order["totals"]["grossTotal"], "95.625");
}

#[tokio::test]
async fn a_given_total_is_kept_as_the_gross_total() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "A", "quantity": 1, "price": "10"}], "total": "12.34", "totalTax": "2.34",
               "paymentStatus": "PAID"}),
    )
    .await;
    assert_eq!(order["totals"]["grossTotal"], "12.34");
    assert_eq!(order["totals"]["totalVat"], "2.34");
    assert_eq!(order["totals"]["paidAmount"], "12.34");
}

#[tokio::test]
async fn catalogue_fields_fill_the_line_and_a_given_price_is_custom() {
    let app = TestApp::spawn().await;
    app.admin(
        "mutation { upsertProduct(input: {code: \"PZZA\", name: \"Pizza margerita\", price: \"10.99\", vatPercentage: \"9\",
            ean13: \"87235211235464\", sku: \"PZZA00001\", brand: \"Italian\", category: \"Pizza's\", supplier: \"Mario\",
            mpn: \"M1\", upc: \"U1\", externalId: \"1\", imageUrl: \"https://img/p.png\", url: \"https://shop/p\"}) { id } }",
        json!({}),
    )
    .await;
    let order = place(
        &app,
        json!({"lines": [
            {"productCode": "PZZA", "quantity": 2},
            {"productCode": "PZZA", "quantity": 1, "price": "8.00", "note": "staff discount"}
        ]}),
    )
    .await;
    let line = &order["lines"][0];
    for (field, expected) in [
        ("name", "Pizza margerita"),
        ("ean13", "87235211235464"),
        ("sku", "PZZA00001"),
        ("brand", "Italian"),
        ("category", "Pizza's"),
        ("supplier", "Mario"),
        ("mpn", "M1"),
        ("upc", "U1"),
        ("externalId", "1"),
        ("imageUrl", "https://img/p.png"),
        ("url", "https://shop/p"),
        ("productCode", "PZZA"),
        ("price", "10.99"),
        ("vatPercentage", "9.00"),
    ] {
        assert_eq!(line[field], expected, "{field}");
    }
    assert_eq!(line["hasCustomPrice"], false);
    assert_eq!(order["lines"][1]["hasCustomPrice"], true);
    assert_eq!(order["lines"][1]["price"], "8.00");
    assert_eq!(order["lines"][1]["note"], "staff discount");
}

#[tokio::test]
async fn seed_001_line_fields_are_stored_and_returned() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"test": true, "submittedAt": "2019-01-01T12:00:00Z", "lines": [{
            "externalId": "1", "ean13": "87235211235464", "name": "Pizza margerita", "sku": "PZZA00001",
            "quantity": 2, "price": 10.99, "imageUrl": "", "brand": "Italian", "category": "Pizza's",
            "supplier": "Mario", "custom": {"toppings": "onions, olives", "customer_message": "No ananas/pineapple"}
        }]}),
    )
    .await;
    let line = &order["lines"][0];
    assert_eq!(line["externalId"], "1");
    assert_eq!(line["sku"], "PZZA00001");
    assert_eq!(line["supplier"], "Mario");
    assert_eq!(
        line["imageUrl"],
        Value::Null,
        "blank text is stored as absent"
    );
    assert_eq!(line["custom"]["customer_message"], "No ananas/pineapple");
    assert_eq!(line["totalBeforeVat"], "21.98");
    assert_eq!(order["test"], true);
    assert_eq!(order["submittedAt"], "2019-01-01T12:00:00+00:00");
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &place_order_mutation(),
            json!({"input": {
                "currency": "EURO",
                "customerEmail": "not-an-email",
                "shippingAddress": {"address1": "Damrak 1", "country": "Netherlands"},
                "customerName": "Someone New",
                "lines": [
                    {"name": "zero", "quantity": 0, "price": 1},
                    {"name": "negative", "quantity": 1, "price": -1},
                    {"quantity": 1},
                    {"productCode": "nope", "quantity": 1},
                    {"productId": "999", "quantity": 1},
                    {"name": "percentages", "quantity": 1, "price": 1, "vatPercentage": 101, "discountPercentage": -1}
                ]
            }}),
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
            "currency",
            "customerEmail",
            "lines.0.quantity",
            "lines.1.price",
            "lines.2.name",
            "lines.2.price",
            "lines.3.productCode",
            "lines.4.productId",
            "lines.5.discountPercentage",
            "lines.5.vatPercentage",
            "shippingAddress.country",
        ]
    );
    for table in [
        "orders",
        "order_lines",
        "customers",
        "addressbooks",
        "order_events",
    ] {
        assert_eq!(app.count(table).await, 0, "{table} untouched");
    }
}

#[tokio::test]
async fn an_order_needs_one_to_a_thousand_lines() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &place_order_mutation(),
            json!({"input": {"lines": []}}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"], "lines",
        "{body}"
    );

    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"name": "x", "quantity": 1, "price": 1}))
        .collect();
    let body = app
        .gql(
            Some(&app.admin_token()),
            &place_order_mutation(),
            json!({"input": {"lines": many}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"],
        "lines"
    );
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn more_than_four_decimals_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &place_order_mutation(),
            json!({"input": {"lines": [{"name": "x", "quantity": 1, "price": "0.00001"}]}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4 decimal places")
    );
}

#[tokio::test]
async fn placing_writes_a_created_event_with_the_actor() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "x", "quantity": 1, "price": 1}], "status": "CONFIRMED"}),
    )
    .await;
    let events = order["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "CREATED");
    assert_eq!(events[0]["toStatus"], "CONFIRMED");
    assert_eq!(events[0]["actor"], "test-admin");
    assert_eq!(events[0]["data"]["number"], order["number"]);
    assert_eq!(order["status"], "CONFIRMED");
}

#[tokio::test]
async fn order_numbers_are_unique_and_increasing() {
    let app = TestApp::spawn().await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let order = place(
            &app,
            json!({"lines": [{"name": "x", "quantity": 1, "price": 1}]}),
        )
        .await;
        numbers.push(order["number"].as_str().unwrap().parse::<u64>().unwrap());
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
}

#[tokio::test]
async fn a_reference_already_used_by_the_source_is_a_conflict() {
    let app = TestApp::spawn().await;
    let input = json!({"reference": "PO-1", "lines": [{"name": "x", "quantity": 1, "price": 1}]});
    place(&app, input.clone()).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            &place_order_mutation(),
            json!({"input": input}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn an_order_reads_back_by_id_and_unknown_ids_are_null() {
    let app = TestApp::spawn().await;
    let order = place(
        &app,
        json!({"lines": [{"name": "x", "quantity": 1, "price": 1}]}),
    )
    .await;
    let read = app
        .admin(
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"),
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(read["order"], order);
    let missing = app
        .admin("{ order(id: \"424242\") { id } }", json!({}))
        .await;
    assert_eq!(missing["order"], Value::Null);
}

#[tokio::test]
async fn writing_needs_credentials() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            None,
            &place_order_mutation(),
            json!({"input": {"lines": [{"name": "x", "quantity": 1, "price": 1}]}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert_eq!(app.count("orders").await, 0);
}

#[tokio::test]
async fn concurrent_first_orders_of_one_new_customer_create_one_customer() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let lines = json!([{"name": format!("x{i}"), "quantity": 1, "price": 1}]);
            let input = json!({"customerEmail": "new@example.com", "lines": lines});
            app.spawn_admin(&place_order_mutation(), json!({ "input": input }))
        })
        .collect();
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(app.count("customers").await, 1);
    assert_eq!(app.count("orders").await, 8);
}
