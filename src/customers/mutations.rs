//! Customer mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{AddressInput, CustomerInput};
use super::service;
use super::types::{Address, Customer};
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};

/// Customer mutations.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer or updates the one with the same `externalId` (else
    /// `email`). Absent fields stay as they are. Admins, staff and
    /// integrations.
    async fn upsert_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer; `externalId` or `email` identifies it.")]
        input: CustomerInput,
    ) -> Result<Customer, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        Ok(Customer(service::upsert(&state(ctx)?.db, input).await?))
    }

    /// Saves a new address in a customer's addressbook. Admins, staff and
    /// integrations.
    async fn add_customer_address(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        customer_id: ID,
        #[graphql(desc = "The address; it may not name an `id` (it is new).")] input: AddressInput,
    ) -> Result<Address, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        let customer_id = ids::parse(&customer_id, NodeKind::Customer, "customerId")?;
        Ok(Address(
            service::add_address(&state(ctx)?.db, customer_id, input).await?,
        ))
    }
}
