//! Roles: what a caller may do. Pure: no I/O.

use async_graphql::Enum;
use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

/// What a caller may do.
// Stored (API keys) and written in tokens in lower case.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including API key management.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// All order work, including admin fields and staff notes.
    #[sea_orm(string_value = "staff")]
    Staff,
    /// Webshops and import jobs: place, upsert, import, read, status, tracking.
    #[sea_orm(string_value = "integration")]
    Integration,
    /// A buyer: only their own orders.
    #[sea_orm(string_value = "customer")]
    Customer,
}

impl Role {
    /// The lower-case name used in tokens and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Integration => "integration",
            Role::Customer => "customer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "integration" => Ok(Role::Integration),
            "customer" => Ok(Role::Customer),
            other => Err(format!(
                "unknown role \"{other}\" (expected admin, staff, integration or customer)"
            )),
        }
    }
}

/// Roles that do order work.
pub const ORDER_WORKERS: &[Role] = &[Role::Admin, Role::Staff, Role::Integration];
/// Admins and staff.
pub const STAFF: &[Role] = &[Role::Admin, Role::Staff];
/// Every role.
pub const ANY_ROLE: &[Role] = &[Role::Admin, Role::Staff, Role::Integration, Role::Customer];

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn the_stored_value_is_the_token_name() {
        for role in Role::iter() {
            assert_eq!(role.to_value(), role.as_str());
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }
}
