//! Who is calling, once credentials are read: [`Principal`] (authenticated)
//! inside a [`Caller`] (or not). Pure: what they may see is the policy's
//! business (`auth::policy`).

use super::role::Role;
use crate::error::{AppError, AppResult};

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

impl Principal {
    /// The caller's name as an order source: an API key's name (its subject
    /// without the `api-key:` mark), else the token's subject. Seed 004's
    /// imports are keyed by it.
    pub fn source_name(&self) -> &str {
        self.subject
            .strip_prefix(super::keys::API_KEY_SUBJECT)
            .unwrap_or(&self.subject)
    }

    /// FORBIDDEN unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "The {} role may not do this",
                self.role.as_str()
            )))
        }
    }
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
    /// The credentials could not be checked (the database is unreachable or
    /// too slow), or this credential is throttled after too many failures:
    /// the error says which, and whether a retry may help.
    Failed(AppError),
}

impl Caller {
    /// The principal, or UNAUTHENTICATED.
    pub fn principal(&self) -> AppResult<&Principal> {
        match self {
            Caller::Authenticated(p) => Ok(p),
            Caller::Anonymous | Caller::Rejected => Err(AppError::Unauthenticated),
            Caller::Failed(err) => Err(err.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_keys_source_is_its_name_and_a_tokens_its_subject() {
        let of = |subject: &str| Principal {
            role: Role::Integration,
            subject: subject.into(),
            customer_id: None,
        };
        assert_eq!(of("api-key:webshop").source_name(), "webshop");
        assert_eq!(of("zapier").source_name(), "zapier");
    }
}
