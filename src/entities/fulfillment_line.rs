//! `fulfillment_lines`: how much of one order line a fulfillment holds. The
//! order line id is null once that line was removed (only ever a cancelled
//! fulfillment's line: live ones keep their order lines).

use sea_orm::entity::prelude::*;

use crate::money::Money;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "fulfillment_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub fulfillment_id: i64,
    pub order_line_id: Option<i64>,
    pub quantity: Money,
}

impl ActiveModelBehavior for ActiveModel {}
