//! GraphQL types of payments: transactions, refunds and their lines, the
//! mutation payloads, and the order fields that read them (`Order` asks
//! these functions, so its file only names them).

use async_graphql::{Context, ID, Object, SimpleObject};

use super::kinds::{FinancialStatus, PaymentTransactionKind, PaymentTransactionStatus};
use super::ledger::Ledger;
use super::loaders::{RefundId, RefundedOfOrder, RefundsOfOrder, TransactionsOfOrder};
use super::service::RefundRecord;
use crate::entities::{order, order_line, payment_transaction, refund_line};
use crate::error::AppError;
use crate::graphql::context::policy;
use crate::graphql::loader::loader;
use crate::ids::{NodeKind, global_id};
use crate::lines::loaders::LineId;
use crate::lines::types::OrderLine;
use crate::money::Money;
use crate::orders::types::Order;
use crate::scalars::{BigInt, DateTime};

fn internals_forbidden(what: &str) -> AppError {
    AppError::Forbidden(format!(
        "Only staff and integrations may read a transaction's {what}"
    ))
}

/// A payment transaction of an order.
#[derive(Clone)]
pub struct PaymentTransaction(pub payment_transaction::Model);

/// A movement of an order's money at a payment provider (or by hand): an
/// authorization, a capture, a refund or a void, successful or failed. The
/// order's customer sees its own order's transactions, but not their
/// gateway, reference or actor.
#[Object]
impl PaymentTransaction {
    /// The global id: opaque, unique across all types (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::PaymentTransaction, self.0.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// The global id of the order.
    async fn order_id(&self) -> ID {
        global_id(NodeKind::Order, self.0.order_id)
    }
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
        Order::load(ctx, self.0.order_id).await
    }
    /// What it does with the money.
    async fn kind(&self) -> PaymentTransactionKind {
        self.0.kind
    }
    /// Whether it went through; a FAILURE counts for nothing.
    async fn status(&self) -> PaymentTransactionStatus {
        self.0.status
    }
    /// The amount, in `currency` (a void: the authorization it released).
    async fn amount(&self) -> Money {
        self.0.amount
    }
    /// ISO 4217 code: always the order's currency.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The payment provider ("stripe"), "manual", or for what an order sync
    /// reported the order's source ("shopify"). Staff and integrations only
    /// (FORBIDDEN for customers).
    async fn gateway(&self, ctx: &Context<'_>) -> Result<Option<&str>, AppError> {
        if !policy(ctx)?.sees_payment_internals() {
            return Err(internals_forbidden("gateway"));
        }
        Ok(Some(&self.0.gateway))
    }
    /// How the buyer paid ("iDEAL"); null when not given.
    async fn method(&self) -> Option<&str> {
        self.0.method.as_deref()
    }
    /// The provider's id of the transaction; null when not given. Staff and
    /// integrations only (FORBIDDEN for customers).
    async fn reference(&self, ctx: &Context<'_>) -> Result<Option<&str>, AppError> {
        if !policy(ctx)?.sees_payment_internals() {
            return Err(internals_forbidden("reference"));
        }
        Ok(self.0.reference.as_deref())
    }
    /// Who recorded it (the caller's subject). Staff and integrations only
    /// (FORBIDDEN for customers).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<&str>, AppError> {
        if !policy(ctx)?.sees_payment_internals() {
            return Err(internals_forbidden("actor"));
        }
        Ok(self.0.actor.as_deref())
    }
    /// The refund a REFUND transaction belongs to; null for other kinds.
    async fn refund(&self, ctx: &Context<'_>) -> Result<Option<Refund>, AppError> {
        match self.0.refund_id {
            Some(id) => Ok(loader(ctx)?.load_one(RefundId(id)).await?.map(Refund)),
            None => Ok(None),
        }
    }
    /// When the provider processed it.
    async fn processed_at(&self) -> DateTime {
        self.0.processed_at.into()
    }
    /// When it was recorded here.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A refund of an order.
#[derive(Clone)]
pub struct Refund(pub RefundRecord);

/// Money given back to the buyer: for lines and quantities, an amount, or
/// both, carried by one REFUND transaction. The order's customer sees its
/// own order's refunds (with their note).
#[Object]
impl Refund {
    /// The global id: opaque, unique across all types (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Refund, self.0.refund.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.refund.id)
    }
    /// The global id of the order.
    async fn order_id(&self) -> ID {
        global_id(NodeKind::Order, self.0.refund.order_id)
    }
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
        Order::load(ctx, self.0.refund.order_id).await
    }
    /// The money given back.
    async fn amount(&self) -> Money {
        self.0.refund.amount
    }
    /// The value of the refunded lines (Σ `lines.amount`); 0 for a refund
    /// of an amount only. `amount` may differ from it: less when a fee was
    /// kept, more when shipping went back with the lines.
    async fn lines_amount(&self) -> Money {
        self.0.refund.lines_amount
    }
    /// ISO 4217 code: always the order's currency.
    async fn currency(&self) -> &str {
        &self.0.refund.currency
    }
    /// Why; null when no note was given.
    async fn note(&self) -> Option<&str> {
        self.0.refund.note.as_deref()
    }
    /// The lines refunded, in the order given; empty for a refund of an
    /// amount only (and for refunds an order sync recorded).
    async fn lines(&self) -> Vec<RefundLine> {
        self.0.lines.iter().cloned().map(RefundLine).collect()
    }
    /// The REFUND transaction that carries the money.
    async fn transaction(&self) -> Option<PaymentTransaction> {
        self.0.transaction.clone().map(PaymentTransaction)
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        self.0.refund.created_at.into()
    }
}

/// Units of one order line in a refund.
pub struct RefundLine(pub refund_line::Model);

/// Units of one order line in a refund, and what they were worth. Read
/// through its refund (it has no id of its own).
#[Object]
impl RefundLine {
    /// The global id of the order line; null when an order sync replaced the
    /// order's lines since.
    async fn line_id(&self) -> Option<ID> {
        self.0
            .order_line_id
            .map(|id| global_id(NodeKind::OrderLine, id))
    }
    /// The order line as it is now; null when an order sync replaced the
    /// order's lines since.
    async fn line(&self, ctx: &Context<'_>) -> Result<Option<OrderLine>, AppError> {
        match self.0.order_line_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(LineId(id))
                .await?
                .map(|(line, address)| OrderLine(line, address))),
            None => Ok(None),
        }
    }
    /// The line's name when it was refunded.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// How many units.
    async fn quantity(&self) -> Money {
        self.0.quantity
    }
    /// Their value: the line's after-VAT unit value (its price after the line
    /// and order discounts, plus VAT) × `quantity`, rounded half away from
    /// zero to 4 decimals on the order's running value of refunded lines, so
    /// an order's refund lines always add up to their exact value rounded
    /// once.
    async fn amount(&self) -> Money {
        self.0.amount
    }
}

/// The result of `createOrderTransaction`.
#[derive(SimpleObject)]
pub struct CreateOrderTransactionPayload {
    /// The transaction: recorded by this call, or (`created: false`) the one
    /// the same provider reference recorded before.
    pub transaction: PaymentTransaction,
    /// The order after it.
    pub order: Order,
    /// False when the provider's reference was recorded before and nothing
    /// was written.
    pub created: bool,
}

/// The result of `refundOrder`.
#[derive(SimpleObject)]
pub struct RefundOrderPayload {
    /// The refund: made by this call, or (`created: false`) the one the same
    /// provider reference made before.
    pub refund: Refund,
    /// The order after it.
    pub order: Order,
    /// False when the provider's reference was recorded before and nothing
    /// was written.
    pub created: bool,
}

/// `Order.financialStatus`.
pub fn financial_status(order: &order::Model) -> FinancialStatus {
    Ledger::of(order).financial_status(order.gross_total, order.payment_status)
}

/// `Order.transactions`, batched.
pub async fn transactions_of(
    ctx: &Context<'_>,
    order_id: i64,
) -> Result<Vec<PaymentTransaction>, AppError> {
    let rows = loader(ctx)?.load_one(TransactionsOfOrder(order_id)).await?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(PaymentTransaction)
        .collect())
}

/// `Order.refunds`, batched.
pub async fn refunds_of(ctx: &Context<'_>, order_id: i64) -> Result<Vec<Refund>, AppError> {
    let rows = loader(ctx)?.load_one(RefundsOfOrder(order_id)).await?;
    Ok(rows.unwrap_or_default().into_iter().map(Refund).collect())
}

/// `OrderLine.refundedQuantity`, batched per order.
pub async fn refunded_quantity(
    ctx: &Context<'_>,
    line: &order_line::Model,
) -> Result<Money, AppError> {
    let quantities = loader(ctx)?
        .load_one(RefundedOfOrder(line.order_id))
        .await?;
    Ok(quantities
        .and_then(|q| q.get(&line.id).copied())
        .unwrap_or(Money::ZERO))
}

/// The payment figures of `OrderTotals`: refunded, authorized, current total
/// and outstanding amount.
pub struct PaymentFigures {
    pub refunded_amount: Money,
    pub authorized_amount: Money,
    pub current_total: Money,
    pub outstanding_amount: Money,
}

/// The payment figures of `order`.
pub fn figures(order: &order::Model) -> Result<PaymentFigures, AppError> {
    let ledger = Ledger::of(order);
    let figures = ledger
        .figures(order.gross_total)
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    Ok(PaymentFigures {
        refunded_amount: order.refunded_amount,
        authorized_amount: order.authorized_amount,
        current_total: figures.current_total,
        outstanding_amount: figures.outstanding,
    })
}
