//! The payment status an order sync gives (`upsertOrder`, `importOrders`,
//! `placeOrder`, the REST dialects: the seeds' `paid`, `pending`, `refunded`,
//! `failed`) as transactions, pure: [`reconcile`] answers the transactions
//! that bring an order's figures to what the status says, so a sync mirrors
//! its source's payment as it mirrors its status, a repeat records nothing,
//! and a change between syncs records the difference. With `T` the current
//! total and `N` what is paid and kept (captured − refunded):
//!
//! | status | transactions |
//! |---|---|
//! | `paid` | a CAPTURE of `T − N` when `N < T`; a REFUND of `N − T` (taking nothing off the total) when the source lowered its total below `N` |
//! | `refunded` | a REFUND of `N` that takes the whole current total off, after a CAPTURE of `T` when nothing was paid (the source took the money and gave it back) |
//! | `pending` | a REFUND of `N` (taking nothing off) when something was paid; else nothing |
//! | `failed` | as `pending`, then a failed CAPTURE of `T` when the order was not FAILED already |
//!
//! No I/O.

use super::kinds::{PaymentTransactionKind, PaymentTransactionStatus};
use super::ledger::Ledger;
use crate::money::{Money, MoneyError};
use crate::orders::payment::PaymentStatus;

/// A transaction a sync records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: PaymentTransactionKind,
    pub status: PaymentTransactionStatus,
    pub amount: Money,
    /// For a REFUND: what it takes off the current total.
    pub deduction: Money,
}

impl Entry {
    fn success(kind: PaymentTransactionKind, amount: Money) -> Entry {
        Entry {
            kind,
            status: PaymentTransactionStatus::Success,
            amount,
            deduction: Money::ZERO,
        }
    }

    fn refund(amount: Money, deduction: Money) -> Entry {
        Entry {
            deduction,
            ..Entry::success(PaymentTransactionKind::Refund, amount)
        }
    }
}

/// The transactions that bring `ledger` (of an order with this gross total)
/// to what `status` says; `previous` is the order's payment status before
/// the sync (none for a new order). Empty when the figures already agree.
pub fn reconcile(
    ledger: &Ledger,
    gross_total: Money,
    status: PaymentStatus,
    previous: Option<PaymentStatus>,
) -> Result<Vec<Entry>, MoneyError> {
    let current = ledger.figures(gross_total)?.current_total;
    let paid = ledger.net_paid()?;
    let difference = |a: Money, b: Money| super::ledger::minus(a, b);
    let mut entries = Vec::new();
    match status {
        PaymentStatus::Paid => {
            if paid < current {
                entries.push(Entry::success(
                    PaymentTransactionKind::Capture,
                    difference(current, paid)?,
                ));
            } else if paid > current && paid > Money::ZERO {
                entries.push(Entry::refund(
                    difference(paid, current.max(Money::ZERO))?,
                    Money::ZERO,
                ));
            }
        }
        PaymentStatus::Refunded => {
            let mut refund = paid;
            if refund <= Money::ZERO && current > Money::ZERO {
                entries.push(Entry::success(PaymentTransactionKind::Capture, current));
                refund = current;
            }
            if refund > Money::ZERO {
                entries.push(Entry::refund(refund, current.max(Money::ZERO)));
            }
        }
        PaymentStatus::Pending | PaymentStatus::Failed => {
            if paid > Money::ZERO {
                entries.push(Entry::refund(paid, Money::ZERO));
            }
            if status == PaymentStatus::Failed
                && previous != Some(PaymentStatus::Failed)
                && current > Money::ZERO
            {
                entries.push(Entry {
                    status: PaymentTransactionStatus::Failure,
                    ..Entry::success(PaymentTransactionKind::Capture, current)
                });
            }
        }
    }
    Ok(entries)
}

/// The figures of a new order whose source says `status`: what
/// [`reconcile`] records on an empty ledger, without arithmetic (so writing
/// a new order's row cannot fail on it).
pub fn opening(status: Option<PaymentStatus>, gross_total: Money) -> Ledger {
    let gross = gross_total.max(Money::ZERO);
    match status {
        Some(PaymentStatus::Paid) => Ledger {
            captured: gross,
            ..Ledger::default()
        },
        Some(PaymentStatus::Refunded) => Ledger {
            captured: gross,
            refunded: gross,
            deductions: gross,
            ..Ledger::default()
        },
        _ => Ledger::default(),
    }
}

/// The figures after `entries` (failed ones count for nothing).
pub fn apply(ledger: &mut Ledger, entries: &[Entry]) -> Result<(), MoneyError> {
    for entry in entries {
        if entry.status == PaymentTransactionStatus::Success {
            ledger.apply(entry.kind, entry.amount, entry.deduction)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::kinds::FinancialStatus;
    use PaymentTransactionKind::{Capture, Refund};

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    /// Syncs `status` onto `ledger`; the entries, and the financial status after.
    fn sync(
        ledger: &mut Ledger,
        gross: &str,
        status: PaymentStatus,
        previous: Option<PaymentStatus>,
    ) -> (Vec<(PaymentTransactionKind, String)>, FinancialStatus) {
        let entries = reconcile(ledger, m(gross), status, previous).unwrap();
        apply(ledger, &entries).unwrap();
        let shown = entries
            .iter()
            .map(|e| (e.kind, e.amount.to_string()))
            .collect();
        (shown, ledger.financial_status(m(gross), Some(status)))
    }

    #[test]
    fn paid_captures_the_gross_total_once() {
        let mut ledger = Ledger::default();
        let (entries, financial) = sync(&mut ledger, "29.99", PaymentStatus::Paid, None);
        assert_eq!(entries, [(Capture, "29.99".into())]);
        assert_eq!(financial, FinancialStatus::Paid);
        let (again, _) = sync(&mut ledger, "29.99", PaymentStatus::Paid, None);
        assert!(again.is_empty(), "a repeat records nothing");
    }

    #[test]
    fn a_paid_total_that_changes_records_the_difference() {
        let mut ledger = Ledger::default();
        sync(&mut ledger, "100", PaymentStatus::Paid, None);
        let (more, _) = sync(&mut ledger, "120", PaymentStatus::Paid, None);
        assert_eq!(more, [(Capture, "20.00".into())]);
        let (less, financial) = sync(&mut ledger, "90", PaymentStatus::Paid, None);
        assert_eq!(less, [(Refund, "30.00".into())]);
        // The gross total fell already: the refund takes nothing off it.
        assert_eq!(ledger.figures(m("90")).unwrap().current_total, m("90"));
        assert_eq!(ledger.figures(m("90")).unwrap().outstanding, Money::ZERO);
        assert_eq!(financial, FinancialStatus::PartiallyRefunded);
    }

    #[test]
    fn refunded_refunds_what_was_paid_and_takes_the_total_off() {
        let mut ledger = Ledger::default();
        sync(&mut ledger, "40", PaymentStatus::Paid, None);
        let (entries, financial) = sync(&mut ledger, "40", PaymentStatus::Refunded, None);
        assert_eq!(entries, [(Refund, "40.00".into())]);
        assert_eq!(financial, FinancialStatus::Refunded);
        assert_eq!(ledger.figures(m("40")).unwrap().current_total, Money::ZERO);
        let (again, _) = sync(&mut ledger, "40", PaymentStatus::Refunded, None);
        assert!(again.is_empty());
    }

    #[test]
    fn refunded_without_a_payment_records_the_capture_and_its_refund() {
        let mut ledger = Ledger::default();
        let (entries, financial) = sync(&mut ledger, "60", PaymentStatus::Refunded, None);
        assert_eq!(
            entries,
            [(Capture, "60.00".into()), (Refund, "60.00".into())]
        );
        assert_eq!(financial, FinancialStatus::Refunded);
        assert_eq!(ledger.captured, m("60"));
    }

    #[test]
    fn pending_records_nothing_and_takes_back_a_payment_the_source_no_longer_has() {
        let mut ledger = Ledger::default();
        let (entries, financial) = sync(&mut ledger, "10", PaymentStatus::Pending, None);
        assert!(entries.is_empty());
        assert_eq!(financial, FinancialStatus::Pending);
        sync(&mut ledger, "10", PaymentStatus::Paid, None);
        let (back, _) = sync(&mut ledger, "10", PaymentStatus::Pending, None);
        assert_eq!(back, [(Refund, "10.00".into())]);
        assert_eq!(ledger.figures(m("10")).unwrap().outstanding, m("10"));
    }

    #[test]
    fn failed_records_one_failed_capture_that_counts_for_nothing() {
        let mut ledger = Ledger::default();
        let entries = reconcile(&ledger, m("25"), PaymentStatus::Failed, None).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].status, PaymentTransactionStatus::Failure);
        assert_eq!(entries[0].amount, m("25"));
        apply(&mut ledger, &entries).unwrap();
        assert_eq!(ledger, Ledger::default());
        let again = reconcile(
            &ledger,
            m("25"),
            PaymentStatus::Failed,
            Some(PaymentStatus::Failed),
        )
        .unwrap();
        assert!(again.is_empty());
    }

    #[test]
    fn the_opening_figures_are_what_reconcile_records_on_a_new_order() {
        for status in [
            PaymentStatus::Paid,
            PaymentStatus::Refunded,
            PaymentStatus::Pending,
            PaymentStatus::Failed,
        ] {
            for gross in ["0", "203.775"] {
                let mut ledger = Ledger::default();
                let entries = reconcile(&ledger, m(gross), status, None).unwrap();
                apply(&mut ledger, &entries).unwrap();
                assert_eq!(
                    opening(Some(status), m(gross)),
                    ledger,
                    "{status:?} {gross}"
                );
            }
        }
        assert_eq!(opening(None, m("5")), Ledger::default());
    }

    #[test]
    fn a_free_order_records_nothing() {
        for status in [
            PaymentStatus::Paid,
            PaymentStatus::Refunded,
            PaymentStatus::Pending,
            PaymentStatus::Failed,
        ] {
            assert!(
                reconcile(&Ledger::default(), Money::ZERO, status, None)
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
