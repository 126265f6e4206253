//! What an order's fulfillments hold: reading them with their lines (two
//! statements for any number of orders), the quantities they hold per order
//! line, and the view of one fulfillment that events and deliveries carry.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value as Json, json};

use super::rules::{self, FulfillmentStatus};
use crate::entities::{fulfillment, fulfillment_line, order_line};
use crate::ids::{NodeKind, global_id};
use crate::money::Money;

/// One fulfillment with its lines (by id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    pub fulfillment: fulfillment::Model,
    pub lines: Vec<fulfillment_line::Model>,
}

impl Shipment {
    /// Whether its quantities count (it is not cancelled).
    pub fn is_live(&self) -> bool {
        self.fulfillment.status.is_live()
    }
}

/// The fulfillments of the orders `ids`, oldest first per order, with their
/// lines; every asked order has an entry (empty when it has none).
pub async fn of_orders<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<Shipment>>, DbErr> {
    let mut grouped: HashMap<i64, Vec<Shipment>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    if ids.is_empty() {
        return Ok(grouped);
    }
    let fulfillments = fulfillment::Entity::find()
        .filter(fulfillment::Column::OrderId.is_in(ids.iter().copied()))
        .order_by_asc(fulfillment::Column::OrderId)
        .order_by_asc(fulfillment::Column::Id)
        .all(conn)
        .await?;
    let lines = lines_of(conn, fulfillments.iter().map(|f| f.id).collect()).await?;
    for shipment in attach(fulfillments, lines) {
        grouped
            .entry(shipment.fulfillment.order_id)
            .or_default()
            .push(shipment);
    }
    Ok(grouped)
}

/// The fulfillments of order `id`, oldest first, with their lines.
pub async fn of_order<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Vec<Shipment>, DbErr> {
    Ok(of_orders(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// The fulfillments with these ids, with their lines.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<HashMap<i64, Shipment>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let fulfillments = fulfillment::Entity::find()
        .filter(fulfillment::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let lines = lines_of(conn, fulfillments.iter().map(|f| f.id).collect()).await?;
    Ok(attach(fulfillments, lines)
        .into_iter()
        .map(|s| (s.fulfillment.id, s))
        .collect())
}

async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    fulfillment_ids: Vec<i64>,
) -> Result<Vec<fulfillment_line::Model>, DbErr> {
    if fulfillment_ids.is_empty() {
        return Ok(Vec::new());
    }
    fulfillment_line::Entity::find()
        .filter(fulfillment_line::Column::FulfillmentId.is_in(fulfillment_ids))
        .order_by_asc(fulfillment_line::Column::Id)
        .all(conn)
        .await
}

fn attach(
    fulfillments: Vec<fulfillment::Model>,
    lines: Vec<fulfillment_line::Model>,
) -> Vec<Shipment> {
    let mut by_fulfillment: HashMap<i64, Vec<fulfillment_line::Model>> = HashMap::new();
    for line in lines {
        by_fulfillment
            .entry(line.fulfillment_id)
            .or_default()
            .push(line);
    }
    fulfillments
        .into_iter()
        .map(|fulfillment| Shipment {
            lines: by_fulfillment.remove(&fulfillment.id).unwrap_or_default(),
            fulfillment,
        })
        .collect()
}

/// What live (not cancelled) fulfillments hold, per order line id.
pub fn fulfilled(shipments: &[Shipment]) -> HashMap<i64, Money> {
    let mut held: HashMap<i64, Money> = HashMap::new();
    for line in shipments
        .iter()
        .filter(|s| s.is_live())
        .flat_map(|s| &s.lines)
    {
        if let Some(id) = line.order_line_id {
            let sum = held.entry(id).or_insert(Money::ZERO);
            *sum = rules::plus(*sum, line.quantity);
        }
    }
    held
}

/// The fulfillment status of an order with these lines and fulfillments.
pub fn status(lines: &[order_line::Model], shipments: &[Shipment]) -> FulfillmentStatus {
    let ordered: Vec<(i64, Money)> = lines.iter().map(|l| (l.id, l.quantity)).collect();
    rules::status_of(&ordered, &fulfilled(shipments))
}

/// Whether `shipment` holds every line's whole ordered quantity.
pub fn whole_order(lines: &[order_line::Model], shipment: &Shipment) -> bool {
    let held = fulfilled(std::slice::from_ref(shipment));
    !lines.is_empty()
        && lines
            .iter()
            .all(|l| held.get(&l.id).is_some_and(|q| *q >= l.quantity))
}

/// The fulfillment as events, webhooks and e-mails carry it, in GraphQL
/// names; each line with its order line's name and SKU (as ordered), so a
/// receiver needs no second read.
pub fn view(shipment: &Shipment, order_lines: &[order_line::Model]) -> Json {
    let f = &shipment.fulfillment;
    let stamp = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
    let lines: Vec<Json> = shipment
        .lines
        .iter()
        .map(|l| {
            let ordered = l
                .order_line_id
                .and_then(|id| order_lines.iter().find(|o| o.id == id));
            json!({
                "lineId": l.order_line_id.map(|id| global_id(NodeKind::OrderLine, id).0),
                "name": ordered.map(|o| o.name.clone()),
                "sku": ordered.and_then(|o| o.sku.clone()),
                "quantity": l.quantity,
            })
        })
        .collect();
    json!({
        "id": global_id(NodeKind::Fulfillment, f.id).0,
        "databaseId": f.id.to_string(),
        "status": f.status,
        "carrier": f.carrier,
        "tracking": f.tracking.0,
        "lines": lines,
        "createdAt": f.created_at.to_rfc3339(),
        "shippedAt": stamp(f.shipped_at),
        "deliveredAt": stamp(f.delivered_at),
        "cancelledAt": stamp(f.cancelled_at),
    })
}
