//! GraphQL types of the order domain. Each wraps a database row and says in its
//! docs what null and empty mean.

use async_graphql::{Context, ID, Object, SimpleObject};

use crate::scalars::Json;

use super::import::{ImportOutcome, ImportResultStatus};
use super::loaders::OrderId;
use super::payment::PaymentStatus;
use super::stats::Stats;
use super::workflow::OrderStatus;
use crate::admin::loaders::AdminFieldsOfOrder;
use crate::admin::types::AdminField;
use crate::customers::loaders::{AddressId, CustomerId};
use crate::customers::types::{Address, Customer};
use crate::deliveries::loaders::DeliveriesOfOrder;
use crate::deliveries::types::Delivery;
use crate::entities::order;
use crate::error::AppError;
use crate::events::loaders::EventsOfOrder;
use crate::events::types::OrderEvent;
use crate::fulfillments::rules::FulfillmentStatus;
use crate::fulfillments::types::Fulfillment;
use crate::graphql::context::policy;
use crate::graphql::loader::loader;
use crate::ids::{NodeKind, global_id};
use crate::lines::loaders::LinesOfOrder;
use crate::lines::types::OrderLine;
use crate::messages::loaders::MessagesOfOrder;
use crate::messages::types::OrderMessage;
use crate::money::Money;
use crate::payments::kinds::FinancialStatus;
use crate::payments::types::{PaymentTransaction, Refund};
use crate::scalars::BigInt;
use crate::tags::loaders::TagsOfOrder;

/// An order.
#[derive(Clone)]
pub struct Order(pub order::Model);

impl Order {
    /// The order with this id, through the request's loader. Access checks
    /// are the caller's.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<Order>, AppError> {
        Ok(loader(ctx)?.load_one(OrderId::new(id)).await?.map(Order))
    }
}

async fn address(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Address>, AppError> {
    match id {
        Some(id) => Ok(loader(ctx)?
            .load_one(AddressId::new(id))
            .await?
            .map(Address)),
        None => Ok(None),
    }
}

/// An order: who bought what, at which prices and totals, where it is in its
/// workflow, and its history. Customers see only their own; staff notes and
/// admin fields only staff and admins.
#[Object]
impl Order {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever an order id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Order, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// The human order number, unique, assigned at creation.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// Where the order comes from ("api", "shopify", ...).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The source platform's order id; with `source` it identifies the order.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// The buyer's own reference (purchase order number).
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    /// Where the order is in its life.
    async fn status(&self) -> OrderStatus {
        self.0.status
    }
    /// Where the money stands, in the seeds' four words; null when unknown.
    /// As an order sync (`upsertOrder`, `importOrders`, `placeOrder`, the
    /// REST dialects) gave it; once money moved, it follows the transactions
    /// (REFUNDED when refunded in full, PAID when paid, also after a partial
    /// refund, else PENDING, or FAILED after a failed transaction with
    /// nothing paid). `financialStatus` says more.
    async fn payment_status(&self) -> Option<PaymentStatus> {
        self.0.payment_status
    }
    /// Where the money stands, from the order's transactions: PENDING,
    /// AUTHORIZED, PARTIALLY_PAID, PAID, PARTIALLY_REFUNDED, REFUNDED or
    /// VOIDED (see `totals` for the amounts).
    async fn financial_status(&self) -> FinancialStatus {
        crate::payments::types::financial_status(&self.0)
    }
    /// The payment transactions (authorizations, captures, refunds, voids,
    /// failed attempts), oldest first; empty when none. Customers see their
    /// own order's, without gateway internals.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn transactions(&self, ctx: &Context<'_>) -> Result<Vec<PaymentTransaction>, AppError> {
        crate::payments::types::transactions_of(ctx, self.0.id).await
    }
    /// The refunds, oldest first, with their lines; empty when none.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn refunds(&self, ctx: &Context<'_>) -> Result<Vec<Refund>, AppError> {
        crate::payments::types::refunds_of(ctx, self.0.id).await
    }
    /// How the buyer pays ("iDEAL").
    async fn payment_method(&self) -> Option<&str> {
        self.0.payment_method.as_deref()
    }
    /// ISO 4217 currency of every amount of the order.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// A test order: left out of statistics unless asked for.
    async fn test(&self) -> bool {
        self.0.test
    }
    /// The user who placed the order in the system it comes from (seed
    /// 002's Userhub user id); null when not given.
    async fn user_id(&self) -> Option<&str> {
        self.0.user_id.as_deref()
    }
    /// The customer; null for orders without one.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>, AppError> {
        match self.0.customer_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(CustomerId::new(id))
                .await?
                .map(Customer)),
            None => Ok(None),
        }
    }
    /// The buyer's e-mail as given with the order (or the customer's).
    async fn customer_email(&self) -> Option<&str> {
        self.0.customer_email.as_deref()
    }
    /// The buyer's name as given with the order (or the customer's).
    async fn customer_name(&self) -> Option<&str> {
        self.0.customer_name.as_deref()
    }
    /// Where to ship; null when not given.
    async fn shipping_address(&self, ctx: &Context<'_>) -> Result<Option<Address>, AppError> {
        address(ctx, self.0.shipping_address_id).await
    }
    /// Where to bill; null when not given.
    async fn billing_address(&self, ctx: &Context<'_>) -> Result<Option<Address>, AppError> {
        address(ctx, self.0.billing_address_id).await
    }
    /// The lines, by position; empty for an order synced without lines.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>, AppError> {
        let rows = loader(ctx)?.load_one(LinesOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .map(|(line, address)| OrderLine(line.clone(), address.clone()))
            .collect())
    }
    /// The order's amounts.
    async fn totals(&self) -> Result<OrderTotals, AppError> {
        let o = &self.0;
        let payments = crate::payments::types::figures(o)?;
        Ok(OrderTotals {
            total_quantity: o.total_quantity,
            products_before_discount: o.products_before_discount,
            discount_percentage: o.discount_percentage,
            discount_total: o.discount_total,
            total_before_vat: o.total_before_vat,
            total_vat: o.total_vat,
            shipping_costs: o.shipping_costs,
            gross_total: o.gross_total,
            paid_amount: o.paid_amount,
            refunded_amount: payments.refunded_amount,
            authorized_amount: payments.authorized_amount,
            current_total: payments.current_total,
            outstanding_amount: payments.outstanding_amount,
        })
    }
    /// The order's shipments, oldest first, cancelled ones included (see
    /// their `status`); empty until the first is recorded. Whoever sees the
    /// order sees them.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn fulfillments(&self, ctx: &Context<'_>) -> Result<Vec<Fulfillment>, AppError> {
        crate::fulfillments::types::of_order(ctx, self.0.id).await
    }
    /// How much of the order its fulfillments that are not cancelled hold:
    /// FULFILLED when every line's whole quantity, PARTIALLY_FULFILLED when
    /// some, UNFULFILLED when none. An order without lines is UNFULFILLED:
    /// nothing is recorded as sent.
    async fn fulfillment_status(&self, ctx: &Context<'_>) -> Result<FulfillmentStatus, AppError> {
        crate::fulfillments::types::status_of_order(ctx, self.0.id).await
    }
    /// Shipment tracking; null until a code, URL or shipping option is set.
    /// Once fulfillments carry tracking codes, the latest one that is not
    /// cancelled: its first code and URL, and its carrier as the shipping
    /// option.
    async fn tracking(&self) -> Option<Tracking> {
        let o = &self.0;
        if o.tracking_code.is_none() && o.tracking_url.is_none() && o.shipping_option.is_none() {
            return None;
        }
        Some(Tracking {
            code: o.tracking_code.clone(),
            url: o.tracking_url.clone(),
            shipping_option: o.shipping_option.clone(),
        })
    }
    /// The order's id in an external system (ERP, accounting).
    async fn integration_ref(&self) -> Option<&str> {
        self.0.integration_ref.as_deref()
    }
    /// Notes from the buyer.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Notes from staff. Staff and admins only (FORBIDDEN for others).
    async fn staff_notes(&self, ctx: &Context<'_>) -> Result<Option<&str>, AppError> {
        if !policy(ctx)?.sees_staff_notes() {
            return Err(AppError::Forbidden(
                "Only staff may read staff notes".into(),
            ));
        }
        Ok(self.0.staff_notes.as_deref())
    }
    /// Free data given with the order.
    async fn metadata(&self) -> Option<Json> {
        self.0.metadata.clone().map(Json)
    }
    /// Staff's extra fields, by name; empty when none. Staff and admins only
    /// (FORBIDDEN for others).
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn admin_fields(&self, ctx: &Context<'_>) -> Result<Vec<AdminField>, AppError> {
        if !policy(ctx)?.sees_admin_fields() {
            return Err(AppError::Forbidden(
                "Only staff may read admin fields".into(),
            ));
        }
        let rows = loader(ctx)?.load_one(AdminFieldsOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .cloned()
            .map(AdminField::from)
            .collect())
    }
    /// Staff's labels on the order, alphabetically (by lower-cased code
    /// points); empty when none. Admins, staff and integrations (FORBIDDEN
    /// for customers).
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<String>, AppError> {
        if !policy(ctx)?.sees_tags() {
            return Err(AppError::Forbidden(
                "Customers cannot read order tags".into(),
            ));
        }
        let rows = loader(ctx)?.load_one(TagsOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .map(|t| t.tag.clone())
            .collect())
    }
    /// Messages on the order, oldest first.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn messages(&self, ctx: &Context<'_>) -> Result<Vec<OrderMessage>, AppError> {
        let rows = loader(ctx)?.load_one(MessagesOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .cloned()
            .map(OrderMessage)
            .collect())
    }
    /// The order's history, oldest first. Changes to admin fields are staff
    /// data: only staff and admins see those events.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEvent>, AppError> {
        let policy = policy(ctx)?;
        let rows = loader(ctx)?.load_one(EventsOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .iter()
            .filter(|e| policy.sees_event(e.kind))
            .cloned()
            .map(OrderEvent)
            .collect())
    }
    /// Every delivery the order caused or will cause (e-mails, webhook calls,
    /// scheduled follow-ups), oldest first. Staff and admins only (FORBIDDEN
    /// for others).
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn deliveries(&self, ctx: &Context<'_>) -> Result<Vec<Delivery>, AppError> {
        if !policy(ctx)?.sees_deliveries() {
            return Err(AppError::Forbidden("Only staff may see deliveries".into()));
        }
        let rows = loader(ctx)?.load_one(DeliveriesOfOrder(self.0.id)).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Delivery).collect())
    }
    /// The statuses this order may move to next; empty when none.
    async fn allowed_next_statuses(&self) -> Vec<OrderStatus> {
        self.0.status.next().to_vec()
    }
    /// Grows on every change to the order or its lines; pass it as
    /// `expectedVersion` to change the order only if nobody else did meanwhile.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The order's business date (given by imports and upserts, else the
    /// creation time).
    async fn submitted_at(&self) -> crate::scalars::DateTime {
        self.0.submitted_at.into()
    }
    /// When the order was created here.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When the order or its lines last changed.
    async fn updated_at(&self) -> crate::scalars::DateTime {
        self.0.updated_at.into()
    }
}

/// An order's amounts, in its currency.
#[derive(SimpleObject)]
pub struct OrderTotals {
    /// Σ line quantities.
    pub total_quantity: Money,
    /// Σ price × quantity, before any discount and VAT.
    pub products_before_discount: Money,
    /// The order discount in percent.
    pub discount_percentage: Money,
    /// Everything discounted (line and order discounts):
    /// `productsBeforeDiscount − totalBeforeVat`.
    pub discount_total: Money,
    /// Products after discounts, before VAT.
    pub total_before_vat: Money,
    /// VAT, summed from the exact line VATs (or as the source gave it).
    pub total_vat: Money,
    /// Shipping costs.
    pub shipping_costs: Money,
    /// `totalBeforeVat + totalVat + shippingCosts`, or the source's own total.
    pub gross_total: Money,
    /// What has been paid: Σ successful captures (refunds do not lower it;
    /// see `refundedAmount`).
    pub paid_amount: Money,
    /// What has been given back: Σ successful refunds.
    pub refunded_amount: Money,
    /// Authorized at the payment provider and neither captured nor voided
    /// yet; 0 when nothing is.
    pub authorized_amount: Money,
    /// What the order costs now: `grossTotal` less what refunds took off it
    /// (their lines' value, and what they gave beyond or short of it, as
    /// Shopify's refund discrepancy). Refunds an order sync records because
    /// its source lowered the total take nothing off: `grossTotal` fell
    /// already.
    pub current_total: Money,
    /// What the buyer still owes: `currentTotal − (paidAmount −
    /// refundedAmount)`. Negative when the buyer paid more than the order
    /// now costs (a refund is due).
    pub outstanding_amount: Money,
}

/// Shipment tracking.
#[derive(SimpleObject)]
pub struct Tracking {
    /// Carrier tracking code.
    pub code: Option<String>,
    /// Carrier tracking URL.
    pub url: Option<String>,
    /// Carrier or shipping option.
    pub shipping_option: Option<String>,
}

/// The result of `upsertOrder`.
#[derive(SimpleObject)]
pub struct UpsertOrderPayload {
    /// The order as stored now.
    pub order: Order,
    /// True when this call created the order, false when it updated it.
    pub created: bool,
}

/// One row of the status table (seed 002's statuses endpoint).
pub struct OrderStatusInfo(pub OrderStatus);

/// One row of the status workflow table (seed 002's statuses endpoint): a
/// status, its label, and the statuses that may follow it.
#[Object]
impl OrderStatusInfo {
    /// The status.
    async fn status(&self) -> OrderStatus {
        self.0
    }

    /// A human label ("In progress").
    async fn label(&self) -> &'static str {
        self.0.label()
    }

    /// Whether orders in this status still need work (not COMPLETED, CANCELLED or
    /// REFUNDED).
    async fn active(&self) -> bool {
        self.0.is_active()
    }

    /// Whether no status can follow this one.
    async fn terminal(&self) -> bool {
        self.0.is_terminal()
    }

    /// The statuses an order may move to from this one; empty when terminal.
    async fn next(&self) -> Vec<OrderStatus> {
        self.0.next().to_vec()
    }
}

/// What became of one order of an import.
pub struct ImportResult(pub ImportOutcome, pub Option<Order>);

/// What became of one order of an `importOrders` call: IMPORTED, DUPLICATE
/// (already known, left unchanged) or INVALID (with its errors).
#[Object]
impl ImportResult {
    /// The order's external id as sent.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// IMPORTED, DUPLICATE or INVALID.
    async fn status(&self) -> ImportResultStatus {
        self.0.status
    }
    /// The imported order, or for a duplicate the order already there; null
    /// for an invalid one.
    async fn order(&self) -> Option<&Order> {
        self.1.as_ref()
    }
    /// For INVALID: every problem as "path: message" (paths like
    /// `orders.3.lines.0.price`); empty otherwise.
    async fn errors(&self) -> &[String] {
        &self.0.errors
    }
}

/// The result of `importOrders` (seed 004's counts).
#[derive(SimpleObject)]
pub struct ImportOrdersPayload {
    /// How many orders the call held.
    pub orders_count: i32,
    /// How many were imported.
    pub orders_imported: i32,
    /// One result per input order, in input order.
    pub results: Vec<ImportResult>,
}

/// The result of `removeOrderLine`.
#[derive(SimpleObject)]
pub struct RemoveOrderLinePayload {
    /// The order after the removal.
    pub order: Order,
    /// The id of the removed line.
    pub removed_line_id: ID,
}

/// Orders in one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status.
    pub status: OrderStatus,
    /// How many orders are in it.
    pub count: i32,
}

/// An amount in one currency.
#[derive(SimpleObject)]
pub struct CurrencyAmount {
    /// ISO 4217 code.
    pub currency: String,
    /// The amount.
    pub amount: Money,
}

/// Order statistics (seed 002's stats endpoint), per currency for money.
pub struct OrderStats(pub Stats);

fn count32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Order statistics over the orders a filter selects (seed 002's stats):
/// counts per status, and revenue per currency.
#[Object]
impl OrderStats {
    /// Orders selected.
    async fn total_orders(&self) -> i32 {
        count32(self.0.total_orders)
    }
    /// Of those, the active ones (not COMPLETED, CANCELLED or REFUNDED).
    async fn active_orders(&self) -> i32 {
        count32(self.0.active_orders)
    }
    /// Every status with its count, in workflow order (zeros included).
    async fn by_status(&self) -> Vec<StatusCount> {
        self.0
            .by_status
            .iter()
            .map(|(status, n)| StatusCount {
                status: *status,
                count: count32(*n),
            })
            .collect()
    }
    /// Σ gross totals per currency, leaving out CANCELLED and REFUNDED orders.
    /// Never summed across currencies.
    async fn revenue(&self) -> Vec<CurrencyAmount> {
        amounts(&self.0.revenue)
    }
    /// Revenue ÷ orders counted in it, per currency.
    async fn average_order_value(&self) -> Vec<CurrencyAmount> {
        amounts(&self.0.average_order_value)
    }
}

fn amounts(list: &[(String, Money)]) -> Vec<CurrencyAmount> {
    list.iter()
        .map(|(currency, amount)| CurrencyAmount {
            currency: currency.clone(),
            amount: *amount,
        })
        .collect()
}

/// When this execution replays a keyed mutation whose response was lost (see
/// `graphql::idempotency`), the order it changed, as it is now: the resolver
/// answers with it instead of writing again.
pub async fn replayed(ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
    let Some(id) = crate::graphql::idempotency::replayed_order() else {
        return Ok(None);
    };
    let db = &crate::graphql::context::state(ctx)?.db;
    Ok(crate::orders::service::get(db, id).await?.map(Order))
}
