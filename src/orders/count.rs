//! The exact count of all orders, read from the delta rows the `orders`
//! triggers write (migration `m20261207_000016_order_count`) instead of
//! counting rows: what `totalCount` of an unfiltered list costs stays the
//! same at any table size. Filtered counts still count their rows.
//!
//! On PostgreSQL every INSERT or DELETE statement on `orders` appends a
//! delta row, so a compactor folds them into one from time to time; the sum
//! is exact whether or not it has run.

use std::time::Duration;

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::db::Db;
use crate::error::AppResult;

/// The count of all orders as a scalar subquery, to read in the same
/// statement (and snapshot) as a page.
pub fn all_orders_expr() -> SimpleExpr {
    // SUM of bigint is numeric on PostgreSQL; the cast keeps it an i64.
    Expr::cust("(SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM order_count_deltas)")
}

/// The count of all orders.
pub async fn all_orders(db: &Db) -> AppResult<i64> {
    let statement = Statement::from_string(
        db.get_database_backend(),
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM order_count_deltas",
    );
    let row = db.query_one_raw(statement).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "n")?,
        None => 0,
    })
}

/// Folds the delta rows into one, in one statement: the rows it deletes are
/// those its snapshot sees (committed ones), and their sum goes back as one
/// row. A writer's uncommitted row is not seen, so it stays; a compactor
/// running at the same time on another instance waits for this one and then
/// skips the rows already gone. Returns how many rows were folded.
pub async fn compact(db: &Db) -> AppResult<u64> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        // SQLite's triggers update one row.
        return Ok(0);
    }
    let statement = Statement::from_string(
        DatabaseBackend::Postgres,
        "WITH gone AS (DELETE FROM order_count_deltas RETURNING delta),
              folded AS (INSERT INTO order_count_deltas (delta)
                         SELECT SUM(delta) FROM gone HAVING COUNT(*) > 0)
         SELECT COUNT(*) AS n FROM gone",
    );
    let row = db.query_one_raw(statement).await?;
    let folded = match row {
        Some(row) => row.try_get::<i64>("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(folded).unwrap_or(0))
}

/// Every `period` until shutdown, on PostgreSQL: folds the delta rows, so
/// reading the count sums a handful of rows, not one per write since start.
pub fn spawn_compactor(db: Db, period: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stopping| *stopping) => return,
            }
            if let Err(err) = compact(&db).await {
                tracing::warn!(error = ?err, "cannot fold the order count's delta rows");
            }
        }
    });
}
