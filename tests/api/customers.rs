//! Customers and addressbooks.

use serde_json::{Value, json};

use crate::helpers::{TestApp, database_id, error_code};

const UPSERT: &str = "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { id externalId email name companyName phone } }";

async fn upsert(app: &TestApp, input: Value) -> Value {
    app.admin(UPSERT, json!({"input": input})).await["upsertCustomer"].clone()
}

#[tokio::test]
async fn customers_are_keyed_by_external_id_else_email() {
    let app = TestApp::spawn().await;
    let by_external = upsert(&app, json!({"externalId": "C-1", "name": "Joe"})).await;
    let again = upsert(&app, json!({"externalId": "C-1", "email": "Joe@Example.com", "companyName": "Santa Clara Company"})).await;
    assert_eq!(again["id"], by_external["id"]);
    assert_eq!(again["email"], "joe@example.com");
    assert_eq!(again["name"], "Joe", "absent fields stay");
    assert_eq!(again["companyName"], "Santa Clara Company");

    let by_email = upsert(&app, json!({"email": "JOE@example.com", "phone": "123"})).await;
    assert_eq!(by_email["id"], by_external["id"]);
    assert_eq!(by_email["phone"], "123");
    assert_eq!(app.count("customers").await, 1);
}

#[tokio::test]
async fn a_customer_needs_a_key_and_a_valid_email() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            UPSERT,
            json!({"input": {"name": "Nobody"}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = app
        .gql(
            Some(&app.admin_token()),
            UPSERT,
            json!({"input": {"email": "no at sign"}}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"],
        "email"
    );
    assert_eq!(app.count("customers").await, 0);
}

#[tokio::test]
async fn an_email_taken_by_another_customer_is_a_conflict() {
    let app = TestApp::spawn().await;
    upsert(&app, json!({"externalId": "A", "email": "a@example.com"})).await;
    upsert(&app, json!({"externalId": "B", "email": "b@example.com"})).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            UPSERT,
            json!({"input": {"externalId": "B", "email": "a@example.com"}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
}

#[tokio::test]
async fn addresses_are_saved_in_the_addressbook_and_reusable_by_id() {
    let app = TestApp::spawn().await;
    let customer = upsert(&app, json!({"email": "b2b@example.com"})).await;
    let address = app
        .admin(
            "mutation($id: ID!) { addCustomerAddress(customerId: $id, input: {name: \"HQ\", address1: \"4290 Payne Ave.\", city: \"San Jose\", province: \"OR\", country: \"us\", postalCode: \"95117\"}) { id country } }",
            json!({"id": customer["id"]}),
        )
        .await["addCustomerAddress"]
        .clone();
    assert_eq!(address["country"], "US");
    let order = app
        .admin(
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { shippingAddress { id address1 } } }",
            json!({"input": {"customerId": customer["id"], "shippingAddress": {"id": address["id"]},
                             "lines": [{"name": "x", "quantity": 1, "price": 1}]}}),
        )
        .await;
    assert_eq!(order["placeOrder"]["shippingAddress"]["id"], address["id"]);
    assert_eq!(app.count("addressbooks").await, 1, "reused, not copied");

    // Another customer's address cannot be borrowed.
    let other = upsert(&app, json!({"email": "other@example.com"})).await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }",
            json!({"input": {"customerId": other["id"], "shippingAddress": {"id": address["id"]},
                             "lines": [{"name": "x", "quantity": 1, "price": 1}]}}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"], "shippingAddress.id",
        "{body}"
    );
    assert_eq!(app.count("orders").await, 1);
}

#[tokio::test]
async fn viewer_shows_the_customer_a_customer_token_acts_as() {
    let app = TestApp::spawn().await;
    let customer = upsert(&app, json!({"email": "me@example.com", "name": "Me"})).await;
    let id = database_id(&customer["id"]);
    let token = app.token(ordergraph::auth::Role::Customer, Some(id));
    let body = app
        .gql(
            Some(&token),
            "{ viewer { role customer { email name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["customer"],
        json!({"email": "me@example.com", "name": "Me"})
    );
}
