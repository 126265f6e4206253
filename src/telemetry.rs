//! Tracing setup: log lines on stderr, and traces over OpenTelemetry (OTLP/HTTP
//! with protobuf) when an endpoint is configured.
//!
//! Two layers on one registry, each with its own filter:
//! - **logs** (stderr): events only, levels from `RUST_LOG` (default `info`),
//!   text or JSON lines. Spans never reach it, so turning traces on does not
//!   change a single log line.
//! - **traces** (only with `OTEL_EXPORTER_OTLP_ENDPOINT` or
//!   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): this crate's spans at `info` (the
//!   HTTP server span, the GraphQL operation and its root resolvers, the
//!   services), sea-orm's span per SQL statement when it runs inside one of
//!   them, and warnings and errors as span events. Without an endpoint no
//!   exporter exists and every span callsite is disabled, so spans cost
//!   nothing.
//!
//! Statements with no traced parent (the live feed's and the delivery
//! worker's polls, migrations) are left out: they would each be a one-span
//! trace, several a second.
//!
//! Spans are batched on the tokio runtime and sent with the server's reqwest
//! client; [`Traces::shutdown`] sends what is left when the server stops.

use std::io::IsTerminal;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{BatchConfigBuilder, Sampler, SdkTracerProvider};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::filter::{self, FilterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{Config, LogFormat, TraceSampler};

/// How long one export (and the flush at shutdown) may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest collector answer read (they are empty or a few bytes).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber with logs only. Logs go to stderr, so
/// stdout stays clean for output other programs read (`ordergraph schema`,
/// `ordergraph token`).
pub fn init(format: LogFormat) {
    install(vec![log_layer(format)]);
}

/// Why traces could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TracesError {
    /// The HTTP client for the exporter could not be built.
    #[error("OTLP HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// The exporter refused its settings.
    #[error("OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// The trace pipeline, if one was set up. Keep it until the server stopped,
/// then call [`shutdown`](Traces::shutdown).
#[must_use = "without shutdown, the last spans are lost"]
pub struct Traces {
    provider: Option<SdkTracerProvider>,
}

impl Traces {
    /// Whether spans are exported.
    pub fn enabled(&self) -> bool {
        self.provider.is_some()
    }

    /// Exports the spans still batched and stops the exporter, waiting at
    /// most [`EXPORT_TIMEOUT`]: a collector that is down must not keep the
    /// process from exiting.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // The provider's shutdown blocks until the batch task (on this
        // runtime) has exported, so it runs on a thread of its own. A plain
        // thread rather than spawn_blocking: the runtime waits for those
        // when it ends, and this one may hang on a dead collector.
        let (done, finished) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("otel-shutdown".into())
            .spawn(move || {
                let _ = done.send(provider.shutdown());
            });
        if let Err(err) = spawned {
            tracing::warn!(error = %err, "cannot flush the last spans");
            return;
        }
        match tokio::time::timeout(EXPORT_TIMEOUT, finished).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => tracing::warn!(error = %err, "flushing the last spans failed"),
            Ok(Err(_)) | Err(_) => tracing::warn!("the last spans were not sent in time"),
        }
    }
}

/// Installs the global subscriber: logs, and traces when `config` names an
/// OTLP endpoint. Call within the tokio runtime (the exporter batches on it).
pub fn init_with_traces(config: &Config) -> Result<Traces, TracesError> {
    let Some(endpoint) = &config.otel_traces_endpoint else {
        init(config.log_format);
        return Ok(Traces { provider: None });
    };
    let provider = tracer_provider(config, endpoint)?;
    // W3C `traceparent`/`tracestate`: the HTTP span joins its caller's trace.
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let tracer = provider.tracer("ordergraph");
    let traces = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Thread names and ids say nothing on a work-stealing runtime.
        .with_threads(false)
        // Busy and idle nanoseconds on every span: the duration says enough.
        .with_tracked_inactivity(false)
        .with_filter(
            filter::dynamic_filter_fn(|meta, cx| {
                // A statement is traced only inside a traced operation.
                traced(meta) && (!is_sql_span(meta) || cx.lookup_current().is_some())
            })
            .with_callsite_filter(|meta| {
                if is_sql_span(meta) {
                    Interest::sometimes()
                } else if traced(meta) {
                    Interest::always()
                } else {
                    Interest::never()
                }
            })
            .with_max_level_hint(Level::INFO),
        )
        .boxed();
    install(vec![log_layer(config.log_format), traces]);
    Ok(Traces {
        provider: Some(provider),
    })
}

/// What the trace layer may see at all (decided once per callsite).
fn traced(meta: &Metadata<'_>) -> bool {
    if meta.is_event() {
        // Warnings and errors become events on the span they happen in.
        return *meta.level() <= Level::WARN;
    }
    *meta.level() <= Level::INFO && (meta.target().starts_with("ordergraph") || is_sql_span(meta))
}

/// sea-orm's span around one statement (`sea_orm.query_one`, ...); its
/// `#[instrument]` spans are at `trace` and stay out.
fn is_sql_span(meta: &Metadata<'_>) -> bool {
    meta.is_span() && meta.target().starts_with("sea_orm::") && meta.name().starts_with("sea_orm.")
}

fn log_layer(format: LogFormat) -> BoxedLayer {
    let levels = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn"));
    // Events only: spans are for traces, and as context on every line they
    // would lengthen the log without telling an operator more.
    let filter = levels.and(filter::filter_fn(|meta| meta.is_event()));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        // Colour codes only help a person at a terminal; in files they are noise.
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => layer.json().flatten_event(true).with_filter(filter).boxed(),
        LogFormat::Text => layer.with_filter(filter).boxed(),
    }
}

fn install(layers: Vec<BoxedLayer>) {
    // A second init (tests) keeps the first subscriber: ignoring that is right.
    let _ = tracing_subscriber::registry().with(layers).try_init();
}

fn tracer_provider(config: &Config, endpoint: &str) -> Result<SdkTracerProvider, TracesError> {
    let client = reqwest::Client::builder().timeout(EXPORT_TIMEOUT).build()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(OtlpClient(client))
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .with_timeout(EXPORT_TIMEOUT)
        .build()?;
    // The other OTEL_BSP_* variables (queue and batch sizes) are read by the
    // SDK's defaults.
    let batch = BatchConfigBuilder::default()
        .with_scheduled_delay(Duration::from_millis(config.otel_bsp_schedule_delay_ms))
        .build();
    let processor = BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio)
        .with_batch_config(batch)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(sampler(config.otel_traces_sampler))
        // OTEL_RESOURCE_ATTRIBUTES is read by the default detectors.
        .with_resource(
            Resource::builder()
                .with_service_name(config.otel_service_name.clone())
                .build(),
        )
        .build())
}

fn sampler(setting: TraceSampler) -> Sampler {
    let root = if setting.ratio >= 1.0 {
        Sampler::AlwaysOn
    } else if setting.ratio <= 0.0 {
        Sampler::AlwaysOff
    } else {
        Sampler::TraceIdRatioBased(setting.ratio)
    };
    if setting.parent_based {
        Sampler::ParentBased(Box::new(root))
    } else {
        root
    }
}

/// The exporter's transport: the reqwest 0.12 client the server already has
/// (with rustls), instead of the reqwest 0.13 one opentelemetry-http would
/// bring. Runs on the tokio runtime, like the batch task that calls it.
#[derive(Debug)]
struct OtlpClient(reqwest::Client);

#[async_trait::async_trait]
impl HttpClient for OtlpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let answer = self.0.execute(request.try_into()?).await?;
        if answer
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES)
        {
            return Err(
                format!("the collector answered with over {MAX_RESPONSE_BYTES} bytes").into(),
            );
        }
        let status = answer.status();
        let headers = answer.headers().clone();
        let mut response = Response::new(answer.bytes().await?);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}
