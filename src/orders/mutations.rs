//! Mutations of the order domain.

use async_graphql::{Context, ID, Object};

use super::draft::Defaults;
use super::inputs::{
    ImportOrdersInput, OnExisting, OrderActionInput, PlaceOrderInput, TrackingInput,
    UpdateOrderInput, UpsertOrderInput,
};
use super::types::{ImportOrdersPayload, ImportResult, Order, UpsertOrderPayload};
use super::{actions, create, import, service, update, upsert};
use crate::auth::{ANY_ROLE, ORDER_WORKERS};
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};

/// Order mutations.
#[derive(Default)]
pub struct OrderMutation;

use crate::orders::types::replayed;

#[Object]
impl OrderMutation {
    /// Places a new order. Totals are computed from the lines (VAT per line,
    /// rounded half away from zero to 4 decimals) unless `total` is given.
    /// Every problem of the input is reported at once as BAD_USER_INPUT with
    /// `extensions.fields`; nothing is written then. A reference the source
    /// already used is CONFLICT. Every role; customers order for themselves,
    /// from the catalogue, at catalogue prices.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order.")] mut input: PlaceOrderInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ANY_ROLE)?;
        create::bind_to_customer(principal, &mut input, str::to_owned)?;
        let state = state(ctx)?;
        let defaults = Defaults::of(&state.config);
        Ok(Order(
            create::place(&state.db, defaults, &principal.subject, input).await?,
        ))
    }

    /// Creates the order with this (source, externalId), or updates it: given
    /// fields replace stored ones, given lines replace all lines, the status is
    /// mirrored as given. A given `trackingCode`/`trackingUrl` also becomes
    /// the tracking of the order's latest fulfillment that is not cancelled
    /// (a sync never records a shipment itself); lines that differ from those
    /// of an order with such fulfillments are BAD_USER_INPUT at `lines`.
    /// With `onExisting: KEEP` an existing order is returned
    /// unchanged instead (create-only; `created: false` says it existed). Safe
    /// to repeat and to race: one order results, and a repeat that changes
    /// nothing writes nothing. Admins, staff and integrations.
    async fn upsert_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order as the source platform has it.")] input: UpsertOrderInput,
        #[graphql(
            desc = "What to do when the order exists: UPDATE it (the default) or KEEP it as it is.",
            default
        )]
        on_existing: OnExisting,
    ) -> Result<UpsertOrderPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let state = state(ctx)?;
        let defaults = Defaults::of(&state.config);
        let (order, created) =
            upsert::upsert(&state.db, defaults, &principal.subject, input, on_existing).await?;
        Ok(UpsertOrderPayload {
            order: Order(order),
            created,
        })
    }

    /// Imports up to 1,000 orders of one source (seed 004). Each order is
    /// validated on its own: invalid ones are reported with their errors while
    /// the rest are imported; known ones are DUPLICATE and left unchanged.
    /// Local dates (seed 004's `YYYY-MM-DD HH:MM:SS`) go in `orderDate`, read
    /// in `IMPORT_TIMEZONE` and reported on their own order when bad; a
    /// `submittedAt` that is not RFC 3339 fails the whole call, as GraphQL
    /// checks variables before anything runs. Admins, staff and integrations.
    async fn import_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The source and its orders.")] input: ImportOrdersInput,
    ) -> Result<ImportOrdersPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let state = state(ctx)?;
        let defaults = Defaults::of(&state.config);
        let count = input.orders.len();
        let outcomes = import::import(&state.db, defaults, &principal.subject, input).await?;
        let ids: Vec<i64> = outcomes.iter().filter_map(|o| o.order_id).collect();
        let orders = service::get_many(&state.db, &ids).await?;
        let imported = outcomes
            .iter()
            .filter(|o| o.status == import::ImportResultStatus::Imported)
            .count();
        Ok(ImportOrdersPayload {
            orders_count: i32::try_from(count).unwrap_or(i32::MAX),
            orders_imported: i32::try_from(imported).unwrap_or(i32::MAX),
            results: outcomes
                .into_iter()
                .map(|o| {
                    let order = o
                        .order_id
                        .and_then(|id| orders.get(&id).cloned())
                        .map(Order);
                    ImportResult(o, order)
                })
                .collect(),
        })
    }

    /// Seed 002's action endpoint: UPDATE_STATUS (to `status`), CANCEL,
    /// COMPLETE, or UPDATE_METADATA (merges `metadata`; a null value removes a
    /// key). Status changes follow the workflow: a refused one is
    /// INVALID_TRANSITION naming the allowed next statuses. Admins, staff and
    /// integrations; customers may only CANCEL their own order while it is
    /// PENDING, CONFIRMED or ON_HOLD.
    async fn order_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "What to do.")] input: OrderActionInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ANY_ROLE)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            actions::order_action(&state(ctx)?.db, principal, id, input).await?,
        ))
    }

    /// Sets shipment tracking (seed 003): the code, and the URL, shipping option
    /// and staff notes when given; optionally moves the status under the
    /// workflow rules. The tracking also goes onto the order's fulfillments:
    /// the latest one that is not cancelled gets it (FULFILLMENT_UPDATED), or,
    /// with none, an order that is SHIPPED or may move there gets a SHIPPED
    /// fulfillment of everything still unfulfilled (FULFILLMENT_CREATED); the
    /// status still moves only when `status` asks. Admins, staff and
    /// integrations; only staff and admins may set staff notes.
    async fn set_order_tracking(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The tracking to set.")] input: TrackingInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            actions::set_tracking(&state(ctx)?.db, principal, id, input).await?,
        ))
    }

    /// Sets the order's id in an external system (ERP, accounting); an empty
    /// string clears it. Admins, staff and integrations.
    async fn set_order_integration_ref(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "The reference (at most 255 characters); \"\" clears it.")]
        integration_ref: String,
        #[graphql(
            desc = "Change only if the order is still at this version; else CONFLICT with `extensions.currentVersion`."
        )]
        expected_version: Option<i32>,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        let order = actions::set_integration_ref(
            &state(ctx)?.db,
            principal,
            id,
            integration_ref,
            expected_version,
        )
        .await?;
        Ok(Order(order))
    }

    /// Changes an order's details: shipping and billing address, contact
    /// e-mail and name, notes, staff notes, metadata (not its lines, status or
    /// amounts). Only what differs is written: one DETAILS_UPDATED event with
    /// `{field: {before, after}}` of exactly the changed fields (and a
    /// staff-only STAFF_NOTES_UPDATED for staff notes), one version bump; a
    /// call that changes nothing writes nothing and returns the order as it
    /// is. Addresses, e-mail and name change only while the order is PENDING,
    /// CONFIRMED, PROCESSING, IN_PROGRESS or ON_HOLD (until it ships; after
    /// that they are what the shipment and invoice went out with), else
    /// BAD_USER_INPUT naming the field; notes, staff notes and metadata change
    /// in any status. Admins and staff change everything; integrations all but
    /// staff notes; customers only the addresses and notes of their own
    /// PENDING orders (FORBIDDEN otherwise, naming what was refused).
    async fn update_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "What to change; absent fields stay as they are.")]
        input: UpdateOrderInput,
    ) -> Result<Order, AppError> {
        if let Some(order) = replayed(ctx).await? {
            return Ok(order);
        }
        let principal = require_principal(ctx)?;
        principal.require(ANY_ROLE)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        Ok(Order(
            update::update_order(&state(ctx)?.db, principal, id, input).await?,
        ))
    }
}
