//! Queries of the order domain.

use async_graphql::{Context, ID, Object};

use super::connection::OrderConnection;
use super::inputs::{OrderFilter, OrderOrderBy, StatsFilter};
use super::listing::{self, PageArgs};
use super::service;
use super::stats;
use super::types::{Order, OrderStats, OrderStatusInfo};
use super::workflow::OrderStatus;
use crate::auth::policy::Policy;
use crate::error::AppError;
use crate::graphql::context::{policy, require_principal, state};
use crate::ids::{self, NodeKind};

/// FORBIDDEN for a tag filter from a caller who may not see tags: the
/// answer would tell them which tags their orders have.
fn refuse_tag_filter(
    policy: Policy,
    any: &Option<Vec<String>>,
    all: &Option<Vec<String>>,
) -> Result<(), AppError> {
    if (any.is_some() || all.is_some()) && !policy.sees_tags() {
        return Err(AppError::Forbidden(
            "Customers cannot filter by tags".into(),
        ));
    }
    Ok(())
}

/// The condition and sort of saved view `id` (`orders(view:)`), for staff
/// and admins who see it.
async fn saved_view(
    ctx: &Context<'_>,
    policy: Policy,
    id: &ID,
) -> Result<(sea_orm::Condition, Vec<OrderOrderBy>), AppError> {
    if !policy.sees_saved_views() {
        return Err(AppError::Forbidden("Only staff may use saved views".into()));
    }
    let id = ids::parse(id, NodeKind::SavedView, "view")?;
    let principal = require_principal(ctx)?;
    let (filter, sort) =
        crate::views::service::for_listing(&state(ctx)?.db, principal, id, "view").await?;
    // Checked when saved; a view that no longer passes (an id it names was
    // since refused, say) says so under `view`.
    let condition = listing::condition(&filter).map_err(|e| match e {
        AppError::BadUserInput { fields, .. } => AppError::invalid_field(
            "view",
            format!(
                "the saved view's filter no longer passes: {}; update the view",
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.path, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        other => other,
    })?;
    Ok((condition, sort))
}

/// Order queries.
#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// Every order status with its label, whether it is active or terminal, and
    /// the statuses that may follow it. Open to everyone, including anonymous
    /// callers.
    async fn order_statuses(&self) -> Vec<OrderStatusInfo> {
        OrderStatus::ALL.into_iter().map(OrderStatusInfo).collect()
    }

    /// An order by id; null when there is none. Customers see only their own
    /// orders (another customer's order is null, exactly like a missing one).
    async fn order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        id: ID,
    ) -> Result<Option<Order>, AppError> {
        let policy = policy(ctx)?;
        let id = ids::parse(&id, NodeKind::Order, "id")?;
        let found = service::get(&state(ctx)?.db, id).await?;
        Ok(found.filter(|o| policy.sees_order(o)).map(Order))
    }

    /// An order by its source platform's key; null when there is none (or
    /// when it is another customer's).
    async fn order_by_external_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The platform the order came from (\"shopify\").")] source: String,
        #[graphql(desc = "The platform's id of the order.")] external_id: String,
    ) -> Result<Option<Order>, AppError> {
        let policy = policy(ctx)?;
        let found = service::get_by_external_id(&state(ctx)?.db, &source, &external_id).await?;
        Ok(found.filter(|o| policy.sees_order(o)).map(Order))
    }

    /// Orders matching `filter`, sorted by `orderBy` (default: newest
    /// `submittedAt` first; the id always breaks ties). Page with cursors
    /// (`first`/`after` forward, `last`/`before` backward) or page numbers
    /// (`page`/`perPage`), never both. Pages hold 20 orders unless asked,
    /// at most 100.
    #[expect(clippy::too_many_arguments, reason = "the contract's arguments")]
    #[graphql(
        complexity = "crate::graphql::cost::page(&[first, last, per_page], child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which orders; absent: all the caller may see.")] filter: Option<
            OrderFilter,
        >,
        #[graphql(
            desc = "Sort keys, most significant first; the id always breaks ties. Absent: newest `submittedAt` first."
        )]
        order_by: Option<Vec<OrderOrderBy>>,
        #[graphql(
            desc = "Forward paging: how many orders after `after` (1 or more; at most 100 are returned)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: the `cursor` (or `endCursor`) to continue after.")]
        after: Option<String>,
        #[graphql(
            desc = "Backward paging: how many orders before `before` (1 or more; at most 100 are returned)."
        )]
        last: Option<i32>,
        #[graphql(desc = "Backward paging: the `cursor` (or `startCursor`) to continue before.")]
        before: Option<String>,
        #[graphql(desc = "Page numbers (seeds 000 and 002): the page, from 1. Not with cursors.")]
        page: Option<i32>,
        #[graphql(
            desc = "Page numbers: orders per page, default 20, at most 100. Not with cursors."
        )]
        per_page: Option<i32>,
        #[graphql(
            desc = "A saved view (its id) to list: its filter and sort apply. `filter` given too narrows it further (both must match); `orderBy` given too replaces its sort. Staff and admins only."
        )]
        view: Option<ID>,
    ) -> Result<OrderConnection, AppError> {
        let policy = policy(ctx)?;
        let filter = filter.unwrap_or_default();
        let viewed = view.is_some();
        let (view_condition, view_sort) = match view {
            Some(view) => {
                let (condition, sort) = saved_view(ctx, policy, &view).await?;
                (Some(condition), Some(sort))
            }
            None => (None, None),
        };
        let order_by = order_by.or(view_sort).unwrap_or_default();
        if filter.admin_field.is_some() && !policy.sees_admin_fields() {
            return Err(AppError::Forbidden(
                "Only staff may filter by admin fields".into(),
            ));
        }
        refuse_tag_filter(policy, &filter.tags_any, &filter.tags_all)?;
        let mut condition = listing::condition(&filter)?.add(policy.orders());
        if let Some(view) = view_condition {
            condition = condition.add(view);
        }
        let args = PageArgs {
            first,
            after,
            last,
            before,
            page,
            per_page,
        };
        let look = ctx.look_ahead();
        let (edges, nodes) = (look.field("edges").field("node"), look.field("nodes"));
        let wants = |field: &str| edges.field(field).exists() || nodes.field(field).exists();
        let include = listing::Include {
            total_count: look.field("totalCount").exists(),
            all_orders: filter.is_everything() && policy.sees_every_order() && !viewed,
            customer: wants("customer"),
            shipping_address: wants("shippingAddress"),
            billing_address: wants("billingAddress"),
        };
        let page = listing::list(&state(ctx)?.db, condition, &order_by, args, include).await?;
        Ok(OrderConnection(page))
    }

    /// Counts and revenue over the orders `filter` selects (seed 002's stats).
    /// Test orders are left out unless `test: true`; revenue leaves out
    /// CANCELLED and REFUNDED orders and is per currency.
    async fn order_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which orders; absent: all the caller may see, test orders left out.")]
        filter: Option<StatsFilter>,
    ) -> Result<OrderStats, AppError> {
        let policy = policy(ctx)?;
        let filter = filter.unwrap_or_default();
        refuse_tag_filter(policy, &filter.tags_any, &filter.tags_all)?;
        Ok(OrderStats(
            stats::stats(&state(ctx)?.db, filter, policy.orders()).await?,
        ))
    }
}
