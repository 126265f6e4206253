//! The rules of fulfillments, pure (no I/O): a fulfillment's states and their
//! transitions, an order's fulfillment status from what was ordered and what
//! its live fulfillments hold, and which status the order follows to.

use std::collections::HashMap;

use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

use crate::money::Money;
use crate::orders::workflow::OrderStatus;

// Stored by its GraphQL name (a string column), like `OrderStatus`.
/// Where one fulfillment (shipment) stands.
#[derive(
    async_graphql::Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentState {
    /// Being picked and packed: its quantities are set aside for it, it has
    /// not left yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Handed to the carrier.
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    /// Received by the customer.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Called off: its quantities count as unfulfilled again.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl FulfillmentState {
    /// The stored and GraphQL name.
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentState::Pending => "PENDING",
            FulfillmentState::Shipped => "SHIPPED",
            FulfillmentState::Delivered => "DELIVERED",
            FulfillmentState::Cancelled => "CANCELLED",
        }
    }

    /// The states a fulfillment may move to from this one. A delivered one
    /// stays delivered (goods that came back are a return, not a
    /// cancellation); a cancelled one stays cancelled.
    pub fn next(self) -> &'static [FulfillmentState] {
        use FulfillmentState::*;
        match self {
            Pending => &[Shipped, Delivered, Cancelled],
            Shipped => &[Delivered, Cancelled],
            Delivered | Cancelled => &[],
        }
    }

    /// Whether `to` is an allowed next state.
    pub fn can_move_to(self, to: FulfillmentState) -> bool {
        self.next().contains(&to)
    }

    /// Whether its quantities count as fulfilled: every state but CANCELLED.
    pub fn is_live(self) -> bool {
        self != FulfillmentState::Cancelled
    }

    /// Whether it has left: SHIPPED or DELIVERED.
    pub fn has_left(self) -> bool {
        matches!(
            self,
            FulfillmentState::Shipped | FulfillmentState::Delivered
        )
    }
}

/// How much of an order its live fulfillments hold.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentStatus {
    /// No line has anything in a live fulfillment; also an order without
    /// lines, which has nothing recorded as sent.
    Unfulfilled,
    /// Some quantities are in live fulfillments, not all.
    PartiallyFulfilled,
    /// Every line's whole quantity is in live fulfillments.
    Fulfilled,
}

/// `a + b` for quantities (both within the stored range, so is their sum:
/// fulfilled quantities never exceed the ordered ones).
pub fn plus(a: Money, b: Money) -> Money {
    Money::from_scaled(a.scaled().saturating_add(b.scaled()))
}

/// `a − b`, never below zero.
pub fn left(a: Money, b: Money) -> Money {
    Money::from_scaled(a.scaled().saturating_sub(b.scaled()).max(0))
}

/// The fulfillment status of an order whose lines ordered `ordered` (line id
/// and quantity) when its live fulfillments hold `fulfilled` per line id.
pub fn status_of(ordered: &[(i64, Money)], fulfilled: &HashMap<i64, Money>) -> FulfillmentStatus {
    let held = |line: i64| fulfilled.get(&line).copied().unwrap_or(Money::ZERO);
    if ordered.is_empty() || ordered.iter().all(|(line, _)| held(*line) == Money::ZERO) {
        FulfillmentStatus::Unfulfilled
    } else if ordered
        .iter()
        .all(|(line, quantity)| held(*line) >= *quantity)
    {
        FulfillmentStatus::Fulfilled
    } else {
        FulfillmentStatus::PartiallyFulfilled
    }
}

/// Whether an order in `status` may have goods sent: it is SHIPPED already,
/// or the workflow lets it move to SHIPPED.
pub fn may_ship(status: OrderStatus) -> bool {
    status == OrderStatus::Shipped || status.can_move_to(OrderStatus::Shipped)
}

/// The statuses an order in `current` moves through, in order, now that its
/// fulfillment status is `fulfillment` and its live fulfillments are in
/// `states`: everything fulfilled and sent → SHIPPED, everything delivered
/// → DELIVERED (through SHIPPED when it is not there yet), each step only when
/// the workflow allows it. Never backwards: the workflow has no way back from
/// SHIPPED, so cancelling a shipment leaves the order's status as it is.
pub fn follow(
    current: OrderStatus,
    fulfillment: FulfillmentStatus,
    states: &[FulfillmentState],
) -> Vec<OrderStatus> {
    let live: Vec<FulfillmentState> = states.iter().copied().filter(|s| s.is_live()).collect();
    if fulfillment != FulfillmentStatus::Fulfilled || live.is_empty() {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let mut at = current;
    if live.iter().all(|s| s.has_left()) && at.can_move_to(OrderStatus::Shipped) {
        at = OrderStatus::Shipped;
        steps.push(at);
    }
    if live.iter().all(|s| *s == FulfillmentState::Delivered)
        && at.can_move_to(OrderStatus::Delivered)
    {
        steps.push(OrderStatus::Delivered);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use FulfillmentState::*;
    use sea_orm::{ActiveEnum, Iterable};

    fn q(n: i64) -> Money {
        Money::from(n)
    }

    #[test]
    fn the_stored_value_is_the_graphql_name() {
        for state in FulfillmentState::iter() {
            assert_eq!(state.to_value(), state.as_str());
        }
    }

    #[test]
    fn delivered_and_cancelled_are_final_and_only_cancelled_frees_quantities() {
        assert!(Pending.can_move_to(Shipped) && Pending.can_move_to(Cancelled));
        assert!(Shipped.can_move_to(Delivered) && Shipped.can_move_to(Cancelled));
        assert!(!Shipped.can_move_to(Pending));
        assert!(Delivered.next().is_empty() && Cancelled.next().is_empty());
        assert!(Pending.is_live() && Delivered.is_live() && !Cancelled.is_live());
        assert!(!Pending.has_left() && Shipped.has_left() && Delivered.has_left());
    }

    #[test]
    fn the_status_compares_live_quantities_with_ordered_ones() {
        let ordered = [(1, q(2)), (2, "0.5".parse().unwrap())];
        let held = |pairs: &[(i64, Money)]| pairs.iter().copied().collect::<HashMap<_, _>>();
        assert_eq!(
            status_of(&ordered, &held(&[])),
            FulfillmentStatus::Unfulfilled
        );
        assert_eq!(
            status_of(&ordered, &held(&[(1, q(2))])),
            FulfillmentStatus::PartiallyFulfilled
        );
        assert_eq!(
            status_of(
                &ordered,
                &held(&[(1, q(2)), (2, "0.4999".parse().unwrap())])
            ),
            FulfillmentStatus::PartiallyFulfilled
        );
        assert_eq!(
            status_of(&ordered, &held(&[(1, q(2)), (2, "0.5".parse().unwrap())])),
            FulfillmentStatus::Fulfilled
        );
        assert_eq!(
            status_of(&[], &held(&[])),
            FulfillmentStatus::Unfulfilled,
            "an order without lines has nothing sent"
        );
    }

    #[test]
    fn quantities_add_and_subtract_exactly_and_never_below_zero() {
        let a: Money = "0.1".parse().unwrap();
        let b: Money = "0.2".parse().unwrap();
        assert_eq!(plus(a, b), "0.3".parse().unwrap());
        assert_eq!(left(q(3), "1.25".parse().unwrap()), "1.75".parse().unwrap());
        assert_eq!(left(q(1), q(2)), Money::ZERO);
    }

    #[test]
    fn only_orders_that_are_or_may_become_shipped_may_ship() {
        use OrderStatus as S;
        for (status, ok) in [
            (S::Pending, false),
            (S::Confirmed, true),
            (S::Processing, true),
            (S::InProgress, true),
            (S::OnHold, false),
            (S::Shipped, true),
            (S::Delivered, false),
            (S::Completed, false),
            (S::Cancelled, false),
            (S::Refunded, false),
        ] {
            assert_eq!(may_ship(status), ok, "{status:?}");
        }
    }

    #[test]
    fn the_order_follows_forward_only_and_only_when_everything_is_fulfilled() {
        use FulfillmentStatus::*;
        use OrderStatus as S;
        assert_eq!(
            follow(S::Processing, Fulfilled, &[Shipped, Shipped]),
            [S::Shipped]
        );
        assert!(follow(S::Processing, Fulfilled, &[Shipped, Pending]).is_empty());
        assert!(follow(S::Processing, PartiallyFulfilled, &[Shipped]).is_empty());
        assert_eq!(
            follow(S::Confirmed, Fulfilled, &[Delivered, Cancelled]),
            [S::Shipped, S::Delivered],
            "cancelled ones do not count"
        );
        assert_eq!(follow(S::Shipped, Fulfilled, &[Delivered]), [S::Delivered]);
        assert!(follow(S::Shipped, Fulfilled, &[Shipped]).is_empty());
        assert!(
            follow(S::Completed, Fulfilled, &[Delivered]).is_empty(),
            "a completed order stays completed"
        );
        assert!(follow(S::Processing, Fulfilled, &[Cancelled]).is_empty());
    }
}
