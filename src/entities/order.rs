//! `orders`: one row per order with its stored totals (always equal to the sum of
//! its lines, or the client's own `total` for synced orders) and its `version`.

use sea_orm::entity::prelude::*;

use crate::money::Money;
use crate::orders::payment::PaymentStatus;
use crate::orders::workflow::OrderStatus;

#[sea_orm::model]
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: String,
    pub source: String,
    pub external_id: Option<String>,
    pub reference: Option<String>,
    pub status: OrderStatus,
    pub payment_status: Option<PaymentStatus>,
    pub payment_method: Option<String>,
    pub currency: String,
    pub test: bool,
    pub customer_id: Option<i64>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub shipping_address_id: Option<i64>,
    pub billing_address_id: Option<i64>,
    pub total_quantity: Money,
    pub products_before_discount: Money,
    pub discount_percentage: Money,
    pub discount_total: Money,
    pub total_before_vat: Money,
    pub total_vat: Money,
    pub shipping_costs: Money,
    pub gross_total: Money,
    /// Σ successful captures (see `payments::ledger`).
    pub paid_amount: Money,
    pub tracking_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub tracking_url: Option<String>,
    pub shipping_option: Option<String>,
    pub integration_ref: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub staff_notes: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metadata: Option<Json>,
    pub version: i32,
    pub submitted_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Lower-cased text that `search` matches (see `orders::search`); derived,
    /// so left out of change records.
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub search_text: String,
    /// Seed 002's Userhub user who placed the order.
    pub user_id: Option<String>,
    /// Σ successful refunds.
    pub refunded_amount: Money,
    /// Authorized and neither captured nor voided yet.
    pub authorized_amount: Money,
    /// Σ successful voids.
    pub voided_amount: Money,
    /// What refunds took off the current total (`grossTotal − currentTotal`).
    pub refund_deductions: Money,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// An order from a row with its columns under their own names, reading
    /// NULLs cheaply (see [`super::optional`]).
    pub fn from_row(row: &QueryResult) -> Result<Model, DbErr> {
        Ok(super::from_row!(row, Model {
            id, number, source, status, currency, test, total_quantity,
            products_before_discount, discount_percentage, discount_total, total_before_vat,
            total_vat, shipping_costs, gross_total, paid_amount, version, submitted_at,
            created_at, updated_at, search_text, refunded_amount, authorized_amount,
            voided_amount, refund_deductions,
        } optional {
            external_id, reference, payment_status, payment_method, customer_id, customer_email,
            customer_name, shipping_address_id, billing_address_id, tracking_code, tracking_url,
            shipping_option, integration_ref, notes, staff_notes, metadata, user_id,
        }))
    }
}
