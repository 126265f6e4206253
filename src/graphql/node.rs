//! Relay object identification: the `Node` interface that every object type
//! with an identity implements, and the `node(id:)` / `nodes(ids:)` roots, which
//! apply the same visibility policy as the typed roots (what the caller may not
//! see is null, exactly like what does not exist).
//!
//! Value-like types are not nodes: they have no identity of their own and are
//! only ever read through their owner, so a client store keeps them inside it.
//! `OrderTotals`, `Tracking` and `AdminField` (an order's amounts, shipment and
//! named staff values), `FulfillmentLine` and `FulfillmentTracking` (what
//! one fulfillment holds, known there by its order line and code),
//! `PageInfo`, `OrderEdge`/`OrderConnection` and `CustomerEdge`/
//! `CustomerConnection` (views of a list), `OrderStats`, `StatusCount`,
//! `CurrencyAmount` (computed figures), `OrderStatusInfo` (a row of a fixed
//! table), `SavedViewSort` (a saved view's sort key), `Viewer` (the caller),
//! `OrderStatusChange` (a view of an `OrderEvent`, whose id it carries),
//! `RefundLine` (units of a line in a refund, read through the refund), and
//! the mutation payloads. `Address` is a node: a saved address is reused by its
//! id (`AddressInput.id`).

use async_graphql::{Context, ID, Interface, Object};

use crate::auth::policy::Policy;
use crate::auth::types::ApiKey;
use crate::catalog::loaders::ProductId;
use crate::catalog::types::Product;
use crate::customers::loaders::{AddressId, CustomerId};
use crate::customers::types::{Address, Customer};
use crate::deliveries::loaders::{DeliveryId, EndpointId, RuleId};
use crate::deliveries::types::{AutomationRule, Delivery, WebhookEndpoint};
use crate::error::AppError;
use crate::events::loaders::EventId;
use crate::events::types::OrderEvent;
use crate::fulfillments::loaders::FulfillmentId;
use crate::fulfillments::types::Fulfillment;
use crate::graphql::context::{policy, state};
use crate::graphql::loader::loader;
use crate::ids::{self, Decoded, NodeKind};
use crate::lines::loaders::LineId;
use crate::lines::types::OrderLine;
use crate::messages::loaders::MessageId;
use crate::messages::types::OrderMessage;
use crate::orders::loaders::OrderId;
use crate::orders::types::Order;
use crate::payments::loaders::{RefundId, TransactionId};
use crate::payments::types::{PaymentTransaction, Refund};
use crate::views::loaders::SavedViewId;
use crate::views::types::SavedView;

/// The most ids one `nodes` call may ask for.
pub const MAX_NODES: usize = 100;

/// An object with a global identity (Relay's `Node`).
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per resolved node; boxing would not fit the derive"
)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The global id: opaque and unique across all types."
))]
pub enum Node {
    Order(Order),
    OrderLine(OrderLine),
    OrderMessage(OrderMessage),
    OrderEvent(OrderEvent),
    Customer(Customer),
    Address(Address),
    Product(Product),
    ApiKey(ApiKey),
    WebhookEndpoint(WebhookEndpoint),
    Delivery(Delivery),
    AutomationRule(AutomationRule),
    Fulfillment(Fulfillment),
    PaymentTransaction(PaymentTransaction),
    Refund(Refund),
    SavedView(SavedView),
}

/// Whether the caller may see the order with this id.
async fn order_visible(ctx: &Context<'_>, policy: Policy, order_id: i64) -> Result<bool, AppError> {
    let order = loader(ctx)?.load_one(OrderId::new(order_id)).await?;
    Ok(order.is_some_and(|o| policy.sees_order(&o)))
}

/// The object a global id names, if it exists and the caller may see it.
/// A plain database id names no type, so it finds nothing here.
async fn resolve(ctx: &Context<'_>, policy: Policy, id: &ID) -> Result<Option<Node>, AppError> {
    let Some(Decoded::Global(kind, id)) = ids::decode(id) else {
        return Ok(None);
    };
    let loader = loader(ctx)?;
    Ok(match kind {
        NodeKind::Order => loader
            .load_one(OrderId::new(id))
            .await?
            .filter(|o| policy.sees_order(o))
            .map(|o| Node::Order(Order(o))),
        NodeKind::OrderLine => match loader.load_one(LineId(id)).await? {
            Some((line, address)) if order_visible(ctx, policy, line.order_id).await? => {
                Some(Node::OrderLine(OrderLine(line, address)))
            }
            _ => None,
        },
        NodeKind::OrderMessage => match loader.load_one(MessageId::new(id)).await? {
            Some(message) if order_visible(ctx, policy, message.order_id).await? => {
                Some(Node::OrderMessage(OrderMessage(message)))
            }
            _ => None,
        },
        NodeKind::OrderEvent => match loader.load_one(EventId::new(id)).await? {
            Some(event)
                if policy.sees_event(event.kind)
                    && order_visible(ctx, policy, event.order_id).await? =>
            {
                Some(Node::OrderEvent(OrderEvent(event)))
            }
            _ => None,
        },
        NodeKind::Customer => loader
            .load_one(CustomerId::new(id))
            .await?
            .filter(|c| policy.sees_customer(c.id))
            .map(|c| Node::Customer(Customer(c))),
        NodeKind::Address => loader
            .load_one(AddressId::new(id))
            .await?
            .filter(|a| policy.sees_address(a))
            .map(|a| Node::Address(Address(a))),
        NodeKind::Product => loader
            .load_one(ProductId::new(id))
            .await?
            .map(|p| Node::Product(Product(p))),
        NodeKind::ApiKey if policy.sees_api_keys() => crate::auth::keys::get(&state(ctx)?.db, id)
            .await?
            .map(|k| Node::ApiKey(ApiKey(k))),
        NodeKind::ApiKey => None,
        NodeKind::WebhookEndpoint if policy.sees_delivery_settings() => loader
            .load_one(EndpointId::new(id))
            .await?
            .map(|e| Node::WebhookEndpoint(WebhookEndpoint(e))),
        NodeKind::AutomationRule if policy.sees_delivery_settings() => loader
            .load_one(RuleId::new(id))
            .await?
            .map(|r| Node::AutomationRule(AutomationRule(r))),
        NodeKind::Delivery if policy.sees_deliveries() => loader
            .load_one(DeliveryId::new(id))
            .await?
            .map(|d| Node::Delivery(Delivery(d))),
        NodeKind::WebhookEndpoint | NodeKind::AutomationRule | NodeKind::Delivery => None,
        NodeKind::Fulfillment => match loader.load_one(FulfillmentId(id)).await? {
            Some(shipment) if order_visible(ctx, policy, shipment.fulfillment.order_id).await? => {
                Some(Node::Fulfillment(Fulfillment(shipment)))
            }
            _ => None,
        },
        NodeKind::PaymentTransaction => match loader.load_one(TransactionId::new(id)).await? {
            Some(tx) if order_visible(ctx, policy, tx.order_id).await? => {
                Some(Node::PaymentTransaction(PaymentTransaction(tx)))
            }
            _ => None,
        },
        NodeKind::Refund => match loader.load_one(RefundId(id)).await? {
            Some(refund) if order_visible(ctx, policy, refund.refund.order_id).await? => {
                Some(Node::Refund(Refund(refund)))
            }
            _ => None,
        },
        NodeKind::SavedView => {
            let principal = crate::graphql::context::require_principal(ctx)?;
            loader
                .load_one(SavedViewId::new(id))
                .await?
                .filter(|v| crate::views::service::visible(principal, v))
                .map(|v| Node::SavedView(SavedView(v)))
        }
    })
}

/// `Query.node` and `Query.nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, of any type; null when there is none or
    /// the caller may not see it (the same rules as the typed queries: another
    /// customer's order is null, like a missing one). Plain database ids name
    /// no type and find nothing here.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as any object's `id` field gives it.")] id: ID,
    ) -> Result<Option<Node>, AppError> {
        let policy = policy(ctx)?;
        resolve(ctx, policy, &id).await
    }

    /// The objects with these global ids, in the same order, with null for each
    /// one that does not exist or that the caller may not see. At most 100 ids.
    #[graphql(complexity = "crate::graphql::cost::exactly(ids.len(), child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, as objects' `id` fields give them (1 to 100).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>, AppError> {
        let policy = policy(ctx)?;
        if ids.len() > MAX_NODES {
            return Err(AppError::invalid_field(
                "ids",
                format!(
                    "at most {MAX_NODES} ids per call; this one has {}",
                    ids.len()
                ),
            ));
        }
        // The loaders batch what the ids share (orders of lines, say).
        futures_util::future::try_join_all(ids.iter().map(|id| resolve(ctx, policy, id))).await
    }
}
