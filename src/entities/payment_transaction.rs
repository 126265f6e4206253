//! `payment_transactions`: every movement of an order's money (authorization,
//! capture, refund, void), successful or failed, with its gateway, method and
//! gateway reference. The order's running figures (`orders.paid_amount`,
//! `refunded_amount`, ...) are the sum of its successful rows.

use sea_orm::entity::prelude::*;

use crate::money::Money;
use crate::payments::kinds::{PaymentTransactionKind, PaymentTransactionStatus};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "payment_transactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// The refund a REFUND transaction belongs to.
    pub refund_id: Option<i64>,
    pub kind: PaymentTransactionKind,
    pub status: PaymentTransactionStatus,
    pub amount: Money,
    pub currency: String,
    /// The payment provider ("stripe", "adyen"), or "manual"; for what an
    /// order sync reported, the order's source.
    pub gateway: String,
    pub method: Option<String>,
    /// The provider's id of the transaction; unique per gateway and kind.
    pub reference: Option<String>,
    pub processed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// Who recorded it (the caller's subject).
    pub actor: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
