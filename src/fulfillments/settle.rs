//! What follows a change of an order's fulfillments, inside its
//! [`OrderEdit`]: the event carrying the fulfillment, the order's own
//! tracking (`Order.tracking` shows the latest live fulfillment's), and the
//! order's status following its shipments under the workflow.

use serde_json::{Map, Value as Json};

use super::ledger::{self, Shipment};
use super::rules::{self, FulfillmentStatus};
use crate::entities::fulfillment::TrackingCodes;
use crate::entities::{order, order_line};
use crate::error::{AppError, AppResult};
use crate::events::OrderEventKind;
use crate::orders::edit::OrderEdit;
use crate::orders::workflow::OrderStatus;

/// INVALID_TRANSITION (to SHIPPED, with the allowed next statuses) unless the
/// order may have goods sent: it is SHIPPED, or may move there. Checked for
/// every shipment, not only the one completing the order: an order on hold
/// or not yet confirmed must not ship any part, and a refusal at the last
/// part would come after the others had left.
pub fn require_may_ship(edit: &OrderEdit<'_>) -> AppResult<()> {
    let from = edit.status();
    if rules::may_ship(from) {
        return Ok(());
    }
    Err(AppError::InvalidTransition {
        from,
        to: OrderStatus::Shipped,
        allowed: from.next().to_vec(),
    })
}

/// What an event about `changed` says: the fulfillment as it now is, the
/// order's fulfillment status after the change, `wholeOrder` (whether this
/// fulfillment holds every line's whole quantity, so an e-mail says "your
/// order" rather than "part of your order"), and `extra` (the changes).
pub fn event_data(
    changed: &Shipment,
    lines: &[order_line::Model],
    status: FulfillmentStatus,
    extra: Map<String, Json>,
) -> Json {
    let mut data = Map::new();
    data.insert("fulfillment".into(), ledger::view(changed, lines));
    data.insert(
        "fulfillmentStatus".into(),
        serde_json::to_value(status).unwrap_or(Json::Null),
    );
    data.insert(
        "wholeOrder".into(),
        Json::Bool(ledger::whole_order(lines, changed)),
    );
    data.extend(extra);
    Json::Object(data)
}

/// Appends the event of a fulfillment change to `edit`.
pub fn record(
    edit: &mut OrderEdit<'_>,
    kind: OrderEventKind,
    data: Json,
    note: Option<String>,
    notify: bool,
) {
    let event = edit.event(kind);
    event.data = Some(data);
    event.note = note;
    event.notify = notify;
}

/// Sets the order's tracking (code, URL, shipping option) from the latest
/// live fulfillment that has a tracking code: its first code and URL, and its
/// carrier when it has one. When no live fulfillment has a code and the
/// order still shows `before` (what the changed fulfillment had, now
/// cancelled or cleared), that code and URL are cleared; tracking set on the
/// order alone (before it had fulfillments) stays.
pub fn mirror_tracking(
    order: &mut order::Model,
    shipments: &[Shipment],
    before: Option<&TrackingCodes>,
) {
    let latest = shipments
        .iter()
        .rev()
        .filter(|s| s.is_live())
        .find(|s| !s.fulfillment.tracking.0.is_empty());
    if let Some(shipment) = latest {
        let first = &shipment.fulfillment.tracking.0[0];
        order.tracking_code = Some(first.code.clone());
        order.tracking_url = first.url.clone();
        if let Some(carrier) = &shipment.fulfillment.carrier {
            order.shipping_option = Some(carrier.clone());
        }
        return;
    }
    let shown = before.and_then(|t| t.0.first());
    if let Some(first) = shown
        && order.tracking_code.as_deref() == Some(first.code.as_str())
    {
        order.tracking_code = None;
        order.tracking_url = None;
    }
}

/// Moves the order on as its fulfillments allow ([`rules::follow`]): each
/// step a STATUS_CHANGED event after the fulfillment's, without an e-mail
/// (the fulfillment's own `notify` covers the news).
pub fn follow(
    edit: &mut OrderEdit<'_>,
    status: FulfillmentStatus,
    shipments: &[Shipment],
) -> AppResult<()> {
    let states: Vec<_> = shipments.iter().map(|s| s.fulfillment.status).collect();
    for step in rules::follow(edit.status(), status, &states) {
        let note = if step == OrderStatus::Delivered {
            "Every shipment is delivered"
        } else {
            "Every line is fulfilled and every shipment has left"
        };
        edit.move_to(step, Some(note.to_owned()), false)?;
    }
    Ok(())
}
