//! Batched loads of catalogue products.

use crate::entities::product;
use crate::graphql::loader::ById;

/// A product by id.
pub type ProductId = ById<product::Entity>;
