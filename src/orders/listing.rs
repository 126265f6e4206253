//! `orders(...)`: filters as one SQL condition, any sort with the id as the
//! last tie-breaker, and two ways to page: Relay cursors (keyset: a cursor
//! holds the sort values of its row, so it stays valid while orders arrive) or
//! page numbers (offset). Stats reuse the same filter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Days, NaiveTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Value,
};
use serde_json::{Value as Json, json};

use super::inputs::{OrderFilter, OrderOrderBy, OrderSortField, SortDirection};
use super::workflow::OrderStatus;
use crate::db::{Db, contains_pattern};
use crate::entities::{PrefixedNames, addressbook, customer, order, order_admin_field};
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{self, NodeKind};
use crate::scalars::Date;

/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page; bigger asks are capped to it.
pub const MAX_PAGE_SIZE: u64 = 100;

fn day_start(date: Date) -> DateTime<Utc> {
    date.0.and_time(NaiveTime::MIN).and_utc()
}

fn next_day_start(date: Date) -> DateTime<Utc> {
    day_start(Date(
        date.0.checked_add_days(Days::new(1)).unwrap_or(date.0),
    ))
}

/// The SQL condition of `filter`; BAD_USER_INPUT for ids that are not ids.
pub fn condition(filter: &OrderFilter) -> AppResult<Condition> {
    let mut errors = Vec::new();
    let mut cond = Condition::all();
    if let Some(ids) = &filter.ids {
        let parsed: Vec<i64> = ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                ids::parse_into(id, NodeKind::Order, &format!("filter.ids.{i}"), &mut errors)
            })
            .collect();
        cond = cond.add(order::Column::Id.is_in(parsed));
    }
    if let Some(statuses) = &filter.statuses {
        cond = cond.add(order::Column::Status.is_in(statuses.iter().copied()));
    }
    if filter.active_only == Some(true) {
        let inactive = OrderStatus::ALL.into_iter().filter(|s| !s.is_active());
        cond = cond.add(order::Column::Status.is_not_in(inactive));
    }
    if let Some(id) = &filter.customer_id
        && let Some(id) = ids::parse_into(id, NodeKind::Customer, "filter.customerId", &mut errors)
    {
        cond = cond.add(order::Column::CustomerId.eq(id));
    }
    if let Some(external) = &filter.customer_external_id {
        cond = cond.add(
            order::Column::CustomerId.in_subquery(
                Query::select()
                    .column(customer::Column::Id)
                    .from(customer::Entity)
                    .and_where(customer::Column::ExternalId.eq(external.trim()))
                    .to_owned(),
            ),
        );
    }
    if let Some(source) = &filter.source {
        cond = cond.add(order::Column::Source.eq(source.trim()));
    }
    if let Some(user_id) = &filter.user_id {
        cond = cond.add(order::Column::UserId.eq(user_id.trim()));
    }
    if let Some(statuses) = &filter.payment_statuses {
        cond = cond.add(order::Column::PaymentStatus.is_in(statuses.iter().copied()));
    }
    if let Some(test) = filter.test {
        cond = cond.add(order::Column::Test.eq(test));
    }
    if let Some(search) = &filter.search
        && search.chars().count() > crate::validate::MAX_SEARCH_CHARS
    {
        errors.push(FieldError::new(
            "filter.search",
            format!("at most {} characters", crate::validate::MAX_SEARCH_CHARS),
        ));
    }
    if let Some(term) = filter
        .search
        .as_deref()
        .filter(|s| s.chars().count() <= crate::validate::MAX_SEARCH_CHARS)
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
    {
        cond = cond.add(
            Expr::col((order::Entity, order::Column::SearchText)).like(contains_pattern(&term)),
        );
    }
    if let Some(from) = filter.date_from {
        cond = cond.add(order::Column::SubmittedAt.gte(day_start(from)));
    }
    if let Some(to) = filter.date_to {
        cond = cond.add(order::Column::SubmittedAt.lt(next_day_start(to)));
    }
    if let (Some(from), Some(to)) = (filter.date_from, filter.date_to)
        && from > to
    {
        errors.push(FieldError::new("filter.dateTo", "is before dateFrom"));
    }
    if let Some(from) = filter.submitted_from {
        cond = cond.add(order::Column::SubmittedAt.gte(from.0));
    }
    if let Some(day) = filter.submitted_on {
        cond = cond
            .add(order::Column::SubmittedAt.gte(day_start(day)))
            .add(order::Column::SubmittedAt.lt(next_day_start(day)));
    }
    if let Some(min) = filter.total_min {
        cond = cond.add(order::Column::GrossTotal.gte(min));
    }
    if let Some(max) = filter.total_max {
        cond = cond.add(order::Column::GrossTotal.lte(max));
    }
    match filter.has_tracking {
        Some(true) => cond = cond.add(order::Column::TrackingCode.is_not_null()),
        Some(false) => cond = cond.add(order::Column::TrackingCode.is_null()),
        None => {}
    }
    if let Some(field) = &filter.admin_field {
        let mut sub = Query::select();
        sub.column(order_admin_field::Column::OrderId)
            .from(order_admin_field::Entity)
            .and_where(order_admin_field::Column::Name.eq(field.name.trim()));
        if let Some(value) = &field.value {
            sub.and_where(order_admin_field::Column::Value.eq(value.as_str()));
        }
        cond = cond.add(order::Column::Id.in_subquery(sub.to_owned()));
    }
    cond = crate::tags::service::filter(
        cond,
        filter.tags_any.as_deref(),
        false,
        "filter.tagsAny",
        &mut errors,
    );
    cond = crate::tags::service::filter(
        cond,
        filter.tags_all.as_deref(),
        true,
        "filter.tagsAll",
        &mut errors,
    );
    if errors.is_empty() {
        Ok(cond)
    } else {
        Err(AppError::invalid(errors))
    }
}

/// How a sort key is compared in SQL and carried in a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Time,
    Int,
    Text,
}

#[derive(Clone, Debug)]
struct Key {
    expr: SimpleExpr,
    kind: KeyKind,
    descending: bool,
    name: &'static str,
}

fn keys_of(order_by: &[OrderOrderBy]) -> Vec<Key> {
    let mut keys = Vec::new();
    for by in order_by {
        let descending = by.direction == SortDirection::Desc;
        let mut push = |expr: SimpleExpr, kind, name| {
            keys.push(Key {
                expr,
                kind,
                descending,
                name,
            })
        };
        match by.field {
            OrderSortField::CreatedAt => push(
                Expr::col((order::Entity, order::Column::CreatedAt)),
                KeyKind::Time,
                "CREATED_AT",
            ),
            OrderSortField::SubmittedAt => push(
                Expr::col((order::Entity, order::Column::SubmittedAt)),
                KeyKind::Time,
                "SUBMITTED_AT",
            ),
            OrderSortField::UpdatedAt => push(
                Expr::col((order::Entity, order::Column::UpdatedAt)),
                KeyKind::Time,
                "UPDATED_AT",
            ),
            OrderSortField::GrossTotal => push(
                Expr::col((order::Entity, order::Column::GrossTotal)),
                KeyKind::Int,
                "GROSS_TOTAL",
            ),
            OrderSortField::Number => {
                // Numbers are digit strings that grow in length: (length, text)
                // is numeric order (see the ix_orders_number_sort index).
                // LENGTH(number), as the index has it (qualified: a page may
                // join other tables; PostgreSQL matches the parsed expression,
                // so the index still serves it).
                push(
                    Expr::cust("LENGTH(orders.number)"),
                    KeyKind::Int,
                    "NUMBER_LENGTH",
                );
                push(
                    Expr::col((order::Entity, order::Column::Number)),
                    KeyKind::Text,
                    "NUMBER",
                );
            }
            OrderSortField::Status => push(
                Expr::col((order::Entity, order::Column::Status)),
                KeyKind::Text,
                "STATUS",
            ),
        }
    }
    // The id breaks ties, in the direction of the last key, so every order has
    // exactly one place.
    let descending = keys.last().is_some_and(|k| k.descending);
    keys.push(Key {
        expr: Expr::col((order::Entity, order::Column::Id)),
        kind: KeyKind::Int,
        descending,
        name: "ID",
    });
    keys
}

fn key_value(key: &Key, row: &order::Model) -> Json {
    match key.name {
        "CREATED_AT" => json!(row.created_at.to_rfc3339()),
        "SUBMITTED_AT" => json!(row.submitted_at.to_rfc3339()),
        "UPDATED_AT" => json!(row.updated_at.to_rfc3339()),
        "GROSS_TOTAL" => json!(row.gross_total.scaled()),
        "NUMBER_LENGTH" => json!(row.number.chars().count()),
        "NUMBER" => json!(row.number),
        "STATUS" => json!(row.status),
        _ => json!(row.id),
    }
}

fn signature(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| format!("{}:{}", k.name, if k.descending { "D" } else { "A" }))
        .collect::<Vec<_>>()
        .join(",")
}

/// The opaque cursor of `row` under `keys`.
fn encode_cursor(keys: &[Key], row: &order::Model) -> String {
    let values: Vec<Json> = keys.iter().map(|k| key_value(k, row)).collect();
    URL_SAFE_NO_PAD.encode(json!({"o": signature(keys), "v": values}).to_string())
}

fn decode_cursor(keys: &[Key], cursor: &str, path: &str) -> AppResult<Vec<Value>> {
    let bad = || {
        AppError::invalid_field(
            path,
            "is not a cursor of this list (cursors depend on orderBy)",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let parsed: Json = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if parsed["o"].as_str() != Some(signature(keys).as_str()) {
        return Err(bad());
    }
    let values = parsed["v"].as_array().ok_or_else(bad)?;
    if values.len() != keys.len() {
        return Err(bad());
    }
    keys.iter()
        .zip(values)
        .map(|(key, value)| match key.kind {
            KeyKind::Time => value
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| Value::from(t.with_timezone(&Utc)))
                .ok_or_else(bad),
            KeyKind::Int => value.as_i64().map(Value::from).ok_or_else(bad),
            KeyKind::Text => value
                .as_str()
                .map(|s| Value::from(s.to_owned()))
                .ok_or_else(bad),
        })
        .collect()
}

/// Rows strictly after `values` in the order of `keys` (before, when
/// `backward`): (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...
fn after_condition(keys: &[Key], values: &[Value], backward: bool) -> Condition {
    let mut any = Condition::any();
    for i in 0..keys.len() {
        let mut all = Condition::all();
        for j in 0..i {
            all = all.add(keys[j].expr.clone().eq(values[j].clone()));
        }
        let greater = keys[i].descending == backward;
        let cmp = if greater {
            keys[i].expr.clone().gt(values[i].clone())
        } else {
            keys[i].expr.clone().lt(values[i].clone())
        };
        any = any.add(all.add(cmp));
    }
    any
}

/// How the caller pages.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub page: Option<i32>,
    pub per_page: Option<i32>,
}

fn page_size(value: Option<i32>, path: &str, errors: &mut Vec<FieldError>) -> u64 {
    match value {
        None => DEFAULT_PAGE_SIZE,
        Some(n) if n < 1 => {
            errors.push(FieldError::new(path, "must be at least 1"));
            DEFAULT_PAGE_SIZE
        }
        Some(n) if i64::from(n) > MAX_PAGE_SIZE as i64 => {
            errors.push(FieldError::new(
                path,
                format!("at most {MAX_PAGE_SIZE}; page through larger sets"),
            ));
            MAX_PAGE_SIZE
        }
        Some(n) => <u64 as TryFrom<i32>>::try_from(n).unwrap_or(DEFAULT_PAGE_SIZE),
    }
}

/// One listed order with its cursor.
pub struct Listed {
    pub cursor: String,
    pub order: order::Model,
}

/// What a page's one statement reads besides its orders, so that a nested
/// page does not need a statement each for them: the count of all matching
/// orders (an uncorrelated subquery, computed once) and the customers and
/// addresses the page's orders point to (left joins).
#[derive(Clone, Copy, Debug, Default)]
pub struct Include {
    pub total_count: bool,
    /// The condition selects every order (no filter, no scope): the count
    /// is read from the order count's deltas ([`super::count`]) instead of
    /// counting rows.
    pub all_orders: bool,
    pub customer: bool,
    pub shipping_address: bool,
    pub billing_address: bool,
}

/// Column prefixes of the joined tables in a page's rows (no column of
/// `orders` starts with one), and the aliases of the joined tables.
const CUSTOMER: &str = "cu_";
const SHIPPING: &str = "sa_";
const BILLING: &str = "ba_";
const TOTAL_COUNT: &str = "total_count__";

/// The joined tables' column names under their prefixes.
struct Prefixed {
    customer: PrefixedNames,
    shipping: PrefixedNames,
    billing: PrefixedNames,
}

static PREFIXED: std::sync::LazyLock<Prefixed> = std::sync::LazyLock::new(|| Prefixed {
    customer: PrefixedNames::new::<customer::Column>(CUSTOMER),
    shipping: PrefixedNames::new::<addressbook::Column>(SHIPPING),
    billing: PrefixedNames::new::<addressbook::Column>(BILLING),
});

/// A page of orders.
pub struct ListPage {
    pub rows: Vec<Listed>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// The filter, for `totalCount`.
    pub condition: Condition,
    /// The count of all matching orders, when it was read with the page.
    pub total_count: Option<i64>,
    /// What was read with the page.
    pub included: Include,
    /// The customers and addresses read with the page ([`Include`]).
    pub customers: Vec<customer::Model>,
    pub addresses: Vec<addressbook::Model>,
}

/// The default order: newest business date first, id as the tie-breaker.
pub const DEFAULT_ORDER: [OrderOrderBy; 1] = [OrderOrderBy {
    field: OrderSortField::SubmittedAt,
    direction: SortDirection::Desc,
}];

/// One page of the orders matching `condition`.
#[tracing::instrument(name = "orders.list", skip_all)]
pub async fn list(
    db: &Db,
    condition: Condition,
    order_by: &[OrderOrderBy],
    args: PageArgs,
    include: Include,
) -> AppResult<ListPage> {
    let mut errors = Vec::new();
    let cursors = args.first.is_some()
        || args.after.is_some()
        || args.last.is_some()
        || args.before.is_some();
    let pages = args.page.is_some() || args.per_page.is_some();
    if cursors && pages {
        errors.push(FieldError::new(
            "page",
            "page numbers (page/perPage) and cursors (first/after/last/before) cannot be combined",
        ));
    }
    if args.first.is_some() && args.last.is_some() {
        errors.push(FieldError::new("last", "give first or last, not both"));
    }
    if args.after.is_some() && args.last.is_some() || args.before.is_some() && args.first.is_some()
    {
        errors.push(FieldError::new(
            "after",
            "page forward with first/after or backward with last/before",
        ));
    }
    let order_by = if order_by.is_empty() {
        &DEFAULT_ORDER[..]
    } else {
        order_by
    };
    let keys = keys_of(order_by);
    let backward = args.last.is_some() || args.before.is_some();
    let size = if backward {
        page_size(args.last, "last", &mut errors)
    } else if pages {
        page_size(args.per_page, "perPage", &mut errors)
    } else {
        page_size(args.first, "first", &mut errors)
    };
    let page = match args.page {
        Some(p) if p < 1 => {
            errors.push(FieldError::new("page", "must be at least 1"));
            1
        }
        Some(p) => u64::try_from(p).unwrap_or(1),
        None => 1,
    };
    let cursor = match (&args.after, &args.before) {
        (Some(after), _) => Some(decode_cursor(&keys, after, "after")),
        (_, Some(before)) => Some(decode_cursor(&keys, before, "before")),
        _ => None,
    };
    let cursor = match cursor.transpose() {
        Ok(cursor) => cursor,
        Err(AppError::BadUserInput { fields, .. }) => {
            errors.extend(fields);
            None
        }
        Err(other) => return Err(other),
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let mut query = order::Entity::find().filter(condition.clone());
    if let Some(values) = &cursor {
        query = query.filter(after_condition(&keys, values, backward).into_condition());
    }
    for key in &keys {
        let ascending = key.descending == backward;
        query = query.order_by(
            key.expr.clone(),
            if ascending { Order::Asc } else { Order::Desc },
        );
    }
    if pages {
        query = query.offset((page - 1) * size);
    }
    let backend = db.get_database_backend();
    // On PostgreSQL the page's size is written into the statement, not
    // bound: with `LIMIT $n` PostgreSQL cannot cost a generic plan (it
    // assumes a tenth of the table), so it planned the page's joins anew on
    // every execution, which took it longer than running them. With the
    // size as a literal (a number computed here, never the caller's text) a
    // cursor page's statement keeps its generic plan. PostgreSQL takes
    // `OFFSET` before `LIMIT`; SQLite does not, and plans cheaply anyway.
    let literal_limit = backend == sea_orm::DbBackend::Postgres;
    let query = if literal_limit {
        query
    } else {
        query.limit(size + 1)
    };
    let query = joined(query, &condition, include);
    let mut rows = Vec::new();
    let (mut total_count, mut customers, mut addresses) = (None, Vec::new(), Vec::new());
    let mut statement = sea_orm::QueryTrait::build(&query, backend);
    if literal_limit {
        use std::fmt::Write;
        let _ = write!(statement.sql, " LIMIT {}", size + 1);
    }
    for row in db.query_all_raw(statement).await? {
        if include.total_count {
            total_count = Some(row.try_get::<i64>("", TOTAL_COUNT)?);
        }
        if include.customer
            && let Some(customer) = customer::Model::from_prefixed(&row, &PREFIXED.customer)?
        {
            customers.push(customer);
        }
        for (wanted, names) in [
            (include.shipping_address, &PREFIXED.shipping),
            (include.billing_address, &PREFIXED.billing),
        ] {
            if wanted && let Some(address) = addressbook::Model::from_prefixed(&row, names)? {
                addresses.push(address);
            }
        }
        rows.push(order::Model::from_row(&row)?);
    }
    if include.total_count && rows.is_empty() {
        // Past the last page the statement returns no row to carry the count.
        total_count = Some(if include.all_orders {
            super::count::all_orders(db).await?
        } else {
            count(db, condition.clone()).await?
        });
    }
    let more = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let (has_next_page, has_previous_page) = if pages {
        (more, page > 1)
    } else if backward {
        (args.before.is_some(), more)
    } else {
        (more, args.after.is_some())
    };
    Ok(ListPage {
        rows: rows
            .into_iter()
            .map(|order| Listed {
                cursor: encode_cursor(&keys, &order),
                order,
            })
            .collect(),
        has_next_page,
        has_previous_page,
        condition,
        total_count,
        included: include,
        customers,
        addresses,
    })
}

/// `select` with what `include` asks for: the count as an uncorrelated
/// subquery (the database computes it once, not per row), and the customer
/// and both addresses left-joined under their own aliases, only their
/// columns prefixed (see `lines::loaders::with_address` for why).
fn joined(
    mut select: sea_orm::Select<order::Entity>,
    condition: &Condition,
    include: Include,
) -> sea_orm::Select<order::Entity> {
    use sea_orm::sea_query::{Alias, SubQueryStatement};
    use sea_orm::{Iterable, JoinType, QueryTrait};

    if include.total_count && include.all_orders {
        select = select.column_as(super::count::all_orders_expr(), TOTAL_COUNT);
    } else if include.total_count {
        let count = order::Entity::find()
            .filter(condition.clone())
            .select_only()
            .column_as(Expr::col(sea_orm::sea_query::Asterisk).count(), "n")
            .into_query();
        select = select.column_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(count))),
            TOTAL_COUNT,
        );
    }
    if include.customer {
        let alias = Alias::new("cu");
        let relation = order::Entity::belongs_to(customer::Entity)
            .from(order::Column::CustomerId)
            .to(customer::Column::Id)
            .into();
        select = select.join_as(JoinType::LeftJoin, relation, alias.clone());
        for col in customer::Column::iter() {
            select = select.column_as(
                col.select_as(Expr::col((alias.clone(), col))),
                PREFIXED.customer.get(col as usize),
            );
        }
    }
    for (wanted, from, alias, names) in [
        (
            include.shipping_address,
            order::Column::ShippingAddressId,
            "sa",
            &PREFIXED.shipping,
        ),
        (
            include.billing_address,
            order::Column::BillingAddressId,
            "ba",
            &PREFIXED.billing,
        ),
    ] {
        if !wanted {
            continue;
        }
        let alias = Alias::new(alias);
        let relation = order::Entity::belongs_to(addressbook::Entity)
            .from(from)
            .to(addressbook::Column::Id)
            .into();
        select = select.join_as(JoinType::LeftJoin, relation, alias.clone());
        for col in addressbook::Column::iter() {
            select = select.column_as(
                col.select_as(Expr::col((alias.clone(), col))),
                names.get(col as usize),
            );
        }
    }
    select
}

/// How many orders match `condition`.
pub async fn count(db: &Db, condition: Condition) -> AppResult<i64> {
    use sea_orm::PaginatorTrait;
    let n = order::Entity::find().filter(condition).count(db).await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}
