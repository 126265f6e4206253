//! Who is calling: credentials from a request (HTTP headers or the WebSocket
//! `connection_init` payload) become a [`Caller`]. Roles and the checks built on
//! them live here too.

pub mod jwt;
pub mod keys;
pub mod mutations;
pub mod policy;
pub mod principal;
pub mod queries;
pub mod role;
pub mod throttle;
pub mod types;

pub use principal::{Caller, Principal};
pub use role::{ANY_ROLE, ORDER_WORKERS, Role, STAFF};

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;
use base64::Engine;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use jwt::JwtKeys;

/// Turns credentials into a [`Caller`]. Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    jwt: Arc<JwtKeys>,
    db: Db,
    throttle: Option<Arc<throttle::FailureThrottle>>,
}

impl Authenticator {
    /// An authenticator for tokens signed with `jwt` and the keys and customer
    /// tokens stored in `db`.
    pub fn new(jwt: Arc<JwtKeys>, db: Db) -> Self {
        Authenticator {
            jwt,
            db,
            throttle: None,
        }
    }

    /// The same, throttling repeated failures (see [`throttle`]).
    pub fn with_throttle(mut self, throttle: Option<throttle::FailureThrottle>) -> Self {
        self.throttle = throttle.map(Arc::new);
        self
    }

    /// The token keys (the CLI and dev mode sign with them).
    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    /// Reads `Authorization` (Bearer JWT, Bearer API key, or Basic customer
    /// e-mail + token) or else `X-API-Key`.
    pub async fn from_headers(&self, headers: &HeaderMap, client: IpAddr) -> Caller {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        self.resolve(header("authorization"), header("x-api-key"), client)
            .await
    }

    /// As [`from_headers`](Self::from_headers), with an API key that came in
    /// the request body (seed 004's `api_key` form field). It is taken as an
    /// `X-API-Key` value, so it is verified, and its failures throttled,
    /// exactly as the header is; credentials in the headers win over it.
    pub async fn from_headers_or_form_key(
        &self,
        headers: &HeaderMap,
        form_key: Option<&str>,
        client: IpAddr,
    ) -> Caller {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let api_key = header("x-api-key")
            .filter(|v| !v.trim().is_empty())
            .or(form_key);
        self.resolve(header("authorization"), api_key, client).await
    }

    /// Reads the credentials of a WebSocket `connection_init` payload: the
    /// same values as the headers (a browser cannot set headers on a
    /// WebSocket), as `Authorization` and `X-API-Key` members, any case.
    pub async fn from_connection_init(
        &self,
        payload: &serde_json::Value,
        client: IpAddr,
    ) -> Caller {
        fn find<'v>(object: &'v serde_json::Value, name: &str) -> Option<&'v serde_json::Value> {
            object.as_object().and_then(|members| {
                members
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, value)| value)
            })
        }
        // Flat (`{Authorization: ...}`) or nested as Hasura and Apollo's docs
        // show it (`{headers: {Authorization: ...}}`); the flat form wins.
        let headers = find(payload, "headers").cloned().unwrap_or_default();
        let member = |name: &str| {
            find(payload, name)
                .or_else(|| find(&headers, name))
                .and_then(|value| value.as_str())
                .map(str::to_owned)
        };
        let (authorization, api_key) = (member("authorization"), member("x-api-key"));
        self.resolve(authorization.as_deref(), api_key.as_deref(), client)
            .await
    }

    /// `client` is the peer address: failures are throttled per credential
    /// and address.
    async fn resolve(
        &self,
        authorization: Option<&str>,
        api_key: Option<&str>,
        client: IpAddr,
    ) -> Caller {
        let authorization = authorization.map(str::trim).filter(|v| !v.is_empty());
        let api_key = api_key.map(str::trim).filter(|v| !v.is_empty());
        let guessable = guessable_credential(authorization, api_key);
        if let (Some(throttle), Some(credential)) = (&self.throttle, &guessable)
            && let Err(err) = throttle.check(credential, client)
        {
            return Caller::Failed(err);
        }
        let outcome = match (authorization, api_key) {
            (None, None) => return Caller::Anonymous,
            (Some(value), _) => self.authorization(value).await,
            (None, Some(key)) => keys::verify_api_key(&self.db, key).await,
        };
        match outcome {
            Ok(Some(principal)) => Caller::Authenticated(principal),
            Ok(None) => {
                if let (Some(throttle), Some(credential)) = (&self.throttle, &guessable) {
                    throttle.fail(credential, client);
                }
                Caller::Rejected
            }
            // The database could not answer: say so (retryable) rather than
            // tell a valid client its credentials are wrong.
            Err(err @ (AppError::Unavailable | AppError::Timeout(_))) => Caller::Failed(err),
            Err(err) => {
                // Any other failure is not the caller's fault either, but
                // failing closed is the only safe answer; it is logged here.
                if let AppError::Internal(cause) = &err {
                    tracing::error!(error = %cause, "credential lookup failed");
                }
                Caller::Rejected
            }
        }
    }

    async fn authorization(&self, value: &str) -> AppResult<Option<Principal>> {
        let Some((scheme, credentials)) = value.split_once(' ') else {
            return Ok(None);
        };
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            // Keys and JWTs differ in shape: a key has our prefix, a JWT is
            // three base64url parts.
            if keys::is_api_key(credentials) {
                return keys::verify_api_key(&self.db, credentials).await;
            }
            return Ok(match self.jwt.verify(credentials) {
                Ok(principal) => Some(principal),
                Err(reason) => {
                    tracing::debug!(%reason, "bearer token rejected");
                    None
                }
            });
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let Some(decoded) = base64::engine::general_purpose::STANDARD
                .decode(credentials)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
            else {
                return Ok(None);
            };
            let Some((email, token)) = decoded.split_once(':') else {
                return Ok(None);
            };
            return keys::verify_customer_token(&self.db, email, token).await;
        }
        Ok(None)
    }
}

/// The public part of a credential whose secret could be guessed by trying
/// (an API key's id, a customer's e-mail), as the throttle keys it. JWTs are
/// not: their signature cannot be brute-forced online.
fn guessable_credential(authorization: Option<&str>, api_key: Option<&str>) -> Option<String> {
    let key_id =
        |key: &str| keys::split(key, keys::API_KEY_PREFIX).map(|(id, _)| format!("key:{id}"));
    match (authorization, api_key) {
        (None, Some(key)) => key_id(key),
        (Some(value), _) => {
            let (scheme, credentials) = value.split_once(' ')?;
            let credentials = credentials.trim();
            if scheme.eq_ignore_ascii_case("bearer") {
                return key_id(credentials);
            }
            if !scheme.eq_ignore_ascii_case("basic") {
                return None;
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())?;
            let (email, _) = decoded.split_once(':')?;
            Some(format!("basic:{}", email.trim().to_lowercase()))
        }
        (None, None) => None,
    }
}
