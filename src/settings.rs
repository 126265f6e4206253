//! Server settings kept in the database: today the dev-mode JWT secret, kept so
//! that tokens printed at one start still work after a restart.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};

use crate::config::Secret;
use crate::entities::setting;

const DEV_JWT_SECRET: &str = "dev_jwt_secret";

/// The dev-mode secret: the stored one, or a new random one stored now. Two
/// instances starting at once agree: the insert does nothing when a row exists,
/// and both then read the row that won.
pub async fn dev_jwt_secret(db: &DatabaseConnection) -> Result<Secret, DbErr> {
    if let Some(row) = setting::Entity::find_by_id(DEV_JWT_SECRET).one(db).await? {
        return Ok(Secret::new(row.value));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let candidate = setting::ActiveModel {
        key: Set(DEV_JWT_SECRET.to_owned()),
        value: Set(URL_SAFE_NO_PAD.encode(bytes)),
        updated_at: Set(crate::db::now()),
    };
    setting::Entity::insert(candidate)
        .on_conflict_do_nothing_on([setting::Column::Key])
        .exec(db)
        .await?;
    let row = setting::Entity::find_by_id(DEV_JWT_SECRET)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("dev JWT secret after insert".into()))?;
    Ok(Secret::new(row.value))
}
