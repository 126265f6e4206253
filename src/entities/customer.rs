//! `customers`: the buyers orders belong to (seed 003's customers).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub external_id: Option<String>,
    /// Lower-cased on write, so lookups and the unique index ignore case.
    pub email: Option<String>,
    pub name: Option<String>,
    pub company_name: Option<String>,
    pub phone: Option<String>,
    /// The wholesaler's own code for the customer (seed 003's
    /// `customer_reference_code`).
    pub reference_code: Option<String>,
    pub api_token_id: Option<String>,
    pub api_token_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when `deleteCustomer` archived it (it has orders); null while
    /// active.
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
