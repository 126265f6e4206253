//! Saved views: a named filter and sort, checked like `orders` checks them,
//! listed with `orders(view:)` (narrowed by a filter, re-sorted by an
//! orderBy), private to their owner unless shared, changed only by their
//! owner or an admin, found by `node`, and for staff only.

use ordergraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const VIEW_FIELDS: &str =
    "id name filter orderBy { field direction } owner ownedByViewer shared createdAt updatedAt";

async fn place(app: &TestApp, email: &str, price: &str) -> String {
    app.admin(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }",
        json!({"input": {"customerEmail": email, "lines": [{"name": "x", "quantity": 1, "price": price}]}}),
    )
    .await["placeOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_as(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($input: SavedViewInput!) {{ createSavedView(input: $input) {{ {VIEW_FIELDS} }} }}"),
        json!({ "input": input }),
    )
    .await
}

async fn listed(app: &TestApp, token: &str, variables: Value) -> Value {
    app.gql(
        Some(token),
        "query($view: ID, $f: OrderFilter, $o: [OrderOrderBy!]) { orders(view: $view, filter: $f, orderBy: $o) { totalCount nodes { id } } }",
        variables,
    )
    .await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]["orders"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of orders: {body}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_view_lists_the_orders_of_its_filter_in_its_sort_and_a_filter_given_narrows_it() {
    let app = TestApp::spawn().await;
    let cheap = place(&app, "a@example.com", "2.00").await;
    let dear = place(&app, "b@example.com", "30.00").await;
    let middle = place(&app, "c@example.com", "12.50").await;
    let cancelled = place(&app, "d@example.com", "20.00").await;
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: CANCEL}) { id } }",
        json!({"id": cancelled}),
    )
    .await;
    app.admin(
        "mutation($id: ID!) { addOrderTags(id: $id, tags: [\"rush\"]) { id } }",
        json!({"id": middle}),
    )
    .await;

    let staff = app.token(Role::Staff, None);
    let created = create_as(
        &app,
        &staff,
        json!({"name": "  Open over 5 ", "filter": {"statuses": ["PENDING"], "totalMin": "5"},
               "orderBy": [{"field": "GROSS_TOTAL", "direction": "ASC"}]}),
    )
    .await;
    let view = created["data"]["createSavedView"].clone();
    assert_eq!(view["name"], "Open over 5", "{created}");
    assert_eq!(
        view["filter"],
        json!({"statuses": ["PENDING"], "totalMin": "5.00"}),
        "kept in OrderFilter's shape, given fields only"
    );
    assert_eq!(
        view["orderBy"],
        json!([{"field": "GROSS_TOTAL", "direction": "ASC"}])
    );
    assert_eq!(view["owner"], "test-staff");
    assert_eq!(view["ownedByViewer"], true);
    assert_eq!(view["shared"], false);

    let all = listed(&app, &staff, json!({"view": view["id"]})).await;
    assert_eq!(ids(&all), [middle.clone(), dear.clone()]);
    assert_eq!(all["data"]["orders"]["totalCount"], 2);

    // A filter given too must match as well; an orderBy replaces the sort.
    let narrowed = listed(
        &app,
        &staff,
        json!({"view": view["id"], "f": {"tagsAny": ["rush"]}}),
    )
    .await;
    assert_eq!(ids(&narrowed), std::slice::from_ref(&middle));
    let widened = listed(
        &app,
        &staff,
        json!({"view": view["id"], "f": {"statuses": ["CANCELLED"]}}),
    )
    .await;
    assert_eq!(
        ids(&widened),
        Vec::<String>::new(),
        "never wider than the view"
    );
    let resorted = listed(
        &app,
        &staff,
        json!({"view": view["id"], "o": [{"field": "GROSS_TOTAL", "direction": "DESC"}]}),
    )
    .await;
    assert_eq!(ids(&resorted), [dear, middle]);
    assert_eq!(ids(&listed(&app, &staff, json!({})).await).len(), 4);
    assert!(!ids(&all).contains(&cheap));

    let found = app
        .gql(
            Some(&staff),
            "query($id: ID!) { node(id: $id) { __typename id ... on SavedView { name } } }",
            json!({"id": view["id"]}),
        )
        .await;
    assert_eq!(found["data"]["node"]["__typename"], "SavedView");
    assert_eq!(found["data"]["node"]["name"], "Open over 5");
}

#[tokio::test]
async fn views_are_private_unless_shared_and_only_their_owner_or_an_admin_changes_them() {
    let app = TestApp::spawn().await;
    place(&app, "a@example.com", "1").await;
    let (ann, bob) = (
        app.token_as(Role::Staff, "ann"),
        app.token_as(Role::Staff, "bob"),
    );
    let view = create_as(
        &app,
        &ann,
        json!({"name": "Mine", "filter": {"test": false}}),
    )
    .await["data"]["createSavedView"]
        .clone();
    let names = |token: String| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    Some(&token),
                    "{ savedViews { name owner shared } }",
                    json!({}),
                )
                .await;
            body["data"]["savedViews"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(ann.clone()).await, ["Mine"]);
    assert!(names(bob.clone()).await.is_empty());
    let node = app
        .gql(
            Some(&bob),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": view["id"]}),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null);
    let used = listed(&app, &bob, json!({"view": view["id"]})).await;
    assert_eq!(
        used["errors"][0]["extensions"]["fields"][0]["path"], "view",
        "{used}"
    );
    let update = "mutation($id: ID!, $input: UpdateSavedViewInput!) { updateSavedView(id: $id, input: $input) { name shared updatedAt } }";
    let hidden = app
        .gql(
            Some(&bob),
            update,
            json!({"id": view["id"], "input": {"name": "Stolen"}}),
        )
        .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");

    let shared = app
        .gql(
            Some(&ann),
            update,
            json!({"id": view["id"], "input": {"shared": true}}),
        )
        .await;
    assert_eq!(
        shared["data"]["updateSavedView"]["shared"], true,
        "{shared}"
    );
    assert_eq!(names(bob.clone()).await, ["Mine"]);
    assert_eq!(
        ids(&listed(&app, &bob, json!({"view": view["id"]})).await).len(),
        1,
        "a shared view is anyone's to use"
    );
    let refused = app
        .gql(
            Some(&bob),
            update,
            json!({"id": view["id"], "input": {"name": "Bob's now"}}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let delete = "mutation($id: ID!) { deleteSavedView(id: $id) { deletedViewId } }";
    let refused = app.gql(Some(&bob), delete, json!({"id": view["id"]})).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    assert_eq!(app.count("saved_views").await, 1);

    // Bob may use the same name for a view of his own.
    let own = create_as(&app, &bob, json!({"name": "Mine"})).await;
    assert!(own.get("errors").is_none(), "{own}");
    let twice = create_as(&app, &bob, json!({"name": "Mine"})).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    let renamed = app
        .gql(
            Some(&app.admin_token()),
            update,
            json!({"id": view["id"], "input": {"name": "Team view"}}),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateSavedView"]["name"], "Team view",
        "{renamed}"
    );
    let gone = app
        .gql(Some(&app.admin_token()), delete, json!({"id": view["id"]}))
        .await;
    assert_eq!(gone["data"]["deleteSavedView"]["deletedViewId"], view["id"]);
    assert_eq!(names(ann).await, Vec::<String>::new());
    assert_eq!(names(bob).await, ["Mine"]);
}

#[tokio::test]
async fn a_view_is_checked_as_orders_would_run_it_and_problems_are_named() {
    let app = TestApp::spawn().await;
    let staff = app.token(Role::Staff, None);
    let sort: Vec<Value> = (0..11)
        .map(|_| json!({"field": "NUMBER", "direction": "ASC"}))
        .collect();
    let body = create_as(
        &app,
        &staff,
        json!({"name": " ", "filter": {"ids": ["nope"], "tagsAny": ["a,b"], "dateFrom": "2026-02-01", "dateTo": "2026-01-01"},
               "orderBy": sort}),
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
            "input.filter.dateTo",
            "input.filter.ids.0",
            "input.filter.tagsAny.0",
            "input.name",
            "input.orderBy"
        ]
    );
    assert_eq!(app.count("saved_views").await, 0);
}

#[tokio::test]
async fn a_view_kept_from_before_its_filter_type_changed_says_so_when_used() {
    let app = TestApp::spawn().await;
    let staff = app.token(Role::Staff, None);
    let view =
        create_as(&app, &staff, json!({"name": "Old"})).await["data"]["createSavedView"].clone();
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE saved_views SET filter = '{\"noLongerAField\": true}'")
        .await
        .unwrap();
    let body = listed(&app, &staff, json!({"view": view["id"]})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let field = &body["errors"][0]["extensions"]["fields"][0];
    assert_eq!(field["path"], "view");
    let message = field["message"].as_str().unwrap();
    assert!(
        message.contains("no longer fits") && message.contains("noLongerAField"),
        "{field}"
    );
    app.db
        .execute_unprepared("UPDATE saved_views SET filter = '{\"statuses\": [\"MISLAID\"]}'")
        .await
        .unwrap();
    let body = listed(&app, &staff, json!({"view": view["id"]})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["fields"][0]["path"], "view",
        "{body}"
    );
}

#[tokio::test]
async fn integrations_and_customers_keep_no_views_and_use_none() {
    let app = TestApp::spawn().await;
    let view = create_as(
        &app,
        &app.admin_token(),
        json!({"name": "Shared", "shared": true}),
    )
    .await["data"]["createSavedView"]
        .clone();
    for token in [
        app.token(Role::Integration, None),
        app.token(Role::Customer, Some(1)),
    ] {
        let list = app
            .gql(Some(&token), "{ savedViews { id } }", json!({}))
            .await;
        assert_eq!(error_code(&list), Some("FORBIDDEN"), "{list}");
        let create = create_as(&app, &token, json!({"name": "Mine"})).await;
        assert_eq!(error_code(&create), Some("FORBIDDEN"), "{create}");
        let used = listed(&app, &token, json!({"view": view["id"]})).await;
        assert_eq!(error_code(&used), Some("FORBIDDEN"), "{used}");
        let node = app
            .gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": view["id"]}),
            )
            .await;
        assert_eq!(node["data"]["node"], Value::Null, "{node}");
    }
}
