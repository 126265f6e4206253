//! The vocabulary of payments: the kinds and statuses of payment
//! transactions and the financial status of an order. Pure: no I/O.

use async_graphql::Enum;
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

// Stored by their GraphQL names, like the order enums.
/// What a payment transaction does with the buyer's money.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentTransactionKind {
    /// Money reserved on the buyer's account, to be captured later.
    #[sea_orm(string_value = "AUTHORIZATION")]
    Authorization,
    /// Money taken: from an open authorization, or directly (a sale).
    #[sea_orm(string_value = "CAPTURE")]
    Capture,
    /// Money given back (always part of a `Refund`).
    #[sea_orm(string_value = "REFUND")]
    Refund,
    /// An open authorization released without capturing it.
    #[sea_orm(string_value = "VOID")]
    Void,
}

impl PaymentTransactionKind {
    /// The GraphQL (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentTransactionKind::Authorization => "AUTHORIZATION",
            PaymentTransactionKind::Capture => "CAPTURE",
            PaymentTransactionKind::Refund => "REFUND",
            PaymentTransactionKind::Void => "VOID",
        }
    }
}

/// Whether a payment transaction went through.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentTransactionStatus {
    /// It went through: it counts in the order's figures.
    #[sea_orm(string_value = "SUCCESS")]
    Success,
    /// The provider declined it or it failed: kept for the history, counts
    /// for nothing.
    #[sea_orm(string_value = "FAILURE")]
    Failure,
}

/// Where an order's money stands, from its transactions (Shopify's display
/// financial status). Refunds decide first, then captures, then
/// authorizations.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinancialStatus {
    /// Nothing captured or authorized yet.
    Pending,
    /// Money is authorized (`authorizedAmount`), nothing captured yet.
    Authorized,
    /// Some money is captured, less than the current total.
    PartiallyPaid,
    /// The current total is captured (or the order costs nothing and its
    /// payment status is PAID).
    Paid,
    /// Some captured money was refunded, not all of it.
    PartiallyRefunded,
    /// Everything captured was refunded.
    Refunded,
    /// An authorization was voided and nothing was captured.
    Voided,
}

impl FinancialStatus {
    /// The GraphQL name.
    pub fn as_str(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "PENDING",
            FinancialStatus::Authorized => "AUTHORIZED",
            FinancialStatus::PartiallyPaid => "PARTIALLY_PAID",
            FinancialStatus::Paid => "PAID",
            FinancialStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
            FinancialStatus::Refunded => "REFUNDED",
            FinancialStatus::Voided => "VOIDED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn stored_values_are_the_graphql_names() {
        for kind in PaymentTransactionKind::iter() {
            assert_eq!(kind.to_value(), kind.as_str());
        }
        assert_eq!(PaymentTransactionStatus::Failure.to_value(), "FAILURE");
    }
}
