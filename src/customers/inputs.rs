//! GraphQL inputs of the customer domain, with the checks that belong to them.
//! Services use these; nothing here knows the GraphQL output types.

use async_graphql::{ID, InputObject};

use crate::entities::addressbook;
use crate::error::FieldError;
use crate::ids::{self, NodeKind};
use crate::validate::{MAX_SHORT, blank, check_len, clean, normalize_email};

/// Longest accepted delivery instructions.
const MAX_COMMENTS: usize = 5_000;

/// A customer to create or update. The key is `externalId` when given, else
/// `email`; at least one is required. Absent fields stay unchanged on update.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CustomerInput {
    /// The id in the system the customer comes from.
    pub external_id: Option<String>,
    /// E-mail address (stored lower-cased).
    pub email: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The wholesaler's own code for the customer (seed 003's
    /// `customer_reference_code`); absent leaves it unchanged.
    pub reference_code: Option<String>,
}

/// An address: either `id` of an address of the same customer (the other fields
/// are then ignored), or the fields of a new one.
// Deserialize: order files of `ordergraph import`, in the GraphQL names.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressInput {
    /// An existing address of the order's customer (its `Address.id`).
    pub id: Option<ID>,
    /// Name of the addressee.
    pub name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Street and house number.
    pub address1: Option<String>,
    /// Apartment, suite, floor.
    pub address2: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province or state.
    pub province: Option<String>,
    /// Country: ISO 3166-1 alpha-2 code ("NL", "US"), any case.
    pub country: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Delivery instructions.
    pub comments: Option<String>,
}

impl AddressInput {
    /// The database id of the saved address it names, if it names one and the
    /// id is well-formed.
    pub fn saved_id(&self) -> Option<i64> {
        self.id
            .as_ref()
            .and_then(|id| ids::database_id(id, NodeKind::Address).ok())
    }

    /// Checks the address, reporting problems under `path`.
    pub fn validate(&self, path: &str, errors: &mut Vec<FieldError>) {
        if let Some(id) = &self.id {
            ids::parse_into(id, NodeKind::Address, &format!("{path}.id"), errors);
            return;
        }
        let short = [
            ("name", &self.name),
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("companyName", &self.company_name),
            ("address1", &self.address1),
            ("address2", &self.address2),
            ("postalCode", &self.postal_code),
            ("city", &self.city),
            ("province", &self.province),
            ("phone", &self.phone),
            ("email", &self.email),
        ];
        for (field, value) in short {
            check_len(
                value.as_deref(),
                MAX_SHORT,
                &format!("{path}.{field}"),
                errors,
            );
        }
        check_len(
            self.comments.as_deref(),
            MAX_COMMENTS,
            &format!("{path}.comments"),
            errors,
        );
        if let Some(country) = self.country.as_deref().map(str::trim)
            && !(country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()))
        {
            errors.push(FieldError::new(
                format!("{path}.country"),
                "must be a two-letter ISO 3166-1 country code, such as NL or US",
            ));
        }
        if let Some(email) = self.email.as_deref()
            && !email.trim().is_empty()
            && normalize_email(email).is_none()
        {
            errors.push(FieldError::new(
                format!("{path}.email"),
                "is not an e-mail address",
            ));
        }
        let empty =
            short.iter().all(|(_, v)| blank(v)) && blank(&self.country) && blank(&self.comments);
        if empty {
            errors.push(FieldError::new(
                path,
                "an address needs at least one field, or the id of a saved address",
            ));
        }
    }

    /// Whether `stored` already holds what this input describes.
    pub fn same_as(&self, stored: &addressbook::Model) -> bool {
        if self.id.is_some() {
            return self.saved_id() == Some(stored.id);
        }
        clean(&self.name) == stored.name
            && clean(&self.first_name) == stored.first_name
            && clean(&self.last_name) == stored.last_name
            && clean(&self.company_name) == stored.company_name
            && clean(&self.address1) == stored.address1
            && clean(&self.address2) == stored.address2
            && clean(&self.postal_code) == stored.postal_code
            && clean(&self.city) == stored.city
            && clean(&self.province) == stored.province
            && clean(&self.country).map(|c| c.to_ascii_uppercase()) == stored.country
            && clean(&self.phone) == stored.phone
            && clean(&self.comments) == stored.comments
    }

    /// What this input contributes to order search: its names, and as the
    /// billing address also its e-mail, phone and city (an input naming a
    /// saved address contributes the saved row's instead).
    pub fn search_terms(&self, billing: bool) -> Vec<String> {
        let mut terms = vec![
            &self.name,
            &self.first_name,
            &self.last_name,
            &self.company_name,
        ];
        if billing {
            terms.extend([&self.email, &self.phone, &self.city]);
        }
        terms.into_iter().flatten().cloned().collect()
    }
}

/// Which customers `customers` lists. Every given field must match (AND);
/// absent fields do not filter.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CustomerFilter {
    /// Only the customer with this e-mail address (any case).
    pub email: Option<String>,
    /// Only customers whose name holds this text (case-insensitive).
    pub name: Option<String>,
    /// Only the customer with this external id (exact).
    pub external_id: Option<String>,
    /// Case-insensitive substring of the e-mail, name, external id, company,
    /// phone or reference code; at most 200 characters.
    pub search: Option<String>,
    /// true: only archived customers; false or absent: only active ones
    /// (archived customers are hidden unless asked for).
    pub archived: Option<bool>,
}

/// Changes to a customer (`updateCustomer`); absent fields stay as they are,
/// an empty string clears one. The customer keeps an `externalId` or an
/// `email` (its keys).
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateCustomerInput {
    /// The id in the system the customer comes from (unique); at most 255
    /// characters.
    pub external_id: Option<String>,
    /// E-mail address (stored lower-cased; unique).
    pub email: Option<String>,
    /// Full name; at most 255 characters.
    pub name: Option<String>,
    /// Company name; at most 255 characters.
    pub company_name: Option<String>,
    /// Phone number; at most 255 characters.
    pub phone: Option<String>,
    /// The wholesaler's own code for the customer; at most 255 characters.
    pub reference_code: Option<String>,
}
