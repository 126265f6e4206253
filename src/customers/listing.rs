//! `customers(...)`: the filter as one SQL condition, newest customers first
//! with Relay cursors (keyset on the id, so a cursor stays valid while
//! customers arrive), and each customer's order count and money spent per
//! currency, for a whole page in one aggregate statement.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::inputs::CustomerFilter;
use crate::db::{Db, contains_pattern};
use crate::entities::{customer, order};
use crate::error::{AppError, AppResult, FieldError};
use crate::money::Money;
use crate::validate::{MAX_SEARCH_CHARS, clean, normalize_email};

/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page.
pub const MAX_PAGE_SIZE: u64 = 100;

fn lower_like(column: customer::Column, term: &str) -> Condition {
    Condition::all().add(Expr::expr(Func::lower(Expr::col(column))).like(contains_pattern(term)))
}

/// The SQL condition of `filter`; BAD_USER_INPUT naming what is wrong.
pub fn condition(filter: &CustomerFilter) -> AppResult<Condition> {
    let mut errors = Vec::new();
    let mut cond = Condition::all();
    match filter.archived {
        Some(true) => cond = cond.add(customer::Column::ArchivedAt.is_not_null()),
        _ => cond = cond.add(customer::Column::ArchivedAt.is_null()),
    }
    if let Some(raw) = &filter.email {
        match normalize_email(raw) {
            Some(email) => cond = cond.add(customer::Column::Email.eq(email)),
            None => errors.push(FieldError::new("filter.email", "is not an e-mail address")),
        }
    }
    if let Some(external_id) = &filter.external_id {
        cond = cond.add(customer::Column::ExternalId.eq(external_id.trim()));
    }
    for (path, value) in [
        ("filter.name", &filter.name),
        ("filter.search", &filter.search),
    ] {
        if value
            .as_deref()
            .is_some_and(|v| v.chars().count() > MAX_SEARCH_CHARS)
        {
            errors.push(FieldError::new(
                path,
                format!("at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
    }
    if let Some(name) = clean(&filter.name).filter(|n| n.chars().count() <= MAX_SEARCH_CHARS) {
        cond = cond.add(lower_like(customer::Column::Name, &name.to_lowercase()));
    }
    if let Some(term) = clean(&filter.search).filter(|s| s.chars().count() <= MAX_SEARCH_CHARS) {
        let term = term.to_lowercase();
        let mut any = Condition::any();
        for column in [
            customer::Column::Email,
            customer::Column::Name,
            customer::Column::ExternalId,
            customer::Column::CompanyName,
            customer::Column::Phone,
            customer::Column::ReferenceCode,
        ] {
            any = any.add(lower_like(column, &term));
        }
        cond = cond.add(any);
    }
    if errors.is_empty() {
        Ok(cond)
    } else {
        Err(AppError::invalid(errors))
    }
}

/// How the caller pages: forward with `first`/`after`, backward with
/// `last`/`before`.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// One listed customer with its cursor.
pub struct Listed {
    pub cursor: String,
    pub customer: customer::Model,
}

/// A page of customers.
pub struct ListPage {
    pub rows: Vec<Listed>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// The filter, for `totalCount`.
    pub condition: Condition,
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("customer:{id}"))
}

fn decode_cursor(raw: &str, path: &str) -> Result<i64, FieldError> {
    URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("customer:")?.parse().ok())
        .ok_or_else(|| FieldError::new(path, "is not a cursor of this list"))
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
        Some(n) => u64::try_from(n).unwrap_or(DEFAULT_PAGE_SIZE),
    }
}

/// One page of the customers matching `condition`, newest first (by id).
/// Pages hold 20 unless asked, at most 100.
#[tracing::instrument(name = "customers.list", skip_all)]
pub async fn list(db: &Db, condition: Condition, args: PageArgs) -> AppResult<ListPage> {
    let mut errors = Vec::new();
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
    let backward = args.last.is_some() || args.before.is_some();
    let size = if backward {
        page_size(args.last, "last", &mut errors)
    } else {
        page_size(args.first, "first", &mut errors)
    };
    let after = args
        .after
        .as_deref()
        .map(|c| decode_cursor(c, "after"))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let before = args
        .before
        .as_deref()
        .map(|c| decode_cursor(c, "before"))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let mut query = customer::Entity::find().filter(condition.clone());
    // Newest first: "after" a cursor is a smaller id, "before" a larger one.
    if let Some(id) = after {
        query = query.filter(customer::Column::Id.lt(id));
    }
    if let Some(id) = before {
        query = query.filter(customer::Column::Id.gt(id));
    }
    query = if backward {
        query.order_by_asc(customer::Column::Id)
    } else {
        query.order_by_desc(customer::Column::Id)
    };
    let mut rows = query.limit(size + 1).all(db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let (has_next_page, has_previous_page) = if backward {
        (before.is_some(), more)
    } else {
        (more, after.is_some())
    };
    Ok(ListPage {
        rows: rows
            .into_iter()
            .map(|customer| Listed {
                cursor: encode_cursor(customer.id),
                customer,
            })
            .collect(),
        has_next_page,
        has_previous_page,
        condition,
    })
}

/// How many customers match `condition`.
pub async fn count(db: &Db, condition: Condition) -> AppResult<i64> {
    let n = customer::Entity::find().filter(condition).count(db).await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A customer's orders in figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerTotals {
    /// Non-test orders, in every status.
    pub order_count: i64,
    /// Σ gross totals of non-test orders that are not CANCELLED or REFUNDED,
    /// per currency (by code), for currencies with at least one such order.
    pub spent: Vec<(String, Money)>,
}

#[derive(FromQueryResult)]
struct TotalsRow {
    customer_id: i64,
    currency: String,
    n: i64,
    counted: i64,
    spent: i64,
}

/// The totals of each customer in `ids` (zero for those without orders),
/// in one statement. As `orderStats`: test orders are left out, CANCELLED
/// and REFUNDED orders count as orders but not as money spent, and amounts
/// are never summed across currencies.
pub async fn totals(db: &Db, ids: &[i64]) -> AppResult<HashMap<i64, CustomerTotals>> {
    let mut out: HashMap<i64, CustomerTotals> = ids
        .iter()
        .map(|&id| (id, CustomerTotals::default()))
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    // The sums are cast because SUM(bigint) is numeric on PostgreSQL: exact
    // integers of ten-thousandths on both backends. The statuses are the
    // stored names (fixed text, no input).
    let rows = order::Entity::find()
        .select_only()
        .column(order::Column::CustomerId)
        .column(order::Column::Currency)
        .column_as(Expr::col(order::Column::Id).count(), "n")
        .column_as(
            Expr::cust(
                "CAST(SUM(CASE WHEN status IN ('CANCELLED', 'REFUNDED') THEN 0 ELSE 1 END) AS BIGINT)",
            ),
            "counted",
        )
        .column_as(
            Expr::cust(
                "CAST(SUM(CASE WHEN status IN ('CANCELLED', 'REFUNDED') THEN 0 ELSE gross_total END) AS BIGINT)",
            ),
            "spent",
        )
        .filter(order::Column::CustomerId.is_in(ids.iter().copied()))
        .filter(order::Column::Test.eq(false))
        .group_by(order::Column::CustomerId)
        .group_by(order::Column::Currency)
        .order_by_asc(order::Column::Currency)
        .into_model::<TotalsRow>()
        .all(db)
        .await?;
    for row in rows {
        let totals = out.entry(row.customer_id).or_default();
        totals.order_count += row.n;
        if row.counted > 0 {
            totals
                .spent
                .push((row.currency, Money::from_scaled(row.spent)));
        }
    }
    Ok(out)
}
