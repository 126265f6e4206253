//! Customer queries.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::Customer;
use crate::error::AppError;
use crate::graphql::context::{policy, state};
use crate::ids::{self, NodeKind};

/// Customer queries.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// A customer by id, with their addressbook; null when there is none.
    /// Customers may read only themselves (anyone else is null, like a
    /// missing one).
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<Option<Customer>, AppError> {
        let policy = policy(ctx)?;
        let id = ids::parse(&id, NodeKind::Customer, "id")?;
        if !policy.sees_customer(id) {
            return Ok(None);
        }
        Ok(service::get(&state(ctx)?.db, id).await?.map(Customer))
    }
}
