//! GraphQL types of the access domain: the caller, and API keys.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::{Principal, Role};
use crate::customers::loaders::CustomerId;
use crate::customers::types::Customer;
use crate::entities::api_key;
use crate::error::AppError;
use crate::graphql::loader::loader;
use crate::ids::{NodeKind, global_id};
use crate::scalars::BigInt;

/// The caller as the server sees it.
pub struct Viewer(pub Principal);

/// The caller as the server sees it: role, subject and, for customers, the
/// customer they act as.
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

    /// For customers, the global id of the customer they act as; null for
    /// other roles.
    async fn customer_id(&self) -> Option<ID> {
        self.0
            .customer_id
            .map(|id| global_id(NodeKind::Customer, id))
    }

    /// For customers, the customer they act as; null for other roles (and for a
    /// token naming a customer that does not exist).
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>, AppError> {
        match self.0.customer_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(CustomerId::new(id))
                .await?
                .map(Customer)),
            None => Ok(None),
        }
    }
}

/// An API key, without its secret (only a hash is stored).
pub struct ApiKey(pub api_key::Model);

/// An API key of an integration (or of staff or admin tooling), without its
/// secret: only a hash of it is stored. Admins only.
#[Object]
impl ApiKey {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// to `revokeApiKey`.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::ApiKey, self.0.id)
    }
    /// The database id.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// The name given at creation (shown as the actor of the key's changes).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the key may do.
    async fn role(&self) -> Role {
        self.0.role
    }
    /// When it was created.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When it was last used, to the minute; null if never.
    async fn last_used_at(&self) -> Option<crate::scalars::DateTime> {
        self.0.last_used_at.map(Into::into)
    }
    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<crate::scalars::DateTime> {
        self.0.revoked_at.map(Into::into)
    }
}

/// A new API key. `key` is shown only here, once: store it now.
#[derive(SimpleObject)]
pub struct ApiKeyCreated {
    /// The key's global id (for `revokeApiKey`).
    pub id: ID,
    /// The name given.
    pub name: String,
    /// What the key may do.
    pub role: Role,
    /// The key, for `X-API-Key` or `Authorization: Bearer`.
    pub key: String,
    /// The key as it is stored, without its secret.
    pub api_key: ApiKey,
}
