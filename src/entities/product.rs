//! `products`: the small catalogue that `productId`/`productCode` lines resolve
//! against for name, price and VAT.

use sea_orm::entity::prelude::*;

use crate::money::Money;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub price: Money,
    pub vat_percentage: Money,
    pub external_id: Option<String>,
    pub ean13: Option<String>,
    pub sku: Option<String>,
    pub mpn: Option<String>,
    pub upc: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub supplier: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub image_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub custom: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
