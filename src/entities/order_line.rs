//! `order_lines`: the order's products ("order products" in seed 003), with their
//! resolved prices and rounded line amounts.

use sea_orm::entity::prelude::*;

use crate::money::Money;

#[sea_orm::model]
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub position: i32,
    pub product_id: Option<i64>,
    pub product_code: Option<String>,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    pub ean13: Option<String>,
    pub mpn: Option<String>,
    pub upc: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub supplier: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub image_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    pub quantity: Money,
    pub price: Money,
    pub final_price: Money,
    pub discount_percentage: Money,
    pub vat_percentage: Money,
    pub has_custom_price: bool,
    pub total_before_vat: Money,
    pub total_vat: Money,
    pub total_after_vat: Money,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub custom: Option<Json>,
    pub address_id: Option<i64>,
    /// The stock level the source reported with the line (seed 001).
    pub stock_quantity: Option<Money>,
    /// The product variant's code (seed 003's `product_variant_code`).
    pub product_variant_code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// A line from a row with its columns under their own names, reading
    /// NULLs cheaply (see [`super::optional`]).
    pub fn from_row(row: &QueryResult) -> Result<Model, DbErr> {
        Ok(super::from_row!(row, Model {
            id, order_id, position, name, quantity, price, final_price, discount_percentage,
            vat_percentage, has_custom_price, total_before_vat, total_vat, total_after_vat,
            created_at, updated_at,
        } optional {
            product_id, product_code, external_id, sku, ean13, mpn, upc, brand, category,
            supplier, image_url, url, note, custom, address_id, stock_quantity,
            product_variant_code,
        }))
    }
}
