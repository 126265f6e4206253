//! The delivery worker: one per instance. It claims due deliveries in one
//! short statement that sets a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! so instances share the work; SQLite has one writer anyway), sends them
//! outside any transaction, and records each attempt and its outcome in short
//! statements. A worker that dies leaves leases that expire, and the deliveries
//! are claimed again: at least once, under a stable delivery id.
//!
//! Deliveries run concurrently (`DELIVERY_CONCURRENCY`), and one endpoint may
//! hold at most half of the slots, so a slow endpoint cannot starve the
//! others. What a batch of claimed deliveries needs (endpoints, templates,
//! order statuses) is read once per batch, and outcomes are written many per
//! transaction, by the same task that claims. The worker wakes when a commit of this process wrote deliveries (the
//! commit hook), when a slot frees up, and every `DELIVERY_POLL_MS` for retries,
//! follow-ups and other instances' work.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement,
};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use super::email::Mailer;
use super::kinds::{DeliveryChannel, DeliveryState, TemplateKind};
use super::templates::{self, Rendered, Template};
use super::webhook::WebhookClient;
use crate::config::Config;
use crate::db::{self, Db, WriteTxn, numbered_placeholders};
use crate::entities::{delivery, delivery_attempt, order, webhook_endpoint};
use crate::orders::workflow::OrderStatus;

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

impl InFlight {
    fn start(&mut self, endpoint: Option<i64>) {
        self.total += 1;
        if let Some(endpoint) = endpoint {
            *self.per_endpoint.entry(endpoint).or_default() += 1;
        }
    }

    /// Whether a delivery to `endpoint` may start under the endpoint's share.
    fn has_room(&self, endpoint: Option<i64>, share: usize) -> bool {
        endpoint.is_none_or(|e| self.per_endpoint.get(&e).copied().unwrap_or(0) < share)
    }

    fn done(&mut self, endpoint: Option<i64>) {
        self.total = self.total.saturating_sub(1);
        if let Some(endpoint) = endpoint
            && let Some(n) = self.per_endpoint.get_mut(&endpoint)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_endpoint.remove(&endpoint);
            }
        }
    }
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
}

/// The running worker; [`stop`](Worker::stop) ends it.
pub struct Worker {
    task: AbortHandle,
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
        let commits = db.delivery_commits();
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
            // A claimed row may wait behind its endpoint's slowest answers
            // (at most 2 × concurrency rows claimed, half of the slots per
            // endpoint: four rounds) before its own try: a live worker must
            // not lose its lease meanwhile.
            lease: Duration::from_secs(
                config
                    .delivery_lease_seconds
                    .max(5 * config.webhook_timeout_seconds + 5)
                    .max(5 * config.smtp_timeout_seconds + 5),
            ),
            poll: Duration::from_millis(config.delivery_poll_ms.max(10)),
            concurrency,
            per_endpoint: (concurrency / 2).max(1),
            instance,
        });
        let task = tokio::spawn(run(shared, commits)).abort_handle();
        Ok(Worker { task })
    }

    /// Stops claiming. Deliveries in flight are cut off; their leases expire
    /// and another worker (or this one after a restart) sends them again.
    pub fn stop(&self) {
        self.task.abort();
    }
}

async fn run(shared: Arc<Shared>, mut commits: watch::Receiver<u64>) {
    let (done, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
    let mut in_flight = InFlight::default();
    // Claimed rows whose endpoint is at its share: they start as soon as it
    // has room (they stay leased meanwhile; see `lease` for why that is safe).
    let mut waiting: VecDeque<(delivery::Model, Arc<Context>)> = VecDeque::new();
    let mut finished: Vec<Outcome> = Vec::new();
    let mut hooked = true;
    // The busy endpoints when a claim last found nothing: claiming again with
    // the same ones before anything new is due would only scan their backlog.
    let mut found_nothing: Option<Vec<i64>> = None;
    loop {
        // Claiming and recording happen here, one after the other: on SQLite
        // two writers would only wait for each other's lock.
        while let Ok(outcome) = outcomes.try_recv() {
            finished.push(outcome);
        }
        for batch in finished.chunks(RECORD_BATCH) {
            if let Err(err) = record_batch(&shared, batch).await {
                // The rows stay leased; when the leases end they go again.
                tracing::warn!(error = %err, count = batch.len(), "recording deliveries failed");
            }
        }
        for outcome in finished.drain(..) {
            in_flight.done(outcome.row.endpoint_id);
        }
        // Waiting rows first, oldest first, as far as their endpoints allow.
        for _ in 0..waiting.len() {
            let Some((row, context)) = waiting.pop_front() else {
                break;
            };
            if in_flight.total < shared.concurrency
                && in_flight.has_room(row.endpoint_id, shared.per_endpoint)
            {
                in_flight.start(row.endpoint_id);
                start(&shared, row, context, done.clone());
            } else {
                waiting.push_back((row, context));
            }
        }
        // Claim ahead: up to a second round of slots, so the next slots to
        // free up find their work already leased.
        let mut room = (2 * shared.concurrency).saturating_sub(in_flight.total + waiting.len());
        if in_flight.total >= shared.concurrency {
            room = 0;
        }
        let mut busy = Vec::new();
        if room > 0 {
            let mut load: HashMap<i64, usize> = in_flight.per_endpoint.clone();
            for (row, _) in &waiting {
                if let Some(e) = row.endpoint_id {
                    *load.entry(e).or_default() += 1;
                }
            }
            busy = load
                .into_iter()
                .filter(|(_, n)| *n >= shared.per_endpoint)
                .map(|(id, _)| id)
                .collect();
            busy.sort_unstable();
            if found_nothing.as_ref() == Some(&busy) {
                // Nothing new since: wait for a commit, an outcome or the poll.
                room = 0;
            }
        }
        let mut claimed_all = false;
        if room > 0 {
            let claimed = match claim(&shared, room, &busy).await {
                Ok(rows) => prepare(&shared, rows).await,
                Err(err) => Err(err),
            };
            match claimed {
                Ok((rows, context)) => {
                    claimed_all = rows.len() == room;
                    found_nothing = rows.is_empty().then(|| busy.clone());
                    let context = Arc::new(context);
                    for row in rows {
                        if in_flight.total < shared.concurrency
                            && in_flight.has_room(row.endpoint_id, shared.per_endpoint)
                        {
                            in_flight.start(row.endpoint_id);
                            start(&shared, row, context.clone(), done.clone());
                        } else {
                            waiting.push_back((row, context.clone()));
                        }
                    }
                }
                // Claimed rows stay leased until the lease ends, then go again.
                Err(err) => tracing::warn!(error = %err, "claiming deliveries failed; retrying"),
            }
        }
        if claimed_all && in_flight.total < shared.concurrency {
            // Slots are free and there may be more work: go round again.
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            outcome = outcomes.recv() => {
                finished.extend(outcome);
                // Outcomes come in bursts: a moment's wait records and refills
                // for many at once instead of one transaction each.
                let gather = tokio::time::sleep(GATHER);
                tokio::pin!(gather);
                while finished.len() < in_flight.total {
                    tokio::select! {
                        outcome = outcomes.recv() => finished.extend(outcome),
                        () = &mut gather => break,
                    }
                }
            }
            changed = commits.changed(), if hooked => {
                hooked = changed.is_ok();
                found_nothing = None;
            }
            // Retries and follow-ups fall due with time.
            () = tokio::time::sleep(shared.poll) => found_nothing = None,
        }
    }
}

/// What a batch of claimed deliveries needs, read once for the batch: their
/// endpoints, the templates in use, and the statuses of orders whose
/// follow-ups may have to be cancelled.
#[derive(Default)]
struct Context {
    endpoints: HashMap<i64, webhook_endpoint::Model>,
    templates: HashMap<TemplateKind, Template>,
    statuses: HashMap<i64, OrderStatus>,
}

async fn prepare(
    shared: &Shared,
    rows: Vec<delivery::Model>,
) -> Result<(Vec<delivery::Model>, Context), DbErr> {
    let mut context = Context::default();
    if rows.is_empty() {
        return Ok((rows, context));
    }
    let endpoint_ids: Vec<i64> = rows.iter().filter_map(|r| r.endpoint_id).collect();
    if !endpoint_ids.is_empty() {
        context.endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(endpoint_ids))
            .all(&shared.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    }
    for kind in rows.iter().filter_map(|r| r.template) {
        if let std::collections::hash_map::Entry::Vacant(slot) = context.templates.entry(kind) {
            let (template, _) = templates::current(&shared.db, kind)
                .await
                .map_err(|_| DbErr::Custom("reading a template failed".into()))?;
            slot.insert(template);
        }
    }
    let watched: Vec<i64> = rows
        .iter()
        .filter(|r| r.unless_statuses.is_some())
        .filter_map(|r| r.order_id)
        .collect();
    if !watched.is_empty() {
        context.statuses = order::Entity::find()
            .filter(order::Column::Id.is_in(watched))
            .all(&shared.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.status))
            .collect();
    }
    Ok((rows, context))
}

/// What one delivery came to, on its way to the recorder.
struct Outcome {
    row: delivery::Model,
    verdict: Verdict,
}

/// Runs one claimed delivery on its own task; the loop records its outcome.
fn start(
    shared: &Arc<Shared>,
    row: delivery::Model,
    context: Arc<Context>,
    done: mpsc::UnboundedSender<Outcome>,
) {
    let shared = shared.clone();
    tokio::spawn(async move {
        let verdict = deliver(&shared, &row, &context).await;
        // The row stays leased until recorded, so no one claims it meanwhile.
        let _ = done.send(Outcome { row, verdict });
    });
}

/// Leases up to `limit` due deliveries, oldest first, skipping endpoints that
/// are disabled or already at their share of the slots.
async fn claim(shared: &Shared, limit: usize, busy: &[i64]) -> Result<Vec<delivery::Model>, DbErr> {
    let backend = shared.db.get_database_backend();
    let now = db::now();
    // Most polls find nothing due. A read says so without the UPDATE, which
    // on SQLite would queue at the process's single writer (and share a group
    // commit with requests) on every poll.
    let due = sea_orm::ConnectionTrait::query_one_raw(
        &shared.db,
        Statement::from_sql_and_values(
            backend,
            numbered_placeholders(
                backend,
                "SELECT 1 AS due FROM deliveries d WHERE d.state = 'SCHEDULED' AND d.due_at <= $1 \
                 AND (d.lease_until IS NULL OR d.lease_until < $1) LIMIT 1",
            ),
            [now.into()],
        ),
    )
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
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

async fn deliver(shared: &Shared, row: &delivery::Model, context: &Context) -> Verdict {
    if let (Some(unless), Some(status)) = (
        &row.unless_statuses,
        row.order_id.and_then(|id| context.statuses.get(&id)),
    ) && unless.0.contains(status)
    {
        return Verdict::Cancelled(format!("the order became {status} before it was due"));
    }
    match row.channel {
        DeliveryChannel::Email => {
            let Some(template) = row.template.and_then(|k| context.templates.get(&k)) else {
                return Verdict::Failed("no template".into());
            };
            let rendered = match templates::render(template, &row.payload) {
                Ok(rendered) => rendered,
                Err(e) => {
                    return Verdict::Failed(format!(
                        "the {:?} template does not render ({}: {})",
                        row.template, e.field, e.message
                    ));
                }
            };
            let Some(to) = &row.recipient else {
                return Verdict::Failed("no recipient".into());
            };
            if !shared.mailer.sends() {
                return Verdict::Kept(rendered);
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
            let Some(endpoint) = row.endpoint_id.and_then(|id| context.endpoints.get(&id)) else {
                return Verdict::Failed("the endpoint was deleted".into());
            };
            if !endpoint.active {
                return Verdict::Release;
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
    }
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
fn mine(
    shared: &Shared,
    row: &delivery::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<delivery::Entity> {
    delivery::Entity::update_many()
        .filter(delivery::Column::Id.eq(row.id))
        .filter(delivery::Column::LeasedBy.eq(shared.instance.as_str()))
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
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

/// How long the loop waits for more outcomes once one arrived.
const GATHER: Duration = Duration::from_micros(500);

/// Outcomes written per transaction at most; under load, outcomes queue up
/// while one batch is written, and the next batch takes them all at once.
const RECORD_BATCH: usize = 256;

/// How a batch changes one endpoint's run of failures.
#[derive(Default)]
struct Health {
    /// A success restarted the count.
    reset: bool,
    /// Failures since (or, without a reset, on top of the stored count).
    failures: i32,
}

async fn record_batch(shared: &Shared, batch: &[Outcome]) -> Result<(), DbErr> {
    let txn = shared.db.begin_write().await?;
    let now = db::now();
    let mut attempts = Vec::new();
    let mut health: HashMap<i64, Health> = HashMap::new();
    // The common outcome, a webhook delivered, is one statement for them all.
    let mut sent = Vec::new();
    for Outcome { row, verdict } in batch {
        match verdict {
            Verdict::Attempted {
                success: true,
                rendered: None,
                ..
            } => sent.push(row.id),
            _ => record(shared, &txn, row, verdict, now).await?,
        }
        if let Verdict::Attempted {
            success,
            status_code,
            duration,
            response,
            error,
            ..
        } = verdict
        {
            attempts.push(delivery_attempt::ActiveModel {
                delivery_id: Set(row.id),
                attempt: Set(row.attempts),
                worker: Set(shared.instance.clone()),
                started_at: Set(now - chrono::Duration::from_std(*duration).unwrap_or_default()),
                duration_ms: Set(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
                success: Set(*success),
                status_code: Set(status_code.map(i32::from)),
                error: Set(error.clone()),
                response: Set(response.clone()),
                ..Default::default()
            });
            if let Some(endpoint) = row.endpoint_id {
                let h = health.entry(endpoint).or_default();
                if *success {
                    *h = Health {
                        reset: true,
                        failures: 0,
                    };
                } else {
                    h.failures += 1;
                }
            }
        }
    }
    for ids in sent.chunks(500) {
        delivery::Entity::update_many()
            .filter(delivery::Column::Id.is_in(ids.iter().copied()))
            .filter(delivery::Column::LeasedBy.eq(shared.instance.as_str()))
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .col_expr(delivery::Column::State, Expr::value(DeliveryState::Sent))
            .col_expr(delivery::Column::SentAt, Expr::value(Some(now)))
            .col_expr(
                delivery::Column::Reason,
                Expr::value(Option::<String>::None),
            )
            .exec(&txn)
            .await?;
    }
    for chunk in attempts.chunks(200) {
        delivery_attempt::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for (endpoint, h) in health {
        endpoint_health(shared, &txn, endpoint, h, now).await?;
    }
    txn.commit().await
}

async fn record(
    shared: &Shared,
    txn: &WriteTxn,
    row: &delivery::Model,
    verdict: &Verdict,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let state = |s: DeliveryState| Expr::value(s);
    let reason = |r: Option<String>| Expr::value(r);
    let update = mine(shared, row, now);
    match verdict {
        Verdict::Attempted {
            success,
            error,
            rendered,
            ..
        } => {
            let update = with_rendered(update, rendered.as_ref());
            if *success {
                update
                    .col_expr(delivery::Column::State, state(DeliveryState::Sent))
                    .col_expr(delivery::Column::SentAt, Expr::value(Some(now)))
                    .col_expr(delivery::Column::Reason, reason(None))
                    .exec(txn)
                    .await?;
                return Ok(());
            }
            let attempt = usize::try_from(row.attempts).unwrap_or(usize::MAX);
            match backoff(&shared.retry, attempt) {
                Some(wait) => {
                    let due = now + chrono::Duration::from_std(wait).unwrap_or_default();
                    update
                        .col_expr(delivery::Column::DueAt, Expr::value(due))
                        .col_expr(delivery::Column::Reason, reason(error.clone()))
                        .exec(txn)
                        .await?;
                }
                None => {
                    update
                        .col_expr(delivery::Column::State, state(DeliveryState::Failed))
                        .col_expr(delivery::Column::Reason, reason(error.clone()))
                        .exec(txn)
                        .await?;
                }
            }
        }
        // Keeping, cancelling, failing without a try and releasing are not
        // attempts at sending: the claim's count is taken back.
        Verdict::Kept(rendered) => {
            with_rendered(update, Some(rendered))
                .col_expr(delivery::Column::State, state(DeliveryState::Kept))
                .col_expr(
                    delivery::Column::Reason,
                    reason(Some("no SMTP_URL: rendered and kept, not sent".into())),
                )
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(txn)
                .await?;
        }
        Verdict::Cancelled(why) | Verdict::Failed(why) => {
            let to = match verdict {
                Verdict::Cancelled(_) => DeliveryState::Cancelled,
                _ => DeliveryState::Failed,
            };
            update
                .col_expr(delivery::Column::State, state(to))
                .col_expr(delivery::Column::Reason, reason(Some(why.clone())))
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(txn)
                .await?;
        }
        Verdict::Release => {
            update
                .col_expr(
                    delivery::Column::Attempts,
                    step(delivery::Column::Attempts, -1),
                )
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Counts an endpoint's consecutive failures, and disables it after
/// `WEBHOOK_DISABLE_AFTER` of them; a success resets the count.
async fn endpoint_health(
    shared: &Shared,
    txn: &WriteTxn,
    endpoint: i64,
    health: Health,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let by_id = webhook_endpoint::Column::Id.eq(endpoint);
    let count = if health.reset {
        Expr::value(health.failures)
    } else if health.failures > 0 {
        step(
            webhook_endpoint::Column::ConsecutiveFailures,
            health.failures,
        )
    } else {
        return Ok(());
    };
    let mut update = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::ConsecutiveFailures, count)
        .filter(by_id.clone());
    if health.reset && health.failures == 0 {
        // Most successes change nothing: skip the write then.
        update = update.filter(webhook_endpoint::Column::ConsecutiveFailures.ne(0));
    }
    update.exec(txn).await?;
    if health.failures == 0 {
        return Ok(());
    }
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
        .exec(txn)
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
