//! GraphQL inputs of saved views, and the JSON a view keeps its filter and
//! sort in: the GraphQL input shapes themselves, so what is stored is what
//! `orders(filter:, orderBy:)` takes, and is checked against those types
//! whenever it is read back.

use async_graphql::{InputObject, InputType, Value};
use serde_json::Value as Json;

use crate::orders::inputs::{OrderFilter, OrderOrderBy};

/// A saved view to create.
#[derive(InputObject, Clone, Debug)]
pub struct SavedViewInput {
    /// The name, 1 to 100 characters (trimmed); unique among the caller's
    /// own views.
    pub name: String,
    /// The filter, exactly as `orders(filter:)` takes it; absent: every
    /// order.
    pub filter: Option<OrderFilter>,
    /// The sort, most significant key first, as `orders(orderBy:)` takes it
    /// (at most 10 keys); absent or empty: the default (newest `submittedAt`
    /// first).
    pub order_by: Option<Vec<OrderOrderBy>>,
    /// Whether every staff member and admin sees and may use it (only its
    /// owner and admins change it). Default false: only its owner (and
    /// admins) see it.
    pub shared: Option<bool>,
}

/// Changes to a saved view; absent fields stay as they are.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateSavedViewInput {
    /// A new name, 1 to 100 characters; unique among the owner's views.
    pub name: Option<String>,
    /// A new filter, replacing the old one whole; `{}` for every order.
    pub filter: Option<OrderFilter>,
    /// A new sort, replacing the old one whole; `[]` for the default.
    pub order_by: Option<Vec<OrderOrderBy>>,
    /// Share it with all staff, or stop sharing it.
    pub shared: Option<bool>,
}

/// The JSON of an input value, with null members left out (absent and null
/// mean the same in these inputs).
pub fn to_json<T: InputType>(value: &T) -> Json {
    fn strip(json: Json) -> Json {
        match json {
            Json::Object(members) => Json::Object(
                members
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            Json::Array(items) => Json::Array(items.into_iter().map(strip).collect()),
            other => other,
        }
    }
    strip(value.to_value().into_json().unwrap_or(Json::Null))
}

/// The input value `json` holds, checked against its GraphQL type; the
/// problem in a sentence otherwise (a view saved before the type changed).
pub fn from_json<T: InputType>(json: &Json) -> Result<T, String> {
    let value = Value::from_json(json.clone()).map_err(|e| e.to_string())?;
    let parsed =
        T::parse(Some(value)).map_err(|e| e.into_server_error(Default::default()).message)?;
    // Parsing skips members the type does not have; a filter that silently
    // lost one would select more than it was saved to.
    let back = to_json(&parsed);
    if back != *json {
        let lost = match (json, &back) {
            (Json::Object(stored), Json::Object(read)) => stored
                .iter()
                .filter(|(key, value)| read.get(*key) != Some(*value))
                .map(|(key, _)| key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        return Err(format!(
            "{} does not read back as it was saved (changed or unknown: {lost})",
            T::type_name()
        ));
    }
    Ok(parsed)
}
