//! The text `orders(filter: {search})` matches: number, external id, reference,
//! customer e-mail and name, the customer's external id, the billing and
//! shipping names, and the billing address's e-mail, phone and city,
//! lower-cased in one column so one LIKE (trigram-indexed on PostgreSQL) finds
//! them all.

use crate::entities::{addressbook, order};

/// What an address contributes to search: its names, and for the billing
/// address also its e-mail, phone and city (seed 002 searches "billing info").
pub fn address_terms(address: &addressbook::Model, billing: bool) -> Vec<String> {
    let mut terms: Vec<&Option<String>> = vec![
        &address.name,
        &address.first_name,
        &address.last_name,
        &address.company_name,
    ];
    if billing {
        terms.extend([&address.email, &address.phone, &address.city]);
    }
    terms.into_iter().flatten().cloned().collect()
}

/// The search text of `order`, whose customer has `customer_external_id`,
/// with these address terms.
pub fn text(
    order: &order::Model,
    customer_external_id: &Option<String>,
    terms: &[String],
) -> String {
    compose(
        &order.number,
        [
            &order.external_id,
            &order.reference,
            &order.customer_email,
            &order.customer_name,
            customer_external_id,
        ],
        terms,
    )
}

/// The search text from its parts: the order's own fields (external id,
/// reference, e-mail, name, the customer's external id), then the address
/// terms.
pub fn compose(number: &str, fields: [&Option<String>; 5], terms: &[String]) -> String {
    let mut parts: Vec<&str> = vec![number];
    parts.extend(fields.into_iter().flatten().map(String::as_str));
    parts.extend(terms.iter().map(String::as_str));
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_contacts_count_only_for_the_billing_address() {
        let address = addressbook::Model {
            id: 1,
            customer_id: None,
            name: None,
            first_name: Some("John".into()),
            last_name: Some("Doe".into()),
            company_name: None,
            address1: Some("123 Main Street".into()),
            address2: None,
            postal_code: Some("1012AB".into()),
            city: Some("Amsterdam".into()),
            province: None,
            country: Some("NL".into()),
            phone: Some("+31612345678".into()),
            email: Some("john.doe@example.com".into()),
            comments: None,
            created_at: chrono::Utc::now(),
        };
        assert_eq!(address_terms(&address, false), ["John", "Doe"]);
        let order = order::Model {
            number: "421409".into(),
            ..Default::default()
        };
        assert_eq!(
            text(
                &order,
                &Some("CUST-12345".into()),
                &address_terms(&address, true)
            ),
            "421409 cust-12345 john doe john.doe@example.com +31612345678 amsterdam"
        );
    }
}
