//! `deliveries`: the outbox. One row per event and target (unique), written
//! in the transaction of the change that caused it; workers lease due rows,
//! send them, and record the outcome.

use sea_orm::entity::prelude::*;

use crate::deliveries::kinds::{DeliveryChannel, DeliveryState, Statuses, TemplateKind};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: Option<i64>,
    pub order_id: Option<i64>,
    pub channel: DeliveryChannel,
    pub target: String,
    pub endpoint_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub template: Option<TemplateKind>,
    pub recipient: Option<String>,
    pub state: DeliveryState,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub due_at: DateTimeUtc,
    pub attempts: i32,
    pub lease_until: Option<DateTimeUtc>,
    pub leased_by: Option<String>,
    /// What it is about, as of the event: the webhook body, or the e-mail's
    /// template context.
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub unless_statuses: Option<Statuses>,
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub text_body: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub html_body: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
