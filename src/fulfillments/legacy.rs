//! The order-level tracking of the older paths, mapped onto fulfillments:
//! `setOrderTracking` (seed 003's `set_shipping_tracking`) and an upsert's
//! `trackingCode`/`trackingUrl` (seed 000). They keep setting the order's own
//! tracking and writing their own events as before; what they say then goes
//! onto the order's fulfillments too, so `Order.tracking` and
//! `Order.fulfillments` never disagree.

use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::EntityTrait;
use serde_json::{Map, Value as Json, json};

use super::ledger::{self, Shipment};
use super::rules::{self, FulfillmentState};
use super::settle;
use crate::db::{self, WriteTxn};
use crate::entities::fulfillment::{TrackingCode, TrackingCodes};
use crate::entities::{fulfillment, fulfillment_line, order};
use crate::error::AppResult;
use crate::events::{NewEvent, OrderEventKind};
use crate::money::Money;
use crate::orders::service::lines_of;

/// Whether the mapping may record a new fulfillment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// `setOrderTracking`: an action saying the order was handed to the
    /// carrier. An order without live fulfillments gets one of everything
    /// still unfulfilled (SHIPPED), if its status lets it ship.
    MayRecord,
    /// An upsert mirrors the source platform's fields; it never invents a
    /// shipment, it only keeps the latest live one's tracking in step.
    UpdateOnly,
}

/// Applies the tracking `order` now carries (its code, URL and shipping
/// option, as the older path set them) to its fulfillments: the latest live
/// one gets that code and URL as its only tracking (and the order's shipping
/// option as its carrier when the caller gave one: `carrier_given`); with none, [`Mapping::MayRecord`]
/// records a SHIPPED fulfillment of everything still unfulfilled when the
/// order is SHIPPED or may move there. Otherwise the tracking stays the
/// order's own. Returns the events to write after the caller's own, each
/// without an e-mail (the older path's TRACKING_UPDATED carries `notify`).
/// The order's status never moves here: these paths move it only when
/// asked. Call it under the order's lock.
pub async fn apply_tracking(
    conn: &WriteTxn,
    order: &order::Model,
    actor: &str,
    mapping: Mapping,
    carrier_given: bool,
) -> AppResult<Vec<NewEvent>> {
    let Some(code) = order.tracking_code.clone() else {
        return Ok(Vec::new());
    };
    let tracking = TrackingCodes(vec![TrackingCode {
        code,
        url: order.tracking_url.clone(),
    }]);
    let lines = lines_of(conn, order.id).await?;
    let mut shipments = ledger::of_order(conn, order.id).await?;
    let now = db::now();
    let (kind, at, extra) = if let Some(at) = shipments.iter().rposition(Shipment::is_live) {
        let before = shipments[at].fulfillment.clone();
        let mut after = before.clone();
        after.tracking = tracking;
        if carrier_given {
            after.carrier = order.shipping_option.clone();
        }
        let mut changes = Map::new();
        if after.carrier != before.carrier {
            changes.insert(
                "carrier".into(),
                json!({"before": before.carrier, "after": after.carrier}),
            );
        }
        if after.tracking != before.tracking {
            changes.insert(
                "tracking".into(),
                json!({"before": before.tracking.0, "after": after.tracking.0}),
            );
        }
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        after.updated_at = now;
        shipments[at].fulfillment = fulfillment::ActiveModel::from(after)
            .reset_all()
            .update(conn)
            .await?;
        let mut extra = Map::new();
        extra.insert("changes".into(), Json::Object(changes));
        (OrderEventKind::FulfillmentUpdated, at, extra)
    } else {
        if mapping == Mapping::UpdateOnly || !rules::may_ship(order.status) {
            return Ok(Vec::new());
        }
        let held = ledger::fulfilled(&shipments);
        let left: Vec<(i64, Money)> = lines
            .iter()
            .map(|l| {
                let done = held.get(&l.id).copied().unwrap_or(Money::ZERO);
                (l.id, rules::left(l.quantity, done))
            })
            .filter(|(_, left)| *left > Money::ZERO)
            .collect();
        if left.is_empty() {
            return Ok(Vec::new());
        }
        let fulfillment = fulfillment::ActiveModel {
            id: NotSet,
            order_id: Set(order.id),
            status: Set(FulfillmentState::Shipped),
            carrier: Set(order.shipping_option.clone()),
            tracking: Set(tracking),
            created_at: Set(now),
            updated_at: Set(now),
            shipped_at: Set(Some(now)),
            delivered_at: Set(None),
            cancelled_at: Set(None),
        }
        .insert(conn)
        .await?;
        let rows = left
            .iter()
            .map(|(line, quantity)| fulfillment_line::ActiveModel {
                id: NotSet,
                fulfillment_id: Set(fulfillment.id),
                order_line_id: Set(Some(*line)),
                quantity: Set(*quantity),
            });
        let held = fulfillment_line::Entity::insert_many(rows)
            .exec_with_returning(conn)
            .await?;
        shipments.push(Shipment {
            fulfillment,
            lines: held,
        });
        (
            OrderEventKind::FulfillmentCreated,
            shipments.len() - 1,
            Map::new(),
        )
    };
    let status = ledger::status(&lines, &shipments);
    let mut event = NewEvent::new(order.id, kind, actor);
    event.data = Some(settle::event_data(&shipments[at], &lines, status, extra));
    Ok(vec![event])
}
