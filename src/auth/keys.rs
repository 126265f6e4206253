//! API keys (integrations, seed 000) and customer API tokens (HTTP Basic,
//! seed 003). Both are `<prefix>_<id>_<secret>`: a recognisable prefix, a
//! public id part to look the credential up by, and 32 random bytes of secret.
//! Only a SHA-256 of the secret is stored (the secret is random and long, so a
//! slow password hash would add nothing), and it is compared in constant time.

use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::principal::Principal;
use super::role::Role;
use crate::db::{self, Db};
use crate::entities::{api_key, customer};
use crate::error::{AppError, AppResult, FieldError};

/// Prefix of API keys.
pub const API_KEY_PREFIX: &str = "ogk";
/// How an API key's principal names it: this, then the key's name.
pub const API_KEY_SUBJECT: &str = "api-key:";
/// Prefix of customer API tokens.
pub const CUSTOMER_TOKEN_PREFIX: &str = "ogt";

/// How stale `last_used_at` may get before a use writes it again: a write per
/// request would cost more than the information is worth.
const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// A freshly made credential: shown once, then only its hash is kept.
pub struct NewSecret {
    /// The whole credential to hand out.
    pub full: String,
    /// The public id part.
    pub id: String,
    /// Hex SHA-256 of the secret part.
    pub hash: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes a new credential with `prefix`.
pub fn generate(prefix: &str) -> NewSecret {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let (id, secret) = (hex::encode(id), hex::encode(secret));
    NewSecret {
        full: format!("{prefix}_{id}_{secret}"),
        hash: hash(&secret),
        id,
    }
}

/// The (id, secret) parts of a credential with `prefix`, if it has that shape.
pub fn split<'a>(credential: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = credential.strip_prefix(prefix)?.strip_prefix('_')?;
    let (id, secret) = rest.split_once('_')?;
    let hexish = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    (hexish(id) && hexish(secret)).then_some((id, secret))
}

fn same_hash(secret: &str, stored: &str) -> bool {
    hash(secret).as_bytes().ct_eq(stored.as_bytes()).into()
}

/// Whether `credential` looks like an API key (rather than a JWT).
pub fn is_api_key(credential: &str) -> bool {
    credential.starts_with(API_KEY_PREFIX) && credential[API_KEY_PREFIX.len()..].starts_with('_')
}

/// Creates an API key; returns the row and the key, which is never shown again.
pub async fn create_api_key(
    db: &Db,
    name: &str,
    role: Role,
) -> AppResult<(api_key::Model, String)> {
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::new("name", "must not be empty"));
    }
    if name.chars().count() > 255 {
        errors.push(FieldError::new("name", "must be at most 255 characters"));
    }
    if role == Role::Customer {
        errors.push(FieldError::new(
            "role",
            "API keys act for admins, staff or integrations; customers use issueCustomerApiToken",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let secret = generate(API_KEY_PREFIX);
    let row = api_key::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role),
        key_id: Set(secret.id.clone()),
        key_hash: Set(secret.hash.clone()),
        created_at: Set(db::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, secret.full))
}

/// An API key by id.
/// Every API key, newest first (revoked ones too: they are history).
pub async fn list_api_keys(db: &Db) -> AppResult<Vec<api_key::Model>> {
    use sea_orm::QueryOrder;
    Ok(api_key::Entity::find()
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?)
}

pub async fn get(db: &Db, id: i64) -> AppResult<Option<api_key::Model>> {
    Ok(api_key::Entity::find_by_id(id).one(db).await?)
}

/// Revokes an API key; false when there is no such active key.
pub async fn revoke_api_key(db: &Db, id: i64) -> AppResult<bool> {
    let Some(row) = api_key::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if row.revoked_at.is_some() {
        return Ok(false);
    }
    let mut active: api_key::ActiveModel = row.into();
    active.revoked_at = Set(Some(db::now()));
    active.update(db).await?;
    Ok(true)
}

/// The principal of a valid, unrevoked API key; `None` for anything else.
pub async fn verify_api_key(db: &Db, key: &str) -> AppResult<Option<Principal>> {
    let Some((id, secret)) = split(key, API_KEY_PREFIX) else {
        return Ok(None);
    };
    let Some(row) = api_key::Entity::find()
        .filter(api_key::Column::KeyId.eq(id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.revoked_at.is_some() || !same_hash(secret, &row.key_hash) {
        return Ok(None);
    }
    let role = row.role;
    let now = db::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
    {
        let subject = format!("{API_KEY_SUBJECT}{}", row.name);
        let mut active: api_key::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
        return Ok(Some(Principal {
            role,
            subject,
            customer_id: None,
        }));
    }
    Ok(Some(Principal {
        role,
        subject: format!("{API_KEY_SUBJECT}{}", row.name),
        customer_id: None,
    }))
}

/// Issues (or replaces) a customer's API token for HTTP Basic; shown once.
pub async fn issue_customer_token(db: &Db, customer_id: i64) -> AppResult<String> {
    let Some(row) = customer::Entity::find_by_id(customer_id).one(db).await? else {
        return Err(AppError::NotFound(format!(
            "No customer with id {customer_id}"
        )));
    };
    if row.email.is_none() {
        return Err(AppError::invalid_field(
            "customerId",
            "the customer has no e-mail address, which HTTP Basic uses as the user name",
        ));
    }
    let secret = generate(CUSTOMER_TOKEN_PREFIX);
    let mut active: customer::ActiveModel = row.into();
    active.api_token_id = Set(Some(secret.id));
    active.api_token_hash = Set(Some(secret.hash));
    active.updated_at = Set(db::now());
    active.update(db).await?;
    Ok(secret.full)
}

/// The customer principal of a valid e-mail + token pair; `None` otherwise.
pub async fn verify_customer_token(
    db: &Db,
    email: &str,
    token: &str,
) -> AppResult<Option<Principal>> {
    let Some((id, secret)) = split(token, CUSTOMER_TOKEN_PREFIX) else {
        return Ok(None);
    };
    let Some(email) = crate::validate::normalize_email(email) else {
        return Ok(None);
    };
    let Some(row) = customer::Entity::find()
        .filter(customer::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let (Some(stored_id), Some(stored_hash)) = (&row.api_token_id, &row.api_token_hash) else {
        return Ok(None);
    };
    let id_matches: bool = stored_id.as_bytes().ct_eq(id.as_bytes()).into();
    if !id_matches || !same_hash(secret, stored_hash) {
        return Ok(None);
    }
    Ok(Some(Principal {
        role: Role::Customer,
        subject: email,
        customer_id: Some(row.id),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_splits_back_and_its_hash_matches() {
        let key = generate(API_KEY_PREFIX);
        assert!(key.full.starts_with("ogk_"));
        assert!(is_api_key(&key.full));
        let (id, secret) = split(&key.full, API_KEY_PREFIX).unwrap();
        assert_eq!(id, key.id);
        assert!(same_hash(secret, &key.hash));
        assert!(
            !key.full.contains(&key.hash),
            "the stored hash is not the secret"
        );
    }

    #[test]
    fn altered_or_foreign_shapes_do_not_verify() {
        let key = generate(API_KEY_PREFIX);
        let (_, secret) = split(&key.full, API_KEY_PREFIX).unwrap();
        let mut altered = secret.to_owned();
        altered.replace_range(0..1, if secret.starts_with('0') { "1" } else { "0" });
        assert!(!same_hash(&altered, &key.hash));
        assert!(split("ogk_nothex_zz", API_KEY_PREFIX).is_none());
        assert!(split("eyJhbGciOi.x.y", API_KEY_PREFIX).is_none());
        assert!(!is_api_key("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
    }
}
