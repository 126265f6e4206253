//! Managing deliveries: webhook endpoints (secrets shown once, rotation),
//! automation rules, e-mail templates (checked by rendering before they are
//! saved, previewed for a real order), the delivery list, and what staff do to
//! one delivery (cancel, redeliver) or admins to an endpoint (a test event).
//! Every write that creates work for the worker wakes it at commit.

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use super::inputs::{
    AutomationRuleInput, DeliveryFilter, EmailTemplateInput, UpdateWebhookEndpointInput,
    WebhookEndpointInput,
};
use super::kinds::{DeliveryChannel, DeliveryState, EventKinds, Sources, Statuses, TemplateKind};
use super::snapshot;
use super::templates::{self, Rendered, Template};
use super::webhook;
use crate::auth::Role;
use crate::auth::policy::Policy;
use crate::db::{self, Db};
use crate::entities::{
    automation_rule, delivery, delivery_attempt, email_template, order, order_line,
    webhook_endpoint,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::ids::{self, NodeKind};
use crate::orders::workflow::OrderStatus;
use crate::validate::{MAX_LONG, MAX_SHORT, check_len, clean, normalize_email};

/// The longest delay a rule may have: a year.
const MAX_DELAY_SECONDS: i64 = 365 * 24 * 3600;
/// The most deliveries one page lists.
pub const MAX_PAGE: u64 = 100;

fn check_kinds(kinds: &[OrderEventKind], path: &str, errors: &mut Vec<FieldError>) {
    if kinds.is_empty() {
        errors.push(FieldError::new(path, "name at least one event kind"));
    }
    for staff_only in [
        OrderEventKind::AdminFieldsUpdated,
        OrderEventKind::StaffNotesUpdated,
    ] {
        if kinds.contains(&staff_only) {
            errors.push(FieldError::new(
                path,
                format!(
                    "{} is staff data and never leaves the server",
                    staff_only.as_str()
                ),
            ));
        }
    }
}

fn sources(list: Option<Vec<String>>) -> Option<Sources> {
    let list: Vec<String> = list?.into_iter().filter_map(|s| clean(&Some(s))).collect();
    (!list.is_empty()).then_some(Sources(list))
}

fn statuses(list: Option<Vec<OrderStatus>>) -> Option<Statuses> {
    list.filter(|l| !l.is_empty()).map(Statuses)
}

async fn checked_url(raw: &str, allow_private: bool, path: &str) -> AppResult<String> {
    let url = webhook::check_url(raw, allow_private)
        .map_err(|message| AppError::invalid_field(path, message))?;
    webhook::check_resolves(&url, allow_private)
        .await
        .map_err(|message| AppError::invalid_field(path, message))?;
    Ok(url.to_string())
}

/// Registers an endpoint; returns it with its secret, which is never shown
/// again.
pub async fn create_endpoint(
    db: &Db,
    input: WebhookEndpointInput,
    allow_private: bool,
) -> AppResult<(webhook_endpoint::Model, String)> {
    let mut errors = Vec::new();
    check_kinds(&input.kinds, "input.kinds", &mut errors);
    check_len(
        input.description.as_deref(),
        MAX_LONG,
        "input.description",
        &mut errors,
    );
    let url = match checked_url(&input.url, allow_private, "input.url").await {
        Ok(url) => Some(url),
        Err(AppError::BadUserInput { fields, .. }) => {
            errors.extend(fields);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(url), true) = (url, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let secret = webhook::new_secret();
    let now = db::now();
    let row = webhook_endpoint::ActiveModel {
        id: NotSet,
        url: Set(url),
        description: Set(clean(&input.description)),
        kinds: Set(EventKinds(dedup(input.kinds))),
        sources: Set(sources(input.sources)),
        statuses: Set(statuses(input.statuses)),
        active: Set(true),
        secret: Set(secret.clone()),
        consecutive_failures: Set(0),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

async fn endpoint<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<webhook_endpoint::Model> {
    webhook_endpoint::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No webhook endpoint with id {id}")))
}

/// Changes an endpoint; `active: true` re-enables it and resets its failures.
pub async fn update_endpoint(
    db: &Db,
    id: i64,
    input: UpdateWebhookEndpointInput,
    allow_private: bool,
) -> AppResult<webhook_endpoint::Model> {
    let mut errors = Vec::new();
    if let Some(kinds) = &input.kinds {
        check_kinds(kinds, "input.kinds", &mut errors);
    }
    check_len(
        input.description.as_deref(),
        MAX_LONG,
        "input.description",
        &mut errors,
    );
    let url = match &input.url {
        Some(raw) => match checked_url(raw, allow_private, "input.url").await {
            Ok(url) => Some(url),
            Err(AppError::BadUserInput { fields, .. }) => {
                errors.extend(fields);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db.begin_write().await?;
    let current = endpoint(&txn, id).await?;
    let mut row: webhook_endpoint::ActiveModel = current.into();
    if let Some(url) = url {
        row.url = Set(url);
    }
    if let Some(kinds) = input.kinds {
        row.kinds = Set(EventKinds(dedup(kinds)));
    }
    if input.sources.is_some() {
        row.sources = Set(sources(input.sources));
    }
    if input.statuses.is_some() {
        row.statuses = Set(statuses(input.statuses));
    }
    if input.description.is_some() {
        row.description = Set(clean(&input.description));
    }
    if let Some(active) = input.active {
        row.active = Set(active);
        if active {
            row.consecutive_failures = Set(0);
            row.disabled_reason = Set(None);
            // Deliveries held while it was off go now.
            txn.scheduled_deliveries();
        }
    }
    row.updated_at = Set(db::now());
    let saved = row.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Replaces an endpoint's secret; the new one is returned, once.
pub async fn rotate_secret(db: &Db, id: i64) -> AppResult<(webhook_endpoint::Model, String)> {
    let mut row: webhook_endpoint::ActiveModel = endpoint(db, id).await?.into();
    let secret = webhook::new_secret();
    row.secret = Set(secret.clone());
    row.updated_at = Set(db::now());
    Ok((row.update(db).await?, secret))
}

/// Deletes an endpoint with its deliveries; false when there was none.
pub async fn delete_endpoint(db: &Db, id: i64) -> AppResult<bool> {
    let result = webhook_endpoint::Entity::delete_by_id(id).exec(db).await?;
    Ok(result.rows_affected > 0)
}

/// Every endpoint, oldest first.
pub async fn endpoints(db: &Db) -> AppResult<Vec<webhook_endpoint::Model>> {
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// Queues a `webhook.test` delivery to an endpoint.
pub async fn send_test(db: &Db, endpoint_id: i64) -> AppResult<delivery::Model> {
    let target = endpoint(db, endpoint_id).await?;
    let now = db::now();
    let txn = db.begin_write().await?;
    let row = delivery::ActiveModel {
        id: NotSet,
        event_id: Set(None),
        order_id: Set(None),
        channel: Set(DeliveryChannel::Webhook),
        target: Set(format!("test:{}:{}", target.id, now.timestamp_micros())),
        endpoint_id: Set(Some(target.id)),
        rule_id: Set(None),
        template: Set(None),
        recipient: Set(None),
        state: Set(DeliveryState::Scheduled),
        reason: Set(None),
        due_at: Set(now),
        attempts: Set(0),
        lease_until: Set(None),
        leased_by: Set(None),
        payload: Set(json!({
            "type": "webhook.test",
            "timestamp": now.to_rfc3339(),
            "data": {"endpointId": ids::global_id(NodeKind::WebhookEndpoint, target.id).0,
                     "message": "A test event from ordergraph."},
        })),
        unless_statuses: Set(None),
        subject: Set(None),
        text_body: Set(None),
        html_body: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.scheduled_deliveries();
    txn.commit().await?;
    Ok(row)
}

fn check_rule(input: &AutomationRuleInput, errors: &mut Vec<FieldError>) -> Option<i64> {
    if input.name.trim().is_empty() {
        errors.push(FieldError::new("input.name", "must not be empty"));
    }
    check_len(Some(&input.name), MAX_SHORT, "input.name", errors);
    check_kinds(&input.kinds, "input.kinds", errors);
    if input.template.is_none() && input.endpoint_id.is_none() {
        errors.push(FieldError::new(
            "input.template",
            "a rule sends a template or calls an endpoint (or both)",
        ));
    }
    if let Some(recipient) = input.recipient.as_deref() {
        if input.template.is_none() {
            errors.push(FieldError::new(
                "input.recipient",
                "only a rule that sends a template has a recipient",
            ));
        } else if normalize_email(recipient).is_none() {
            errors.push(FieldError::new(
                "input.recipient",
                "is not an e-mail address",
            ));
        }
    }
    if let Some(delay) = input.delay_seconds
        && !(0..=MAX_DELAY_SECONDS).contains(&delay)
    {
        errors.push(FieldError::new(
            "input.delaySeconds",
            format!("must be between 0 and {MAX_DELAY_SECONDS} (a year)"),
        ));
    }
    input
        .endpoint_id
        .as_ref()
        .and_then(|id| ids::parse_into(id, NodeKind::WebhookEndpoint, "input.endpointId", errors))
}

fn rule_row(input: AutomationRuleInput, endpoint_id: Option<i64>) -> automation_rule::ActiveModel {
    let now = db::now();
    automation_rule::ActiveModel {
        id: NotSet,
        name: Set(input.name.trim().to_owned()),
        active: Set(input.active.unwrap_or(false)),
        kinds: Set(EventKinds(dedup(input.kinds))),
        sources: Set(sources(input.sources)),
        statuses: Set(statuses(input.statuses)),
        template: Set(input.template),
        recipient: Set(input.recipient.as_deref().and_then(normalize_email)),
        endpoint_id: Set(endpoint_id),
        delay_seconds: Set(input.delay_seconds.unwrap_or(0)),
        unless_statuses: Set(Statuses(
            input
                .unless_statuses
                .unwrap_or_else(|| vec![OrderStatus::Cancelled, OrderStatus::Refunded]),
        )),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn check_rule_endpoint(db: &Db, endpoint_id: Option<i64>) -> AppResult<()> {
    if let Some(id) = endpoint_id
        && webhook_endpoint::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::invalid_field(
            "input.endpointId",
            "no webhook endpoint with this id",
        ));
    }
    Ok(())
}

/// Creates a rule.
pub async fn create_rule(db: &Db, input: AutomationRuleInput) -> AppResult<automation_rule::Model> {
    let mut errors = Vec::new();
    let endpoint_id = check_rule(&input, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    check_rule_endpoint(db, endpoint_id).await?;
    Ok(rule_row(input, endpoint_id).insert(db).await?)
}

/// Replaces a rule's settings (what is already scheduled stays scheduled).
pub async fn update_rule(
    db: &Db,
    id: i64,
    input: AutomationRuleInput,
) -> AppResult<automation_rule::Model> {
    let mut errors = Vec::new();
    let endpoint_id = check_rule(&input, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    check_rule_endpoint(db, endpoint_id).await?;
    let current = automation_rule::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No automation rule with id {id}")))?;
    let mut row = rule_row(input, endpoint_id);
    row.id = Set(current.id);
    row.created_at = Set(current.created_at);
    Ok(row.update(db).await?)
}

/// Deletes a rule; false when there was none. What it scheduled stays.
pub async fn delete_rule(db: &Db, id: i64) -> AppResult<bool> {
    Ok(automation_rule::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Every rule, oldest first.
pub async fn rules(db: &Db) -> AppResult<Vec<automation_rule::Model>> {
    Ok(automation_rule::Entity::find()
        .order_by_asc(automation_rule::Column::Id)
        .all(db)
        .await?)
}

/// Checks a template by rendering it with a context of every kind; the first
/// part that fails is BAD_USER_INPUT at `input.<part>`.
fn check_template(template: &Template) -> AppResult<Rendered> {
    let mut errors = Vec::new();
    for (field, text) in [
        ("subject", &template.subject),
        ("textBody", &template.text_body),
        ("htmlBody", &template.html_body),
    ] {
        check_len(Some(text), 100_000, &format!("input.{field}"), &mut errors);
    }
    if template.subject.trim().is_empty() {
        errors.push(FieldError::new("input.subject", "must not be empty"));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let mut context = templates::sample_context();
    // A template must also render for events without a message.
    let rendered = templates::render(template, &context);
    context["message"] = serde_json::Value::Null;
    let without_message = templates::render(template, &context);
    match (rendered, without_message) {
        (Ok(rendered), Ok(_)) => Ok(rendered),
        (Err(e), _) => Err(AppError::invalid_field(
            format!("input.{}", e.field),
            format!("does not render: {}", e.message),
        )),
        (_, Err(e)) => Err(AppError::invalid_field(
            format!("input.{}", e.field),
            format!(
                "does not render when there is no message (`message` is null then; test it with `if message`): {}",
                e.message
            ),
        )),
    }
}

/// Saves a template after checking that it renders.
pub async fn save_template(
    db: &Db,
    kind: TemplateKind,
    input: EmailTemplateInput,
) -> AppResult<(Template, bool)> {
    let template = Template {
        subject: input.subject,
        text_body: input.text_body,
        html_body: input.html_body,
    };
    // MESSAGE_ADDED always has a message; the others must work without one.
    if kind == TemplateKind::MessageAdded {
        let rendered = templates::render(&template, &templates::sample_context());
        if let Err(e) = rendered {
            return Err(AppError::invalid_field(
                format!("input.{}", e.field),
                format!("does not render: {}", e.message),
            ));
        }
    } else {
        check_template(&template)?;
    }
    let row = email_template::ActiveModel {
        kind: Set(kind),
        subject: Set(template.subject.clone()),
        text_body: Set(template.text_body.clone()),
        html_body: Set(template.html_body.clone()),
        updated_at: Set(db::now()),
    };
    email_template::Entity::insert(row)
        .on_conflict(
            OnConflict::column(email_template::Column::Kind)
                .update_columns([
                    email_template::Column::Subject,
                    email_template::Column::TextBody,
                    email_template::Column::HtmlBody,
                    email_template::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok((template, false))
}

/// Goes back to the built-in template.
pub async fn reset_template(db: &Db, kind: TemplateKind) -> AppResult<(Template, bool)> {
    email_template::Entity::delete_by_id(kind).exec(db).await?;
    Ok((templates::default_template(kind), true))
}

/// Renders `kind` (or `draft`, when given) for an order as its customer would
/// receive it.
pub async fn preview(
    db: &Db,
    kind: TemplateKind,
    order_id: i64,
    draft: Option<EmailTemplateInput>,
) -> AppResult<Rendered> {
    let order = order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No order with id {order_id}")))?;
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?;
    let policy = Policy::for_role(Role::Customer, order.customer_id);
    let mut context = templates::sample_context();
    context["order"] = snapshot::order_view(&order, &lines, policy);
    let template = match draft {
        Some(d) => Template {
            subject: d.subject,
            text_body: d.text_body,
            html_body: d.html_body,
        },
        None => templates::current(db, kind).await?.0,
    };
    templates::render(&template, &context).map_err(|e| {
        AppError::invalid_field(
            format!("draft.{}", e.field),
            format!("does not render: {}", e.message),
        )
    })
}

/// One page of deliveries matching `filter`, newest first, after the
/// delivery with database id `after` (exclusive); one more than `limit` is
/// read to tell whether a next page exists.
pub async fn list(
    db: &Db,
    filter: &DeliveryFilter,
    limit: u64,
    after: Option<i64>,
) -> AppResult<(Vec<delivery::Model>, bool)> {
    let mut errors = Vec::new();
    let mut condition = Condition::all();
    if let Some(id) = &filter.order_id
        && let Some(id) = ids::parse_into(id, NodeKind::Order, "filter.orderId", &mut errors)
    {
        condition = condition.add(delivery::Column::OrderId.eq(id));
    }
    if let Some(id) = &filter.endpoint_id
        && let Some(id) = ids::parse_into(
            id,
            NodeKind::WebhookEndpoint,
            "filter.endpointId",
            &mut errors,
        )
    {
        condition = condition.add(delivery::Column::EndpointId.eq(id));
    }
    if let Some(id) = &filter.rule_id
        && let Some(id) =
            ids::parse_into(id, NodeKind::AutomationRule, "filter.ruleId", &mut errors)
    {
        condition = condition.add(delivery::Column::RuleId.eq(id));
    }
    if let Some(channel) = filter.channel {
        condition = condition.add(delivery::Column::Channel.eq(channel));
    }
    if let Some(states) = &filter.states {
        condition = condition.add(delivery::Column::State.is_in(states.iter().copied()));
    }
    if let Some(after) = after {
        condition = condition.add(delivery::Column::Id.lt(after));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let mut rows = delivery::Entity::find()
        .filter(condition)
        .order_by_desc(delivery::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}

async fn delivery(db: &Db, id: i64) -> AppResult<delivery::Model> {
    delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No delivery with id {id}")))
}

/// Cancels a scheduled delivery.
pub async fn cancel(db: &Db, id: i64, actor: &str) -> AppResult<delivery::Model> {
    let current = delivery(db, id).await?;
    if current.state != DeliveryState::Scheduled {
        return Err(AppError::invalid_field(
            "id",
            format!(
                "only a SCHEDULED delivery can be cancelled; this one is {:?}",
                current.state
            ),
        ));
    }
    let updated = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            sea_orm::sea_query::Expr::value(DeliveryState::Cancelled),
        )
        .col_expr(
            delivery::Column::Reason,
            sea_orm::sea_query::Expr::value(format!("cancelled by {actor}")),
        )
        .col_expr(
            delivery::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(db::now()),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::State.eq(DeliveryState::Scheduled))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict {
            message: "the delivery changed meanwhile (it was sent or cancelled)".into(),
            current_version: None,
        });
    }
    delivery(db, id).await
}

/// Sends a delivery again now, whatever became of it (a FAILED one, a KEPT
/// e-mail once SMTP is set up, a SENT one the receiver lost). Its attempts
/// start again from one; the old ones stay listed.
pub async fn redeliver(db: &Db, id: i64) -> AppResult<delivery::Model> {
    let current = delivery(db, id).await?;
    if current.state == DeliveryState::Scheduled && current.lease_until.is_some() {
        return Err(AppError::Conflict {
            message: "the delivery is being sent right now".into(),
            current_version: None,
        });
    }
    if current.recipient.is_none() && current.channel == DeliveryChannel::Email {
        return Err(AppError::invalid_field(
            "id",
            "this e-mail has no recipient",
        ));
    }
    let txn = db.begin_write().await?;
    let mut row: delivery::ActiveModel = current.into();
    row.state = Set(DeliveryState::Scheduled);
    row.due_at = Set(db::now());
    row.attempts = Set(0);
    row.reason = Set(None);
    row.lease_until = Set(None);
    row.leased_by = Set(None);
    row.updated_at = Set(db::now());
    let saved = row.update(&txn).await?;
    txn.scheduled_deliveries();
    txn.commit().await?;
    Ok(saved)
}

/// The attempts of a delivery, oldest first.
pub async fn attempts(db: &Db, id: i64) -> AppResult<Vec<delivery_attempt::Model>> {
    Ok(delivery_attempt::Entity::find()
        .filter(delivery_attempt::Column::DeliveryId.eq(id))
        .order_by_asc(delivery_attempt::Column::Id)
        .all(db)
        .await?)
}

/// How many deliveries are in each (channel, state), for the metrics:
/// SCHEDULED is the backlog, FAILED the ones that gave up.
pub async fn counts(db: &Db) -> Result<Vec<(String, String, i64)>, sea_orm::DbErr> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, ExprTrait};
    delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Channel)
        .column(delivery::Column::State)
        .column_as(Expr::col(delivery::Column::Id).count(), "count")
        .group_by(delivery::Column::Channel)
        .group_by(delivery::Column::State)
        .into_tuple::<(String, String, i64)>()
        .all(db.conn())
        .await
}
