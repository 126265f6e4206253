//! upsertOrder: create the order with this (source, externalId), or update it
//! with sync semantics (given fields win, the status is mirrored as given, a
//! payment status given is recorded as transactions: `payments::sync`), in
//! one transaction with its events. A repeat that changes nothing writes
//! nothing.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::{Map, Value as Json, json};

use super::create::{ArchivedCustomer, create, created_event, reference_taken};
use super::draft::{Defaults, NewOrder};
use super::edit::lock;
use super::inputs::{OnExisting, UpsertOrderInput};
use super::pricing::{self, LinePricing, OrderPricing, OrderTotals};
use super::service::lines_of;
use crate::customers::inputs::AddressInput;
use crate::customers::service::{resolve as resolve_customer, save_address};
use crate::db::{self, Db, WriteTxn};
use crate::entities::{addressbook, customer, order, order_line};
use crate::error::{AppError, AppResult};
use crate::events::{self, NewEvent, OrderEventKind};
use crate::fulfillments::guard;
use crate::fulfillments::legacy::{self, Mapping};
use crate::lines::draft::catalog_for;
use crate::lines::service::{insert_lines, save_line_addresses};

/// The order keyed by (`source`, `external_id`), locked for this
/// transaction; call it before any write. On PostgreSQL the order's queue
/// ([`lock`]) comes first, so this change's events are read after those of
/// every change before it (see `events::bus`); SQLite's write transaction is
/// alone already.
async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    external_id: &str,
) -> AppResult<Option<order::Model>> {
    let by_key = || {
        order::Entity::find()
            .filter(order::Column::Source.eq(source))
            .filter(order::Column::ExternalId.eq(external_id))
    };
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let Some(id) = by_key()
            .select_only()
            .column(order::Column::Id)
            .into_tuple::<i64>()
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        lock(conn, id).await?;
    }
    Ok(by_key().lock_exclusive().one(conn).await?)
}

/// The order keyed by (`source`, `external_id`), as committed (no lock: the
/// caller changes nothing).
async fn find_by_key<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    external_id: &str,
) -> AppResult<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::Source.eq(source))
        .filter(order::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?)
}

/// Creates or updates the order keyed by (source, externalId); with
/// [`OnExisting::Keep`] an existing order is returned as it is and nothing is
/// written. Returns the order and whether it was created.
#[tracing::instrument(name = "orders.upsert", skip_all)]
pub async fn upsert(
    db: &Db,
    defaults: Defaults<'_>,
    actor: &str,
    input: UpsertOrderInput,
    on_existing: OnExisting,
) -> AppResult<(order::Model, bool)> {
    let catalog = catalog_for(db, input.lines.iter().flatten()).await?;
    let new = NewOrder::from_upsert(&input, &catalog, defaults, "").map_err(AppError::invalid)?;
    let external_id = new.external_id.clone().unwrap_or_default();
    if on_existing == OnExisting::Keep
        && let Some(existing) = find_by_key(db, &new.source, &external_id).await?
    {
        return Ok((existing, false));
    }
    let txn = db.begin_write().await?;
    let existing = match on_existing {
        OnExisting::Update => find_for_update(&txn, &new.source, &external_id).await?,
        // Created since the read above: kept as well, below.
        OnExisting::Keep => find_by_key(&txn, &new.source, &external_id).await?,
    };
    if on_existing == OnExisting::Keep
        && let Some(existing) = existing
    {
        return Ok((existing, false));
    }
    let (txn, existing) = match existing {
        Some(existing) => (txn, existing),
        None => {
            if let Some(order) = create(&txn, &new, ArchivedCustomer::Accept).await? {
                crate::payments::mirror::record_opening(&txn, &[&order], actor).await?;
                events::append(
                    &txn,
                    vec![created_event(&order, OrderEventKind::Created, actor)],
                )
                .await?;
                txn.commit().await?;
                return Ok((order, true));
            }
            // Someone created it meanwhile (their insert won the unique
            // index): kept as it is, or this call becomes an update of their
            // order, in a new transaction. This one has written (addresses, the attempted
            // insert), so its transaction id may be older than the creator's,
            // and its events would be read before the order's creation.
            drop(txn);
            if on_existing == OnExisting::Keep {
                let existing = find_by_key(db, &new.source, &external_id)
                    .await?
                    .ok_or_else(|| reference_taken(&new))?;
                return Ok((existing, false));
            }
            let txn = db.begin_write().await?;
            let existing = find_for_update(&txn, &new.source, &external_id)
                .await?
                .ok_or_else(|| reference_taken(&new))?;
            (txn, existing)
        }
    };
    let updated = update(&txn, existing, &input, &new, actor).await?;
    txn.commit().await?;
    Ok((updated, false))
}

/// The address id to keep for `input`: the current one when it already holds
/// this address, else a newly saved one.
async fn keep_or_save_address<C: ConnectionTrait>(
    conn: &C,
    current: Option<i64>,
    customer_id: Option<i64>,
    input: &AddressInput,
    path: &str,
) -> AppResult<Option<i64>> {
    if let Some(current_id) = current
        && let Some(stored) = addressbook::Entity::find_by_id(current_id)
            .one(conn)
            .await?
        && input.same_as(&stored)
    {
        return Ok(Some(current_id));
    }
    Ok(Some(save_address(conn, customer_id, input, path).await?))
}

/// The search text of `order` as it now is, with its customer's external id
/// and its addresses' terms.
pub async fn search_text_of<C: ConnectionTrait>(
    conn: &C,
    order: &order::Model,
) -> AppResult<String> {
    let ids: Vec<i64> = [order.shipping_address_id, order.billing_address_id]
        .into_iter()
        .flatten()
        .collect();
    let mut terms = Vec::new();
    if !ids.is_empty() {
        for address in addressbook::Entity::find()
            .filter(addressbook::Column::Id.is_in(ids))
            .all(conn)
            .await?
        {
            let billing = Some(address.id) == order.billing_address_id;
            terms.extend(super::search::address_terms(&address, billing));
        }
    }
    let customer_external_id = match order.customer_id {
        Some(id) => customer::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|c| c.external_id),
        None => None,
    };
    Ok(super::search::text(order, &customer_external_id, &terms))
}

/// `{field: {before, after}}` for every column that differs, leaving out the
/// bookkeeping columns.
pub fn changes(before: &order::Model, after: &order::Model) -> Map<String, Json> {
    let (Ok(Json::Object(before)), Ok(Json::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Map::new();
    };
    after
        .into_iter()
        .filter(|(key, _)| !matches!(key.as_str(), "id" | "version" | "created_at" | "updated_at"))
        .filter_map(|(key, value)| {
            let old = before.get(&key).cloned().unwrap_or(Json::Null);
            (old != value).then(|| (camel(&key), json!({"before": old, "after": value})))
        })
        .collect()
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// Applies an upsert to an existing order (sync semantics: given fields win,
/// the status is mirrored as given). Writes nothing when nothing changes.
async fn update(
    conn: &WriteTxn,
    existing: order::Model,
    input: &UpsertOrderInput,
    new: &NewOrder,
    actor: &str,
) -> AppResult<order::Model> {
    let mut next = existing.clone();
    if input.status.is_some() {
        next.status = new.status;
    }
    if input.reference.is_some() {
        next.reference = new.reference.clone();
    }
    if !new.customer.is_empty() {
        next.customer_id = resolve_customer(conn, &new.customer, "customerId")
            .await?
            .map(|c| c.id);
    }
    if input.customer_email.is_some() {
        next.customer_email = new.customer_email.clone();
    } else if next.customer_email.is_none() {
        // The billing address's e-mail fills an order without one; it never
        // replaces one (it may have been given as customerEmail before).
        next.customer_email = new.customer_email.clone();
    }
    if input.customer_name.is_some() {
        next.customer_name = new.customer_name.clone();
    }
    if input.currency.is_some() {
        next.currency = new.currency.clone();
    }
    if input.payment_method.is_some() {
        next.payment_method = new.payment_method.clone();
    }
    if input.tracking_code.is_some() {
        next.tracking_code = new.tracking_code.clone();
    }
    if input.tracking_url.is_some() {
        next.tracking_url = new.tracking_url.clone();
    }
    if input.notes.is_some() {
        next.notes = new.notes.clone();
    }
    if input.metadata.is_some() {
        next.metadata = new.metadata.clone();
    }
    if input.submitted_at.is_some() || !crate::validate::blank(&input.order_date) {
        next.submitted_at = new.submitted_at;
    }
    if input.user_id.is_some() {
        next.user_id = new.user_id.clone();
    }
    if let Some(test) = input.test {
        next.test = test;
    }
    if let Some(address) = &input.shipping_address {
        next.shipping_address_id = keep_or_save_address(
            conn,
            existing.shipping_address_id,
            next.customer_id,
            address,
            "shippingAddress",
        )
        .await?;
    }
    if let Some(address) = &input.billing_address {
        next.billing_address_id = keep_or_save_address(
            conn,
            existing.billing_address_id,
            next.customer_id,
            address,
            "billingAddress",
        )
        .await?;
    }

    // Lines: replaced only when they differ, so a repeated sync changes nothing.
    let old_lines = lines_of(conn, existing.id).await?;
    let replace_lines = input.lines.is_some()
        && (old_lines.len() != new.lines.len()
            || !new.lines.iter().zip(&old_lines).all(|(n, o)| n.matches(o)));
    if replace_lines {
        guard::check_replaceable(conn, existing.id, "lines").await?;
    }
    let reprice =
        replace_lines || input.shipping_costs.is_some() || input.discount_percentage.is_some();
    let mut totals = OrderTotals::of(&next);
    if reprice {
        let order_pricing = OrderPricing {
            discount_percentage: input
                .discount_percentage
                .map_or(existing.discount_percentage, |_| {
                    new.order_pricing.discount_percentage
                }),
            shipping_costs: input.shipping_costs.map_or(existing.shipping_costs, |_| {
                new.order_pricing.shipping_costs
            }),
        };
        let priced = if input.lines.is_some() {
            new.lines.iter().map(|l| (l.pricing, l.amounts)).collect()
        } else {
            LinePricing::of_rows(&old_lines)
                .map_err(|e| AppError::invalid_field("lines", e.to_string()))?
        };
        totals = pricing::order_totals(&priced, order_pricing)
            .map_err(|e| AppError::invalid_field("total", e.to_string()))?;
    }
    if let Some(total) = input.total {
        totals.gross_total = total;
    }
    if let Some(tax) = input.total_tax {
        totals.total_vat = tax;
    }
    pricing::apply_totals(&mut next, &totals);
    // A payment status given is the source's word: the difference to the
    // order's figures (under the new totals) is recorded as transactions.
    let payment_events = match input.payment_status {
        Some(given) => {
            crate::payments::mirror::record_sync(
                conn,
                &mut next,
                existing.payment_status,
                given,
                actor,
            )
            .await?
        }
        None => Vec::new(),
    };

    next.search_text = search_text_of(conn, &next).await?;
    let mut changed = changes(&existing, &next);
    if changed.is_empty() && !replace_lines {
        return Ok(existing);
    }
    next.version = existing.version + 1;
    next.updated_at = db::now();
    let saved = order::ActiveModel::from(next)
        .reset_all()
        .update(conn)
        .await?;
    if replace_lines {
        order_line::Entity::delete_many()
            .filter(order_line::Column::OrderId.eq(saved.id))
            .exec(conn)
            .await?;
        let address_ids = save_line_addresses(conn, saved.customer_id, &new.lines, "lines").await?;
        insert_lines(conn, saved.id, &new.lines, &address_ids).await?;
    }

    let mut events = Vec::new();
    let status_change = changed.remove("status");
    if status_change.is_some() {
        let mut event = NewEvent::new(saved.id, OrderEventKind::StatusChanged, actor);
        event.from_status = Some(existing.status);
        event.to_status = Some(saved.status);
        events.push(event);
    }
    if !changed.is_empty() || replace_lines {
        let mut data = Map::new();
        data.insert("changes".into(), Json::Object(changed));
        if replace_lines {
            data.insert(
                "lines".into(),
                json!({"before": old_lines.len(), "after": new.lines.len()}),
            );
        }
        let mut event = NewEvent::new(saved.id, OrderEventKind::Updated, actor);
        event.data = Some(Json::Object(data));
        events.push(event);
    }
    if input.tracking_code.is_some() || input.tracking_url.is_some() {
        // A synced tracking code keeps the latest live fulfillment's in
        // step; a sync never records a shipment itself.
        events
            .extend(legacy::apply_tracking(conn, &saved, actor, Mapping::UpdateOnly, false).await?);
    }
    events.extend(payment_events);
    events::append(conn, events).await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn column_names_become_graphql_names() {
        assert_eq!(camel("gross_total"), "grossTotal");
        assert_eq!(camel("status"), "status");
    }
}
