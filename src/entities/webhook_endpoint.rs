//! `webhook_endpoints`: where webhooks go, for which event kinds, and whether
//! they still accept them. The secret is kept so it can sign (not hashed).

use sea_orm::entity::prelude::*;

use crate::deliveries::kinds::{EventKinds, Sources, Statuses};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub kinds: EventKinds,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub sources: Option<Sources>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub statuses: Option<Statuses>,
    pub active: bool,
    #[sea_orm(column_type = "Text")]
    pub secret: String,
    pub consecutive_failures: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
