//! GraphQL types of the access domain.

use async_graphql::{Context, ID, Object};

use super::{Principal, Role};
use crate::customers::loaders::CustomerId;
use crate::customers::types::Customer;
use crate::error::AppError;
use crate::graphql::loader::loader;

/// The caller as the server sees it.
pub struct Viewer(pub Principal);

#[Object]
impl Viewer {
    /// What the caller may do.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// Who the caller is: the token's subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// For customers, the id of the customer they act as; null for other roles.
    async fn customer_id(&self) -> Option<ID> {
        self.0.customer_id.map(ID::from)
    }

    /// For customers, the customer they act as; null for other roles (and for a
    /// token naming a customer that does not exist).
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>, AppError> {
        match self.0.customer_id {
            Some(id) => Ok(loader(ctx)?.load_one(CustomerId(id)).await?.map(Customer)),
            None => Ok(None),
        }
    }
}
