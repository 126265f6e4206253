//! `orderEvents` and `orderStatusChanged`: streams of committed events.
//!
//! A stream subscribes to the [`EventBus`](super::bus::EventBus) first and only
//! then replays from the table (for `after`), so an event committed during the
//! replay is either read by the replay or arrives live. Both go in log order
//! (`(tx, id)`, see [`super::bus`]), and positions at or before the last one
//! delivered are dropped, so the seam has neither a gap nor a duplicate.
//! Filters (order, kinds, statuses, the customer's own orders, staff data) are
//! applied here, on the server. A subscriber that falls behind the bounded
//! live buffer gets SUBSCRIBER_LAGGED with the cursor to resume after, and its
//! stream ends.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Subscription};
use futures_util::Stream;
use futures_util::stream;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::OrderEventKind;
use super::bus::{self, Published};
use super::position::{self, Position};
use super::types::OrderEvent;
use crate::auth::policy::Policy;
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::context::{policy, state};
use crate::ids::{self, NodeKind, global_id};
use crate::orders::types::Order;
use crate::orders::workflow::OrderStatus;

/// Which events a stream delivers: what the caller may see ([`Policy`]) and
/// what it asked for.
#[derive(Clone, Debug)]
struct Filter {
    policy: Policy,
    order_id: Option<i64>,
    customer_id: Option<i64>,
    kinds: Option<Vec<OrderEventKind>>,
    to_statuses: Option<Vec<OrderStatus>>,
}

impl Filter {
    fn new(policy: Policy, order_id: Option<i64>) -> Self {
        Filter {
            policy,
            order_id,
            customer_id: None,
            kinds: None,
            to_statuses: None,
        }
    }

    /// The customer whose orders the table read may be narrowed to: the one
    /// asked for, else the caller's own. Only an optimisation: [`matches`]
    /// decides.
    ///
    /// [`matches`]: Filter::matches
    fn customer_hint(&self) -> Option<i64> {
        self.customer_id.or(self.policy.customer_scope())
    }

    fn matches(&self, p: &Published) -> bool {
        let e = &p.event;
        self.policy.sees_order_of(p.customer_id)
            && self.policy.sees_event(e.kind)
            && self.order_id.is_none_or(|id| e.order_id == id)
            && self.customer_id.is_none_or(|id| p.customer_id == Some(id))
            && self
                .kinds
                .as_ref()
                .is_none_or(|kinds| kinds.contains(&e.kind))
            && self
                .to_statuses
                .as_ref()
                .is_none_or(|statuses| e.to_status.is_some_and(|s| statuses.contains(&s)))
    }
}

enum Phase {
    /// Reading the table after this position.
    Replay(Position),
    Live,
    Done,
}

struct Cursor {
    db: Db,
    live: Receiver<Arc<Published>>,
    filter: Filter,
    phase: Phase,
    buffer: VecDeque<Arc<Published>>,
    last_delivered: Position,
    /// Live-only streams: what had committed when the stream started.
    seen: Option<Arc<bus::Now>>,
}

/// Replay (after `after`, if given) then live events matching `filter`. The
/// caller subscribes to the feed first; without `after` the stream starts
/// "now", read from the log after subscribing: an event committed earlier
/// but published late (still held back by the horizon) is not mistaken for a
/// new one, and every later one is delivered.
async fn events(
    db: Db,
    bus: &bus::EventBus,
    filter: Filter,
    after: Option<Position>,
) -> Result<impl Stream<Item = Result<Arc<Published>, AppError>> + use<>, AppError> {
    let live = bus.subscribe();
    let seen = match after {
        Some(_) => None,
        None => Some(bus.now().await?),
    };
    let start = after
        .or(seen.as_ref().map(|n| n.before))
        .unwrap_or_default();
    let cursor = Cursor {
        db,
        live,
        filter,
        phase: after.map_or(Phase::Live, Phase::Replay),
        buffer: VecDeque::new(),
        last_delivered: start,
        seen,
    };
    Ok(stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(next) = c.buffer.pop_front() {
                c.last_delivered = next.position();
                return Some((Ok(next), c));
            }
            match c.phase {
                Phase::Done => return None,
                Phase::Replay(from) => {
                    let page = bus::fetch(
                        &c.db,
                        from,
                        500,
                        c.filter.order_id,
                        c.filter.customer_hint(),
                    )
                    .await;
                    match page {
                        Ok(rows) if rows.is_empty() => c.phase = Phase::Live,
                        Ok(rows) => {
                            let end = rows.last().map_or(from, Published::position);
                            c.buffer.extend(
                                rows.into_iter()
                                    .filter(|r| c.filter.matches(r))
                                    .map(Arc::new),
                            );
                            c.phase = Phase::Replay(end);
                        }
                        Err(err) => {
                            c.phase = Phase::Done;
                            return Some((Err(AppError::from(err)), c));
                        }
                    }
                }
                Phase::Live => match c.live.recv().await {
                    // Already delivered by the replay, or not for this stream.
                    Ok(p)
                        if p.position() <= c.last_delivered
                            || c.seen.as_ref().is_some_and(|n| n.saw(&p))
                            || !c.filter.matches(&p) => {}
                    Ok(p) => c.buffer.push_back(p),
                    Err(RecvError::Lagged(_)) => {
                        c.phase = Phase::Done;
                        let resume_after = c.last_delivered.cursor();
                        return Some((Err(AppError::SubscriberLagged { resume_after }), c));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }))
}

/// The filter of a stream for the caller, and NOT_FOUND when it names an order
/// the caller may not see (exactly as for a missing one).
async fn scope(
    ctx: &Context<'_>,
    policy: Policy,
    order_id: Option<i64>,
) -> Result<Filter, AppError> {
    if let Some(order_id) = order_id
        && policy.customer_scope().is_some()
    {
        // Batched with the other subscriptions being set up (`owners`).
        let owner = state(ctx)?.owners.owner(order_id).await?;
        if !owner.is_some_and(|customer| policy.sees_order_of(customer)) {
            return Err(AppError::NotFound(format!("No order with id {order_id}")));
        }
    }
    Ok(Filter::new(policy, order_id))
}

/// A status change, as `orderStatusChanged` delivers it.
pub struct OrderStatusChange(Arc<Published>);

/// A status change as `orderStatusChanged` delivers it: the order as it is now,
/// and the statuses before and after.
#[Object]
impl OrderStatusChange {
    /// The global id of the status change's `OrderEvent`.
    async fn event_id(&self) -> ID {
        global_id(NodeKind::OrderEvent, self.0.event.id)
    }
    /// Where the status change's event sits in the log: pass it as
    /// `orderEvents(after:)` to resume after it.
    async fn cursor(&self) -> String {
        self.0.position().cursor()
    }
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Order, AppError> {
        let id = self.0.event.order_id;
        Order::load(ctx, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("No order with id {id}")))
    }
    /// The status before; null when the order was just created.
    async fn from_status(&self) -> Option<OrderStatus> {
        self.0.event.from_status
    }
    /// The status after.
    async fn to_status(&self) -> Result<OrderStatus, AppError> {
        self.0.event.to_status.ok_or_else(|| {
            AppError::internal(std::io::Error::other("status event without a status"))
        })
    }
    /// The note given with the change.
    async fn note(&self) -> Option<&str> {
        self.0.event.note.as_deref()
    }
    /// When it changed.
    async fn changed_at(&self) -> crate::scalars::DateTime {
        self.0.event.created_at.into()
    }
}

/// Where the items of a shared subscription's stream sit in the log, in the
/// order the stream yields them: a stream executed once for many clients
/// (`http::fanout`) puts this in its request data, and each client then skips
/// what committed before it subscribed. One entry per item; errors have none.
///
/// The tap also tells when the stream has taken its place in the log (read
/// its "now"): a client's own place must not come before the stream's, or an
/// event committed between the two would be the client's to get but never
/// in the stream.
#[derive(Clone)]
pub struct PositionTap {
    positions: Arc<std::sync::Mutex<VecDeque<Option<Position>>>>,
    placed: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for PositionTap {
    fn default() -> PositionTap {
        PositionTap {
            positions: Arc::default(),
            placed: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }
}

impl PositionTap {
    fn record(&self, position: Option<Position>) {
        if let Ok(mut positions) = self.positions.lock() {
            positions.push_back(position);
        }
    }

    /// Marks the stream placed in the log.
    fn place(&self) {
        self.placed.send_replace(true);
    }

    /// Changes to true once the stream is placed; closed, still false, when
    /// it ended without (refused at the start).
    pub fn placed(&self) -> tokio::sync::watch::Receiver<bool> {
        self.placed.subscribe()
    }

    /// The position of the oldest item not taken yet (`None` for an error,
    /// or an answer that was no item, such as a refusal at the start).
    pub fn take(&self) -> Option<Position> {
        self.positions
            .lock()
            .ok()
            .and_then(|mut p| p.pop_front())
            .flatten()
    }
}

/// Notes each item's position in the request's tap, if it has one. Called
/// once the stream has its place in the log, which the tap is told.
fn tapped(
    ctx: &Context<'_>,
) -> impl Fn(&Result<Arc<Published>, AppError>) + Send + 'static + use<> {
    let tap = ctx.data_opt::<PositionTap>().cloned();
    if let Some(tap) = &tap {
        tap.place();
    }
    move |item| {
        if let Some(tap) = &tap {
            tap.record(item.as_ref().ok().map(|p| p.position()));
        }
    }
}

/// Live updates.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Every committed event, in log order (the same on every instance; one
    /// order's events in the order they happened), of one order (`orderId`) or of all
    /// orders the caller may see, optionally only of `kinds`. With `after`, the
    /// events after that id are replayed first and the stream then goes live,
    /// with no gap and no duplicate between the two. Customers see only their
    /// own orders; admin-field changes only reach staff.
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only this order's events (its plain database id is accepted too, deprecated). Absent: every order the caller may see."
        )]
        order_id: Option<ID>,
        #[graphql(desc = "Only events of these kinds. Absent: every kind.")] kinds: Option<
            Vec<OrderEventKind>,
        >,
        #[graphql(
            desc = "Replay the events after this position first: an `OrderEvent.cursor` (or `OrderStatusChange.cursor`, or `resumeAfter` of SUBSCRIBER_LAGGED); an event's id (global or database) is accepted too. \"0\" replays from the start. Absent: live events only."
        )]
        after: Option<ID>,
    ) -> Result<impl Stream<Item = Result<OrderEvent, AppError>> + use<>, AppError> {
        let policy = policy(ctx)?;
        let order_id = order_id
            .map(|id| ids::parse(&id, NodeKind::Order, "orderId"))
            .transpose()?;
        let app = state(ctx)?;
        let after = match after {
            Some(raw) => Some(position::resolve(&app.db, &raw, "after").await?),
            None => None,
        };
        let mut filter = scope(ctx, policy, order_id).await?;
        filter.kinds = kinds;
        let stream = events(app.db.clone(), &app.events, filter, after).await?;
        // Lives as long as the stream: the gauge counts it until it ends.
        // A shared stream's clients are counted one by one (`http::fanout`).
        let active = ctx
            .data_opt::<PositionTap>()
            .is_none()
            .then(|| app.metrics.subscription());
        let tap = tapped(ctx);
        Ok(futures_util::StreamExt::map(stream, move |item| {
            let _ = &active;
            tap(&item);
            item.map(|p| OrderEvent(p.event.clone()))
        }))
    }

    /// Status changes as they are committed: of one order (`orderId`), of one
    /// customer's orders (`customerId`), or of every order the caller may see;
    /// optionally only changes to `statuses`. Customers see only their own
    /// orders (a `customerId` of someone else yields nothing).
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only this order's changes (its plain database id is accepted too, deprecated)."
        )]
        order_id: Option<ID>,
        #[graphql(
            desc = "Only changes of this customer's orders (its plain database id is accepted too, deprecated)."
        )]
        customer_id: Option<ID>,
        #[graphql(desc = "Only changes to these statuses. Absent: every status.")] statuses: Option<
            Vec<OrderStatus>,
        >,
    ) -> Result<impl Stream<Item = Result<OrderStatusChange, AppError>> + use<>, AppError> {
        let policy = policy(ctx)?;
        let order_id = order_id
            .map(|id| ids::parse(&id, NodeKind::Order, "orderId"))
            .transpose()?;
        let mut filter = scope(ctx, policy, order_id).await?;
        // A customer asking for someone else's orders gets nothing (the policy
        // filters them out), not an error that would tell who exists.
        filter.customer_id = customer_id
            .map(|id| ids::parse(&id, NodeKind::Customer, "customerId"))
            .transpose()?;
        filter.kinds = Some(vec![OrderEventKind::StatusChanged]);
        filter.to_statuses = statuses;
        let app = state(ctx)?;
        let stream = events(app.db.clone(), &app.events, filter, None).await?;
        // A shared stream's clients are counted one by one (`http::fanout`).
        let active = ctx
            .data_opt::<PositionTap>()
            .is_none()
            .then(|| app.metrics.subscription());
        let tap = tapped(ctx);
        Ok(futures_util::StreamExt::map(stream, move |item| {
            let _ = &active;
            tap(&item);
            item.map(OrderStatusChange)
        }))
    }
}
