//! Seed 004's import order and seed 001's create-order body as tables of
//! their fields: each field's name there, its path in `UpsertOrderInput` and
//! how its value converts. The tables map an order onto our names and map
//! error paths back, so a row's errors speak the file's language. Pure.

use serde_json::{Map, Value};

/// Which seed's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// Seed 004's import order (`id_order`, `order_date`, `products`).
    ImportOrder,
    /// Seed 001's create-order body (`external_id`, `products`).
    CreateOrder,
}

/// How a seed field's value becomes ours.
#[derive(Clone, Copy)]
enum Conv {
    /// Text; numbers (EANs, ids, phone numbers) become their digits; an empty
    /// string is absent (PHP clients send `''` for nothing).
    Text,
    /// A decimal as a number or a string: left to the `Decimal` rules.
    Amount,
    /// true/false, also as `"true"`, `"1"`, `0`.
    Bool,
    /// Seed 004's `YYYY-MM-DD HH:MM:SS`, read as UTC (RFC 3339 passes too).
    Date004,
    /// Kept as it is (free key/value objects).
    Same,
    /// The first or last name: joined into one name.
    FirstName,
    LastName,
    /// A nested address with its own names.
    Address(&'static [Field]),
    /// A list of order lines with their own names, and the quantity of a
    /// line that gives none.
    Lines(&'static [Field], Option<&'static str>),
}

/// One field of a seed: its name there, its path in our input (dotted: a
/// member of a nested object), and how its value converts.
#[derive(Clone, Copy)]
struct Field {
    seed: &'static str,
    ours: &'static str,
    conv: Conv,
}

const fn f(seed: &'static str, ours: &'static str, conv: Conv) -> Field {
    Field { seed, ours, conv }
}

/// Seed 004's order, plus `source`, which seed 004 leaves to the API key.
const SEED_004: &[Field] = &[
    f("id_order", "externalId", Conv::Text),
    f("order_date", "submittedAt", Conv::Date004),
    f("firstname", "customerName", Conv::FirstName),
    f("lastname", "customerName", Conv::LastName),
    f("email", "customerEmail", Conv::Text),
    f("reference", "reference", Conv::Text),
    // Seed 004's `qty` is optional: a product listed once was bought once.
    f(
        "products",
        "lines",
        Conv::Lines(SEED_004_PRODUCT, Some("1")),
    ),
    f("source", "source", Conv::Text),
];

/// Seed 004's product. `unit_price` is tax included: it becomes the price
/// with no VAT on top, so the order's total is what the shop charged.
/// `category_id` has no field of its own and is kept in `custom`.
const SEED_004_PRODUCT: &[Field] = &[
    f("id", "externalId", Conv::Text),
    f("name", "name", Conv::Text),
    f("category_id", "custom.category_id", Conv::Text),
    f("category_name", "category", Conv::Text),
    f("qty", "quantity", Conv::Amount),
    f("unit_price", "price", Conv::Amount),
    f("mpn", "mpn", Conv::Text),
    f("ean13", "ean13", Conv::Text),
    f("sku", "sku", Conv::Text),
    f("upc", "upc", Conv::Text),
    f("url", "url", Conv::Text),
];

const SEED_001: &[Field] = &[
    f("external_id", "externalId", Conv::Text),
    f("source", "source", Conv::Text),
    f("test", "test", Conv::Bool),
    f("total", "total", Conv::Amount),
    f("shipping_cost", "shippingCosts", Conv::Amount),
    f("email", "customerEmail", Conv::Text),
    f(
        "shipping_address",
        "shippingAddress",
        Conv::Address(SEED_001_ADDRESS),
    ),
    f("products", "lines", Conv::Lines(SEED_001_PRODUCT, None)),
];

/// Seed 001's table says `first_name`, its error example
/// `shipping_address.firstname`: both are read.
const SEED_001_ADDRESS: &[Field] = &[
    f("first_name", "firstName", Conv::Text),
    f("firstname", "firstName", Conv::Text),
    f("last_name", "lastName", Conv::Text),
    f("lastname", "lastName", Conv::Text),
    f("company_name", "companyName", Conv::Text),
    f("address1", "address1", Conv::Text),
    f("address2", "address2", Conv::Text),
    f("postcode", "postalCode", Conv::Text),
    f("city", "city", Conv::Text),
    f("state", "province", Conv::Text),
    f("country", "country", Conv::Text),
    f("phone", "phone", Conv::Text),
];

const SEED_001_PRODUCT: &[Field] = &[
    f("external_id", "externalId", Conv::Text),
    f("ean13", "ean13", Conv::Text),
    f("name", "name", Conv::Text),
    f("reference", "sku", Conv::Text),
    f("quantity", "quantity", Conv::Amount),
    f("stock_quantity", "stockQuantity", Conv::Amount),
    f("price", "price", Conv::Amount),
    f("image_url", "imageUrl", Conv::Text),
    f("brand", "brand", Conv::Text),
    f("category", "category", Conv::Text),
    f("supplier", "supplier", Conv::Text),
    f("custom", "custom", Conv::Same),
];

/// The top-level fields of a seed.
fn fields_of(seed: Seed) -> &'static [Field] {
    match seed {
        Seed::ImportOrder => SEED_004,
        Seed::CreateOrder => SEED_001,
    }
}

/// Maps an order in `seed`'s names onto ours, or says every field that
/// cannot be mapped. A member the seed does not have is an error: in a file,
/// a typo would otherwise lose data without a word.
pub fn map(seed: Seed, order: &Map<String, Value>) -> Result<Map<String, Value>, Vec<String>> {
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    let mapped = map_object(order, fields_of(seed), "", &mut errors, &mut unknown);
    errors.extend(unknown.into_iter().map(|at| format!("{at}: unknown field")));
    if errors.is_empty() {
        Ok(mapped)
    } else {
        Err(errors)
    }
}

/// An order mapped by [`map_lenient`], with the members it left out.
pub struct Lenient {
    pub order: Map<String, Value>,
    /// Dotted seed paths of the members the seed does not have.
    pub ignored: Vec<String>,
}

/// As [`map`], but members the seed does not have are left out and listed
/// instead of refused: the REST dialects accept what integration platforms
/// add and say what they did not use.
pub fn map_lenient(seed: Seed, order: &Map<String, Value>) -> Result<Lenient, Vec<String>> {
    let mut errors = Vec::new();
    let mut ignored = Vec::new();
    let order = map_object(order, fields_of(seed), "", &mut errors, &mut ignored);
    if errors.is_empty() {
        Ok(Lenient { order, ignored })
    } else {
        Err(errors)
    }
}

/// Maps the members of a seed object through `fields`; the paths of members
/// it does not know go to `unknown`.
fn map_object(
    object: &Map<String, Value>,
    fields: &[Field],
    path: &str,
    errors: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let (mut first, mut last) = (None, None);
    for (key, value) in object {
        let at = crate::validate::at(path, key);
        let Some(field) = fields.iter().find(|f| f.seed == key) else {
            unknown.push(at);
            continue;
        };
        let converted = match field.conv {
            Conv::Text => text(value, &at, errors),
            Conv::Amount => amount(value, &at, errors),
            Conv::Bool => boolean(value, &at, errors),
            Conv::Date004 => date_004(value, &at, errors),
            Conv::Same => (!value.is_null()).then(|| value.clone()),
            Conv::FirstName => {
                first = text(value, &at, errors);
                None
            }
            Conv::LastName => {
                last = text(value, &at, errors);
                None
            }
            Conv::Address(inner) => match value {
                Value::Object(address) => Some(Value::Object(map_object(
                    address, inner, &at, errors, unknown,
                ))),
                Value::Null => None,
                other => {
                    errors.push(format!("{at}: expected an object, not {}", kind_of(other)));
                    None
                }
            },
            Conv::Lines(inner, quantity) => lines(value, inner, quantity, &at, errors, unknown),
        };
        if let Some(converted) = converted {
            set_path(&mut out, field.ours, converted);
        }
    }
    let name: Vec<String> = [first, last]
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if !name.is_empty() {
        out.insert("customerName".into(), Value::String(name.join(" ")));
    }
    out
}

fn lines(
    value: &Value,
    fields: &'static [Field],
    default_quantity: Option<&str>,
    path: &str,
    errors: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Option<Value> {
    let items = match value {
        Value::Array(items) => items,
        Value::Null => return None,
        other => {
            errors.push(format!("{path}: expected a list, not {}", kind_of(other)));
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}.{i}");
        match item {
            Value::Object(product) => {
                let mut line = map_object(product, fields, &at, errors, unknown);
                if let Some(quantity) = default_quantity
                    && !line.contains_key("quantity")
                {
                    line.insert("quantity".into(), Value::String(quantity.to_owned()));
                }
                out.push(Value::Object(line));
            }
            other => errors.push(format!("{at}: expected an object, not {}", kind_of(other))),
        }
    }
    Some(Value::Array(out))
}

/// Sets `path` (dotted) in `object`, making the objects on the way.
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                set_path(inner, rest, value);
            }
        }
    }
}

fn text(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(_) => Some(value.clone()),
        Value::Number(n) => Some(Value::String(n.to_string())),
        other => {
            errors.push(format!("{path}: expected text, not {}", kind_of(other)));
            None
        }
    }
}

fn amount(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(_) | Value::Number(_) => Some(value.clone()),
        other => {
            errors.push(format!("{path}: expected a number, not {}", kind_of(other)));
            None
        }
    }
}

fn boolean(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    let parsed = match value {
        Value::Null => return None,
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => parse_bool(s),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    };
    if parsed.is_none() {
        errors.push(format!("{path}: expected true or false, not {value}"));
    }
    parsed.map(Value::Bool)
}

/// true/false as spreadsheets and PHP write them.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn date_004(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.trim(),
        other => {
            errors.push(format!(
                "{path}: expected a date YYYY-MM-DD HH:MM:SS, not {}",
                kind_of(other)
            ));
            return None;
        }
    };
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()));
    match parsed {
        Ok(at) => Some(Value::String(
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )),
        Err(_) => {
            errors.push(format!(
                "{path}: expected a date YYYY-MM-DD HH:MM:SS, not \"{text}\""
            ));
            None
        }
    }
}

/// What a JSON value is, for messages ("a list").
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A path in our names (`lines.0.price`, as validation reports it) in the
/// names of `seed` (`products.0.unit_price`), so a row's errors speak the
/// file's language. Segments without a seed counterpart stay as they are.
pub fn seed_path(seed: Seed, path: &str) -> String {
    let mut fields = fields_of(seed);
    if path.is_empty() {
        return path.to_owned();
    }
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        let segment = segments[i];
        let Some(field) = fields.iter().find(|f| f.ours == segment) else {
            out.extend(segments[i..].iter().map(|s| (*s).to_owned()));
            break;
        };
        out.push(field.seed.to_owned());
        match field.conv {
            Conv::Lines(inner, _) => {
                if let Some(index) = segments.get(i + 1) {
                    out.push((*index).to_owned());
                }
                fields = inner;
                i += 2;
            }
            Conv::Address(inner) => {
                fields = inner;
                i += 1;
            }
            _ => {
                out.extend(segments[i + 1..].iter().map(|s| (*s).to_owned()));
                break;
            }
        }
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_translate_into_seed_names() {
        assert_eq!(
            seed_path(Seed::ImportOrder, "lines.3.price"),
            "products.3.unit_price"
        );
        assert_eq!(seed_path(Seed::ImportOrder, "externalId"), "id_order");
        assert_eq!(
            seed_path(Seed::CreateOrder, "shippingAddress.postalCode"),
            "shipping_address.postcode"
        );
        assert_eq!(
            seed_path(Seed::CreateOrder, "lines.0.sku"),
            "products.0.reference"
        );
        assert_eq!(seed_path(Seed::CreateOrder, "customerId"), "customerId");
    }
}
