//! Bearer JWTs: HS256 only (the algorithm is pinned, so `alg: none` or an RS/HS
//! confusion is refused), `exp` required, a small leeway for clock skew, and
//! `iss`/`aud` checked when configured.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::principal::Principal;
use super::role::Role;
use crate::ids::{self, NodeKind};

/// Allowed clock skew between the token's issuer and this server.
const LEEWAY_SECONDS: u64 = 30;

/// Why a token was refused. Only logged: clients always get UNAUTHENTICATED.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, expired, malformed, wrong algorithm, issuer or audience.
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// A customer token without a usable `customer_id`.
    #[error("a customer token needs a numeric customer_id")]
    MissingCustomer,
}

/// The claims ordergraph reads and writes.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_id: Option<IdClaim>,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// A customer id claim: a number, or a string holding the database id or the
/// customer's global id.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum IdClaim {
    Number(i64),
    Text(String),
}

/// Signs and verifies tokens with one HS256 secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
}

impl JwtKeys {
    /// Keys for `secret`, checking `iss`/`aud` when they are given.
    pub fn new(secret: &str, issuer: Option<String>, audience: Option<String>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        // A token that is not valid yet is refused like an expired one
        // (jsonwebtoken leaves `nbf` unchecked unless asked).
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(iss) = &issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            issuer,
            audience,
        }
    }

    /// A token for `principal`, valid for `ttl`.
    pub fn sign(&self, principal: &Principal, ttl: Duration) -> Result<String, TokenError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: principal.subject.clone(),
            role: principal.role,
            customer_id: principal
                .customer_id
                .map(|id| IdClaim::Text(id.to_string())),
            exp: now.saturating_add(ttl.as_secs()),
            iat: Some(now),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The principal a valid token names.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        let customer_id = match claims.customer_id {
            Some(IdClaim::Number(id)) => Some(id),
            // A customer's global id (what GraphQL shows) or its database id.
            Some(IdClaim::Text(text)) => Some(
                ids::database_id(&text, NodeKind::Customer)
                    .map_err(|_| TokenError::MissingCustomer)?,
            ),
            None => None,
        };
        if claims.role == Role::Customer && customer_id.is_none() {
            return Err(TokenError::MissingCustomer);
        }
        Ok(Principal {
            role: claims.role,
            subject: claims.sub,
            customer_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> JwtKeys {
        JwtKeys::new("test-secret-test-secret", None, None)
    }

    fn admin() -> Principal {
        Principal {
            role: Role::Admin,
            subject: "alice".into(),
            customer_id: None,
        }
    }

    fn unsigned(header: &str, claims: serde_json::Value) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn a_signed_token_verifies_to_its_principal() {
        let token = keys().sign(&admin(), Duration::from_secs(60)).unwrap();
        assert_eq!(keys().verify(&token).unwrap(), admin());
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = JwtKeys::new("another-secret-entirely", None, None);
        let token = other.sign(&admin(), Duration::from_secs(60)).unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = serde_json::json!({"sub": "a", "role": "admin", "exp": now - 3600});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"test-secret-test-secret"),
        )
        .unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn alg_none_string_exp_and_missing_exp_are_refused() {
        let exp = jsonwebtoken::get_current_timestamp() + 3600;
        let none = unsigned(
            r#"{"alg":"none","typ":"JWT"}"#,
            serde_json::json!({"sub": "a", "role": "admin", "exp": exp}),
        );
        assert!(keys().verify(&none).is_err());
        for claims in [
            serde_json::json!({"sub": "a", "role": "admin", "exp": exp.to_string()}),
            serde_json::json!({"sub": "a", "role": "admin"}),
        ] {
            let token = jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"test-secret-test-secret"),
            )
            .unwrap();
            assert!(keys().verify(&token).is_err(), "{claims}");
        }
    }

    #[test]
    fn customer_tokens_need_a_customer_id() {
        let customer = Principal {
            role: Role::Customer,
            subject: "bob".into(),
            customer_id: Some(42),
        };
        let token = keys().sign(&customer, Duration::from_secs(60)).unwrap();
        assert_eq!(keys().verify(&token).unwrap().customer_id, Some(42));
        let global = crate::ids::global_id(NodeKind::Customer, 42).0;
        let claims = serde_json::json!({"sub": "b", "role": "customer", "customer_id": global,
            "exp": jsonwebtoken::get_current_timestamp() + 60});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"test-secret-test-secret"),
        )
        .unwrap();
        assert_eq!(keys().verify(&token).unwrap().customer_id, Some(42));

        let orphan = Principal {
            customer_id: None,
            ..customer
        };
        let token = keys().sign(&orphan, Duration::from_secs(60)).unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let strict = JwtKeys::new("s3cret-s3cret", Some("og".into()), Some("api".into()));
        let token = strict.sign(&admin(), Duration::from_secs(60)).unwrap();
        assert!(strict.verify(&token).is_ok());
        let loose = JwtKeys::new("s3cret-s3cret", None, None);
        let token = loose.sign(&admin(), Duration::from_secs(60)).unwrap();
        assert!(strict.verify(&token).is_err());
    }
}
