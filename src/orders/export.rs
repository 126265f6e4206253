//! Data for the REST exports (seed 003 `GET /api/orders.{json,csv,xml}`): the
//! query-string filters, and the newest 500 matching orders with their lines,
//! addresses (the order's and the lines' own), customer and admin fields, read
//! in five statements. Seed 003's write endpoints answer with the same data.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::inputs::OrderFilter;
use super::listing;
use super::workflow::OrderStatus;
use crate::db::Db;
use crate::entities::{addressbook, customer, order, order_admin_field, order_line};
use crate::error::{AppError, AppResult, FieldError};
use crate::scalars::Date;

/// The most orders one export returns (seed 003: "the latest 500 orders").
pub const EXPORT_LIMIT: u64 = 500;

/// One exported order with what hangs off it.
pub struct ExportOrder {
    pub order: order::Model,
    pub lines: Vec<order_line::Model>,
    pub shipping_address: Option<addressbook::Model>,
    /// The lines' own addresses, by address id.
    pub line_addresses: HashMap<i64, addressbook::Model>,
    pub customer: Option<customer::Model>,
    pub admin_fields: Vec<order_admin_field::Model>,
}

impl ExportOrder {
    /// The line's own address, when it has one.
    pub fn address_of(&self, line: &order_line::Model) -> Option<&addressbook::Model> {
        line.address_id.and_then(|id| self.line_addresses.get(&id))
    }
}

/// The query parameters of the exports; anything else is refused.
pub const PARAMETERS: &[&str] = &[
    "id_eq",
    "id_in[]",
    "status_in[]",
    "status_eq",
    "status_order_id_eq",
    "status_order_id_in[]",
    "submitted_at_gteq",
    "submitted_at_casted_eq",
];

/// Seed 003's status ids with their names, for messages: "1 (On hold), 2
/// (Pending), ...".
pub fn status_order_ids() -> String {
    let mut statuses = OrderStatus::ALL;
    statuses.sort_by_key(|s| s.status_order_id());
    statuses
        .iter()
        .map(|s| format!("{} ({})", s.status_order_id(), s.status_order_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The status with seed 003's numeric id `text` ("5"), or why not.
pub fn parse_status_order_id(text: &str) -> Result<OrderStatus, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(OrderStatus::from_status_order_id)
        .ok_or_else(|| {
            format!(
                "\"{text}\" is not a status id; the ids are {}",
                status_order_ids()
            )
        })
}

/// Reads seed 003's filters from query-string pairs: `id_eq`, `id_in[]`,
/// `status_order_id_eq` and `status_order_id_in[]` (seed 003's numeric ids),
/// `status_in[]` (our status names, any case), `submitted_at_gteq` and
/// `submitted_at_casted_eq` (YYYY-MM-DD). Statuses given both by name and by
/// id must match both (every parameter narrows the answer). With none of
/// them, the orders submitted in the last 24 hours (seed 003's default).
pub fn parse_filter(pairs: &[(String, String)]) -> AppResult<OrderFilter> {
    let mut filter = OrderFilter::default();
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    let mut statuses = Vec::new();
    let mut by_id = Vec::new();
    let mut any = false;
    let date = |value: &str, key: &str, errors: &mut Vec<FieldError>| {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| errors.push(FieldError::new(key, "must be a date, YYYY-MM-DD")))
            .ok()
    };
    for (key, value) in pairs {
        if key.contains('\0') || value.contains('\0') {
            // PostgreSQL cannot compare text holding NUL: refuse it here,
            // as every other entry point does.
            errors.push(crate::validate::nul_path_error(
                key.replace('\0', "\\u0000"),
            ));
            continue;
        }
        match key.as_str() {
            "id_eq" | "id_in[]" | "id_in" => {
                any = true;
                ids.push(async_graphql::ID(value.trim().to_owned()));
            }
            "status_in[]" | "status_in" | "status_eq" => {
                any = true;
                match value.parse::<OrderStatus>() {
                    Ok(status) => statuses.push(status),
                    Err(e) => errors.push(FieldError::new(key.clone(), e.to_string())),
                }
            }
            "status_order_id_eq" | "status_order_id_in[]" | "status_order_id_in" => {
                any = true;
                match parse_status_order_id(value) {
                    Ok(status) => by_id.push(status),
                    Err(message) => errors.push(FieldError::new(key.clone(), message)),
                }
            }
            "submitted_at_gteq" => {
                any = true;
                filter.date_from = date(value, key, &mut errors);
            }
            "submitted_at_casted_eq" => {
                any = true;
                filter.submitted_on = date(value, key, &mut errors);
            }
            // A filter not understood would widen the answer: refused.
            _ => errors.push(FieldError::new(
                key.clone(),
                "is not a parameter of the order exports",
            )),
        }
    }
    if !ids.is_empty() {
        filter.ids = Some(ids);
    }
    filter.statuses = match (statuses.is_empty(), by_id.is_empty()) {
        (true, true) => None,
        (false, true) => Some(statuses),
        (true, false) => Some(by_id),
        // Both narrow: an order must be in both lists (maybe none is).
        (false, false) => Some(
            statuses
                .into_iter()
                .filter(|status| by_id.contains(status))
                .collect(),
        ),
    };
    if !any {
        filter.submitted_from = Some((Utc::now() - Duration::hours(24)).into());
    }
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(AppError::invalid(errors))
    }
}

/// Order `id` with its relations, when `extra` lets the caller see it.
pub async fn load_one(db: &Db, id: i64, extra: Condition) -> AppResult<Option<ExportOrder>> {
    let filter = OrderFilter {
        ids: Some(vec![async_graphql::ID(id.to_string())]),
        ..Default::default()
    };
    Ok(load(db, &filter, extra).await?.pop())
}

/// The newest orders matching `filter` (at most [`EXPORT_LIMIT`]), with their
/// relations. `extra` further restricts them (the caller's own orders, for
/// customers).
pub async fn load(db: &Db, filter: &OrderFilter, extra: Condition) -> AppResult<Vec<ExportOrder>> {
    let condition = listing::condition(filter)?.add(extra);
    let orders = order::Entity::find()
        .filter(condition)
        .order_by_desc(order::Column::SubmittedAt)
        .order_by_desc(order::Column::Id)
        .limit(EXPORT_LIMIT)
        .all(db)
        .await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: HashMap<i64, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?
    {
        lines.entry(line.order_id).or_default().push(line);
    }
    let mut fields: HashMap<i64, Vec<order_admin_field::Model>> = HashMap::new();
    for field in order_admin_field::Entity::find()
        .filter(order_admin_field::Column::OrderId.is_in(ids))
        .order_by_asc(order_admin_field::Column::Name)
        .all(db)
        .await?
    {
        fields.entry(field.order_id).or_default().push(field);
    }
    let address_ids: Vec<i64> = orders
        .iter()
        .filter_map(|o| o.shipping_address_id)
        .chain(lines.values().flatten().filter_map(|l| l.address_id))
        .collect();
    let addresses: HashMap<i64, addressbook::Model> = addressbook::Entity::find()
        .filter(addressbook::Column::Id.is_in(address_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let customer_ids: Vec<i64> = orders.iter().filter_map(|o| o.customer_id).collect();
    let customers: HashMap<i64, customer::Model> = customer::Entity::find()
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(orders
        .into_iter()
        .map(|order| {
            let lines = lines.remove(&order.id).unwrap_or_default();
            let line_addresses = lines
                .iter()
                .filter_map(|l| l.address_id)
                .filter_map(|id| addresses.get(&id).map(|a| (id, a.clone())))
                .collect();
            ExportOrder {
                lines,
                line_addresses,
                admin_fields: fields.remove(&order.id).unwrap_or_default(),
                shipping_address: order
                    .shipping_address_id
                    .and_then(|id| addresses.get(&id).cloned()),
                customer: order.customer_id.and_then(|id| customers.get(&id).cloned()),
                order,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn seed_003_parameters_become_a_filter() {
        let filter = parse_filter(&pairs(&[
            ("id_in[]", "1"),
            ("id_in[]", "2"),
            ("status_in[]", "shipped"),
            ("submitted_at_gteq", "2019-06-01"),
        ]))
        .unwrap();
        assert_eq!(filter.ids.unwrap().len(), 2);
        assert_eq!(filter.statuses.unwrap(), [OrderStatus::Shipped]);
        assert!(filter.date_from.is_some());
        assert!(
            filter.submitted_from.is_none(),
            "no 24 h default when filters are given"
        );
    }

    #[test]
    fn status_ids_filter_and_narrow_status_names() {
        let filter = parse_filter(&pairs(&[("status_order_id_eq", "5")])).unwrap();
        assert_eq!(filter.statuses.unwrap(), [OrderStatus::Shipped]);
        let filter = parse_filter(&pairs(&[
            ("status_order_id_in[]", "1"),
            ("status_order_id_in[]", "2"),
        ]))
        .unwrap();
        assert_eq!(
            filter.statuses.unwrap(),
            [OrderStatus::OnHold, OrderStatus::Pending]
        );
        let both = parse_filter(&pairs(&[
            ("status_in[]", "pending"),
            ("status_in[]", "shipped"),
            ("status_order_id_eq", "5"),
        ]))
        .unwrap();
        assert_eq!(both.statuses.unwrap(), [OrderStatus::Shipped]);
        let none = parse_filter(&pairs(&[
            ("status_in[]", "pending"),
            ("status_order_id_eq", "5"),
        ]))
        .unwrap();
        assert_eq!(none.statuses.unwrap(), []);
        let err = parse_filter(&pairs(&[("status_order_id_eq", "11")])).unwrap_err();
        let AppError::BadUserInput { fields, .. } = err else {
            panic!()
        };
        assert_eq!(fields[0].path, "status_order_id_eq");
        assert!(
            fields[0].message.contains("5 (Sent)"),
            "{}",
            fields[0].message
        );
    }

    #[test]
    fn no_parameters_mean_the_last_24_hours() {
        let filter = parse_filter(&[]).unwrap();
        assert!(filter.submitted_from.is_some());
    }

    #[test]
    fn bad_values_are_named() {
        let err = parse_filter(&pairs(&[
            ("submitted_at_gteq", "yesterday"),
            ("status_in[]", "sent"),
        ]))
        .unwrap_err();
        let AppError::BadUserInput { fields, .. } = err else {
            panic!()
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["submitted_at_gteq", "status_in[]"]);
    }
}
