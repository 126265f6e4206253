//! The delivery worker: one per instance. It claims due deliveries in one
//! short statement that sets a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! so instances share the work; SQLite has one writer anyway), sends them
//! outside any transaction, and records each attempt and its outcome in short
//! statements. A worker that dies leaves leases that expire, and the deliveries
//! are claimed again: at least once, under a stable delivery id.
//!
//! Deliveries run concurrently (`DELIVERY_CONCURRENCY`), and one endpoint may
//! hold at most a quarter of the slots, so a slow endpoint cannot starve the
//! others. The worker wakes when a commit of this process wrote deliveries (the
//! commit hook), when a slot frees up, and every `DELIVERY_POLL_MS` for retries,
//! follow-ups and other instances' work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, Statement,
};
use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

use super::email::Mailer;
use super::kinds::{DeliveryChannel, DeliveryState};
use super::templates::{self, Rendered};
use super::webhook::WebhookClient;
use crate::config::Config;
use crate::db::{self, Db, numbered_placeholders};
use crate::entities::{delivery, delivery_attempt, order, webhook_endpoint};

/// What one delivery came to.
enum Verdict {
    /// A try was made (SMTP or HTTP).
    Attempted {
        success: bool,
        status_code: Option<u16>,
        duration: Duration,
        response: Option<String>,
        error: Option<String>,
        rendered: Option<Rendered>,
    },
    /// Rendered and kept: the server has no SMTP_URL.
    Kept(Rendered),
    /// Not sent, and never will be: the order reached an `unless` status.
    Cancelled(String),
    /// Cannot be sent as it is (the endpoint is gone, the template broken).
    Failed(String),
    /// Not now: the endpoint was disabled meanwhile. Back to the queue,
    /// uncounted.
    Release,
}

/// Deliveries in flight: in all, and per webhook endpoint.
#[derive(Default)]
struct InFlight {
    total: usize,
    per_endpoint: HashMap<i64, usize>,
}

struct Shared {
    db: Db,
    mailer: Mailer,
    webhooks: WebhookClient,
    retry: Vec<Duration>,
    disable_after: i32,
    lease: Duration,
    poll: Duration,
    concurrency: usize,
    per_endpoint: usize,
    instance: String,
    in_flight: Mutex<InFlight>,
    finished: Notify,
}

/// The running worker; [`stop`](Worker::stop) ends it.
pub struct Worker {
    task: AbortHandle,
    instance: String,
}

impl Worker {
    /// Starts the worker of this instance (named `instance` in leases and
    /// attempts). An error names a bad setting.
    pub fn start(db: Db, config: &Config, instance: String) -> Result<Worker, String> {
        let mailer = Mailer::new(config)?;
        let webhooks = WebhookClient::new(
            Duration::from_secs(config.webhook_timeout_seconds.max(1)),
            config.webhook_allow_private,
        )
        .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        let concurrency = config.delivery_concurrency.max(1);
        let commits = db.commits();
        let shared = Arc::new(Shared {
            db,
            mailer,
            webhooks,
            retry: config
                .delivery_retry_seconds
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            disable_after: i32::try_from(config.webhook_disable_after.max(1)).unwrap_or(i32::MAX),
            // Longer than any one try, so a live worker never loses its lease.
            lease: Duration::from_secs(
                config
                    .delivery_lease_seconds
                    .max(config.webhook_timeout_seconds + 5)
                    .max(config.smtp_timeout_seconds + 5),
            ),
            poll: Duration::from_millis(config.delivery_poll_ms.max(10)),
            concurrency,
            per_endpoint: (concurrency / 4).max(1),
            instance: instance.clone(),
            in_flight: Mutex::new(InFlight::default()),
            finished: Notify::new(),
        });
        let task = tokio::spawn(run(shared, commits)).abort_handle();
        Ok(Worker { task, instance })
    }

    /// This instance's name, as leases and attempts record it.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Stops claiming. Deliveries in flight are cut off; their leases expire
    /// and another worker (or this one after a restart) sends them again.
    pub fn stop(&self) {
        self.task.abort();
    }
}

async fn run(shared: Arc<Shared>, mut commits: watch::Receiver<u64>) {
    let mut hooked = true;
    loop {
        let (free, busy) = match shared.in_flight.lock() {
            Ok(f) => (
                shared.concurrency.saturating_sub(f.total),
                f.per_endpoint
                    .iter()
                    .filter(|(_, n)| **n >= shared.per_endpoint)
                    .map(|(id, _)| *id)
                    .collect::<Vec<_>>(),
            ),
            Err(_) => return,
        };
        let mut claimed_all = false;
        if free > 0 {
            match claim(&shared, free, &busy).await {
                Ok(rows) => {
                    claimed_all = rows.len() == free;
                    for row in rows {
                        start(&shared, row);
                    }
                }
                Err(err) => tracing::warn!(error = %err, "claiming deliveries failed; retrying"),
            }
        }
        if claimed_all {
            // Every free slot got work: there may be more waiting.
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            changed = commits.changed(), if hooked => hooked = changed.is_ok(),
            () = shared.finished.notified() => {}
            () = tokio::time::sleep(shared.poll) => {}
        }
    }
}

/// Runs one claimed delivery on its own task.
fn start(shared: &Arc<Shared>, row: delivery::Model) {
    if let Ok(mut f) = shared.in_flight.lock() {
        f.total += 1;
        if let Some(endpoint) = row.endpoint_id {
            *f.per_endpoint.entry(endpoint).or_default() += 1;
        }
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let endpoint = row.endpoint_id;
        let verdict = deliver(&shared, &row).await;
        if let Err(err) = record(&shared, &row, verdict).await {
            // The lease runs out and the delivery is tried again.
            tracing::warn!(delivery = row.id, error = %err, "recording a delivery failed");
        }
        if let Ok(mut f) = shared.in_flight.lock() {
            f.total = f.total.saturating_sub(1);
            if let Some(endpoint) = endpoint
                && let Some(n) = f.per_endpoint.get_mut(&endpoint)
            {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    f.per_endpoint.remove(&endpoint);
                }
            }
        }
        shared.finished.notify_one();
    });
}

/// Leases up to `limit` due deliveries, oldest first, skipping endpoints that
/// are disabled or already at their share of the slots.
async fn claim(shared: &Shared, limit: usize, busy: &[i64]) -> Result<Vec<delivery::Model>, DbErr> {
    let backend = shared.db.get_database_backend();
    let now = db::now();
    let lease_until = now + chrono::Duration::from_std(shared.lease).unwrap_or_default();
    let mut values: Vec<sea_orm::Value> = vec![
        lease_until.into(),
        shared.instance.clone().into(),
        now.into(),
        i64::try_from(limit).unwrap_or(i64::MAX).into(),
    ];
    let mut busy_clause = String::new();
    if !busy.is_empty() {
        let marks: Vec<String> = busy
            .iter()
            .map(|id| {
                values.push((*id).into());
                format!("${}", values.len())
            })
            .collect();
        busy_clause = format!(
            " AND (d.endpoint_id IS NULL OR d.endpoint_id NOT IN ({}))",
            marks.join(", ")
        );
    }
    // SKIP LOCKED: two instances never wait for, or take, the same rows.
    let lock = if backend == sea_orm::DbBackend::Postgres {
        " FOR UPDATE OF d SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE deliveries SET lease_until = $1, leased_by = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT d.id FROM deliveries d \
         WHERE d.state = 'SCHEDULED' AND d.due_at <= $3 \
         AND (d.lease_until IS NULL OR d.lease_until < $3) \
         AND (d.endpoint_id IS NULL OR d.endpoint_id IN (SELECT e.id FROM webhook_endpoints e WHERE e.active)){busy_clause} \
         ORDER BY d.due_at, d.id LIMIT $4{lock}) \
         RETURNING *"
    );
    let statement =
        Statement::from_sql_and_values(backend, numbered_placeholders(backend, &sql), values);
    delivery::Entity::find()
        .from_raw_sql(statement)
        .all(&shared.db)
        .await
}

async fn deliver(shared: &Shared, row: &delivery::Model) -> Verdict {
    match deliver_inner(shared, row).await {
        Ok(verdict) => verdict,
        // A database hiccup: the try did not happen; retry on schedule.
        Err(err) => Verdict::Attempted {
            success: false,
            status_code: None,
            duration: Duration::ZERO,
            response: None,
            error: Some(format!("preparing the delivery failed: {err}")),
            rendered: None,
        },
    }
}

async fn deliver_inner(shared: &Shared, row: &delivery::Model) -> Result<Verdict, DbErr> {
    if let (Some(unless), Some(order_id)) = (&row.unless_statuses, row.order_id)
        && let Some(order) = order::Entity::find_by_id(order_id).one(&shared.db).await?
        && unless.0.contains(&order.status)
    {
        return Ok(Verdict::Cancelled(format!(
            "the order became {} before it was due",
            order.status
        )));
    }
    Ok(match row.channel {
        DeliveryChannel::Email => {
            let Some(kind) = row.template else {
                return Ok(Verdict::Failed("no template".into()));
            };
            let template = match templates::current(&shared.db, kind).await {
                Ok((template, _)) => template,
                Err(_) => return Err(DbErr::Custom("reading the template failed".into())),
            };
            let rendered = match templates::render(&template, &row.payload) {
                Ok(rendered) => rendered,
                Err(e) => {
                    return Ok(Verdict::Failed(format!(
                        "the {kind:?} template does not render ({}: {})",
                        e.field, e.message
                    )));
                }
            };
            let Some(to) = &row.recipient else {
                return Ok(Verdict::Failed("no recipient".into()));
            };
            if !shared.mailer.sends() {
                return Ok(Verdict::Kept(rendered));
            }
            let outcome = shared.mailer.send(row.id, to, &rendered).await;
            Verdict::Attempted {
                success: outcome.success,
                status_code: outcome.status_code,
                duration: outcome.duration,
                response: outcome.response,
                error: outcome.error,
                rendered: Some(rendered),
            }
        }
        DeliveryChannel::Webhook => {
            let Some(endpoint_id) = row.endpoint_id else {
                return Ok(Verdict::Failed("no endpoint".into()));
            };
            let Some(endpoint) = webhook_endpoint::Entity::find_by_id(endpoint_id)
                .one(&shared.db)
                .await?
            else {
                return Ok(Verdict::Failed("the endpoint was deleted".into()));
            };
            if !endpoint.active {
                return Ok(Verdict::Release);
            }
            let body = serde_json::to_vec(&row.payload).unwrap_or_default();
            let outcome = shared
                .webhooks
                .post(&endpoint.url, &endpoint.secret, &message_id(row.id), &body)
                .await;
            Verdict::Attempted {
                success: outcome.success,
                status_code: outcome.status_code,
                duration: outcome.duration,
                response: outcome.response,
                error: outcome.error,
                rendered: None,
            }
        }
    })
}

/// `column + by`, in SQL.
fn step(column: impl sea_orm::sea_query::IntoColumnRef, by: i32) -> Expr {
    // Imported here only: the trait's `max` and `min` would shadow `Ord`'s.
    use sea_orm::sea_query::ExprTrait;
    Expr::col(column).add(by)
}

/// The `webhook-id` of a delivery: the same on every attempt.
pub fn message_id(delivery_id: i64) -> String {
    format!("msg_{delivery_id}")
}

/// The wait before retry number `attempt` (1 after the first failure), with
/// ±20 % jitter so failures that happened together do not retry together;
/// `None` when the schedule is used up.
fn backoff(schedule: &[Duration], attempt: usize) -> Option<Duration> {
    let base = schedule.get(attempt.checked_sub(1)?)?;
    Some(base.mul_f64(rand::random_range(0.8..1.2)))
}

/// An update of this worker's leased row (another worker's lease, after ours
/// expired, is left alone).
fn mine(shared: &Shared, row: &delivery::Model) -> sea_orm::UpdateMany<delivery::Entity> {
    delivery::Entity::update_many()
        .filter(delivery::Column::Id.eq(row.id))
        .filter(delivery::Column::LeasedBy.eq(shared.instance.as_str()))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(db::now()))
}

fn with_rendered(
    update: sea_orm::UpdateMany<delivery::Entity>,
    rendered: Option<&Rendered>,
) -> sea_orm::UpdateMany<delivery::Entity> {
    match rendered {
        Some(r) => update
            .col_expr(delivery::Column::Subject, Expr::value(r.subject.clone()))
            .col_expr(delivery::Column::TextBody, Expr::value(r.text_body.clone()))
            .col_expr(delivery::Column::HtmlBody, Expr::value(r.html_body.clone())),
        None => update,
    }
}

async fn record(shared: &Shared, row: &delivery::Model, verdict: Verdict) -> Result<(), DbErr> {
    let db = &shared.db;
    let now = db::now();
    let state = |s: DeliveryState| Expr::value(s);
    let reason = |r: Option<String>| Expr::value(r);
    match verdict {
        Verdict::Attempted {
            success,
            status_code,
            duration,
            response,
            error,
            rendered,
        } => {
            delivery_attempt::ActiveModel {
                delivery_id: Set(row.id),
                attempt: Set(row.attempts),
                worker: Set(shared.instance.clone()),
                started_at: Set(now - chrono::Duration::from_std(duration).unwrap_or_default()),
                duration_ms: Set(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
                success: Set(success),
                status_code: Set(status_code.map(i32::from)),
                error: Set(error.clone()),
                response: Set(response),
                ..Default::default()
            }
            .insert(db)
            .await?;
            let update = with_rendered(mine(shared, row), rendered.as_ref());
            if success {
                update
                    .col_expr(delivery::Column::State, state(DeliveryState::Sent))
                    .col_expr(delivery::Column::SentAt, Expr::value(Some(now)))
                    .col_expr(delivery::Column::Reason, reason(None))
                    .exec(db)
                    .await?;
            } else {
                let attempt = usize::try_from(row.attempts).unwrap_or(usize::MAX);
                match backoff(&shared.retry, attempt) {
                    Some(wait) => {
                        let due = now + chrono::Duration::from_std(wait).unwrap_or_default();
                        update
                            .col_expr(delivery::Column::DueAt, Expr::value(due))
                            .col_expr(delivery::Column::Reason, reason(error))
                            .exec(db)
                            .await?;
                    }
                    None => {
                        update
                            .col_expr(delivery::Column::State, state(DeliveryState::Failed))
                            .col_expr(delivery::Column::Reason, reason(error))
                            .exec(db)
                            .await?;
                    }
                }
            }
            if let Some(endpoint) = row.endpoint_id {
                endpoint_health(shared, endpoint, success).await?;
            }
        }
        Verdict::Kept(rendered) => {
            with_rendered(mine(shared, row), Some(&rendered))
                .col_expr(delivery::Column::State, state(DeliveryState::Kept))
                .col_expr(
                    delivery::Column::Reason,
                    reason(Some("no SMTP_URL: rendered and kept, not sent".into())),
                )
                // Keeping is not an attempt at sending.
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(db)
                .await?;
        }
        Verdict::Cancelled(why) => {
            mine(shared, row)
                .col_expr(delivery::Column::State, state(DeliveryState::Cancelled))
                .col_expr(delivery::Column::Reason, reason(Some(why)))
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(db)
                .await?;
        }
        Verdict::Failed(why) => {
            mine(shared, row)
                .col_expr(delivery::Column::State, state(DeliveryState::Failed))
                .col_expr(delivery::Column::Reason, reason(Some(why)))
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(db)
                .await?;
        }
        Verdict::Release => {
            mine(shared, row)
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Counts an endpoint's consecutive failures, and disables it after
/// `WEBHOOK_DISABLE_AFTER` of them; a success resets the count.
async fn endpoint_health(shared: &Shared, endpoint: i64, success: bool) -> Result<(), DbErr> {
    let db = &shared.db;
    let now = db::now();
    let by_id = webhook_endpoint::Column::Id.eq(endpoint);
    if success {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::ConsecutiveFailures,
                Expr::value(0),
            )
            .filter(by_id)
            .filter(webhook_endpoint::Column::ConsecutiveFailures.ne(0))
            .exec(db)
            .await?;
        return Ok(());
    }
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            step(webhook_endpoint::Column::ConsecutiveFailures, 1),
        )
        .filter(by_id.clone())
        .exec(db)
        .await?;
    let disabled = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Active, Expr::value(false))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(Some(format!(
                "disabled after {} consecutive failed attempts",
                shared.disable_after
            ))),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(by_id)
        .filter(webhook_endpoint::Column::Active.eq(true))
        .filter(webhook_endpoint::Column::ConsecutiveFailures.gte(shared.disable_after))
        .exec(db)
        .await?;
    if disabled.rows_affected > 0 {
        tracing::warn!(
            endpoint,
            "webhook endpoint disabled after repeated failures"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_with_jitter_and_ends() {
        let schedule = [Duration::from_secs(30), Duration::from_secs(120)];
        let first = backoff(&schedule, 1).unwrap();
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let second = backoff(&schedule, 2).unwrap();
        assert!(second >= Duration::from_secs(96) && second <= Duration::from_secs(144));
        assert_eq!(backoff(&schedule, 3), None);
        assert_eq!(backoff(&schedule, 0), None);
    }
}
