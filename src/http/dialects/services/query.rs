//! Seed 002's query strings: the parameters each GET endpoint takes, and the
//! list's filters, sort and page read into the order services' terms
//! (anything the endpoint does not know or cannot read is refused, named).

use super::body;
use crate::error::{AppError, AppResult};
use crate::http::dialects::Params;
use crate::orders::inputs::{OrderFilter, OrderOrderBy, OrderSortField, SortDirection};
use crate::orders::listing::MAX_PAGE_SIZE;
use crate::scalars::Date;

/// The seed's page size when none is asked for.
const DEFAULT_PER_PAGE: u64 = 15;

/// The parameters of `GET /api/orders/list`.
const LIST_PARAMETERS: &[&str] = &[
    "customer_id",
    // One status, or several (`status[]=pending&status[]=on_hold`).
    "status[]",
    "active_only",
    "search",
    "date_from",
    "date_to",
    "order_by",
    "order_direction",
    "per_page",
    "page",
    "user_id",
];

/// The parameters of the statistics endpoints.
pub const STATS_PARAMETERS: &[&str] = &["customer_id", "date_from", "date_to"];

/// `order_by` values and the sort keys they mean.
const SORT_FIELDS: &[(&str, OrderSortField)] = &[
    ("created_at", OrderSortField::CreatedAt),
    ("updated_at", OrderSortField::UpdatedAt),
    ("submitted_at", OrderSortField::SubmittedAt),
    ("total", OrderSortField::GrossTotal),
    ("order_id", OrderSortField::Number),
    ("status", OrderSortField::Status),
];

/// A `YYYY-MM-DD` parameter.
pub fn date(params: &Params, name: &str) -> AppResult<Option<Date>> {
    params
        .one(name)?
        .map(|text| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    AppError::invalid_field(
                        name,
                        format!("The {name} is not a valid date (YYYY-MM-DD): \"{text}\"."),
                    )
                })
        })
        .transpose()
}

/// `true`/`false` (or `1`/`0`) in a query string.
fn flag(params: &Params, name: &str) -> AppResult<Option<bool>> {
    params
        .one(name)?
        .map(|text| match text.to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(AppError::invalid_field(
                name,
                format!("The {name} field must be true or false."),
            )),
        })
        .transpose()
}

/// What `GET /api/orders/list` asks for.
pub struct ListQuery {
    pub filter: OrderFilter,
    pub order_by: OrderOrderBy,
    pub page: u64,
    pub per_page: u64,
}

/// Reads the list's query string; BAD_USER_INPUT names the first parameter
/// it cannot use.
pub fn list_query(raw: Option<&str>) -> AppResult<ListQuery> {
    let params = Params::parse(raw, LIST_PARAMETERS)?;
    let text = |name| params.one(name).map(|v| v.map(str::to_owned));
    let statuses = params
        .all("status[]")
        .into_iter()
        .map(|s| body::parse_status(s, "status"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::invalid(vec![e]))?;
    let field = match params.one("order_by")? {
        None => OrderSortField::CreatedAt,
        Some(name) => SORT_FIELDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = SORT_FIELDS.iter().map(|(n, _)| *n).collect();
                AppError::invalid_field(
                    "order_by",
                    format!(
                        "The selected order_by is invalid: \"{name}\" is not one of {}.",
                        names.join(", ")
                    ),
                )
            })?,
    };
    let direction = match params.one("order_direction")?.map(str::to_ascii_lowercase) {
        None => SortDirection::Desc,
        Some(d) if d == "desc" => SortDirection::Desc,
        Some(d) if d == "asc" => SortDirection::Asc,
        Some(d) => {
            return Err(AppError::invalid_field(
                "order_direction",
                format!("The selected order_direction is invalid: \"{d}\" is not asc or desc."),
            ));
        }
    };
    let number = |name| {
        params
            .number(name)
            .map(|n| n.and_then(|n| u64::try_from(n).ok()))
    };
    let per_page = number("per_page")?.unwrap_or(DEFAULT_PER_PAGE);
    if per_page > MAX_PAGE_SIZE {
        return Err(AppError::invalid_field(
            "per_page",
            format!("The per_page field must not be greater than {MAX_PAGE_SIZE}."),
        ));
    }
    let page = number("page")?.unwrap_or(1);
    if i32::try_from(page).is_err() {
        return Err(AppError::invalid_field(
            "page",
            "The page field is too large.",
        ));
    }
    Ok(ListQuery {
        filter: OrderFilter {
            customer_external_id: text("customer_id")?,
            statuses: (!statuses.is_empty()).then_some(statuses),
            active_only: flag(&params, "active_only")?,
            search: text("search")?,
            date_from: date(&params, "date_from")?,
            date_to: date(&params, "date_to")?,
            user_id: text("user_id")?,
            ..Default::default()
        },
        order_by: OrderOrderBy { field, direction },
        page,
        per_page,
    })
}
