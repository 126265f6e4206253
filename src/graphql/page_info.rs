//! `PageInfo`: where a page of a Relay connection sits, shared by every
//! connection (orders, deliveries).

use async_graphql::SimpleObject;

/// Where a page sits in the whole list (Relay cursor connections).
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The first edge's cursor; null on an empty page.
    pub start_cursor: Option<String>,
    /// The last edge's cursor; null on an empty page.
    pub end_cursor: Option<String>,
}
