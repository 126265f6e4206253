//! Customer queries.

use async_graphql::{Context, ID, Object};

use super::connection::CustomerConnection;
use super::inputs::CustomerFilter;
use super::listing::{self, PageArgs};
use super::service;
use super::types::Customer;
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{policy, require_principal, state};
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

    /// Customers matching `filter`, newest first, with Relay cursors
    /// (`first`/`after` forward, `last`/`before` backward); 20 per page
    /// unless asked, at most 100. Archived customers only with `filter:
    /// {archived: true}`. Each has its `orderCount` and `totalSpent`, loaded
    /// for the whole page at once. Admins, staff and integrations (a CRM sync
    /// reads the list); not customers (FORBIDDEN).
    #[graphql(complexity = "crate::graphql::cost::page(&[first, last], child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which customers; absent: every active customer.")] filter: Option<
            CustomerFilter,
        >,
        #[graphql(
            desc = "Forward paging: how many customers after `after` (1 to 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: the `cursor` (or `endCursor`) to continue after.")]
        after: Option<String>,
        #[graphql(
            desc = "Backward paging: how many customers before `before` (1 to 100; default 20)."
        )]
        last: Option<i32>,
        #[graphql(desc = "Backward paging: the `cursor` (or `startCursor`) to continue before.")]
        before: Option<String>,
    ) -> Result<CustomerConnection, AppError> {
        require_principal(ctx)?.require(ORDER_WORKERS)?;
        let condition = listing::condition(&filter.unwrap_or_default())?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(CustomerConnection(
            listing::list(&state(ctx)?.db, condition, args).await?,
        ))
    }
}
