//! `delivery_attempts`: every try of a delivery, with what the other side said.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub worker: String,
    pub started_at: DateTimeUtc,
    pub duration_ms: i64,
    pub success: bool,
    pub status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// The first bytes of the answer.
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
