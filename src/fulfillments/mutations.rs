//! Fulfillment mutations: record a shipment, change its tracking, move it on,
//! cancel it. Admins, staff and integrations; never customers.

use async_graphql::{Context, ID, Object};

use super::inputs::{
    CreateFulfillmentInput, UpdateFulfillmentStatusInput, UpdateFulfillmentTrackingInput,
};
use super::service::{self, Done};
use super::types::{Fulfillment, FulfillmentPayload};
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};
use crate::orders::types::Order;

/// Fulfillment mutations.
#[derive(Default)]
pub struct FulfillmentMutation;

fn payload(done: Done) -> FulfillmentPayload {
    FulfillmentPayload {
        fulfillment: Fulfillment(done.shipment),
        order: Order(done.order),
    }
}

#[Object]
impl FulfillmentMutation {
    /// Records a fulfillment (shipment) of an order: the lines and quantities
    /// it holds (by default everything still unfulfilled), its carrier and
    /// tracking codes, SHIPPED or PENDING. A quantity over what is left of
    /// its line (ordered minus what live fulfillments hold) is BAD_USER_INPUT
    /// naming it (`input.lines.0.quantity`), so concurrent calls never ship
    /// more than was ordered. The order must be SHIPPED or allowed to move
    /// there (CONFIRMED, PROCESSING, IN_PROGRESS), for every fulfillment;
    /// otherwise INVALID_TRANSITION with `extensions.allowed`. When every
    /// line is fulfilled and every live fulfillment has left, the order
    /// moves to SHIPPED (a STATUS_CHANGED event after FULFILLMENT_CREATED).
    /// Admins, staff and integrations; FORBIDDEN for customers.
    async fn create_fulfillment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "What ships, how it is tracked, and whether to tell the customer.")]
        input: CreateFulfillmentInput,
    ) -> Result<FulfillmentPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        let done = service::create(&state(ctx)?.db, principal, order_id, input).await?;
        Ok(payload(done))
    }

    /// Changes a fulfillment's carrier and/or replaces its tracking codes
    /// (FULFILLMENT_UPDATED); the order's `tracking` follows its latest live
    /// fulfillment. A change to nothing writes nothing. A cancelled
    /// fulfillment is BAD_USER_INPUT. Admins, staff and integrations;
    /// FORBIDDEN for customers.
    async fn update_fulfillment_tracking(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(
            desc = "The fulfillment's id (its plain database id is accepted too, deprecated)."
        )]
        id: ID,
        #[graphql(desc = "The new carrier and/or tracking codes.")]
        input: UpdateFulfillmentTrackingInput,
    ) -> Result<FulfillmentPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Fulfillment, "id")?;
        let done = service::update_tracking(&state(ctx)?.db, principal, id, input).await?;
        Ok(payload(done))
    }

    /// Moves a fulfillment to SHIPPED or DELIVERED (FULFILLMENT_UPDATED with
    /// `data.changes.status`), setting `shippedAt`/`deliveredAt`. Shipping
    /// needs the order SHIPPED or allowed to move there (else
    /// INVALID_TRANSITION); a move the fulfillment's states do not allow
    /// (DELIVERED back to SHIPPED) is BAD_USER_INPUT naming `input.status`.
    /// The order follows: SHIPPED when everything is fulfilled and has left,
    /// DELIVERED when every live fulfillment is delivered, each when the
    /// workflow allows. Admins, staff and integrations; FORBIDDEN for
    /// customers.
    async fn update_fulfillment_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(
            desc = "The fulfillment's id (its plain database id is accepted too, deprecated)."
        )]
        id: ID,
        #[graphql(desc = "The state to move to.")] input: UpdateFulfillmentStatusInput,
    ) -> Result<FulfillmentPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Fulfillment, "id")?;
        let done = service::update_status(&state(ctx)?.db, principal, id, input).await?;
        Ok(payload(done))
    }

    /// Cancels a PENDING or SHIPPED fulfillment (FULFILLMENT_CANCELLED): its
    /// quantities count as unfulfilled again and may ship in another one. A
    /// DELIVERED fulfillment cannot be cancelled (BAD_USER_INPUT); a
    /// cancelled one stays as it is. The order's status does not move back
    /// (the workflow has no way back from SHIPPED); its `fulfillmentStatus`
    /// and `tracking` follow. Admins, staff and integrations; FORBIDDEN for
    /// customers.
    async fn cancel_fulfillment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(
            desc = "The fulfillment's id (its plain database id is accepted too, deprecated)."
        )]
        id: ID,
        #[graphql(
            desc = "Why, for the order's history (the event's `note`); at most 10,000 characters."
        )]
        note: Option<String>,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<FulfillmentPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Fulfillment, "id")?;
        let done = service::cancel(&state(ctx)?.db, principal, id, note, expected_version).await?;
        Ok(payload(done))
    }
}
