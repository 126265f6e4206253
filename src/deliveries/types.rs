//! GraphQL types of deliveries.

use async_graphql::{Context, ID, Object, SimpleObject};

use crate::scalars::Json;

use super::kinds::{DeliveryChannel, DeliveryState, TemplateKind};
use super::loaders::{AttemptsOfDelivery, EndpointId, RuleId};
use super::templates::{Rendered, Template};
use crate::entities::{automation_rule, delivery, delivery_attempt, webhook_endpoint};
use crate::error::AppError;
use crate::events::OrderEventKind;
use crate::graphql::loader::loader;
use crate::graphql::page_info::PageInfo;
use crate::ids::{NodeKind, global_id};
use crate::orders::types::Order;
use crate::orders::workflow::OrderStatus;
use crate::scalars::BigInt;

/// A webhook endpoint.
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

/// Where signed webhooks go (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature` headers), for which events. The
/// signing secret is shown only when the endpoint is created or its secret
/// rotated. Admins only.
#[Object]
impl WebhookEndpoint {
    /// The global id (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::WebhookEndpoint, self.0.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// Where webhooks are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// A note for admins.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The event kinds sent.
    async fn kinds(&self) -> &[OrderEventKind] {
        &self.0.kinds.0
    }
    /// Only orders from these sources; null: every source.
    async fn sources(&self) -> Option<&[String]> {
        self.0.sources.as_ref().map(|s| s.0.as_slice())
    }
    /// Only events after which the order is in one of these statuses; null:
    /// every status.
    async fn statuses(&self) -> Option<&[OrderStatus]> {
        self.0.statuses.as_ref().map(|s| s.0.as_slice())
    }
    /// Whether it receives webhooks. False when an admin stopped it or it was
    /// disabled after repeated failures (`disabledReason`): events meanwhile
    /// are not sent to it, and deliveries already queued wait until it is
    /// active again.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Failed attempts in a row (a success resets it).
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    /// Why it was disabled automatically; null otherwise.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When it was registered.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> crate::scalars::DateTime {
        self.0.updated_at.into()
    }
}

/// An endpoint with its signing secret, shown only now.
#[derive(SimpleObject)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_` + base64), for verifying signatures. It is
    /// not shown again; rotate it to get a new one.
    pub secret: String,
}

/// An automation rule.
pub struct AutomationRule(pub automation_rule::Model);

/// When an event of some kinds happens (optionally only for some sources or
/// statuses), send an e-mail template and/or call a webhook endpoint, after an
/// optional delay, unless the order reached one of `unlessStatuses` by then.
/// Admins only.
#[Object]
impl AutomationRule {
    /// The global id (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::AutomationRule, self.0.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether it runs.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The event kinds that trigger it.
    async fn kinds(&self) -> &[OrderEventKind] {
        &self.0.kinds.0
    }
    /// Only orders from these sources; null: every source.
    async fn sources(&self) -> Option<&[String]> {
        self.0.sources.as_ref().map(|s| s.0.as_slice())
    }
    /// Only events after which the order is in one of these statuses; null:
    /// every status.
    async fn statuses(&self) -> Option<&[OrderStatus]> {
        self.0.statuses.as_ref().map(|s| s.0.as_slice())
    }
    /// The e-mail it sends; null: none.
    async fn template(&self) -> Option<TemplateKind> {
        self.0.template
    }
    /// Where the e-mail goes; null: the order's customer.
    async fn recipient(&self) -> Option<&str> {
        self.0.recipient.as_deref()
    }
    /// The webhook endpoint it calls; null: none (or it was deleted).
    async fn endpoint(&self, ctx: &Context<'_>) -> Result<Option<WebhookEndpoint>, AppError> {
        match self.0.endpoint_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(EndpointId::new(id))
                .await?
                .map(WebhookEndpoint)),
            None => Ok(None),
        }
    }
    /// How long after the event it acts, in seconds.
    async fn delay_seconds(&self) -> BigInt {
        BigInt(self.0.delay_seconds)
    }
    /// What is still scheduled is cancelled when the order reaches one of
    /// these statuses.
    async fn unless_statuses(&self) -> &[OrderStatus] {
        &self.0.unless_statuses.0
    }
    /// When it was created.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}

/// A delivery.
pub struct Delivery(pub delivery::Model);

/// One e-mail or one webhook call that an event caused (or an admin's test),
/// with every attempt made. At least once: a receiver drops copies by the
/// delivery id (`webhook-id` header, e-mail Message-ID). Staff and admins.
#[Object]
impl Delivery {
    /// The global id (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Delivery, self.0.id)
    }
    /// The database id; webhooks carry it as `webhook-id: msg_<databaseId>`,
    /// e-mails as `Message-ID: <delivery-<databaseId>@...>`.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// E-mail or webhook.
    async fn channel(&self) -> DeliveryChannel {
        self.0.channel
    }
    /// Where it stands.
    async fn state(&self) -> DeliveryState {
        self.0.state
    }
    /// Why it was skipped, cancelled or failed, or why the last attempt
    /// failed; null otherwise.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The global id of the event that caused it; null for a test event.
    async fn event_id(&self) -> Option<ID> {
        self.0
            .event_id
            .map(|id| global_id(NodeKind::OrderEvent, id))
    }
    /// The order it is about; null for a test event.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>, AppError> {
        match self.0.order_id {
            Some(id) => Order::load(ctx, id).await,
            None => Ok(None),
        }
    }
    /// For webhooks, the endpoint; null for e-mails (or when it was deleted).
    async fn endpoint(&self, ctx: &Context<'_>) -> Result<Option<WebhookEndpoint>, AppError> {
        match self.0.endpoint_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(EndpointId::new(id))
                .await?
                .map(WebhookEndpoint)),
            None => Ok(None),
        }
    }
    /// The automation rule that caused it; null for `notify` e-mails, plain
    /// endpoint subscriptions and tests (or when the rule was deleted).
    async fn rule(&self, ctx: &Context<'_>) -> Result<Option<AutomationRule>, AppError> {
        match self.0.rule_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(RuleId::new(id))
                .await?
                .map(AutomationRule)),
            None => Ok(None),
        }
    }
    /// For e-mails, the template.
    async fn template(&self) -> Option<TemplateKind> {
        self.0.template
    }
    /// For e-mails, the address; null when the order had none (then SKIPPED).
    async fn recipient(&self) -> Option<&str> {
        self.0.recipient.as_deref()
    }
    /// When it is (or was) due.
    async fn due_at(&self) -> crate::scalars::DateTime {
        self.0.due_at.into()
    }
    /// Attempts made so far (of this round, after a redelivery).
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }
    /// When it was delivered; null until then.
    async fn sent_at(&self) -> Option<crate::scalars::DateTime> {
        self.0.sent_at.map(Into::into)
    }
    /// For webhooks, the body as sent (the event and the order as of the
    /// event); for e-mails, the template's context.
    async fn payload(&self) -> Json {
        Json(self.0.payload.clone())
    }
    /// For e-mails, what was sent or kept; null before it was rendered.
    async fn email(&self) -> Option<RenderedEmail> {
        Some(RenderedEmail {
            subject: self.0.subject.clone()?,
            text_body: self.0.text_body.clone().unwrap_or_default(),
            html_body: self.0.html_body.clone().unwrap_or_default(),
        })
    }
    /// Every attempt, oldest first.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<DeliveryAttempt>, AppError> {
        let rows = loader(ctx)?.load_one(AttemptsOfDelivery(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(DeliveryAttempt)
            .collect())
    }
    /// When it was created.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}

/// One try of a delivery.
pub struct DeliveryAttempt(pub delivery_attempt::Model);

/// One try of a delivery: when, how long, and what the other side answered.
#[Object]
impl DeliveryAttempt {
    /// Its number within the delivery's round, from 1.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// The instance that made it.
    async fn worker(&self) -> &str {
        &self.0.worker
    }
    /// When it started.
    async fn started_at(&self) -> crate::scalars::DateTime {
        self.0.started_at.into()
    }
    /// How long it took, in milliseconds.
    async fn duration_ms(&self) -> BigInt {
        BigInt(self.0.duration_ms)
    }
    /// Whether it delivered.
    async fn success(&self) -> bool {
        self.0.success
    }
    /// The HTTP status (webhooks) or SMTP reply code (e-mails); null when
    /// there was no answer.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// Why it failed; null when it did not.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The first bytes of the answer.
    async fn response(&self) -> Option<&str> {
        self.0.response.as_deref()
    }
}

/// A rendered e-mail.
#[derive(SimpleObject)]
pub struct RenderedEmail {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text_body: String,
    /// The HTML part.
    pub html_body: String,
}

impl From<Rendered> for RenderedEmail {
    fn from(r: Rendered) -> Self {
        RenderedEmail {
            subject: r.subject,
            text_body: r.text_body,
            html_body: r.html_body,
        }
    }
}

/// An e-mail template in use.
#[derive(SimpleObject)]
pub struct EmailTemplate {
    /// Which one.
    pub kind: TemplateKind,
    /// The subject line (minijinja).
    pub subject: String,
    /// The plain-text part (minijinja).
    pub text_body: String,
    /// The HTML part (minijinja; values are HTML-escaped).
    pub html_body: String,
    /// Whether it is the built-in template (no admin changed it).
    pub is_default: bool,
}

impl EmailTemplate {
    /// The template of `kind` as in use.
    pub fn new(kind: TemplateKind, (template, is_default): (Template, bool)) -> Self {
        EmailTemplate {
            kind,
            subject: template.subject,
            text_body: template.text_body,
            html_body: template.html_body,
            is_default,
        }
    }
}

/// One delivery of a page, with its cursor.
#[derive(SimpleObject)]
pub struct DeliveryEdge {
    /// Pass as `after` to continue after this delivery.
    pub cursor: String,
    /// The delivery.
    pub node: Delivery,
}

/// A page of deliveries, newest first (a Relay connection).
pub struct DeliveryConnection {
    pub rows: Vec<delivery::Model>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// A page of deliveries, newest first (a Relay connection).
#[Object]
impl DeliveryConnection {
    /// The deliveries with their cursors.
    async fn edges(&self) -> Vec<DeliveryEdge> {
        self.rows
            .iter()
            .map(|row| DeliveryEdge {
                cursor: global_id(NodeKind::Delivery, row.id).0,
                node: Delivery(row.clone()),
            })
            .collect()
    }
    /// The deliveries.
    async fn nodes(&self) -> Vec<Delivery> {
        self.rows.iter().cloned().map(Delivery).collect()
    }
    /// Where this page sits.
    async fn page_info(&self) -> PageInfo {
        let cursor = |row: &delivery::Model| global_id(NodeKind::Delivery, row.id).0;
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.rows.first().map(cursor),
            end_cursor: self.rows.last().map(cursor),
        }
    }
}
