//! `refunds`: money returned to the buyer, with the lines it covers
//! (`refund_lines`) and the REFUND transaction that carries the money.

use sea_orm::entity::prelude::*;

use crate::money::Money;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// Money returned.
    pub amount: Money,
    /// The value of the refunded lines at their after-VAT prices.
    pub lines_amount: Money,
    /// How much the refund takes off the order's current total.
    pub deduction: Money,
    pub currency: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub actor: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
