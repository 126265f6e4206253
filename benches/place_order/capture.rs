//! The statements of the one write transaction an HTTP request runs, taken
//! from the server's own statement log (`ordergraph::statement_log`).
//!
//! The log hands over each statement the pool runs, but not `BEGIN` and
//! `COMMIT`: sea-orm does not report those to its metric callback. They do
//! get tracing spans (`sea_orm.begin`, `sea_orm.commit`, sea-orm's
//! `tracing-spans` feature), so a tracing layer, enabled only while a capture
//! runs, marks them in the same ordered log. Each entry carries its tokio task,
//! so a transaction of a background task (the delivery worker) cannot be taken
//! for the request's. A statement counts as part of the transaction when it
//! ran on the transaction's connection (its span comes from sea-orm's
//! `transaction` module) between that task's `BEGIN` and `COMMIT`.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::Statement;
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Where sea-orm's spans for statements run inside a transaction come from.
const TRANSACTION_MODULE: &str = "sea_orm::database::transaction";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Begin,
    Commit,
    Rollback,
}

enum Entry {
    Statement {
        statement: Statement,
        failed: bool,
        in_transaction: bool,
        task: Option<tokio::task::Id>,
    },
    Mark {
        mark: Mark,
        task: Option<tokio::task::Id>,
    },
}

static ARMED: AtomicBool = AtomicBool::new(false);
static LOG: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

fn push(entry: Entry) {
    LOG.lock().expect("capture log").push(entry);
}

fn is_sea_orm_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.name().starts_with("sea_orm.")
}

/// Enables sea-orm's statement spans only while a capture is armed, so the
/// timed runs pay what they would with no subscriber at all.
struct Boundaries;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Boundaries {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if ARMED.load(Ordering::Relaxed) && is_sea_orm_span(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        ARMED.load(Ordering::Relaxed) && is_sea_orm_span(metadata)
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        let mark = match attrs.metadata().name() {
            "sea_orm.begin" => Mark::Begin,
            "sea_orm.commit" => Mark::Commit,
            "sea_orm.rollback" => Mark::Rollback,
            _ => return,
        };
        push(Entry::Mark {
            mark,
            task: tokio::task::try_id(),
        });
    }
}

/// Installs the layer as the process's subscriber; call once, before the
/// first capture.
pub fn install() {
    let subscriber = tracing_subscriber::registry().with(Boundaries);
    tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
}

/// Runs `request` with the statement log armed and returns its output with the
/// statements of the one write transaction it ran, in order (`BEGIN` and
/// `COMMIT` left out: the replay brackets them itself). Panics when the
/// request ran no write transaction, or more than one, or a failed statement.
pub async fn write_transaction<T>(request: impl Future<Output = T>) -> (T, Vec<Statement>) {
    LOG.lock().expect("capture log").clear();
    ARMED.store(true, Ordering::Relaxed);
    tracing::callsite::rebuild_interest_cache();
    let tap = ordergraph::statement_log::arm(|info| {
        let in_transaction = tracing::Span::current()
            .metadata()
            .is_some_and(|m| m.target() == TRANSACTION_MODULE);
        push(Entry::Statement {
            statement: info.statement.clone(),
            failed: info.failed,
            in_transaction,
            task: tokio::task::try_id(),
        });
    })
    .expect("statement log free");
    let output = request.await;
    drop(tap);
    ARMED.store(false, Ordering::Relaxed);
    tracing::callsite::rebuild_interest_cache();
    let log = std::mem::take(&mut *LOG.lock().expect("capture log"));
    (output, transaction_of(log))
}

fn transaction_of(log: Vec<Entry>) -> Vec<Statement> {
    // The request's task is the one that ran the most statements inside
    // transactions. Others may write meanwhile (the delivery worker's lease
    // poll and housekeeping share SQLite's writer, and so its statement log):
    // one statement each, left out.
    let mut tasks: Vec<(Option<tokio::task::Id>, usize)> = Vec::new();
    for entry in &log {
        if let Entry::Statement {
            task,
            in_transaction: true,
            ..
        } = entry
        {
            match tasks.iter_mut().find(|(t, _)| t == task) {
                Some((_, n)) => *n += 1,
                None => tasks.push((*task, 1)),
            }
        }
    }
    tasks.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let task = match tasks[..] {
        [(task, _)] => task,
        [(task, most), (_, next), ..] if most > next => {
            println!(
                "  ({} other task(s) wrote meanwhile, e.g. the delivery worker's lease poll; not replayed)",
                tasks.len() - 1
            );
            task
        }
        _ => panic!("cannot tell the request's transaction among {tasks:?}"),
    };
    let mut marks = Vec::new();
    // Nesting: SQLite's writer opens the group's transaction and then the
    // caller's savepoint (both BEGIN spans), releases the savepoint (COMMIT)
    // and commits the group on a task of its own.
    let mut depth = 0usize;
    let mut inside = Vec::new();
    let mut outside = 0;
    for entry in log {
        match entry {
            Entry::Mark { mark, task: t } if t == task => {
                match mark {
                    Mark::Begin => depth += 1,
                    Mark::Commit | Mark::Rollback => depth = depth.saturating_sub(1),
                }
                marks.push(mark)
            }
            Entry::Mark { .. } => {}
            Entry::Statement { task: t, .. } if t != task => {}
            Entry::Statement {
                statement,
                failed,
                in_transaction,
                ..
            } => {
                assert!(
                    !failed,
                    "a captured statement failed; it cannot be replayed: {}",
                    statement.sql
                );
                let open = depth > 0;
                assert_eq!(
                    open,
                    in_transaction,
                    "a statement ran {} the transaction's span but {} BEGIN and COMMIT: {}",
                    if in_transaction { "in" } else { "outside" },
                    if open { "between" } else { "outside" },
                    statement.sql
                );
                if open {
                    inside.push(statement);
                } else {
                    outside += 1;
                }
            }
        }
    }
    assert!(
        matches!(
            marks[..],
            [Mark::Begin, Mark::Commit] | [Mark::Begin, Mark::Begin, Mark::Commit]
        ),
        "the request must run exactly one transaction, committed (on SQLite: the writer's group \
         and the caller's savepoint in it, the group committed on the writer's task): {marks:?}"
    );
    if outside > 0 {
        println!(
            "  ({outside} statement(s) of the request ran outside its transaction; not replayed)"
        );
    }
    inside
}
