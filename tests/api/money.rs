//! Amounts are exact in storage on both backends, and SQL sorts and sums them
//! exactly (DESIGN.md "Storage").

use std::str::FromStr;

use ordergraph::entities::product;
use ordergraph::money::Money;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, FromQueryResult, QueryOrder, Statement,
};

use crate::helpers::TestApp;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The awkward values of the issue: 0.1 + 0.2 (0.30000000000000004 in f64),
/// a four-decimal VAT amount, the smallest unit and the largest amount.
fn awkward() -> Vec<Money> {
    vec![
        Money::try_new(dec("0.1") + dec("0.2")).unwrap(),
        Money::try_new(dec("3.4438")).unwrap(),
        Money::try_new(dec("0.0001")).unwrap(),
        Money::try_new(dec("99999999999.9999")).unwrap(),
    ]
}

async fn insert_products(app: &TestApp, prices: &[Money]) {
    let now = ordergraph::db::now();
    for (i, price) in prices.iter().enumerate() {
        product::ActiveModel {
            code: Set(format!("P{i}")),
            name: Set(format!("Product {i}")),
            price: Set(*price),
            vat_percentage: Set(Money::try_new(dec("7.25")).unwrap()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("product is inserted");
    }
}

#[tokio::test]
async fn awkward_amounts_round_trip_exactly_through_the_database() {
    let app = TestApp::spawn().await;
    let prices = awkward();
    insert_products(&app, &prices).await;

    let stored: Vec<Money> = product::Entity::find()
        .order_by_asc(product::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.price)
        .collect();
    assert_eq!(stored, prices, "{:?}", app.backend);
    let shown: Vec<String> = stored.iter().map(Money::to_string).collect();
    assert_eq!(shown, ["0.30", "3.4438", "0.0001", "99999999999.9999"]);
}

#[derive(Debug, FromQueryResult)]
struct Scaled {
    value: i64,
}

#[tokio::test]
async fn sql_sorts_and_sums_amounts_exactly() {
    let app = TestApp::spawn().await;
    let prices = awkward();
    insert_products(&app, &prices).await;
    let backend = app.db.get_database_backend();

    // The raw column holds integers of ten-thousandths: no float anywhere.
    let raw = Scaled::find_by_statement(Statement::from_string(
        backend,
        "SELECT price AS value FROM products ORDER BY price",
    ))
    .all(&app.db)
    .await
    .unwrap();
    let raw: Vec<i64> = raw.into_iter().map(|r| r.value).collect();
    assert_eq!(raw, [1, 3_000, 34_438, 999_999_999_999_999]);

    // PostgreSQL's SUM(bigint) is numeric; the cast brings it back to an integer.
    let sum = Scaled::find_by_statement(Statement::from_string(
        backend,
        "SELECT CAST(SUM(price) AS BIGINT) AS value FROM products",
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap();
    let expected = prices.iter().map(|p| p.decimal()).sum::<Decimal>();
    assert_eq!(Money::from_scaled(sum.value).decimal(), expected);
    assert_eq!(
        Money::from_scaled(sum.value).to_string(),
        "100000000003.7438"
    );

    // Filtering compares exactly too: 0.3 is not 0.30000000000000004.
    let at_point_three = Scaled::find_by_statement(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "SELECT COUNT(*) AS value FROM products WHERE price = $1"
            }
            _ => "SELECT COUNT(*) AS value FROM products WHERE price = ?",
        },
        [Money::try_new(dec("0.3")).unwrap().into()],
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(at_point_three.value, 1);
}

#[tokio::test]
async fn a_sum_of_many_small_amounts_is_exact() {
    let app = TestApp::spawn().await;
    // 1,000 × 0.1 is 100 exactly; in f64 it is 99.9999999999986.
    let tenth = Money::try_new(dec("0.1")).unwrap();
    insert_products(&app, &vec![tenth; 1000]).await;
    let sum = Scaled::find_by_statement(Statement::from_string(
        app.db.get_database_backend(),
        "SELECT CAST(SUM(price) AS BIGINT) AS value FROM products",
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(Money::from_scaled(sum.value).to_string(), "100.00");
}
