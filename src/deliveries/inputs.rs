//! GraphQL inputs of deliveries: webhook endpoints, automation rules, e-mail
//! templates and the delivery list's filter.

use async_graphql::{ID, InputObject};

use super::kinds::{DeliveryChannel, DeliveryState, TemplateKind};
use crate::events::OrderEventKind;
use crate::orders::workflow::OrderStatus;

/// A webhook endpoint to register.
#[derive(InputObject, Clone, Debug)]
pub struct WebhookEndpointInput {
    /// Where to POST: an http(s) URL. Loopback, private, link-local and
    /// metadata addresses are refused unless the server allows them.
    pub url: String,
    /// The event kinds to send (at least one). ADMIN_FIELDS_UPDATED is staff
    /// data and is never sent.
    pub kinds: Vec<OrderEventKind>,
    /// Only orders from these sources; absent or empty: every source.
    pub sources: Option<Vec<String>>,
    /// Only events after which the order is in one of these statuses; absent
    /// or empty: every status.
    pub statuses: Option<Vec<OrderStatus>>,
    /// A note for admins.
    pub description: Option<String>,
}

/// Changes to a webhook endpoint; absent fields stay as they are.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateWebhookEndpointInput {
    /// A new URL.
    pub url: Option<String>,
    /// New event kinds (at least one).
    pub kinds: Option<Vec<OrderEventKind>>,
    /// New source filter; an empty list removes it.
    pub sources: Option<Vec<String>>,
    /// New status filter; an empty list removes it.
    pub statuses: Option<Vec<OrderStatus>>,
    /// A new note.
    pub description: Option<String>,
    /// false stops the endpoint: events from then on are not sent to it, and
    /// deliveries already queued wait. true re-enables it (also after it was
    /// disabled for failing), resets its failure count, and the queued
    /// deliveries go.
    pub active: Option<bool>,
}

/// An automation rule: *when* an event of `kinds` happens (optionally only for
/// `sources` and `statuses`), *then* send `template` (to the customer, or to
/// `recipient`) and/or call the webhook endpoint `endpointId`, *after*
/// `delaySeconds`, unless the order reached one of `unlessStatuses` by then.
#[derive(InputObject, Clone, Debug)]
pub struct AutomationRuleInput {
    /// A name for admins.
    pub name: String,
    /// Whether it runs; default false.
    pub active: Option<bool>,
    /// The event kinds that trigger it (at least one; not ADMIN_FIELDS_UPDATED).
    pub kinds: Vec<OrderEventKind>,
    /// Only orders from these sources; absent or empty: every source.
    pub sources: Option<Vec<String>>,
    /// Only events after which the order is in one of these statuses (e.g.
    /// SHIPPED for "shipped"); absent or empty: every status.
    pub statuses: Option<Vec<OrderStatus>>,
    /// The e-mail to send, if any.
    pub template: Option<TemplateKind>,
    /// A fixed e-mail address; absent: the order's customer.
    pub recipient: Option<String>,
    /// A webhook endpoint to call, if any.
    pub endpoint_id: Option<ID>,
    /// How long after the event, in seconds (0 to 31,536,000); default 0.
    pub delay_seconds: Option<i64>,
    /// Cancel what is still scheduled when the order reaches one of these
    /// statuses; default CANCELLED and REFUNDED.
    pub unless_statuses: Option<Vec<OrderStatus>>,
}

/// An e-mail template's three parts, in minijinja syntax. The context holds
/// `order` (number, status, statusLabel, customerName, totals, tracking,
/// lines, ...), `event` (kind, fromStatus, toStatus, note, ...) and `message`
/// (fromUser, text; null unless a message was added). HTML is auto-escaped.
#[derive(InputObject, Clone, Debug)]
pub struct EmailTemplateInput {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text_body: String,
    /// The HTML part.
    pub html_body: String,
}

/// Which deliveries to list; every given field must match.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DeliveryFilter {
    /// Only those of this order.
    pub order_id: Option<ID>,
    /// Only those to this webhook endpoint.
    pub endpoint_id: Option<ID>,
    /// Only those of this automation rule.
    pub rule_id: Option<ID>,
    /// Only e-mails, or only webhooks.
    pub channel: Option<DeliveryChannel>,
    /// Only those in one of these states.
    pub states: Option<Vec<DeliveryState>>,
}
