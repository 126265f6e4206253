//! [`App`]: a server ready to run. `build` connects, migrates, resolves the JWT
//! secret and binds; `run_until` serves until a shutdown signal, then drains.
//! `main` and the tests start the server the same way.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::FailureThrottle;
use crate::auth::{Authenticator, Principal, Role};
use crate::config::{Config, Secret};
use crate::db::Db;
use crate::deliveries::worker::Worker;
use crate::events::bus::EventBus;
use crate::graphql::budget::Budget;
use crate::state::AppState;
use crate::{db, graphql, http, settings};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The dev admin token could not be signed.
    #[error("cannot sign the dev admin token: {0}")]
    Token(#[from] crate::auth::jwt::TokenError),
    /// A delivery setting (SMTP_URL, MAIL_FROM, ...) is unusable.
    #[error("deliveries: {0}")]
    Deliveries(String),
}

/// Statements slower than this are logged.
const SLOW_STATEMENT: Duration = Duration::from_millis(500);

/// How long the printed dev admin token stays valid.
const DEV_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How often the order count's delta rows are folded into one: at 1,500
/// orders/s that leaves at most 15,000 rows to sum (about 2 ms here; a
/// folded table sums in microseconds).
const ORDER_COUNT_COMPACTION: Duration = Duration::from_secs(10);

/// A built server, bound and migrated, not yet serving.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    dev_admin_token: Option<String>,
    instance: String,
    worker: Option<Worker>,
    stopping: tokio::sync::watch::Sender<bool>,
}

impl App {
    /// Connects to the database, runs migrations, resolves the JWT secret and
    /// binds `config.bind_addr` (port 0 picks a free port).
    pub async fn build(config: Config) -> Result<App, StartError> {
        // Migrations run on their own connection, without the statement
        // timeout that bounds requests: building an index may take long.
        let migrator = db::connect(&config.database_url, 1, db::PoolLimits::default()).await?;
        Migrator::up(&migrator, None).await?;
        migrator.close().await?;
        let limits = db::PoolLimits {
            acquire: Duration::from_millis(config.db_acquire_timeout_ms.max(1)),
            statement: Some(Duration::from_millis(config.db_statement_timeout_ms)),
            idle_in_transaction: Some(Duration::from_millis(
                config.db_idle_in_transaction_timeout_ms,
            )),
        };
        let mut db = db::connect(&config.database_url, config.db_max_connections, limits).await?;
        // The event feed polls in the background: it gets a handle cloned before
        // the counting callback is installed, so the counter measures what
        // requests run.
        let background_db = db.clone();
        let db_statements = Arc::new(AtomicU64::new(0));
        let counter = db_statements.clone();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::statement_log::record(info);
            if info.elapsed >= SLOW_STATEMENT {
                // The SQL text only: bound values may be personal data.
                tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow SQL statement");
            }
        });

        let (secret, dev_mode) = resolve_jwt_secret(&config, &db).await?;
        let jwt = Arc::new(JwtKeys::new(
            secret.expose(),
            config.jwt_issuer.clone(),
            config.jwt_audience.clone(),
        ));
        let dev_admin_token = if dev_mode {
            let admin = Principal {
                role: Role::Admin,
                subject: "dev-admin".into(),
                customer_id: None,
            };
            Some(jwt.sign(&admin, DEV_TOKEN_TTL)?)
        } else {
            None
        };

        let db = Db::new(db);
        let events = EventBus::start(
            background_db.clone(),
            db.event_commits(),
            &config.database_url,
            config.subscription_buffer,
            config.event_poll_interval(),
        )
        .await?;
        let state = AppState {
            events,
            owners: crate::events::owners::OrderOwners::new(db.clone()),
            auth: Authenticator::new(jwt, db.clone()).with_throttle(FailureThrottle::new(
                config.auth_max_failures,
                Duration::from_secs(config.auth_failure_window_seconds),
            )),
            db,
            config: Arc::new(config),
            db_statements,
            dev_admin_token: dev_admin_token.clone().map(|t| Arc::new(Secret::new(t))),
            metrics: Arc::new(crate::metrics::Metrics::new()),
        };
        // Like the event feed, the worker's polls stay out of the statement
        // counter, which measures what requests run.
        let worker_db = state.db.sharing_hook(background_db.clone());
        let instance = instance_name();
        let worker = if state.config.delivery_worker {
            Some(
                Worker::start(worker_db, &state.config, instance.clone())
                    .map_err(StartError::Deliveries)?,
            )
        } else {
            None
        };
        let budget = Budget::new(&state.config.budgets()).map(Arc::new);
        let trusted = Arc::new(graphql::trusted::TrustedDocuments::new(state.db.clone()));
        let schema = graphql::build_schema(state.clone(), budget.clone(), trusted.clone());
        let (stopping, shutdown) = tokio::sync::watch::channel(false);
        housekeeping(
            budget,
            state.db.clone(),
            Duration::from_secs(state.config.idempotency_ttl_hours.max(1) * 3600),
            shutdown.clone(),
        );
        crate::orders::count::spawn_compactor(
            state.db.sharing_hook(background_db.clone()),
            ORDER_COUNT_COMPACTION,
            shutdown.clone(),
        );
        let router = http::router(state.clone(), schema, shutdown, trusted);
        let addr = state.config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        Ok(App {
            listener,
            router,
            state,
            dev_admin_token,
            instance,
            worker,
            stopping,
        })
    }

    /// The address the server listens on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.bind_addr)
    }

    /// In dev mode (no `JWT_SECRET`), an admin token signed with the dev secret.
    pub fn dev_admin_token(&self) -> Option<&str> {
        self.dev_admin_token.as_deref()
    }

    /// The shared state (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// This instance's name, as delivery leases and attempts record it.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Serves until `shutdown` completes, then stops accepting, closes open
    /// WebSockets with 1001, lets in-flight requests finish (at most
    /// `SHUTDOWN_GRACE_SECONDS`) and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let App {
            listener,
            router,
            state,
            worker,
            stopping,
            ..
        } = self;
        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let signal = async move {
            shutdown.await;
            let _ = stopping.send(true);
            let _ = drain_tx.send(());
        };
        // Client addresses key the brute-force throttle.
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .into_future();
        tokio::pin!(server);
        let grace = Duration::from_secs(state.config.shutdown_grace_seconds);
        tokio::select! {
            served = &mut server => served?,
            () = async {
                // Once shutdown began, in-flight requests get `grace`.
                if drain_rx.await.is_ok() {
                    tokio::time::sleep(grace).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => {
                tracing::warn!(seconds = grace.as_secs(), "requests still running after the shutdown grace period; stopping anyway");
            }
        }
        if let Some(worker) = worker {
            worker.stop();
        }
        state.events.stop();
        if let Err(err) = state.db.conn().close_by_ref().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
        Ok(())
    }
}

/// The configured secret, or the dev secret kept in the database (and `true`).
pub async fn resolve_jwt_secret(
    config: &Config,
    db: &DatabaseConnection,
) -> Result<(Secret, bool), DbErr> {
    match &config.jwt_secret {
        Some(secret) => Ok((secret.clone(), false)),
        None => Ok((settings::dev_jwt_secret(db).await?, true)),
    }
}

/// Every few minutes until shutdown: drops full cost buckets and expired
/// idempotency keys, so memory and the table follow what is in use.
fn housekeeping(
    budget: Option<Arc<Budget>>,
    db: Db,
    idempotency_ttl: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let period = Duration::from_secs(300);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stopping| *stopping) => return,
            }
            if let Some(budget) = &budget {
                budget.forget_idle();
            }
            if let Err(err) = graphql::idempotency::forget_expired(&db, idempotency_ttl).await {
                tracing::warn!(error = ?err, "cannot remove expired idempotency keys");
            }
        }
    });
}

/// A name for this instance in delivery leases and attempts: the process id
/// and a random part, so two instances on one host differ.
fn instance_name() -> String {
    format!("og-{}-{:04x}", std::process::id(), rand::random::<u16>())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; draining");
}
