//! Seed 002's answers: the `{"success", "message", "data"}` envelope, the
//! order as the seed shows it (amounts as "300.00", lower-case statuses,
//! times as "2025-11-06T15:00:00.000000Z", a currency symbol), the list's
//! summary rows with their pagination block, and the statistics, whose
//! revenue is an exact JSON number. Answers serialize straight from these
//! types, never through `serde_json::Value`, which would read a raw number
//! back through f64.

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::entities::{addressbook, order, order_line};
use crate::error::{AppError, AppResult};
use crate::money::Money;
use crate::orders::stats::Stats;
use crate::orders::workflow::OrderStatus;

/// The seed's eight statuses, in the seed's order: what the statuses
/// endpoints list. SHIPPED and DELIVERED exist too (seed 000 and 003 orders
/// reach them); they are accepted and shown, only not listed.
pub const SEED_STATUSES: [OrderStatus; 8] = [
    OrderStatus::Pending,
    OrderStatus::Processing,
    OrderStatus::Confirmed,
    OrderStatus::InProgress,
    OrderStatus::Completed,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
    OrderStatus::OnHold,
];

/// A status as the seed writes it: `in_progress`.
pub fn status_name(status: OrderStatus) -> String {
    status.as_str().to_ascii_lowercase()
}

/// An amount as the seed prints it: two decimals, more only when the amount
/// has them (never rounded).
pub fn amount(money: Money) -> String {
    money.to_display_string()
}

/// A time as the seed prints it (Laravel's default: microseconds, `Z`).
pub fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// An exact JSON number with the text of `money` ("2450.00"), or "1" for a
/// quantity of one.
fn number(text: String) -> AppResult<Box<RawValue>> {
    RawValue::from_string(text).map_err(AppError::internal)
}

/// A digit string as a JSON integer (order numbers, the seed's product ids),
/// anything else as a string, none as null.
fn integer_or_text(text: Option<&str>) -> Value {
    match text {
        None => Value::Null,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| n.to_string() == t)
            .map_or_else(|| Value::String(t.to_owned()), Value::from),
    }
}

/// The symbol of an ISO 4217 currency; the code itself for one not listed.
pub fn currency_symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "INR" => "₹",
        "KRW" => "₩",
        "RUB" => "₽",
        "TRY" => "₺",
        "ILS" => "₪",
        "UAH" => "₴",
        "VND" => "₫",
        "PHP" => "₱",
        "THB" => "฿",
        "NGN" => "₦",
        "PLN" => "zł",
        "CZK" => "Kč",
        "HUF" => "Ft",
        "SEK" | "NOK" | "DKK" | "ISK" => "kr",
        "BRL" => "R$",
        "ZAR" => "R",
        "AUD" => "A$",
        "CAD" => "CA$",
        "NZD" => "NZ$",
        "MXN" => "MX$",
        "HKD" => "HK$",
        "SGD" => "S$",
        other => other,
    }
}

/// `{"success": true, "message"?, "data", "ignored_fields"?}`.
#[derive(Serialize)]
pub struct Envelope<T> {
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    pub data: T,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_fields: Vec<String>,
}

impl<T> Envelope<T> {
    /// A successful answer without a message (the seed's reads).
    pub fn data(data: T) -> Self {
        Envelope {
            success: true,
            message: None,
            data,
            ignored_fields: Vec::new(),
        }
    }

    /// A successful answer with the seed's message.
    pub fn said(message: &'static str, data: T, ignored: Vec<String>) -> Self {
        Envelope {
            success: true,
            message: Some(message),
            data,
            ignored_fields: ignored,
        }
    }
}

/// One item of an order.
#[derive(Serialize)]
pub struct Item {
    product_id: Value,
    product_name: String,
    quantity: Box<RawValue>,
    price: String,
    metadata: Option<Value>,
}

/// The billing block.
#[derive(Serialize)]
pub struct Billing {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

/// An order as the seed shows it, with what it needs from around the order.
pub struct OrderView<'a> {
    pub order: &'a order::Model,
    pub lines: &'a [order_line::Model],
    pub billing: Option<&'a addressbook::Model>,
    /// The customer's external id: the seed's (Userhub) `customer_id`.
    pub customer_external_id: Option<&'a str>,
}

/// The seed's order: its sample's keys in its order, then `metadata` and
/// `user_id`.
#[derive(Serialize)]
pub struct OrderData {
    id: i64,
    order_id: Value,
    customer_id: Option<String>,
    total: String,
    total_tax: String,
    status: String,
    currency_symbol: String,
    items: Vec<Item>,
    billing: Option<Billing>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
    metadata: Option<Value>,
    user_id: Option<String>,
}

impl OrderData {
    /// The seed's view of `view`.
    pub fn of(view: &OrderView<'_>) -> AppResult<OrderData> {
        let o = view.order;
        let items = view
            .lines
            .iter()
            .map(|line| {
                Ok(Item {
                    product_id: integer_or_text(line.external_id.as_deref()),
                    product_name: line.name.clone(),
                    quantity: number(line.quantity.decimal().normalize().to_string())?,
                    price: amount(line.price),
                    metadata: line.custom.clone(),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(OrderData {
            id: o.id,
            order_id: integer_or_text(Some(&o.number)),
            customer_id: view.customer_external_id.map(str::to_owned),
            total: amount(o.gross_total),
            total_tax: amount(o.total_vat),
            status: status_name(o.status),
            currency_symbol: currency_symbol(&o.currency).to_owned(),
            items,
            billing: view.billing.map(|a| Billing {
                first_name: a.first_name.clone(),
                last_name: a.last_name.clone(),
                email: a.email.clone(),
                phone: a.phone.clone(),
                address: a.address1.clone(),
                city: a.city.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
            }),
            notes: o.notes.clone(),
            created_at: time(o.created_at),
            updated_at: time(o.updated_at),
            metadata: o.metadata.clone(),
            user_id: o.user_id.clone(),
        })
    }
}

/// A row of the list, as in the seed's list sample.
#[derive(Serialize)]
pub struct Summary {
    id: i64,
    order_id: Value,
    customer_id: Option<String>,
    total: String,
    status: String,
    created_at: String,
}

impl Summary {
    /// The list row of `order`, whose customer has this external id.
    pub fn of(order: &order::Model, customer_external_id: Option<&str>) -> Summary {
        Summary {
            id: order.id,
            order_id: integer_or_text(Some(&order.number)),
            customer_id: customer_external_id.map(str::to_owned),
            total: amount(order.gross_total),
            status: status_name(order.status),
            created_at: time(order.created_at),
        }
    }
}

/// The list's pagination block.
#[derive(Serialize)]
pub struct Pagination {
    pub current_page: u64,
    pub per_page: u64,
    pub total: i64,
    pub last_page: i64,
}

/// `{"success": true, "data": [...], "pagination": {...}}`.
#[derive(Serialize)]
pub struct ListAnswer {
    pub success: bool,
    pub data: Vec<Summary>,
    pub pagination: Pagination,
}

/// The statistics: the sample's keys in its order, then the currency of
/// `total_revenue` and the revenue in every other currency (never summed in).
#[derive(Serialize)]
pub struct StatsData {
    total_orders: i64,
    total_revenue: Box<RawValue>,
    pending_orders: i64,
    processing_orders: i64,
    completed_orders: i64,
    cancelled_orders: i64,
    active_orders: i64,
    revenue_currency: String,
    revenue_other_currencies: std::collections::BTreeMap<String, Box<RawValue>>,
}

impl StatsData {
    /// The seed's statistics from `stats`, with revenue in `currency` (the
    /// server's DEFAULT_CURRENCY) as `total_revenue`.
    pub fn of(stats: &Stats, currency: &str) -> AppResult<StatsData> {
        let count = |status: OrderStatus| {
            stats
                .by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        let mut total_revenue = Money::ZERO;
        let mut others = std::collections::BTreeMap::new();
        for (code, revenue) in &stats.revenue {
            if code == currency {
                total_revenue = *revenue;
            } else {
                others.insert(code.clone(), number(amount(*revenue))?);
            }
        }
        Ok(StatsData {
            total_orders: stats.total_orders,
            total_revenue: number(amount(total_revenue))?,
            pending_orders: count(OrderStatus::Pending),
            processing_orders: count(OrderStatus::Processing),
            completed_orders: count(OrderStatus::Completed),
            cancelled_orders: count(OrderStatus::Cancelled),
            active_orders: stats.active_orders,
            revenue_currency: currency.to_owned(),
            revenue_other_currencies: others,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revenue_is_an_exact_number_and_other_currencies_stay_apart() {
        let stats = Stats {
            total_orders: 5,
            active_orders: 2,
            by_status: vec![(OrderStatus::Pending, 1), (OrderStatus::Cancelled, 1)],
            revenue: vec![
                ("EUR".into(), "2450".parse().unwrap()),
                ("USD".into(), "0.1".parse().unwrap()),
            ],
            average_order_value: Vec::new(),
        };
        let text = serde_json::to_string(&StatsData::of(&stats, "EUR").unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"total_orders":5,"total_revenue":2450.00,"pending_orders":1,"processing_orders":0,"completed_orders":0,"cancelled_orders":1,"active_orders":2,"revenue_currency":"EUR","revenue_other_currencies":{"USD":0.10}}"#
        );
    }

    #[test]
    fn formats_follow_the_seed() {
        let at = chrono::DateTime::parse_from_rfc3339("2025-11-06T15:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(time(at), "2025-11-06T15:00:00.000000Z");
        assert_eq!(amount("300".parse().unwrap()), "300.00");
        assert_eq!(amount("3.4438".parse().unwrap()), "3.4438");
        assert_eq!(integer_or_text(Some("421409")), serde_json::json!(421409));
        assert_eq!(integer_or_text(Some("007")), serde_json::json!("007"));
        assert_eq!(currency_symbol("EUR"), "€");
        assert_eq!(currency_symbol("XYZ"), "XYZ");
    }
}
