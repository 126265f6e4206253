//! One import run: rows from the reader thread gathered into batches, each
//! batch through [`orders::import::import`] (one transaction, with the
//! validation, dedupe by (source, externalId) / (source, reference), events
//! and deliveries of `importOrders`), and every row's outcome handed to a
//! [`Listener`] (report, progress) in file order.

use std::time::Duration;

use tokio::sync::mpsc;

use super::read::{ReadError, Row};
use super::shapes::{Shape, file_path};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::orders::draft::Defaults;
use crate::orders::import::{self as orders_import, ImportOutcome, ImportResultStatus};
use crate::orders::inputs::{ImportOrdersInput, UpsertOrderInput};

/// Failed rows a [`Summary`] keeps to show; the report has every row.
pub const LISTED_FAILURES: usize = 20;

/// Waits before retrying a batch that failed for a passing reason (the
/// database was unreachable or too slow).
const RETRY_WAITS: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(10),
];

/// Imported orders after which the tables' statistics are first refreshed;
/// then again each time the count has grown fourfold.
const FIRST_ANALYZE: u64 = 2_000;
/// The tables whose statistics the import's lookups depend on.
const ANALYZED: &[&str] = &["orders", "customers"];

/// How a run imports.
#[derive(Clone, Debug)]
pub struct Options {
    /// The import's source; `None`: each order's own (a batch then holds
    /// orders of one source).
    pub source: Option<String>,
    /// Rows per batch (and transaction), at most [`orders_import::MAX_IMPORT`].
    pub batch_size: usize,
    /// Who the orders' IMPORTED events name.
    pub actor: String,
}

/// Rows so far, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Orders read.
    pub orders: u64,
    /// Created.
    pub imported: u64,
    /// Known already (or earlier in the file): unchanged.
    pub duplicates: u64,
    /// Unreadable or invalid: not imported.
    pub failed: u64,
}

/// The outcome of one order of the file.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// Its position among the file's orders, from 1.
    pub row: u64,
    /// The line it starts on, from 1.
    pub line: u64,
    /// Its external id as written.
    pub external_id: Option<String>,
    /// Imported, duplicate or invalid.
    pub status: ImportResultStatus,
    /// The order created, or the known order it duplicates.
    pub order_id: Option<i64>,
    /// Why it was not imported (`path: message`, in the file's names).
    pub errors: Vec<String>,
}

/// Whatever follows a run: the report file, the progress display.
pub trait Listener {
    /// `rows`, in file order, after their batch; `counts` include them.
    fn rows(&mut self, rows: &[RowResult], counts: &Counts) -> std::io::Result<()>;
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Rows by outcome.
    pub counts: Counts,
    /// The first [`LISTED_FAILURES`] failed rows.
    pub failures: Vec<RowResult>,
    /// Why the run ended before the end of the file, if it did.
    pub stopped: Option<String>,
}

/// Imports the rows of `rows` in batches until the file ends, the reader
/// fails, or a batch fails for a reason that retrying does not cure.
pub async fn run(
    db: &Db,
    defaults: Defaults<'_>,
    options: &Options,
    mut rows: mpsc::Receiver<Result<Row, ReadError>>,
    listener: &mut dyn Listener,
) -> Summary {
    let mut run = Run {
        db,
        defaults,
        options,
        listener,
        summary: Summary::default(),
        batch: Vec::with_capacity(options.batch_size),
        batch_source: None,
        next_analyze: FIRST_ANALYZE,
    };
    while let Some(item) = rows.recv().await {
        let row = match item {
            Ok(row) => row,
            Err(err) => {
                let read = run.summary.counts.orders + run.batch.len() as u64;
                stop(
                    &mut run.summary,
                    format!("reading stopped after row {read}: {err}"),
                );
                break;
            }
        };
        if options.source.is_none()
            && let Ok(input) = &row.input
        {
            // One call imports orders of one source: a new source starts a
            // new batch.
            let source = input.source.trim().to_owned();
            if run.batch_source.as_ref().is_some_and(|s| *s != source) && !run.flush().await {
                return run.summary;
            }
            run.batch_source = Some(source);
        }
        run.batch.push(row);
        // Failed rows count too, so a file of broken rows is not held whole.
        if run.batch.len() >= options.batch_size && !run.flush().await {
            return run.summary;
        }
    }
    run.flush().await;
    run.summary
}

/// A run in progress.
struct Run<'a, 'd> {
    db: &'a Db,
    defaults: Defaults<'d>,
    options: &'a Options,
    listener: &'a mut dyn Listener,
    summary: Summary,
    /// Rows read and not yet imported, in file order.
    batch: Vec<Row>,
    /// The source of the batch's orders when the import has none.
    batch_source: Option<String>,
    /// Imported orders at which statistics are refreshed next.
    next_analyze: u64,
}

impl Run<'_, '_> {
    /// Imports the batch and reports its rows; false when the run must stop.
    async fn flush(&mut self) -> bool {
        let batch = std::mem::take(&mut self.batch);
        let source = self
            .options
            .source
            .clone()
            .or_else(|| self.batch_source.take())
            .unwrap_or_default();
        if batch.is_empty() {
            return true;
        }
        if !flush(
            self.db,
            self.defaults,
            &self.options.actor,
            source,
            batch,
            &mut self.summary,
            &mut *self.listener,
        )
        .await
        {
            return false;
        }
        // Servers on this database read the new events now, not at their
        // next poll.
        crate::events::bus::announce(self.db.conn()).await;
        if self.summary.counts.imported >= self.next_analyze {
            self.next_analyze = self.summary.counts.imported.saturating_mul(4);
            // Only an optimisation: a refusal (a role that does not own the
            // tables) costs speed, not the import.
            if let Err(err) = self.db.analyze(ANALYZED).await {
                tracing::warn!(error = %err, "could not refresh table statistics");
            }
        }
        true
    }
}

/// Imports one batch of `source` and reports its rows; false when the run
/// must stop.
async fn flush(
    db: &Db,
    defaults: Defaults<'_>,
    actor: &str,
    source: String,
    batch: Vec<Row>,
    summary: &mut Summary,
    listener: &mut dyn Listener,
) -> bool {
    let first_row = batch.first().map_or(0, |row| row.number);
    let mut orders: Vec<UpsertOrderInput> = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    for row in batch {
        let (meta, input) = split(row);
        match input {
            Ok(input) => {
                orders.push(input);
                rows.push((meta, None));
            }
            Err(errors) => rows.push((meta, Some(errors))),
        }
    }
    let outcomes = if orders.is_empty() {
        Vec::new()
    } else {
        match import_with_retries(db, defaults, actor, ImportOrdersInput { source, orders }).await {
            Ok(outcomes) => outcomes,
            Err(err) => {
                stop(
                    summary,
                    format!(
                        "the batch from row {first_row} on was not imported (rolled back): {}",
                        describe(&err)
                    ),
                );
                return false;
            }
        }
    };
    let mut outcomes = outcomes.into_iter().enumerate();
    let mut results = Vec::with_capacity(rows.len());
    for (meta, failed) in rows {
        let result = match failed {
            Some(errors) => RowResult {
                row: meta.number,
                line: meta.line,
                external_id: meta.external_id,
                status: ImportResultStatus::Invalid,
                order_id: None,
                errors,
            },
            None => match outcomes.next() {
                Some((i, outcome)) => from_outcome(meta, i, outcome),
                // import answers one outcome per order; never reached.
                None => RowResult {
                    row: meta.number,
                    line: meta.line,
                    external_id: meta.external_id,
                    status: ImportResultStatus::Invalid,
                    order_id: None,
                    errors: vec!["no outcome".into()],
                },
            },
        };
        let counts = &mut summary.counts;
        counts.orders += 1;
        match result.status {
            ImportResultStatus::Imported => counts.imported += 1,
            ImportResultStatus::Duplicate => counts.duplicates += 1,
            ImportResultStatus::Invalid => {
                counts.failed += 1;
                if summary.failures.len() < LISTED_FAILURES {
                    summary.failures.push(result.clone());
                }
            }
        }
        results.push(result);
    }
    if let Err(err) = listener.rows(&results, &summary.counts) {
        stop(summary, format!("writing the report failed: {err}"));
        return false;
    }
    true
}

/// Records why the run stops (after a reading failure, the last batch can
/// fail too: both are told).
fn stop(summary: &mut Summary, reason: String) {
    summary.stopped = Some(match summary.stopped.take() {
        Some(earlier) => format!("{earlier}; then {reason}"),
        None => reason,
    });
}

/// What a row keeps besides its input.
struct Meta {
    number: u64,
    line: u64,
    shape: Shape,
    external_id: Option<String>,
}

fn split(row: Row) -> (Meta, Result<UpsertOrderInput, Vec<String>>) {
    (
        Meta {
            number: row.number,
            line: row.line,
            shape: row.shape,
            external_id: row.external_id,
        },
        row.input,
    )
}

/// An outcome of the batch's `i`-th order: its errors' paths without the
/// batch's `orders.i.` and in the file's names.
fn from_outcome(meta: Meta, i: usize, outcome: ImportOutcome) -> RowResult {
    let prefix = format!("orders.{i}.");
    let errors = outcome
        .errors
        .iter()
        .map(|error| {
            let error = error.strip_prefix(&prefix).unwrap_or(error);
            match error.split_once(": ") {
                Some((path, message)) => format!("{}: {message}", file_path(meta.shape, path)),
                None => error.to_owned(),
            }
        })
        .collect();
    RowResult {
        row: meta.number,
        line: meta.line,
        external_id: meta.external_id.or(outcome.external_id),
        status: outcome.status,
        order_id: outcome.order_id,
        errors,
    }
}

/// Runs the batch's transaction, again after a passing failure. A batch is
/// safe to repeat: import never changes an existing order. (One that did
/// commit before the connection broke reports its orders DUPLICATE then.)
async fn import_with_retries(
    db: &Db,
    defaults: Defaults<'_>,
    actor: &str,
    input: ImportOrdersInput,
) -> AppResult<Vec<ImportOutcome>> {
    let mut waits = RETRY_WAITS.iter();
    loop {
        match orders_import::import(db, defaults, actor, input.clone()).await {
            Err(err @ (AppError::Timeout(_) | AppError::Unavailable)) => match waits.next() {
                Some(wait) => {
                    tracing::warn!(error = %describe(&err), ?wait, "import batch failed; retrying");
                    tokio::time::sleep(*wait).await;
                }
                None => return Err(err),
            },
            other => return other,
        }
    }
}

/// An error for the operator: unlike an API client, they may see the cause
/// of an internal error (it is their database).
pub fn describe(err: &AppError) -> String {
    match err {
        AppError::Internal(cause) => cause.to_string(),
        AppError::BadUserInput { fields, message } if !fields.is_empty() => {
            let details: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.path, f.message))
                .collect();
            format!("{message} ({})", details.join("; "))
        }
        other => other.message(),
    }
}
