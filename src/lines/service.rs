//! Writing lines: the rows of a new or replaced order's lines, and the line
//! edits of an existing order, each one transaction through [`OrderEdit`]: the
//! order row is locked first, so concurrent edits apply one after another and
//! the totals always equal the sum of the lines.

use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{Map, Value as Json, json};

use super::draft::{LineDraft, build_line, catalog_for};
use super::inputs::{AddOrderLineInput, ChangeOrderLineInput};
use crate::auth::Principal;
use crate::auth::policy::Policy;
use crate::customers::inputs::AddressInput;
use crate::customers::service::save_address;
use crate::db::{self, Db};
use crate::entities::{order, order_line};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::fulfillments::guard;
use crate::ids::{self, NodeKind};
use crate::money::Money;
use crate::orders::edit::OrderEdit;
use crate::orders::pricing::{self, LinePricing, OrderPricing};
use crate::payments::service::refunded_quantity;
use crate::validate::{MAX_LONG, check_len};

/// Recomputes the order's totals from its lines as they now are.
async fn recompute_totals(edit: &mut OrderEdit<'_>) -> AppResult<()> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(edit.before.id))
        .all(edit.conn())
        .await?;
    let priced =
        LinePricing::of_rows(&lines).map_err(|e| AppError::invalid_field("line", e.to_string()))?;
    let order = &mut edit.after;
    let totals = pricing::order_totals(
        &priced,
        OrderPricing {
            discount_percentage: order.discount_percentage,
            shipping_costs: order.shipping_costs,
        },
    )
    .map_err(|e| AppError::invalid_field("line", e.to_string()))?;
    pricing::apply_totals(order, &totals);
    edit.mark_changed();
    Ok(())
}

/// Saves the distinct addresses of an order's lines once each (seed 003: lines
/// going to the same place share one addressbook row). Returns one id per line.
pub async fn save_line_addresses<C: ConnectionTrait>(
    conn: &C,
    customer_id: Option<i64>,
    lines: &[LineDraft],
    prefix: &str,
) -> AppResult<Vec<Option<i64>>> {
    let mut saved: Vec<(&AddressInput, i64)> = Vec::new();
    let mut ids = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let Some(address) = &line.address else {
            ids.push(None);
            continue;
        };
        if let Some((_, id)) = saved.iter().find(|(a, _)| *a == address) {
            ids.push(Some(*id));
            continue;
        }
        let id = save_address(conn, customer_id, address, &format!("{prefix}.{i}.address")).await?;
        saved.push((address, id));
        ids.push(Some(id));
    }
    Ok(ids)
}

/// Inserts the lines of `order_id`, batched.
pub async fn insert_lines<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    lines: &[LineDraft],
    address_ids: &[Option<i64>],
) -> AppResult<()> {
    let rows: Vec<_> = lines
        .iter()
        .zip(address_ids)
        .enumerate()
        .map(|(i, (line, address))| {
            line.to_row(order_id, i32::try_from(i).unwrap_or(i32::MAX), *address)
        })
        .collect();
    insert_line_rows(conn, rows).await
}

/// Inserts line rows in chunks that stay well below the bind-parameter limits.
pub async fn insert_line_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<order_line::ActiveModel>,
) -> AppResult<()> {
    // Moved into the statement in chunks, not cloned: a line's row holds
    // some thirty values, several of them strings.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        order_line::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

async fn find_line<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    line_id: i64,
) -> AppResult<order_line::Model> {
    order_line::Entity::find_by_id(line_id)
        .filter(order_line::Column::OrderId.eq(order_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No line {line_id} on order {order_id}")))
}

/// Adds a line.
#[tracing::instrument(name = "lines.add", skip_all, fields(order.id = order_id))]
pub async fn add(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    input: AddOrderLineInput,
) -> AppResult<order_line::Model> {
    let catalog = catalog_for(db, [&input.line]).await?;
    let mut errors = Vec::new();
    let draft = build_line(&input.line, "input.line", &catalog, &mut errors);
    let Some(mut draft) = draft.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    // Seed 003: a price given with an added line overrides the pricing rules.
    draft.has_custom_price = input.line.price.is_some();

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    edit.require_editable_lines()?;
    let last = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_desc(order_line::Column::Position)
        .one(&txn)
        .await?;
    let position = last.map_or(0, |l| l.position.saturating_add(1));
    let address_id = match &draft.address {
        Some(address) => {
            Some(save_address(&txn, edit.after.customer_id, address, "input.line.address").await?)
        }
        None => None,
    };
    let line = draft
        .to_row(order_id, position, address_id)
        .insert(&txn)
        .await?;
    recompute_totals(&mut edit).await?;
    edit.event(OrderEventKind::LineAdded).data = Some(json!({ "line": line }));
    edit.finish().await?;
    txn.commit().await?;
    Ok(line)
}

/// Line `line_id` of order `order_id`, for a caller who may see the order:
/// NOT_FOUND when the order is not visible to `policy` or the line belongs
/// to another order (the two answer alike).
pub async fn line_of_order(
    db: &Db,
    policy: &Policy,
    order_id: i64,
    line_id: i64,
) -> AppResult<order_line::Model> {
    let visible = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .is_some_and(|order| policy.sees_order(&order));
    if !visible {
        return Err(AppError::NotFound(format!("No order with id {order_id}")));
    }
    find_line(db, order_id, line_id).await
}

/// Changes a line's quantity, price or note; returns the line as saved.
#[tracing::instrument(name = "lines.change", skip_all, fields(order.id = order_id))]
pub async fn change(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    input: ChangeOrderLineInput,
) -> AppResult<order_line::Model> {
    let mut errors = Vec::new();
    let line_id = ids::parse_into(
        &input.line_id,
        NodeKind::OrderLine,
        "input.lineId",
        &mut errors,
    );
    if input.quantity.is_some_and(|q| q <= Money::ZERO) {
        errors.push(FieldError::new("input.quantity", "must be greater than 0"));
    }
    if input.price.is_some_and(|p| p < Money::ZERO) {
        errors.push(FieldError::new("input.price", "must not be negative"));
    }
    if input.quantity.is_none() && input.price.is_none() && input.note.is_none() {
        errors.push(FieldError::new(
            "input",
            "give a quantity, a price or a note to change",
        ));
    }
    check_len(input.note.as_deref(), MAX_LONG, "input.note", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let line_id = line_id.unwrap_or_default();

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, input.expected_version, actor).await?;
    edit.require_editable_lines()?;
    let line = find_line(&txn, order_id, line_id).await?;
    if let Some(quantity) = input.quantity {
        guard::check_quantity(&txn, order_id, line.id, quantity, "input.quantity").await?;
    }
    let mut next = line.clone();
    if let Some(quantity) = input.quantity {
        // Refunded units left the order's current total already.
        let refunded = refunded_quantity(&txn, order_id, line_id).await?;
        if quantity < refunded {
            return Err(AppError::invalid_field(
                "input.quantity",
                format!("is less than the {refunded} units refunded already"),
            ));
        }
        next.quantity = quantity;
    }
    if let Some(price) = input.price {
        next.price = price;
        next.has_custom_price = true;
    }
    if let Some(note) = &input.note {
        next.note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
    }
    let amounts = LinePricing::of(&next)
        .amounts()
        .map_err(|e| AppError::invalid_field("input.quantity", e.to_string()))?;
    next.final_price = amounts.final_price;
    next.total_before_vat = amounts.total_before_vat;
    next.total_vat = amounts.total_vat;
    next.total_after_vat = amounts.total_after_vat;

    let mut changes = Map::new();
    for (field, before, after) in [
        ("quantity", json!(line.quantity), json!(next.quantity)),
        ("price", json!(line.price), json!(next.price)),
        (
            "hasCustomPrice",
            json!(line.has_custom_price),
            json!(next.has_custom_price),
        ),
        ("note", json!(line.note), json!(next.note)),
        (
            "totalAfterVat",
            json!(line.total_after_vat),
            json!(next.total_after_vat),
        ),
    ] {
        if before != after {
            changes.insert(field.to_owned(), json!({"before": before, "after": after}));
        }
    }
    let saved = if changes.is_empty() {
        line
    } else {
        next.updated_at = db::now();
        let mut row: order_line::ActiveModel = next.into();
        row = row.reset_all();
        row.id = Set(line.id);
        let saved = row.update(&txn).await?;
        recompute_totals(&mut edit).await?;
        edit.event(OrderEventKind::LineChanged).data = Some(json!({
            "lineId": line.id.to_string(),
            "name": line.name,
            "changes": Json::Object(changes),
        }));
        guard::follow_line_edit(&mut edit).await?;
        saved
    };
    edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes a line; the last line cannot be removed (cancel the order instead).
#[tracing::instrument(name = "lines.remove", skip_all, fields(order.id = order_id))]
pub async fn remove(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    line_id: i64,
    expected_version: Option<i32>,
) -> AppResult<()> {
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, expected_version, actor).await?;
    edit.require_editable_lines()?;
    let line = find_line(&txn, order_id, line_id).await?;
    guard::check_removable(&txn, order_id, line.id, "lineId").await?;
    if refunded_quantity(&txn, order_id, line_id).await? > Money::ZERO {
        return Err(AppError::invalid_field(
            "lineId",
            "part of this line was refunded; a refunded line stays on the order",
        ));
    }
    let count = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .count(&txn)
        .await?;
    if count <= 1 {
        return Err(AppError::invalid_field(
            "lineId",
            "this is the order's last line and an order keeps at least one; cancel the order instead",
        ));
    }
    order_line::Entity::delete_by_id(line.id).exec(&txn).await?;
    recompute_totals(&mut edit).await?;
    edit.event(OrderEventKind::LineRemoved).data = Some(json!({ "line": line }));
    guard::follow_line_edit(&mut edit).await?;
    edit.finish().await?;
    txn.commit().await?;
    Ok(())
}
