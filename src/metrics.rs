//! [`Metrics`]: what `/metrics` shows, in the Prometheus/OpenMetrics text
//! format (prometheus-client, one registry per server so tests can run
//! several). Requests and latencies by route and by GraphQL operation and
//! outcome; open WebSockets and subscriptions; and, read at scrape time,
//! database pool use, event-log lag and the delivery backlog.
//!
//! Every label value is bounded: routes are the router's patterns, outcomes
//! are error codes the server itself writes, and operation names are kept
//! for the first [`MAX_OPERATION_NAMES`] seen; later ones count as `other`,
//! so a client that invents names cannot grow the series without bound.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Distinct GraphQL operation names kept as label values.
pub const MAX_OPERATION_NAMES: usize = 100;

/// Latency buckets, seconds: 1 ms to 10 s.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    r#type: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationTypeLabels {
    operation: String,
    r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: String,
    state: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics. Shared through [`crate::state::AppState`].
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    operations: Family<OperationLabels, Counter>,
    operation_seconds: Histograms<OperationTypeLabels>,
    websockets: Gauge,
    subscriptions: Gauge,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
    sql_statements: Counter<u64, AtomicU64>,
    event_lag: Gauge,
    subscription_groups: Gauge,
    event_held: Gauge,
    event_held_seconds: Gauge<f64, AtomicU64>,
    deliveries: Family<DeliveryLabels, Gauge>,
    operation_names: Mutex<HashSet<String>>,
}

/// A scrape-time reading of things kept elsewhere (the pool, the database).
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Connections open in the pool, and of those idle.
    pub pool_open: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    /// SQL statements run since start.
    pub sql_statements: u64,
    /// Committed events not yet published to subscribers.
    pub event_lag: i64,
    /// Live subscriptions executed once for all their clients (groups).
    pub subscription_groups: i64,
    /// Committed events an open transaction (anywhere in the cluster) holds
    /// back from every reader, and how long the oldest has waited.
    pub event_held: i64,
    pub event_held_seconds: f64,
    /// Deliveries by (channel, state); absent pairs read as 0.
    pub deliveries: Vec<(String, String, i64)>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ordergraph");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route (the router's pattern) and status",
            requests.clone(),
        );
        let request_seconds: Histograms<RouteLabels> = Family::new_with_constructor(histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            request_seconds.clone(),
        );
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations over HTTP by name (`anonymous`, `other` past the cap), type and outcome (`ok` or the first error code)",
            operations.clone(),
        );
        let operation_seconds: Histograms<OperationTypeLabels> =
            Family::new_with_constructor(histogram);
        registry.register(
            "graphql_operation_duration_seconds",
            "Latency of HTTP requests carrying GraphQL operations, by operation name and type",
            operation_seconds.clone(),
        );
        let websockets = Gauge::default();
        registry.register(
            "websocket_connections",
            "Open GraphQL WebSocket connections (accepted connection_init)",
            websockets.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "subscriptions",
            "Active GraphQL subscriptions",
            subscriptions.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (in_use, idle)",
            pool.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Largest size of the database pool (DB_MAX_CONNECTIONS)",
            pool_max.clone(),
        );
        let sql_statements = Counter::<u64, AtomicU64>::default();
        registry.register(
            "sql_statements",
            "SQL statements run for requests since start",
            sql_statements.clone(),
        );
        let event_lag = Gauge::default();
        registry.register(
            "event_log_lag_events",
            "Committed order events not yet published to this instance's subscribers",
            event_lag.clone(),
        );
        let subscription_groups = Gauge::default();
        registry.register(
            "subscription_groups",
            "Live subscriptions executed once per event for every client that receives the same answer (each client is counted in subscriptions)",
            subscription_groups.clone(),
        );
        let event_held = Gauge::default();
        registry.register(
            "event_log_held_events",
            "Committed order events not yet readable because an older transaction (any session of the PostgreSQL cluster) is still open",
            event_held.clone(),
        );
        let event_held_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "event_log_held_seconds",
            "How long the oldest held-back order event has waited",
            event_held_seconds.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Gauge>::default();
        registry.register(
            "deliveries",
            "Deliveries (e-mails, webhook calls) by channel and state: SCHEDULED is the backlog, FAILED gave up",
            deliveries.clone(),
        );
        Metrics {
            registry,
            requests,
            request_seconds,
            operations,
            operation_seconds,
            websockets,
            subscriptions,
            pool,
            pool_max,
            sql_statements,
            event_lag,
            subscription_groups,
            event_held,
            event_held_seconds,
            deliveries,
            operation_names: Mutex::new(HashSet::new()),
        }
    }

    /// Counts one HTTP request. `route` is the matched pattern, or `None` for
    /// a path no route matched (one label value for all of them).
    pub fn request(&self, method: &str, route: Option<&str>, status: u16, seconds: f64) {
        let route = route.unwrap_or("unmatched").to_owned();
        // Methods outside the usual few fold together: the method is the
        // client's to choose.
        let method = match method {
            "GET" | "POST" | "OPTIONS" | "HEAD" | "PUT" | "PATCH" | "DELETE" => method,
            _ => "other",
        }
        .to_owned();
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.clone(),
                status,
            })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels { route })
            .observe(seconds);
    }

    /// Counts the GraphQL operations of one HTTP request: `names` as the
    /// client sent them (`None` anonymous), `kind` query/mutation/
    /// subscription, `codes` the error codes of the response.
    pub fn operations(
        &self,
        names: &[Option<&str>],
        kind: Option<&str>,
        codes: &[String],
        seconds: f64,
    ) {
        let kind = kind
            .filter(|k| matches!(*k, "query" | "mutation" | "subscription"))
            .unwrap_or("unknown")
            .to_owned();
        let outcome = codes
            .first()
            .map(|c| bounded_code(c))
            .unwrap_or_else(|| "ok".to_owned());
        for name in names {
            let operation = self.operation_label(*name);
            self.operations
                .get_or_create(&OperationLabels {
                    operation: operation.clone(),
                    r#type: kind.clone(),
                    outcome: outcome.clone(),
                })
                .inc();
            self.operation_seconds
                .get_or_create(&OperationTypeLabels {
                    operation,
                    r#type: kind.clone(),
                })
                .observe(seconds);
        }
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty() && *n != "-") else {
            return "anonymous".into();
        };
        // GraphQL names are [_A-Za-z][_0-9A-Za-z]*; anything else did not parse.
        let valid = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "other".into();
        }
        let Ok(mut names) = self.operation_names.lock() else {
            return "other".into();
        };
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name.to_owned();
        }
        "other".into()
    }

    /// Counts an open WebSocket until the guard is dropped.
    pub fn websocket(&self) -> GaugeGuard {
        GaugeGuard::new(&self.websockets)
    }

    /// Counts an active subscription until the guard is dropped.
    pub fn subscription(&self) -> GaugeGuard {
        GaugeGuard::new(&self.subscriptions)
    }

    /// The text exposition, with `snapshot`'s values filled in.
    pub fn render(&self, snapshot: &Snapshot) -> Result<String, std::fmt::Error> {
        let in_use = snapshot.pool_open.saturating_sub(snapshot.pool_idle);
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(i64::from(in_use));
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(i64::from(snapshot.pool_idle));
        self.pool_max.set(i64::from(snapshot.pool_max));
        // A counter only goes up; the source is monotonic, so add the difference.
        let seen = self.sql_statements.get();
        self.sql_statements
            .inc_by(snapshot.sql_statements.saturating_sub(seen));
        self.event_lag.set(snapshot.event_lag.max(0));
        self.subscription_groups
            .set(snapshot.subscription_groups.max(0));
        self.event_held.set(snapshot.event_held.max(0));
        self.event_held_seconds.set(snapshot.event_held_seconds);
        // States that emptied must read 0, not keep their last value.
        self.deliveries.clear();
        for (channel, state, count) in &snapshot.deliveries {
            self.deliveries
                .get_or_create(&DeliveryLabels {
                    channel: channel.clone(),
                    state: state.clone(),
                })
                .set(*count);
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Keeps an error code as a label only if it looks like one of ours.
fn bounded_code(code: &str) -> String {
    let ours =
        (1..=40).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    if ours {
        code.to_owned()
    } else {
        "other".into()
    }
}

/// Decrements its gauge when dropped, so a connection or subscription that
/// ends any way at all (closed, cut off, panicked) is no longer counted.
pub struct GaugeGuard(Gauge<i64, AtomicI64>);

impl GaugeGuard {
    fn new(gauge: &Gauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_past_the_cap_fold_into_other() {
        let metrics = Metrics::new();
        for i in 0..MAX_OPERATION_NAMES + 50 {
            metrics.operations(&[Some(&format!("Op{i}"))], Some("query"), &[], 0.01);
        }
        metrics.operations(&[Some("Op0")], Some("query"), &[], 0.01);
        metrics.operations(&[Some("not a name!")], Some("query"), &["X y".into()], 0.01);
        let text = metrics.render(&Snapshot::default()).unwrap();
        let series: HashSet<_> = text
            .lines()
            .filter(|l| l.starts_with("ordergraph_graphql_operations_total"))
            .collect();
        assert_eq!(series.len(), MAX_OPERATION_NAMES + 2, "{text}");
        assert!(
            text.contains(r#"operation="other",type="query",outcome="ok"} 50"#),
            "{text}"
        );
        assert!(text.contains(r#"operation="Op0",type="query",outcome="ok"} 2"#));
        assert!(text.contains(r#"operation="other",type="query",outcome="other"} 1"#));
    }

    #[test]
    fn guards_count_while_they_live() {
        let metrics = Metrics::new();
        let a = metrics.websocket();
        let b = metrics.websocket();
        drop(a);
        let text = metrics.render(&Snapshot::default()).unwrap();
        assert!(
            text.contains("ordergraph_websocket_connections 1\n"),
            "{text}"
        );
        drop(b);
    }
}
