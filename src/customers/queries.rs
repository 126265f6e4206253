//! Customer queries.

use async_graphql::{Context, ID, Object};

use super::service;
use super::types::Customer;
use crate::error::AppError;
use crate::graphql::context::{parse_id, policy, state};

/// Customer queries.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// A customer by id, with their addressbook; null when there is none.
    /// Customers may read only themselves.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>, AppError> {
        let policy = policy(ctx)?;
        let id = parse_id(&id, "id")?;
        if !policy.sees_customer(id) {
            return Ok(None);
        }
        Ok(service::get(&state(ctx)?.db, id).await?.map(Customer))
    }
}
