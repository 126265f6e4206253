//! `automation_rules`: when an event of some kinds happens (optionally only for
//! some sources or statuses), send a template and/or call a webhook, after an
//! optional delay, unless the order reached one of `unless_statuses` by then.

use sea_orm::entity::prelude::*;

use crate::deliveries::kinds::{EventKinds, Sources, Statuses, TemplateKind};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "automation_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub active: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub kinds: EventKinds,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub sources: Option<Sources>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub statuses: Option<Statuses>,
    pub template: Option<TemplateKind>,
    /// A fixed address; null: the order's customer.
    pub recipient: Option<String>,
    pub endpoint_id: Option<i64>,
    pub delay_seconds: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub unless_statuses: Statuses,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
