//! Seed 004's import order and seed 001's create-order body as tables of
//! their fields: each field's name there, its path in `UpsertOrderInput`, how
//! its value converts and whether the seed requires it. The tables map an
//! order onto our names and map error paths back, so a row's errors speak the
//! file's (or the dialect request's) language. Pure.

use serde_json::{Map, Value};

/// Which seed's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// Seed 004's import order (`id_order`, `order_date`, `products`).
    ImportOrder,
    /// Seed 001's create-order body (`external_id`, `products`).
    CreateOrder,
}

/// What a mapping does with what the seed's table does not hold, and with
/// the fields the seed calls mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// An order file (`ordergraph import`): an unknown field fails its order,
    /// since a typo in a file would otherwise lose data without a word and
    /// the file can be fixed. Mandatory fields are left to the service's own
    /// checks, as files always were.
    File,
    /// A dialect request (seed 004's form post): unknown keys are accepted
    /// and listed in [`Mapped::ignored`] (integration platforms send extras
    /// their users cannot change), and the seed's mandatory fields are
    /// required, as the vendor's API required them.
    Request,
}

/// An order in our names, with the keys left out.
#[derive(Debug)]
pub struct Mapped {
    /// The order in `UpsertOrderInput`'s names.
    pub order: Map<String, Value>,
    /// Dotted paths (in the seed's names) of keys the table does not hold;
    /// always empty in [`Mode::File`], which refuses them.
    pub ignored: Vec<String>,
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
    /// Kept as it is (free key/value objects).
    Same,
    /// The first or last name: joined into one name.
    FirstName,
    LastName,
    /// A nested address with its own names.
    Address(&'static [Field]),
    /// A list of order lines with their own names, and the values (in our
    /// names) of a line that gives none.
    Lines(&'static [Field], &'static [(&'static str, &'static str)]),
}

/// One field of a seed: its name there, its path in our input (dotted: a
/// member of a nested object), how its value converts, and whether the seed
/// calls it mandatory (enforced in [`Mode::Request`]).
#[derive(Clone, Copy)]
struct Field {
    seed: &'static str,
    ours: &'static str,
    conv: Conv,
    required: bool,
}

const fn f(seed: &'static str, ours: &'static str, conv: Conv) -> Field {
    Field {
        seed,
        ours,
        conv,
        required: false,
    }
}

/// A field the seed calls mandatory.
const fn req(seed: &'static str, ours: &'static str, conv: Conv) -> Field {
    Field {
        seed,
        ours,
        conv,
        required: true,
    }
}

/// Seed 004's order, plus `source`, which seed 004 leaves to the API key.
/// `order_date` stays local time: the service reads it in `IMPORT_TIMEZONE`.
const SEED_004: &[Field] = &[
    req("id_order", "externalId", Conv::Text),
    req("order_date", "orderDate", Conv::Text),
    req("firstname", "customerName", Conv::FirstName),
    req("lastname", "customerName", Conv::LastName),
    req("email", "customerEmail", Conv::Text),
    f("reference", "reference", Conv::Text),
    // Seed 004's `qty` and `unit_price` are optional: a product listed once
    // was bought once, and one without a price is stored at 0 (a review
    // request needs the product, not its price).
    f(
        "products",
        "lines",
        Conv::Lines(SEED_004_PRODUCT, &[("quantity", "1"), ("price", "0")]),
    ),
    f("source", "source", Conv::Text),
];

/// Seed 004's product. `unit_price` is tax included: it becomes the price
/// with no VAT on top, so the order's total is what the shop charged.
/// `category_id` has no field of its own and is kept in `custom`.
const SEED_004_PRODUCT: &[Field] = &[
    req("id", "externalId", Conv::Text),
    req("name", "name", Conv::Text),
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
    f("products", "lines", Conv::Lines(SEED_001_PRODUCT, &[])),
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

/// Maps an order in `seed`'s names onto ours ([`Mode::File`]), or says
/// every field that cannot be mapped.
pub fn map(seed: Seed, order: &Map<String, Value>) -> Result<Map<String, Value>, Vec<String>> {
    map_with(seed, order, Mode::File).map(|mapped| mapped.order)
}

/// Maps an order in `seed`'s names onto ours under `mode`, or says every
/// field that cannot be mapped (`path: message`, in the seed's names).
pub fn map_with(seed: Seed, order: &Map<String, Value>, mode: Mode) -> Result<Mapped, Vec<String>> {
    let mut run = Run {
        mode,
        errors: Vec::new(),
        ignored: Vec::new(),
    };
    let order = map_object(order, fields_of(seed), "", &mut run);
    if run.errors.is_empty() {
        Ok(Mapped {
            order,
            ignored: run.ignored,
        })
    } else {
        Err(run.errors)
    }
}

/// One mapping's mode and findings.
struct Run {
    mode: Mode,
    errors: Vec<String>,
    ignored: Vec<String>,
}

/// Maps the members of a seed object through `fields`; unknown members are
/// errors or ignored, as the mode says.
fn map_object(
    object: &Map<String, Value>,
    fields: &[Field],
    path: &str,
    run: &mut Run,
) -> Map<String, Value> {
    let mut out = Map::new();
    let (mut first, mut last) = (None, None);
    // Fields that gave a value, and fields whose value was reported wrong.
    let (mut given, mut reported): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for (key, value) in object {
        let at = crate::validate::at(path, key);
        let Some(field) = fields.iter().find(|f| f.seed == key) else {
            match run.mode {
                Mode::File => run.errors.push(format!("{at}: unknown field")),
                Mode::Request => run.ignored.push(at),
            }
            continue;
        };
        let before = run.errors.len();
        let converted = match field.conv {
            Conv::Text => text(value, &at, &mut run.errors),
            Conv::Amount => amount(value, &at, &mut run.errors),
            Conv::Bool => boolean(value, &at, &mut run.errors),
            Conv::Same => (!value.is_null()).then(|| value.clone()),
            Conv::FirstName => {
                first = text(value, &at, &mut run.errors);
                if first.is_some() {
                    given.push(field.seed);
                }
                None
            }
            Conv::LastName => {
                last = text(value, &at, &mut run.errors);
                if last.is_some() {
                    given.push(field.seed);
                }
                None
            }
            Conv::Address(inner) => match value {
                Value::Object(address) => Some(Value::Object(map_object(address, inner, &at, run))),
                Value::Null => None,
                other => {
                    run.errors
                        .push(format!("{at}: expected an object, not {}", kind_of(other)));
                    None
                }
            },
            Conv::Lines(inner, defaults) => lines(value, inner, defaults, &at, run),
        };
        if run.errors.len() > before {
            reported.push(field.seed);
        }
        if let Some(converted) = converted {
            given.push(field.seed);
            set_path(&mut out, field.ours, converted);
        }
    }
    if run.mode == Mode::Request {
        // A blank value is absent (PHP sends '' for nothing), so it is
        // missing too; a value of the wrong type was reported already.
        for field in fields.iter().filter(|f| f.required) {
            if !given.contains(&field.seed) && !reported.contains(&field.seed) {
                run.errors.push(format!(
                    "{}: is required",
                    crate::validate::at(path, field.seed)
                ));
            }
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
    defaults: &[(&str, &str)],
    path: &str,
    run: &mut Run,
) -> Option<Value> {
    let items = match value {
        Value::Array(items) => items,
        Value::Null => return None,
        other => {
            run.errors
                .push(format!("{path}: expected a list, not {}", kind_of(other)));
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}.{i}");
        match item {
            Value::Object(product) => {
                let mut line = map_object(product, fields, &at, run);
                for (ours, default) in defaults {
                    if !line.contains_key(*ours) {
                        line.insert((*ours).to_owned(), Value::String((*default).to_owned()));
                    }
                }
                out.push(Value::Object(line));
            }
            other => run
                .errors
                .push(format!("{at}: expected an object, not {}", kind_of(other))),
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
        assert_eq!(seed_path(Seed::ImportOrder, "orderDate"), "order_date");
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn a_request_lists_unknown_keys_where_a_file_refuses_them() {
        let order = object(serde_json::json!({
            "id_order": "1", "order_date": "2019-01-01 12:00:00", "firstname": "A",
            "lastname": "B", "email": "a@example.com", "shop": "x",
            "products": [{"id": 1, "name": "P", "colour": "red"}]
        }));
        let mapped = map_with(Seed::ImportOrder, &order, Mode::Request).unwrap();
        assert_eq!(mapped.ignored, ["shop", "products.0.colour"]);
        assert_eq!(mapped.order["orderDate"], "2019-01-01 12:00:00");
        assert_eq!(
            mapped.order["lines"],
            serde_json::json!([{"externalId": "1", "name": "P", "quantity": "1", "price": "0"}])
        );
        assert_eq!(
            map(Seed::ImportOrder, &order).unwrap_err(),
            ["shop: unknown field", "products.0.colour: unknown field"]
        );
    }

    #[test]
    fn a_request_needs_the_seeds_mandatory_fields() {
        let order = object(serde_json::json!({
            "id_order": "", "firstname": "A", "lastname": ["B"],
            "products": [{"id": "1", "qty": 2}]
        }));
        assert_eq!(
            map_with(Seed::ImportOrder, &order, Mode::Request).unwrap_err(),
            [
                "lastname: expected text, not a list",
                "products.0.name: is required",
                "id_order: is required",
                "order_date: is required",
                "email: is required",
            ]
        );
        // Files keep what they always accepted.
        let partial = object(serde_json::json!({"id_order": "1", "products": [{"id": "1"}]}));
        assert!(map(Seed::ImportOrder, &partial).is_ok());
    }
}
