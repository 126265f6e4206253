//! Global object ids (Relay "Object Identification"): every object with an
//! identity has an opaque `id` that is unique across types, so a client store
//! keyed by id alone (Relay, Apollo with `dataIdFromObject`) never confuses
//! order 1 with customer 1. The encoding is base64 of `Type:databaseId`, as
//! graphql-relay and Saleor write it; clients must treat it as opaque.
//!
//! Every id argument also takes the plain database id (digits) for one release,
//! so clients written against the numeric ids keep working while they move to
//! global ids. A global id can never be all digits (base64 of a type name
//! starts with a letter), so the two forms cannot be confused.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{AppError, AppResult, FieldError};

/// The object types that have a global id (the types implementing `Node`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Order,
    OrderLine,
    OrderMessage,
    OrderEvent,
    Customer,
    Address,
    Product,
    ApiKey,
    WebhookEndpoint,
    Delivery,
    AutomationRule,
    Fulfillment,
    PaymentTransaction,
    Refund,
    SavedView,
}

impl NodeKind {
    /// Every kind.
    pub const ALL: [NodeKind; 15] = [
        NodeKind::Order,
        NodeKind::OrderLine,
        NodeKind::OrderMessage,
        NodeKind::OrderEvent,
        NodeKind::Customer,
        NodeKind::Address,
        NodeKind::Product,
        NodeKind::ApiKey,
        NodeKind::WebhookEndpoint,
        NodeKind::Delivery,
        NodeKind::AutomationRule,
        NodeKind::Fulfillment,
        NodeKind::PaymentTransaction,
        NodeKind::Refund,
        NodeKind::SavedView,
    ];

    /// The GraphQL type name, which is also the prefix inside the id.
    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Order => "Order",
            NodeKind::OrderLine => "OrderLine",
            NodeKind::OrderMessage => "OrderMessage",
            NodeKind::OrderEvent => "OrderEvent",
            NodeKind::Customer => "Customer",
            NodeKind::Address => "Address",
            NodeKind::Product => "Product",
            NodeKind::ApiKey => "ApiKey",
            NodeKind::WebhookEndpoint => "WebhookEndpoint",
            NodeKind::Delivery => "Delivery",
            NodeKind::AutomationRule => "AutomationRule",
            NodeKind::Fulfillment => "Fulfillment",
            NodeKind::PaymentTransaction => "PaymentTransaction",
            NodeKind::Refund => "Refund",
            NodeKind::SavedView => "SavedView",
        }
    }

    /// How error messages name it ("an order line id").
    fn noun(self) -> &'static str {
        match self {
            NodeKind::Order => "an order",
            NodeKind::OrderLine => "an order line",
            NodeKind::OrderMessage => "an order message",
            NodeKind::OrderEvent => "an order event",
            NodeKind::Customer => "a customer",
            NodeKind::Address => "an address",
            NodeKind::Product => "a product",
            NodeKind::ApiKey => "an API key",
            NodeKind::WebhookEndpoint => "a webhook endpoint",
            NodeKind::Delivery => "a delivery",
            NodeKind::AutomationRule => "an automation rule",
            NodeKind::Fulfillment => "a fulfillment",
            NodeKind::PaymentTransaction => "a payment transaction",
            NodeKind::Refund => "a refund",
            NodeKind::SavedView => "a saved view",
        }
    }

    fn from_type_name(name: &str) -> Option<NodeKind> {
        Self::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

/// The global id of the `kind` object with database id `id`.
pub fn global_id(kind: NodeKind, id: i64) -> ID {
    ID(STANDARD.encode(format!("{}:{id}", kind.type_name())))
}

/// What an id names: a global id says its type, a plain database id does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A global id.
    Global(NodeKind, i64),
    /// A plain database id (deprecated form).
    Database(i64),
}

/// Reads either form; `None` when `raw` is neither.
pub fn decode(raw: &str) -> Option<Decoded> {
    let raw = raw.trim();
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Decoded::Database);
    }
    let bytes = STANDARD.decode(raw).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (name, id) = text.split_once(':')?;
    let kind = NodeKind::from_type_name(name)?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    Some(Decoded::Global(kind, id))
}

/// The database id of a `kind` object from its global id (or its plain
/// database id); the problem in a sentence otherwise.
pub fn database_id(raw: &str, kind: NodeKind) -> Result<i64, String> {
    match decode(raw) {
        Some(Decoded::Database(id)) => Ok(id),
        Some(Decoded::Global(found, id)) if found == kind => Ok(id),
        Some(Decoded::Global(found, _)) => Err(format!(
            "is the id of {} ({}), not of {}",
            found.noun(),
            found.type_name(),
            kind.noun()
        )),
        None => Err(format!("\"{raw}\" is not {} id", kind.noun())),
    }
}

/// [`database_id`], as BAD_USER_INPUT at `path`.
pub fn parse(id: &ID, kind: NodeKind, path: &str) -> AppResult<i64> {
    database_id(id.as_str(), kind).map_err(|message| AppError::invalid_field(path, message))
}

/// [`database_id`], collecting the problem at `path` into `errors`.
pub fn parse_into(
    id: &ID,
    kind: NodeKind,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    database_id(id.as_str(), kind)
        .map_err(|message| errors.push(FieldError::new(path, message)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_for_every_kind() {
        for kind in NodeKind::ALL {
            let id = global_id(kind, 9_007_199_254_740_993);
            assert_eq!(
                decode(&id),
                Some(Decoded::Global(kind, 9_007_199_254_740_993))
            );
            assert_eq!(database_id(&id, kind), Ok(9_007_199_254_740_993));
        }
    }

    #[test]
    fn ids_of_different_types_never_collide() {
        let mut seen = std::collections::HashSet::new();
        for kind in NodeKind::ALL {
            assert!(seen.insert(global_id(kind, 1).0), "{kind:?}");
        }
    }

    #[test]
    fn the_relay_encoding_is_base64_of_type_and_id() {
        assert_eq!(global_id(NodeKind::Order, 1).as_str(), "T3JkZXI6MQ==");
    }

    #[test]
    fn plain_database_ids_are_still_accepted() {
        assert_eq!(database_id("42", NodeKind::Customer), Ok(42));
        assert_eq!(database_id(" 42 ", NodeKind::Customer), Ok(42));
    }

    #[test]
    fn a_global_id_of_another_type_is_refused_by_name() {
        let customer = global_id(NodeKind::Customer, 1);
        let err = database_id(&customer, NodeKind::Order).unwrap_err();
        assert_eq!(err, "is the id of a customer (Customer), not of an order");
    }

    #[test]
    fn garbage_zero_and_negative_ids_are_refused() {
        for raw in [
            "",
            "0",
            "-1",
            "abc",
            "T3JkZXI6MA==",
            "T3JkZXI6LTE=",
            "Tm9wZToy",
        ] {
            assert!(database_id(raw, NodeKind::Order).is_err(), "{raw}");
        }
    }
}
