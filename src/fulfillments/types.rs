//! GraphQL types of fulfillments, and the fulfillment fields of `Order` and
//! `OrderLine` (resolved here from one batched load per order).

use async_graphql::{Context, ID, Object, SimpleObject};

use super::ledger::{self, Shipment};
use super::loaders::FulfillmentsOfOrder;
use super::rules::{self, FulfillmentState, FulfillmentStatus};
use crate::entities::{fulfillment_line, order_line};
use crate::error::AppError;
use crate::graphql::loader::loader;
use crate::ids::{NodeKind, global_id};
use crate::lines::loaders::LinesOfOrder;
use crate::lines::types::OrderLine;
use crate::money::Money;
use crate::orders::types::Order;
use crate::scalars::{BigInt, DateTime};

/// A fulfillment with its lines.
#[derive(Clone)]
pub struct Fulfillment(pub Shipment);

/// One shipment of an order (Shopify's and Saleor's `Fulfillment`): which
/// lines and how many of each, the carrier and tracking codes, where it
/// stands, and when each step happened. An order ships in one or several;
/// while a fulfillment is not cancelled its quantities count as fulfilled.
/// Whoever may see the order sees its fulfillments (customers their own).
#[Object]
impl Fulfillment {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever a fulfillment id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Fulfillment, self.0.fulfillment.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.fulfillment.id)
    }
    /// The global id of the order it ships.
    async fn order_id(&self) -> ID {
        global_id(NodeKind::Order, self.0.fulfillment.order_id)
    }
    /// The order it ships, as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
        Order::load(ctx, self.0.fulfillment.order_id).await
    }
    /// Where it stands: PENDING, SHIPPED, DELIVERED or CANCELLED.
    async fn status(&self) -> FulfillmentState {
        self.0.fulfillment.status
    }
    /// The carrier or shipping option ("PostNL"); null when none was given.
    async fn carrier(&self) -> Option<&str> {
        self.0.fulfillment.carrier.as_deref()
    }
    /// Its tracking codes with their URLs, in the order given; empty when it
    /// has none (yet).
    async fn tracking(&self) -> Vec<FulfillmentTracking> {
        self.0
            .fulfillment
            .tracking
            .0
            .iter()
            .map(|t| FulfillmentTracking {
                code: t.code.clone(),
                url: t.url.clone(),
            })
            .collect()
    }
    /// The order lines it holds and how many of each, in the order given;
    /// never empty.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn lines(&self) -> Vec<FulfillmentLine> {
        self.0
            .lines
            .iter()
            .map(|l| FulfillmentLine(l.clone(), self.0.fulfillment.order_id))
            .collect()
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.fulfillment.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.fulfillment.updated_at.into()
    }
    /// When it was handed to the carrier; null while PENDING (and for one
    /// cancelled before it left).
    async fn shipped_at(&self) -> Option<DateTime> {
        self.0.fulfillment.shipped_at.map(Into::into)
    }
    /// When it was delivered; null until then.
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.fulfillment.delivered_at.map(Into::into)
    }
    /// When it was cancelled; null unless it was.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.fulfillment.cancelled_at.map(Into::into)
    }
}

/// One line of a fulfillment: an order line and how much of it ships.
pub struct FulfillmentLine(pub fulfillment_line::Model, pub i64);

/// How much of one order line a fulfillment holds. A value of its
/// fulfillment (no id of its own: the order line identifies it there).
#[Object]
impl FulfillmentLine {
    /// The global id of the order line; null once that line was removed
    /// from the order (only ever a cancelled fulfillment's line).
    async fn order_line_id(&self) -> Option<ID> {
        self.0
            .order_line_id
            .map(|id| global_id(NodeKind::OrderLine, id))
    }
    /// The order line, as it is now; null once it was removed from the order
    /// (only ever a cancelled fulfillment's line).
    async fn order_line(&self, ctx: &Context<'_>) -> Result<Option<OrderLine>, AppError> {
        let Some(id) = self.0.order_line_id else {
            return Ok(None);
        };
        // The order's lines: one load per page (prefetched by lists), where
        // a load per line id would not be.
        let lines = loader(ctx)?.load_one(LinesOfOrder(self.1)).await?;
        Ok(lines
            .unwrap_or_default()
            .iter()
            .find(|(line, _)| line.id == id)
            .map(|(line, address)| OrderLine(line.clone(), address.clone())))
    }
    /// How many of the order line it holds (more than 0).
    async fn quantity(&self) -> Money {
        self.0.quantity
    }
}

/// One tracking code of a fulfillment.
#[derive(SimpleObject)]
pub struct FulfillmentTracking {
    /// The carrier's tracking code.
    pub code: String,
    /// The carrier's page for it; null when none was given.
    pub url: Option<String>,
}

/// The result of a fulfillment mutation.
#[derive(SimpleObject)]
pub struct FulfillmentPayload {
    /// The fulfillment as it is now.
    pub fulfillment: Fulfillment,
    /// Its order as it is now: `fulfillmentStatus`, `status` (it may have
    /// followed), `tracking`, `version`.
    pub order: Order,
}

async fn shipments(ctx: &Context<'_>, order_id: i64) -> Result<Vec<Shipment>, AppError> {
    Ok(loader(ctx)?
        .load_one(FulfillmentsOfOrder(order_id))
        .await?
        .unwrap_or_default())
}

/// `Order.fulfillments`: oldest first, cancelled ones included.
pub async fn of_order(ctx: &Context<'_>, order_id: i64) -> Result<Vec<Fulfillment>, AppError> {
    Ok(shipments(ctx, order_id)
        .await?
        .into_iter()
        .map(Fulfillment)
        .collect())
}

/// `Order.fulfillmentStatus`.
pub async fn status_of_order(
    ctx: &Context<'_>,
    order_id: i64,
) -> Result<FulfillmentStatus, AppError> {
    let loader = loader(ctx)?;
    let (lines, shipments) = futures_util::future::try_join(
        loader.load_one(LinesOfOrder(order_id)),
        shipments(ctx, order_id),
    )
    .await?;
    let ordered: Vec<(i64, Money)> = lines
        .unwrap_or_default()
        .iter()
        .map(|(line, _)| (line.id, line.quantity))
        .collect();
    Ok(rules::status_of(&ordered, &ledger::fulfilled(&shipments)))
}

/// `OrderLine.fulfilledQuantity`.
pub async fn fulfilled_of_line(
    ctx: &Context<'_>,
    line: &order_line::Model,
) -> Result<Money, AppError> {
    let shipments = shipments(ctx, line.order_id).await?;
    Ok(ledger::fulfilled(&shipments)
        .get(&line.id)
        .copied()
        .unwrap_or(Money::ZERO))
}
