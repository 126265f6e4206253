//! The order status workflow of DESIGN.md: statuses, which are active, which
//! transitions are allowed, and when lines may be edited. Pure: no I/O.

use std::fmt;
use std::str::FromStr;

use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

// Stored by its GraphQL name (a string column), read back through sea-orm's
// active enum: an unknown stored value is one typed error, when the row is read.
/// Where an order is in its life. The union of the statuses of the five source
/// platforms.
#[derive(
    async_graphql::Enum,
    Copy,
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Received, not yet looked at.
    #[default]
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Being processed (picked, packed or prepared).
    #[sea_orm(string_value = "PROCESSING")]
    Processing,
    /// Accepted by the seller.
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Work on it has started (services).
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Paused; it can go back into the flow or be cancelled.
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    /// Handed to the carrier.
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    /// Received by the customer.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Done.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Cancelled before completion.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// Money returned to the customer.
    #[sea_orm(string_value = "REFUNDED")]
    Refunded,
}

/// A status name that is not one of [`OrderStatus`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status \"{0}\"")]
pub struct UnknownStatus(pub String);

impl OrderStatus {
    /// Every status, in the order of the DESIGN.md table.
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Processing,
        OrderStatus::InProgress,
        OrderStatus::OnHold,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    /// The stored and GraphQL name (SCREAMING_CASE).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Processing => "PROCESSING",
            OrderStatus::Confirmed => "CONFIRMED",
            OrderStatus::InProgress => "IN_PROGRESS",
            OrderStatus::OnHold => "ON_HOLD",
            OrderStatus::Shipped => "SHIPPED",
            OrderStatus::Delivered => "DELIVERED",
            OrderStatus::Completed => "COMPLETED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    /// A human label for dashboards.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Processing => "Processing",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::InProgress => "In progress",
            OrderStatus::OnHold => "On hold",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Completed => "Completed",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
        }
    }

    /// The statuses an order may move to from this one (DESIGN.md table).
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[Confirmed, Processing, InProgress, OnHold, Cancelled],
            Confirmed => &[Processing, InProgress, OnHold, Shipped, Cancelled],
            Processing => &[InProgress, OnHold, Shipped, Completed, Cancelled],
            InProgress => &[OnHold, Shipped, Completed, Cancelled],
            OnHold => &[Pending, Confirmed, Processing, InProgress, Cancelled],
            Shipped => &[Delivered, Completed, Refunded],
            Delivered => &[Completed, Refunded],
            Completed => &[Refunded],
            Cancelled => &[Refunded],
            Refunded => &[],
        }
    }

    /// Whether the order still needs work: anything but COMPLETED, CANCELLED or
    /// REFUNDED.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            OrderStatus::Completed | OrderStatus::Cancelled | OrderStatus::Refunded
        )
    }

    /// Whether no transition leads out of this status.
    pub fn is_terminal(self) -> bool {
        self.next().is_empty()
    }

    /// Whether `to` is an allowed next status.
    pub fn can_move_to(self, to: OrderStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether lines may be added, changed or removed in this status.
    pub fn lines_editable(self) -> bool {
        matches!(
            self,
            OrderStatus::Pending
                | OrderStatus::Confirmed
                | OrderStatus::Processing
                | OrderStatus::InProgress
                | OrderStatus::OnHold
        )
    }

    /// Seed 003's numeric status id (`status_order_id`), fixed by its samples:
    /// a new order is 2, a sent one 5.
    pub fn status_order_id(self) -> i64 {
        match self {
            OrderStatus::OnHold => 1,
            OrderStatus::Pending => 2,
            OrderStatus::Confirmed => 3,
            OrderStatus::Processing => 4,
            OrderStatus::Shipped => 5,
            OrderStatus::Delivered => 6,
            OrderStatus::Completed => 7,
            OrderStatus::Cancelled => 8,
            OrderStatus::Refunded => 9,
            OrderStatus::InProgress => 10,
        }
    }

    /// The status with seed 003's numeric id `id`, if there is one.
    pub fn from_status_order_id(id: i64) -> Option<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.status_order_id() == id)
    }

    /// Seed 003's name of the status (`status_order_name`): the dashboard
    /// label, except that a shipped order is "Sent", as the seed shows it.
    pub fn status_order_name(self) -> &'static str {
        match self {
            OrderStatus::Shipped => "Sent",
            other => other.label(),
        }
    }

    /// Whether a customer may cancel their own order in this status.
    pub fn customer_may_cancel(self) -> bool {
        matches!(
            self,
            OrderStatus::Pending | OrderStatus::Confirmed | OrderStatus::OnHold
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    /// Accepts our names and the source platforms' lower-case spellings
    /// ("in_progress", "processing").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase().replace([' ', '-'], "_");
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == upper)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    #[test]
    fn transitions_match_the_design_table() {
        let table: [(OrderStatus, &[OrderStatus]); 10] = [
            (
                Pending,
                &[Confirmed, Processing, InProgress, OnHold, Cancelled],
            ),
            (
                Confirmed,
                &[Processing, InProgress, OnHold, Shipped, Cancelled],
            ),
            (
                Processing,
                &[InProgress, OnHold, Shipped, Completed, Cancelled],
            ),
            (InProgress, &[OnHold, Shipped, Completed, Cancelled]),
            (
                OnHold,
                &[Pending, Confirmed, Processing, InProgress, Cancelled],
            ),
            (Shipped, &[Delivered, Completed, Refunded]),
            (Delivered, &[Completed, Refunded]),
            (Completed, &[Refunded]),
            (Cancelled, &[Refunded]),
            (Refunded, &[]),
        ];
        for (from, next) in table {
            assert_eq!(from.next(), next, "{from}");
        }
    }

    #[test]
    fn refused_transitions_from_the_issue_are_refused() {
        assert!(!Confirmed.can_move_to(Delivered));
        assert!(!Completed.can_move_to(Cancelled));
        assert!(Completed.can_move_to(Refunded));
    }

    #[test]
    fn active_and_terminal_follow_the_statuses() {
        let inactive: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| !s.is_active())
            .collect();
        assert_eq!(inactive, [Completed, Cancelled, Refunded]);
        let terminal: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, [Refunded]);
    }

    #[test]
    fn no_status_moves_to_itself() {
        for status in OrderStatus::ALL {
            assert!(!status.can_move_to(status), "{status}");
        }
    }

    #[test]
    fn lines_are_editable_only_before_shipping() {
        let editable: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.lines_editable())
            .collect();
        assert_eq!(
            editable,
            [Pending, Confirmed, Processing, InProgress, OnHold]
        );
    }

    #[test]
    fn the_stored_value_is_the_graphql_name() {
        use sea_orm::ActiveEnum;
        for status in OrderStatus::ALL {
            assert_eq!(status.to_value(), status.as_str());
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
    }

    #[test]
    fn seed_003_status_ids_are_fixed_and_round_trip() {
        let ids: Vec<(i64, OrderStatus, &str)> = (1..=10)
            .map(|id| {
                let status = OrderStatus::from_status_order_id(id).unwrap();
                assert_eq!(status.status_order_id(), id);
                (id, status, status.status_order_name())
            })
            .collect();
        assert_eq!(
            ids,
            [
                (1, OnHold, "On hold"),
                (2, Pending, "Pending"),
                (3, Confirmed, "Confirmed"),
                (4, Processing, "Processing"),
                (5, Shipped, "Sent"),
                (6, Delivered, "Delivered"),
                (7, Completed, "Completed"),
                (8, Cancelled, "Cancelled"),
                (9, Refunded, "Refunded"),
                (10, InProgress, "In progress"),
            ]
        );
        assert_eq!(OrderStatus::from_status_order_id(0), None);
        assert_eq!(OrderStatus::from_status_order_id(11), None);
    }

    #[test]
    fn names_round_trip_and_platform_spellings_parse() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
        }
        assert_eq!("in_progress".parse::<OrderStatus>(), Ok(InProgress));
        assert_eq!("processing".parse::<OrderStatus>(), Ok(Processing));
        assert!("sent".parse::<OrderStatus>().is_err());
    }
}
