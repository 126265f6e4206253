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

impl Model {
    /// The customer in a joined row whose columns carry the prefix of
    /// `names`; `None` when the join found none.
    pub fn from_prefixed(
        row: &QueryResult,
        names: &super::PrefixedNames,
    ) -> Result<Option<Model>, DbErr> {
        let name = |column: Column| names.get(column as usize);
        if super::optional::<i64>(row, name(Column::Id))?.is_none() {
            return Ok(None);
        }
        Ok(Some(Model {
            id: row.try_get("", name(Column::Id))?,
            external_id: super::optional(row, name(Column::ExternalId))?,
            email: super::optional(row, name(Column::Email))?,
            name: super::optional(row, name(Column::Name))?,
            company_name: super::optional(row, name(Column::CompanyName))?,
            phone: super::optional(row, name(Column::Phone))?,
            reference_code: super::optional(row, name(Column::ReferenceCode))?,
            api_token_id: super::optional(row, name(Column::ApiTokenId))?,
            api_token_hash: super::optional(row, name(Column::ApiTokenHash))?,
            created_at: row.try_get("", name(Column::CreatedAt))?,
            updated_at: row.try_get("", name(Column::UpdatedAt))?,
            archived_at: super::optional(row, name(Column::ArchivedAt))?,
        }))
    }
}
