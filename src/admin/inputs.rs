//! GraphQL inputs of admin fields.

use async_graphql::InputObject;

/// An admin field to set; a null `value` removes the field.
#[derive(InputObject, Clone, Debug)]
pub struct AdminFieldInput {
    /// The field name.
    pub name: String,
    /// The value; null removes the field.
    pub value: Option<String>,
}
