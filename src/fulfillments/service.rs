//! The fulfillment mutations, each one transaction through [`OrderEdit`]: the
//! order is locked first, so what is still unfulfilled is read and written
//! under the lock and concurrent shipments of one order can never hold more
//! than was ordered; then the fulfillment rows, the order's tracking and
//! status, its version and the events, all or nothing.

use std::collections::HashSet;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::{Map, Value as Json, json};

use super::inputs::{
    CreateFulfillmentInput, FulfillmentTrackingInput, UpdateFulfillmentStatusInput,
    UpdateFulfillmentTrackingInput,
};
use super::ledger::{self, Shipment};
use super::rules::{self, FulfillmentState};
use super::settle;
use crate::auth::Principal;
use crate::db::{self, Db};
use crate::entities::fulfillment::{TrackingCode, TrackingCodes};
use crate::entities::{fulfillment, fulfillment_line, order, order_line};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::ids::{self, NodeKind};
use crate::lines::draft::MAX_LINES;
use crate::money::Money;
use crate::orders::edit::OrderEdit;
use crate::orders::service::lines_of;
use crate::validate::{MAX_LONG, MAX_SHORT, check_len, clean};

/// Most tracking codes one fulfillment may have.
pub const MAX_TRACKING: usize = 20;

/// A fulfillment as a mutation left it, with its order as saved.
pub struct Done {
    pub shipment: Shipment,
    pub order: order::Model,
}

/// A carrier as given: trimmed, `None` when blank; too long is reported at
/// `path`.
fn carrier(value: &Option<String>, path: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    check_len(value.as_deref(), MAX_SHORT, path, errors);
    clean(value)
}

/// Tracking codes as given, each checked: a code of 1 to 255 characters,
/// given once, and an `http(s)` URL of at most 10,000 characters.
pub fn tracking_codes(
    input: &[FulfillmentTrackingInput],
    path: &str,
    errors: &mut Vec<FieldError>,
) -> TrackingCodes {
    if input.len() > MAX_TRACKING {
        errors.push(FieldError::new(
            path,
            format!("a fulfillment has at most {MAX_TRACKING} tracking codes"),
        ));
        return TrackingCodes::default();
    }
    let mut seen = HashSet::new();
    let mut codes = Vec::with_capacity(input.len());
    for (i, entry) in input.iter().enumerate() {
        let code = entry.code.trim().to_owned();
        let at = |field: &str| format!("{path}.{i}.{field}");
        if code.is_empty() {
            errors.push(FieldError::new(at("code"), "must not be empty"));
        } else if !seen.insert(code.clone()) {
            errors.push(FieldError::new(
                at("code"),
                "is given twice; give each tracking code once",
            ));
        }
        check_len(Some(&code), MAX_SHORT, &at("code"), errors);
        let url = clean(&entry.url);
        check_len(url.as_deref(), MAX_LONG, &at("url"), errors);
        if let Some(url) = &url {
            let web = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !web {
                errors.push(FieldError::new(
                    at("url"),
                    "must be an http:// or https:// URL",
                ));
            }
        }
        codes.push(TrackingCode { code, url });
    }
    TrackingCodes(codes)
}

/// What the caller asked for, per line: (position in the input, line id,
/// quantity).
type Wanted = Vec<(usize, i64, Money)>;

fn wanted_lines(input: &CreateFulfillmentInput, errors: &mut Vec<FieldError>) -> Option<Wanted> {
    let lines = input.lines.as_ref()?;
    if lines.is_empty() {
        errors.push(FieldError::new(
            "input.lines",
            "give at least one line, or leave lines out to fulfil everything still unfulfilled",
        ));
        return None;
    }
    if lines.len() > MAX_LINES {
        errors.push(FieldError::new(
            "input.lines",
            format!("a fulfillment has at most {MAX_LINES} lines"),
        ));
        return None;
    }
    let mut seen = HashSet::new();
    let mut wanted = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let path = format!("input.lines.{i}.lineId");
        let id = ids::parse_into(&line.line_id, NodeKind::OrderLine, &path, errors);
        if line.quantity <= Money::ZERO {
            errors.push(FieldError::new(
                format!("input.lines.{i}.quantity"),
                "must be greater than 0",
            ));
        }
        if let Some(id) = id {
            if seen.insert(id) {
                wanted.push((i, id, line.quantity));
            } else {
                errors.push(FieldError::new(
                    path,
                    "names a line already given above; give each line once",
                ));
            }
        }
    }
    Some(wanted)
}

/// The lines and quantities the new fulfillment holds: the wanted ones,
/// each within what is still unfulfilled (refusals name the line), or
/// everything still unfulfilled.
fn pick(
    wanted: Option<Wanted>,
    lines: &[order_line::Model],
    shipments: &[Shipment],
) -> AppResult<Vec<(i64, Money)>> {
    let held = ledger::fulfilled(shipments);
    let held_of = |line: &order_line::Model| held.get(&line.id).copied().unwrap_or(Money::ZERO);
    let Some(wanted) = wanted else {
        let everything: Vec<(i64, Money)> = lines
            .iter()
            .map(|l| (l.id, rules::left(l.quantity, held_of(l))))
            .filter(|(_, left)| *left > Money::ZERO)
            .collect();
        if everything.is_empty() {
            let why = if lines.is_empty() {
                "the order has no lines to fulfil"
            } else {
                "every line is fulfilled already: nothing is left to fulfil"
            };
            return Err(AppError::invalid_field("input.lines", why));
        }
        return Ok(everything);
    };
    let mut errors = Vec::new();
    let mut picked = Vec::with_capacity(wanted.len());
    for (i, id, quantity) in wanted {
        let Some(line) = lines.iter().find(|l| l.id == id) else {
            errors.push(FieldError::new(
                format!("input.lines.{i}.lineId"),
                "is not a line of this order",
            ));
            continue;
        };
        let left = rules::left(line.quantity, held_of(line));
        if quantity > left {
            errors.push(FieldError::new(
                format!("input.lines.{i}.quantity"),
                format!(
                    "at most {left} of line \"{}\" is left to fulfil (ordered {}, in fulfillments {})",
                    line.name,
                    line.quantity,
                    held_of(line)
                ),
            ));
            continue;
        }
        picked.push((id, quantity));
    }
    if errors.is_empty() {
        Ok(picked)
    } else {
        Err(AppError::invalid(errors))
    }
}

/// Records a fulfillment of order `order_id`.
#[tracing::instrument(name = "fulfillments.create", skip_all, fields(order.id = order_id))]
pub async fn create(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    input: CreateFulfillmentInput,
) -> AppResult<Done> {
    let mut errors = Vec::new();
    let wanted = wanted_lines(&input, &mut errors);
    let state = input.status.unwrap_or(FulfillmentState::Shipped);
    if !matches!(state, FulfillmentState::Pending | FulfillmentState::Shipped) {
        errors.push(FieldError::new(
            "input.status",
            "a new fulfillment is PENDING or SHIPPED; mark it DELIVERED with updateFulfillmentStatus",
        ));
    }
    let carrier = carrier(&input.carrier, "input.carrier", &mut errors);
    let tracking = tracking_codes(
        input.tracking.as_deref().unwrap_or_default(),
        "input.tracking",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let notify = input.notify.unwrap_or(false);

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    settle::require_may_ship(&edit)?;
    let lines = lines_of(&txn, order_id).await?;
    let mut shipments = ledger::of_order(&txn, order_id).await?;
    let picked = pick(wanted, &lines, &shipments)?;

    let now = db::now();
    let fulfillment = fulfillment::ActiveModel {
        id: NotSet,
        order_id: Set(order_id),
        status: Set(state),
        carrier: Set(carrier),
        tracking: Set(tracking),
        created_at: Set(now),
        updated_at: Set(now),
        shipped_at: Set((state == FulfillmentState::Shipped).then_some(now)),
        delivered_at: Set(None),
        cancelled_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let rows = picked
        .iter()
        .map(|(line, quantity)| fulfillment_line::ActiveModel {
            id: NotSet,
            fulfillment_id: Set(fulfillment.id),
            order_line_id: Set(Some(*line)),
            quantity: Set(*quantity),
        });
    let held = fulfillment_line::Entity::insert_many(rows)
        .exec_with_returning(&txn)
        .await?;
    let shipment = Shipment {
        fulfillment,
        lines: held,
    };
    shipments.push(shipment.clone());

    let status = ledger::status(&lines, &shipments);
    let data = settle::event_data(&shipment, &lines, status, Map::new());
    settle::record(
        &mut edit,
        OrderEventKind::FulfillmentCreated,
        data,
        None,
        notify,
    );
    settle::mirror_tracking(&mut edit.after, &shipments, None);
    settle::follow(&mut edit, status, &shipments)?;
    edit.mark_changed();
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Done { shipment, order })
}

/// The order a fulfillment belongs to, read before the order is locked;
/// NOT_FOUND when there is no such fulfillment.
async fn order_of(db: &Db, id: i64) -> AppResult<i64> {
    fulfillment::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|f| f.order_id)
        .ok_or_else(|| AppError::NotFound(format!("No fulfillment with id {id}")))
}

/// The fulfillment `id` among `shipments` (read under the order's lock).
fn find(shipments: &[Shipment], id: i64) -> AppResult<usize> {
    shipments
        .iter()
        .position(|s| s.fulfillment.id == id)
        .ok_or_else(|| AppError::NotFound(format!("No fulfillment with id {id}")))
}

/// Saves the changed fulfillment row.
async fn save(edit: &OrderEdit<'_>, changed: &mut Shipment) -> AppResult<()> {
    changed.fulfillment.updated_at = db::now();
    changed.fulfillment = fulfillment::ActiveModel::from(changed.fulfillment.clone())
        .reset_all()
        .update(edit.conn())
        .await?;
    Ok(())
}

/// Replaces a fulfillment's carrier and/or tracking codes.
#[tracing::instrument(name = "fulfillments.update_tracking", skip_all, fields(fulfillment.id = id))]
pub async fn update_tracking(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: UpdateFulfillmentTrackingInput,
) -> AppResult<Done> {
    let mut errors = Vec::new();
    if input.carrier.is_none() && input.tracking.is_none() {
        errors.push(FieldError::new(
            "input",
            "give a carrier or tracking codes to change",
        ));
    }
    let carrier = carrier(&input.carrier, "input.carrier", &mut errors);
    let tracking = input
        .tracking
        .as_deref()
        .map(|t| tracking_codes(t, "input.tracking", &mut errors));
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let order_id = order_of(db, id).await?;
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    let lines = lines_of(&txn, order_id).await?;
    let mut shipments = ledger::of_order(&txn, order_id).await?;
    let at = find(&shipments, id)?;
    let before = shipments[at].fulfillment.clone();
    if before.status == FulfillmentState::Cancelled {
        return Err(AppError::invalid_field(
            "id",
            "the fulfillment is cancelled: its tracking no longer changes",
        ));
    }
    let mut after = before.clone();
    if input.carrier.is_some() {
        after.carrier = carrier;
    }
    if let Some(tracking) = tracking {
        after.tracking = tracking;
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
        // Nothing changes: nothing is written, no event, the version stays.
        let shipment = shipments.swap_remove(at);
        return Ok(Done {
            shipment,
            order: edit.before.clone(),
        });
    }
    shipments[at].fulfillment = after;
    save(&edit, &mut shipments[at]).await?;
    let status = ledger::status(&lines, &shipments);
    let mut extra = Map::new();
    extra.insert("changes".into(), Json::Object(changes));
    let data = settle::event_data(&shipments[at], &lines, status, extra);
    settle::record(
        &mut edit,
        OrderEventKind::FulfillmentUpdated,
        data,
        None,
        input.notify.unwrap_or(false),
    );
    settle::mirror_tracking(&mut edit.after, &shipments, Some(&before.tracking));
    edit.mark_changed();
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Done {
        shipment: shipments.swap_remove(at),
        order,
    })
}

/// Moves a fulfillment to SHIPPED or DELIVERED; the order follows.
#[tracing::instrument(name = "fulfillments.update_status", skip_all, fields(fulfillment.id = id))]
pub async fn update_status(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: UpdateFulfillmentStatusInput,
) -> AppResult<Done> {
    let to = input.status;
    let mut errors = Vec::new();
    match to {
        FulfillmentState::Shipped | FulfillmentState::Delivered => {}
        FulfillmentState::Cancelled => errors.push(FieldError::new(
            "input.status",
            "cancel a fulfillment with cancelFulfillment",
        )),
        FulfillmentState::Pending => errors.push(FieldError::new(
            "input.status",
            "a fulfillment never goes back to PENDING; give SHIPPED or DELIVERED",
        )),
    }
    check_len(input.note.as_deref(), MAX_LONG, "input.note", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let order_id = order_of(db, id).await?;
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    let lines = lines_of(&txn, order_id).await?;
    let mut shipments = ledger::of_order(&txn, order_id).await?;
    let at = find(&shipments, id)?;
    let from = shipments[at].fulfillment.status;
    if from == to {
        let shipment = shipments.swap_remove(at);
        return Ok(Done {
            shipment,
            order: edit.before.clone(),
        });
    }
    if !from.can_move_to(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() {
            "none".to_owned()
        } else {
            allowed.join(", ")
        };
        return Err(AppError::invalid_field(
            "input.status",
            format!(
                "a {} fulfillment cannot become {}; allowed next: {allowed}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if !from.has_left() {
        // Leaving now (SHIPPED, or DELIVERED straight from PENDING).
        settle::require_may_ship(&edit)?;
    }
    let now = db::now();
    let shipment = &mut shipments[at];
    shipment.fulfillment.status = to;
    shipment.fulfillment.shipped_at = shipment.fulfillment.shipped_at.or(Some(now));
    if to == FulfillmentState::Delivered {
        shipment.fulfillment.delivered_at = Some(now);
    }
    save(&edit, shipment).await?;
    let status = ledger::status(&lines, &shipments);
    let mut extra = Map::new();
    extra.insert(
        "changes".into(),
        json!({"status": {"before": from, "after": to}}),
    );
    let data = settle::event_data(&shipments[at], &lines, status, extra);
    settle::record(
        &mut edit,
        OrderEventKind::FulfillmentUpdated,
        data,
        clean(&input.note),
        input.notify.unwrap_or(false),
    );
    settle::follow(&mut edit, status, &shipments)?;
    edit.mark_changed();
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Done {
        shipment: shipments.swap_remove(at),
        order,
    })
}

/// Cancels a fulfillment that is not delivered: its quantities count as
/// unfulfilled again. The order's status stays (the workflow never goes back
/// from SHIPPED); its fulfillment status and tracking follow.
#[tracing::instrument(name = "fulfillments.cancel", skip_all, fields(fulfillment.id = id))]
pub async fn cancel(
    db: &Db,
    actor: &Principal,
    id: i64,
    note: Option<String>,
    expected_version: Option<i32>,
) -> AppResult<Done> {
    let mut errors = Vec::new();
    check_len(note.as_deref(), MAX_LONG, "note", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let order_id = order_of(db, id).await?;
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, expected_version, actor).await?;
    let lines = lines_of(&txn, order_id).await?;
    let mut shipments = ledger::of_order(&txn, order_id).await?;
    let at = find(&shipments, id)?;
    match shipments[at].fulfillment.status {
        FulfillmentState::Cancelled => {
            let shipment = shipments.swap_remove(at);
            return Ok(Done {
                shipment,
                order: edit.before.clone(),
            });
        }
        FulfillmentState::Delivered => {
            return Err(AppError::invalid_field(
                "id",
                "a DELIVERED fulfillment cannot be cancelled: the goods arrived",
            ));
        }
        FulfillmentState::Pending | FulfillmentState::Shipped => {}
    }
    let shipment = &mut shipments[at];
    shipment.fulfillment.status = FulfillmentState::Cancelled;
    shipment.fulfillment.cancelled_at = Some(db::now());
    save(&edit, shipment).await?;
    let status = ledger::status(&lines, &shipments);
    let data = settle::event_data(&shipments[at], &lines, status, Map::new());
    settle::record(
        &mut edit,
        OrderEventKind::FulfillmentCancelled,
        data,
        clean(&note),
        false,
    );
    let cancelled = shipments[at].fulfillment.tracking.clone();
    settle::mirror_tracking(&mut edit.after, &shipments, Some(&cancelled));
    settle::follow(&mut edit, status, &shipments)?;
    edit.mark_changed();
    let order = edit.finish().await?;
    txn.commit().await?;
    Ok(Done {
        shipment: shipments.swap_remove(at),
        order,
    })
}
