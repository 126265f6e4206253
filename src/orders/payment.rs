//! Payment status and what it means for the paid amount. Pure: no I/O.

use async_graphql::Enum;

use crate::money::Money;

/// Where the money stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Not paid yet.
    Pending,
    /// Paid in full.
    Paid,
    /// Paid and returned.
    Refunded,
    /// The payment failed.
    Failed,
}

impl PaymentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Paid => "PAID",
            PaymentStatus::Refunded => "REFUNDED",
            PaymentStatus::Failed => "FAILED",
        }
    }

    /// The status a stored name (or a platform's lower-case one) stands for.
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

/// What has been paid: the gross total once PAID, nothing before.
pub fn paid_amount(status: Option<PaymentStatus>, gross_total: Money) -> Money {
    match status {
        Some(PaymentStatus::Paid) => gross_total,
        _ => Money::ZERO,
    }
}
