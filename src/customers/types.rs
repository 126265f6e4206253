//! GraphQL types of the customer domain.

use async_graphql::{Context, ID, InputObject, Object};

use super::loaders::AddressesOfCustomer;
use crate::entities::{addressbook, customer};
use crate::error::AppError;
use crate::graphql::loader::loader;

/// A buyer. Orders may belong to one.
pub struct Customer(pub customer::Model);

#[Object]
impl Customer {
    /// The database id.
    async fn id(&self) -> ID {
        ID::from(self.0.id)
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

    /// The customer's saved addresses, oldest first; empty when none.
    async fn addressbooks(&self, ctx: &Context<'_>) -> Result<Vec<Address>, AppError> {
        let rows = loader(ctx)?
            .load_one(AddressesOfCustomer(self.0.id))
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Address).collect())
    }

    /// The customer's orders, newest first; cursor-paged like `Query.orders`.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::orders::types::OrderConnection, AppError> {
        use crate::orders::listing;
        let condition = listing::condition(&listing::OrderFilter {
            customer_id: Some(ID::from(self.0.id)),
            ..Default::default()
        })?;
        let args = listing::PageArgs {
            first,
            after,
            ..Default::default()
        };
        let db = &crate::graphql::context::state(ctx)?.db;
        Ok(crate::orders::types::OrderConnection(
            listing::list(db, condition, &[], args).await?,
        ))
    }

    /// When the customer was first seen.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}

/// A postal address: an order's shipping or billing address, a line's delivery
/// address (seed 003), or one of a customer's saved addresses.
pub struct Address(pub addressbook::Model);

#[Object]
impl Address {
    /// The addressbook id; pass it as `AddressInput.id` to reuse the address.
    async fn id(&self) -> Option<ID> {
        Some(ID::from(self.0.id))
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

/// A customer to create or update. The key is `externalId` when given, else
/// `email`; at least one is required. Absent fields stay unchanged on update.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CustomerInput {
    /// The id in the system the customer comes from.
    pub external_id: Option<String>,
    /// E-mail address (stored lower-cased).
    pub email: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// An address: either `id` of an address of the same customer (the other fields
/// are then ignored), or the fields of a new one.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressInput {
    /// An existing address of the order's customer.
    pub id: Option<ID>,
    /// Name of the addressee.
    pub name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Street and house number.
    pub address1: Option<String>,
    /// Apartment, suite, floor.
    pub address2: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province or state.
    pub province: Option<String>,
    /// Country: ISO 3166-1 alpha-2 code ("NL", "US"), any case.
    pub country: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Delivery instructions.
    pub comments: Option<String>,
}
