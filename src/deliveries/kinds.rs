//! The vocabulary of deliveries: channels, states, e-mail template kinds, and
//! the JSON lists (event kinds, statuses, sources) that endpoints and rules
//! filter by. Pure: no I/O.

use async_graphql::Enum;
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter, FromJsonQueryResult};
use serde::{Deserialize, Serialize};

use crate::events::OrderEventKind;
use crate::orders::workflow::OrderStatus;

// Stored by their GraphQL names, like the order enums.
/// How a delivery travels.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryChannel {
    /// An e-mail over SMTP.
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// A signed HTTP POST to a webhook endpoint.
    #[sea_orm(string_value = "WEBHOOK")]
    Webhook,
}

/// Where a delivery stands.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryState {
    /// Waiting for its due time, or for a retry after a failed attempt.
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    /// Delivered: the SMTP server accepted the e-mail, or the endpoint answered 2xx.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Every attempt failed; an admin may redeliver it.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Not sent, for the reason given (no e-mail address, say).
    #[sea_orm(string_value = "SKIPPED")]
    Skipped,
    /// Cancelled before it was due (by staff, or because the order was cancelled
    /// or refunded).
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// An e-mail rendered and kept, not sent, because the server has no
    /// SMTP_URL; its subject and bodies are readable.
    #[sea_orm(string_value = "KEPT")]
    Kept,
}

/// The e-mail templates, one per occasion.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "EmailTemplateKind")]
pub enum TemplateKind {
    /// A new order was received.
    #[sea_orm(string_value = "ORDER_CONFIRMATION")]
    OrderConfirmation,
    /// The order moved to another status.
    #[sea_orm(string_value = "STATUS_CHANGED")]
    StatusChanged,
    /// The order has a tracking code.
    #[sea_orm(string_value = "TRACKING_ADDED")]
    TrackingAdded,
    /// Someone wrote a message on the order.
    #[sea_orm(string_value = "MESSAGE_ADDED")]
    MessageAdded,
    /// Asking the customer for a review, some days after the order (seed 004).
    #[sea_orm(string_value = "REVIEW_REQUEST")]
    ReviewRequest,
    /// A shipment (fulfillment) of the order was recorded, left, was
    /// delivered or got new tracking; `event.data.fulfillment` holds it.
    #[sea_orm(string_value = "FULFILLMENT_UPDATE")]
    FulfillmentUpdate,
    /// Money was refunded (`refundOrder` with `notify: true`).
    #[sea_orm(string_value = "REFUND_CREATED")]
    RefundCreated,
}

impl TemplateKind {
    /// Every kind.
    pub const ALL: [TemplateKind; 7] = [
        TemplateKind::OrderConfirmation,
        TemplateKind::StatusChanged,
        TemplateKind::TrackingAdded,
        TemplateKind::MessageAdded,
        TemplateKind::ReviewRequest,
        TemplateKind::FulfillmentUpdate,
        TemplateKind::RefundCreated,
    ];

    /// The template a `notify: true` change of this kind sends (seed 003).
    pub fn for_notify(kind: OrderEventKind) -> Option<TemplateKind> {
        match kind {
            OrderEventKind::StatusChanged => Some(TemplateKind::StatusChanged),
            OrderEventKind::TrackingUpdated => Some(TemplateKind::TrackingAdded),
            OrderEventKind::MessageAdded => Some(TemplateKind::MessageAdded),
            OrderEventKind::FulfillmentCreated | OrderEventKind::FulfillmentUpdated => {
                Some(TemplateKind::FulfillmentUpdate)
            }
            OrderEventKind::RefundCreated => Some(TemplateKind::RefundCreated),
            _ => None,
        }
    }
}

/// A list of event kinds, stored as a JSON array of names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct EventKinds(pub Vec<OrderEventKind>);

/// A list of order statuses, stored as a JSON array of names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Statuses(pub Vec<OrderStatus>);

/// A list of order sources, stored as a JSON array.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Sources(pub Vec<String>);

/// The webhook `type` of an event kind: dotted and lower case
/// (`STATUS_CHANGED` → `order.status_changed`).
pub fn webhook_type(kind: OrderEventKind) -> String {
    format!("order.{}", kind.as_str().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn stored_values_are_graphql_names() {
        for kind in TemplateKind::iter() {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.to_value())
            );
        }
        assert_eq!(TemplateKind::iter().count(), TemplateKind::ALL.len());
        for state in DeliveryState::iter() {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::json!(state.to_value())
            );
        }
    }

    #[test]
    fn webhook_types_are_dotted_lower_case() {
        assert_eq!(
            webhook_type(OrderEventKind::StatusChanged),
            "order.status_changed"
        );
        assert_eq!(webhook_type(OrderEventKind::Created), "order.created");
    }

    #[test]
    fn seed_003_notify_kinds_have_templates() {
        assert_eq!(
            TemplateKind::for_notify(OrderEventKind::TrackingUpdated),
            Some(TemplateKind::TrackingAdded)
        );
        assert_eq!(TemplateKind::for_notify(OrderEventKind::Created), None);
    }
}
