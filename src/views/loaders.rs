//! Batched loads of saved views.

use crate::entities::saved_view;
use crate::graphql::loader::ById;

/// A saved view by id.
pub type SavedViewId = ById<saved_view::Entity>;
