//! Delivery mutations: endpoints, rules and templates (admins); cancelling and
//! redelivering one delivery (staff and admins).

use async_graphql::{Context, ID, Object};

use super::inputs::{
    AutomationRuleInput, EmailTemplateInput, UpdateWebhookEndpointInput, WebhookEndpointInput,
};
use super::kinds::TemplateKind;
use super::queries::{require_deliveries, require_settings};
use super::service;
use super::types::{
    AutomationRule, Delivery, EmailTemplate, WebhookEndpoint, WebhookEndpointWithSecret,
};
use crate::error::AppError;
use crate::graphql::context::{policy, require_principal, state};
use crate::ids::{self, NodeKind};

/// Delivery mutations.
#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Registers a webhook endpoint. The answer holds its signing secret, shown
    /// only here. Admins only.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The endpoint.")] input: WebhookEndpointInput,
    ) -> Result<WebhookEndpointWithSecret, AppError> {
        require_settings(policy(ctx)?)?;
        let app = state(ctx)?;
        let (endpoint, secret) =
            service::create_endpoint(&app.db, input, app.config.webhook_allow_private).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Changes a webhook endpoint; `active: true` re-enables one that was
    /// disabled for failing. Admins only.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The endpoint's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "What to change.")] input: UpdateWebhookEndpointInput,
    ) -> Result<WebhookEndpoint, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::WebhookEndpoint, "id")?;
        let app = state(ctx)?;
        Ok(WebhookEndpoint(
            service::update_endpoint(&app.db, id, input, app.config.webhook_allow_private).await?,
        ))
    }

    /// Gives a webhook endpoint a new signing secret, shown only here; the
    /// old one stops working at once. Admins only.
    async fn rotate_webhook_endpoint_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The endpoint's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<WebhookEndpointWithSecret, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::WebhookEndpoint, "id")?;
        let (endpoint, secret) = service::rotate_secret(&state(ctx)?.db, id).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Deletes a webhook endpoint and its deliveries; false when there was no
    /// such endpoint. Admins only.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The endpoint's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<bool, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::WebhookEndpoint, "id")?;
        service::delete_endpoint(&state(ctx)?.db, id).await
    }

    /// Sends a `webhook.test` event to an endpoint now; follow it through the
    /// returned delivery's attempts. Admins only.
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The endpoint's id (its plain database id is accepted too, deprecated).")]
        endpoint_id: ID,
    ) -> Result<Delivery, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&endpoint_id, NodeKind::WebhookEndpoint, "endpointId")?;
        Ok(Delivery(service::send_test(&state(ctx)?.db, id).await?))
    }

    /// Creates an automation rule. Admins only.
    async fn create_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The rule.")] input: AutomationRuleInput,
    ) -> Result<AutomationRule, AppError> {
        require_settings(policy(ctx)?)?;
        Ok(AutomationRule(
            service::create_rule(&state(ctx)?.db, input).await?,
        ))
    }

    /// Replaces an automation rule's settings; what it already scheduled
    /// stays scheduled. Admins only.
    async fn update_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The rule's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The rule's new settings.")] input: AutomationRuleInput,
    ) -> Result<AutomationRule, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::AutomationRule, "id")?;
        Ok(AutomationRule(
            service::update_rule(&state(ctx)?.db, id, input).await?,
        ))
    }

    /// Deletes an automation rule; what it scheduled stays scheduled (cancel
    /// those with `cancelDelivery`). False when there was no such rule.
    /// Admins only.
    async fn delete_automation_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The rule's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<bool, AppError> {
        require_settings(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::AutomationRule, "id")?;
        service::delete_rule(&state(ctx)?.db, id).await
    }

    /// Saves an e-mail template after rendering it with a sample order: one
    /// that does not render is refused, naming the part and the reason.
    /// Admins only.
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "Which template.")] kind: TemplateKind,
        #[graphql(desc = "Its new parts.")] input: EmailTemplateInput,
    ) -> Result<EmailTemplate, AppError> {
        require_settings(policy(ctx)?)?;
        Ok(EmailTemplate::new(
            kind,
            service::save_template(&state(ctx)?.db, kind, input).await?,
        ))
    }

    /// Goes back to the built-in e-mail template. Admins only.
    async fn reset_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "Which template.")] kind: TemplateKind,
    ) -> Result<EmailTemplate, AppError> {
        require_settings(policy(ctx)?)?;
        Ok(EmailTemplate::new(
            kind,
            service::reset_template(&state(ctx)?.db, kind).await?,
        ))
    }

    /// Cancels a scheduled delivery (a follow-up that should not go out).
    /// Staff and admins.
    async fn cancel_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The delivery's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<Delivery, AppError> {
        let principal = require_principal(ctx)?;
        require_deliveries(principal.policy())?;
        let id = ids::parse(&id, NodeKind::Delivery, "id")?;
        Ok(Delivery(
            service::cancel(&state(ctx)?.db, id, &principal.subject).await?,
        ))
    }

    /// Sends a delivery again now, whatever became of it (failed, kept
    /// without SMTP, or sent and lost by the receiver). Staff and admins.
    async fn redeliver(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The delivery's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<Delivery, AppError> {
        require_deliveries(policy(ctx)?)?;
        let id = ids::parse(&id, NodeKind::Delivery, "id")?;
        Ok(Delivery(service::redeliver(&state(ctx)?.db, id).await?))
    }
}
