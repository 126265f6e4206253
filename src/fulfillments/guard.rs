//! Line edits that would contradict the order's fulfillments are refused, and
//! the order's status follows the ones that make it fulfilled: a line's
//! quantity never drops below what live fulfillments hold, a line they hold
//! is never removed, and an upsert does not replace the lines of an order
//! that has live fulfillments. Called by the line and upsert services under
//! the order's lock.

use sea_orm::ConnectionTrait;

use super::ledger;
use super::settle;
use crate::error::{AppError, AppResult};
use crate::money::Money;
use crate::orders::edit::OrderEdit;
use crate::orders::service::lines_of;

/// What live fulfillments of order `order_id` hold of line `line_id`.
async fn held<C: ConnectionTrait>(conn: &C, order_id: i64, line_id: i64) -> AppResult<Money> {
    let shipments = ledger::of_order(conn, order_id).await?;
    Ok(ledger::fulfilled(&shipments)
        .get(&line_id)
        .copied()
        .unwrap_or(Money::ZERO))
}

/// BAD_USER_INPUT at `path` when `quantity` is below what live fulfillments
/// hold of the line.
pub async fn check_quantity<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    line_id: i64,
    quantity: Money,
    path: &str,
) -> AppResult<()> {
    let held = held(conn, order_id, line_id).await?;
    if quantity < held {
        return Err(AppError::invalid_field(
            path,
            format!(
                "{held} of this line is in fulfillments; cancel them first to order less than that"
            ),
        ));
    }
    Ok(())
}

/// BAD_USER_INPUT at `path` when live fulfillments hold any of the line. A
/// cancelled fulfillment keeps its line, without the order line.
pub async fn check_removable<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    line_id: i64,
    path: &str,
) -> AppResult<()> {
    let held = held(conn, order_id, line_id).await?;
    if held > Money::ZERO {
        return Err(AppError::invalid_field(
            path,
            format!("{held} of this line is in fulfillments; cancel them first to remove it"),
        ));
    }
    Ok(())
}

/// BAD_USER_INPUT at `path` when the order has live fulfillments: its lines
/// are then what those shipments refer to, and a sync that replaces them
/// would leave the shipments pointing at nothing.
pub async fn check_replaceable<C: ConnectionTrait>(
    conn: &C,
    order_id: i64,
    path: &str,
) -> AppResult<()> {
    let shipments = ledger::of_order(conn, order_id).await?;
    let live = shipments.iter().filter(|s| s.is_live()).count();
    if live > 0 {
        return Err(AppError::invalid_field(
            path,
            format!(
                "the order has {live} fulfillment(s) that are not cancelled; its lines can no longer be replaced (leave lines out, or cancel the fulfillments first)"
            ),
        ));
    }
    Ok(())
}

/// After a line edit: the order's status follows its fulfillments (removing
/// the last unfulfilled line of a shipped order makes it SHIPPED, when the
/// workflow allows). Nothing happens for an order without fulfillments.
pub async fn follow_line_edit(edit: &mut OrderEdit<'_>) -> AppResult<()> {
    let order_id = edit.before.id;
    let shipments = ledger::of_order(edit.conn(), order_id).await?;
    if shipments.is_empty() {
        return Ok(());
    }
    let lines = lines_of(edit.conn(), order_id).await?;
    let status = ledger::status(&lines, &shipments);
    settle::follow(edit, status, &shipments)
}
