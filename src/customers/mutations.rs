//! Customer mutations.

use async_graphql::{Context, ID, Object};

use super::inputs::{AddressInput, CustomerInput, UpdateCustomerInput};
use super::service;
use super::types::{Address, Customer, DeleteCustomerPayload};
use crate::auth::{ORDER_WORKERS, STAFF};
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

    /// Changes a customer by id: its keys (`externalId`, `email`, each unique:
    /// CONFLICT naming the field another customer holds) and details. Absent
    /// fields stay; "" clears one, but a customer keeps an `externalId` or an
    /// `email`. The customer's orders keep the e-mail and name they were
    /// placed with. Admins, staff and integrations.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        id: ID,
        #[graphql(desc = "What to change; absent fields stay as they are.")]
        input: UpdateCustomerInput,
    ) -> Result<Customer, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        let id = ids::parse(&id, NodeKind::Customer, "id")?;
        Ok(Customer(service::update(&state(ctx)?.db, id, input).await?))
    }

    /// Deletes a customer that has no orders (its addressbook goes with it).
    /// A customer with orders is archived instead (`archivedAt`): its orders
    /// keep it and stay readable, it is left out of `customers` unless asked
    /// for, and it places no new orders until `restoreCustomer`. Asking again
    /// for an archived customer changes nothing. Admins and staff only.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<DeleteCustomerPayload, AppError> {
        require_principal(ctx)?.require(STAFF)?;
        let id = ids::parse(&id, NodeKind::Customer, "id")?;
        let archived = match service::delete(&state(ctx)?.db, id).await? {
            service::Deleted::Deleted => None,
            service::Deleted::Archived(customer) => Some(*customer),
        };
        Ok(DeleteCustomerPayload {
            customer_id: id,
            archived,
        })
    }

    /// Brings an archived customer back: listed again, and it may place
    /// orders. A customer that is not archived is returned unchanged. Admins
    /// and staff only.
    async fn restore_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<Customer, AppError> {
        require_principal(ctx)?.require(STAFF)?;
        let id = ids::parse(&id, NodeKind::Customer, "id")?;
        Ok(Customer(service::restore(&state(ctx)?.db, id).await?))
    }
}
