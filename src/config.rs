//! [`Config`]: every setting, read from the environment (and `.env`, loaded by
//! `main`). Each variable has a line in `.env.example`; secrets are redacted in
//! `Debug` so a logged config never leaks them.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub var: &'static str,
    /// What is wrong with its value.
    pub message: String,
}

/// A secret string: usable, but never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "pretty" | "" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected \"text\" or \"json\", got \"{other}\"")),
        }
    }
}

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`. Default: the SQLite file
    /// `ordergraph.db` in the working directory, created if missing.
    pub database_url: String,
    /// `BIND_ADDR`: where the HTTP server listens. Default `127.0.0.1:8000`.
    pub bind_addr: SocketAddr,
    /// `JWT_SECRET`: the HS256 key for Bearer tokens. Unset means dev mode: the
    /// server makes a secret, keeps it in the database and prints an admin token.
    pub jwt_secret: Option<Secret>,
    /// `JWT_ISSUER`: when set, tokens must carry this `iss`.
    pub jwt_issuer: Option<String>,
    /// `JWT_AUDIENCE`: when set, tokens must carry this `aud`.
    pub jwt_audience: Option<String>,
    /// `DEFAULT_CURRENCY`: the ISO 4217 currency of orders that name none.
    /// Default EUR.
    pub default_currency: String,
    /// `IMPORT_TIMEZONE`: the IANA time zone (`Europe/Amsterdam`) in which
    /// imported local dates without an offset are read: seed 004's
    /// `order_date` (`YYYY-MM-DD HH:MM:SS`) in its dialect, in `ordergraph
    /// import` files and in `importOrders`' `orderDate`. Default UTC. An
    /// unknown name stops the server at start.
    pub import_timezone: chrono_tz::Tz,
    /// `LOG_FORMAT`: `text` (default) or `json`. Levels come from `RUST_LOG`.
    pub log_format: LogFormat,
    /// `DB_MAX_CONNECTIONS`: the size of the database pool. Default 10.
    pub db_max_connections: u32,
    /// `MAX_BODY_BYTES`: the largest request body accepted; larger gets 413.
    /// Default 4 MiB: the documented 1,000-order `importOrders` call (three
    /// lines and two addresses each) is about 1.3 MB. GraphQL documents have
    /// their own, much smaller limit (`GRAPHQL_MAX_DOCUMENT_BYTES`).
    pub max_body_bytes: usize,
    /// `GRAPHQL_MAX_BATCH`: the most operations one batched (array) request may
    /// hold; more is refused. Default 5.
    pub graphql_max_batch: usize,
    /// `GRAPHQL_MAX_DEPTH`: the deepest selection a query may nest. Default 15.
    pub graphql_max_depth: usize,
    /// `GRAPHQL_MAX_COST`: the most one operation may cost. Every field costs
    /// 1 (`__typename` too); a list or connection costs its page size
    /// (`first`/`last`/`perPage`, default 20; plain nested lists count 10) times
    /// its selection. Default 25000 (a page of 100 orders with their lines,
    /// addresses and events fits; 100 pages of 100 do not).
    pub graphql_max_cost: usize,
    /// `GRAPHQL_MAX_ALIASES`: the most aliased fields one document may hold.
    /// Default 30.
    pub graphql_max_aliases: usize,
    /// `GRAPHQL_MAX_DOCUMENT_BYTES`: the longest GraphQL document (the query
    /// text, not the variables; imports send their data as variables).
    /// Default 32768.
    pub graphql_max_document_bytes: usize,
    /// `GRAPHQL_INTROSPECTION`: `all`, `authenticated` or `off`. Default: all
    /// in dev mode, authenticated otherwise.
    pub graphql_introspection: Option<Introspection>,
    /// `PLAYGROUND`: `on` or `off` (the GraphiQL page at `/`). Default: on in
    /// dev mode, off otherwise.
    pub playground: Option<Switch>,
    /// `GRAPHQL_BUDGET_ADMIN`, `_STAFF`, `_INTEGRATION`, `_CUSTOMER`: each
    /// credential's cost budget as `capacity/restorePerSecond` (a leaky
    /// bucket), or `off`. Defaults: off in dev mode; otherwise admin and staff
    /// `250000/25000`, integration `250000/25000`, customer `50000/5000`.
    pub graphql_budgets: Vec<(crate::auth::Role, Option<Option<BudgetSetting>>)>,
    /// `REQUEST_TIMEOUT_SECONDS`: how long one HTTP request (or one WebSocket
    /// operation other than a subscription) may run before it is answered
    /// with TIMEOUT. Default 30.
    pub request_timeout_seconds: u64,
    /// `DB_STATEMENT_TIMEOUT_MS`: PostgreSQL's `statement_timeout` for the
    /// server's connections (migrations run without it); 0 disables. Default
    /// 10000.
    pub db_statement_timeout_ms: u64,
    /// `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`: PostgreSQL's
    /// `idle_in_transaction_session_timeout` for the server's connections; 0
    /// disables. An open transaction holds back the event log's readers
    /// cluster-wide, so ours are ended when left idle. Default 5000.
    pub db_idle_in_transaction_timeout_ms: u64,
    /// `DB_ACQUIRE_TIMEOUT_MS`: how long a request waits for a pooled
    /// connection before it answers UNAVAILABLE. Default 5000.
    pub db_acquire_timeout_ms: u64,
    /// `AUTH_MAX_FAILURES`: wrong passwords or keys for one credential from
    /// one client address before that pair is throttled. Default 10.
    pub auth_max_failures: u32,
    /// `AUTH_FAILURE_WINDOW_SECONDS`: the window `AUTH_MAX_FAILURES` counts
    /// in, and how long the throttle lasts. Default 300.
    pub auth_failure_window_seconds: u64,
    /// `SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long in-flight requests may
    /// finish before the server stops anyway. Default 10.
    pub shutdown_grace_seconds: u64,
    /// `IDEMPOTENCY_TTL_HOURS`: how long an idempotency key and its response
    /// are kept. Default 24.
    pub idempotency_ttl_hours: u64,
    /// `MAX_URI_BYTES`: the longest request target (path and query string)
    /// accepted; longer gets 414. Default 16384.
    pub max_uri_bytes: usize,
    /// `GRAPHQL_MAX_DIRECTIVES`: the most directives one field may carry. Default 10.
    pub graphql_max_directives: usize,
    /// `SUBSCRIPTION_BUFFER`: live events kept for subscribers that are behind;
    /// one further behind is ended with SUBSCRIBER_LAGGED. Default 1024, at
    /// least 1000 (two fetch pages, so a burst never cuts off a fast reader).
    pub subscription_buffer: usize,
    /// `WS_KEEPALIVE_SECONDS`: how often the server pings an open WebSocket.
    /// Default 15.
    pub ws_keepalive_seconds: u64,
    /// `WS_INIT_TIMEOUT_SECONDS`: how long a new WebSocket may take to send
    /// `connection_init` before it is closed with 4408. Default 10.
    pub ws_init_timeout_seconds: u64,
    /// `EVENT_POLL_MS`: how often the live feed reads the event log when
    /// nothing woke it. Only a safety net: commits of this process wake it at
    /// once, and on PostgreSQL so do other instances' (NOTIFY). Default 250
    /// on SQLite, 2000 on PostgreSQL.
    pub event_poll_ms: Option<u64>,
    /// `SMTP_URL`: the SMTP server e-mails go through: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465`. Unset: e-mails are rendered and kept
    /// (state KEPT, readable in GraphQL), never sent and never dropped.
    pub smtp_url: Option<Secret>,
    /// `MAIL_FROM`: the sender of e-mails. Default `ordergraph <noreply@localhost>`.
    pub mail_from: String,
    /// `SMTP_TIMEOUT_SECONDS`: how long one SMTP conversation may take. Default 10.
    pub smtp_timeout_seconds: u64,
    /// `WEBHOOK_ALLOW_PRIVATE`: `true` lets webhook endpoints be loopback,
    /// private, link-local or metadata addresses (tests, on-premises use).
    /// Default false: such endpoints are refused, when registered and on the
    /// address actually connected to.
    pub webhook_allow_private: bool,
    /// `WEBHOOK_TIMEOUT_SECONDS`: how long an endpoint may take to answer
    /// (anything but 2xx in time is a failed attempt). Default 10.
    pub webhook_timeout_seconds: u64,
    /// `WEBHOOK_DISABLE_AFTER`: consecutive failed attempts after which an
    /// endpoint is disabled (an admin re-enables it). Default 20.
    pub webhook_disable_after: u32,
    /// `DELIVERY_RETRY_SECONDS`: the waits before each retry of a failed
    /// delivery, comma-separated; after the last one it is FAILED. Default
    /// `30,120,600,3600,21600,43200,86400,86400` (about three days), each
    /// with ±20 % jitter.
    pub delivery_retry_seconds: Vec<u64>,
    /// `DELIVERY_CONCURRENCY`: deliveries one instance sends at once. Default 16.
    pub delivery_concurrency: usize,
    /// `DELIVERY_LEASE_SECONDS`: how long a claimed delivery stays with its
    /// worker; a worker that dies lets it go when the lease ends. At least
    /// five times the longer of the two timeouts, plus 5 s. Default 60.
    pub delivery_lease_seconds: u64,
    /// `DELIVERY_POLL_MS`: how often workers look for due deliveries (retries,
    /// follow-ups, other instances' work) when nothing woke them. Default 1000.
    pub delivery_poll_ms: u64,
    /// `DELIVERY_WORKER`: `false` runs this instance without a delivery worker
    /// (it still writes deliveries; instances with a worker send them).
    /// Default true.
    pub delivery_worker: bool,
    /// `CORS_ALLOWED_ORIGINS`: the web origins (`https://shop.example.com`,
    /// comma-separated) whose pages may call the API from a browser, or `*`
    /// for any origin. Unset: no cross-origin browser access.
    pub cors_allowed_origins: Option<CorsOrigins>,
    /// `CORS_ALLOW_CREDENTIALS`: `true` lets those pages send cookies and
    /// browser-held HTTP authentication. Only with a list of origins, never
    /// with `*`. Default false (an `Authorization` header set by the page
    /// itself needs no credentials mode).
    pub cors_allow_credentials: bool,
    /// `METRICS_TOKEN`: when set, `/metrics` answers only requests carrying
    /// it as a Bearer token. Unset: `/metrics` is open (keep it off the
    /// public network, as usual for Prometheus endpoints).
    pub metrics_token: Option<Secret>,
    /// `GRAPHQL_TRUSTED_DOCUMENTS`: `on` runs only operations an admin
    /// registered (`ordergraph documents register`, `registerTrustedDocuments`),
    /// over HTTP and WebSocket alike. Default off.
    pub graphql_trusted_documents: bool,
    /// Where traces go over OTLP/HTTP (protobuf):
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended (the
    /// OpenTelemetry rule). Unset: no exporter and no spans are made.
    pub otel_traces_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`: the `service.name` of exported traces. Default
    /// `ordergraph`.
    pub otel_service_name: String,
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`: which traces are
    /// kept. Default `parentbased_always_on` (all, unless the caller's
    /// `traceparent` says it dropped its trace).
    pub otel_traces_sampler: TraceSampler,
    /// `OTEL_BSP_SCHEDULE_DELAY`: milliseconds between batch exports of
    /// finished spans. Default 5000.
    pub otel_bsp_schedule_delay_ms: u64,
}

/// The origins allowed to call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`*`).
    Any,
    /// Exactly these origins, as browsers send them (`scheme://host[:port]`).
    List(Vec<String>),
}

impl FromStr for CorsOrigins {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts == ["*"] {
            return Ok(CorsOrigins::Any);
        }
        parts
            .iter()
            .map(|part| {
                if *part == "*" {
                    return Err("`*` stands alone: it cannot be mixed with origins".to_owned());
                }
                let url = url::Url::parse(part).map_err(|e| format!("{part:?} is not an origin: {e}"))?;
                // An origin is scheme, host and port; a path or query would never
                // match what a browser sends in `Origin`, so it is a mistake.
                if !matches!(url.scheme(), "http" | "https")
                    || url.host().is_none()
                    || url.path() != "/"
                    || url.query().is_some()
                    || url.fragment().is_some()
                    || !url.username().is_empty()
                {
                    return Err(format!(
                        "{part:?} is not an origin: expected scheme://host[:port], e.g. https://shop.example.com"
                    ));
                }
                Ok(url.origin().ascii_serialization())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(CorsOrigins::List)
    }
}

/// The default database: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ordergraph.db?mode=rwc";
/// The default listen address.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8000";

impl Config {
    /// Reads every setting from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// Reads every setting through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
        Config {
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind_addr: parse(&get, "BIND_ADDR", DEFAULT_BIND_ADDR)?,
            jwt_secret: get("JWT_SECRET").map(jwt_secret).transpose()?,
            jwt_issuer: get("JWT_ISSUER"),
            jwt_audience: get("JWT_AUDIENCE"),
            default_currency: currency(get("DEFAULT_CURRENCY"))?,
            import_timezone: time_zone(get("IMPORT_TIMEZONE"))?,
            log_format: parse(&get, "LOG_FORMAT", "text")?,
            db_max_connections: parse(&get, "DB_MAX_CONNECTIONS", "10")?,
            max_body_bytes: parse(&get, "MAX_BODY_BYTES", "4194304")?,
            graphql_max_batch: parse(&get, "GRAPHQL_MAX_BATCH", "5")?,
            graphql_max_depth: parse(&get, "GRAPHQL_MAX_DEPTH", "15")?,
            graphql_max_cost: parse(&get, "GRAPHQL_MAX_COST", "25000")?,
            graphql_max_aliases: parse(&get, "GRAPHQL_MAX_ALIASES", "30")?,
            graphql_max_document_bytes: parse(&get, "GRAPHQL_MAX_DOCUMENT_BYTES", "32768")?,
            graphql_introspection: optional(&get, "GRAPHQL_INTROSPECTION")?,
            playground: optional(&get, "PLAYGROUND")?,
            graphql_budgets: budgets(&get)?,
            request_timeout_seconds: parse(&get, "REQUEST_TIMEOUT_SECONDS", "30")?,
            db_statement_timeout_ms: parse(&get, "DB_STATEMENT_TIMEOUT_MS", "10000")?,
            db_idle_in_transaction_timeout_ms: parse(
                &get,
                "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                "5000",
            )?,
            db_acquire_timeout_ms: parse(&get, "DB_ACQUIRE_TIMEOUT_MS", "5000")?,
            auth_max_failures: parse(&get, "AUTH_MAX_FAILURES", "10")?,
            auth_failure_window_seconds: parse(&get, "AUTH_FAILURE_WINDOW_SECONDS", "300")?,
            shutdown_grace_seconds: parse(&get, "SHUTDOWN_GRACE_SECONDS", "10")?,
            max_uri_bytes: parse(&get, "MAX_URI_BYTES", "16384")?,
            idempotency_ttl_hours: parse(&get, "IDEMPOTENCY_TTL_HOURS", "24")?,
            graphql_max_directives: parse(&get, "GRAPHQL_MAX_DIRECTIVES", "10")?,
            subscription_buffer: parse(&get, "SUBSCRIPTION_BUFFER", "1024")?,
            ws_keepalive_seconds: parse(&get, "WS_KEEPALIVE_SECONDS", "15")?,
            ws_init_timeout_seconds: parse(&get, "WS_INIT_TIMEOUT_SECONDS", "10")?,
            event_poll_ms: get("EVENT_POLL_MS")
                .map(|raw| {
                    raw.trim().parse::<u64>().map_err(|e| ConfigError {
                        var: "EVENT_POLL_MS",
                        message: format!("cannot parse {raw:?}: {e}"),
                    })
                })
                .transpose()?,
            smtp_url: get("SMTP_URL").map(Secret::new),
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "ordergraph <noreply@localhost>".into()),
            smtp_timeout_seconds: parse(&get, "SMTP_TIMEOUT_SECONDS", "10")?,
            webhook_allow_private: parse(&get, "WEBHOOK_ALLOW_PRIVATE", "false")?,
            webhook_timeout_seconds: parse(&get, "WEBHOOK_TIMEOUT_SECONDS", "10")?,
            webhook_disable_after: parse(&get, "WEBHOOK_DISABLE_AFTER", "20")?,
            delivery_retry_seconds: seconds_list(
                get("DELIVERY_RETRY_SECONDS"),
                "30,120,600,3600,21600,43200,86400,86400",
            )?,
            delivery_concurrency: parse(&get, "DELIVERY_CONCURRENCY", "16")?,
            delivery_lease_seconds: parse(&get, "DELIVERY_LEASE_SECONDS", "60")?,
            delivery_poll_ms: parse(&get, "DELIVERY_POLL_MS", "1000")?,
            delivery_worker: parse(&get, "DELIVERY_WORKER", "true")?,
            cors_allowed_origins: optional(&get, "CORS_ALLOWED_ORIGINS")?,
            cors_allow_credentials: parse(&get, "CORS_ALLOW_CREDENTIALS", "false")?,
            metrics_token: get("METRICS_TOKEN").map(Secret::new),
            graphql_trusted_documents: optional::<Switch>(&get, "GRAPHQL_TRUSTED_DOCUMENTS")?
                == Some(Switch::On),
            otel_traces_endpoint: traces_endpoint(&get)?,
            otel_service_name: get("OTEL_SERVICE_NAME").unwrap_or_else(|| "ordergraph".into()),
            otel_traces_sampler: TraceSampler::from_env(&get)?,
            otel_bsp_schedule_delay_ms: parse(&get, "OTEL_BSP_SCHEDULE_DELAY", "5000")?,
        }
        .checked()
    }

    /// Settings that are valid alone but not together.
    fn checked(self) -> Result<Config, ConfigError> {
        // The CORS spec forbids `*` with credentials; browsers would refuse
        // every answer, so say it at start instead.
        if self.cors_allow_credentials
            && !matches!(self.cors_allowed_origins, Some(CorsOrigins::List(_)))
        {
            return Err(ConfigError {
                var: "CORS_ALLOW_CREDENTIALS",
                message: "needs CORS_ALLOWED_ORIGINS to list origins (never `*`)".into(),
            });
        }
        Ok(self)
    }

    /// Dev mode: no `JWT_SECRET`, so a generated one is kept in the database.
    pub fn dev_mode(&self) -> bool {
        self.jwt_secret.is_none()
    }

    /// Who may introspect: as configured, else everyone in dev mode and
    /// authenticated callers otherwise.
    pub fn introspection(&self) -> Introspection {
        self.graphql_introspection.unwrap_or(if self.dev_mode() {
            Introspection::All
        } else {
            Introspection::Authenticated
        })
    }

    /// Whether `/` serves the playground: as configured, else only in dev mode.
    pub fn playground_enabled(&self) -> bool {
        self.playground
            .map(|s| s == Switch::On)
            .unwrap_or(self.dev_mode())
    }

    /// The cost budget of each role (none in dev mode unless configured).
    pub fn budgets(&self) -> Vec<(crate::auth::Role, Option<BudgetSetting>)> {
        use crate::auth::Role;
        self.graphql_budgets
            .iter()
            .map(|(role, configured)| {
                let default = (!self.dev_mode()).then_some(match role {
                    Role::Customer => BudgetSetting {
                        capacity: 50_000,
                        restore_per_second: 5_000,
                    },
                    Role::Admin | Role::Staff | Role::Integration => BudgetSetting {
                        capacity: 250_000,
                        restore_per_second: 25_000,
                    },
                });
                (*role, configured.unwrap_or(default))
            })
            .collect()
    }

    /// Whether the database is SQLite (single instance; in-process events).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The live feed's safety-net poll interval (`EVENT_POLL_MS`, else the
    /// backend's default): short on SQLite, where no other process announces
    /// its writes, longer on PostgreSQL, where NOTIFY does.
    pub fn event_poll_interval(&self) -> std::time::Duration {
        let default = if self.is_sqlite() { 250 } else { 2_000 };
        std::time::Duration::from_millis(self.event_poll_ms.unwrap_or(default).max(10))
    }
}

/// Who may introspect the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Introspection {
    /// Everyone, anonymous callers too.
    All,
    /// Callers with credentials.
    Authenticated,
    /// Nobody.
    Off,
}

impl FromStr for Introspection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(Introspection::All),
            "authenticated" => Ok(Introspection::Authenticated),
            "off" => Ok(Introspection::Off),
            other => Err(format!(
                "expected \"all\", \"authenticated\" or \"off\", got \"{other}\""
            )),
        }
    }
}

/// An on/off setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
}

impl FromStr for Switch {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" => Ok(Switch::On),
            "off" | "false" => Ok(Switch::Off),
            other => Err(format!("expected \"on\" or \"off\", got \"{other}\"")),
        }
    }
}

/// A cost budget: a bucket of `capacity` points refilled at
/// `restore_per_second`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetSetting {
    pub capacity: u32,
    pub restore_per_second: u32,
}

/// The shortest `JWT_SECRET` accepted: HS256 keys shorter than the hash
/// (32 bytes) are guessable offline from one captured token.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

fn jwt_secret(raw: String) -> Result<Secret, ConfigError> {
    if raw.len() < MIN_JWT_SECRET_BYTES {
        return Err(ConfigError {
            var: "JWT_SECRET",
            message: format!(
                "is {} bytes long; use at least {MIN_JWT_SECRET_BYTES} random bytes (e.g. `openssl rand -base64 48`)",
                raw.len()
            ),
        });
    }
    Ok(Secret::new(raw))
}

fn optional<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    get(var)
        .map(|raw| {
            raw.trim().parse().map_err(|e: T::Err| ConfigError {
                var,
                message: format!("cannot parse {raw:?}: {e}"),
            })
        })
        .transpose()
}

type Budgets = Vec<(crate::auth::Role, Option<Option<BudgetSetting>>)>;

fn budgets(get: &impl Fn(&str) -> Option<String>) -> Result<Budgets, ConfigError> {
    use crate::auth::Role;
    let vars: [(Role, &'static str); 4] = [
        (Role::Admin, "GRAPHQL_BUDGET_ADMIN"),
        (Role::Staff, "GRAPHQL_BUDGET_STAFF"),
        (Role::Integration, "GRAPHQL_BUDGET_INTEGRATION"),
        (Role::Customer, "GRAPHQL_BUDGET_CUSTOMER"),
    ];
    vars.into_iter()
        .map(|(role, var)| {
            let setting = get(var)
                .map(|raw| {
                    let raw = raw.trim();
                    if raw.eq_ignore_ascii_case("off") {
                        return Ok(None);
                    }
                    let parsed = raw.split_once('/').and_then(|(c, r)| {
                        Some(BudgetSetting {
                            capacity: c.trim().parse().ok().filter(|c| *c > 0)?,
                            restore_per_second: r.trim().parse().ok().filter(|r| *r > 0)?,
                        })
                    });
                    parsed.map(Some).ok_or_else(|| ConfigError {
                        var,
                        message: format!(
                            "expected capacity/restorePerSecond (e.g. 250000/25000) or off, got {raw:?}"
                        ),
                    })
                })
                .transpose()?;
            Ok((role, setting))
        })
        .collect()
}

/// Which traces are sampled, as OpenTelemetry's `OTEL_TRACES_SAMPLER` names
/// them: `always_on`, `always_off`, `traceidratio`, and each of these
/// `parentbased_` (follow the caller's decision when a `traceparent` came).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceSampler {
    /// Whether a sampled (or dropped) parent decides.
    pub parent_based: bool,
    /// The share of new traces kept: 1 for always_on, 0 for always_off.
    pub ratio: f64,
}

impl TraceSampler {
    fn from_env(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // Read even when unused, so the settings test sees (and so documents) it.
        let arg = get("OTEL_TRACES_SAMPLER_ARG");
        let raw = get("OTEL_TRACES_SAMPLER").unwrap_or_else(|| "parentbased_always_on".into());
        let name = raw.trim().to_ascii_lowercase();
        let (parent_based, kind) = match name.strip_prefix("parentbased_") {
            Some(kind) => (true, kind),
            None => (false, name.as_str()),
        };
        let ratio = match kind {
            "always_on" => 1.0,
            "always_off" => 0.0,
            // The specification's default ratio when the argument is missing.
            "traceidratio" => match arg {
                None => 1.0,
                Some(arg) => arg
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| ConfigError {
                        var: "OTEL_TRACES_SAMPLER_ARG",
                        message: format!("expected a ratio from 0 to 1, got {arg:?}"),
                    })?,
            },
            _ => {
                return Err(ConfigError {
                    var: "OTEL_TRACES_SAMPLER",
                    message: format!(
                        "expected always_on, always_off, traceidratio or one of them with parentbased_, got {raw:?}"
                    ),
                });
            }
        };
        Ok(TraceSampler {
            parent_based,
            ratio,
        })
    }
}

/// The OTLP/HTTP traces URL, from the signal's own variable (used as given)
/// or the base endpoint (plus `/v1/traces`), as OpenTelemetry specifies.
fn traces_endpoint(get: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let (var, url) = match (
        get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        get("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(traces), _) => (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            traces.trim().to_owned(),
        ),
        (None, Some(base)) => (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim().trim_end_matches('/')),
        ),
        (None, None) => return Ok(None),
    };
    match url::Url::parse(&url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Some(url)),
        Ok(_) => Err(ConfigError {
            var,
            message: format!("OTLP over HTTP needs an http:// or https:// URL, got {url:?}"),
        }),
        Err(e) => Err(ConfigError {
            var,
            message: format!("cannot parse {url:?}: {e}"),
        }),
    }
}

fn seconds_list(raw: Option<String>, default: &str) -> Result<Vec<u64>, ConfigError> {
    let raw = raw.unwrap_or_else(|| default.to_owned());
    raw.split(',')
        .map(|part| part.trim().parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError {
            var: "DELIVERY_RETRY_SECONDS",
            message: format!("expected seconds separated by commas, got {raw:?}: {e}"),
        })
}

fn currency(raw: Option<String>) -> Result<String, ConfigError> {
    let code = raw
        .unwrap_or_else(|| "EUR".to_owned())
        .trim()
        .to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code)
    } else {
        Err(ConfigError {
            var: "DEFAULT_CURRENCY",
            message: format!("expected a three-letter ISO 4217 code, got {code:?}"),
        })
    }
}

fn time_zone(raw: Option<String>) -> Result<chrono_tz::Tz, ConfigError> {
    let Some(raw) = raw else {
        return Ok(chrono_tz::Tz::UTC);
    };
    let name = raw.trim();
    name.parse::<chrono_tz::Tz>().map_err(|_| ConfigError {
        var: "IMPORT_TIMEZONE",
        message: format!(
            "{name:?} is not a time zone of the IANA database; expected a name such as \
             Europe/Amsterdam, America/New_York or UTC (names are case-sensitive)"
        ),
    })
}

fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    let raw = get(var).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|e: T::Err| ConfigError {
        var,
        message: format!("cannot parse {raw:?}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_environment() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind_addr.to_string(), DEFAULT_BIND_ADDR);
        assert!(c.jwt_secret.is_none());
        assert_eq!(c.max_body_bytes, 4 * 1024 * 1024);
        assert_eq!(c.graphql_max_batch, 5);
        assert!(c.is_sqlite());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = config(&[("BIND_ADDR", "nowhere")]).unwrap_err();
        assert_eq!(err.var, "BIND_ADDR");
        assert!(
            err.to_string()
                .starts_with("BIND_ADDR: cannot parse \"nowhere\"")
        );
    }

    #[test]
    fn the_import_time_zone_is_an_iana_name_and_utc_by_default() {
        assert_eq!(config(&[]).unwrap().import_timezone, chrono_tz::Tz::UTC);
        let amsterdam = config(&[("IMPORT_TIMEZONE", " Europe/Amsterdam ")]).unwrap();
        assert_eq!(amsterdam.import_timezone, chrono_tz::Europe::Amsterdam);
        let err = config(&[("IMPORT_TIMEZONE", "Europe/Amsterdm")]).unwrap_err();
        assert_eq!(err.var, "IMPORT_TIMEZONE");
        assert!(
            err.to_string()
                .contains("\"Europe/Amsterdm\" is not a time zone"),
            "{err}"
        );
        assert!(config(&[("IMPORT_TIMEZONE", "CET+1")]).is_err());
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let c = config(&[("JWT_SECRET", "hunter2-hunter2-hunter2-hunter2-hunter2")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn every_variable_is_documented_in_env_example_and_the_readme() {
        let read = std::cell::RefCell::new(Vec::new());
        Config::from_lookup(|var| {
            read.borrow_mut().push(var.to_owned());
            None
        })
        .unwrap();
        let example = include_str!("../.env.example");
        let readme = include_str!("../README.md");
        for var in read.into_inner() {
            assert!(
                example.contains(&format!("{var}=")),
                "{var} is not in .env.example"
            );
            let short = var
                .rsplit_once("_BUDGET_")
                .map(|(_, role)| format!("_{role}`"));
            assert!(
                readme.contains(&format!("`{var}`")) || short.is_some_and(|s| readme.contains(&s)),
                "{var} is not in the README's settings"
            );
        }
    }

    #[test]
    fn traces_follow_the_opentelemetry_variables() {
        let off = config(&[]).unwrap();
        assert_eq!(off.otel_traces_endpoint, None);
        assert_eq!(off.otel_service_name, "ordergraph");
        assert_eq!(
            off.otel_traces_sampler,
            TraceSampler {
                parent_based: true,
                ratio: 1.0
            }
        );
        let base = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]).unwrap();
        assert_eq!(
            base.otel_traces_endpoint.as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        // The signal's own variable wins and is used as given.
        let own = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://x.example/traces",
            ),
        ])
        .unwrap();
        assert_eq!(
            own.otel_traces_endpoint.as_deref(),
            Some("https://x.example/traces")
        );
        assert_eq!(
            config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")])
                .unwrap_err()
                .var,
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        );
        let ratio = config(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ])
        .unwrap();
        assert_eq!(
            ratio.otel_traces_sampler,
            TraceSampler {
                parent_based: false,
                ratio: 0.25
            }
        );
        assert_eq!(
            config(&[
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "2")
            ])
            .unwrap_err()
            .var,
            "OTEL_TRACES_SAMPLER_ARG"
        );
        assert_eq!(
            config(&[("OTEL_TRACES_SAMPLER", "jaeger_remote")])
                .unwrap_err()
                .var,
            "OTEL_TRACES_SAMPLER"
        );
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = config(&[("JWT_SECRET", "hunter2")]).unwrap_err();
        assert_eq!(err.var, "JWT_SECRET");
        assert!(err.message.contains("at least 32"), "{err}");
    }

    #[test]
    fn production_defaults_close_the_playground_and_anonymous_introspection() {
        let dev = config(&[]).unwrap();
        assert!(dev.playground_enabled());
        assert_eq!(dev.introspection(), Introspection::All);
        assert!(dev.budgets().iter().all(|(_, b)| b.is_none()));
        let prod = config(&[("JWT_SECRET", &"k".repeat(40))]).unwrap();
        assert!(!prod.playground_enabled());
        assert_eq!(prod.introspection(), Introspection::Authenticated);
        assert!(prod.budgets().iter().all(|(_, b)| b.is_some()));
        let set = config(&[
            ("JWT_SECRET", &"k".repeat(40)),
            ("PLAYGROUND", "on"),
            ("GRAPHQL_BUDGET_STAFF", "off"),
            ("GRAPHQL_BUDGET_CUSTOMER", "10/2"),
        ])
        .unwrap();
        assert!(set.playground_enabled());
        let budgets = set.budgets();
        assert!(budgets.contains(&(crate::auth::Role::Staff, None)));
        assert!(budgets.contains(&(
            crate::auth::Role::Customer,
            Some(BudgetSetting {
                capacity: 10,
                restore_per_second: 2
            })
        )));
        assert_eq!(
            config(&[("GRAPHQL_BUDGET_ADMIN", "lots")]).unwrap_err().var,
            "GRAPHQL_BUDGET_ADMIN"
        );
    }

    #[test]
    fn cors_origins_are_exact_origins_and_star_never_has_credentials() {
        let c = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://Shop.Example.com, http://localhost:5173",
        )])
        .unwrap();
        assert_eq!(
            c.cors_allowed_origins,
            Some(CorsOrigins::List(vec![
                "https://shop.example.com".into(),
                "http://localhost:5173".into()
            ]))
        );
        assert_eq!(
            config(&[("CORS_ALLOWED_ORIGINS", "*")])
                .unwrap()
                .cors_allowed_origins,
            Some(CorsOrigins::Any)
        );
        for bad in [
            "https://shop.example.com/app",
            "shop.example.com",
            "*, https://a.example",
            "ftp://a.example",
        ] {
            let err = config(&[("CORS_ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert_eq!(err.var, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
        let err = config(&[
            ("CORS_ALLOWED_ORIGINS", "*"),
            ("CORS_ALLOW_CREDENTIALS", "true"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "CORS_ALLOW_CREDENTIALS");
        assert!(
            config(&[
                ("CORS_ALLOWED_ORIGINS", "https://a.example"),
                ("CORS_ALLOW_CREDENTIALS", "true")
            ])
            .unwrap()
            .cors_allow_credentials
        );
    }
}
