//! `refund_lines`: which order lines a refund covers, how many of each and for
//! how much. The line's name is kept, so a line an upsert replaced later
//! (`order_line_id` then null) still reads.

use sea_orm::entity::prelude::*;

use crate::money::Money;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "refund_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub refund_id: i64,
    pub order_id: i64,
    pub order_line_id: Option<i64>,
    /// Place in the refund, from 0 (input order).
    pub position: i32,
    pub name: String,
    pub quantity: Money,
    pub amount: Money,
}

impl ActiveModelBehavior for ActiveModel {}
