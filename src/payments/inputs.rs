//! GraphQL inputs of payments: a transaction to record, a refund to make.

use async_graphql::{ID, InputObject};

use super::kinds::{PaymentTransactionKind, PaymentTransactionStatus};
use crate::money::Money;
use crate::scalars::DateTime;

/// A payment transaction to record on an order: money authorized, captured
/// or released at a payment provider (or by hand). Refunds are made with
/// `refundOrder`.
#[derive(InputObject, Clone, Debug)]
pub struct PaymentTransactionInput {
    /// AUTHORIZATION, CAPTURE or VOID (REFUND is refused: use `refundOrder`,
    /// which says what the refund covers).
    pub kind: PaymentTransactionKind,
    /// Whether it went through; default SUCCESS. A FAILURE is kept in the
    /// history and counts for nothing (no limits apply to it).
    pub status: Option<PaymentTransactionStatus>,
    /// More than 0, at most 4 decimals, in the order's currency. Required,
    /// except for a successful VOID, which releases the whole open
    /// authorization (an amount given must equal it).
    pub amount: Option<Money>,
    /// ISO 4217 code; must equal the order's currency (there is no
    /// conversion). Default: the order's currency.
    pub currency: Option<String>,
    /// The payment provider ("stripe", "adyen", "mollie"), stored lower case
    /// ("Stripe" is "stripe"); default "manual". Up to 255 characters.
    pub gateway: Option<String>,
    /// How the buyer paid ("iDEAL", "creditcard"). Up to 255 characters.
    pub method: Option<String>,
    /// The provider's id of this transaction. Unique per gateway and kind: a
    /// report sent again with the same reference (a provider's webhook
    /// retried) records nothing and answers the transaction recorded the
    /// first time (`created: false`); the same reference with another
    /// order, amount or status is CONFLICT. Up to 255 characters.
    pub reference: Option<String>,
    /// When the provider processed it; default now. Not more than 5 minutes
    /// in the future.
    pub processed_at: Option<DateTime>,
    /// Record only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}

/// Units of one order line to refund.
#[derive(InputObject, Clone, Debug)]
pub struct RefundLineInput {
    /// The order line (of this order).
    pub line_id: ID,
    /// How many units; more than 0, at most the line's quantity less what
    /// earlier refunds took.
    pub quantity: Money,
}

/// A refund: lines and quantities, an amount, or both.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RefundOrderInput {
    /// The lines refunded; each line at most once. Their value (after-VAT
    /// unit value × quantity, see `RefundLine.amount`) is the refund's amount
    /// unless `amount` is given. Empty or absent: a refund of `amount` only
    /// (shipping, a goodwill gesture).
    pub lines: Option<Vec<RefundLineInput>>,
    /// The money to return, more than 0; default the lines' value. May be
    /// less than the lines' value (a restocking fee kept) or more (shipping
    /// refunded with them). Never more than was captured and not yet
    /// refunded.
    pub amount: Option<Money>,
    /// ISO 4217 code; must equal the order's currency. Default: the order's.
    pub currency: Option<String>,
    /// Why (up to 10,000 characters); the order's customer sees it.
    pub note: Option<String>,
    /// Whether to e-mail the customer (the REFUND_CREATED template); default
    /// false.
    pub notify: Option<bool>,
    /// The payment provider that returned the money, stored lower case;
    /// default "manual".
    pub gateway: Option<String>,
    /// How the money went back ("creditcard").
    pub method: Option<String>,
    /// The provider's id of the refund: unique per gateway, so a refund
    /// reported again records nothing and answers the first one
    /// (`created: false`); with another order or amount it is CONFLICT.
    pub reference: Option<String>,
    /// When the provider processed it; default now. Not more than 5 minutes
    /// in the future.
    pub processed_at: Option<DateTime>,
    /// Refund only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}
