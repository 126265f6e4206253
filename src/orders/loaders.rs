//! Batched loads of orders by id.

use crate::entities::order;
use crate::graphql::loader::ById;

/// An order by id.
pub type OrderId = ById<order::Entity>;
