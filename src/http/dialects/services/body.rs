//! Seed 002's request bodies (place, action) and their translation into the
//! order services' inputs, checked with the seed's own field names; and the
//! way back: a service's path (`lines.0.name`) as the seed names it
//! (`items.0.product_name`).

use serde::Deserialize;
use serde_json::Value;

use super::answer::status_name;
use crate::customers::inputs::AddressInput;
use crate::error::FieldError;
use crate::lines::inputs::OrderLineInput;
use crate::money::Money;
use crate::orders::inputs::{OrderActionInput, OrderActionKind, PlaceOrderInput};
use crate::orders::workflow::OrderStatus;
use crate::scalars::Json;

/// Text the seed may send as a string or a number (`customer_id`,
/// `product_id`, phone numbers).
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Text {
    Text(String),
    Number(serde_json::Number),
}

impl Text {
    fn text(value: &Option<Text>) -> Option<String> {
        value.as_ref().map(|v| match v {
            Text::Text(s) => s.clone(),
            Text::Number(n) => n.to_string(),
        })
    }
}

/// An amount, as a string or a JSON number taken by its shortest round-trip
/// text (as the GraphQL `Decimal` scalar reads it).
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Amount {
    Text(String),
    Number(serde_json::Number),
}

impl Amount {
    fn parse(value: &Option<Amount>, path: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
        let text = match value.as_ref()? {
            Amount::Text(s) => s.clone(),
            Amount::Number(n) => n.to_string(),
        };
        match text.parse::<Money>() {
            Ok(money) => Some(money),
            Err(e) => {
                errors.push(FieldError::new(
                    path,
                    format!("The {path} field must be a number: \"{text}\" is not one ({e})."),
                ));
                None
            }
        }
    }
}

#[derive(Deserialize, Debug)]
pub struct ItemBody {
    product_id: Option<Text>,
    product_name: Option<String>,
    quantity: Option<Amount>,
    price: Option<Amount>,
    metadata: Option<Value>,
}

#[derive(Deserialize, Debug)]
pub struct BillingBody {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<Text>,
    address: Option<String>,
    city: Option<String>,
    postal_code: Option<Text>,
    country: Option<String>,
}

/// `POST /api/orders/place`. `currency` and `user_id` are ours: the seed
/// has neither on its body, but its orders have a currency symbol and its
/// list filters by `user_id`.
#[derive(Deserialize, Debug)]
pub struct PlaceBody {
    customer_id: Option<Text>,
    items: Option<Vec<ItemBody>>,
    billing: Option<BillingBody>,
    total: Option<Amount>,
    total_tax: Option<Amount>,
    status: Option<String>,
    notes: Option<String>,
    metadata: Option<Value>,
    currency: Option<String>,
    user_id: Option<Text>,
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, format!("The {field} field is required."))
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

/// A status as the seed names it (any case), or an error naming `path`.
pub fn parse_status(text: &str, path: &str) -> Result<OrderStatus, FieldError> {
    text.parse::<OrderStatus>().map_err(|_| {
        let names: Vec<String> = super::answer::SEED_STATUSES
            .into_iter()
            .chain([OrderStatus::Shipped, OrderStatus::Delivered])
            .map(status_name)
            .collect();
        FieldError::new(
            path,
            format!(
                "The selected {path} is invalid: \"{text}\" is not one of {}.",
                names.join(", ")
            ),
        )
    })
}

impl PlaceBody {
    /// The placeOrder input of this body, or every problem the seed's own
    /// rules find (the service checks the rest).
    pub fn into_input(self) -> Result<PlaceOrderInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let customer_id = Text::text(&self.customer_id);
        if blank(&customer_id) {
            errors.push(required("customer_id"));
        }
        let items = self.items.unwrap_or_default();
        if items.is_empty() {
            errors.push(required("items"));
        }
        let mut lines = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let at = |field: &str| format!("items.{i}.{field}");
            if blank(&item.product_name) {
                errors.push(required(&at("product_name")));
            }
            let quantity = Amount::parse(&item.quantity, &at("quantity"), &mut errors);
            if item.quantity.is_none() {
                errors.push(required(&at("quantity")));
            }
            let price = Amount::parse(&item.price, &at("price"), &mut errors);
            if item.price.is_none() {
                errors.push(required(&at("price")));
            }
            lines.push(OrderLineInput {
                external_id: Text::text(&item.product_id),
                name: item.product_name,
                quantity: quantity.unwrap_or_default(),
                price,
                custom: item.metadata.filter(|m| !m.is_null()).map(Json),
                ..Default::default()
            });
        }
        let billing = match self.billing {
            None => {
                errors.push(required("billing"));
                None
            }
            Some(b) => {
                for (value, field) in [
                    (&b.first_name, "billing.first_name"),
                    (&b.last_name, "billing.last_name"),
                    (&b.email, "billing.email"),
                ] {
                    if blank(value) {
                        errors.push(required(field));
                    }
                }
                Some(AddressInput {
                    first_name: b.first_name,
                    last_name: b.last_name,
                    email: b.email,
                    phone: Text::text(&b.phone),
                    address1: b.address,
                    city: b.city,
                    postal_code: Text::text(&b.postal_code),
                    country: b.country,
                    ..Default::default()
                })
            }
        };
        let total = Amount::parse(&self.total, "total", &mut errors);
        let total_tax = Amount::parse(&self.total_tax, "total_tax", &mut errors);
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match parse_status(text, "status") {
                Ok(status) => Some(status),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PlaceOrderInput {
            customer_external_id: customer_id,
            lines,
            billing_address: billing,
            total,
            total_tax,
            status,
            notes: self.notes,
            metadata: self.metadata.filter(|m| !m.is_null()).map(Json),
            currency: self.currency,
            user_id: Text::text(&self.user_id),
            ..Default::default()
        })
    }
}

/// `POST /api/orders/{id}/action`.
#[derive(Deserialize, Debug)]
pub struct ActionBody {
    action: Option<String>,
    status: Option<String>,
    notes: Option<String>,
    metadata: Option<Value>,
}

impl ActionBody {
    /// The orderAction input, the keys this action does not use (reported
    /// back like unknown ones), or the problems found.
    pub fn into_input(self) -> Result<(OrderActionInput, Vec<String>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut unused = Vec::new();
        let action = match self.action.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(required("action"));
                None
            }
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "update_status" => Some(OrderActionKind::UpdateStatus),
                "cancel" => Some(OrderActionKind::Cancel),
                "complete" => Some(OrderActionKind::Complete),
                "update_metadata" => Some(OrderActionKind::UpdateMetadata),
                _ => {
                    errors.push(FieldError::new(
                        "action",
                        format!(
                            "The selected action is invalid: \"{text}\" is not one of update_status, cancel, complete, update_metadata."
                        ),
                    ));
                    None
                }
            },
        };
        let mut status = None;
        match (&self.status, action) {
            (Some(text), Some(OrderActionKind::UpdateStatus)) if !text.trim().is_empty() => {
                match parse_status(text, "status") {
                    Ok(s) => status = Some(s),
                    Err(e) => errors.push(e),
                }
            }
            (_, Some(OrderActionKind::UpdateStatus)) => errors.push(FieldError::new(
                "status",
                "The status field is required when action is update_status.",
            )),
            (Some(_), Some(_)) => unused.push("status".to_owned()),
            _ => {}
        }
        let metadata = match (self.metadata, action) {
            (Some(m), Some(OrderActionKind::UpdateMetadata)) if m.is_object() => Some(Json(m)),
            (Some(m), Some(OrderActionKind::UpdateMetadata)) if !m.is_null() => {
                errors.push(FieldError::new(
                    "metadata",
                    "The metadata field must be an object.",
                ));
                None
            }
            (_, Some(OrderActionKind::UpdateMetadata)) => {
                errors.push(FieldError::new(
                    "metadata",
                    "The metadata field is required when action is update_metadata.",
                ));
                None
            }
            (Some(_), Some(_)) => {
                unused.push("metadata".to_owned());
                None
            }
            _ => None,
        };
        match (errors.is_empty(), action) {
            (true, Some(action)) => Ok((
                OrderActionInput {
                    action,
                    status,
                    note: self.notes,
                    notify: None,
                    metadata,
                    expected_version: None,
                },
                unused,
            )),
            _ => Err(errors),
        }
    }
}

/// The seed's name for a path the order services report in GraphQL names.
pub fn seed_path(path: &str) -> String {
    let path = path
        .strip_prefix("input.")
        .or_else(|| path.strip_prefix("filter."))
        .unwrap_or(path);
    let mut segments: Vec<&str> = path.split('.').collect();
    let renamed: Vec<String> = match segments.as_mut_slice() {
        ["lines", rest @ ..] => {
            let mut out = vec!["items".to_owned()];
            out.extend(rest.iter().enumerate().map(|(i, s)| {
                if i == 1 {
                    match *s {
                        "name" => "product_name",
                        "externalId" | "productCode" | "productId" => "product_id",
                        "custom" => "metadata",
                        other => other,
                    }
                    .to_owned()
                } else {
                    (*s).to_owned()
                }
            }));
            out
        }
        ["billingAddress", rest @ ..] => {
            let mut out = vec!["billing".to_owned()];
            out.extend(rest.iter().map(|s| {
                match *s {
                    "firstName" => "first_name",
                    "lastName" => "last_name",
                    "address1" => "address",
                    "postalCode" => "postal_code",
                    other => other,
                }
                .to_owned()
            }));
            out
        }
        [head, rest @ ..] => {
            let mut out = vec![
                match *head {
                    "customerExternalId" | "customerId" => "customer_id",
                    "totalTax" => "total_tax",
                    "userId" => "user_id",
                    "note" => "notes",
                    "dateFrom" => "date_from",
                    "dateTo" => "date_to",
                    "perPage" => "per_page",
                    other => other,
                }
                .to_owned(),
            ];
            out.extend(rest.iter().map(|s| (*s).to_owned()));
            out
        }
        [] => Vec::new(),
    };
    renamed.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_paths_become_the_seeds_names() {
        assert_eq!(seed_path("lines.1.name"), "items.1.product_name");
        assert_eq!(seed_path("lines.0.custom"), "items.0.metadata");
        assert_eq!(seed_path("lines.0.quantity"), "items.0.quantity");
        assert_eq!(seed_path("lines"), "items");
        assert_eq!(
            seed_path("billingAddress.postalCode"),
            "billing.postal_code"
        );
        assert_eq!(seed_path("billingAddress"), "billing");
        assert_eq!(seed_path("customerExternalId"), "customer_id");
        assert_eq!(seed_path("input.note"), "notes");
        assert_eq!(seed_path("totalTax"), "total_tax");
        assert_eq!(seed_path("filter.dateTo"), "date_to");
    }

    #[test]
    fn the_seeds_required_fields_are_named_the_seeds_way() {
        let body: PlaceBody = serde_json::from_value(serde_json::json!({
            "items": [{"product_name": "x", "quantity": 1}],
            "billing": {"first_name": "J"}
        }))
        .unwrap();
        let paths: Vec<String> = body
            .into_input()
            .unwrap_err()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "customer_id",
                "items.0.price",
                "billing.last_name",
                "billing.email"
            ]
        );
    }

    #[test]
    fn an_action_reports_the_keys_it_does_not_use() {
        let body: ActionBody = serde_json::from_value(
            serde_json::json!({"action": "complete", "status": "pending", "notes": "done"}),
        )
        .unwrap();
        let (input, unused) = body.into_input().unwrap();
        assert_eq!(input.action, OrderActionKind::Complete);
        assert_eq!(input.note.as_deref(), Some("done"));
        assert_eq!(unused, ["status"]);
    }
}
