//! A page of customers as a Relay connection, with the prefetch that loads
//! the page's order figures in one statement.

use async_graphql::{Context, Object};

use super::listing::{self, ListPage, Listed};
use super::loaders::TotalsOfCustomer;
use super::types::Customer;
use crate::error::AppError;
use crate::graphql::context::state;
use crate::graphql::loader::loader;
use crate::graphql::page_info::PageInfo;

/// One customer in a list, with its cursor.
pub struct CustomerEdge(pub Listed);

/// One customer of a page, with the cursor to continue from it.
#[Object]
impl CustomerEdge {
    /// Opaque; pass as `after` (or `before`) to continue from here. Stays
    /// valid while customers are added.
    async fn cursor(&self) -> &str {
        &self.0.cursor
    }
    /// The customer.
    async fn node(&self) -> Customer {
        Customer(self.0.customer.clone())
    }
}

/// A page of customers.
pub struct CustomerConnection(pub ListPage);

/// A page of customers (a Relay connection): the customers as `edges` (with
/// cursors) or `nodes`, where the page sits (`pageInfo`), and how many match
/// in all.
#[Object]
impl CustomerConnection {
    /// The customers with their cursors.
    async fn edges(&self, ctx: &Context<'_>) -> Result<Vec<CustomerEdge>, AppError> {
        prefetch(ctx, &self.0.rows, ctx.look_ahead().field("node")).await?;
        Ok(self
            .0
            .rows
            .iter()
            .map(|l| {
                CustomerEdge(Listed {
                    cursor: l.cursor.clone(),
                    customer: l.customer.clone(),
                })
            })
            .collect())
    }
    /// The customers (the edges' nodes).
    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<Customer>, AppError> {
        prefetch(ctx, &self.0.rows, ctx.look_ahead()).await?;
        Ok(self
            .0
            .rows
            .iter()
            .map(|l| Customer(l.customer.clone()))
            .collect())
    }
    /// Where this page sits.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.0.has_next_page,
            has_previous_page: self.0.has_previous_page,
            start_cursor: self.0.rows.first().map(|l| l.cursor.clone()),
            end_cursor: self.0.rows.last().map(|l| l.cursor.clone()),
        }
    }
    /// How many customers match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32, AppError> {
        let n = listing::count(&state(ctx)?.db, self.0.condition.clone()).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Loads the order figures of every customer of the page with one
/// `load_many` (one statement) when `node` selects them, into the request's
/// loader cache, where each customer's fields find them.
async fn prefetch(
    ctx: &Context<'_>,
    rows: &[Listed],
    node: async_graphql::Lookahead<'_>,
) -> Result<(), AppError> {
    if rows.is_empty() || !(node.field("orderCount").exists() || node.field("totalSpent").exists())
    {
        return Ok(());
    }
    loader(ctx)?
        .load_many(rows.iter().map(|l| TotalsOfCustomer(l.customer.id)))
        .await?;
    Ok(())
}
