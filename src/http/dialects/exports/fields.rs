//! The fields of seed 003's orders and order products as the exports write
//! them, in the seed's order (our own fields after the seed's), with seed
//! 003's value formats: amounts as Ruby's BigDecimal prints them ("190.0"),
//! times in UTC with milliseconds. JSON, CSV and XML write the same list.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value as Json, json};

use crate::entities::{addressbook, order_line};
use crate::money::Money;
use crate::orders::export::ExportOrder;
use crate::orders::payment::PaymentStatus;

/// A value of an exported field, typed for the XML `type` attribute.
pub enum Field {
    Null,
    Int(i64),
    Decimal(Money),
    Text(String),
    Time(DateTime<Utc>),
    Bool(bool),
}

impl Field {
    pub fn text(value: &Option<String>) -> Field {
        value.clone().map_or(Field::Null, Field::Text)
    }

    fn int(value: Option<i64>) -> Field {
        value.map_or(Field::Null, Field::Int)
    }

    pub fn json(&self) -> Json {
        match self {
            Field::Null => Json::Null,
            Field::Int(v) => json!(v),
            Field::Decimal(v) => json!(v.to_bigdecimal_string()),
            Field::Text(v) => json!(v),
            Field::Time(v) => json!(time(*v)),
            Field::Bool(v) => json!(v),
        }
    }

    /// The text of the value (CSV cells, XML element text).
    pub fn csv(&self) -> String {
        match self {
            Field::Null => String::new(),
            Field::Int(v) => v.to_string(),
            Field::Decimal(v) => v.to_bigdecimal_string(),
            Field::Text(v) => v.clone(),
            Field::Time(v) => time(*v),
            Field::Bool(v) => v.to_string(),
        }
    }

    pub fn xml_type(&self) -> Option<&'static str> {
        match self {
            Field::Int(_) => Some("integer"),
            Field::Decimal(_) => Some("decimal"),
            Field::Time(_) => Some("dateTime"),
            Field::Bool(_) => Some("boolean"),
            Field::Null | Field::Text(_) => None,
        }
    }
}

/// Seed 003's time format: UTC with milliseconds ("2017-10-10T05:50:10.000Z").
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Seed 003's `shipping_option_id`: the dialect stores the carrier's id as
/// the order's shipping option; a shipping option that is not a number (set
/// through GraphQL) has no id.
pub fn shipping_option_id(option: &Option<String>) -> Option<i64> {
    option.as_deref().and_then(|o| o.trim().parse::<i64>().ok())
}

/// Seed 003 shows a discount total only when there is a discount.
pub fn discount_total(total: Money) -> Field {
    if total == Money::ZERO {
        Field::Null
    } else {
        Field::Decimal(total)
    }
}

/// Products after VAT: `totalBeforeVat + totalVat` (shipping not included).
pub fn products_after_vat(order: &crate::entities::order::Model) -> Money {
    Money::round(order.total_before_vat.decimal() + order.total_vat.decimal()).unwrap_or_default()
}

/// ordergraph has one price list (the catalogue's prices); seed 003 numbers
/// it like its own default price list.
pub const PRICELIST_ID: i64 = 1;

/// The staff data the caller may see, as the policy decides.
#[derive(Clone, Copy)]
pub struct Visibility {
    pub admin_fields: bool,
    pub staff_notes: bool,
}

/// One entry of an exported order.
pub enum Entry {
    Field(&'static str, Field),
    /// `extra_fields`: the admin fields, for the roles that may see them.
    ExtraFields,
    /// `order_products`: the lines (CSV writes them as the `line_` columns).
    Products,
}

fn address_field(
    address: Option<&addressbook::Model>,
    f: fn(&addressbook::Model) -> &Option<String>,
) -> Field {
    address.map_or(Field::Null, |a| Field::text(f(a)))
}

/// The order's entries in seed 003's order, then ours.
pub fn order_entries(o: &ExportOrder, see: Visibility) -> Vec<Entry> {
    use Entry::Field as F;
    let m = &o.order;
    let address = o.shipping_address.as_ref();
    let addr = |f| address_field(address, f);
    let customer = o.customer.as_ref();
    let of_customer = |f: fn(&crate::entities::customer::Model) -> &Option<String>| {
        customer.map_or(Field::Null, |c| Field::text(f(c)))
    };
    let mut entries = vec![
        F("id", Field::Int(m.id)),
        F("status_order_id", Field::Int(m.status.status_order_id())),
        F(
            "status_order_name",
            Field::Text(m.status.status_order_name().to_owned()),
        ),
        F("customer_id", Field::int(m.customer_id)),
        F("submitted_at", Field::Time(m.submitted_at)),
        F("comments_customer", Field::text(&m.notes)),
    ];
    if see.staff_notes {
        entries.push(F("comments_wholesaler", Field::text(&m.staff_notes)));
    }
    entries.extend([
        F("address", addr(|a| &a.address1)),
        F("address2", addr(|a| &a.address2)),
        F("city", addr(|a| &a.city)),
        F("province", addr(|a| &a.province)),
        F("country", addr(|a| &a.country)),
        F("postal_code", addr(|a| &a.postal_code)),
        F("customer_order_reference", Field::text(&m.reference)),
        F(
            "shipping_option_id",
            Field::int(shipping_option_id(&m.shipping_option)),
        ),
        F("shipping_costs", Field::Decimal(m.shipping_costs)),
        F("shipping_tracking", Field::text(&m.tracking_code)),
        F(
            "total_products_before_discount",
            Field::Decimal(m.products_before_discount),
        ),
        F("discount_percentage", Field::Decimal(m.discount_percentage)),
        F("discount_total", discount_total(m.discount_total)),
        F(
            "total_products_before_vat",
            Field::Decimal(m.total_before_vat),
        ),
        F("total_before_vat", Field::Decimal(m.total_before_vat)),
        F("total_vat", Field::Decimal(m.total_vat)),
        F(
            "total_products_after_vat",
            Field::Decimal(products_after_vat(m)),
        ),
        F("gross_total", Field::Decimal(m.gross_total)),
    ]);
    if see.admin_fields {
        entries.push(Entry::ExtraFields);
    }
    entries.extend([
        F("request_delivery_at", Field::Null),
        F("integration_ref", Field::text(&m.integration_ref)),
        F("payment_token", Field::Null),
        F("deleted_at", Field::Null),
        Entry::Products,
        F("customer_email", Field::text(&m.customer_email)),
        F("customer_company", of_customer(|c| &c.company_name)),
        F("customer_name", Field::text(&m.customer_name)),
        F(
            "customer_pricelist_id",
            Field::int(customer.map(|_| PRICELIST_ID)),
        ),
        F("customer_phone", of_customer(|c| &c.phone)),
        // The seed shows "" for a customer without one.
        F(
            "customer_reference_code",
            customer.map_or(Field::Null, |c| {
                Field::Text(c.reference_code.clone().unwrap_or_default())
            }),
        ),
        F("addressbook_reference_code", Field::Null),
        F(
            "addressbook_type",
            address.map_or(Field::Null, |_| Field::Text("main".into())),
        ),
        F("addressbook_company_name", addr(|a| &a.company_name)),
        F("addressbook_name", addr(|a| &a.name)),
        F("addressbook_phone", addr(|a| &a.phone)),
        F("currency", Field::Text(m.currency.clone())),
        // Ours, after the seed's.
        F("number", Field::Text(m.number.clone())),
        F("status", Field::Text(m.status.as_str().to_owned())),
        F("source", Field::Text(m.source.clone())),
        F("external_id", Field::text(&m.external_id)),
        F("shipping_option", Field::text(&m.shipping_option)),
        F("tracking_url", Field::text(&m.tracking_url)),
        F("paid_amount", Field::Decimal(m.paid_amount)),
        F(
            "is_paid",
            Field::Bool(m.payment_status == Some(PaymentStatus::Paid)),
        ),
        F("total_quantity", Field::Decimal(m.total_quantity)),
        F(
            "payment_status",
            m.payment_status
                .map_or(Field::Null, |p| Field::Text(p.as_str().to_owned())),
        ),
        F("payment_method", Field::text(&m.payment_method)),
        F("test", Field::Bool(m.test)),
        F("created_at", Field::Time(m.created_at)),
        F("updated_at", Field::Time(m.updated_at)),
    ]);
    entries
}

/// A line's fields in seed 003's order, then ours (its own address among
/// them: `addressbook_*`, empty when it goes to the order's address).
pub fn line_fields(
    l: &order_line::Model,
    address: Option<&addressbook::Model>,
) -> Vec<(&'static str, Field)> {
    let addr = |f| address_field(address, f);
    vec![
        ("id", Field::Int(l.id)),
        ("order_id", Field::Int(l.order_id)),
        ("product_id", Field::int(l.product_id)),
        ("quantity", Field::Decimal(l.quantity)),
        ("price", Field::Decimal(l.price)),
        ("final_price", Field::Decimal(l.final_price)),
        ("discount_percentage", Field::Decimal(l.discount_percentage)),
        ("vat_percentage", Field::Decimal(l.vat_percentage)),
        ("total_before_vat", Field::Decimal(l.total_before_vat)),
        ("total_vat", Field::Decimal(l.total_vat)),
        ("total_after_vat", Field::Decimal(l.total_after_vat)),
        // Lines have no status of their own; the seed shows null and "".
        ("status_order_id", Field::Null),
        ("status_order_name", Field::Text(String::new())),
        ("product_variant_code", Field::text(&l.product_variant_code)),
        ("product_name", Field::Text(l.name.clone())),
        ("product_code", Field::text(&l.product_code)),
        // Ours, after the seed's.
        ("sku", Field::text(&l.sku)),
        ("ean13", Field::text(&l.ean13)),
        ("has_custom_price", Field::Bool(l.has_custom_price)),
        ("note", Field::text(&l.note)),
        ("addressbook_id", Field::int(l.address_id)),
        ("addressbook_name", addr(|a| &a.name)),
        ("addressbook_company_name", addr(|a| &a.company_name)),
        ("addressbook_address", addr(|a| &a.address1)),
        ("addressbook_address2", addr(|a| &a.address2)),
        ("addressbook_city", addr(|a| &a.city)),
        ("addressbook_province", addr(|a| &a.province)),
        ("addressbook_country", addr(|a| &a.country)),
        ("addressbook_postal_code", addr(|a| &a.postal_code)),
        ("addressbook_phone", addr(|a| &a.phone)),
        ("addressbook_comments", addr(|a| &a.comments)),
    ]
}
