//! sea-orm entities, one file per table. Plain data: no business logic here, and
//! nothing here is exposed to GraphQL directly (the domain `types.rs` wrap them).

pub mod addressbook;
pub mod api_key;
pub mod automation_rule;
pub mod customer;
pub mod delivery;
pub mod delivery_attempt;
pub mod email_template;
pub mod fulfillment;
pub mod fulfillment_line;
pub mod idempotency_key;
pub mod order;
pub mod order_admin_field;
pub mod order_event;
pub mod order_line;
pub mod order_message;
pub mod order_tag;
pub mod payment_transaction;
pub mod product;
pub mod refund;
pub mod refund_line;
pub mod saved_view;
pub mod setting;
pub mod trusted_document;
pub mod webhook_endpoint;

/// The column names of a joined table under a prefix (`sa_city`), built
/// once, found by the column's position. Decoding a joined row through
/// sea-orm's prefix argument formats `{prefix}{column}` for every column of
/// every row; the decoders that take these names look each one up as is.
pub struct PrefixedNames(Vec<String>);

impl PrefixedNames {
    /// The names of `C`'s columns with `prefix`.
    pub fn new<C>(prefix: &str) -> PrefixedNames
    where
        C: sea_orm::Iterable + sea_orm::IdenStatic,
    {
        PrefixedNames(
            C::iter()
                .map(|column| format!("{prefix}{}", column.as_str()))
                .collect(),
        )
    }

    /// The prefixed name of the column at `position` (`Column::X as usize`:
    /// the derived column enums list their columns in declaration order,
    /// as `iter` does).
    pub fn get(&self, position: usize) -> &str {
        self.0.get(position).map_or("", String::as_str)
    }
}

/// `column` of `row`, `None` when it is NULL, checked on the driver's row
/// first. sea-orm reads a NULL into an `Option` by formatting an error
/// message naming the column (`Debug` of its name) and discarding it: on
/// a page of 100 orders with their lines that was about a tenth of the
/// server's CPU, as most optional columns are NULL.
pub fn optional<T: sea_orm::TryGetable>(
    row: &sea_orm::QueryResult,
    column: &str,
) -> Result<Option<T>, sea_orm::DbErr> {
    use sea_orm::sqlx::{Row, ValueRef};
    let null = if let Some(row) = row.try_as_pg_row() {
        row.try_get_raw(column).is_ok_and(|value| value.is_null())
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get_raw(column).is_ok_and(|value| value.is_null())
    } else {
        false
    };
    if null {
        return Ok(None);
    }
    row.try_get("", column)
}

/// Decodes a model from a row whose columns carry the field names: the
/// fields in the first list as sea-orm reads them, those in the second
/// (all `Option`s) through [`optional`]. The struct literal makes the
/// compiler check that every field is named; a field marked optional that
/// is not an `Option` does not compile.
macro_rules! from_row {
    ($row:expr, $model:path { $($field:ident),* $(,)? } optional { $($opt:ident),* $(,)? }) => {{
        let row: &sea_orm::QueryResult = $row;
        $model {
            $($field: row.try_get("", stringify!($field))?,)*
            $($opt: $crate::entities::optional(row, stringify!($opt))?,)*
        }
    }};
}
pub(crate) use from_row;
