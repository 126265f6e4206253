//! An opt-in tap on the SQL statements the server's pool runs, so a benchmark
//! can replay exactly what the shipped write path executes instead of a copy
//! written by hand that drifts from it (`benches/place_order.rs`).
//!
//! Off unless a caller [`arm`]s it. The pool's metric callback (installed in
//! [`crate::app::App::build`]) calls [`record`] for every statement; while
//! disarmed that costs one relaxed atomic load. Armed, each statement goes to
//! the caller's sink, with its bound values: they may be personal data, so
//! this module never logs or keeps them, it only hands them over.
//!
//! What the sink sees is what the metric callback sees: the statements that
//! requests run, on the pool and inside its transactions, each after it
//! finished. It does not see `BEGIN`, `COMMIT` or `ROLLBACK` (sea-orm does not
//! report those to the callback), nor the event feed's and the delivery
//! worker's polls, which use a handle cloned before the callback is installed.
//! The tap is process-wide: every [`App`](crate::app::App) in the process
//! feeds the one armed sink.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::metric::Info;

type Sink = Arc<dyn Fn(&Info<'_>) + Send + Sync>;

/// Checked on every statement: the only cost while nothing is armed.
static ARMED: AtomicBool = AtomicBool::new(false);
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// Another caller has the tap armed.
#[derive(Debug, thiserror::Error)]
#[error("the statement log is already armed")]
pub struct AlreadyArmed;

/// Keeps the tap armed; dropping it disarms.
#[must_use = "the statement log disarms when this guard is dropped"]
pub struct Armed(());

impl Drop for Armed {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::Relaxed);
        *SINK.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Sends every statement the server's pool runs from now on to `sink`, until
/// the returned guard is dropped. The sink runs on the request's task, after
/// each statement and before the request goes on, so it should be quick.
pub fn arm(sink: impl Fn(&Info<'_>) + Send + Sync + 'static) -> Result<Armed, AlreadyArmed> {
    let mut slot = SINK.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_some() {
        return Err(AlreadyArmed);
    }
    *slot = Some(Arc::new(sink));
    ARMED.store(true, Ordering::Relaxed);
    Ok(Armed(()))
}

/// Hands `info` to the armed sink, if any. Called by the pool's metric
/// callback.
#[inline]
pub(crate) fn record(info: &Info<'_>) {
    if ARMED.load(Ordering::Relaxed) {
        deliver(info);
    }
}

#[cold]
fn deliver(info: &Info<'_>) {
    // Cloned out so the sink runs without the lock: a sink that arms or
    // disarms, or a slow one, then blocks no other statement.
    let sink = SINK.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(sink) = sink {
        sink(info);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use sea_orm::{DbBackend, Statement};

    use super::*;

    #[test]
    fn only_an_armed_sink_sees_statements_and_only_one_at_a_time() {
        let statement = Statement::from_string(DbBackend::Sqlite, "SELECT 1");
        let info = Info {
            elapsed: Duration::ZERO,
            statement: &statement,
            failed: false,
        };
        record(&info);
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        let guard = arm(move |info| {
            assert_eq!(info.statement.sql, "SELECT 1");
            counter.fetch_add(1, Ordering::Relaxed);
        });
        assert!(guard.is_ok());
        assert!(arm(|_| {}).is_err());
        record(&info);
        drop(guard);
        record(&info);
        assert_eq!(seen.load(Ordering::Relaxed), 1);
    }
}
