//! Who is calling: credentials from a request (HTTP headers or the WebSocket
//! `connection_init` payload) become a [`Caller`]. Roles and the checks built on
//! them live here too.

pub mod jwt;
pub mod queries;
pub mod types;

use std::sync::Arc;

use async_graphql::Enum;
use axum::http::HeaderMap;

use crate::error::{AppError, AppResult};
use jwt::JwtKeys;

/// What a caller may do (DESIGN.md "Access").
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including API key management.
    Admin,
    /// All order work, including admin fields and staff notes.
    Staff,
    /// Webshops and import jobs: place, upsert, import, read, status, tracking.
    Integration,
    /// A buyer: only their own orders.
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

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// What the caller may do.
    pub role: Role,
    /// Who it is: the token's `sub`.
    pub subject: String,
    /// For customers: the customer they act as.
    pub customer_id: Option<i64>,
}

/// The outcome of looking at a request's credentials.
#[derive(Clone, Debug)]
pub enum Caller {
    /// No credentials at all.
    Anonymous,
    /// Valid credentials.
    Authenticated(Principal),
    /// Credentials were given but are not valid. Kept apart from `Anonymous` only
    /// for logging: both get the same UNAUTHENTICATED answer.
    Rejected,
}

impl Caller {
    /// The principal, or UNAUTHENTICATED.
    pub fn principal(&self) -> AppResult<&Principal> {
        match self {
            Caller::Authenticated(p) => Ok(p),
            Caller::Anonymous | Caller::Rejected => Err(AppError::Unauthenticated),
        }
    }
}

/// Turns credentials into a [`Caller`]. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    jwt: Arc<JwtKeys>,
}

impl Authenticator {
    /// An authenticator that accepts tokens signed with `jwt`.
    pub fn new(jwt: Arc<JwtKeys>) -> Self {
        Authenticator { jwt }
    }

    /// The token keys (the CLI and dev mode sign with them).
    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    /// Reads the `Authorization` header.
    pub async fn from_headers(&self, headers: &HeaderMap) -> Caller {
        let authorization = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        self.from_authorization(authorization).await
    }

    /// Reads an `Authorization` value (`Bearer <jwt>`); `None` is anonymous.
    pub async fn from_authorization(&self, authorization: Option<&str>) -> Caller {
        let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
            return Caller::Anonymous;
        };
        let Some((scheme, credentials)) = value.split_once(' ') else {
            return Caller::Rejected;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Caller::Rejected;
        }
        match self.jwt.verify(credentials.trim()) {
            Ok(principal) => Caller::Authenticated(principal),
            Err(reason) => {
                tracing::debug!(%reason, "bearer token rejected");
                Caller::Rejected
            }
        }
    }

    /// Reads the credentials of a WebSocket `connection_init` payload: an
    /// `Authorization` (or `authorization`) member, as a browser client cannot
    /// set headers on a WebSocket.
    pub async fn from_connection_init(&self, payload: &serde_json::Value) -> Caller {
        let authorization = ["Authorization", "authorization"]
            .into_iter()
            .find_map(|key| payload.get(key).and_then(|v| v.as_str()));
        self.from_authorization(authorization).await
    }
}
