//! Where an event sits in the log, and the opaque cursor clients hold.
//!
//! The log is read in `(tx, id)` order: the writing transaction's id first
//! (PostgreSQL; 0 on SQLite), then the event id. Ids alone are not an order a
//! reader can follow without a writer-side lock, since an id allocated by a
//! slow transaction commits after larger ones (see [`super::bus`]). The
//! cursor encodes both numbers, so a resume gives exactly the events after it,
//! in the same order on every instance.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::order_event;
use crate::error::{AppError, AppResult};
use crate::ids::{self, NodeKind};

/// A position in the event log. Ordered as the log is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The writing transaction (0: SQLite, or written before positions).
    pub tx: i64,
    pub id: i64,
}

/// What a cursor's text starts with once decoded: tells it apart from a
/// global id (whose type name would come first).
const CURSOR_TAG: &str = "log";

impl Position {
    /// Before every event.
    pub const START: Position = Position { tx: 0, id: 0 };

    /// The position of `event`.
    pub fn of(event: &order_event::Model) -> Position {
        Position {
            tx: event.tx,
            id: event.id,
        }
    }

    /// The opaque cursor for this position.
    pub fn cursor(self) -> String {
        STANDARD.encode(format!("{CURSOR_TAG}:{}:{}", self.tx, self.id))
    }

    /// The position a cursor names; `None` when `raw` is not a cursor.
    pub fn from_cursor(raw: &str) -> Option<Position> {
        let bytes = STANDARD.decode(raw.trim()).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut parts = text.split(':');
        let (Some(CURSOR_TAG), Some(tx), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let tx = tx.parse().ok().filter(|tx: &i64| *tx >= 0)?;
        let id = id.parse().ok().filter(|id: &i64| *id >= 0)?;
        Some(Position { tx, id })
    }
}

/// The position `after:` names: a cursor (`OrderEvent.cursor`,
/// SUBSCRIBER_LAGGED's `resumeAfter`), an event's global or database id
/// (looked up: its position is where it sits in the log), or "0" for the
/// start. BAD_USER_INPUT naming `path` otherwise, and NOT_FOUND for an id of
/// no event.
pub async fn resolve<C: ConnectionTrait>(db: &C, raw: &ID, path: &str) -> AppResult<Position> {
    let text = raw.as_str().trim();
    if text == "0" {
        return Ok(Position::START);
    }
    if let Some(position) = Position::from_cursor(text) {
        return Ok(position);
    }
    let id = ids::database_id(text, NodeKind::OrderEvent).map_err(|_| {
        AppError::invalid_field(
            path,
            format!("\"{text}\" is neither an event cursor nor an order event id"),
        )
    })?;
    let tx: Option<i64> = order_event::Entity::find()
        .select_only()
        .column(order_event::Column::Tx)
        .filter(order_event::Column::Id.eq(id))
        .into_tuple()
        .one(db)
        .await?;
    tx.map(|tx| Position { tx, id })
        .ok_or_else(|| AppError::NotFound(format!("No order event with id {id} ({path})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_not_ids() {
        let p = Position {
            tx: 9_007_199_254_740_993,
            id: 42,
        };
        assert_eq!(Position::from_cursor(&p.cursor()), Some(p));
        assert_eq!(
            Position::from_cursor(&Position::START.cursor()),
            Some(Position::START)
        );
        // Global ids and plain ids are not cursors, and cursors are not ids.
        let event = ids::global_id(NodeKind::OrderEvent, 42);
        assert_eq!(Position::from_cursor(&event), None);
        assert_eq!(Position::from_cursor("42"), None);
        assert_eq!(ids::decode(&p.cursor()), None);
        for bad in ["bG9nOjE=", "bG9nOi0xOjI=", "bG9nOjE6Mjoz", ""] {
            assert_eq!(Position::from_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn positions_order_by_transaction_then_id() {
        let late_small_id = Position { tx: 7, id: 3 };
        let early_big_id = Position { tx: 5, id: 9 };
        assert!(early_big_id < late_small_id);
        assert!(Position { tx: 5, id: 1 } < early_big_id);
    }
}
