//! The product catalogue.

use serde_json::json;

use crate::helpers::{TestApp, error_code};
use crate::place::add_product;

#[tokio::test]
async fn upsert_product_creates_then_replaces_by_code() {
    let app = TestApp::spawn().await;
    let first = add_product(&app, "CFB", "Coffee Beans", "10.0", "8.5").await;
    assert_eq!(first["price"], "10.00");
    assert_eq!(first["vatPercentage"], "8.50");
    let second = add_product(&app, "CFB", "Coffee Beans (1kg)", "11.25", "9").await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["name"], "Coffee Beans (1kg)");
    assert_eq!(app.count("products").await, 1);
}

#[tokio::test]
async fn products_search_code_and_name_in_any_case_and_literally() {
    let app = TestApp::spawn().await;
    add_product(&app, "52214G", "Green Valley 23d", "3.0", "20").await;
    add_product(&app, "0244014", "Conical Red Pot 14x14x11H", "10.0", "0").await;
    add_product(&app, "PCT", "100% cotton", "5", "0").await;
    let names = |data: serde_json::Value| -> Vec<String> {
        data["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(
            app.admin("{ products(search: \"green\") { code } }", json!({}))
                .await
        ),
        ["52214G"]
    );
    assert_eq!(
        names(
            app.admin("{ products(search: \"0244\") { code } }", json!({}))
                .await
        ),
        ["0244014"]
    );
    assert_eq!(
        names(
            app.admin("{ products(search: \"%\") { code } }", json!({}))
                .await
        ),
        ["PCT"]
    );
    assert_eq!(
        names(
            app.admin("{ products(first: 2) { code } }", json!({}))
                .await
        ),
        ["0244014", "52214G"]
    );
    let body = app
        .gql(
            Some(&app.admin_token()),
            "{ products(first: 0) { code } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn a_product_with_a_negative_price_or_bad_vat_is_refused() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation { upsertProduct(input: {code: \"X\", name: \"\", price: \"-1\", vatPercentage: \"120\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["fields"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(app.count("products").await, 0);
}
