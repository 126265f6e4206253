//! Payment status: the seeds' four words for where an order's money stands
//! (the amounts are `payments::ledger`'s). Pure: no I/O.

use async_graphql::Enum;
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

// Stored by its GraphQL name, like `OrderStatus`.
/// Where the money stands.
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
pub enum PaymentStatus {
    /// Not paid yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Paid in full.
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// Paid and returned.
    #[sea_orm(string_value = "REFUNDED")]
    Refunded,
    /// The payment failed.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

impl PaymentStatus {
    /// The GraphQL (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Paid => "PAID",
            PaymentStatus::Refunded => "REFUNDED",
            PaymentStatus::Failed => "FAILED",
        }
    }

    /// The status a name stands for, in any case (the seeds send `paid`).
    pub fn parse(name: &str) -> Option<PaymentStatus> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PENDING" => Some(PaymentStatus::Pending),
            "PAID" => Some(PaymentStatus::Paid),
            "REFUNDED" => Some(PaymentStatus::Refunded),
            "FAILED" => Some(PaymentStatus::Failed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn the_stored_value_is_the_graphql_name_and_parses_in_any_case() {
        for status in PaymentStatus::iter() {
            assert_eq!(status.to_value(), status.as_str());
            assert_eq!(
                PaymentStatus::parse(&status.as_str().to_lowercase()),
                Some(status)
            );
        }
    }
}
