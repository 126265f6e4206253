//! Customer mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{AddressInput, CustomerInput};
use super::service;
use super::types::{Address, Customer};
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{parse_id, require_principal, state};

/// Customer mutations.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer or updates the one with the same `externalId` (else
    /// `email`). Absent fields stay as they are.
    async fn upsert_customer(
        &self,
        ctx: &Context<'_>,
        input: CustomerInput,
    ) -> Result<Customer, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        Ok(Customer(service::upsert(&state(ctx)?.db, input).await?))
    }

    /// Saves a new address in a customer's addressbook.
    async fn add_customer_address(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: AddressInput,
    ) -> Result<Address, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        let customer_id = parse_id(&customer_id, "customerId")?;
        Ok(Address(
            service::add_address(&state(ctx)?.db, customer_id, input).await?,
        ))
    }
}
