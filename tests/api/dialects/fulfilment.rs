//! Seed 001 (the fulfilment platform): `POST /api/fulfilment/orders` creates
//! once per (source, external_id), answers "Order created" / "Order already
//! exists" with a reference, and reports missing fields in Laravel's 422.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Auth, api_key, call, keys, shape};
use crate::helpers::*;

const PATH: &str = "/api/fulfilment/orders";

/// Seed 001's request example, with the braces its page lost put back.
fn seed_001() -> Value {
    json!({
        "external_id": "L41223D",
        "source": "Example Shop Dot Org",
        "test": false,
        "total": 435.45,
        "shipping_cost": 4.95,
        "email": "",
        "shipping_address": {
            "first_name": "John",
            "last_name": "Doe",
            "company_name": "Jeff",
            "address1": "Jumpstreet 23",
            "postcode": "4500",
            "city": "LA",
            "country": "US",
            "phone": "222 222"
        },
        "products": [
            {
                "external_id": "1",
                "ean13": "87235211235464",
                "name": "Pizza margerita",
                "reference": "PZZA00001",
                "quantity": 2,
                "stock_quantity": 424,
                "price": 10.99,
                "image_url": "",
                "brand": "Italian",
                "category": "Pizza's",
                "supplier": "Mario",
                "custom": {
                    "toppings": "onions, olives",
                    "customer_message": "No ananas/pineapple"
                }
            },
            {
                "external_id": "2",
                "ean13": "07235211235464",
                "reference": "COKE",
                "name": "Coca Cola",
                "quantity": 2,
                "stock_quantity": 34,
                "price": 2.50,
                "image_url": "",
                "brand": "Coca Cola",
                "category": "Drinks",
                "supplier": "The Coca Cola Company",
                "custom": {"customer_message": "No ice"}
            }
        ]
    })
}

const READ: &str = "query($id: ID!) { order(id: $id) { externalId source test customerEmail version \
    totals { grossTotal shippingCosts } \
    shippingAddress { firstName lastName companyName address1 postalCode city country phone } \
    lines { externalId ean13 name sku quantity stockQuantity price brand category supplier imageUrl custom } \
    events { kind } } }";

async fn read(app: &TestApp, reference: &Value) -> Value {
    let id = ordergraph::ids::global_id(
        ordergraph::ids::NodeKind::Order,
        reference.as_i64().expect("reference is the database id"),
    )
    .0;
    app.admin(READ, json!({"id": id})).await["order"].clone()
}

#[tokio::test]
async fn the_seed_sample_creates_the_order_with_every_field() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "Example Shop Dot Org", "INTEGRATION").await;
    let (status, body) = call(
        &app,
        Method::POST,
        PATH,
        Auth::ApiKey(&key),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys(&body), ["message", "reference"]);
    assert_eq!(
        shape(&body),
        json!({"message": "string", "reference": "number"})
    );
    assert_eq!(body["message"], "Order created");
    assert!(
        body["reference"].is_i64(),
        "the seed's reference is a number: {body}"
    );

    let order = read(&app, &body["reference"]).await;
    assert_eq!(order["externalId"], "L41223D");
    assert_eq!(order["source"], "Example Shop Dot Org");
    assert_eq!(order["test"], false);
    assert_eq!(
        order["customerEmail"],
        Value::Null,
        "an empty e-mail is none"
    );
    assert_eq!(
        order["totals"]["grossTotal"], "435.45",
        "the shop's total as given"
    );
    assert_eq!(order["totals"]["shippingCosts"], "4.95");
    assert_eq!(
        order["shippingAddress"],
        json!({"firstName": "John", "lastName": "Doe", "companyName": "Jeff", "address1": "Jumpstreet 23",
               "postalCode": "4500", "city": "LA", "country": "US", "phone": "222 222"})
    );
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        json!({"externalId": "1", "ean13": "87235211235464", "name": "Pizza margerita", "sku": "PZZA00001",
               "quantity": "2.00", "stockQuantity": "424.00", "price": "10.99", "brand": "Italian",
               "category": "Pizza's", "supplier": "Mario", "imageUrl": null,
               "custom": {"toppings": "onions, olives", "customer_message": "No ananas/pineapple"}})
    );
    assert_eq!(lines[1]["ean13"], "07235211235464", "leading zero kept");
    assert_eq!(lines[1]["stockQuantity"], "34.00");
    assert_eq!(lines[1]["price"], "2.50");
}

#[tokio::test]
async fn an_existing_external_id_is_reported_and_never_overwritten() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let (_, first) = call(
        &app,
        Method::POST,
        PATH,
        Auth::ApiKey(&key),
        Some(seed_001()),
    )
    .await;
    let mut again = seed_001();
    again["total"] = json!(1.00);
    again["products"][0]["quantity"] = json!(7);
    let (status, body) = call(&app, Method::POST, PATH, Auth::Bearer(&key), Some(again)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"message": "Order already exists", "reference": first["reference"]})
    );
    let order = read(&app, &first["reference"]).await;
    assert_eq!(order["totals"]["grossTotal"], "435.45", "not overwritten");
    assert_eq!(order["lines"][0]["quantity"], "2.00");
    assert_eq!(order["version"], 1);
    assert_eq!(
        order["events"],
        json!([{"kind": "CREATED"}]),
        "nothing written"
    );
}

#[tokio::test]
async fn concurrent_creates_of_one_external_id_make_one_order() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let calls = (0..8).map(|_| {
        call(
            &app,
            Method::POST,
            PATH,
            Auth::ApiKey(&key),
            Some(seed_001()),
        )
    });
    let answers = futures_util::future::join_all(calls).await;
    let mut created = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["reference"], answers[0].1["reference"]);
        if body["message"] == "Order created" {
            created += 1;
        } else {
            assert_eq!(body["message"], "Order already exists");
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_lines").await, 2);
}

#[tokio::test]
async fn missing_fields_answer_the_seeds_422_with_its_paths_and_sentences() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let mut body = seed_001();
    body.as_object_mut().unwrap().remove("external_id");
    body["shipping_address"]
        .as_object_mut()
        .unwrap()
        .remove("first_name");
    body["products"][0]
        .as_object_mut()
        .unwrap()
        .remove("external_id");
    let (status, answer) = call(&app, Method::POST, PATH, Auth::ApiKey(&key), Some(body)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer,
        json!({
            "message": "Errors",
            "errors": {
                "external_id": ["The external id field is required."],
                "shipping_address.firstname": ["The shipping address.firstname field is required."],
                "products.0.external_id": ["The products.0.external_id field is required."]
            },
            "code": "BAD_USER_INPUT"
        })
    );
    assert_eq!(app.count("orders").await, 0);

    // What the order rules find, under the seed's names, as sentences.
    let mut body = seed_001();
    body["products"][1]["quantity"] = json!(0);
    body["products"][1]["price"] = json!(-1);
    let (status, answer) = call(&app, Method::POST, PATH, Auth::ApiKey(&key), Some(body)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["errors"],
        json!({
            "products.1.quantity": ["The products.1.quantity must be greater than 0."],
            "products.1.price": ["The products.1.price must not be negative."]
        })
    );
    // A value of the wrong kind.
    let mut body = seed_001();
    body["total"] = json!(["435.45"]);
    let (status, answer) = call(&app, Method::POST, PATH, Auth::ApiKey(&key), Some(body)).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["errors"]["total"][0]
            .as_str()
            .unwrap()
            .starts_with("The total field"),
        "{answer}"
    );
    assert_eq!(app.count("orders").await, 0, "nothing half-written");
}

#[tokio::test]
async fn phone_and_ean13_may_be_numbers_and_extra_keys_come_back() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let mut body = seed_001();
    body["shipping_address"]["phone"] = json!(222222);
    body["products"][0]["ean13"] = json!(87235211235464_u64);
    body["channel"] = json!("pos");
    body["products"][1]["colour"] = json!("red");
    let (status, answer) = call(&app, Method::POST, PATH, Auth::ApiKey(&key), Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["ignored_fields"],
        json!(["products.1.colour", "channel"]),
        "in the order they came"
    );
    let order = read(&app, &answer["reference"]).await;
    assert_eq!(order["shippingAddress"]["phone"], "222222");
    assert_eq!(order["lines"][0]["ean13"], "87235211235464");
}

#[tokio::test]
async fn credentials_roles_and_parameters_are_checked() {
    let app = TestApp::spawn().await;
    let (status, body) = call(&app, Method::POST, PATH, Auth::None, Some(seed_001())).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"message": "Unauthenticated.", "code": "UNAUTHENTICATED"})
    );
    let customer = app.token(ordergraph::auth::Role::Customer, Some(1));
    let (status, body) = call(
        &app,
        Method::POST,
        PATH,
        Auth::Bearer(&customer),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "FORBIDDEN");
    // A B2B customer's HTTP Basic credentials authenticate, but customers
    // do not push orders to the fulfilment platform.
    let customer = app
        .admin(
            "mutation { upsertCustomer(input: {email: \"b2b@example.com\"}) { id } }",
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
    let (status, body) = call(
        &app,
        Method::POST,
        PATH,
        Auth::Basic("b2b@example.com", &token),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = call(
        &app,
        Method::POST,
        PATH,
        Auth::Basic("b2b@example.com", "wrong"),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 401);
    let staff = app.token(ordergraph::auth::Role::Staff, None);
    let (status, _) = call(
        &app,
        Method::POST,
        PATH,
        Auth::Bearer(&staff),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 200, "a staff JWT may create");
    let key = api_key(&app, "shop", "INTEGRATION").await;
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("{PATH}?dry_run=1"),
        Auth::ApiKey(&key),
        Some(seed_001()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["path"], "dry_run");
}
