//! `addressbooks`: addresses, kept per customer when there is one (seed 003), and
//! referenced by orders (shipping, billing) and order lines.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "addressbooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: Option<i64>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comments: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The address in a joined row whose columns carry the prefix of
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
            customer_id: super::optional(row, name(Column::CustomerId))?,
            name: super::optional(row, name(Column::Name))?,
            first_name: super::optional(row, name(Column::FirstName))?,
            last_name: super::optional(row, name(Column::LastName))?,
            company_name: super::optional(row, name(Column::CompanyName))?,
            address1: super::optional(row, name(Column::Address1))?,
            address2: super::optional(row, name(Column::Address2))?,
            postal_code: super::optional(row, name(Column::PostalCode))?,
            city: super::optional(row, name(Column::City))?,
            province: super::optional(row, name(Column::Province))?,
            country: super::optional(row, name(Column::Country))?,
            phone: super::optional(row, name(Column::Phone))?,
            email: super::optional(row, name(Column::Email))?,
            comments: super::optional(row, name(Column::Comments))?,
            created_at: row.try_get("", name(Column::CreatedAt))?,
        }))
    }
}
