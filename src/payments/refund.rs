//! refundOrder: money given back for lines and quantities, an amount, or
//! both, under the order's lock: line quantities never exceed what is left
//! to refund, the amount never exceeds what was captured and not yet
//! refunded, so concurrent refunds queue and the later ones see the earlier.
//! The refund, its lines, its REFUND transaction, the order's figures and a
//! REFUND_CREATED event are one transaction; a refund that leaves nothing
//! paid moves the order to REFUNDED when the workflow allows it (a
//! STATUS_CHANGED event in the same transaction).

use std::collections::HashSet;

use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait};

use super::inputs::RefundOrderInput;
use super::kinds::{FinancialStatus, PaymentTransactionKind, PaymentTransactionStatus};
use super::ledger::{self, Ledger};
use super::service::{
    Details, NewTransaction, RefundRecord, details, find_by_reference, insert_transactions,
    payment_status_after, reference_taken, refund_data, refunded_of_order, refunds,
    require_currency,
};
use super::valuation::{self, Item};
use crate::auth::Principal;
use crate::db::{Db, WriteTxn};
use crate::entities::{order, order_line, refund, refund_line};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::ids::{self, NodeKind};
use crate::money::Money;
use crate::orders::edit::OrderEdit;
use crate::orders::service::lines_of;
use crate::orders::workflow::OrderStatus;
use crate::validate::{MAX_LONG, check_len, clean};

/// What a refund left: the refund, the order after it, and whether this
/// call made it (false: the provider's report of it came before).
pub struct Refunded {
    pub refund: RefundRecord,
    pub order: order::Model,
    pub created: bool,
}

/// A line to refund, as asked: its id and quantity, with the input's index.
struct Asked {
    index: usize,
    line_id: i64,
    quantity: Money,
}

/// Reads and checks what does not need the order.
fn read_input(input: &RefundOrderInput, errors: &mut Vec<FieldError>) -> Vec<Asked> {
    let lines = input.lines.as_deref().unwrap_or_default();
    if lines.is_empty() && input.amount.is_none() {
        errors.push(FieldError::new(
            "input",
            "give lines to refund, an amount, or both",
        ));
    }
    if input.amount.is_some_and(|a| a <= Money::ZERO) {
        errors.push(FieldError::new("input.amount", "must be greater than 0"));
    }
    check_len(input.note.as_deref(), MAX_LONG, "input.note", errors);
    let mut seen = HashSet::new();
    let mut asked = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let path = format!("input.lines.{index}");
        if line.quantity <= Money::ZERO {
            errors.push(FieldError::new(
                format!("{path}.quantity"),
                "must be greater than 0",
            ));
        }
        let Some(line_id) = ids::parse_into(
            &line.line_id,
            NodeKind::OrderLine,
            &format!("{path}.lineId"),
            errors,
        ) else {
            continue;
        };
        if !seen.insert(line_id) {
            errors.push(FieldError::new(
                format!("{path}.lineId"),
                "names a line named before; give each line once with its whole quantity",
            ));
        }
        asked.push(Asked {
            index,
            line_id,
            quantity: line.quantity,
        });
    }
    asked
}

/// The refund lines of `asked` on the order's `lines`, valued (see
/// [`valuation`]); problems name the input's paths.
async fn value_lines(
    conn: &WriteTxn,
    order: &order::Model,
    asked: &[Asked],
) -> AppResult<Vec<(order_line::Model, Money, Money)>> {
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let lines = lines_of(conn, order.id).await?;
    let refunded = refunded_of_order(conn, order.id).await?;
    let unit = |line: &order_line::Model| {
        valuation::unit_value(
            line.price,
            line.discount_percentage,
            line.vat_percentage,
            order.discount_percentage,
        )
    };
    let already: Decimal = lines
        .iter()
        .map(|l| unit(l) * refunded.get(&l.id).copied().unwrap_or_default().decimal())
        .sum();
    let mut errors = Vec::new();
    let mut chosen = Vec::with_capacity(asked.len());
    for ask in asked {
        let path = format!("input.lines.{}", ask.index);
        let Some(line) = lines.iter().find(|l| l.id == ask.line_id) else {
            errors.push(FieldError::new(
                format!("{path}.lineId"),
                "is not a line of this order",
            ));
            continue;
        };
        let done = refunded.get(&line.id).copied().unwrap_or_default();
        let left = ledger::minus(line.quantity, done)
            .map_err(|e| AppError::invalid_field(format!("{path}.quantity"), e.to_string()))?;
        if ask.quantity > left {
            errors.push(FieldError::new(
                format!("{path}.quantity"),
                format!(
                    "is more than the {left} left to refund ({} ordered, {done} refunded before)",
                    line.quantity
                ),
            ));
            continue;
        }
        chosen.push((line.clone(), ask.quantity));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let items: Vec<Item> = chosen
        .iter()
        .map(|(line, quantity)| Item {
            unit: unit(line),
            quantity: *quantity,
        })
        .collect();
    let amounts = valuation::value(already, &items)
        .map_err(|e| AppError::invalid_field("input.lines", e.to_string()))?;
    Ok(chosen
        .into_iter()
        .zip(amounts)
        .map(|((line, quantity), amount)| (line, quantity, amount))
        .collect())
}

/// The refund recorded before under this provider reference, for a report
/// sent again; CONFLICT when it does not match.
async fn earlier(
    conn: &WriteTxn,
    details: &Details,
    order_id: i64,
    amount: Option<Money>,
) -> AppResult<Option<RefundRecord>> {
    let Some(first) = find_by_reference(conn, details, PaymentTransactionKind::Refund).await?
    else {
        return Ok(None);
    };
    let same = first.order_id == order_id && amount.is_none_or(|a| a == first.amount);
    let Some(refund_id) = first.refund_id.filter(|_| same) else {
        return Err(reference_taken(details));
    };
    Ok(refunds(conn, refund::Column::Id.eq(refund_id).into())
        .await?
        .pop())
}

/// Refunds (part of) order `order_id`.
#[tracing::instrument(name = "payments.refund", skip_all, fields(order.id = order_id))]
pub async fn refund_order(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    input: RefundOrderInput,
) -> AppResult<Refunded> {
    let mut errors = Vec::new();
    let asked = read_input(&input, &mut errors);
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
    let note = clean(&input.note);
    let notify = input.notify.unwrap_or(false);

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    require_currency(&details, &edit.after)?;
    if let Some(first) = earlier(&txn, &details, order_id, input.amount).await? {
        return Ok(Refunded {
            refund: first,
            order: edit.before,
            created: false,
        });
    }
    let valued = value_lines(&txn, &edit.after, &asked).await?;
    let lines_amount = valued
        .iter()
        .try_fold(Money::ZERO, |sum, (_, _, amount)| {
            ledger::plus(sum, *amount)
        })
        .map_err(|e| AppError::invalid_field("input.lines", e.to_string()))?;
    let (amount, path) = match input.amount {
        Some(amount) => (amount, "input.amount"),
        None => (lines_amount, "input.lines"),
    };
    if amount <= Money::ZERO {
        return Err(AppError::invalid_field(
            "input.lines",
            "these lines are worth nothing; give the amount to refund",
        ));
    }
    let mut figures = Ledger::of(&edit.after);
    ledger::check(
        &figures,
        edit.after.gross_total,
        PaymentTransactionKind::Refund,
        Some(amount),
    )
    .map_err(|message| AppError::invalid_field(path, message))?;

    let now = crate::db::now();
    let refund = refund::Entity::insert(refund::ActiveModel {
        id: NotSet,
        order_id: Set(order_id),
        amount: Set(amount),
        lines_amount: Set(lines_amount),
        // Everything a refund gives back leaves the current total: its
        // lines' value and what it gives beyond or short of it.
        deduction: Set(amount),
        currency: Set(edit.after.currency.clone()),
        note: Set(note.clone()),
        actor: Set(Some(actor.subject.clone())),
        created_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    let line_rows: Vec<refund_line::ActiveModel> = valued
        .iter()
        .enumerate()
        .map(
            |(position, (line, quantity, amount))| refund_line::ActiveModel {
                id: NotSet,
                refund_id: Set(refund.id),
                order_id: Set(order_id),
                order_line_id: Set(Some(line.id)),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                name: Set(line.name.clone()),
                quantity: Set(*quantity),
                amount: Set(*amount),
            },
        )
        .collect();
    let mut lines = Vec::with_capacity(line_rows.len());
    for chunk in line_rows.chunks(200) {
        lines.extend(
            refund_line::Entity::insert_many(chunk.to_vec())
                .exec_with_returning(&txn)
                .await?,
        );
    }
    let transaction = insert_transactions(
        &txn,
        &[NewTransaction {
            order: &edit.after,
            refund_id: Some(refund.id),
            kind: PaymentTransactionKind::Refund,
            status: PaymentTransactionStatus::Success,
            amount,
            details: &details,
            actor: &actor.subject,
        }],
    )
    .await?
    .and_then(|mut rows| rows.pop())
    .ok_or_else(|| reference_taken(&details))?;

    figures
        .apply(PaymentTransactionKind::Refund, amount, amount)
        .map_err(|e| AppError::invalid_field(path, e.to_string()))?;
    figures.write(&mut edit.after);
    edit.after.payment_status =
        payment_status_after(&figures, &edit.after, PaymentTransactionStatus::Success);
    edit.mark_changed();
    let record = RefundRecord {
        refund,
        lines,
        transaction: Some(transaction),
    };
    let data = refund_data(&record, &edit.after);
    let event = edit.event(OrderEventKind::RefundCreated);
    event.note = note;
    event.notify = notify;
    event.data = Some(data);
    // A full refund ends the order when its workflow allows; before it
    // shipped (or was cancelled) the status stays and the financial status
    // says REFUNDED.
    let financial = figures.financial_status(edit.after.gross_total, edit.after.payment_status);
    if financial == FinancialStatus::Refunded && edit.status().can_move_to(OrderStatus::Refunded) {
        edit.move_to(OrderStatus::Refunded, None, false)?;
    }
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Refunded {
        refund: record,
        order,
        created: true,
    })
}
