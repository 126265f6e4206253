//! What every payment write shares: the checked details of a transaction
//! (gateway, method, reference, time), inserting it (its reference decides
//! duplicates), the event data of transactions and refunds, refunded
//! quantities and refunds as read back.

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
};
use serde_json::{Value as Json, json};

use super::kinds::{PaymentTransactionKind, PaymentTransactionStatus};
use super::ledger::{self, Ledger};
use crate::entities::{order, payment_transaction, refund, refund_line};
use crate::error::{AppError, AppResult, FieldError};
use crate::money::Money;
use crate::orders::payment::PaymentStatus;
use crate::validate::{MAX_SHORT, check_len, clean};

/// The gateway of transactions recorded without one.
pub const MANUAL: &str = "manual";

/// How far in the future a provider's `processedAt` may lie (clock skew).
const SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// A refund with its lines and the REFUND transaction that carries the
/// money (none only for a refund being assembled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRecord {
    pub refund: refund::Model,
    pub lines: Vec<refund_line::Model>,
    pub transaction: Option<payment_transaction::Model>,
}

/// Where, how and when a transaction happened, checked.
#[derive(Clone, Debug)]
pub struct Details {
    pub gateway: String,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub processed_at: chrono::DateTime<chrono::Utc>,
    /// The currency the caller named (upper case), if any.
    pub currency: Option<String>,
}

/// Checks the details an input gives (paths under `input.`), collecting
/// problems into `errors`.
pub fn details(
    gateway: &Option<String>,
    method: &Option<String>,
    reference: &Option<String>,
    processed_at: Option<chrono::DateTime<chrono::Utc>>,
    currency: &Option<String>,
    errors: &mut Vec<FieldError>,
) -> Details {
    // One provider is one gateway whatever the case it is written in, so
    // its references stay unique.
    let gateway = clean(gateway).map_or_else(|| MANUAL.to_owned(), |g| g.to_lowercase());
    let (method, reference) = (clean(method), clean(reference));
    for (path, value) in [
        ("input.gateway", Some(&gateway)),
        ("input.method", method.as_ref()),
        ("input.reference", reference.as_ref()),
    ] {
        check_len(value.map(String::as_str), MAX_SHORT, path, errors);
    }
    let now = crate::db::now();
    if processed_at.is_some_and(|at| at > now + SKEW) {
        errors.push(FieldError::new(
            "input.processedAt",
            "lies in the future; give the time the provider processed the transaction",
        ));
    }
    Details {
        gateway,
        method,
        reference,
        processed_at: processed_at.unwrap_or(now),
        currency: clean(currency).map(|c| c.to_ascii_uppercase()),
    }
}

/// BAD_USER_INPUT unless `details` names the order's currency (or none).
pub fn require_currency(details: &Details, order: &order::Model) -> AppResult<()> {
    match &details.currency {
        Some(given) if *given != order.currency => Err(AppError::invalid_field(
            "input.currency",
            format!(
                "must be the order's currency ({}); amounts are never converted",
                order.currency
            ),
        )),
        _ => Ok(()),
    }
}

/// The transaction recorded before with this gateway, kind and reference.
pub async fn find_by_reference<C: ConnectionTrait>(
    conn: &C,
    details: &Details,
    kind: PaymentTransactionKind,
) -> AppResult<Option<payment_transaction::Model>> {
    let Some(reference) = &details.reference else {
        return Ok(None);
    };
    Ok(payment_transaction::Entity::find()
        .filter(payment_transaction::Column::Gateway.eq(details.gateway.as_str()))
        .filter(payment_transaction::Column::Kind.eq(kind))
        .filter(payment_transaction::Column::Reference.eq(reference.as_str()))
        .one(conn)
        .await?)
}

/// CONFLICT: the reference names a transaction that is not this one.
pub fn reference_taken(details: &Details) -> AppError {
    AppError::Conflict {
        message: format!(
            "input.reference: the gateway \"{}\" already reported a transaction \"{}\" of this kind with another order, amount or status",
            details.gateway,
            details.reference.as_deref().unwrap_or_default()
        ),
        current_version: None,
    }
}

/// A transaction row to insert.
pub struct NewTransaction<'a> {
    pub order: &'a order::Model,
    pub refund_id: Option<i64>,
    pub kind: PaymentTransactionKind,
    pub status: PaymentTransactionStatus,
    pub amount: Money,
    pub details: &'a Details,
    pub actor: &'a str,
}

impl NewTransaction<'_> {
    fn row(&self) -> payment_transaction::ActiveModel {
        payment_transaction::ActiveModel {
            id: NotSet,
            order_id: Set(self.order.id),
            refund_id: Set(self.refund_id),
            kind: Set(self.kind),
            status: Set(self.status),
            amount: Set(self.amount),
            currency: Set(self.order.currency.clone()),
            gateway: Set(self.details.gateway.clone()),
            method: Set(self.details.method.clone()),
            reference: Set(self.details.reference.clone()),
            processed_at: Set(self.details.processed_at),
            created_at: Set(crate::db::now()),
            actor: Set(Some(self.actor.to_owned())),
        }
    }
}

/// Inserts transactions; `None` when a reference is taken already (by a
/// concurrent report of the same transaction): the unique index decides.
pub async fn insert_transactions<C: ConnectionTrait>(
    conn: &C,
    rows: &[NewTransaction<'_>],
) -> AppResult<Option<Vec<payment_transaction::Model>>> {
    if rows.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let mut inserted = Vec::with_capacity(rows.len());
    // Far below both backends' bind-parameter limits (13 per row).
    for chunk in rows.chunks(200) {
        let result =
            payment_transaction::Entity::insert_many(chunk.iter().map(NewTransaction::row))
                .on_conflict(OnConflict::new().do_nothing().to_owned())
                .try_insert()
                .exec_with_returning_many(conn)
                .await?;
        match result {
            TryInsertResult::Inserted(models) if models.len() == chunk.len() => {
                inserted.extend(models)
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(inserted))
}

/// The figures clients read, for event data: amounts as strings.
pub fn figures_data(order: &order::Model) -> Json {
    let ledger = Ledger::of(order);
    let figures = ledger.figures(order.gross_total).ok();
    json!({
        "paidAmount": order.paid_amount,
        "refundedAmount": order.refunded_amount,
        "authorizedAmount": order.authorized_amount,
        "currentTotal": figures.map(|f| f.current_total),
        "outstandingAmount": figures.map(|f| f.outstanding),
        "financialStatus": ledger.financial_status(order.gross_total, order.payment_status),
    })
}

/// The data of a TRANSACTION_RECORDED event: the transaction and the
/// order's figures after it. Gateway and reference are left out: the
/// order's customer sees its events, and those are the shop's.
pub fn transaction_data(tx: &payment_transaction::Model, order: &order::Model) -> Json {
    let mut data = json!({
        "transactionId": tx.id.to_string(),
        "kind": tx.kind,
        "status": tx.status,
        "amount": tx.amount,
        "currency": tx.currency,
        "method": tx.method,
    });
    merge(&mut data, figures_data(order));
    data
}

/// The data of a REFUND_CREATED event: the refund, its lines, and the
/// order's figures after it (no gateway internals, as for transactions).
pub fn refund_data(record: &RefundRecord, order: &order::Model) -> Json {
    let refund = &record.refund;
    let mut data = json!({
        "refundId": refund.id.to_string(),
        "transactionId": record.transaction.as_ref().map(|t| t.id.to_string()),
        "amount": refund.amount,
        "linesAmount": refund.lines_amount,
        "currency": refund.currency,
        "lines": record.lines.iter().map(|l| json!({
            "lineId": l.order_line_id.map(|id| id.to_string()),
            "name": l.name,
            "quantity": l.quantity,
            "amount": l.amount,
        })).collect::<Vec<_>>(),
    });
    merge(&mut data, figures_data(order));
    data
}

fn merge(into: &mut Json, from: Json) {
    if let (Json::Object(into), Json::Object(from)) = (into, from) {
        into.extend(from);
    }
}

#[derive(FromQueryResult)]
struct RefundedRow {
    order_id: i64,
    order_line_id: i64,
    quantity: i64,
}

/// How many units of each line of these orders were refunded: (order id,
/// line id, quantity), one statement.
pub async fn refunded_quantities<C: ConnectionTrait>(
    conn: &C,
    order_ids: &[i64],
) -> AppResult<Vec<(i64, i64, Money)>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    // SUM(bigint) is numeric on PostgreSQL; the cast keeps it an exact
    // integer of ten-thousandths on both backends.
    let rows = refund_line::Entity::find()
        .select_only()
        .column(refund_line::Column::OrderId)
        .column(refund_line::Column::OrderLineId)
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "quantity")
        .filter(refund_line::Column::OrderId.is_in(order_ids.iter().copied()))
        .filter(refund_line::Column::OrderLineId.is_not_null())
        .group_by(refund_line::Column::OrderId)
        .group_by(refund_line::Column::OrderLineId)
        .into_model::<RefundedRow>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.order_id, r.order_line_id, Money::from_scaled(r.quantity)))
        .collect())
}

/// How many units of each line of order `order_id` were refunded, by line id.
pub async fn refunded_of_order<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> AppResult<HashMap<i64, Money>> {
    Ok(refunded_quantities(conn, &[order_id])
        .await?
        .into_iter()
        .map(|(_, line, quantity)| (line, quantity))
        .collect())
}

/// How many units of line `line_id` of order `order_id` were refunded.
pub async fn refunded_quantity<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    line_id: i64,
) -> AppResult<Money> {
    Ok(refunded_of_order(conn, order_id)
        .await?
        .get(&line_id)
        .copied()
        .unwrap_or(Money::ZERO))
}

/// The refunds `condition` selects, with their lines and transactions, in
/// id order: three statements whatever their number.
pub async fn refunds<C: ConnectionTrait>(
    conn: &C,
    condition: sea_orm::Condition,
) -> AppResult<Vec<RefundRecord>> {
    let refunds = refund::Entity::find()
        .filter(condition)
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?;
    if refunds.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = refunds.iter().map(|r| r.id).collect();
    let mut lines: HashMap<i64, Vec<refund_line::Model>> = HashMap::new();
    for line in refund_line::Entity::find()
        .filter(refund_line::Column::RefundId.is_in(ids.iter().copied()))
        .order_by_asc(refund_line::Column::RefundId)
        .order_by_asc(refund_line::Column::Position)
        .all(conn)
        .await?
    {
        lines.entry(line.refund_id).or_default().push(line);
    }
    let mut transactions: HashMap<i64, payment_transaction::Model> =
        payment_transaction::Entity::find()
            .filter(payment_transaction::Column::RefundId.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|t| t.refund_id.map(|id| (id, t)))
            .collect();
    Ok(refunds
        .into_iter()
        .map(|refund| RefundRecord {
            lines: lines.remove(&refund.id).unwrap_or_default(),
            transaction: transactions.remove(&refund.id),
            refund,
        })
        .collect())
}

/// The payment status after recording a transaction of `status` on an order
/// with these figures (see [`ledger::payment_status`]).
pub fn payment_status_after(
    ledger: &Ledger,
    order: &order::Model,
    status: PaymentTransactionStatus,
) -> Option<PaymentStatus> {
    let financial = ledger.financial_status(order.gross_total, order.payment_status);
    ledger::payment_status(
        ledger,
        financial,
        order.payment_status,
        status == PaymentTransactionStatus::Failure,
    )
}
