//! GraphQL type of admin fields.

use async_graphql::SimpleObject;

use crate::entities::order_admin_field;

/// One of staff's extra fields on an order.
#[derive(SimpleObject)]
pub struct AdminField {
    /// The field name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl From<order_admin_field::Model> for AdminField {
    fn from(row: order_admin_field::Model) -> Self {
        AdminField {
            name: row.name,
            value: row.value,
        }
    }
}
