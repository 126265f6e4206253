//! What an order sync's payment status asks for, written: the transactions
//! (and refunds) [`sync::reconcile`] plans, for new orders in a few
//! statements for any number of them ([`record_opening`]) and for an
//! existing order being synced under its lock ([`record_sync`]).

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::kinds::PaymentTransactionKind;
use super::ledger::Ledger;
use super::service::{
    Details, NewTransaction, RefundRecord, insert_transactions, refund_data, transaction_data,
};
use super::sync::{self, Entry};
use crate::db::WriteTxn;
use crate::entities::{order, payment_transaction, refund};
use crate::error::{AppError, AppResult};
use crate::events::{NewEvent, OrderEventKind};
use crate::money::Money;
use crate::orders::payment::PaymentStatus;

/// The events of what a sync recorded: TRANSACTION_RECORDED per
/// transaction, REFUND_CREATED per refund.
fn sync_events(
    order: &order::Model,
    inserted: &[payment_transaction::Model],
    refunds: &HashMap<i64, refund::Model>,
    actor: &str,
) -> Vec<NewEvent> {
    inserted
        .iter()
        .map(|tx| match tx.refund_id.and_then(|id| refunds.get(&id)) {
            Some(refund) => {
                let mut event = NewEvent::new(order.id, OrderEventKind::RefundCreated, actor);
                let record = RefundRecord {
                    refund: refund.clone(),
                    lines: Vec::new(),
                    transaction: Some(tx.clone()),
                };
                event.data = Some(refund_data(&record, order));
                event
            }
            None => {
                let mut event = NewEvent::new(order.id, OrderEventKind::TransactionRecorded, actor);
                event.data = Some(transaction_data(tx, order));
                event
            }
        })
        .collect()
}

/// What a sync's transactions are recorded with: the order's source as the
/// gateway (it reported them), its payment method, now.
fn sync_details(order: &order::Model) -> Details {
    let now = crate::db::now();
    Details {
        gateway: order.source.clone(),
        method: order.payment_method.clone(),
        reference: None,
        processed_at: now,
        currency: None,
    }
}

/// Writes `entries` for each order (a refund row for each REFUND first),
/// batched; the inserted transactions and refunds.
async fn write_entries<C: ConnectionTrait>(
    conn: &C,
    planned: &[(&order::Model, Vec<Entry>)],
    actor: &str,
) -> AppResult<(Vec<payment_transaction::Model>, HashMap<i64, refund::Model>)> {
    let now = crate::db::now();
    let mut refund_rows = Vec::new();
    for (order, entries) in planned {
        for entry in entries
            .iter()
            .filter(|e| e.kind == PaymentTransactionKind::Refund)
        {
            refund_rows.push(refund::ActiveModel {
                id: NotSet,
                order_id: Set(order.id),
                amount: Set(entry.amount),
                lines_amount: Set(Money::ZERO),
                deduction: Set(entry.deduction),
                currency: Set(order.currency.clone()),
                note: Set(None),
                actor: Set(Some(actor.to_owned())),
                created_at: Set(now),
            });
        }
    }
    // A sync records at most one refund per order.
    let mut refunds: HashMap<i64, refund::Model> = HashMap::new();
    for chunk in refund_rows.chunks(200) {
        for row in refund::Entity::insert_many(chunk.to_vec())
            .exec_with_returning(conn)
            .await?
        {
            refunds.insert(row.order_id, row);
        }
    }
    let details: HashMap<i64, Details> = planned
        .iter()
        .map(|(order, _)| (order.id, sync_details(order)))
        .collect();
    let mut rows = Vec::new();
    for (order, entries) in planned {
        let Some(details) = details.get(&order.id) else {
            continue;
        };
        for entry in entries {
            let refund_id = (entry.kind == PaymentTransactionKind::Refund)
                .then(|| refunds.get(&order.id).map(|r| r.id))
                .flatten();
            rows.push(NewTransaction {
                order,
                refund_id,
                kind: entry.kind,
                status: entry.status,
                amount: entry.amount,
                details,
                actor,
            });
        }
    }
    // Sync transactions carry no reference: nothing can collide.
    let inserted = insert_transactions(conn, &rows)
        .await?
        .ok_or_else(|| AppError::internal(std::io::Error::other("a sync transaction collided")))?;
    let by_refund = refunds.into_values().map(|r| (r.id, r)).collect();
    Ok((inserted, by_refund))
}

/// Records the transactions of newly created orders that came with a
/// payment status (their rows carry the opening figures already, see
/// [`sync::opening`]), in a few statements for any number of orders. The
/// creation's CREATED or IMPORTED event stands for them.
pub async fn record_opening<C: ConnectionTrait>(
    conn: &C,
    orders: &[&order::Model],
    actor: &str,
) -> AppResult<()> {
    let mut planned = Vec::new();
    for order in orders {
        let Some(status) = order.payment_status else {
            continue;
        };
        let entries = sync::reconcile(&Ledger::default(), order.gross_total, status, None)
            .map_err(|e| AppError::invalid_field("paymentStatus", e.to_string()))?;
        if !entries.is_empty() {
            planned.push((*order, entries));
        }
    }
    write_entries(conn, &planned, actor).await?;
    Ok(())
}

/// Brings the figures of `order` (an existing order being synced, locked by
/// the caller, with its new totals) to what `given` says, recording the
/// difference as transactions, and keeps `given` as its payment status (the
/// source's word). `previous` is its payment status before the sync. The
/// events of what was recorded, for the caller to append after its own.
pub async fn record_sync(
    conn: &WriteTxn,
    order: &mut order::Model,
    previous: Option<PaymentStatus>,
    given: PaymentStatus,
    actor: &str,
) -> AppResult<Vec<NewEvent>> {
    let mut ledger = Ledger::of(order);
    let entries = sync::reconcile(&ledger, order.gross_total, given, previous)
        .map_err(|e| AppError::invalid_field("paymentStatus", e.to_string()))?;
    order.payment_status = Some(given);
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    sync::apply(&mut ledger, &entries)
        .map_err(|e| AppError::invalid_field("paymentStatus", e.to_string()))?;
    ledger.write(order);
    let (inserted, refunds) = write_entries(conn, &[(&*order, entries)], actor).await?;
    Ok(sync_events(order, &inserted, &refunds, actor))
}
