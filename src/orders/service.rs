//! Writing and reading orders: placeOrder and upsertOrder. Each write is one
//! transaction that also writes the order's events; the unique indexes decide
//! races between concurrent creators, never a read-then-write check.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement, TryInsertResult,
};
use serde_json::{Map, Value as Json, json};

use super::draft::{Catalog, Defaults, LineDraft, NewOrder, paid_amount};
use super::inputs::{PlaceOrderInput, UpsertOrderInput};
use super::pricing::{self, LinePricing, OrderPricing};
use crate::customers::service::{resolve as resolve_customer, save_address};
use crate::customers::types::AddressInput;
use crate::db;
use crate::entities::{addressbook, order, order_line};
use crate::error::{AppError, AppResult};
use crate::events::{self, NewEvent, OrderEventKind};

#[derive(FromQueryResult)]
struct Number {
    n: i64,
}

/// Reserves `count` new order numbers in one statement.
pub async fn reserve_numbers<C: ConnectionTrait>(conn: &C, count: usize) -> AppResult<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(count).map_err(AppError::internal)?;
    let numbers: Vec<i64> = match conn.get_database_backend() {
        DatabaseBackend::Postgres => Number::find_by_statement(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT nextval('order_number_seq') AS n FROM generate_series(1, $1)",
            [count.into()],
        ))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.n)
        .collect(),
        backend => {
            let next = Number::find_by_statement(Statement::from_sql_and_values(
                backend,
                "UPDATE settings SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT) \
                 WHERE key = 'order_number_next' RETURNING CAST(value AS INTEGER) AS n",
                [count.into()],
            ))
            .one(conn)
            .await?
            .ok_or_else(|| {
                AppError::internal(DbErr::RecordNotFound("order number counter".into()))
            })?
            .n;
            (next - count..next).collect()
        }
    };
    Ok(numbers.into_iter().map(|n| n.to_string()).collect())
}

/// Saves the distinct addresses of an order's lines once each (seed 003: lines
/// going to the same place share one addressbook row). Returns one id per line.
async fn save_line_addresses<C: ConnectionTrait>(
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
    for chunk in rows.chunks(500) {
        order_line::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Creates the order of `new` inside `conn`'s transaction, with its customer,
/// addresses and lines. `Ok(None)` when a unique key is taken: (source,
/// externalId) by a concurrent creator, or (source, reference).
async fn create<C: ConnectionTrait>(conn: &C, new: &NewOrder) -> AppResult<Option<order::Model>> {
    let customer = resolve_customer(conn, &new.customer, "customerId").await?;
    let customer_id = customer.as_ref().map(|c| c.id);
    let shipping = match &new.shipping_address {
        Some(a) => Some(save_address(conn, customer_id, a, "shippingAddress").await?),
        None => None,
    };
    let billing = match &new.billing_address {
        Some(a) if Some(a) == new.shipping_address.as_ref() => shipping,
        Some(a) => Some(save_address(conn, customer_id, a, "billingAddress").await?),
        None => None,
    };
    let mut names = new.inline_address_names();
    for (input, id) in [
        (&new.shipping_address, shipping),
        (&new.billing_address, billing),
    ] {
        if let (Some(AddressInput { id: Some(_), .. }), Some(id)) = (input, id)
            && let Some(saved) = addressbook::Entity::find_by_id(id).one(conn).await?
        {
            names.extend(super::search::address_names(&saved));
        }
    }
    let number = reserve_numbers(conn, 1).await?.pop().unwrap_or_default();
    let row = new.to_row(number, customer.as_ref(), shipping, billing, &names);
    // The many-row form reports "nothing inserted" as an empty list on both
    // backends (the single-row form errors differently per backend).
    let inserted = order::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .try_insert()
        .exec_with_returning_many(conn)
        .await?;
    let order = match inserted {
        TryInsertResult::Inserted(mut orders) if !orders.is_empty() => orders.swap_remove(0),
        _ => return Ok(None),
    };
    let address_ids = save_line_addresses(conn, customer_id, &new.lines, "lines").await?;
    insert_lines(conn, order.id, &new.lines, &address_ids).await?;
    Ok(Some(order))
}

fn created_event(order: &order::Model, kind: OrderEventKind, actor: &str) -> NewEvent {
    let mut event = NewEvent::new(order.id, kind, actor);
    event.to_status = order.status.parse().ok();
    event.data = Some(json!({
        "number": order.number,
        "source": order.source,
        "externalId": order.external_id,
        "grossTotal": order.gross_total,
        "currency": order.currency,
    }));
    event
}

fn reference_taken(new: &NewOrder) -> AppError {
    AppError::Conflict {
        message: format!(
            "reference: the source \"{}\" already has an order with reference \"{}\"",
            new.source,
            new.reference.as_deref().unwrap_or_default()
        ),
        current_version: None,
    }
}

/// Places a new order.
pub async fn place(
    db: &DatabaseConnection,
    defaults: Defaults<'_>,
    actor: &str,
    input: PlaceOrderInput,
) -> AppResult<order::Model> {
    // Validation and the catalogue read happen before the write transaction, so
    // SQLite's write lock is held only for the writes.
    let catalog = Catalog::load(db, input.lines.iter()).await?;
    let new = NewOrder::from_place(&input, &catalog, defaults).map_err(AppError::invalid)?;
    let txn = db::begin_write(db).await?;
    let order = create(&txn, &new)
        .await?
        .ok_or_else(|| reference_taken(&new))?;
    events::append(
        &txn,
        vec![created_event(&order, OrderEventKind::Created, actor)],
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

async fn find_for_update<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    external_id: &str,
) -> AppResult<Option<order::Model>> {
    // FOR UPDATE on PostgreSQL serializes concurrent upserts of one order;
    // SQLite's write transaction already does.
    Ok(order::Entity::find()
        .filter(order::Column::Source.eq(source))
        .filter(order::Column::ExternalId.eq(external_id))
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// Creates or updates the order keyed by (source, externalId). Returns the
/// order and whether it was created.
pub async fn upsert(
    db: &DatabaseConnection,
    defaults: Defaults<'_>,
    actor: &str,
    input: UpsertOrderInput,
) -> AppResult<(order::Model, bool)> {
    let catalog = Catalog::load(db, input.lines.iter().flatten()).await?;
    let new = NewOrder::from_upsert(&input, &catalog, defaults, "").map_err(AppError::invalid)?;
    let external_id = new.external_id.clone().unwrap_or_default();
    let txn = db::begin_write(db).await?;
    let existing = match find_for_update(&txn, &new.source, &external_id).await? {
        Some(existing) => existing,
        None => match create(&txn, &new).await? {
            Some(order) => {
                events::append(
                    &txn,
                    vec![created_event(&order, OrderEventKind::Created, actor)],
                )
                .await?;
                txn.commit().await?;
                return Ok((order, true));
            }
            // Someone created it meanwhile (their insert won the unique index):
            // this call becomes an update of their order.
            None => find_for_update(&txn, &new.source, &external_id)
                .await?
                .ok_or_else(|| reference_taken(&new))?,
        },
    };
    let updated = update(&txn, existing, &input, &new, actor).await?;
    txn.commit().await?;
    Ok((updated, false))
}

/// Whether a stored address holds what `input` describes.
fn same_address(stored: &addressbook::Model, input: &AddressInput) -> bool {
    if let Some(id) = &input.id {
        return id.parse::<i64>().ok() == Some(stored.id);
    }
    let clean = super::draft::clean;
    clean(&input.name) == stored.name
        && clean(&input.first_name) == stored.first_name
        && clean(&input.last_name) == stored.last_name
        && clean(&input.company_name) == stored.company_name
        && clean(&input.address1) == stored.address1
        && clean(&input.address2) == stored.address2
        && clean(&input.postal_code) == stored.postal_code
        && clean(&input.city) == stored.city
        && clean(&input.province) == stored.province
        && clean(&input.country).map(|c| c.to_ascii_uppercase()) == stored.country
        && clean(&input.phone) == stored.phone
        && clean(&input.comments) == stored.comments
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
        && same_address(&stored, input)
    {
        return Ok(Some(current_id));
    }
    Ok(Some(save_address(conn, customer_id, input, path).await?))
}

/// The search text of `order` as it now is, with its addresses' names.
async fn search_text_of<C: ConnectionTrait>(conn: &C, order: &order::Model) -> AppResult<String> {
    let ids: Vec<i64> = [order.shipping_address_id, order.billing_address_id]
        .into_iter()
        .flatten()
        .collect();
    let mut names = Vec::new();
    if !ids.is_empty() {
        for address in addressbook::Entity::find()
            .filter(addressbook::Column::Id.is_in(ids))
            .all(conn)
            .await?
        {
            names.extend(super::search::address_names(&address));
        }
    }
    Ok(super::search::text(order, &names))
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
async fn update<C: ConnectionTrait>(
    conn: &C,
    existing: order::Model,
    input: &UpsertOrderInput,
    new: &NewOrder,
    actor: &str,
) -> AppResult<order::Model> {
    let mut next = existing.clone();
    if input.status.is_some() {
        next.status = new.status.as_str().to_owned();
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
    }
    if input.customer_name.is_some() {
        next.customer_name = new.customer_name.clone();
    }
    if input.currency.is_some() {
        next.currency = new.currency.clone();
    }
    if input.payment_status.is_some() {
        next.payment_status = new.payment_status.map(|p| p.as_str().to_owned());
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
    if input.submitted_at.is_some() {
        next.submitted_at = new.submitted_at;
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
    let reprice =
        replace_lines || input.shipping_costs.is_some() || input.discount_percentage.is_some();
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
        let priced: Vec<_> = if input.lines.is_some() {
            new.lines.iter().map(|l| (l.pricing, l.amounts)).collect()
        } else {
            old_lines
                .iter()
                .map(|l| {
                    let pricing = LinePricing {
                        quantity: l.quantity,
                        price: l.price,
                        discount_percentage: l.discount_percentage,
                        vat_percentage: l.vat_percentage,
                    };
                    pricing.amounts().map(|a| (pricing, a))
                })
                .collect::<Result<_, _>>()
                .map_err(|e| AppError::invalid_field("lines", e.to_string()))?
        };
        let t = pricing::order_totals(&priced, order_pricing)
            .map_err(|e| AppError::invalid_field("total", e.to_string()))?;
        next.total_quantity = t.total_quantity;
        next.products_before_discount = t.products_before_discount;
        next.discount_percentage = t.discount_percentage;
        next.discount_total = t.discount_total;
        next.total_before_vat = t.total_before_vat;
        next.total_vat = t.total_vat;
        next.shipping_costs = t.shipping_costs;
        next.gross_total = t.gross_total;
    }
    if let Some(total) = input.total {
        next.gross_total = total;
    }
    if let Some(tax) = input.total_tax {
        next.total_vat = tax;
    }
    next.paid_amount = paid_amount(
        next.payment_status
            .as_deref()
            .and_then(super::inputs::PaymentStatus::parse),
        next.gross_total,
    );

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
        event.from_status = existing.status.parse().ok();
        event.to_status = saved.status.parse().ok();
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
    events::append(conn, events).await?;
    Ok(saved)
}

/// The lines of an order, by position.
async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .order_by_asc(order_line::Column::Id)
        .all(conn)
        .await
}

/// The lines of an order, by position.
pub async fn lines(db: &DatabaseConnection, order_id: i64) -> AppResult<Vec<order_line::Model>> {
    Ok(lines_of(db, order_id).await?)
}

/// The lines of several orders in one statement, by order then position.
pub async fn lines_of_orders(
    db: &DatabaseConnection,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<order_line::Model>>> {
    let mut grouped: HashMap<i64, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.iter().copied()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?
    {
        grouped.entry(line.order_id).or_default().push(line);
    }
    Ok(grouped)
}

/// An order by id.
pub async fn get(db: &DatabaseConnection, id: i64) -> AppResult<Option<order::Model>> {
    Ok(order::Entity::find_by_id(id).one(db).await?)
}

/// An order by its (source, externalId) key.
pub async fn get_by_external_id(
    db: &DatabaseConnection,
    source: &str,
    external_id: &str,
) -> AppResult<Option<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::Source.eq(source.trim()))
        .filter(order::Column::ExternalId.eq(external_id.trim()))
        .one(db)
        .await?)
}

/// Orders by id, for results that name several.
pub async fn get_many(
    db: &DatabaseConnection,
    ids: &[i64],
) -> AppResult<HashMap<i64, order::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn column_names_become_graphql_names() {
        assert_eq!(camel("gross_total"), "grossTotal");
        assert_eq!(camel("status"), "status");
    }

    #[test]
    fn a_status_string_is_a_workflow_status() {
        use crate::orders::workflow::OrderStatus;
        assert_eq!(
            "SHIPPED".parse::<OrderStatus>().ok(),
            Some(OrderStatus::Shipped)
        );
    }
}
