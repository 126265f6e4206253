//! createOrderTransaction: an authorization, capture or void recorded on an
//! order, checked against its figures under the order's lock, with the
//! figures, payment status, version and a TRANSACTION_RECORDED event in the
//! same transaction. A provider's report sent again (same gateway, kind and
//! reference) records nothing and answers the first one.

use super::inputs::PaymentTransactionInput;
use super::kinds::{PaymentTransactionKind, PaymentTransactionStatus};
use super::ledger::{self, Ledger};
use super::service::{
    NewTransaction, details, find_by_reference, insert_transactions, payment_status_after,
    reference_taken, require_currency, transaction_data,
};
use crate::auth::Principal;
use crate::db::Db;
use crate::entities::{order, payment_transaction};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::money::Money;
use crate::orders::edit::OrderEdit;

/// What a recorded transaction left: the transaction, the order after it,
/// and whether this call recorded it (false: the same report came before).
pub struct Recorded {
    pub transaction: payment_transaction::Model,
    pub order: order::Model,
    pub created: bool,
}

/// Records a transaction on order `order_id`.
#[tracing::instrument(name = "payments.record", skip_all, fields(order.id = order_id, payment.kind = ?input.kind))]
pub async fn create_transaction(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    input: PaymentTransactionInput,
) -> AppResult<Recorded> {
    let mut errors = Vec::new();
    if input.kind == PaymentTransactionKind::Refund {
        errors.push(FieldError::new(
            "input.kind",
            "refunds are made with refundOrder, which says what they cover",
        ));
    }
    let status = input.status.unwrap_or(PaymentTransactionStatus::Success);
    match input.amount {
        Some(amount) if amount <= Money::ZERO => {
            errors.push(FieldError::new("input.amount", "must be greater than 0"));
        }
        None if status == PaymentTransactionStatus::Failure
            || input.kind != PaymentTransactionKind::Void =>
        {
            errors.push(FieldError::new("input.amount", "is required"));
        }
        _ => {}
    }
    let details = details(
        &input.gateway,
        &input.method,
        &input.reference,
        input.processed_at.map(|t| t.0),
        &input.currency,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    require_currency(&details, &edit.after)?;
    if let Some(first) = find_by_reference(&txn, &details, input.kind).await? {
        let same = first.order_id == order_id
            && first.status == status
            && input.amount.is_none_or(|a| a == first.amount);
        if !same {
            return Err(reference_taken(&details));
        }
        return Ok(Recorded {
            transaction: first,
            order: edit.before,
            created: false,
        });
    }
    let mut figures = Ledger::of(&edit.after);
    let amount = match status {
        PaymentTransactionStatus::Success => {
            ledger::check(&figures, edit.after.gross_total, input.kind, input.amount)
                .map_err(|message| AppError::invalid_field("input.amount", message))?
        }
        PaymentTransactionStatus::Failure => input.amount.unwrap_or_default(),
    };
    let transaction = {
        let new = NewTransaction {
            order: &edit.after,
            refund_id: None,
            kind: input.kind,
            status,
            amount,
            details: &details,
            actor: &actor.subject,
        };
        insert_transactions(&txn, &[new])
            .await?
            .and_then(|mut rows| rows.pop())
            .ok_or_else(|| reference_taken(&details))?
    };
    if status == PaymentTransactionStatus::Success {
        figures
            .apply(input.kind, amount, Money::ZERO)
            .map_err(|e| AppError::invalid_field("input.amount", e.to_string()))?;
        figures.write(&mut edit.after);
    }
    edit.after.payment_status = payment_status_after(&figures, &edit.after, status);
    edit.mark_changed();
    let data = transaction_data(&transaction, &edit.after);
    edit.event(OrderEventKind::TransactionRecorded).data = Some(data);
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Recorded {
        transaction,
        order,
        created: true,
    })
}
