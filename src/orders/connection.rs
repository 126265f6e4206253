//! A page of orders as a Relay connection (edges, nodes, page info, total
//! count), and the prefetch that keeps a page's nested fields at a constant
//! number of statements.

use async_graphql::{Context, Object};

use super::listing::{self, ListPage, Listed};
use super::types::Order;
use crate::admin::loaders::AdminFieldsOfOrder;
use crate::customers::loaders::{AddressId, CustomerId};
use crate::error::AppError;
use crate::events::loaders::EventsOfOrder;
use crate::fulfillments::loaders::FulfillmentsOfOrder;
use crate::graphql::context::state;
use crate::graphql::loader::loader;
use crate::graphql::page_info::PageInfo;
use crate::lines::loaders::LinesOfOrder;
use crate::messages::loaders::MessagesOfOrder;
use crate::payments::loaders::{RefundedOfOrder, RefundsOfOrder, TransactionsOfOrder};
use crate::tags::loaders::TagsOfOrder;

/// One order in a list, with its cursor.
pub struct OrderEdge(pub Listed);

/// One order of a page, with the cursor to continue from it.
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

/// A page of orders.
pub struct OrderConnection(pub ListPage);

/// A page of orders (a Relay connection): the orders as `edges` (with cursors)
/// or `nodes`, where the page sits (`pageInfo`), and how many match in all.
#[Object]
impl OrderConnection {
    /// The orders with their cursors.
    async fn edges(&self, ctx: &Context<'_>) -> Result<Vec<OrderEdge>, AppError> {
        prefetch(ctx, &self.0, ctx.look_ahead().field("node")).await?;
        Ok(self
            .0
            .rows
            .iter()
            .map(|l| {
                OrderEdge(Listed {
                    cursor: l.cursor.clone(),
                    order: l.order.clone(),
                })
            })
            .collect())
    }
    /// The orders (the edges' nodes).
    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<Order>, AppError> {
        prefetch(ctx, &self.0, ctx.look_ahead()).await?;
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
        let n = match self.0.total_count {
            Some(n) => n,
            None if self.0.included.all_orders => {
                crate::orders::count::all_orders(&state(ctx)?.db).await?
            }
            None => listing::count(&state(ctx)?.db, self.0.condition.clone()).await?,
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Loads each relation `node` selects for every order of the page with one
/// `load_many` (one statement), into the request's loader cache, so the
/// per-order fields find them there: a page costs the same few statements
/// whatever its size, and no timing decides how keys are batched.
async fn prefetch(
    ctx: &Context<'_>,
    page: &ListPage,
    node: async_graphql::Lookahead<'_>,
) -> Result<(), AppError> {
    use futures_util::future::{BoxFuture, FutureExt, try_join_all};

    let rows = &page.rows;
    if rows.is_empty() {
        return Ok(());
    }
    let loader = loader(ctx)?;
    // Read with the page's statement (`listing::Include`): into the cache.
    loader
        .feed_many(
            page.customers
                .iter()
                .map(|c| (CustomerId::new(c.id), c.clone())),
        )
        .await;
    loader
        .feed_many(
            page.addresses
                .iter()
                .map(|a| (AddressId::new(a.id), a.clone())),
        )
        .await;
    let ids: Vec<i64> = rows.iter().map(|l| l.order.id).collect();

    let mut jobs: Vec<BoxFuture<'_, Result<(), AppError>>> = Vec::new();
    // The fulfillment fields read the order's lines too.
    let fulfillments = node.field("fulfillments");
    let line = node.field("lines");
    if line.exists()
        || node.field("fulfillmentStatus").exists()
        || fulfillments.field("lines").field("orderLine").exists()
    {
        let keys = ids.iter().map(|&id| LinesOfOrder(id));
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    if fulfillments.exists()
        || node.field("fulfillmentStatus").exists()
        || line.field("fulfilledQuantity").exists()
        || line.field("fulfillableQuantity").exists()
    {
        let keys = ids.iter().map(|&id| FulfillmentsOfOrder(id));
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
    if node.field("lines").field("refundedQuantity").exists() {
        let keys = ids.iter().map(|&id| RefundedOfOrder(id));
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    if node.field("transactions").exists() {
        let keys = ids.iter().map(|&id| TransactionsOfOrder(id));
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    if node.field("refunds").exists() {
        let keys = ids.iter().map(|&id| RefundsOfOrder(id));
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    if node.field("tags").exists() {
        jobs.push(
            loader
                .load_many(ids.iter().map(|&id| TagsOfOrder(id)))
                .map(|r| r.map(drop))
                .boxed(),
        );
    }
    if node.field("customer").exists() && !page.included.customer {
        let keys: Vec<CustomerId> = rows
            .iter()
            .filter_map(|l| l.order.customer_id.map(CustomerId::new))
            .collect();
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    let shipping = node.field("shippingAddress").exists() && !page.included.shipping_address;
    let billing = node.field("billingAddress").exists() && !page.included.billing_address;
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
            .map(AddressId::new)
            .collect();
        jobs.push(loader.load_many(keys).map(|r| r.map(drop)).boxed());
    }
    try_join_all(jobs).await?;
    Ok(())
}
