//! Seed 003's answers: the order and its order products as the create answer
//! shows them (every key of the seed's sample, in its order), the shorter
//! order product of the line edits, and the one of `order_product_note`.
//! Keys the seed has and ordergraph keeps no data for are there with the
//! sample's empty value (null, {}, "0.0"), so clients find every key.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json, json};

use crate::auth::policy::Policy;
use crate::entities::order_line;
use crate::http::dialects::exports::extra_fields;
use crate::http::dialects::exports::fields::{
    PRICELIST_ID, products_after_vat, shipping_option_id, time,
};
use crate::money::Money;
use crate::orders::export::ExportOrder;
use crate::orders::payment::PaymentStatus;

/// An amount as seed 003 writes it in strings: "190.0".
pub fn amount(value: Money) -> Json {
    json!(value.to_bigdecimal_string())
}

/// The order of the create answer.
pub fn order(o: &ExportOrder, policy: &Policy) -> Json {
    let m = &o.order;
    let address = o.shipping_address.as_ref();
    let addr = |f: fn(&crate::entities::addressbook::Model) -> &Option<String>| {
        json!(address.and_then(|a| f(a).clone()))
    };
    let after_vat = products_after_vat(m);
    let staff_notes = if policy.sees_staff_notes() {
        json!(m.staff_notes)
    } else {
        Json::Null
    };
    let extra = if policy.sees_admin_fields() {
        extra_fields(o)
    } else {
        Map::new()
    };
    let discount_total = if m.discount_total == Money::ZERO {
        Json::Null
    } else {
        amount(m.discount_total)
    };
    let fields: Vec<(&str, Json)> = vec![
        ("id", json!(m.id)),
        ("status_order_id", json!(m.status.status_order_id())),
        ("customer_id", json!(m.customer_id)),
        ("invoice_no", Json::Null),
        ("customer_reference_no", Json::Null),
        ("comments_customer", json!(m.notes)),
        ("comments_wholesaler", staff_notes),
        ("shipping_way", Json::Null),
        ("shipping_costs", amount(m.shipping_costs)),
        ("date_estimated", Json::Null),
        ("total_before_discount", amount(m.products_before_discount)),
        ("discount_percentage", amount(m.discount_percentage)),
        ("discount_comments", Json::Null),
        ("discount_total", discount_total),
        ("gross_total", amount(m.gross_total)),
        ("address", addr(|a| &a.address1)),
        ("address2", addr(|a| &a.address2)),
        ("city", addr(|a| &a.city)),
        ("province", addr(|a| &a.province)),
        ("country", addr(|a| &a.country)),
        ("postal_code", addr(|a| &a.postal_code)),
        ("created_at", json!(time(m.created_at))),
        ("updated_at", json!(time(m.updated_at))),
        ("addressbook_id", json!(m.shipping_address_id)),
        ("submitted_at", json!(time(m.submitted_at))),
        ("customer_order_reference", json!(m.reference)),
        ("total_before_vat", amount(m.total_before_vat)),
        // The seed's sample says "0.0" here and in total_vat beside a gross
        // total of 203.775; these are the true figures (README).
        ("total_after_vat", amount(after_vat)),
        ("vat_group_id", json!(1)),
        (
            "total_products_before_discount",
            amount(m.products_before_discount),
        ),
        ("total_vat", amount(m.total_vat)),
        ("total_products_before_vat", amount(m.total_before_vat)),
        ("total_products_after_vat", amount(after_vat)),
        ("total_shipping_after_vat", amount(m.shipping_costs)),
        ("sales_rep_id", Json::Null),
        ("sales_rep_commission", json!("0.0")),
        ("extra_fields", Json::Object(extra)),
        ("submitted_by", json!({})),
        ("submitted_by_class", Json::Null),
        ("integration_ref", json!(m.integration_ref)),
        ("payment_way_id", Json::Null),
        ("payment_ip", Json::Null),
        ("payment_token", Json::Null),
        ("payment_payer_id", Json::Null),
        ("paid_amount", amount(m.paid_amount)),
        (
            "is_paid",
            json!(m.payment_status == Some(PaymentStatus::Paid)),
        ),
        (
            "shipping_option_id",
            json!(shipping_option_id(&m.shipping_option)),
        ),
        ("total_m3", json!("0.0")),
        ("request_delivery_at", Json::Null),
        ("pricelist_id", json!(PRICELIST_ID)),
        ("shipping_tracking", json!(m.tracking_code)),
        ("coupon_id", Json::Null),
        ("brightpearl_sales_order_id", Json::Null),
        ("cc_first_name", Json::Null),
        ("cc_last_name", Json::Null),
        ("cc_city", Json::Null),
        ("cc_province", Json::Null),
        ("cc_postal_code", Json::Null),
        ("cc_country", Json::Null),
        ("cc_address", Json::Null),
        ("total_quantity", amount(m.total_quantity)),
        ("payment_date", Json::Null),
        ("total_weight", json!("0.0")),
    ];
    Json::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// An order product as the create answer (`with_address`) and
/// `order_product_note` show it.
pub fn order_product(l: &order_line::Model, with_address: bool) -> Json {
    let mut line = json!({
        "id": l.id,
        "order_id": l.order_id,
        "product_id": l.product_id,
        "quantity": amount(l.quantity),
        "price": amount(l.price),
        "final_price": amount(l.final_price),
        "discount_percentage": amount(l.discount_percentage),
        "vat_percentage": amount(l.vat_percentage),
        "total_before_vat": amount(l.total_before_vat),
        "comments_customer": null,
        "comments_wholesaler": null,
        "total_vat": amount(l.total_vat),
        "total_after_vat": amount(l.total_after_vat),
        "option_value_ids": null,
        "created_at": time(l.created_at),
        "updated_at": time(l.updated_at),
        "option_values": {},
        "product_variant_id": null,
        "has_custom_price": l.has_custom_price,
    });
    if with_address && let Some(object) = line.as_object_mut() {
        object.insert("addressbook_id".into(), json!(l.address_id));
    }
    line
}

/// A JSON value whose amounts are JSON numbers written from their exact
/// text (the line edits' answers print `"price": 92.00`); serde_json's own
/// numbers would go through a float.
pub enum Out {
    Json(Json),
    Number(String),
    Object(Vec<(String, Out)>),
}

impl Serialize for Out {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Json(value) => value.serialize(serializer),
            Out::Number(text) => RawValue::from_string(text.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Out::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl Out {
    /// An object of `entries`, in their order.
    pub fn object(entries: impl IntoIterator<Item = (&'static str, Out)>) -> Out {
        Out::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The JSON text of the value.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

fn number(value: Money) -> Out {
    Out::Number(value.to_bigdecimal_string())
}

/// The order product of `change_product_quantity` and `add_product`, with the
/// sample's keys, amounts as JSON numbers like the sample's.
pub fn edited_product(l: &order_line::Model) -> Out {
    Out::object([
        ("id", Out::Json(json!(l.id))),
        ("order_id", Out::Json(json!(l.order_id))),
        ("product_id", Out::Json(json!(l.product_id))),
        ("quantity", number(l.quantity)),
        ("price", number(l.price)),
        ("final_price", number(l.final_price)),
        ("discount_percentage", number(l.discount_percentage)),
        ("vat_percentage", number(l.vat_percentage)),
        ("total_before_vat", number(l.total_before_vat)),
        ("total_vat", number(l.total_vat)),
        ("total_after_vat", number(l.total_after_vat)),
        ("product_name", Out::Json(json!(l.name))),
        ("product_code", Out::Json(json!(l.product_code))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edited_products_write_exact_numbers_in_the_seeds_order() {
        let line = order_line::Model {
            id: 1197,
            order_id: 304,
            product_id: Some(3488),
            quantity: "10".parse().unwrap(),
            price: "92.00".parse().unwrap(),
            final_price: "92".parse().unwrap(),
            total_before_vat: "920".parse().unwrap(),
            total_after_vat: "0.1".parse().unwrap(),
            name: "Box of boxes".into(),
            product_code: Some("BOX01".into()),
            ..Default::default()
        };
        let text = String::from_utf8(edited_product(&line).to_vec()).unwrap();
        assert_eq!(
            text,
            r#"{"id":1197,"order_id":304,"product_id":3488,"quantity":10.0,"price":92.0,"final_price":92.0,"discount_percentage":0.0,"vat_percentage":0.0,"total_before_vat":920.0,"total_vat":0.0,"total_after_vat":0.1,"product_name":"Box of boxes","product_code":"BOX01"}"#
        );
    }
}
