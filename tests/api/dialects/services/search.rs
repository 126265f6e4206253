//! Seed 002's queries on both interfaces: search by billing e-mail, phone and
//! city and by the customer's (Userhub) external id, for new and existing
//! orders; the Userhub `user_id` stored and filtered on; the billing e-mail
//! as the order's e-mail; the list's filters, sort and pages.

use reqwest::Method;
use serde_json::{Value, json};

use super::{place, seed_place};
use crate::dialects::{Auth, api_key, call};
use crate::helpers::*;

/// The database ids the list answers for `query`.
async fn listed(app: &TestApp, key: &str, query: &str) -> Vec<i64> {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/api/orders/list?{query}"),
        Auth::ApiKey(key),
        None,
    )
    .await;
    assert_eq!(status, 200, "{query}: {body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// The database ids GraphQL's `orders(filter:)` answers.
async fn graphql_ids(app: &TestApp, filter: Value) -> Vec<i64> {
    let data = app
        .admin(
            "query($filter: OrderFilter) { orders(filter: $filter, first: 100) { nodes { databaseId } } }",
            json!({"filter": filter}),
        )
        .await;
    let mut ids: Vec<i64> = data["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["databaseId"].as_str().unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

/// An order of someone else, billed elsewhere.
fn elsewhere() -> Value {
    let mut body = seed_place();
    body["customer_id"] = json!("CUST-77777");
    body["billing"] = json!({"first_name": "Ann", "last_name": "Smit", "email": "ann@example.org", "phone": "+3220000000", "city": "Brussels"});
    body
}

#[tokio::test]
async fn search_finds_orders_by_billing_email_phone_city_and_customer_id() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let id = place(&app, &key, seed_place()).await["id"]
        .as_i64()
        .unwrap();
    let other = place(&app, &key, elsewhere()).await["id"].as_i64().unwrap();
    for term in [
        "john.doe@EXAMPLE.com",
        "%2B316123",
        "amsterdam",
        "cust-12345",
    ] {
        assert_eq!(
            listed(&app, &key, &format!("search={term}")).await,
            [id],
            "{term}"
        );
    }
    for term in ["john.doe@example.com", "+316123", "AMSTERDAM", "CUST-12345"] {
        assert_eq!(
            graphql_ids(&app, json!({"search": term})).await,
            [id],
            "{term}"
        );
    }
    assert_eq!(listed(&app, &key, "search=brussels").await, [other]);

    // An upserted order's billing address is searchable too, and a
    // customer's external id given later finds its existing orders.
    app.admin(
        "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { created } }",
        json!({"input": {"source": "shop", "externalId": "S-1", "customerEmail": "pia@example.net",
            "lines": [{"name": "Gutter", "quantity": 1, "price": "40"}],
            "billingAddress": {"firstName": "Pia", "city": "Utrecht", "phone": "+31301234567"}}}),
    )
    .await;
    let upserted = graphql_ids(&app, json!({"search": "utrecht"})).await;
    assert_eq!(upserted.len(), 1);
    assert_eq!(
        graphql_ids(&app, json!({"search": "+3130123"})).await,
        upserted
    );
    app.admin(
        "mutation { upsertCustomer(input: {email: \"pia@example.net\", externalId: \"CUST-55555\"}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(listed(&app, &key, "search=CUST-55555").await, upserted);
}

#[tokio::test]
async fn orders_written_before_the_migration_are_found_too() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let data = place(&app, &key, seed_place()).await;
    let id = data["id"].as_i64().unwrap();
    // The search text as the write path composed it before (number, e-mail,
    // names), then the migration run again over it.
    let number = data["order_id"].as_i64().unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE orders SET search_text = '{number} john.doe@example.com john doe' WHERE id = {id}"
        ))
        .await
        .unwrap();
    assert!(listed(&app, &key, "search=amsterdam").await.is_empty());
    // Back to before the user_id migration (and what came after it), then up.
    let since = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261204_000007_order_user_id")
        .expect("the user_id migration")
        + 1;
    Migrator::down(&app.db, Some(since as u32)).await.unwrap();
    Migrator::up(&app.db, None).await.unwrap();
    for term in [
        "amsterdam",
        "%2B31612345678",
        "cust-12345",
        "john.doe@example.com",
        "john",
    ] {
        assert_eq!(
            listed(&app, &key, &format!("search={term}")).await,
            [id],
            "{term}"
        );
    }
}

#[tokio::test]
async fn the_userhub_user_is_stored_and_filtered_on_in_both_interfaces() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let mut body = seed_place();
    body["user_id"] = json!("USR-1");
    let dialect = place(&app, &key, body).await;
    assert_eq!(dialect["user_id"], "USR-1");
    let placed = app
        .admin(
            "mutation { placeOrder(input: {userId: \"USR-2\", lines: [{name: \"Windows\", quantity: 1, price: \"75\"}]}) { databaseId userId } }",
            json!({}),
        )
        .await;
    assert_eq!(placed["placeOrder"]["userId"], "USR-2");
    let upserted = app
        .admin(
            "mutation { upsertOrder(input: {source: \"hub\", externalId: \"H-1\", userId: \"USR-2\", lines: [{name: \"Roof\", quantity: 1, price: \"10\"}]}) { order { databaseId userId } } }",
            json!({}),
        )
        .await;
    assert_eq!(upserted["upsertOrder"]["order"]["userId"], "USR-2");
    let dialect_id = dialect["id"].as_i64().unwrap();
    let mut second: Vec<i64> = [
        &placed["placeOrder"]["databaseId"],
        &upserted["upsertOrder"]["order"]["databaseId"],
    ]
    .iter()
    .map(|v| v.as_str().unwrap().parse().unwrap())
    .collect();
    second.sort_unstable();
    assert_eq!(
        graphql_ids(&app, json!({"userId": "USR-1"})).await,
        [dialect_id]
    );
    assert_eq!(graphql_ids(&app, json!({"userId": "USR-2"})).await, second);
    assert!(
        graphql_ids(&app, json!({"userId": "usr-2"}))
            .await
            .is_empty(),
        "exact"
    );
    let mut listed_second = listed(&app, &key, "user_id=USR-2").await;
    listed_second.sort_unstable();
    assert_eq!(listed_second, second);
    // An upsert without userId leaves it as it is.
    let again = app
        .admin(
            "mutation { upsertOrder(input: {source: \"hub\", externalId: \"H-1\", notes: \"gate code 12\"}) { order { userId notes } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        again["upsertOrder"]["order"],
        json!({"userId": "USR-2", "notes": "gate code 12"})
    );
}

#[tokio::test]
async fn a_billing_email_becomes_the_orders_email_when_none_is_given() {
    let app = TestApp::spawn().await;
    let place = |email: Option<&str>| {
        let mut input = json!({"lines": [{"name": "Windows", "quantity": 1, "price": "75"}],
            "billingAddress": {"firstName": "Ann", "email": "Ann@Example.org"}});
        if let Some(email) = email {
            input["customerEmail"] = json!(email);
        }
        input
    };
    let mutation =
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { customerEmail } }";
    let billed = app.admin(mutation, json!({"input": place(None)})).await;
    assert_eq!(billed["placeOrder"]["customerEmail"], "ann@example.org");
    let given = app
        .admin(mutation, json!({"input": place(Some("buyer@example.com"))}))
        .await;
    assert_eq!(
        given["placeOrder"]["customerEmail"], "buyer@example.com",
        "a given one wins"
    );

    let upsert = "mutation($input: UpsertOrderInput!) { upsertOrder(input: $input) { order { customerEmail } } }";
    let input = |billing: &str| {
        json!({"source": "shop", "externalId": "U-1", "billingAddress": {"email": billing},
            "lines": [{"name": "Roof", "quantity": 1, "price": "10"}]})
    };
    let created = app
        .admin(upsert, json!({"input": input("first@example.org")}))
        .await;
    assert_eq!(
        created["upsertOrder"]["order"]["customerEmail"],
        "first@example.org"
    );
    // A later billing e-mail fills only an order without one.
    let updated = app
        .admin(upsert, json!({"input": input("second@example.org")}))
        .await;
    assert_eq!(
        updated["upsertOrder"]["order"]["customerEmail"],
        "first@example.org"
    );
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_as_the_seed_says() {
    let app = TestApp::spawn().await;
    let key = api_key(&app, "userhub", "INTEGRATION").await;
    let mut ids = Vec::new();
    for i in 0..17 {
        let mut body = seed_place();
        body["total"] = json!(format!("{}.00", 100 + i));
        if i == 0 {
            body["status"] = json!("completed");
        }
        if i == 1 {
            body["status"] = json!("on_hold");
        }
        ids.push(place(&app, &key, body).await["id"].as_i64().unwrap());
    }
    let (status, first) = call(
        &app,
        Method::GET,
        "/api/orders/list",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        first["data"].as_array().unwrap().len(),
        15,
        "15 a page by default"
    );
    assert_eq!(
        first["pagination"],
        json!({"current_page": 1, "per_page": 15, "total": 17, "last_page": 2})
    );
    assert_eq!(first["data"][0]["id"], *ids.last().unwrap(), "newest first");
    let (_, second) = call(
        &app,
        Method::GET,
        "/api/orders/list?page=2",
        Auth::ApiKey(&key),
        None,
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 2);
    assert_eq!(second["pagination"]["current_page"], 2);

    assert_eq!(
        listed(&app, &key, "order_by=total&order_direction=asc&per_page=3").await,
        ids[..3]
    );
    assert_eq!(
        listed(
            &app,
            &key,
            "order_by=created_at&order_direction=asc&per_page=2"
        )
        .await,
        ids[..2]
    );
    assert_eq!(listed(&app, &key, "status=completed").await, [ids[0]]);
    assert_eq!(listed(&app, &key, "status=ON_HOLD").await, [ids[1]]);
    assert_eq!(
        listed(
            &app,
            &key,
            "status[]=completed&status[]=on_hold&order_by=created_at&order_direction=asc"
        )
        .await,
        ids[..2]
    );
    let active = listed(&app, &key, "active_only=true&per_page=100").await;
    assert_eq!(active.len(), 16, "on_hold is active, completed is not");
    assert!(!active.contains(&ids[0]));
    assert_eq!(
        listed(&app, &key, "active_only=0&per_page=100").await.len(),
        17
    );
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        listed(
            &app,
            &key,
            &format!("date_from={today}&date_to={today}&per_page=100")
        )
        .await
        .len(),
        17
    );
    assert!(
        listed(&app, &key, &format!("date_from={tomorrow}"))
            .await
            .is_empty()
    );
    assert!(
        listed(&app, &key, "customer_id=CUST-00000")
            .await
            .is_empty()
    );
    let (_, numbered) = call(
        &app,
        Method::GET,
        &format!("/api/orders/{}", ids[4]),
        Auth::ApiKey(&key),
        None,
    )
    .await;
    let number = numbered["data"]["order_id"].as_i64().unwrap();
    assert_eq!(
        listed(&app, &key, &format!("search={number}")).await,
        [ids[4]]
    );
}
