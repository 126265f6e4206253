//! `fulfillments`: one shipment of an order (partial or whole) with its state,
//! carrier, tracking codes and the time of each step.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fulfillments::rules::FulfillmentState;

/// One tracking code of a shipment, with the carrier's page for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingCode {
    pub code: String,
    pub url: Option<String>,
}

/// A shipment's tracking codes in the order given, stored as a JSON array.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct TrackingCodes(pub Vec<TrackingCode>);

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "fulfillments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub status: FulfillmentState,
    /// The carrier or shipping option ("PostNL", "DHL Express").
    pub carrier: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub tracking: TrackingCodes,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub shipped_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
