//! Changes to an existing order's status and side data: `orderAction` (seed
//! 002), tracking, integration reference (seed 003). Each is one transaction
//! through [`OrderEdit`], so the workflow, versions and events hold alike.

use serde_json::{Map, Value as Json, json};

use super::edit::OrderEdit;
use super::inputs::{OrderActionInput, OrderActionKind, TrackingInput};
use super::workflow::OrderStatus;
use crate::auth::{Principal, Role};
use crate::db::Db;
use crate::entities::order;
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::fulfillments::legacy::{self, Mapping};
use crate::validate::{MAX_LONG, MAX_SHORT, check_len};

fn before_after<T: serde::Serialize>(before: &T, after: &T) -> Json {
    json!({"before": before, "after": after})
}

/// `before` with `patch` merged in: a null value removes its key, any other
/// sets it. An empty result is no metadata at all.
pub fn merge_metadata(before: &Option<Json>, patch: Map<String, Json>) -> Option<Json> {
    let mut merged = match before {
        Some(Json::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch {
        if value.is_null() {
            merged.remove(&key);
        } else {
            merged.insert(key, value);
        }
    }
    (!merged.is_empty()).then_some(Json::Object(merged))
}

/// Runs an `orderAction`.
#[tracing::instrument(name = "orders.action", skip_all, fields(order.id = id, order.action = ?input.action))]
pub async fn order_action(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: OrderActionInput,
) -> AppResult<order::Model> {
    let mut errors = Vec::new();
    check_len(input.note.as_deref(), MAX_LONG, "input.note", &mut errors);
    match input.action {
        OrderActionKind::UpdateStatus if input.status.is_none() => {
            errors.push(FieldError::new(
                "input.status",
                "is required for UPDATE_STATUS",
            ));
        }
        OrderActionKind::UpdateMetadata => match &input.metadata {
            Some(m) if m.0.is_object() => {}
            Some(_) => errors.push(FieldError::new("input.metadata", "must be an object")),
            None => errors.push(FieldError::new(
                "input.metadata",
                "is required for UPDATE_METADATA",
            )),
        },
        _ => {}
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let notify = input.notify.unwrap_or(false);
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, id, input.expected_version, actor).await?;
    if actor.role == Role::Customer {
        // Customers may only cancel their own order, and only before work on
        // it has gone far (DESIGN.md "Access").
        if input.action != OrderActionKind::Cancel {
            return Err(AppError::Forbidden(
                "Customers may only cancel their orders".into(),
            ));
        }
        let status = edit.status();
        if !status.customer_may_cancel() {
            return Err(AppError::Forbidden(format!(
                "Customers may cancel only while the order is PENDING, CONFIRMED or ON_HOLD; it is {status}"
            )));
        }
    }
    match input.action {
        OrderActionKind::UpdateStatus => {
            let to = input.status.unwrap_or(OrderStatus::Pending);
            edit.move_to(to, input.note, notify)?;
        }
        OrderActionKind::Cancel => edit.move_to(OrderStatus::Cancelled, input.note, notify)?,
        OrderActionKind::Complete => edit.move_to(OrderStatus::Completed, input.note, notify)?,
        OrderActionKind::UpdateMetadata => {
            let before = edit.after.metadata.clone();
            let after = match input.metadata.map(|m| m.0) {
                Some(Json::Object(patch)) => merge_metadata(&before, patch),
                _ => before.clone(),
            };
            if after != before {
                edit.after.metadata = after.clone();
                let event = edit.event(OrderEventKind::MetadataUpdated);
                event.note = input.note;
                event.notify = notify;
                event.data = Some(json!({"metadata": before_after(&before, &after)}));
            }
        }
    }
    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}

/// Sets tracking (and optionally moves the status and sets staff notes,
/// which only staff and admins may). The tracking also goes onto the order's
/// fulfillments (`fulfillments::legacy`): the latest live one's, or a new
/// SHIPPED one of everything unfulfilled when the order may ship; the status
/// moves only when `status` asks.
#[tracing::instrument(name = "orders.set_tracking", skip_all, fields(order.id = id))]
pub async fn set_tracking(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: TrackingInput,
) -> AppResult<order::Model> {
    if input.staff_notes.is_some() && !actor.policy().sees_staff_notes() {
        return Err(AppError::Forbidden("Only staff may set staff notes".into()));
    }
    let mut errors = Vec::new();
    let code = input.code.trim().to_owned();
    if code.is_empty() {
        errors.push(FieldError::new("input.code", "must not be empty"));
    }
    check_len(Some(&code), MAX_SHORT, "input.code", &mut errors);
    check_len(input.url.as_deref(), MAX_LONG, "input.url", &mut errors);
    check_len(
        input.shipping_option.as_deref(),
        MAX_SHORT,
        "input.shippingOption",
        &mut errors,
    );
    check_len(
        input.staff_notes.as_deref(),
        MAX_LONG,
        "input.staffNotes",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let notify = input.notify.unwrap_or(false);
    let carrier_given = input.shipping_option.is_some();
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, id, input.expected_version, actor).await?;
    if let Some(status) = input.status
        && status != edit.status()
    {
        edit.move_to(status, None, notify)?;
    }
    let before = (
        edit.after.tracking_code.clone(),
        edit.after.tracking_url.clone(),
        edit.after.shipping_option.clone(),
    );
    edit.after.tracking_code = Some(code);
    if let Some(url) = input.url {
        edit.after.tracking_url = Some(url.trim().to_owned()).filter(|u| !u.is_empty());
    }
    if let Some(option) = input.shipping_option {
        edit.after.shipping_option = Some(option.trim().to_owned()).filter(|o| !o.is_empty());
    }
    if let Some(notes) = input.staff_notes {
        edit.after.staff_notes = Some(notes).filter(|n| !n.trim().is_empty());
    }
    let after = (
        edit.after.tracking_code.clone(),
        edit.after.tracking_url.clone(),
        edit.after.shipping_option.clone(),
    );
    let staff_notes_changed = edit.after.staff_notes != edit.before.staff_notes;
    if after != before || staff_notes_changed {
        let mut data = Map::new();
        data.insert("code".into(), before_after(&before.0, &after.0));
        data.insert("url".into(), before_after(&before.1, &after.1));
        data.insert("shippingOption".into(), before_after(&before.2, &after.2));
        if staff_notes_changed {
            data.insert("staffNotesChanged".into(), Json::Bool(true));
        }
        let event = edit.event(OrderEventKind::TrackingUpdated);
        event.notify = notify;
        event.data = Some(Json::Object(data));
    }
    // The same tracking goes onto the order's fulfillments, after this
    // call's own events; its TRACKING_UPDATED carries the e-mail.
    let mapped = legacy::apply_tracking(
        edit.conn(),
        &edit.after,
        &actor.subject,
        Mapping::MayRecord,
        carrier_given,
    )
    .await?;
    for event in mapped {
        edit.mark_changed();
        edit.event(event.kind).data = event.data;
    }
    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}

/// Sets the order's id in an external system (seed 003 set_integration_ref).
#[tracing::instrument(name = "orders.set_integration_ref", skip_all, fields(order.id = id))]
pub async fn set_integration_ref(
    db: &Db,
    actor: &Principal,
    id: i64,
    integration_ref: String,
    expected_version: Option<i32>,
) -> AppResult<order::Model> {
    let value = integration_ref.trim().to_owned();
    let mut errors = Vec::new();
    check_len(Some(&value), MAX_SHORT, "integrationRef", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, id, expected_version, actor).await?;
    let after = Some(value).filter(|v| !v.is_empty());
    if after != edit.after.integration_ref {
        let before = edit.after.integration_ref.clone();
        edit.after.integration_ref = after.clone();
        edit.event(OrderEventKind::IntegrationRefUpdated).data =
            Some(json!({"integrationRef": before_after(&before, &after)}));
    }
    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}
