//! `saved_views`: a named `orders` filter and sort, owned by a credential's
//! subject and optionally shared with all staff. `filter` and `order_by` hold
//! the GraphQL inputs (`OrderFilter`, `[OrderOrderBy!]`) as JSON.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_views")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// The subject (`sub`, or the API key's name) of the credential that made it.
    pub owner: String,
    pub shared: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub filter: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub order_by: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
