//! The kinds of order events. Pure: no I/O.

use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

// Stored by its GraphQL name (a string column), read back through sea-orm's
// active enum: an unknown stored value is one typed error, when the row is read.
/// What happened to an order.
#[derive(
    async_graphql::Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderEventKind {
    /// The order was placed or created by an upsert.
    #[sea_orm(string_value = "CREATED")]
    Created,
    /// Fields or lines changed through an upsert.
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    /// The order arrived through `importOrders`.
    #[sea_orm(string_value = "IMPORTED")]
    Imported,
    /// The status changed.
    #[sea_orm(string_value = "STATUS_CHANGED")]
    StatusChanged,
    /// Tracking code, URL or shipping option changed.
    #[sea_orm(string_value = "TRACKING_UPDATED")]
    TrackingUpdated,
    /// The integration reference changed.
    #[sea_orm(string_value = "INTEGRATION_REF_UPDATED")]
    IntegrationRefUpdated,
    /// The metadata changed.
    #[sea_orm(string_value = "METADATA_UPDATED")]
    MetadataUpdated,
    /// Admin fields were set or removed.
    #[sea_orm(string_value = "ADMIN_FIELDS_UPDATED")]
    AdminFieldsUpdated,
    /// A line was added.
    #[sea_orm(string_value = "LINE_ADDED")]
    LineAdded,
    /// A line's quantity, price or note changed.
    #[sea_orm(string_value = "LINE_CHANGED")]
    LineChanged,
    /// A line was removed.
    #[sea_orm(string_value = "LINE_REMOVED")]
    LineRemoved,
    /// A message was added.
    #[sea_orm(string_value = "MESSAGE_ADDED")]
    MessageAdded,
    /// A fulfillment (shipment) was recorded; `data.fulfillment` holds it.
    #[sea_orm(string_value = "FULFILLMENT_CREATED")]
    FulfillmentCreated,
    /// A fulfillment's tracking, carrier or state (shipped, delivered)
    /// changed; `data.changes` says what, `data.fulfillment` holds it now.
    #[sea_orm(string_value = "FULFILLMENT_UPDATED")]
    FulfillmentUpdated,
    /// A fulfillment was cancelled and its quantities count as unfulfilled
    /// again; `data.fulfillment` holds it.
    #[sea_orm(string_value = "FULFILLMENT_CANCELLED")]
    FulfillmentCancelled,
    /// A payment transaction (authorization, capture, void, or a failed
    /// attempt) was recorded; `data` has it and the order's figures after it.
    #[sea_orm(string_value = "TRANSACTION_RECORDED")]
    TransactionRecorded,
    /// Money was refunded; `data` has the refund, its lines and the order's
    /// figures after it.
    #[sea_orm(string_value = "REFUND_CREATED")]
    RefundCreated,
    /// `updateOrder` changed the order's addresses, contact e-mail or name,
    /// notes or metadata; `data` holds `{field: {before, after}}` of exactly
    /// the fields that changed.
    #[sea_orm(string_value = "DETAILS_UPDATED")]
    DetailsUpdated,
    /// The staff notes changed (`updateOrder`); `data` holds their before
    /// and after. Staff data: only staff and admins see these events.
    #[sea_orm(string_value = "STAFF_NOTES_UPDATED")]
    StaffNotesUpdated,
    /// Tags were added or removed; `data` holds `added`, `removed` and the
    /// tags before and after. Customers do not see these events.
    #[sea_orm(string_value = "TAGS_UPDATED")]
    TagsUpdated,
}

impl OrderEventKind {
    /// The stored name (SCREAMING_CASE, as in GraphQL).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderEventKind::Created => "CREATED",
            OrderEventKind::Updated => "UPDATED",
            OrderEventKind::Imported => "IMPORTED",
            OrderEventKind::StatusChanged => "STATUS_CHANGED",
            OrderEventKind::TrackingUpdated => "TRACKING_UPDATED",
            OrderEventKind::IntegrationRefUpdated => "INTEGRATION_REF_UPDATED",
            OrderEventKind::MetadataUpdated => "METADATA_UPDATED",
            OrderEventKind::AdminFieldsUpdated => "ADMIN_FIELDS_UPDATED",
            OrderEventKind::LineAdded => "LINE_ADDED",
            OrderEventKind::LineChanged => "LINE_CHANGED",
            OrderEventKind::LineRemoved => "LINE_REMOVED",
            OrderEventKind::MessageAdded => "MESSAGE_ADDED",
            OrderEventKind::FulfillmentCreated => "FULFILLMENT_CREATED",
            OrderEventKind::FulfillmentUpdated => "FULFILLMENT_UPDATED",
            OrderEventKind::FulfillmentCancelled => "FULFILLMENT_CANCELLED",
            OrderEventKind::TransactionRecorded => "TRANSACTION_RECORDED",
            OrderEventKind::RefundCreated => "REFUND_CREATED",
            OrderEventKind::DetailsUpdated => "DETAILS_UPDATED",
            OrderEventKind::StaffNotesUpdated => "STAFF_NOTES_UPDATED",
            OrderEventKind::TagsUpdated => "TAGS_UPDATED",
        }
    }

    /// Every kind.
    pub const ALL: [OrderEventKind; 20] = [
        OrderEventKind::Created,
        OrderEventKind::Updated,
        OrderEventKind::Imported,
        OrderEventKind::StatusChanged,
        OrderEventKind::TrackingUpdated,
        OrderEventKind::IntegrationRefUpdated,
        OrderEventKind::MetadataUpdated,
        OrderEventKind::AdminFieldsUpdated,
        OrderEventKind::LineAdded,
        OrderEventKind::LineChanged,
        OrderEventKind::LineRemoved,
        OrderEventKind::MessageAdded,
        OrderEventKind::FulfillmentCreated,
        OrderEventKind::FulfillmentUpdated,
        OrderEventKind::FulfillmentCancelled,
        OrderEventKind::TransactionRecorded,
        OrderEventKind::RefundCreated,
        OrderEventKind::DetailsUpdated,
        OrderEventKind::StaffNotesUpdated,
        OrderEventKind::TagsUpdated,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn the_stored_value_is_the_graphql_name() {
        assert_eq!(OrderEventKind::iter().count(), OrderEventKind::ALL.len());
        for kind in OrderEventKind::ALL {
            assert_eq!(kind.to_value(), kind.as_str());
        }
    }
}
