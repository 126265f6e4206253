//! GraphQL types of the customer domain.

use async_graphql::{Context, ID, Object};

use sea_orm::ColumnTrait;
use sea_orm::sea_query::IntoCondition;

use super::loaders::{AddressesOfCustomer, TotalsOfCustomer};
use crate::entities::{addressbook, customer, order};
use crate::error::AppError;
use crate::graphql::context::{policy, state};
use crate::graphql::loader::loader;
use crate::ids::{NodeKind, global_id};
use crate::orders::connection::OrderConnection;
use crate::orders::listing::{self, PageArgs};
use crate::orders::types::CurrencyAmount;
use crate::scalars::BigInt;

/// A buyer. Orders may belong to one.
pub struct Customer(pub customer::Model);

/// A buyer, known by external id or e-mail. Orders may belong to one; customers
/// who sign in see only their own data.
#[Object]
impl Customer {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever a customer id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Customer, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }

    /// The id in the system the customer comes from (unique when set).
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// E-mail address, lower-cased (unique when set).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Full name.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// Company, for B2B customers.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }

    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The wholesaler's own code for the customer (seed 003's
    /// `customer_reference_code`); null when none was set.
    async fn reference_code(&self) -> Option<&str> {
        self.0.reference_code.as_deref()
    }

    /// The customer's saved addresses, oldest first; empty when none.
    #[graphql(complexity = "crate::graphql::cost::nested(child_complexity)")]
    async fn addressbooks(&self, ctx: &Context<'_>) -> Result<Vec<Address>, AppError> {
        let rows = loader(ctx)?
            .load_one(AddressesOfCustomer(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Address).collect())
    }

    /// The customer's orders, newest first; cursor-paged like `Query.orders`.
    #[graphql(complexity = "crate::graphql::cost::page(&[first], child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many orders (1 or more; at most 100 are returned); default 20.")]
        first: Option<i32>,
        #[graphql(desc = "The `cursor` (or `endCursor`) to continue after.")] after: Option<String>,
    ) -> Result<OrderConnection, AppError> {
        let condition = order::Column::CustomerId
            .eq(self.0.id)
            .into_condition()
            .add(policy(ctx)?.orders());
        let args = PageArgs {
            first,
            after,
            ..Default::default()
        };
        Ok(OrderConnection(
            listing::list(&state(ctx)?.db, condition, &[], args, Default::default()).await?,
        ))
    }

    /// How many orders the customer has, in every status, leaving out test
    /// orders (as `orderStats` does).
    async fn order_count(&self, ctx: &Context<'_>) -> Result<i32, AppError> {
        let totals = loader(ctx)?.load_one(TotalsOfCustomer(self.0.id)).await?;
        Ok(totals.map_or(0, |t| i32::try_from(t.order_count).unwrap_or(i32::MAX)))
    }

    /// Σ gross totals of the customer's orders per currency (never summed
    /// across currencies), leaving out test orders and CANCELLED and REFUNDED
    /// ones, as `orderStats.revenue` does; by currency code, and empty when no
    /// order counts.
    async fn total_spent(&self, ctx: &Context<'_>) -> Result<Vec<CurrencyAmount>, AppError> {
        let totals = loader(ctx)?.load_one(TotalsOfCustomer(self.0.id)).await?;
        Ok(totals
            .map(|t| t.spent)
            .unwrap_or_default()
            .into_iter()
            .map(|(currency, amount)| CurrencyAmount { currency, amount })
            .collect())
    }

    /// When `deleteCustomer` archived the customer (it has orders, so it was
    /// kept); null while active. Archived customers are left out of
    /// `customers` unless asked for and place no new orders; their orders stay
    /// readable.
    async fn archived_at(&self) -> Option<crate::scalars::DateTime> {
        self.0.archived_at.map(Into::into)
    }

    /// When the customer was first seen.
    async fn created_at(&self) -> crate::scalars::DateTime {
        self.0.created_at.into()
    }
}

/// The result of `deleteCustomer`.
pub struct DeleteCustomerPayload {
    /// The customer's id.
    pub customer_id: i64,
    /// The customer as archived; `None` when deleted.
    pub archived: Option<customer::Model>,
}

/// What `deleteCustomer` did: deleted the customer (it had no orders), or
/// archived it (it has orders, which keep their customer).
#[Object]
impl DeleteCustomerPayload {
    /// The customer's id (gone when `deleted`).
    async fn customer_id(&self) -> ID {
        global_id(NodeKind::Customer, self.customer_id)
    }
    /// True when the customer and its addressbook are gone; false when it
    /// was archived instead.
    async fn deleted(&self) -> bool {
        self.archived.is_none()
    }
    /// The archived customer (with `archivedAt`); null when deleted.
    async fn customer(&self) -> Option<Customer> {
        self.archived.clone().map(Customer)
    }
}

/// A postal address: an order's shipping or billing address, a line's delivery
/// address (seed 003), or one of a customer's saved addresses.
pub struct Address(pub addressbook::Model);

/// A postal address: an order's shipping or billing address, a line's own
/// delivery address (seed 003), or one of a customer's saved addresses.
#[Object]
impl Address {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// as `AddressInput.id` to reuse the address.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Address, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// Name of the addressee (or a label for the address).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// First name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Last name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// Company name.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }
    /// Street and house number.
    async fn address1(&self) -> Option<&str> {
        self.0.address1.as_deref()
    }
    /// Apartment, suite, floor.
    async fn address2(&self) -> Option<&str> {
        self.0.address2.as_deref()
    }
    /// Postal code.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// City.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Province or state.
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    /// Country, as ISO 3166-1 alpha-2 code (upper case).
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// E-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Delivery instructions ("Call before arriving").
    async fn comments(&self) -> Option<&str> {
        self.0.comments.as_deref()
    }
}
