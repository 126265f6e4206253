//! GraphQL types of the order domain. Each wraps a database row and says in its
//! docs what null and empty mean.

use async_graphql::{Context, ID, Json, Object, SimpleObject};

use super::inputs::PaymentStatus;
use super::loaders::{AdminFieldsOfOrder, EventsOfOrder, LinesOfOrder, MessagesOfOrder};
use super::workflow::OrderStatus;
use crate::customers::loaders::{AddressId, CustomerId};
use crate::customers::types::{Address, Customer};
use crate::entities::{order, order_admin_field, order_line, order_message};
use crate::error::AppError;
use crate::events::types::OrderEvent;
use crate::graphql::context::require_principal;
use crate::graphql::loader::loader;
use crate::money::Money;

/// An order.
#[derive(Clone)]
pub struct Order(pub order::Model);

fn stored_status(name: &str) -> Result<OrderStatus, AppError> {
    name.parse().map_err(|_| {
        AppError::internal(std::io::Error::other(format!(
            "unknown stored status {name}"
        )))
    })
}

async fn address(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Address>, AppError> {
    match id {
        Some(id) => Ok(loader(ctx)?.load_one(AddressId(id)).await?.map(Address)),
        None => Ok(None),
    }
}

#[Object]
impl Order {
    /// The database id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
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
    async fn status(&self) -> Result<OrderStatus, AppError> {
        stored_status(&self.0.status)
    }
    /// Where the money stands; null when unknown.
    async fn payment_status(&self) -> Option<PaymentStatus> {
        self.0
            .payment_status
            .as_deref()
            .and_then(PaymentStatus::parse)
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
    /// The customer; null for orders without one.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>, AppError> {
        match self.0.customer_id {
            Some(id) => Ok(loader(ctx)?.load_one(CustomerId(id)).await?.map(Customer)),
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
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>, AppError> {
        let rows = loader(ctx)?.load_one(LinesOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|(line, address)| OrderLine(line, address))
            .collect())
    }
    /// The order's amounts.
    async fn totals(&self) -> OrderTotals {
        let o = &self.0;
        OrderTotals {
            total_quantity: o.total_quantity,
            products_before_discount: o.products_before_discount,
            discount_percentage: o.discount_percentage,
            discount_total: o.discount_total,
            total_before_vat: o.total_before_vat,
            total_vat: o.total_vat,
            shipping_costs: o.shipping_costs,
            gross_total: o.gross_total,
            paid_amount: o.paid_amount,
        }
    }
    /// Shipment tracking; null until a code, URL or shipping option is set.
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
        if !require_principal(ctx)?.sees_staff_data() {
            return Err(AppError::Forbidden(
                "Only staff may read staff notes".into(),
            ));
        }
        Ok(self.0.staff_notes.as_deref())
    }
    /// Free data given with the order.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }
    /// Staff's extra fields, by name; empty when none. Staff and admins only
    /// (FORBIDDEN for others).
    async fn admin_fields(&self, ctx: &Context<'_>) -> Result<Vec<AdminField>, AppError> {
        if !require_principal(ctx)?.sees_admin_fields() {
            return Err(AppError::Forbidden(
                "Only staff may read admin fields".into(),
            ));
        }
        let rows = loader(ctx)?.load_one(AdminFieldsOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(AdminField::from)
            .collect())
    }
    /// Messages on the order, oldest first.
    async fn messages(&self, ctx: &Context<'_>) -> Result<Vec<OrderMessage>, AppError> {
        let rows = loader(ctx)?.load_one(MessagesOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(OrderMessage)
            .collect())
    }
    /// The order's history, oldest first. Changes to admin fields are staff
    /// data: only staff and admins see those events.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEvent>, AppError> {
        let staff = require_principal(ctx)?.sees_staff_data();
        let rows = loader(ctx)?.load_one(EventsOfOrder(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .filter(|e| staff || !crate::events::is_staff_only(&e.kind))
            .map(OrderEvent)
            .collect())
    }
    /// The statuses this order may move to next; empty when none.
    async fn allowed_next_statuses(&self) -> Result<Vec<OrderStatus>, AppError> {
        Ok(stored_status(&self.0.status)?.next().to_vec())
    }
    /// Grows on every change to the order or its lines; pass it as
    /// `expectedVersion` to change the order only if nobody else did meanwhile.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The order's business date (given by imports and upserts, else the
    /// creation time).
    async fn submitted_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.submitted_at
    }
    /// When the order was created here.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    /// When the order or its lines last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
}

/// An order line ("order product" in seed 003), with its address when it has
/// its own.
pub struct OrderLine(
    pub order_line::Model,
    pub Option<crate::entities::addressbook::Model>,
);

#[Object]
impl OrderLine {
    /// The database id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }
    /// Place in the order, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The catalogue product, when the line came from one.
    async fn product_id(&self) -> Option<ID> {
        self.0.product_id.map(ID::from)
    }
    /// The catalogue product's code.
    async fn product_code(&self) -> Option<&str> {
        self.0.product_code.as_deref()
    }
    /// The product's id in the source system.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// The product name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Stock keeping unit.
    async fn sku(&self) -> Option<&str> {
        self.0.sku.as_deref()
    }
    /// EAN-13 barcode.
    async fn ean13(&self) -> Option<&str> {
        self.0.ean13.as_deref()
    }
    /// Manufacturer part number.
    async fn mpn(&self) -> Option<&str> {
        self.0.mpn.as_deref()
    }
    /// UPC barcode.
    async fn upc(&self) -> Option<&str> {
        self.0.upc.as_deref()
    }
    /// Brand.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// Category.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// Supplier.
    async fn supplier(&self) -> Option<&str> {
        self.0.supplier.as_deref()
    }
    /// Image URL.
    async fn image_url(&self) -> Option<&str> {
        self.0.image_url.as_deref()
    }
    /// Product page URL.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// How many.
    async fn quantity(&self) -> Money {
        self.0.quantity
    }
    /// Unit price before discount and VAT.
    async fn price(&self) -> Money {
        self.0.price
    }
    /// Unit price after the line discount.
    async fn final_price(&self) -> Money {
        self.0.final_price
    }
    /// Line discount in percent.
    async fn discount_percentage(&self) -> Money {
        self.0.discount_percentage
    }
    /// VAT in percent.
    async fn vat_percentage(&self) -> Money {
        self.0.vat_percentage
    }
    /// Whether the price overrides the catalogue's.
    async fn has_custom_price(&self) -> bool {
        self.0.has_custom_price
    }
    /// `finalPrice × quantity`.
    async fn total_before_vat(&self) -> Money {
        self.0.total_before_vat
    }
    /// VAT of the line, rounded to 4 decimals.
    async fn total_vat(&self) -> Money {
        self.0.total_vat
    }
    /// `totalBeforeVat + totalVat`.
    async fn total_after_vat(&self) -> Money {
        self.0.total_after_vat
    }
    /// A note on the line.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Free key/value data.
    async fn custom(&self) -> Option<Json<serde_json::Value>> {
        self.0.custom.clone().map(Json)
    }
    /// Where this line goes, when not to the order's shipping address.
    async fn address(&self) -> Option<Address> {
        self.1.clone().map(Address)
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
    /// What has been paid.
    pub paid_amount: Money,
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

/// One of staff's extra fields on an order.
#[derive(SimpleObject)]
pub struct AdminField {
    /// The field name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl From<order_admin_field::Model> for AdminField {
    fn from(row: order_admin_field::Model) -> Self {
        AdminField {
            name: row.name,
            value: row.value,
        }
    }
}

/// A message on an order.
pub struct OrderMessage(pub order_message::Model);

#[Object]
impl OrderMessage {
    /// The database id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
    }
    /// Who wrote it (an e-mail address or a name).
    async fn from_user(&self) -> &str {
        &self.0.from_user
    }
    /// The message.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Whether the customer was to be notified.
    async fn notify(&self) -> bool {
        self.0.notify
    }
    /// When it was written.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
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
pub struct ImportResult(pub super::import::ImportOutcome, pub Option<Order>);

#[Object]
impl ImportResult {
    /// The order's external id as sent.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// IMPORTED, DUPLICATE or INVALID.
    async fn status(&self) -> super::import::ImportResultStatus {
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

/// One order in a list, with its cursor.
pub struct OrderEdge(pub super::listing::Listed);

#[Object]
impl OrderEdge {
    /// Opaque; pass as `after` (or `before`) to continue from here. Stays valid
    /// while orders are added.
    async fn cursor(&self) -> &str {
        &self.0.cursor
    }
    /// The order.
    async fn node(&self) -> Order {
        Order(self.0.order.clone())
    }
}

/// Where a page sits in the whole list.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether orders follow this page.
    pub has_next_page: bool,
    /// Whether orders precede this page.
    pub has_previous_page: bool,
    /// The first edge's cursor; null on an empty page.
    pub start_cursor: Option<String>,
    /// The last edge's cursor; null on an empty page.
    pub end_cursor: Option<String>,
}

/// A page of orders.
pub struct OrderConnection(pub super::listing::ListPage);

#[Object]
impl OrderConnection {
    /// The orders with their cursors.
    async fn edges(&self, ctx: &Context<'_>) -> Result<Vec<OrderEdge>, AppError> {
        prefetch(ctx, &self.0.rows, ctx.look_ahead().field("node")).await?;
        Ok(self
            .0
            .rows
            .iter()
            .map(|l| {
                OrderEdge(super::listing::Listed {
                    cursor: l.cursor.clone(),
                    order: l.order.clone(),
                })
            })
            .collect())
    }
    /// The orders (the edges' nodes).
    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<Order>, AppError> {
        prefetch(ctx, &self.0.rows, ctx.look_ahead()).await?;
        Ok(self.0.rows.iter().map(|l| Order(l.order.clone())).collect())
    }
    /// Where this page sits.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.0.has_next_page,
            has_previous_page: self.0.has_previous_page,
            start_cursor: self.0.rows.first().map(|l| l.cursor.clone()),
            end_cursor: self.0.rows.last().map(|l| l.cursor.clone()),
        }
    }
    /// How many orders match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32, AppError> {
        let state = crate::graphql::context::state(ctx)?;
        let n = super::listing::count(&state.db, self.0.condition.clone()).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Loads each relation `node` selects for every order of the page with one
/// `load_many` (one statement), into the request's loader cache, so the
/// per-order fields find them there: a page costs the same few statements
/// whatever its size, and no timing decides how keys are batched.
async fn prefetch(
    ctx: &Context<'_>,
    rows: &[super::listing::Listed],
    node: async_graphql::Lookahead<'_>,
) -> Result<(), AppError> {
    use futures_util::future::{BoxFuture, FutureExt, try_join_all};

    if rows.is_empty() {
        return Ok(());
    }
    let loader = loader(ctx)?;
    let ids: Vec<i64> = rows.iter().map(|l| l.order.id).collect();
    let mut jobs: Vec<BoxFuture<'_, Result<(), AppError>>> = Vec::new();
    if node.field("lines").exists() {
        let keys = ids.iter().map(|&id| LinesOfOrder(id));
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    if node.field("events").exists() {
        jobs.push(
            loader
                .load_many(ids.iter().map(|&id| EventsOfOrder(id)))
                .map(|r| r.map(drop))
                .boxed(),
        );
    }
    if node.field("messages").exists() {
        jobs.push(
            loader
                .load_many(ids.iter().map(|&id| MessagesOfOrder(id)))
                .map(|r| r.map(drop))
                .boxed(),
        );
    }
    if node.field("adminFields").exists() {
        jobs.push(
            loader
                .load_many(ids.iter().map(|&id| AdminFieldsOfOrder(id)))
                .map(|r| r.map(drop))
                .boxed(),
        );
    }
    if node.field("customer").exists() {
        let keys: Vec<CustomerId> = rows
            .iter()
            .filter_map(|l| l.order.customer_id.map(CustomerId))
            .collect();
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    let shipping = node.field("shippingAddress").exists();
    let billing = node.field("billingAddress").exists();
    if shipping || billing {
        let keys: Vec<AddressId> = rows
            .iter()
            .flat_map(|l| {
                [
                    l.order.shipping_address_id.filter(|_| shipping),
                    l.order.billing_address_id.filter(|_| billing),
                ]
            })
            .flatten()
            .map(AddressId)
            .collect();
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    try_join_all(jobs).await?;
    Ok(())
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
pub struct OrderStats(pub super::stats::Stats);

fn count32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

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
