//! placeOrder: a new order with its customer, addresses, lines and CREATED
//! event in one transaction. The unique indexes decide races between
//! concurrent creators, never a read-then-write check.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, Statement,
    TryInsertResult,
};
use serde_json::json;

use super::draft::{Defaults, NewOrder};
use super::inputs::PlaceOrderInput;
use crate::auth::Principal;
use crate::customers::inputs::AddressInput;
use crate::customers::service::{resolve as resolve_customer, save_address};
use crate::db::Db;
use crate::entities::{addressbook, order};
use crate::error::{AppError, AppResult};
use crate::events::{self, NewEvent, OrderEventKind};
use crate::ids::{NodeKind, global_id};
use crate::lines::draft::catalog_for;
use crate::lines::service::{insert_lines, save_line_addresses};

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

/// Inserts `row` with the next order number from PostgreSQL's sequence, in
/// the one statement: `INSERT ... SELECT` from a one-row subquery that takes
/// the number, which goes into `number` and at the head of `search_text`
/// (the row's `search_text` holds the rest), instead of a round trip for the
/// number first. `None` when a unique key is taken (its number is spent, as
/// with any sequence).
async fn insert_numbered<C: ConnectionTrait>(
    conn: &C,
    row: order::ActiveModel,
) -> AppResult<Option<order::Model>> {
    use sea_orm::sea_query::extension::postgres::PgExpr;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use sea_orm::{ActiveModelTrait, ActiveValue, Iterable};

    let number = Alias::new("next_number");
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in order::Column::iter() {
        let ActiveValue::Set(value) = row.get(column) else {
            continue;
        };
        columns.push(column);
        values.push(match column {
            order::Column::Number => Expr::col(number.clone()),
            order::Column::SearchText => {
                let rest = Expr::val(value);
                Expr::case(ExprTrait::eq(rest.clone(), ""), Expr::col(number.clone()))
                    .finally(Expr::col(number.clone()).concat(" ").concat(rest))
                    .into()
            }
            _ => Expr::val(value),
        });
    }
    let mut source = Query::select();
    source.exprs(values).from_subquery(
        Query::select()
            .expr_as(
                Expr::cust("nextval('order_number_seq')::text"),
                number.clone(),
            )
            .to_owned(),
        Alias::new("numbered"),
    );
    let mut insert = Query::insert();
    insert
        .into_table(order::Entity)
        .columns(columns)
        .select_from(source)
        .map_err(AppError::internal)?
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_all();
    let statement = conn.get_database_backend().build(&insert);
    Ok(order::Model::find_by_statement(statement).one(conn).await?)
}

/// What a new order does when its customer is archived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArchivedCustomer {
    /// Refuse it: an archived customer places no new orders.
    Refuse,
    /// Take it: the order already happened on the source platform (sync).
    Accept,
}

/// BAD_USER_INPUT at the field that named the archived customer.
fn archived(new: &NewOrder) -> AppError {
    let path = if new.customer.id.is_some() {
        "customerId"
    } else if new.customer.external_id.is_some() {
        "customerExternalId"
    } else {
        "customerEmail"
    };
    AppError::invalid_field(
        path,
        "the customer is archived and places no new orders (restoreCustomer brings it back)",
    )
}

/// Creates the order of `new` inside `conn`'s transaction, with its customer,
/// addresses and lines. `Ok(None)` when a unique key is taken: (source,
/// externalId) by a concurrent creator, or (source, reference).
pub(super) async fn create<C: ConnectionTrait>(
    conn: &C,
    new: &NewOrder,
    if_archived: ArchivedCustomer,
) -> AppResult<Option<order::Model>> {
    // The customer row stays share-locked until commit, so it cannot be
    // archived or deleted between this check and the order's insert.
    let customer = resolve_customer(conn, &new.customer, "customerId").await?;
    if if_archived == ArchivedCustomer::Refuse
        && customer.as_ref().is_some_and(|c| c.archived_at.is_some())
    {
        return Err(archived(new));
    }
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
    let mut terms = new.inline_search_terms();
    for (input, id, is_billing) in [
        (&new.shipping_address, shipping, false),
        (&new.billing_address, billing, true),
    ] {
        if let (Some(AddressInput { id: Some(_), .. }), Some(id)) = (input, id)
            && let Some(saved) = addressbook::Entity::find_by_id(id).one(conn).await?
        {
            terms.extend(super::search::address_terms(&saved, is_billing));
        }
    }
    let order = if conn.get_database_backend() == DatabaseBackend::Postgres {
        let row = new.to_row(String::new(), customer.as_ref(), shipping, billing, &terms);
        insert_numbered(conn, row).await?
    } else {
        let number = reserve_numbers(conn, 1).await?.pop().unwrap_or_default();
        let row = new.to_row(number, customer.as_ref(), shipping, billing, &terms);
        // The many-row form reports "nothing inserted" as an empty list on
        // both backends (the single-row form errors differently per backend).
        let inserted = order::Entity::insert(row)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec_with_returning_many(conn)
            .await?;
        match inserted {
            TryInsertResult::Inserted(mut orders) if !orders.is_empty() => {
                Some(orders.swap_remove(0))
            }
            _ => None,
        }
    };
    let Some(order) = order else {
        return Ok(None);
    };
    let address_ids = save_line_addresses(conn, customer_id, &new.lines, "lines").await?;
    insert_lines(conn, order.id, &new.lines, &address_ids).await?;
    Ok(Some(order))
}

pub(super) fn created_event(order: &order::Model, kind: OrderEventKind, actor: &str) -> NewEvent {
    let mut event = NewEvent::new(order.id, kind, actor);
    event.to_status = Some(order.status);
    event.data = Some(json!({
        "number": order.number,
        "source": order.source,
        "externalId": order.external_id,
        "grossTotal": order.gross_total,
        "currency": order.currency,
    }));
    event
}

pub(super) fn reference_taken(new: &NewOrder) -> AppError {
    AppError::Conflict {
        message: format!(
            "reference: the source \"{}\" already has an order with reference \"{}\"",
            new.source,
            new.reference.as_deref().unwrap_or_default()
        ),
        current_version: None,
    }
}

/// What a customer's order may not set (the shop sets these), checked for
/// every interface that places orders; then binds the order to the
/// customer. Other roles pass unchanged. FORBIDDEN names every refused
/// field, each through `name` (an interface's own name for the GraphQL path
/// `lines.0.price`).
pub fn bind_to_customer(
    principal: &Principal,
    input: &mut PlaceOrderInput,
    name: impl Fn(&str) -> String,
) -> AppResult<()> {
    let Some(own) = principal.policy().customer_scope() else {
        return Ok(());
    };
    let mut refused = Vec::new();
    for (given, field) in [
        (input.total.is_some(), "total"),
        (input.total_tax.is_some(), "totalTax"),
        (
            input
                .status
                .is_some_and(|s| s != super::workflow::OrderStatus::Pending),
            "status",
        ),
        (input.payment_status.is_some(), "paymentStatus"),
        (input.source.is_some(), "source"),
        (input.test.is_some(), "test"),
        (input.shipping_costs.is_some(), "shippingCosts"),
        (input.discount_percentage.is_some(), "discountPercentage"),
        (input.user_id.is_some(), "userId"),
    ] {
        if given {
            refused.push(field.to_owned());
        }
    }
    for (i, line) in input.lines.iter().enumerate() {
        // Customers order catalogue products at catalogue prices (seed 003).
        if line.product_id.is_none() && line.product_code.is_none() {
            refused.push(format!("lines.{i}.productCode"));
        }
        for (given, field) in [
            (line.price.is_some(), "price"),
            (line.vat_percentage.is_some(), "vatPercentage"),
            (line.discount_percentage.is_some(), "discountPercentage"),
        ] {
            if given {
                refused.push(format!("lines.{i}.{field}"));
            }
        }
    }
    if !refused.is_empty() {
        let fields = refused
            .iter()
            .map(|path| name(path))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(AppError::Forbidden(format!(
            "Customers cannot set: {fields}"
        )));
    }
    input.customer_id = Some(global_id(NodeKind::Customer, own));
    input.customer_external_id = None;
    input.customer_email = None;
    Ok(())
}

/// Places a new order.
#[tracing::instrument(name = "orders.place", skip_all, fields(order.lines = input.lines.len()))]
pub async fn place(
    db: &Db,
    defaults: Defaults<'_>,
    actor: &str,
    input: PlaceOrderInput,
) -> AppResult<order::Model> {
    // Validation and the catalogue read happen before the write transaction, so
    // SQLite's write lock is held only for the writes.
    let catalog = catalog_for(db, input.lines.iter()).await?;
    let new = NewOrder::from_place(&input, &catalog, defaults).map_err(AppError::invalid)?;
    let txn = db.begin_write().await?;
    let order = create(&txn, &new, ArchivedCustomer::Refuse)
        .await?
        .ok_or_else(|| reference_taken(&new))?;
    crate::payments::mirror::record_opening(&txn, &[&order], actor).await?;
    events::append(
        &txn,
        vec![created_event(&order, OrderEventKind::Created, actor)],
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}
