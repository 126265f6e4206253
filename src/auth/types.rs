//! GraphQL types of the access domain.

use async_graphql::{ID, Object};

use super::{Principal, Role};

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
}
