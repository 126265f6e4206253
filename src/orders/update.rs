//! `updateOrder`: an existing order's addresses, contact e-mail and name,
//! notes, staff notes and metadata, changed in one transaction through
//! [`OrderEdit`]. One DETAILS_UPDATED event carries the before and after of
//! exactly the fields that changed (staff notes get their own, staff-only
//! STAFF_NOTES_UPDATED); a call that changes nothing writes nothing.
//!
//! Addresses are never changed in place: an addressbook row may be shared
//! (the order's other address, other orders that named it by id, the
//! customer's addressbook), so a new address is a new row and the old one
//! stays as every other user of it knows it.

use sea_orm::EntityTrait;
use serde_json::{Map, Value as Json, json};

use super::actions::merge_metadata;
use super::edit::OrderEdit;
use super::inputs::UpdateOrderInput;
use super::upsert::search_text_of;
use super::workflow::OrderStatus;
use crate::auth::{Principal, Role};
use crate::customers::inputs::AddressInput;
use crate::customers::service::save_address;
use crate::db::{Db, WriteTxn};
use crate::entities::{addressbook, order};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::ids::{NodeKind, global_id};
use crate::validate::{MAX_LONG, MAX_SHORT, check_len, clean, normalize_email};

/// What customers may change on their own orders (their PENDING ones).
const CUSTOMER_FIELDS: &str = "shippingAddress, billingAddress and notes";

/// An address as events show it: the GraphQL field names.
fn address_json(address: Option<&addressbook::Model>) -> Json {
    let Some(a) = address else {
        return Json::Null;
    };
    json!({
        "id": global_id(NodeKind::Address, a.id).0,
        "name": a.name,
        "firstName": a.first_name,
        "lastName": a.last_name,
        "companyName": a.company_name,
        "address1": a.address1,
        "address2": a.address2,
        "postalCode": a.postal_code,
        "city": a.city,
        "province": a.province,
        "country": a.country,
        "phone": a.phone,
        "email": a.email,
        "comments": a.comments,
    })
}

fn before_after(before: impl serde::Serialize, after: impl serde::Serialize) -> Json {
    json!({"before": before, "after": after})
}

/// Every problem of `input` that needs no database, with its path.
fn validate(input: &UpdateOrderInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let given = input.shipping_address.is_some()
        || input.billing_address.is_some()
        || input.customer_email.is_some()
        || input.customer_name.is_some()
        || input.notes.is_some()
        || input.staff_notes.is_some()
        || input.metadata.is_some();
    if !given {
        errors.push(FieldError::new(
            "input",
            "name at least one field to change (shippingAddress, billingAddress, customerEmail, customerName, notes, staffNotes, metadata)",
        ));
    }
    if let Some(address) = &input.shipping_address {
        address.validate("input.shippingAddress", &mut errors);
    }
    if let Some(address) = &input.billing_address {
        address.validate("input.billingAddress", &mut errors);
    }
    if let Some(email) = clean(&input.customer_email)
        && normalize_email(&email).is_none()
    {
        errors.push(FieldError::new(
            "input.customerEmail",
            "is not an e-mail address",
        ));
    }
    check_len(
        input.customer_name.as_deref(),
        MAX_SHORT,
        "input.customerName",
        &mut errors,
    );
    check_len(input.notes.as_deref(), MAX_LONG, "input.notes", &mut errors);
    check_len(
        input.staff_notes.as_deref(),
        MAX_LONG,
        "input.staffNotes",
        &mut errors,
    );
    if let Some(metadata) = &input.metadata
        && !metadata.0.is_object()
    {
        errors.push(FieldError::new("input.metadata", "must be an object"));
    }
    errors
}

/// What a role may not change, checked before anything is read: FORBIDDEN
/// naming every refused field.
fn check_role(actor: &Principal, input: &UpdateOrderInput) -> AppResult<()> {
    if actor.role == Role::Customer {
        let refused: Vec<&str> = [
            (input.customer_email.is_some(), "input.customerEmail"),
            (input.customer_name.is_some(), "input.customerName"),
            (input.staff_notes.is_some(), "input.staffNotes"),
            (input.metadata.is_some(), "input.metadata"),
        ]
        .into_iter()
        .filter_map(|(given, path)| given.then_some(path))
        .collect();
        if !refused.is_empty() {
            return Err(AppError::Forbidden(format!(
                "Customers may change only the {CUSTOMER_FIELDS} of their orders; refused: {}",
                refused.join(", ")
            )));
        }
    }
    if input.staff_notes.is_some() && !actor.policy().sees_staff_notes() {
        return Err(AppError::Forbidden(
            "Only staff may set staff notes (input.staffNotes)".into(),
        ));
    }
    Ok(())
}

/// Whether `input` describes exactly the stored address `stored` (so the
/// order keeps its row).
fn describes(input: &AddressInput, stored: &addressbook::Model) -> bool {
    input.same_as(stored)
        && (input.id.is_some() || input.email.as_deref().and_then(normalize_email) == stored.email)
}

/// The address row the order should point at for `input`: `None` when the
/// current one already is it, else the id of a saved address the input names
/// or of a new row.
async fn new_address(
    txn: &WriteTxn,
    current: Option<&addressbook::Model>,
    customer_id: Option<i64>,
    input: &AddressInput,
    path: &str,
) -> AppResult<Option<i64>> {
    if current.is_some_and(|stored| describes(input, stored)) {
        return Ok(None);
    }
    Ok(Some(save_address(txn, customer_id, input, path).await?))
}

async fn load_address(txn: &WriteTxn, id: Option<i64>) -> AppResult<Option<addressbook::Model>> {
    match id {
        Some(id) => Ok(addressbook::Entity::find_by_id(id).one(txn).await?),
        None => Ok(None),
    }
}

/// Applies `updateOrder`. Admins and staff change every field; integrations
/// all but staff notes; customers only the addresses and notes of their own
/// PENDING orders. Addresses, e-mail and name change only while lines may
/// (until the order ships); notes, staff notes and metadata in any status.
#[tracing::instrument(name = "orders.update", skip_all, fields(order.id = id))]
pub async fn update_order(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: UpdateOrderInput,
) -> AppResult<order::Model> {
    let errors = validate(&input);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    check_role(actor, &input)?;

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, id, input.expected_version, actor).await?;
    let status = edit.status();
    if actor.role == Role::Customer && status != OrderStatus::Pending {
        return Err(AppError::Forbidden(format!(
            "Customers may change their order only while it is PENDING; it is {status}"
        )));
    }

    let mut changes = Map::new();
    // Fields that describe where and to whom the order goes: history once
    // the order has shipped.
    let mut shipped_fields = Vec::new();
    let customer_id = edit.after.customer_id;

    let shipping_before = load_address(&txn, edit.after.shipping_address_id).await?;
    let mut shipping_new = None;
    if let Some(address) = &input.shipping_address
        && let Some(new_id) = new_address(
            &txn,
            shipping_before.as_ref(),
            customer_id,
            address,
            "input.shippingAddress",
        )
        .await?
    {
        shipping_new = Some(new_id);
        edit.after.shipping_address_id = Some(new_id);
        let after = load_address(&txn, Some(new_id)).await?;
        changes.insert(
            "shippingAddress".into(),
            before_after(
                address_json(shipping_before.as_ref()),
                address_json(after.as_ref()),
            ),
        );
        shipped_fields.push("input.shippingAddress");
    }

    let billing_before = load_address(&txn, edit.after.billing_address_id).await?;
    if let Some(address) = &input.billing_address
        && !billing_before
            .as_ref()
            .is_some_and(|stored| describes(address, stored))
    {
        // The same new address for both: one row, as placeOrder saves it.
        let shared = shipping_new
            .filter(|_| address.id.is_none() && input.shipping_address.as_ref() == Some(address));
        let new_id = match shared {
            Some(id) => id,
            None => save_address(&txn, customer_id, address, "input.billingAddress").await?,
        };
        edit.after.billing_address_id = Some(new_id);
        let after = load_address(&txn, Some(new_id)).await?;
        changes.insert(
            "billingAddress".into(),
            before_after(
                address_json(billing_before.as_ref()),
                address_json(after.as_ref()),
            ),
        );
        shipped_fields.push("input.billingAddress");
    }

    if input.customer_email.is_some() {
        let after = clean(&input.customer_email).and_then(|e| normalize_email(&e));
        if after != edit.after.customer_email {
            changes.insert(
                "customerEmail".into(),
                before_after(&edit.after.customer_email, &after),
            );
            edit.after.customer_email = after;
            shipped_fields.push("input.customerEmail");
        }
    }
    if input.customer_name.is_some() {
        let after = clean(&input.customer_name);
        if after != edit.after.customer_name {
            changes.insert(
                "customerName".into(),
                before_after(&edit.after.customer_name, &after),
            );
            edit.after.customer_name = after;
            shipped_fields.push("input.customerName");
        }
    }
    if input.notes.is_some() {
        let after = clean(&input.notes);
        if after != edit.after.notes {
            changes.insert("notes".into(), before_after(&edit.after.notes, &after));
            edit.after.notes = after;
        }
    }
    if let Some(Json::Object(patch)) = input.metadata.map(|m| m.0) {
        let after = merge_metadata(&edit.after.metadata, patch);
        if after != edit.after.metadata {
            changes.insert(
                "metadata".into(),
                before_after(&edit.after.metadata, &after),
            );
            edit.after.metadata = after;
        }
    }

    if !shipped_fields.is_empty() && !status.lines_editable() {
        // Refused only when the value would change, so a form sent back
        // whole (unchanged address included) may still change the notes.
        let errors = shipped_fields
            .into_iter()
            .map(|path| {
                FieldError::new(
                    path,
                    format!(
                        "can change only while the order is PENDING, CONFIRMED, PROCESSING, IN_PROGRESS or ON_HOLD; it is {status}"
                    ),
                )
            })
            .collect();
        return Err(AppError::invalid(errors));
    }

    let search_relevant = [
        "shippingAddress",
        "billingAddress",
        "customerEmail",
        "customerName",
    ]
    .iter()
    .any(|field| changes.contains_key(*field));
    if search_relevant {
        edit.after.search_text = search_text_of(&txn, &edit.after).await?;
    }
    if !changes.is_empty() {
        edit.event(OrderEventKind::DetailsUpdated).data = Some(Json::Object(changes));
    }

    if input.staff_notes.is_some() {
        let after = clean(&input.staff_notes);
        if after != edit.after.staff_notes {
            edit.event(OrderEventKind::StaffNotesUpdated).data = Some(json!({
                "staffNotes": before_after(&edit.after.staff_notes, &after),
            }));
            edit.after.staff_notes = after;
        }
    }

    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}
