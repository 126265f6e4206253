//! The text `orders(filter: {search})` matches: number, external id, reference,
//! customer e-mail and name, and the billing and shipping names, lower-cased in
//! one column so one LIKE (trigram-indexed on PostgreSQL) finds them all.

use crate::entities::{addressbook, order};

/// The names an address contributes to search.
pub fn address_names(address: &addressbook::Model) -> Vec<String> {
    [
        &address.name,
        &address.first_name,
        &address.last_name,
        &address.company_name,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
}

/// The search text of `order` with these address names.
pub fn text(order: &order::Model, names: &[String]) -> String {
    compose(
        &order.number,
        [
            &order.external_id,
            &order.reference,
            &order.customer_email,
            &order.customer_name,
        ],
        names,
    )
}

/// The search text from its parts.
pub fn compose(number: &str, fields: [&Option<String>; 4], names: &[String]) -> String {
    let mut parts: Vec<&str> = vec![number];
    parts.extend(fields.into_iter().flatten().map(String::as_str));
    parts.extend(names.iter().map(String::as_str));
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
