//! `trusted_documents`: GraphQL operations an admin registered (see
//! `graphql::trusted`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trusted_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex) of the exact text.
    #[sea_orm(unique)]
    pub hash: String,
    pub name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
