//! Delivery queries: endpoints, rules and templates (admins), and the
//! deliveries themselves (staff and admins).

use async_graphql::{Context, ID, Object};

use super::inputs::{DeliveryFilter, EmailTemplateInput};
use super::kinds::TemplateKind;
use super::service;
use super::templates;
use super::types::{
    AutomationRule, DeliveryConnection, EmailTemplate, RenderedEmail, WebhookEndpoint,
};
use crate::auth::policy::Policy;
use crate::error::AppError;
use crate::graphql::context::{policy, state};
use crate::ids::{self, NodeKind};

/// FORBIDDEN unless the caller manages delivery settings (admins).
pub fn require_settings(policy: Policy) -> Result<(), AppError> {
    if policy.sees_delivery_settings() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only admins manage webhook endpoints, automation rules and e-mail templates".into(),
        ))
    }
}

/// FORBIDDEN unless the caller may see deliveries (staff and admins).
pub fn require_deliveries(policy: Policy) -> Result<(), AppError> {
    if policy.sees_deliveries() {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only staff may see deliveries".into()))
    }
}

/// Delivery queries.
#[derive(Default)]
pub struct DeliveryQuery;

#[Object]
impl DeliveryQuery {
    /// Every webhook endpoint, oldest first. Admins only.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>, AppError> {
        require_settings(policy(ctx)?)?;
        let rows = service::endpoints(&state(ctx)?.db).await?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }

    /// Every automation rule, oldest first. Admins only.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn automation_rules(&self, ctx: &Context<'_>) -> Result<Vec<AutomationRule>, AppError> {
        require_settings(policy(ctx)?)?;
        let rows = service::rules(&state(ctx)?.db).await?;
        Ok(rows.into_iter().map(AutomationRule).collect())
    }

    /// Every e-mail template as in use (an admin's version, else the built-in
    /// one). Admins only.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn email_templates(&self, ctx: &Context<'_>) -> Result<Vec<EmailTemplate>, AppError> {
        require_settings(policy(ctx)?)?;
        let db = &state(ctx)?.db;
        let mut out = Vec::new();
        for kind in TemplateKind::ALL {
            out.push(EmailTemplate::new(
                kind,
                templates::current(db, kind).await?,
            ));
        }
        Ok(out)
    }

    /// A template rendered for an order, as its customer would receive it
    /// (no staff data): the saved one, or `draft` to try changes before saving.
    /// Admins only.
    async fn preview_email_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which template.")] kind: TemplateKind,
        #[graphql(
            desc = "The order to render it for (its plain database id is accepted too, deprecated)."
        )]
        order_id: ID,
        #[graphql(desc = "Unsaved parts to render instead of the saved template.")] draft: Option<
            EmailTemplateInput,
        >,
    ) -> Result<RenderedEmail, AppError> {
        require_settings(policy(ctx)?)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        Ok(service::preview(&state(ctx)?.db, kind, order_id, draft)
            .await?
            .into())
    }

    /// Deliveries matching `filter`, newest first: e-mails (sent, kept
    /// without SMTP, skipped, scheduled follow-ups) and webhook calls, each
    /// with its attempts. Staff and admins.
    #[graphql(complexity = "crate::graphql::cost::page(&[first], child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deliveries; absent: all.")] filter: Option<DeliveryFilter>,
        #[graphql(desc = "How many (1 to 100); default 20.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` (or `endCursor`) to continue after.")] after: Option<String>,
    ) -> Result<DeliveryConnection, AppError> {
        require_deliveries(policy(ctx)?)?;
        let limit = match first {
            None => 20,
            Some(n) if (1..=100).contains(&n) => u64::try_from(n).unwrap_or(20),
            Some(_) => {
                return Err(AppError::invalid_field(
                    "first",
                    "must be between 1 and 100",
                ));
            }
        };
        let after = after
            .map(|c| ids::database_id(&c, NodeKind::Delivery))
            .transpose()
            .map_err(|m| AppError::invalid_field("after", m))?;
        let (rows, has_next_page) =
            service::list(&state(ctx)?.db, &filter.unwrap_or_default(), limit, after).await?;
        Ok(DeliveryConnection {
            rows,
            has_next_page,
            has_previous_page: after.is_some(),
        })
    }
}
