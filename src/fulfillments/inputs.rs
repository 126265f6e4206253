//! GraphQL inputs of fulfillments: what a new shipment holds and how it is
//! tracked, and the later changes of its tracking and state.

use async_graphql::{ID, InputObject};

use super::rules::FulfillmentState;
use crate::money::Money;

/// How much of one order line goes into a fulfillment.
#[derive(InputObject, Clone, Debug)]
pub struct FulfillmentLineInput {
    /// The order line (its global id; its plain database id is accepted too,
    /// deprecated). It must be a line of the order being fulfilled, named
    /// once per fulfillment.
    pub line_id: ID,
    /// How many: more than 0, at most 4 decimals, and at most what is still
    /// unfulfilled of the line (its `fulfillableQuantity`).
    pub quantity: Money,
}

/// One tracking code of a shipment.
#[derive(InputObject, Clone, Debug)]
pub struct FulfillmentTrackingInput {
    /// The carrier's tracking code: 1 to 255 characters, once per
    /// fulfillment.
    pub code: String,
    /// The carrier's page for this code: an `http://` or `https://` URL. Null
    /// or absent when the carrier has none.
    pub url: Option<String>,
}

/// A new fulfillment (shipment) of an order.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CreateFulfillmentInput {
    /// The lines and quantities it holds. Null or absent: everything still
    /// unfulfilled, each line's whole `fulfillableQuantity`. An empty list
    /// is refused.
    pub lines: Option<Vec<FulfillmentLineInput>>,
    /// Its state when recorded: SHIPPED (the default: it left today) or
    /// PENDING (being packed; mark it shipped later with
    /// `updateFulfillmentStatus`).
    pub status: Option<FulfillmentState>,
    /// The carrier or shipping option ("PostNL", "DHL Express"); at most 255
    /// characters. Null or absent: none.
    pub carrier: Option<String>,
    /// Its tracking codes, in order (at most 20). Null, absent or empty:
    /// none yet (add them with `updateFulfillmentTracking`).
    pub tracking: Option<Vec<FulfillmentTrackingInput>>,
    /// E-mail the customer the FULFILLMENT_UPDATE template (what is on its
    /// way, with its tracking). Default false.
    pub notify: Option<bool>,
    /// Fulfil only if the order is still at this version; else CONFLICT with
    /// `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// New tracking of a fulfillment. At least one of `carrier` and `tracking`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateFulfillmentTrackingInput {
    /// The carrier or shipping option; `""` clears it. Null or absent: kept.
    pub carrier: Option<String>,
    /// The tracking codes, replacing the ones it has (at most 20); an empty
    /// list removes them all. Null or absent: kept.
    pub tracking: Option<Vec<FulfillmentTrackingInput>>,
    /// E-mail the customer the FULFILLMENT_UPDATE template. Default false.
    pub notify: Option<bool>,
    /// Change only if the order is still at this version; else CONFLICT
    /// with `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// A fulfillment moving on.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateFulfillmentStatusInput {
    /// SHIPPED (from PENDING) or DELIVERED (from PENDING or SHIPPED). To
    /// cancel, use `cancelFulfillment`. The state it already has changes
    /// nothing.
    pub status: FulfillmentState,
    /// A note for the order's history (the event's `note`); at most 10,000
    /// characters.
    pub note: Option<String>,
    /// E-mail the customer the FULFILLMENT_UPDATE template. Default false.
    pub notify: Option<bool>,
    /// Change only if the order is still at this version; else CONFLICT
    /// with `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}
