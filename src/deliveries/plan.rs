//! The outbox writer: for events just appended, the deliveries they ask for,
//! written in the same transaction (`events::append` calls [`plan`]).
//!
//! An event asks for: the matching `notify` e-mail to the order's customer
//! (seed 003: status change, tracking, message); a webhook per active endpoint
//! subscribed to its kind; and what each active automation rule whose
//! conditions it meets says, due after the rule's delay. A status change also
//! cancels scheduled follow-ups whose `unless` statuses the order reached.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Duration;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value as Json, json};

use super::kinds::{DeliveryChannel, DeliveryState, Statuses, TemplateKind, webhook_type};
use super::snapshot::{email_context, event_view, message_view, order_view};
use crate::auth::Role;
use crate::auth::policy::Policy;
use crate::db::WriteTxn;
use crate::entities::{
    automation_rule, delivery, order, order_event, order_line, order_message, webhook_endpoint,
};
use crate::orders::workflow::OrderStatus;
use crate::validate::normalize_email;

/// Rows per multi-row insert: far below both backends' parameter limits.
const CHUNK: usize = 200;

/// What a receiver of a webhook may see: an integration's view.
fn webhook_policy() -> Policy {
    Policy::for_role(Role::Integration, None)
}

/// What the recipient of an e-mail about `order` may see: its customer's view.
fn email_policy(order: &order::Model) -> Policy {
    Policy::for_role(Role::Customer, order.customer_id)
}

/// The webhook body of `event` on `order`, or `None` when integrations may not
/// see the event.
pub fn webhook_body(
    event: &order_event::Model,
    order: &order::Model,
    lines: &[order_line::Model],
) -> Option<Json> {
    let policy = webhook_policy();
    let event_json = event_view(event, policy)?;
    Some(json!({
        "type": webhook_type(event.kind),
        "timestamp": event.created_at.to_rfc3339(),
        "data": {"event": event_json, "order": order_view(order, lines, policy)},
    }))
}

/// The context of an e-mail about `event` on `order`, or `None` when the
/// customer may not see the event.
pub fn email_payload(
    event: &order_event::Model,
    order: &order::Model,
    lines: &[order_line::Model],
    message: Option<&order_message::Model>,
) -> Option<Json> {
    let policy = email_policy(order);
    let event_json = event_view(event, policy)?;
    Some(email_context(
        order_view(order, lines, policy),
        event_json,
        message.map(message_view),
    ))
}

fn matches_filters(
    kinds: &[crate::events::OrderEventKind],
    sources: Option<&[String]>,
    statuses: Option<&[OrderStatus]>,
    event: &order_event::Model,
    order: &order::Model,
) -> bool {
    let status = event.to_status.unwrap_or(order.status);
    kinds.contains(&event.kind)
        && sources.is_none_or(|s| s.is_empty() || s.iter().any(|x| x == &order.source))
        && statuses.is_none_or(|s| s.is_empty() || s.contains(&status))
}

/// A delivery to write.
struct Planned<'a> {
    event: &'a order_event::Model,
    channel: DeliveryChannel,
    target: String,
    endpoint_id: Option<i64>,
    rule_id: Option<i64>,
    template: Option<TemplateKind>,
    recipient: Option<String>,
    state: DeliveryState,
    reason: Option<String>,
    delay: Duration,
    payload: Json,
    unless: Option<Statuses>,
}

/// The active webhook endpoints and automation rules, as one transaction
/// read them.
struct Config {
    endpoints: Vec<webhook_endpoint::Model>,
    rules: Vec<automation_rule::Model>,
}

/// The configuration at `version` (the token the events' insert returned):
/// what an earlier transaction read at that version, else read now and kept.
/// Rows read here are at least as new as the version (they are read after
/// it), so keeping them under it never hides a change from a later reader,
/// which would see a newer token. Without a token (not migrated) every
/// transaction reads.
async fn config(conn: &WriteTxn, version: Option<&str>) -> Result<Arc<Config>, DbErr> {
    if let Some(version) = version
        && let Some(config) = conn.planner_memo().get::<Config>(version)
    {
        return Ok(config);
    }
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(conn)
        .await?;
    let rules = automation_rule::Entity::find()
        .filter(automation_rule::Column::Active.eq(true))
        .order_by_asc(automation_rule::Column::Id)
        .all(conn)
        .await?;
    let config = Arc::new(Config { endpoints, rules });
    if let Some(version) = version {
        conn.planner_memo().put(version, config.clone());
    }
    Ok(config)
}

/// Writes the deliveries `events` ask for, inside the writer's transaction.
/// `config_version` is the planner configuration's version as the events'
/// insert read it.
pub async fn plan(
    conn: &WriteTxn,
    events: &[order_event::Model],
    config_version: Option<&str>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    cancel_follow_ups(conn, events).await?;

    let config = config(conn, config_version).await?;
    let (endpoints, rules) = (&config.endpoints, &config.rules);
    let wants_notify =
        |e: &order_event::Model| e.notify && TemplateKind::for_notify(e.kind).is_some();
    let relevant: Vec<&order_event::Model> = events
        .iter()
        .filter(|e| {
            wants_notify(e)
                || endpoints.iter().any(|x| x.kinds.0.contains(&e.kind))
                || rules.iter().any(|r| r.kinds.0.contains(&e.kind))
        })
        .collect();
    if relevant.is_empty() {
        return Ok(());
    }

    // The orders as they now are (after the change), with lines and messages.
    let order_ids: HashSet<i64> = relevant.iter().map(|e| e.order_id).collect();
    let orders: HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(order_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut lines: HashMap<i64, Vec<order_line::Model>> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(conn)
        .await?
    {
        lines.entry(line.order_id).or_default().push(line);
    }
    let message_ids: Vec<i64> = relevant
        .iter()
        .filter(|e| e.kind == crate::events::OrderEventKind::MessageAdded)
        .filter_map(|e| e.data.as_ref()?.get("messageId")?.as_str()?.parse().ok())
        .collect();
    let messages: HashMap<i64, order_message::Model> = if message_ids.is_empty() {
        HashMap::new()
    } else {
        order_message::Entity::find()
            .filter(order_message::Column::Id.is_in(message_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };

    let no_lines = Vec::new();
    let mut planned = Vec::new();
    for event in relevant {
        let Some(order) = orders.get(&event.order_id) else {
            continue;
        };
        let lines = lines.get(&order.id).unwrap_or(&no_lines);
        let message = event
            .data
            .as_ref()
            .and_then(|d| d.get("messageId")?.as_str()?.parse::<i64>().ok())
            .and_then(|id| messages.get(&id));
        let customer_email = order.customer_email.as_deref().and_then(normalize_email);

        if wants_notify(event)
            && let Some(payload) = email_payload(event, order, lines, message)
        {
            planned.push(email(
                event,
                "notify".into(),
                TemplateKind::for_notify(event.kind),
                customer_email.clone(),
                payload,
                None,
                Duration::zero(),
                None,
            ));
        }
        for endpoint in endpoints {
            let filters = matches_filters(
                &endpoint.kinds.0,
                endpoint.sources.as_ref().map(|s| s.0.as_slice()),
                endpoint.statuses.as_ref().map(|s| s.0.as_slice()),
                event,
                order,
            );
            if filters && let Some(body) = webhook_body(event, order, lines) {
                planned.push(webhook(
                    event,
                    format!("endpoint:{}", endpoint.id),
                    endpoint.id,
                    None,
                    body,
                    Duration::zero(),
                    None,
                ));
            }
        }
        for rule in rules {
            if !matches_filters(
                &rule.kinds.0,
                rule.sources.as_ref().map(|s| s.0.as_slice()),
                rule.statuses.as_ref().map(|s| s.0.as_slice()),
                event,
                order,
            ) {
                continue;
            }
            let delay = Duration::seconds(rule.delay_seconds.max(0));
            let unless = Some(rule.unless_statuses.clone()).filter(|u| !u.0.is_empty());
            if let Some(template) = rule.template
                && let Some(payload) = email_payload(event, order, lines, message)
            {
                let recipient = match &rule.recipient {
                    Some(fixed) => Some(fixed.clone()),
                    None => customer_email.clone(),
                };
                planned.push(email(
                    event,
                    format!("rule:{}:email", rule.id),
                    Some(template),
                    recipient,
                    payload,
                    Some(rule.id),
                    delay,
                    unless.clone(),
                ));
            }
            if let Some(endpoint_id) = rule.endpoint_id
                && let Some(body) = webhook_body(event, order, lines)
            {
                planned.push(webhook(
                    event,
                    format!("rule:{}:webhook", rule.id),
                    endpoint_id,
                    Some(rule.id),
                    body,
                    delay,
                    unless,
                ));
            }
        }
    }
    if !planned.is_empty() {
        // Only now is the worker woken: most events schedule nothing.
        conn.scheduled_deliveries();
    }
    insert(conn, planned).await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per kind of e-mail"
)]
fn email<'a>(
    event: &'a order_event::Model,
    target: String,
    template: Option<TemplateKind>,
    recipient: Option<String>,
    payload: Json,
    rule_id: Option<i64>,
    delay: Duration,
    unless: Option<Statuses>,
) -> Planned<'a> {
    // No address: recorded as skipped with the reason, never silently dropped.
    let (state, reason) = match &recipient {
        Some(_) => (DeliveryState::Scheduled, None),
        None => (
            DeliveryState::Skipped,
            Some("the order has no customer e-mail address".to_owned()),
        ),
    };
    Planned {
        event,
        channel: DeliveryChannel::Email,
        target,
        endpoint_id: None,
        rule_id,
        template,
        recipient,
        state,
        reason,
        delay,
        payload,
        unless,
    }
}

fn webhook<'a>(
    event: &'a order_event::Model,
    target: String,
    endpoint_id: i64,
    rule_id: Option<i64>,
    payload: Json,
    delay: Duration,
    unless: Option<Statuses>,
) -> Planned<'a> {
    Planned {
        event,
        channel: DeliveryChannel::Webhook,
        target,
        endpoint_id: Some(endpoint_id),
        rule_id,
        template: None,
        recipient: None,
        state: DeliveryState::Scheduled,
        reason: None,
        delay,
        payload,
        unless,
    }
}

async fn insert<C: ConnectionTrait>(conn: &C, planned: Vec<Planned<'_>>) -> Result<(), DbErr> {
    let now = crate::db::now();
    let rows: Vec<delivery::ActiveModel> = planned
        .into_iter()
        .map(|p| delivery::ActiveModel {
            id: NotSet,
            event_id: Set(Some(p.event.id)),
            order_id: Set(Some(p.event.order_id)),
            channel: Set(p.channel),
            target: Set(p.target),
            endpoint_id: Set(p.endpoint_id),
            rule_id: Set(p.rule_id),
            template: Set(p.template),
            recipient: Set(p.recipient),
            state: Set(p.state),
            reason: Set(p.reason),
            due_at: Set(now + p.delay),
            attempts: Set(0),
            lease_until: Set(None),
            leased_by: Set(None),
            payload: Set(p.payload),
            unless_statuses: Set(p.unless),
            subject: Set(None),
            text_body: Set(None),
            html_body: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        // The (event, target) key makes a second write of the same delivery a
        // no-op instead of a double.
        delivery::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Cancels scheduled follow-ups whose `unless` statuses an order just reached.
async fn cancel_follow_ups<C: ConnectionTrait>(
    conn: &C,
    events: &[order_event::Model],
) -> Result<(), DbErr> {
    // Only a change of status can reach an `unless` status: a new order has
    // nothing scheduled yet.
    let moves: HashMap<i64, OrderStatus> = events
        .iter()
        .filter(|e| e.kind == crate::events::OrderEventKind::StatusChanged)
        .filter_map(|e| e.to_status.map(|s| (e.order_id, s)))
        .collect();
    if moves.is_empty() {
        return Ok(());
    }
    let waiting = delivery::Entity::find()
        .filter(delivery::Column::OrderId.is_in(moves.keys().copied()))
        .filter(delivery::Column::State.eq(DeliveryState::Scheduled))
        .filter(delivery::Column::UnlessStatuses.is_not_null())
        .all(conn)
        .await?;
    let now = crate::db::now();
    for row in waiting {
        let Some(status) = row.order_id.and_then(|id| moves.get(&id)) else {
            continue;
        };
        if row
            .unless_statuses
            .as_ref()
            .is_some_and(|u| u.0.contains(status))
        {
            delivery::Entity::update_many()
                .col_expr(
                    delivery::Column::State,
                    sea_orm::sea_query::Expr::value(DeliveryState::Cancelled),
                )
                .col_expr(
                    delivery::Column::Reason,
                    sea_orm::sea_query::Expr::value(format!("the order became {status}")),
                )
                .col_expr(
                    delivery::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(delivery::Column::Id.eq(row.id))
                .filter(delivery::Column::State.eq(DeliveryState::Scheduled))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}
