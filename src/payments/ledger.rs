//! An order's money, pure: the kinds and statuses of payment transactions,
//! the order's running figures ([`Ledger`]), what a new transaction may be
//! ([`check`]), and the financial and payment statuses the figures give. No
//! I/O.
//!
//! The figures, all exact:
//! - `paidAmount` = Σ successful captures;
//! - `refundedAmount` = Σ successful refunds;
//! - `authorizedAmount` = authorized and neither captured nor voided yet (a
//!   capture draws on it first);
//! - `currentTotal` = `grossTotal` − what refunds took off the order (the
//!   value of their lines and any amount beyond or short of it, as Shopify's
//!   refund discrepancy; refunds an order sync records because the source
//!   lowered its total take nothing off: the gross total fell already);
//! - `outstandingAmount` = `currentTotal` − (`paidAmount` − `refundedAmount`);
//!   negative when the buyer paid more than the order now costs.

use rust_decimal::Decimal;

use super::kinds::{FinancialStatus, PaymentTransactionKind};

use crate::entities::order;
use crate::money::{Money, MoneyError};
use crate::orders::payment::PaymentStatus;

/// `a + b`, exactly; out of range is an error, never a wrap.
pub fn plus(a: Money, b: Money) -> Result<Money, MoneyError> {
    Money::try_new(a.decimal() + b.decimal())
}

/// `a − b`, exactly.
pub fn minus(a: Money, b: Money) -> Result<Money, MoneyError> {
    Money::try_new(a.decimal() - b.decimal())
}

/// An order's running payment figures, as its row stores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Σ successful captures (`paidAmount`).
    pub captured: Money,
    /// Σ successful refunds.
    pub refunded: Money,
    /// Authorized, not yet captured or voided.
    pub authorized: Money,
    /// Σ successful voids.
    pub voided: Money,
    /// What refunds took off the current total.
    pub deductions: Money,
}

/// The order's figures as clients read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figures {
    /// `grossTotal` − what refunds took off.
    pub current_total: Money,
    /// `currentTotal` − (`paidAmount` − `refundedAmount`).
    pub outstanding: Money,
}

impl Ledger {
    /// The figures `order` stores.
    pub fn of(order: &order::Model) -> Ledger {
        Ledger {
            captured: order.paid_amount,
            refunded: order.refunded_amount,
            authorized: order.authorized_amount,
            voided: order.voided_amount,
            deductions: order.refund_deductions,
        }
    }

    /// Writes the figures onto `order`.
    pub fn write(&self, order: &mut order::Model) {
        order.paid_amount = self.captured;
        order.refunded_amount = self.refunded;
        order.authorized_amount = self.authorized;
        order.voided_amount = self.voided;
        order.refund_deductions = self.deductions;
    }

    /// Whether any money moved (successfully): captured, refunded,
    /// authorized or voided.
    pub fn has_payments(&self) -> bool {
        [self.captured, self.refunded, self.authorized, self.voided]
            .iter()
            .any(|m| *m != Money::ZERO)
    }

    /// What the buyer has paid and kept paid: captured − refunded. A refund
    /// may give back at most this.
    pub fn net_paid(&self) -> Result<Money, MoneyError> {
        minus(self.captured, self.refunded)
    }

    /// The current total and outstanding amount of an order with this gross
    /// total.
    pub fn figures(&self, gross_total: Money) -> Result<Figures, MoneyError> {
        let current_total = minus(gross_total, self.deductions)?;
        let outstanding = minus(current_total, self.net_paid()?)?;
        Ok(Figures {
            current_total,
            outstanding,
        })
    }

    /// The figures after a successful transaction of `kind` and `amount`;
    /// `deduction` is what a refund takes off the current total (ignored
    /// for other kinds). A capture draws on the open authorization first;
    /// a void releases (part of) it. Limits are [`check`]'s.
    pub fn apply(
        &mut self,
        kind: PaymentTransactionKind,
        amount: Money,
        deduction: Money,
    ) -> Result<(), MoneyError> {
        match kind {
            PaymentTransactionKind::Authorization => {
                self.authorized = plus(self.authorized, amount)?;
            }
            PaymentTransactionKind::Capture => {
                self.captured = plus(self.captured, amount)?;
                self.authorized = minus(self.authorized, amount.min(self.authorized))?;
            }
            PaymentTransactionKind::Refund => {
                self.refunded = plus(self.refunded, amount)?;
                self.deductions = plus(self.deductions, deduction)?;
            }
            PaymentTransactionKind::Void => {
                self.voided = plus(self.voided, amount)?;
                self.authorized = minus(self.authorized, amount.min(self.authorized))?;
            }
        }
        Ok(())
    }

    /// What the buyer still owes an order with this gross total, exact
    /// and unbounded (for comparisons; [`Ledger::figures`] gives it as an
    /// amount).
    fn owed(&self, gross_total: Money) -> Decimal {
        gross_total.decimal() - self.deductions.decimal() - self.captured.decimal()
            + self.refunded.decimal()
    }

    /// The financial status of an order with this gross total;
    /// `payment_status` only decides for an order that costs nothing.
    pub fn financial_status(
        &self,
        gross_total: Money,
        payment_status: Option<PaymentStatus>,
    ) -> FinancialStatus {
        if self.refunded > Money::ZERO {
            if self.refunded >= self.captured {
                FinancialStatus::Refunded
            } else {
                FinancialStatus::PartiallyRefunded
            }
        } else if self.captured > Money::ZERO {
            if self.owed(gross_total) <= Decimal::ZERO {
                FinancialStatus::Paid
            } else {
                FinancialStatus::PartiallyPaid
            }
        } else if self.authorized > Money::ZERO {
            FinancialStatus::Authorized
        } else if self.voided > Money::ZERO {
            FinancialStatus::Voided
        } else if gross_total.decimal() - self.deductions.decimal() <= Decimal::ZERO
            && payment_status == Some(PaymentStatus::Paid)
        {
            FinancialStatus::Paid
        } else {
            FinancialStatus::Pending
        }
    }
}

/// The coarse payment status (`Order.paymentStatus`, the seeds' four) that
/// the figures give. An order without any money moved keeps `previous` (as
/// its source gave it, or null). Otherwise REFUNDED when refunded in full;
/// PAID when paid (also after a partial refund); FAILED when `failed_now` (a
/// failed transaction was just recorded) or it was FAILED, and nothing is
/// paid or authorized; else PENDING.
pub fn payment_status(
    ledger: &Ledger,
    financial: FinancialStatus,
    previous: Option<PaymentStatus>,
    failed_now: bool,
) -> Option<PaymentStatus> {
    let nothing_moved = !ledger.has_payments();
    let failed = failed_now || previous == Some(PaymentStatus::Failed);
    match financial {
        _ if nothing_moved && failed_now => Some(PaymentStatus::Failed),
        _ if nothing_moved => previous,
        FinancialStatus::Refunded => Some(PaymentStatus::Refunded),
        FinancialStatus::Paid | FinancialStatus::PartiallyRefunded => Some(PaymentStatus::Paid),
        FinancialStatus::Pending | FinancialStatus::Voided if failed => Some(PaymentStatus::Failed),
        _ => Some(PaymentStatus::Pending),
    }
}

/// Re-derives `order.payment_status` from its figures, after its totals
/// changed (a line edit, a sync without a payment status): an order whose
/// total grew past what was paid is no longer PAID.
pub fn settle(order: &mut order::Model) {
    let ledger = Ledger::of(order);
    let financial = ledger.financial_status(order.gross_total, order.payment_status);
    order.payment_status = payment_status(&ledger, financial, order.payment_status, false);
}

/// Why a successful transaction of `kind` may not be recorded on an order
/// with these figures, in a sentence about its amount; or the amount to
/// record (a void without an amount releases the whole open authorization).
/// - an authorization covers at most what is outstanding beyond the open
///   authorizations;
/// - a capture takes at most the outstanding amount, and at most the open
///   authorization when there is one;
/// - a void needs an open authorization and releases all of it;
/// - a refund gives back at most what was captured and not yet refunded.
pub fn check(
    ledger: &Ledger,
    gross_total: Money,
    kind: PaymentTransactionKind,
    amount: Option<Money>,
) -> Result<Money, String> {
    // Exact and unbounded: a limit is never refused for being out of range.
    let owed = ledger.owed(gross_total);
    let shown = |value: Decimal| match Money::try_new(value.max(Decimal::ZERO)) {
        Ok(money) => money.to_string(),
        Err(_) => value.to_string(),
    };
    let amount_or = |what: &str| amount.ok_or_else(|| format!("is required for {what}"));
    match kind {
        PaymentTransactionKind::Authorization => {
            let amount = amount_or("an authorization")?;
            let room = owed - ledger.authorized.decimal();
            if amount.decimal() > room {
                return Err(format!(
                    "is more than the order still owes beyond its open authorizations ({})",
                    shown(room)
                ));
            }
            Ok(amount)
        }
        PaymentTransactionKind::Capture => {
            let amount = amount_or("a capture")?;
            if ledger.authorized > Money::ZERO && amount > ledger.authorized {
                return Err(format!(
                    "is more than the open authorization ({})",
                    ledger.authorized
                ));
            }
            if amount.decimal() > owed {
                return Err(format!(
                    "is more than the outstanding amount ({})",
                    shown(owed)
                ));
            }
            Ok(amount)
        }
        PaymentTransactionKind::Void => {
            if ledger.authorized <= Money::ZERO {
                return Err(
                    "there is no open authorization to void (a captured authorization cannot be voided; refund it)".into(),
                );
            }
            match amount {
                Some(amount) if amount != ledger.authorized => Err(format!(
                    "a void releases the whole open authorization ({}); give that amount or none",
                    ledger.authorized
                )),
                _ => Ok(ledger.authorized),
            }
        }
        PaymentTransactionKind::Refund => {
            let amount = amount_or("a refund")?;
            let refundable = ledger.captured.decimal() - ledger.refunded.decimal();
            if amount.decimal() > refundable {
                return Err(if ledger.captured == Money::ZERO {
                    "is more than was paid: nothing has been captured on this order".into()
                } else {
                    format!(
                        "is more than was paid and not yet refunded ({})",
                        shown(refundable)
                    )
                });
            }
            Ok(amount)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    use PaymentTransactionKind::{Authorization, Capture, Refund, Void};

    fn status(ledger: &Ledger, gross: &str) -> FinancialStatus {
        ledger.financial_status(m(gross), None)
    }

    #[test]
    fn capture_then_partial_then_full_refund_of_the_seed_003_order() {
        let gross = "203.775";
        let mut ledger = Ledger::default();
        assert_eq!(status(&ledger, gross), FinancialStatus::Pending);
        ledger.apply(Capture, m("203.775"), Money::ZERO).unwrap();
        assert_eq!(status(&ledger, gross), FinancialStatus::Paid);
        assert_eq!(ledger.figures(m(gross)).unwrap().outstanding, Money::ZERO);

        ledger.apply(Refund, m("50.9438"), m("50.9438")).unwrap();
        assert_eq!(status(&ledger, gross), FinancialStatus::PartiallyRefunded);
        let figures = ledger.figures(m(gross)).unwrap();
        assert_eq!(figures.current_total.to_string(), "152.8312");
        assert_eq!(figures.outstanding, Money::ZERO);

        ledger.apply(Refund, m("152.8312"), m("152.8312")).unwrap();
        assert_eq!(status(&ledger, gross), FinancialStatus::Refunded);
        let figures = ledger.figures(m(gross)).unwrap();
        assert_eq!(figures.current_total, Money::ZERO);
        assert_eq!(figures.outstanding, Money::ZERO);
        assert_eq!(ledger.refunded.to_string(), "203.775");
    }

    #[test]
    fn a_capture_draws_on_the_authorization_and_a_void_releases_the_rest() {
        let mut ledger = Ledger::default();
        ledger.apply(Authorization, m("100"), Money::ZERO).unwrap();
        assert_eq!(status(&ledger, "100"), FinancialStatus::Authorized);
        ledger.apply(Capture, m("60"), Money::ZERO).unwrap();
        assert_eq!(ledger.authorized, m("40"));
        assert_eq!(status(&ledger, "100"), FinancialStatus::PartiallyPaid);
        ledger.apply(Void, m("40"), Money::ZERO).unwrap();
        assert_eq!(ledger.authorized, Money::ZERO);
        assert_eq!(status(&ledger, "100"), FinancialStatus::PartiallyPaid);

        let mut voided = Ledger::default();
        voided.apply(Authorization, m("100"), Money::ZERO).unwrap();
        voided.apply(Void, m("100"), Money::ZERO).unwrap();
        assert_eq!(status(&voided, "100"), FinancialStatus::Voided);
    }

    #[test]
    fn limits_name_the_amount_they_allow() {
        let mut ledger = Ledger::default();
        assert_eq!(
            check(&ledger, m("100"), Capture, Some(m("100"))),
            Ok(m("100"))
        );
        assert_eq!(
            check(&ledger, m("100"), Capture, Some(m("100.0001"))),
            Err("is more than the outstanding amount (100.00)".into())
        );
        assert!(
            check(&ledger, m("100"), Refund, Some(m("1")))
                .unwrap_err()
                .contains("nothing has been captured")
        );
        assert!(check(&ledger, m("100"), Void, None).is_err());

        ledger.apply(Authorization, m("80"), Money::ZERO).unwrap();
        assert_eq!(
            check(&ledger, m("100"), Authorization, Some(m("20.0001"))),
            Err("is more than the order still owes beyond its open authorizations (20.00)".into())
        );
        assert_eq!(
            check(&ledger, m("100"), Capture, Some(m("81"))),
            Err("is more than the open authorization (80.00)".into())
        );
        assert_eq!(check(&ledger, m("100"), Void, None), Ok(m("80")));
        assert!(check(&ledger, m("100"), Void, Some(m("10"))).is_err());

        ledger.apply(Capture, m("80"), Money::ZERO).unwrap();
        ledger.apply(Refund, m("30"), m("30")).unwrap();
        assert_eq!(check(&ledger, m("100"), Refund, Some(m("50"))), Ok(m("50")));
        assert_eq!(
            check(&ledger, m("100"), Refund, Some(m("50.0001"))),
            Err("is more than was paid and not yet refunded (50.00)".into())
        );
    }

    #[test]
    fn a_total_that_grew_past_the_payment_is_partially_paid_and_one_that_fell_is_overpaid() {
        let mut ledger = Ledger::default();
        ledger.apply(Capture, m("100"), Money::ZERO).unwrap();
        assert_eq!(status(&ledger, "120"), FinancialStatus::PartiallyPaid);
        assert_eq!(ledger.figures(m("120")).unwrap().outstanding, m("20"));
        assert_eq!(status(&ledger, "80"), FinancialStatus::Paid);
        assert_eq!(ledger.figures(m("80")).unwrap().outstanding, m("-20"));
    }

    #[test]
    fn the_payment_status_follows_the_figures_and_keeps_the_sources_word_without_them() {
        let none = Ledger::default();
        for previous in [None, Some(PaymentStatus::Failed), Some(PaymentStatus::Paid)] {
            assert_eq!(
                payment_status(&none, FinancialStatus::Pending, previous, false),
                previous
            );
        }
        assert_eq!(
            payment_status(&none, FinancialStatus::Pending, None, true),
            Some(PaymentStatus::Failed)
        );
        let mut paid = Ledger::default();
        paid.apply(Capture, m("10"), Money::ZERO).unwrap();
        for (financial, expected) in [
            (FinancialStatus::Paid, PaymentStatus::Paid),
            (FinancialStatus::PartiallyRefunded, PaymentStatus::Paid),
            (FinancialStatus::Refunded, PaymentStatus::Refunded),
            (FinancialStatus::PartiallyPaid, PaymentStatus::Pending),
            (FinancialStatus::Authorized, PaymentStatus::Pending),
        ] {
            assert_eq!(
                payment_status(&paid, financial, Some(PaymentStatus::Failed), false),
                Some(expected),
                "{financial:?}"
            );
        }
        let mut voided = Ledger::default();
        voided.apply(Void, m("10"), Money::ZERO).unwrap();
        assert_eq!(
            payment_status(
                &voided,
                FinancialStatus::Voided,
                Some(PaymentStatus::Failed),
                false
            ),
            Some(PaymentStatus::Failed)
        );
        assert_eq!(
            payment_status(
                &voided,
                FinancialStatus::Voided,
                Some(PaymentStatus::Pending),
                false
            ),
            Some(PaymentStatus::Pending)
        );
    }

    #[test]
    fn a_free_order_is_paid_only_when_its_source_says_so() {
        let ledger = Ledger::default();
        assert_eq!(
            ledger.financial_status(Money::ZERO, Some(PaymentStatus::Paid)),
            FinancialStatus::Paid
        );
        assert_eq!(
            ledger.financial_status(Money::ZERO, None),
            FinancialStatus::Pending
        );
    }
}
